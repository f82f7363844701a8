package opportunity_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/opportunity"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestFunnelAndProspects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		a := f.submit(t, f.p, f.fields("alpha", "finance"))   // psm-a
		b := f.submit(t, f.p, f.fields("beta", "government")) // psm-b
		draftOnly := f.fields("gamma", "finance")             // never approved: not in the funnel
		_ = f.submit(t, f.p, draftOnly)
		for _, o := range []*opportunity.Opportunity{a, b} {
			reviewer := f.psmA
			if o.PSMUserID == f.psmB.ID {
				reviewer = f.psmB
			}
			if _, err := f.decide(t, reviewer, o.ID, approve()); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := opportunity.SetStage(ctx, tx, f.p.ID, "x", b.ID, opportunity.StageChange{Stage: opportunity.StageConfirm})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		funnel, err := opportunity.Funnel(ctx, db.Reader(), opportunity.Viewer{PartnerID: f.p.ID}, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(funnel) != 5 || funnel[0].Count != 1 || funnel[2].Count != 1 || funnel[2].Amount != 500_000_00 || funnel[1].Count != 0 {
			t.Fatalf("funnel %+v", funnel)
		}
		byPSM, err := opportunity.PipelineBy(ctx, db.Reader(), "psm")
		if err != nil || len(byPSM) != 2 || byPSM[0].Open != 1 {
			t.Fatalf("by PSM %+v %v", byPSM, err)
		}
		if other, _ := opportunity.Funnel(ctx, db.Reader(), opportunity.Viewer{PartnerID: f.other.ID}, "", ""); other[0].Count != 0 {
			t.Fatalf("another partner's funnel %+v", other)
		}

		// A prospect without an account: reported by the BD, released when the lock ends.
		prospect := f.fields("new build", "retail")
		prospect.CustomerID, prospect.ProspectName = "", "Future Co"
		po := f.submit(t, f.p, prospect)
		lockEnd := time.Now().Add(48 * time.Hour)
		var reported *opportunity.Opportunity
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			reported, err = opportunity.ReportProspect(ctx, tx, "bd-1", po.ID, lockEnd)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if reported.ProspectReleased(time.Now()) || !reported.ProspectReleased(lockEnd) {
			t.Fatalf("release at %v", reported.CRMLockUntil)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := opportunity.ReportProspect(ctx, tx, "bd-1", a.ID, lockEnd)
			return err
		}); key(err) != "opportunity.not_prospect" {
			t.Fatalf("reporting a registered customer: %v", err)
		}
	})
}
