package order_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/order"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

type fixture struct {
	db             *store.DB
	p, other       *partner.Partner
	c, referral    *customer.Customer
	vm, disk, vm2x *catalogue.Product
	quota          *coupon.Quota
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if f.p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "seller", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
			return err
		}
		if f.other, err = partner.Create(ctx, tx, partner.NewPartner{Name: "other", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
			return err
		}
		if f.c, err = customer.Create(ctx, tx, f.p, customer.NewCustomer{DomainName: "buyer"}, false); err != nil {
			return err
		}
		if f.referral, err = customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: "referral"}); err != nil {
			return err
		}
		if err := customer.Associate(ctx, tx, f.p.ID, f.referral.ID, customer.Referral); err != nil {
			return err
		}
		for _, s := range []catalogue.ServiceType{{Code: "hws.service.type.ec2", NameZh: "弹性云服务器", NameEn: "ECS"},
			{Code: "hws.service.type.ebs", NameZh: "云硬盘", NameEn: "EVS"}} {
			if err := catalogue.SaveServiceType(ctx, tx, s); err != nil {
				return err
			}
		}
		if err := catalogue.SaveRegion(ctx, tx, catalogue.Region{Code: "cn-north-4", NameZh: "华北-北京四", NameEn: "CN North-Beijing4"}); err != nil {
			return err
		}
		mk := func(spec string, service string, monthly int64, rate int64) *catalogue.Product {
			p := &catalogue.Product{ServiceTypeCode: service, ResourceTypeCode: "hws.resource.type.vm", ResourceTypeZh: "云主机",
				ResourceTypeEn: "VM", SpecCode: spec, SpecZh: spec, SpecEn: spec, MonthlyPrice: monthly, YearlyPrice: monthly * 10,
				OnSale: true}
			if rate > 0 {
				p.UsageUnit, p.UsageRate = "hour", rate
			}
			if err == nil {
				err = catalogue.Save(ctx, tx, p)
			}
			return p
		}
		f.vm = mk("s6.small.1.linux", "hws.service.type.ec2", 100_00, 0)
		f.vm2x = mk("s6.large.2.linux", "hws.service.type.ec2", 300_00, 0)
		f.disk = mk("sata.100g", "hws.service.type.ebs", 30_00, 4_000_000) // 0.04 yuan an hour
		if err != nil {
			return err
		}
		if _, err := funds.Recharge(ctx, tx, f.p.ID, 10_000_00, "bank_transfer", "", ""); err != nil {
			return err
		}
		if _, err := funds.Allocate(ctx, tx, f.p.ID, f.c.ID, 1_000_00, "", "tester", ""); err != nil {
			return err
		}
		f.quota, err = coupon.Grant(ctx, tx, coupon.NewQuota{PartnerID: f.p.ID, Type: coupon.VoucherQuota, Value: 1000_00,
			EffectiveAt: tx.Now.Add(-time.Hour), ExpiresAt: tx.Now.AddDate(0, 6, 0), MaxFaceValue: 300_00}, "finance")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) scope() customer.Scope { return customer.PartnerScope(f.p.ID) }

func (f *fixture) authorise(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	var token string
	if err := f.db.InTx(ctx, func(tx *store.Tx) (err error) {
		token, err = order.AuthorisationLink(ctx, tx, f.p.ID, f.c.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := order.SetAuthorisation(ctx, tx, token, true)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) create(t *testing.T, lines ...order.LineRequest) (*order.Order, error) {
	t.Helper()
	var o *order.Order
	err := f.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		o, err = order.Create(context.Background(), tx, order.NewOrder{Scope: f.scope(), CustomerID: f.c.ID, Lines: lines, CreatedBy: "tester"})
		return err
	})
	return o, err
}

func (f *fixture) pay(t *testing.T, id string, coupons ...string) (*order.Order, error) {
	t.Helper()
	var o *order.Order
	err := f.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		o, err = order.Pay(context.Background(), tx, order.PayRequest{Scope: f.scope(), OrderID: id, CouponIDs: coupons})
		return err
	})
	return o, err
}

