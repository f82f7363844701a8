package opportunity_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"partnercenter/internal/opportunity"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// deliver makes n POs of p won and delivered, signed at signed.
func (f *fixture) deliver(t *testing.T, p *partner.Partner, n int, signed time.Time) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		fields := f.fields(fmt.Sprintf("delivered project %d %s", i, signed.Format("2006-01")), "government")
		fields.CustomerID, fields.ProspectName = "", "prospect of "+p.Name
		o := f.submit(t, p, fields)
		if _, err := f.decide(t, f.psmB, o.ID, approve()); err != nil {
			t.Fatal(err)
		}
		if err := f.db.InTxAt(ctx, signed.Add(time.Hour), func(tx *store.Tx) error {
			if _, err := opportunity.SetStage(ctx, tx, p.ID, "x", o.ID, opportunity.StageChange{Stage: opportunity.StageWon, SignedAt: signed}); err != nil {
				return err
			}
			_, err := opportunity.MarkDelivered(ctx, tx, p.ID, "x", o.ID, signed.Add(30*time.Minute))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHOEligibilitySharingAndAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		var diff, cert *partner.Partner
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			if diff, err = partner.Create(ctx, tx, partner.NewPartner{Name: "diff", Type: partner.SolutionProvider, Stage: partner.Differentiated}); err != nil {
				return err
			}
			if cert, err = partner.Create(ctx, tx, partner.NewPartner{Name: "cert", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		// cert: 2 deliveries this year and 1 older than 12 months → not yet.
		f.deliver(t, cert, 2, now.AddDate(0, -2, 0))
		f.deliver(t, cert, 1, now.AddDate(0, -13, 0))
		all, err := opportunity.AllEligibility(ctx, db.Reader(), now)
		if err != nil {
			t.Fatal(err)
		}
		if e := all[cert.ID]; e.Eligible || e.Delivered != 2 || e.Reason != "opportunity.ineligible_deliveries" {
			t.Fatalf("cert with 2: %+v", e)
		}
		if e := all[diff.ID]; e.Eligible || e.Reason != "opportunity.ineligible_programme" {
			t.Fatalf("differentiated outside the programme: %+v", e)
		}
		if e := all[f.p.ID]; e.Eligible {
			t.Fatalf("certified without deliveries: %+v", e)
		}
		f.deliver(t, cert, 1, now.AddDate(0, -1, 0))
		if err := db.InTx(ctx, func(tx *store.Tx) error { return opportunity.SetCoselling(ctx, tx, diff.ID, true) }); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*partner.Partner{cert, diff} {
			e, err := opportunity.PartnerEligibility(ctx, db.Reader(), p.ID, now)
			if err != nil || !e.Eligible {
				t.Fatalf("%s: %+v %v", p.Name, e, err)
			}
		}

		var ho *opportunity.Opportunity
		var results []opportunity.ShareResult
		err = db.InTx(ctx, func(tx *store.Tx) (err error) {
			fields := f.fields("", "finance")
			fields.CustomerID, fields.ProspectName, fields.ProjectName = "", "Harbour Bank", "core banking"
			fields.ContactName, fields.ContactPhone = "Ms Li", "13800000000"
			if ho, err = opportunity.CreateHO(ctx, tx, "bd-1", fields); err != nil {
				return err
			}
			results, err = opportunity.Share(ctx, tx, "bd-1", ho.ID, []string{cert.ID, diff.ID, f.p.ID}, time.Hour)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if results[0].Err != nil || results[1].Err != nil || key(results[2].Err) != "opportunity.ineligible_deliveries" {
			t.Fatalf("share results %+v", results)
		}
		offers, err := opportunity.Offers(ctx, db.Reader(), cert.ID, opportunity.ShareOffered)
		if err != nil || len(offers) != 1 || offers[0].Opportunity.ContactPhone != "" {
			t.Fatalf("offer before acceptance shows contact: %+v %v", offers, err)
		}
		answer := func(p *partner.Partner, at time.Time, accept bool, reason string) error {
			return db.InTxAt(ctx, at, func(tx *store.Tx) error {
				if accept {
					_, err := opportunity.Accept(ctx, tx, p.ID, "x", ho.ID)
					return err
				}
				return opportunity.Decline(ctx, tx, p.ID, "x", ho.ID, reason)
			})
		}
		if err := answer(diff, time.Now(), false, ""); key(err) != "opportunity.reason_required" {
			t.Fatalf("decline without reason: %v", err)
		}
		if err := answer(f.p, time.Now(), true, ""); key(err) != "opportunity.not_found" {
			t.Fatalf("accepting an HO not offered: %v", err)
		}
		if err := answer(cert, time.Now().Add(2*time.Hour), true, ""); key(err) != "opportunity.offer_expired" {
			t.Fatalf("accepting after expiry: %v", err)
		}
		if err := answer(cert, time.Now(), true, ""); err != nil {
			t.Fatal(err)
		}
		if err := answer(diff, time.Now(), true, ""); key(err) != "opportunity.offer_withdrawn" {
			t.Fatalf("second acceptance: %v", err)
		}
		got, err := opportunity.Get(ctx, db.Reader(), opportunity.Viewer{PartnerID: cert.ID}, ho.ID)
		if err != nil || got.ContactPhone != "13800000000" || got.PartnerID != cert.ID {
			t.Fatalf("accepted HO: %+v %v", got, err)
		}
		if _, err := opportunity.Get(ctx, db.Reader(), opportunity.Viewer{PartnerID: diff.ID}, ho.ID); key(err) != "opportunity.not_found" {
			t.Fatalf("the other partner sees the accepted HO: %v", err)
		}
		// The accepted HO moves through the stages.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := opportunity.SetStage(ctx, tx, cert.ID, "x", ho.ID, opportunity.StageChange{Stage: opportunity.StageShare, Comment: "met the CIO"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
