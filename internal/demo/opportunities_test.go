package demo_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/demo"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestDemoOpportunities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{}
		rows, err := db.Reader().QueryContext(ctx, `SELECT name, id FROM partners`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n, id string
			if err := rows.Scan(&n, &id); err != nil {
				t.Fatal(err)
			}
			ids[n] = id
		}
		rows.Close()
		for _, status := range opportunity.ReviewStatuses {
			_, n, err := opportunity.List(ctx, db.Reader(), opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: ids["distributor"]}, ReviewStatus: status})
			if err != nil || n == 0 {
				t.Errorf("no %s opportunity for the distributor (%v)", status, err)
			}
		}
		for _, stage := range opportunity.SalesStages {
			_, n, _ := opportunity.List(ctx, db.Reader(), opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: ids["distributor"]}, SalesStage: stage, ReviewStatus: opportunity.Approved})
			if n == 0 {
				t.Errorf("no approved opportunity at stage %s", stage)
			}
		}
		offers, err := opportunity.Offers(ctx, db.Reader(), ids["distributor"], "")
		if err != nil || len(offers) != 2 {
			t.Fatalf("offers %d %v", len(offers), err)
		}
		all, err := opportunity.AllEligibility(ctx, db.Reader(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if !all[ids["distributor"]].Eligible || all[ids["solution"]].Eligible || all[ids["solution"]].Reason == "" {
			t.Fatalf("eligibility %+v", all)
		}
		offices, err := opportunity.Offices(ctx, db.Reader())
		if err != nil || len(offices) != 2 || len(offices[0].PSMs)+len(offices[1].PSMs) != 3 {
			t.Fatalf("offices %+v %v", offices, err)
		}
	})
}