func (f *fixture) balance(t *testing.T) int64 {
	t.Helper()
	b, _, err := funds.CustomerBalance(context.Background(), f.db.Reader(), f.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) check(t *testing.T) {
	t.Helper()
	v, err := ledger.Check(context.Background(), f.db.Reader())
	if err != nil || len(v) > 0 {
		t.Fatalf("ledger check: %v %v", v, err)
	}
}

func wantKey(t *testing.T, err error, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Key != key {
		t.Fatalf("want %s, got %v", key, err)
	}
}

func TestOrderNeedsAuthorisedResaleCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		line := order.LineRequest{ProductID: f.vm.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodMonth, PeriodNum: 1, Quantity: 1}
		_, err := f.create(t, line)
		wantKey(t, err, "order.not_authorised")
		err = db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := order.Create(context.Background(), tx, order.NewOrder{Scope: f.scope(), CustomerID: f.referral.ID, Lines: []order.LineRequest{line}})
			return err
		})
		wantKey(t, err, "order.referral_customer")
		err = db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := order.Create(context.Background(), tx, order.NewOrder{Scope: customer.PartnerScope(f.other.ID), CustomerID: f.c.ID, Lines: []order.LineRequest{line}})
			return err
		})
		if !errors.Is(err, customer.ErrNotFound) {
			t.Fatalf("another partner's customer: %v", err)
		}
		f.authorise(t)
		if _, err := f.create(t, line); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, _, err := customer.Freeze(context.Background(), tx, f.p.ID, f.c.ID, customer.FrozenAccount, "test")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = f.create(t, line)
		wantKey(t, err, "customer.frozen")
	})
}

func TestPayWithCouponsAndBalanceThenUnsubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.authorise(t)
		o, err := f.create(t,
			order.LineRequest{ProductID: f.vm.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodMonth, PeriodNum: 2, Quantity: 1, Name: "web-1"},
			order.LineRequest{ProductID: f.disk.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodYear, PeriodNum: 1, Quantity: 2})
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != order.StatusPendingPayment || o.Amount != 200_00+600_00 {
			t.Fatalf("order %+v", o)
		}
		// A coupon limited to block storage pays only the disk line.
		var diskCoupon, anyCoupon string
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			rs, err := coupon.Issue(ctx, tx, coupon.IssueRequest{PartnerID: f.p.ID, QuotaID: f.quota.ID, CustomerIDs: []string{f.c.ID},
				FaceValue: 50_00, ServiceTypes: []string{"hws.service.type.ebs"}, Operator: "tester"})
			if err != nil || rs[0].Err != nil {
				return errors.Join(err, rs[0].Err)
			}
			diskCoupon = rs[0].CouponID
			rs, err = coupon.Issue(ctx, tx, coupon.IssueRequest{PartnerID: f.p.ID, QuotaID: f.quota.ID, CustomerIDs: []string{f.c.ID},
				FaceValue: 300_00, Operator: "tester"})
			if err != nil || rs[0].Err != nil {
				return errors.Join(err, rs[0].Err)
			}
			anyCoupon = rs[0].CouponID
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		_, err = f.pay(t, o.ID, diskCoupon, anyCoupon, "x", "y")
		wantKey(t, err, "order.too_many_coupons")
		paid, err := f.pay(t, o.ID, diskCoupon, anyCoupon)
		if err != nil {
			t.Fatal(err)
		}
		if paid.Status != order.StatusCompleted || paid.CouponAmount != 350_00 || paid.BalanceAmount != 450_00 {
			t.Fatalf("paid %+v", paid)
		}
		if b := f.balance(t); b != 1_000_00-450_00 {
			t.Fatalf("balance %d", b)
		}
		_, err = f.pay(t, o.ID)
		if !errors.Is(err, order.ErrNotPending) {
			t.Fatalf("paying twice: %v", err)
		}
		got, err := order.Get(ctx, db.Reader(), f.scope(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Lines[0].ResourceID == "" || got.Lines[0].ResourceName != "web-1" || !got.Lines[0].ExpiresAt.After(time.Now().AddDate(0, 1, 27)) {
			t.Fatalf("line %+v", got.Lines[0])
		}
		uses, err := order.Coupons(ctx, db.Reader(), o.ID)
		if err != nil || len(uses) != 2 {
			t.Fatalf("coupons %v %v", uses, err)
		}
		// The coupon queries find the coupons by the order that used them.
		found, n, err := coupon.FindCoupons(ctx, db.Reader(), coupon.CouponQuery{Filter: coupon.Filter{PartnerID: f.p.ID, Limit: 10}, OrderID: o.ID})
		if err != nil || n != 2 || len(found) != 2 {
			t.Fatalf("coupons by order: %d %v", n, err)
		}
		// Unsubscribing the VM at once refunds its balance share in full
		// (less rounding): 200 yuan of 800 paid 450 from the balance.
		var unsub []*order.Order
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			unsub, _, err = order.Unsubscribe(ctx, tx, order.UnsubscribeRequest{PartnerID: f.p.ID, ResourceIDs: []string{got.Lines[0].ResourceID}, CreatedBy: "tester"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		refund := -unsub[0].Amount
		if refund < 112_49 || refund > 112_50 {
			t.Fatalf("refund %d", refund)
		}
		if b := f.balance(t); b != 1_000_00-450_00+refund {
			t.Fatalf("balance after refund %d", b)
		}
		// The fee records of the order and the refund agree with the balance.
		var fromBalance, fromCoupons int64
		if err := db.Reader().QueryRowContext(ctx, `SELECT SUM(balance_amount), SUM(coupon_amount) FROM fee_records WHERE customer_id = ?`,
			f.c.ID).Scan(&fromBalance, &fromCoupons); err != nil {
			t.Fatal(err)
		}
		if fromBalance != 1_000_00-f.balance(t) || fromCoupons != 350_00 {
			t.Fatalf("fee records: balance %d coupons %d", fromBalance, fromCoupons)
		}
		res, err := order.GetResource(ctx, db.Reader(), f.scope(), got.Lines[0].ResourceID)
		if err != nil || res.Status != order.ResourceClosed {
			t.Fatalf("resource %+v %v", res, err)
		}
		_, fails, err := renew(db, f, res.ID)
		if err != nil || len(fails) != 1 {
			t.Fatalf("renewing a released resource: %v %v", fails, err)
		}
		wantKey(t, fails[0].Err, "order.resource_closed")
		f.check(t)
	})
}

func renew(db *store.DB, f *fixture, ids ...string) ([]*order.Order, []order.ResourceFailure, error) {
	var orders []*order.Order
	var fails []order.ResourceFailure
	err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		orders, fails, err = order.Renew(context.Background(), tx, order.RenewRequest{PartnerID: f.p.ID, ResourceIDs: ids,
			PeriodType: catalogue.PeriodMonth, PeriodNum: 1, AutoPay: true, CreatedBy: "tester"})
		return err
	})
	return orders, fails, err
}

func TestInsufficientBalanceChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		f.authorise(t)
		o, err := f.create(t, order.LineRequest{ProductID: f.vm.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodYear, PeriodNum: 2, Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.pay(t, o.ID)
		wantKey(t, err, "funds.customer_balance_insufficient")
		got, err := order.Get(context.Background(), db.Reader(), f.scope(), o.ID)
		if err != nil || got.Status != order.StatusPendingPayment || f.balance(t) != 1_000_00 {
			t.Fatalf("after refusal: %+v %v", got, err)
		}
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := order.Cancel(context.Background(), tx, f.scope(), o.ID, "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = f.pay(t, o.ID)
		if !errors.Is(err, order.ErrNotPending) {
			t.Fatalf("paying a cancelled order: %v", err)
		}
		f.check(t)
	})
}

