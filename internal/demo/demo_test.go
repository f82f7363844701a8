package demo_test

import (
	"context"
	"testing"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/demo"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestDemoDataSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"admin", "psm-east-2", "distributor", "reseller-b", "distributor-manager"} {
			if _, _, err := auth.SignIn(ctx, db, name, demo.Password, "127.0.0.1", "test"); err != nil {
				t.Errorf("sign in as %s: %v", name, err)
			}
		}
		dist, _ := auth.GetUserByUsername(ctx, db.Reader(), "distributor")
		own, _ := customer.ScopeFor(ctx, db.Reader(), dist.Principal(), customer.OwnCustomers, "")
		all, n, err := customer.List(ctx, db.Reader(), own, customer.Filter{Limit: 100})
		if err != nil || n != 14 {
			t.Fatalf("distributor's customers = %d, %v", n, err)
		}
		frozen, managed, referral := 0, 0, 0
		for _, c := range all {
			if c.Frozen != 0 {
				frozen++
			}
			if c.Manager != nil {
				managed++
			}
			if c.AssociationType == customer.Referral {
				referral++
			}
		}
		if frozen != 1 || managed != 5 || referral == 0 {
			t.Errorf("frozen %d, managed %d, referral %d", frozen, managed, referral)
		}
		resellers, _ := customer.ScopeFor(ctx, db.Reader(), dist.Principal(), customer.ResellerCustomers, "")
		if _, n, _ := customer.List(ctx, db.Reader(), resellers, customer.Filter{}); n != 9 {
			t.Errorf("resellers' customers = %d, want 9", n)
		}
		mgr, _ := auth.GetUserByUsername(ctx, db.Reader(), "distributor-manager")
		mine, _ := customer.ScopeFor(ctx, db.Reader(), mgr.Principal(), customer.OwnCustomers, "")
		if _, n, _ := customer.List(ctx, db.Reader(), mine, customer.Filter{}); n != 5 {
			t.Errorf("manager's customers = %d, want 5", n)
		}
	})
}
