package demo_test

import (
	"context"
	"testing"

	"partnercenter/internal/configurator"
	"partnercenter/internal/demo"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The partner `solution` has a published configurator (its solution 已发布
// through the sign-off) with lists, one linked to a won opportunity and
// submitted, and a configurator in development for its solution in
// 配置器开发中.
func TestDemoConfigurators(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		q := db.Reader()
		var pid string
		if err := q.QueryRowContext(ctx, `SELECT id FROM partners WHERE name = 'solution'`).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		all, err := configurator.Configurators(ctx, q, pid, "")
		if err != nil || len(all) != 2 {
			t.Fatalf("configurators: %d, %v", len(all), err)
		}
		statuses := map[string]*configurator.Configurator{}
		for _, c := range all {
			statuses[c.Status] = c
		}
		pub, dev := statuses[configurator.Published], statuses[configurator.Editing]
		if pub == nil || dev == nil || pub.SolutionName != demo.DemoPublishedSolution {
			t.Fatalf("statuses: %+v", statuses)
		}
		s, err := solution.Get(ctx, q, solution.Viewer{PartnerID: pid}, pub.SolutionID)
		if err != nil || s.Status != solution.Published {
			t.Errorf("published solution: %+v, %v", s, err)
		}
		if s, err := solution.Get(ctx, q, solution.Viewer{PartnerID: pid}, dev.SolutionID); err != nil || s.Status != solution.ConfiguratorDev {
			t.Errorf("solution in development: %+v, %v", s, err)
		}
		lists, err := configurator.Lists(ctx, q, pid, pub.ID)
		if err != nil || len(lists) != 3 {
			t.Fatalf("lists: %d, %v", len(lists), err)
		}
		sources, submitted := map[string]int{}, 0
		for _, l := range lists {
			sources[l.Source]++
			if l.Status == configurator.ListSubmitted {
				submitted++
				if l.OpportunityName != demo.DemoLinkedProject || l.Bill.Total <= 0 {
					t.Errorf("submitted list: %+v", l)
				}
			}
		}
		if sources[configurator.FromConfigurator] != 2 || sources[configurator.FromImport] != 1 || submitted != 1 {
			t.Errorf("lists: sources %v, %d submitted", sources, submitted)
		}
	})
}
