package demo_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/demo"
	"partnercenter/internal/ledger"
	"partnercenter/internal/metering"
	"partnercenter/internal/order"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// allPartners is a scope over every demo partner's customers.
func allPartners(t *testing.T, ctx context.Context, db *store.DB) customer.Scope {
	t.Helper()
	rows, err := db.Reader().QueryContext(ctx, `SELECT id FROM partners ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var s customer.Scope
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		s.PartnerIDs = append(s.PartnerIDs, id)
	}
	return s
}

func TestDemoCloud(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		began := time.Now()
		if err := demo.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		t.Logf("demo loaded in %v", time.Since(began))
		now := db.Now()

		// About thirty products over the services and regions, sold by the
		// month, the year and pay-per-use, a few of them for incentives.
		products, err := catalogue.List(ctx, db.Reader(), catalogue.ProductFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(products) < 28 || len(products) > 36 {
			t.Errorf("%d demo products, want about 30", len(products))
		}
		var monthly, yearlyOnly, payPerUse, incentive, retired, fineRate int
		services := map[string]bool{}
		for _, p := range products {
			services[p.ServiceTypeCode] = true
			if p.MonthlyPrice > 0 {
				monthly++
				if p.YearlyPrice != p.MonthlyPrice*10 {
					t.Errorf("%s: yearly %d, monthly %d", p.SpecCode, p.YearlyPrice, p.MonthlyPrice)
				}
			} else if p.YearlyPrice > 0 {
				yearlyOnly++
			}
			if p.PayPerUse() {
				payPerUse++
				if p.UsageRate%catalogue.RatePerFen != 0 {
					fineRate++ // finer than a fen
				}
			}
			if p.Incentive {
				incentive++
			}
			if !p.OnSale {
				retired++
			}
		}
		if monthly < 20 || yearlyOnly == 0 || payPerUse < 20 || incentive < 3 || retired != 1 || fineRate < 3 {
			t.Errorf("catalogue: monthly %d, yearly only %d, pay-per-use %d, incentive %d, retired %d, sub-fen rates %d",
				monthly, yearlyOnly, payPerUse, incentive, retired, fineRate)
		}
		types, _ := catalogue.ServiceTypes(ctx, db.Reader())
		regions, _ := catalogue.Regions(ctx, db.Reader())
		if len(types) < 10 || len(services) != len(types) || len(regions) < 4 {
			t.Errorf("%d service types (%d with products), %d regions", len(types), len(services), len(regions))
		}

		// Orders of every type and status, placed over the last months.
		scope := allPartners(t, ctx, db)
		orders, total, err := order.List(ctx, db.Reader(), order.Filter{Scope: scope, Limit: order.MaxPage})
		if err != nil {
			t.Fatal(err)
		}
		if total < 40 || total != len(orders) {
			t.Fatalf("%d demo orders (%d listed)", total, len(orders))
		}
		statuses, kinds := map[int]int{}, map[int]int{}
		var byHand, timedOut, withCoupons, bySystem, recent, refunds int
		for _, o := range orders {
			statuses[o.Status]++
			kinds[o.Type]++
			if o.CreatedAt.After(now) || o.CreatedAt.Before(now.AddDate(0, -7, 0)) {
				t.Errorf("order %s created at %v", o.ID, o.CreatedAt)
			}
			if o.CreatedAt.After(now.AddDate(0, 0, -7)) {
				recent++
			}
			switch {
			case o.Status == order.StatusCancelled && o.CancelReason == "payment_timeout":
				timedOut++
			case o.Status == order.StatusCancelled:
				byHand++
			}
			if o.CouponAmount > 0 {
				withCoupons++
				if uses, err := order.Coupons(ctx, db.Reader(), o.ID); err != nil || len(uses) == 0 {
					t.Errorf("order %s coupons: %v %v", o.ID, uses, err)
				}
			}
			if o.Type == order.TypeRenew && o.CreatedBy == "system" && o.Status == order.StatusCompleted {
				bySystem++
			}
			if o.Amount < 0 && o.Status == order.StatusCompleted {
				refunds++
			}
		}
		for _, s := range []int{order.StatusCancelled, order.StatusCompleted, order.StatusPendingPayment} {
			if statuses[s] == 0 {
				t.Errorf("no order with status %d: %v", s, statuses)
			}
		}
		for _, k := range []int{order.TypeNew, order.TypeRenew, order.TypeChange, order.TypeUnsubscribe} {
			if kinds[k] == 0 {
				t.Errorf("no order of type %d: %v", k, kinds)
			}
		}
		t.Logf("orders %d: statuses %v types %v; by hand %d, timed out %d, coupons %d, auto-renewed %d, refunds %d, recent %d", total, statuses, kinds, byHand, timedOut, withCoupons, bySystem, refunds, recent)
		if byHand == 0 || timedOut == 0 || withCoupons < 3 || bySystem == 0 || refunds < 2 || recent == 0 {
			t.Errorf("cancelled by hand %d, timed out %d, with coupons %d, auto-renewed %d, refunds %d, last week %d",
				byHand, timedOut, withCoupons, bySystem, refunds, recent)
		}
		for _, o := range orders {
			if o.Status != order.StatusPendingPayment {
				continue
			}
			if !o.PaymentDeadline.After(now) {
				t.Errorf("order %s pending after its deadline %v", o.ID, o.PaymentDeadline)
			}
		}

		// Resources in every state.
		resources, n, err := order.ListResources(ctx, db.Reader(), order.ResourceFilter{Scope: scope, Limit: order.MaxPage})
		if err != nil || n != len(resources) {
			t.Fatalf("resources: %d of %d, %v", len(resources), n, err)
		}
		states := map[string]int{}
		var expiringAutoRenew, payPerUseRunning, longRunning, payPerUseReleased, frozenPeriodic, frozenPayPerUse int
		for _, r := range resources {
			states[r.Status]++
			if r.ChargingMode == order.ChargingPeriodic && r.Status == order.ResourceActive && r.AutoRenew &&
				r.ExpiresAt.After(now) && r.ExpiresAt.Before(now.AddDate(0, 0, 7)) {
				expiringAutoRenew++
			}
			switch {
			case r.ChargingMode == order.ChargingPayPerUse && r.Status == order.ResourceClosed:
				payPerUseReleased++
			case r.Status == order.ResourceFrozen && r.ChargingMode == order.ChargingPeriodic:
				frozenPeriodic++
			case r.Status == order.ResourceFrozen:
				frozenPayPerUse++
			}
			if r.ChargingMode == order.ChargingPayPerUse && r.Status == order.ResourceActive {
				payPerUseRunning++
				if r.EffectiveAt.Before(now.AddDate(0, -2, 0)) {
					longRunning++
				}
			}
		}
		for _, s := range []string{order.ResourceActive, order.ResourceGrace, order.ResourceFrozen, order.ResourceClosed} {
			if states[s] == 0 {
				t.Errorf("no resource %s: %v", s, states)
			}
		}
		t.Logf("resources %d: %v; expiring with auto-renew %d, pay-per-use %d (%d for months)", n, states, expiringAutoRenew, payPerUseRunning, longRunning)
		if expiringAutoRenew == 0 || payPerUseRunning < 8 || longRunning == 0 || payPerUseReleased == 0 || frozenPeriodic == 0 || frozenPayPerUse < 2 {
			t.Errorf("expiring with auto-renewal %d, pay-per-use running %d (%d for months), pay-per-use released %d; frozen %d yearly/monthly, %d pay-per-use",
				expiringAutoRenew, payPerUseRunning, longRunning, payPerUseReleased, frozenPeriodic, frozenPayPerUse)
		}

		// Most resale customers have authorised ordering on their behalf; one
		// has not yet.
		resale, _, err := customer.List(ctx, db.Reader(), scope, customer.Filter{AssociationType: customer.Resale, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		granted, missing := 0, 0
		for _, c := range resale {
			ok, err := order.Authorised(ctx, db.Reader(), c.PartnerID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case ok:
				granted++
			case c.Frozen == customer.NotFrozen:
				missing++
			}
		}
		if missing != 1 || granted < len(resale)-3 {
			t.Errorf("authorised %d of %d resale customers, %d unfrozen without", granted, len(resale), missing)
		}

		// Months of metered pay-per-use hours, paid from balances, and a
		// customer in arrears whose pay-per-use resources are frozen.
		var usageHours, usageMonths int
		var firstHour int64
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT bill_month), COALESCE(MIN(fee_at), 0)
			FROM fee_records WHERE source = 'usage'`).Scan(&usageHours, &usageMonths, &firstHour); err != nil {
			t.Fatal(err)
		}
		t.Logf("metered %d hours over %d bill months", usageHours, usageMonths)
		if usageHours < 3000 || usageMonths < 3 || store.Time(firstHour).After(now.AddDate(0, -2, 0)) {
			t.Errorf("metered %d hours over %d bill months from %v", usageHours, usageMonths, store.Time(firstHour))
		}
		var arrears, frozenForArrears int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(frozen_at) FROM customer_arrears WHERE debt > 0`).
			Scan(&arrears, &frozenForArrears); err != nil {
			t.Fatal(err)
		}
		if arrears != 1 || frozenForArrears != 1 {
			t.Errorf("customers in arrears %d, frozen for it %d", arrears, frozenForArrears)
		}
		if vs, err := metering.Check(ctx, db.Reader()); err != nil || len(vs) > 0 {
			t.Errorf("metering check after the demo: %v %v", vs, err)
		}
		if vs, err := ledger.Check(ctx, db.Reader()); err != nil || len(vs) > 0 {
			t.Errorf("ledger check after the demo: %v %v", vs, err)
		}
	})
}
