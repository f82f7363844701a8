package demo_test

import (
	"context"
	"os"
	"testing"

	"partnercenter/internal/demo"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/upload"
)

// The demo's materials are uploads: on PostgreSQL the default directory
// would be ./data/uploads inside this package, so the tests keep them in a
// temporary directory instead.
func init() {
	if os.Getenv(upload.EnvDir) == "" {
		if dir, err := os.MkdirTemp("", "partnercenter-demo-uploads-"); err == nil {
			os.Setenv(upload.EnvDir, dir)
		}
	}
}

// The partner `solution` has solutions in every status, the one in
// 配置器开发中 and others with assistance threads, each with its materials.
func TestDemoSolutions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		var pid string
		if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM partners WHERE name = 'solution'`).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		v := solution.Viewer{PartnerID: pid}
		for _, status := range solution.Statuses {
			list, n, err := solution.List(ctx, db.Reader(), solution.Filter{Viewer: v, Status: status})
			if err != nil || n == 0 {
				t.Fatalf("no %s solution for the partner solution (%v)", status, err)
			}
			files, err := solution.Files(ctx, db.Reader(), list[0].ID)
			if err != nil || len(files) != len(solution.FileKinds) {
				t.Fatalf("%s solution has %d materials (%v)", status, len(files), err)
			}
		}
		dev, _, err := solution.List(ctx, db.Reader(), solution.Filter{Viewer: v, Status: solution.ConfiguratorDev})
		if err != nil {
			t.Fatal(err)
		}
		thread, err := solution.Thread(ctx, db.Reader(), dev[0].ID)
		if err != nil || len(thread) < 2 || thread[len(thread)-1].Side != solution.PSA {
			t.Fatalf("the solution in 配置器开发中 has thread %+v (%v)", thread, err)
		}
		waiting, _, err := solution.List(ctx, db.Reader(), solution.Filter{AwaitingPSA: true})
		if err != nil || len(waiting) != 1 || waiting[0].Status != solution.JointApproval {
			t.Fatalf("threads awaiting the PSA: %+v (%v)", waiting, err)
		}
		returned, _, _ := solution.List(ctx, db.Reader(), solution.Filter{Viewer: v, Status: solution.Returned})
		if returned[0].ReturnReason == "" {
			t.Fatal("the returned solution has no reason")
		}
	})
}