func TestRenewalExpiryAndRelease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.authorise(t)
		o, err := f.create(t, order.LineRequest{ProductID: f.vm.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodMonth, PeriodNum: 1, Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		if o, err = f.pay(t, o.ID); err != nil {
			t.Fatal(err)
		}
		resID := o.Lines[0].ResourceID
		expiry := o.Lines[0].ExpiresAt.Truncate(time.Microsecond)
		orders, _, err := renew(db, f, resID)
		if err != nil || len(orders) != 1 || orders[0].Status != order.StatusCompleted {
			t.Fatalf("renew %v %v", orders, err)
		}
		res, _ := order.GetResource(ctx, db.Reader(), f.scope(), resID)
		if !res.ExpiresAt.Equal(catalogue.PeriodEnd(expiry, catalogue.PeriodMonth, 1)) {
			t.Fatalf("renewed expiry %v from %v", res.ExpiresAt, expiry)
		}
		// Past expiry without auto-renewal: retention, then release.
		run := func(at time.Time) order.LifecycleResult {
			var r order.LifecycleResult
			if err := db.InTxAt(ctx, at, func(tx *store.Tx) (err error) {
				r, err = order.RunLifecycle(ctx, tx, 100)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return r
		}
		if r := run(res.ExpiresAt.Add(time.Minute)); r.Expired != 1 {
			t.Fatalf("expiry %+v", r)
		}
		if r := run(res.ExpiresAt.Add(order.RetentionPeriod + time.Minute)); r.Released != 1 {
			t.Fatalf("release %+v", r)
		}
		res, _ = order.GetResource(ctx, db.Reader(), f.scope(), resID)
		if res.Status != order.ResourceClosed {
			t.Fatalf("status %s", res.Status)
		}
		f.check(t)
	})
}

func TestFreezingAccountAndResourcesStopsResources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.authorise(t)
		var ppu *order.Resource
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			ppu, err = order.LaunchPayPerUse(ctx, tx, f.p.ID, f.c.ID, f.disk.ID, "cn-north-4", "", 100)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		status := func() string {
			r, err := order.GetResource(ctx, db.Reader(), f.scope(), ppu.ID)
			if err != nil {
				t.Fatal(err)
			}
			return r.Status
		}
		freeze := func(mode int) {
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				if mode == customer.NotFrozen {
					_, _, err = customer.Unfreeze(ctx, tx, f.p.ID, f.c.ID, "paid")
				} else {
					_, _, err = customer.Freeze(ctx, tx, f.p.ID, f.c.ID, mode, "unpaid")
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		freeze(customer.FrozenAccount)
		if s := status(); s != order.ResourceActive {
			t.Fatalf("account-only freeze stopped the resource: %s", s)
		}
		freeze(customer.NotFrozen)
		freeze(customer.FrozenAccountAndResource)
		if s := status(); s != order.ResourceFrozen {
			t.Fatalf("after freezing resources: %s", s)
		}
		freeze(customer.NotFrozen)
		if s := status(); s != order.ResourceActive {
			t.Fatalf("after unfreezing: %s", s)
		}
	})
}

func TestUnbindingRefusedWithUnpaidOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.authorise(t)
		o, err := f.create(t, order.LineRequest{ProductID: f.vm.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodMonth, PeriodNum: 1, Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		main := &auth.Principal{Kind: auth.KindPartner, PartnerID: f.p.ID, IsMain: true, Username: "seller"}
		unbind := func() error {
			return db.InTx(ctx, func(tx *store.Tx) error {
				_, _, err := funds.RequestUnbind(ctx, tx, main, f.c.ID)
				return err
			})
		}
		wantKey(t, unbind(), "order.unbind_unpaid_orders")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := order.Cancel(ctx, tx, f.scope(), o.ID, "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := unbind(); err != nil {
			t.Fatalf("unbinding after the order was cancelled: %v", err)
		}
	})
}
