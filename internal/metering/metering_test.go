package metering_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/metering"
	"partnercenter/internal/order"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// t0 is the fixed start of every test: a resource launched at 00:30 is
// charged from the 00:00 hour.
var t0 = time.Date(2026, 3, 1, 0, 30, 0, 0, time.UTC)

type fixture struct {
	db        *store.DB
	now       time.Time
	p         *partner.Partner
	c         *customer.Customer
	disk, ecs *catalogue.Product
	quota     *coupon.Quota
	manager   *auth.User
}

func setup(t *testing.T, db *store.DB, funding int64) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, now: t0}
	db.Now = func() time.Time { return f.now }
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if f.p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "seller", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
			return err
		}
		if f.c, err = customer.Create(ctx, tx, f.p, customer.NewCustomer{DomainName: "buyer"}, false); err != nil {
			return err
		}
		if f.manager, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: "mgr", PartnerID: f.p.ID, Roles: []auth.Role{auth.PartnerManager},
			Password: "Passw0rd#x"}); err != nil {
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
		mk := func(spec, service string, rate int64) *catalogue.Product {
			p := &catalogue.Product{ServiceTypeCode: service, ResourceTypeCode: "hws.resource.type." + spec, ResourceTypeZh: spec,
				ResourceTypeEn: spec, SpecCode: spec, SpecZh: spec, SpecEn: spec, UsageUnit: "GB", UsageRate: rate, OnSale: true}
			if err == nil {
				err = catalogue.Save(ctx, tx, p)
			}
			return p
		}
		f.disk = mk("sata", "hws.service.type.ebs", 1_234_567) // 0.01234567 yuan per GB and hour
		f.ecs = mk("c6.large", "hws.service.type.ec2", 25_000_000)
		if err != nil {
			return err
		}
		if _, err := funds.Recharge(ctx, tx, f.p.ID, 100_000_00, "bank_transfer", "", ""); err != nil {
			return err
		}
		if funding > 0 {
			if _, err := funds.Allocate(ctx, tx, f.p.ID, f.c.ID, funding, "", "tester", ""); err != nil {
				return err
			}
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

func (f *fixture) launch(t *testing.T, p *catalogue.Product, qty int) *order.Resource {
	t.Helper()
	var r *order.Resource
	if err := f.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		r, err = order.LaunchPayPerUse(context.Background(), tx, f.p.ID, f.c.ID, p.ID, "cn-north-4", "", qty)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

// run advances the clock to at and meters.
func (f *fixture) run(t *testing.T, at time.Time, opts metering.Options) metering.Result {
	t.Helper()
	f.now = at
	res, err := metering.Run(context.Background(), f.db, at, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) balance(t *testing.T) int64 {
	t.Helper()
	b, _, err := funds.CustomerBalance(context.Background(), f.db.Reader(), f.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type feeSums struct{ n, rated, amount, coupon, balance, debt int64 }

func (f *fixture) fees(t *testing.T, where string, args ...any) feeSums {
	t.Helper()
	var s feeSums
	if err := f.db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(SUM(rated_amount), 0), COALESCE(SUM(amount), 0),
		COALESCE(SUM(coupon_amount), 0), COALESCE(SUM(balance_amount), 0), COALESCE(SUM(debt_amount), 0)
		FROM fee_records WHERE source = 'usage' AND `+where, args...).Scan(&s.n, &s.rated, &s.amount, &s.coupon, &s.balance, &s.debt); err != nil {
		t.Fatal(err)
	}
	return s
}

func checkLedger(t *testing.T, db *store.DB) {
	t.Helper()
	vs, err := ledger.Check(context.Background(), db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Error(v)
	}
}

func TestRoundingCarriesAndRerunChargesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 1000_00)
		r := f.launch(t, f.disk, 3) // 3 GB: 0.03703701 yuan an hour
		const hours = 100
		// Catch up in windows of 7 hours, so the carry crosses transactions.
		res := f.run(t, t0.Truncate(time.Hour).Add(hours*time.Hour).Add(10*time.Minute), metering.Options{Window: 7 * time.Hour})
		if res.ResourceHours != hours {
			t.Fatalf("charged %d hours, want %d", res.ResourceHours, hours)
		}
		exact := int64(hours) * 1_234_567 * 3 // 1e-8 yuan
		s := f.fees(t, "resource_id = ?", r.ID)
		if s.n != hours || s.rated != exact || s.amount != exact/catalogue.RatePerFen {
			t.Fatalf("fees %+v, want %d records rating %d charging %d fen", s, hours, exact, exact/catalogue.RatePerFen)
		}
		var carry int64
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT rate_carry FROM cloud_resources WHERE id = ?`, r.ID).Scan(&carry); err != nil {
			t.Fatal(err)
		}
		if carry != exact%catalogue.RatePerFen {
			t.Fatalf("carry %d, want %d", carry, exact%catalogue.RatePerFen)
		}
		if got := f.balance(t); got != 1000_00-s.amount || s.balance != s.amount {
			t.Fatalf("balance %d after %d fen charged (%+v)", got, s.amount, s)
		}
		// The same moment again, and a run before the next hour ends: nothing more.
		if res := f.run(t, f.now, metering.Options{}); res.ResourceHours != 0 {
			t.Fatalf("a second run charged %d hours", res.ResourceHours)
		}
		if res := f.run(t, f.now.Add(40*time.Minute), metering.Options{}); res.ResourceHours != 0 {
			t.Fatalf("a run within the hour charged %d hours", res.ResourceHours)
		}
		if res := f.run(t, f.now.Add(20*time.Minute), metering.Options{}); res.ResourceHours != 1 {
			t.Fatalf("the next hour: %d hours charged", res.ResourceHours)
		}
		var dup int
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM (SELECT fee_at FROM fee_records WHERE resource_id = ?
			GROUP BY fee_at HAVING COUNT(*) > 1) d`, r.ID).Scan(&dup); err != nil {
			t.Fatal(err)
		}
		if dup != 0 {
			t.Fatalf("%d hours charged twice", dup)
		}
		if f.balance(t) != 1000_00-f.fees(t, "resource_id = ?", r.ID).amount {
			t.Fatal("balance does not match the fee records")
		}
		checkLedger(t, db)
	})
}

func TestCouponsInScopePayFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 1000_00)
		ctx := context.Background()
		var couponID string
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			rs, err := coupon.Issue(ctx, tx, coupon.IssueRequest{PartnerID: f.p.ID, QuotaID: f.quota.ID, CustomerIDs: []string{f.c.ID},
				FaceValue: 10_00, ServiceTypes: []string{"hws.service.type.ec2"}, Operator: "tester"})
			if err != nil {
				return err
			}
			if rs[0].Err != nil {
				return rs[0].Err
			}
			couponID = rs[0].CouponID
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		ecs := f.launch(t, f.ecs, 1)     // 0.25 yuan an hour: 25 fen
		disk := f.launch(t, f.disk, 100) // 1.234567 yuan an hour, out of the coupon's scope
		f.run(t, t0.Truncate(time.Hour).Add(6*time.Hour), metering.Options{Window: 2 * time.Hour})
		e := f.fees(t, "resource_id = ?", ecs.ID)
		// 6 hours of 25 fen: the coupon's 10 yuan pays them all.
		if e.n != 6 || e.amount != 150 || e.coupon != 150 || e.balance != 0 {
			t.Fatalf("ecs fees %+v", e)
		}
		d := f.fees(t, "resource_id = ?", disk.ID)
		if d.coupon != 0 || d.balance != d.amount || d.amount == 0 {
			t.Fatalf("disk fees %+v", d)
		}
		c, err := coupon.Get(ctx, db.Reader(), f.p.ID, couponID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Balance != 10_00-150 {
			t.Fatalf("coupon balance %d", c.Balance)
		}
		if got := f.balance(t); got != 1000_00-d.amount {
			t.Fatalf("balance %d, want %d", got, 1000_00-d.amount)
		}
		// Past the coupon's balance the rest is paid from the balance.
		f.run(t, t0.Truncate(time.Hour).Add(50*time.Hour), metering.Options{})
		e = f.fees(t, "resource_id = ?", ecs.ID)
		if e.coupon != 10_00 || e.balance != e.amount-10_00 {
			t.Fatalf("ecs fees after the coupon ran out %+v", e)
		}
		checkLedger(t, db)
	})
}

func TestArrearsFreezeAndFunding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 100)     // 1 yuan
		r := f.launch(t, f.ecs, 1) // 25 fen an hour: 4 hours paid
		opts := metering.Options{Grace: 3 * time.Hour}
		h := t0.Truncate(time.Hour)
		for i := 1; i <= 6; i++ {
			f.run(t, h.Add(time.Duration(i)*time.Hour), opts)
		}
		a, err := metering.GetArrears(ctx, db.Reader(), f.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Debt != 50 || !a.Since.Equal(h.Add(4*time.Hour)) || !a.FrozenAt.IsZero() || f.balance(t) != 0 {
			t.Fatalf("after 6 hours: %+v, balance %d", a, f.balance(t))
		}
		// Hour 7 ends the grace period (debt since hour 4 + 3h): frozen.
		res := f.run(t, h.Add(7*time.Hour), opts)
		if res.Frozen != 1 {
			t.Fatalf("run at hour 7: %+v", res)
		}
		got, err := order.GetResource(ctx, db.Reader(), customer.PartnerScope(f.p.ID), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != order.ResourceFrozen {
			t.Fatalf("resource %s after the grace period", got.Status)
		}
		// Frozen hours are not metered.
		if res := f.run(t, h.Add(10*time.Hour), opts); res.ResourceHours != 0 {
			t.Fatalf("frozen resource charged %d hours", res.ResourceHours)
		}
		if s := f.fees(t, "resource_id = ?", r.ID); s.n != 7 || s.debt != 75 || s.balance != 100 {
			t.Fatalf("fees %+v", s)
		}
		checkLedger(t, db)
		// Funding pays the debt first, then the resource restarts from the current hour.
		f.now = h.Add(10*time.Hour + 20*time.Minute)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := funds.Allocate(ctx, tx, f.p.ID, f.c.ID, 200, "", "tester", "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		res = f.run(t, h.Add(10*time.Hour+30*time.Minute), opts)
		if res.Settled != 75 || res.Unfrozen != 1 {
			t.Fatalf("run after funding: %+v", res)
		}
		a, _ = metering.GetArrears(ctx, db.Reader(), f.c.ID)
		if a.Debt != 0 || a.Settled != 75 || !a.Since.IsZero() || !a.FrozenAt.IsZero() {
			t.Fatalf("arrears after funding %+v", a)
		}
		if got, _ := order.GetResource(ctx, db.Reader(), customer.PartnerScope(f.p.ID), r.ID); got.Status != order.ResourceActive {
			t.Fatalf("resource %s after funding", got.Status)
		}
		if f.balance(t) != 125 {
			t.Fatalf("balance %d after paying the debt", f.balance(t))
		}
		res = f.run(t, h.Add(12*time.Hour), opts)
		if res.ResourceHours != 2 || res.Balance != 50 {
			t.Fatalf("hours 10 and 11 after restarting: %+v", res)
		}
		if n := f.fees(t, "resource_id = ? AND fee_at >= ? AND fee_at < ?", r.ID, store.Micros(h.Add(7*time.Hour)), store.Micros(h.Add(10*time.Hour))).n; n != 0 {
			t.Fatalf("%d frozen hours charged", n)
		}
		checkLedger(t, db)
	})
}

func TestReleasedResourceStopsAndManagerAttribution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 1000_00)
		h := t0.Truncate(time.Hour)
		r := f.launch(t, f.ecs, 2)
		other := f.launch(t, f.ecs, 1)
		// The manager takes charge from hour 3 on.
		f.now = h.Add(3 * time.Hour)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := customer.AssignManager(ctx, tx, f.p.ID, f.c.ID, f.manager.ID, time.Time{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// Released at 05:10: hours 0 to 5 are charged, none after.
		f.now = h.Add(5*time.Hour + 10*time.Minute)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := metering.Release(ctx, tx, customer.PartnerScope(f.p.ID), r.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f.run(t, h.Add(9*time.Hour), metering.Options{Window: 4 * time.Hour})
		if s := f.fees(t, "resource_id = ?", r.ID); s.n != 6 || s.amount != 6*50 {
			t.Fatalf("released resource fees %+v", s)
		}
		if s := f.fees(t, "resource_id = ?", other.ID); s.n != 9 {
			t.Fatalf("other resource fees %+v", s)
		}
		if res := f.run(t, h.Add(20*time.Hour), metering.Options{}); res.ResourceHours != 11 {
			t.Fatalf("later run charged %d hours, want only the live resource's 11", res.ResourceHours)
		}
		if s := f.fees(t, "manager_user_id = ?", f.manager.ID); s.n != 3+17 {
			t.Fatalf("%d records attributed to the manager, want the hours from 3 on", s.n)
		}
		if s := f.fees(t, "manager_user_id = ''"); s.n != 6 {
			t.Fatalf("%d records without a manager, want hours 0 to 2 of both", s.n)
		}
		var months int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM fee_records WHERE source = 'usage' AND bill_month <> 202603`).Scan(&months); err != nil {
			t.Fatal(err)
		}
		if months != 0 {
			t.Fatalf("%d records outside March", months)
		}
		checkLedger(t, db)
	})
}

// A partner freezing a customer with its resources stops the metering; the
// resources restart when the freeze is lifted and are metered from that hour.
func TestCustomerFreezePausesMetering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 1000_00)
		h := t0.Truncate(time.Hour)
		r := f.launch(t, f.ecs, 1)
		f.run(t, h.Add(3*time.Hour), metering.Options{})
		f.now = h.Add(3*time.Hour + 10*time.Minute)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := customer.Freeze(ctx, tx, f.p.ID, f.c.ID, customer.FrozenAccountAndResource, "overdue invoice")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if res := f.run(t, h.Add(8*time.Hour), metering.Options{}); res.ResourceHours != 0 {
			t.Fatalf("a frozen customer's resource charged %d hours", res.ResourceHours)
		}
		f.now = h.Add(8*time.Hour + 20*time.Minute)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := customer.Unfreeze(ctx, tx, f.p.ID, f.c.ID, "paid")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f.run(t, h.Add(10*time.Hour), metering.Options{})
		s := f.fees(t, "resource_id = ?", r.ID)
		late := f.fees(t, "resource_id = ? AND fee_at >= ?", r.ID, store.Micros(h.Add(8*time.Hour)))
		if s.n != 5 || late.n != 2 {
			t.Fatalf("%d hours charged (%d from hour 8), want hours 0-2 and 8-9", s.n, late.n)
		}
		checkLedger(t, db)
	})
}
