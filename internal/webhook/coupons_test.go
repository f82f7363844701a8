package webhook_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/webhook"
)

// A coupon's life as callbacks: issued (a refused customer is no event),
// reclaimed by the partner, and expired by the housekeeping sweep; the
// customers' creation, freeze and unbinding are events too.
func TestCouponAndCustomerChangesAreEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := testSealer(t)
		t0 := time.Now().UTC().Truncate(time.Second)
		clk := &clock{t: t0}
		db.Now = clk.Now
		var p *partner.Partner
		var quota *coupon.Quota
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			if p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "hooks-dist", Type: partner.TotalDistributor, Stage: partner.Certified}); err != nil {
				return err
			}
			quota, err = coupon.Grant(ctx, tx, coupon.NewQuota{PartnerID: p.ID, Type: coupon.VoucherQuota, Value: 1000_00,
				EffectiveAt: tx.Now.Add(-time.Hour), ExpiresAt: tx.Now.AddDate(0, 6, 0), MaxFaceValue: 300_00}, "finance")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		createEndpoint(t, db, sealer, p.ID, "https://hooks.example.com/pc", webhook.CustomerAssociated, webhook.CouponIssued,
			webhook.CouponReclaimed, webhook.CouponExpired, webhook.CustomerFrozen, webhook.CustomerUnbound)
		var c1, c2 *customer.Customer
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			if c1, err = customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: "hook-cust-one"}, false); err != nil {
				return err
			}
			c2, err = customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: "hook-cust-two"}, false)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var issued []coupon.IssueResult
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			issued, err = coupon.Issue(ctx, tx, coupon.IssueRequest{PartnerID: p.ID, QuotaID: quota.ID, CustomerIDs: []string{c1.ID, c2.ID, "nobody"},
				FaceValue: 100_00, ExpiresAt: t0.Add(48 * time.Hour), Operator: "dist"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if issued[2].Err == nil {
			t.Fatal("a coupon was issued to an unknown customer")
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := coupon.Reclaim(ctx, tx, p.ID, []string{issued[0].CouponID}, "客户流失", "dist")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clk.Set(t0.Add(49 * time.Hour))
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := coupon.Sweep(ctx, tx, 100); return err }); err != nil {
			t.Fatal(err)
		}

		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, _, err := customer.Freeze(ctx, tx, p.ID, c2.ID, customer.FrozenAccount, "欠费"); err != nil {
				return err
			}
			return customer.Unassociate(ctx, tx, p.ID, c1.ID)
		}); err != nil {
			t.Fatal(err)
		}

		count := map[string]int{}
		list, _, err := webhook.ListDeliveries(ctx, db.Reader(), webhook.Filter{PartnerID: p.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var expired string
		for _, d := range list {
			count[d.EventType]++
			if d.EventType == webhook.CouponExpired {
				full, err := webhook.GetDelivery(ctx, db.Reader(), p.ID, d.ID)
				if err != nil {
					t.Fatal(err)
				}
				expired = full.Payload
			}
		}
		want := map[string]int{webhook.CustomerAssociated: 2, webhook.CouponIssued: 2, webhook.CouponReclaimed: 1, webhook.CouponExpired: 1,
			webhook.CustomerFrozen: 1, webhook.CustomerUnbound: 1}
		for typ, n := range want {
			if count[typ] != n {
				t.Errorf("%s events: %d, want %d (all: %v)", typ, count[typ], n, count)
			}
		}
		if !strings.Contains(expired, `"coupon_id":"`+issued[1].CouponID+`"`) || !strings.Contains(expired, `"lapsed_amount":{"fen":10000,"yuan":"100.00"}`) {
			t.Errorf("coupon.expired payload %s", expired)
		}
	})
}
