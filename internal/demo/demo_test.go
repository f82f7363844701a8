package demo_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/demo"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
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
		// A year of money history, and the ledger is sound.
		b, err := funds.PartnerBalances(ctx, db.Reader(), dist.PartnerID)
		if err != nil || b.CreditLine != 50_000_00 || b.Recharge <= 0 {
			t.Errorf("distributor balances: %+v %v", b, err)
		}
		q := funds.StatementQuery{PartnerID: dist.PartnerID}
		if err := q.Normalize(time.Now()); err != nil {
			t.Fatal(err)
		}
		_, tot, err := funds.Statement(ctx, db.Reader(), q)
		if err != nil || tot.Count < 100 {
			t.Errorf("distributor statement over the last year: %+v %v", tot, err)
		}
		if vs, err := ledger.Check(ctx, db.Reader()); err != nil || len(vs) > 0 {
			t.Errorf("ledger check after the demo: %v %v", vs, err)
		}
		// Coupons in every state.
		states := map[int]int{}
		issued, _, err := coupon.List(ctx, db.Reader(), coupon.Filter{PartnerID: dist.PartnerID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range issued {
			states[c.Status]++
		}
		if states[coupon.Usable] == 0 || states[coupon.Expired] == 0 || states[coupon.Reclaimed] == 0 {
			t.Errorf("demo coupon states: %v", states)
		}
		resA, _ := auth.GetUserByUsername(ctx, db.Reader(), "reseller-a")
		if qs, _, _ := coupon.ListQuotas(ctx, db.Reader(), coupon.QuotaFilter{PartnerID: resA.PartnerID}); len(qs) != 1 {
			t.Errorf("reseller-a quotas: %d", len(qs))
		}
		mgr, _ := auth.GetUserByUsername(ctx, db.Reader(), "distributor-manager")
		mine, _ := customer.ScopeFor(ctx, db.Reader(), mgr.Principal(), customer.OwnCustomers, "")
		if _, n, _ := customer.List(ctx, db.Reader(), mine, customer.Filter{}); n != 5 {
			t.Errorf("manager's customers = %d, want 5", n)
		}
	})
}
