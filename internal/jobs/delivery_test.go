package jobs

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"partnercenter/internal/delivery"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The delivery job registers a won opportunity that has no project (one won
// before delivery evaluation existed), and samples accepted projects once
// the configured interval has passed.
func TestDeliveryJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		oppID := ids.New()
		var p *partner.Partner
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			if p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "seller", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO opportunities (id, code, origin, partner_id, customer_key, project_name, review_status,
				sales_stage, created_by, created_at, updated_at) VALUES (?, 'PO261101OLDWIN', ?, ?, 'prospect:x', 'old win', ?, ?, 'seller', ?, ?)`,
				oppID, opportunity.PO, p.ID, opportunity.Approved, opportunity.StageWon, store.Micros(tx.Now), store.Micros(tx.Now))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := runDelivery(ctx, db, log); err != nil {
			t.Fatal(err)
		}
		project, err := delivery.ByOpportunity(ctx, db.Reader(), delivery.Viewer{PartnerID: p.ID}, oppID)
		if err != nil || project.Status != delivery.Registered || project.ProjectName != "old win" {
			t.Fatalf("registered by the job: %+v %v", project, err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := delivery.SubmitFeedback(ctx, tx, p.ID, "seller", project.ID, delivery.Feedback{Status: delivery.Accepted, Date: time.Now()})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := runDelivery(ctx, db, log); err != nil {
			t.Fatal(err)
		}
		runs, total, err := delivery.Runs(ctx, db.Reader(), 0, 10)
		if err != nil || total != 1 || runs[0].RunBy != delivery.RunByJob || runs[0].CandidateCount() != 1 {
			t.Fatalf("runs after the job: %d %v", total, err)
		}
		// Run again at once: within the interval, nothing more happens.
		if err := runDelivery(ctx, db, log); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := delivery.Runs(ctx, db.Reader(), 0, 10); total != 1 {
			t.Errorf("%d runs after a second pass", total)
		}
	})
}
