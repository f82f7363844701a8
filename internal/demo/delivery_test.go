package demo_test

import (
	"context"
	"testing"

	"partnercenter/internal/delivery"
	"partnercenter/internal/demo"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The distributor has projects in every delivery state and every evaluation
// state, and the demo's sampling run re-runs to its stored draw.
func TestDemoDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		var distributor string
		if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM partners WHERE name = 'distributor'`).Scan(&distributor); err != nil {
			t.Fatal(err)
		}
		mine := delivery.Viewer{PartnerID: distributor}
		for _, status := range delivery.Statuses {
			if _, n, err := delivery.List(ctx, db.Reader(), delivery.Filter{Viewer: mine, Status: status}); err != nil || n == 0 {
				t.Errorf("no %s project for the distributor (%v)", status, err)
			}
		}
		for _, evaluation := range delivery.Evaluations {
			if _, n, err := delivery.List(ctx, db.Reader(), delivery.Filter{Viewer: mine, Evaluation: evaluation}); err != nil || n == 0 {
				t.Errorf("no %s project for the distributor (%v)", evaluation, err)
			}
		}
		runs, total, err := delivery.Runs(ctx, db.Reader(), 0, 10)
		if err != nil || total != 1 {
			t.Fatalf("%d sampling runs: %v", total, err)
		}
		run, err := delivery.GetRun(ctx, db.Reader(), runs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := delivery.Verify(run); err != nil || run.CandidateCount() != 5 || run.DrawnCount() != 4 {
			t.Errorf("run %d/%d: %v", run.DrawnCount(), run.CandidateCount(), err)
		}
		rejected, _, _ := delivery.List(ctx, db.Reader(), delivery.Filter{Viewer: mine, Evaluation: delivery.Rejected})
		rounds, err := delivery.Rounds(ctx, db.Reader(), mine, rejected[0].ID)
		if err != nil || len(rounds) != 1 || rounds[0].Comment == "" || len(rounds[0].Files[delivery.ItemSOW]) != 1 {
			t.Errorf("the rejected project's rounds: %+v %v", rounds, err)
		}
	})
}
