package jobs

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The housekeeping sweep rejects reviews past their SLA.
func TestOpportunityDeadlines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var p *partner.Partner
		var o *opportunity.Opportunity
		err := db.InTxAt(ctx, time.Now().AddDate(0, -1, 0), func(tx *store.Tx) error {
			psm, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "psm-1", DisplayName: "psm", Roles: []auth.Role{auth.StaffPSM}, Password: "Passw0rd!long"})
			if err != nil {
				return err
			}
			office := &opportunity.Office{NameZh: "代表处", NameEn: "Office"}
			if err := opportunity.SaveOffice(ctx, tx, office); err != nil {
				return err
			}
			if err := opportunity.SetOfficePSM(ctx, tx, office.ID, psm.ID, nil); err != nil {
				return err
			}
			if p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "seller", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
				return err
			}
			o, err = opportunity.CreateDraft(ctx, tx, p.ID, "seller", opportunity.Fields{ProspectName: "Prospect", ProjectName: "p",
				Industry: "finance", OfficeID: office.ID, Products: []string{"hws.service.type.ec2"}, Amount: 100_00,
				ExpectedClose: tx.Now.AddDate(0, 3, 0), PartnerSolution: "s", CustomerConsent: true})
			if err != nil {
				return err
			}
			_, err = opportunity.Submit(ctx, tx, p.ID, "seller", o.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := opportunityDeadlines(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatal(err)
		}
		got, err := opportunity.Get(ctx, db.Reader(), opportunity.Viewer{PartnerID: p.ID}, o.ID)
		if err != nil || got.ReviewStatus != opportunity.Rejected || got.DecisionReason != "review_overdue" {
			t.Fatalf("after the sweep: %+v %v", got, err)
		}
	})
}
