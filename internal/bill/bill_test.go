package bill_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/bill"
	"partnercenter/internal/bill/billtest"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/exports"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/metering"
	"partnercenter/internal/order"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// scene is a partner with two resale customers (one in a manager's charge)
// and another partner with one, after orders, coupons, a refund and
// pay-per-use hours over three months.
type scene struct {
	db         *store.DB
	now        time.Time
	month      bill.Month
	p, other   *partner.Partner
	c1, c2, c3 *customer.Customer
	manager    *auth.User
	cloud      *billtest.Cloud
	couponID   string
	disk       string // the pay-per-use disk of c1
}

func newScene(t *testing.T, db *store.DB) *scene {
	t.Helper()
	ctx := context.Background()
	// The tenth day of this month, 13:00 in UTC+8: hours around it stay in
	// the month.
	s := &scene{db: db}
	s.month = bill.MonthOf(time.Now())
	s.now = s.month.Start().Add(9*24*time.Hour + 13*time.Hour).UTC()
	db.Now = func() time.Time { return s.now }
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		mk := func(name string) *partner.Partner {
			p, e := partner.Create(ctx, tx, partner.NewPartner{Name: storetest.Name(name), Type: partner.Reseller, Stage: partner.Certified})
			err = errors.Join(err, e)
			return p
		}
		s.p, s.other = mk("seller"), mk("other")
		cust := func(p *partner.Partner, name string) *customer.Customer {
			c, e := customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: storetest.Name(name)}, false)
			err = errors.Join(err, e)
			return c
		}
		s.c1, s.c2, s.c3 = cust(s.p, "alpha"), cust(s.p, "beta"), cust(s.other, "gamma")
		if err != nil {
			return err
		}
		if s.manager, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: storetest.Name("mgr"), PartnerID: s.p.ID,
			Roles: []auth.Role{auth.PartnerManager}, Password: "Passw0rd#x"}); err != nil {
			return err
		}
		if _, _, err = customer.AssignManager(ctx, tx, s.p.ID, s.c1.ID, s.manager.ID, time.Time{}); err != nil {
			return err
		}
		if s.cloud, err = billtest.Catalogue(ctx, tx); err != nil {
			return err
		}
		for _, p := range []*partner.Partner{s.p, s.other} {
			if _, err := funds.Recharge(ctx, tx, p.ID, 10_000_00, "bank_transfer", "", ""); err != nil {
				return err
			}
		}
		for _, a := range []struct {
			p   *partner.Partner
			c   *customer.Customer
			fen int64
		}{{s.p, s.c1, 1_000_00}, {s.p, s.c2, 50_00}, {s.other, s.c3, 100_00}} {
			if _, err := funds.Allocate(ctx, tx, a.p.ID, a.c.ID, a.fen, "", "tester", ""); err != nil {
				return err
			}
		}
		q, err := coupon.Grant(ctx, tx, coupon.NewQuota{PartnerID: s.p.ID, Type: coupon.VoucherQuota, Value: 1000_00,
			EffectiveAt: tx.Now.Add(-time.Hour), ExpiresAt: tx.Now.AddDate(0, 6, 0), MaxFaceValue: 300_00}, "finance")
		if err != nil {
			return err
		}
		rs, err := coupon.Issue(ctx, tx, coupon.IssueRequest{PartnerID: s.p.ID, QuotaID: q.ID, CustomerIDs: []string{s.c1.ID},
			FaceValue: 30_00, Operator: "tester"})
		if err != nil || rs[0].Err != nil {
			return errors.Join(err, rs[0].Err)
		}
		s.couponID = rs[0].CouponID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := billtest.Authorise(ctx, db, s.p.ID, s.c1.ID); err != nil {
		t.Fatal(err)
	}
	// This month: c1 buys a VM and a disk for a month, 130.00 of which the
	// coupon pays 30.00, then unsubscribes the VM at once.
	o, err := billtest.PayOrder(ctx, db, s.p.ID, s.c1.ID, []string{s.couponID},
		order.LineRequest{ProductID: s.cloud.VM.ID, Region: billtest.Region, PeriodType: catalogue.PeriodMonth, PeriodNum: 1, Quantity: 1, Name: "web-1"},
		order.LineRequest{ProductID: s.cloud.Disk.ID, Region: billtest.Region, PeriodType: catalogue.PeriodMonth, PeriodNum: 1, Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := order.Get(ctx, db.Reader(), customer.PartnerScope(s.p.ID), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.now = s.now.Add(time.Minute)
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := order.Unsubscribe(ctx, tx, order.UnsubscribeRequest{PartnerID: s.p.ID, ResourceIDs: []string{got.Lines[0].ResourceID}, CreatedBy: "tester"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Pay-per-use hours, metered in time order: c1 five hours of a disk
	// two months ago (before its manager took charge) and three this month,
	// c2 five hours of an SSD last month (61.70) of which its balance
	// covered 50.00, c3 one hour.
	meter := func(partnerID, customerID string, p *catalogue.Product, from time.Time, hours int) string {
		t.Helper()
		id, _, err := billtest.Meter(ctx, db, billtest.Usage{PartnerID: partnerID, CustomerID: customerID, Product: p, From: from, Hours: hours})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	meter(s.p.ID, s.c1.ID, s.cloud.Disk, s.month.Add(-2).Start(), 5)
	meter(s.p.ID, s.c2.ID, s.cloud.SSD, s.month.Add(-1).Start().Add(time.Hour), 5)
	s.disk = meter(s.p.ID, s.c1.ID, s.cloud.Disk, s.now.Truncate(time.Hour).Add(time.Hour), 3)
	meter(s.other.ID, s.c3.ID, s.cloud.Disk, s.now.Truncate(time.Hour).Add(time.Hour), 1)
	return s
}

func (s *scene) scope() customer.Scope { return customer.PartnerScope(s.p.ID) }

// ledgerMoves is what the ledger moved out of a customer's balance for
// consumption (charges less refunds).
func ledgerMoves(t *testing.T, db *store.DB, customerID string) int64 {
	t.Helper()
	var sum int64
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e
		JOIN ledger_accounts a ON a.id = e.account_id WHERE a.owner_id = ? AND a.kind = ? AND e.code IN (?, ?)`,
		customerID, funds.KindCustomer, funds.TradeDeduct, funds.TradeRefund).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	return -sum
}

// couponMoves is what coupons paid of a customer's orders.
func couponMoves(t *testing.T, db *store.DB, customerID string) int64 {
	t.Helper()
	var sum int64
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COALESCE(SUM(oc.amount), 0) FROM customer_order_coupons oc
		JOIN customer_orders o ON o.id = oc.order_id WHERE o.customer_id = ?`, customerID).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestBillsAgreeWithLedgerToTheFen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newScene(t, db)
		if v, err := ledger.Check(ctx, db.Reader()); err != nil || len(v) > 0 {
			t.Fatalf("ledger check: %v %v", v, err)
		}
		oldest, _ := bill.Window(s.now)
		for _, c := range []struct {
			c     *customer.Customer
			scope customer.Scope
		}{{s.c1, s.scope()}, {s.c2, s.scope()}, {s.c3, customer.PartnerScope(s.other.ID)}} {
			trend, err := bill.Trend(ctx, db.Reader(), c.scope, c.c.ID, s.month, bill.HistoryMonths)
			if err != nil {
				t.Fatal(err)
			}
			var all bill.Sums
			for _, m := range trend {
				all.Count += m.Count
				all.Amount += m.Amount
				all.Coupon += m.Coupon
				all.Balance += m.Balance
				all.Debt += m.Debt
				// Each month's sums are the sums of its records.
				var direct bill.Sums
				if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0), COALESCE(SUM(coupon_amount), 0),
					COALESCE(SUM(balance_amount), 0), COALESCE(SUM(debt_amount), 0) FROM fee_records WHERE customer_id = ? AND bill_month = ?`,
					c.c.ID, int(m.Month)).Scan(&direct.Count, &direct.Amount, &direct.Coupon, &direct.Balance, &direct.Debt); err != nil {
					t.Fatal(err)
				}
				if direct != m.Sums {
					t.Fatalf("%s %s: sums %+v, records %+v", c.c.DomainName, m.Month, m.Sums, direct)
				}
			}
			if trend[0].Month != oldest || trend[len(trend)-1].Month != s.month {
				t.Fatalf("trend months %s..%s", trend[0].Month, trend[len(trend)-1].Month)
			}
			if got, want := all.Balance, ledgerMoves(t, db, c.c.ID); got != want {
				t.Fatalf("%s: bills took %s from the balance, the ledger %s", c.c.DomainName, money.Plain(got), money.Plain(want))
			}
			if got, want := all.Coupon, couponMoves(t, db, c.c.ID); got != want {
				t.Fatalf("%s: bills say coupons paid %s, the orders %s", c.c.DomainName, money.Plain(got), money.Plain(want))
			}
			if all.Amount != all.Coupon+all.Balance+all.Debt {
				t.Fatalf("%s: %+v", c.c.DomainName, all)
			}
			// The balance left is what was allocated less what the ledger
			// and the bills say was consumed.
			b, _, err := funds.CustomerBalance(ctx, db.Reader(), c.c.ID)
			if err != nil {
				t.Fatal(err)
			}
			allocated := map[string]int64{s.c1.ID: 1_000_00, s.c2.ID: 50_00, s.c3.ID: 100_00}[c.c.ID]
			if b != allocated-all.Balance {
				t.Fatalf("%s: balance %d, allocated %d, billed %d", c.c.DomainName, b, allocated, all.Balance)
			}
		}
		// The figures of the scene: c1 paid 130.00 (30.00 by coupon), got
		// back the VM's balance share, and used 3 hours of 0.04 this month.
		tot, err := bill.Total(ctx, db.Reader(), bill.Filter{Scope: s.scope(), Month: s.month, CustomerID: s.c1.ID})
		if err != nil {
			t.Fatal(err)
		}
		if tot.Count != 2+1+3 || tot.Coupon != 30_00 || tot.Debt != 0 {
			t.Fatalf("c1 this month: %+v", tot)
		}
		prev, err := bill.Total(ctx, db.Reader(), bill.Filter{Scope: s.scope(), Month: s.month.Add(-1), CustomerID: s.c2.ID})
		if err != nil || prev != (bill.Sums{Count: 5, Amount: 61_70, Balance: 50_00, Debt: 11_70}) {
			t.Fatalf("c2 last month: %+v %v", prev, err)
		}
	})
}

func TestScopesAndAttribution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newScene(t, db)
		q := db.Reader()
		// The partner sees its two customers, not the other partner's.
		rows, n, total, err := bill.ByCustomer(ctx, q, bill.Filter{Scope: s.scope(), Month: s.month, Limit: 10})
		if err != nil || n != 1 || len(rows) != 1 || rows[0].CustomerID != s.c1.ID || rows[0].CustomerName != s.c1.DomainName {
			t.Fatalf("this month: %d %+v %v", n, rows, err)
		}
		if total != rows[0].Sums {
			t.Fatalf("totals %+v, row %+v", total, rows[0].Sums)
		}
		ids, n, err := bill.ConsumingCustomers(ctx, q, bill.Filter{Scope: s.scope(), Month: s.month.Add(-1), Limit: 10})
		if err != nil || n != 1 || len(ids) != 1 || ids[0] != s.c2.ID {
			t.Fatalf("last month's customers: %v %d %v", ids, n, err)
		}
		if _, total, err := bill.Details(ctx, q, bill.Filter{Scope: s.scope(), Month: s.month, CustomerID: s.c3.ID}); err != nil || total.Count != 0 {
			t.Fatalf("another partner's customer: %+v %v", total, err)
		}
		// A manager sees the customer in its charge only, in every month.
		ms := s.scope()
		ms.ManagerUserID, ms.At = s.manager.ID, s.now
		if _, n, _, err := bill.ByCustomer(ctx, q, bill.Filter{Scope: ms, Month: s.month.Add(-1), Limit: 10}); err != nil || n != 0 {
			t.Fatalf("manager sees c2: %d %v", n, err)
		}
		if _, n, _, err := bill.ByCustomer(ctx, q, bill.Filter{Scope: ms, Month: s.month.Add(-2), Limit: 10}); err != nil || n != 1 {
			t.Fatalf("manager does not see c1's earlier months: %d %v", n, err)
		}
		// Performance: only what was charged while the manager was in charge
		// counts for it; the hours two months ago count for nobody.
		perf, err := bill.ManagerSums(ctx, q, s.p.ID, s.month.Add(-17), s.month)
		if err != nil {
			t.Fatal(err)
		}
		byManager := map[string]bill.Sums{}
		for _, m := range perf {
			if m.ManagerUserID == s.manager.ID && m.Month != s.month {
				t.Fatalf("manager credited in %s", m.Month)
			}
			sums := byManager[m.ManagerUserID]
			sums.Amount += m.Amount
			sums.Count += m.Count
			byManager[m.ManagerUserID] = sums
		}
		c1now, _ := bill.Total(ctx, q, bill.Filter{Scope: s.scope(), Month: s.month, CustomerID: s.c1.ID})
		if byManager[s.manager.ID].Amount != c1now.Amount || byManager[""].Count != 5+5 {
			t.Fatalf("performance %+v, c1 this month %+v", byManager, c1now)
		}
		attributed, err := bill.Total(ctx, q, bill.Filter{Scope: s.scope(), Month: s.month, ManagerUserID: s.manager.ID})
		if err != nil || attributed != c1now {
			t.Fatalf("attributed %+v %v", attributed, err)
		}
	})
}

func TestDetailsFiltersPagingAndMonthlyBills(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newScene(t, db)
		q := db.Reader()
		f := bill.Filter{Scope: s.scope(), Month: s.month, CustomerID: s.c1.ID, Limit: 4}
		page1, total, err := bill.Details(ctx, q, f)
		if err != nil || len(page1) != 4 || total.Count != 6 {
			t.Fatalf("page 1: %d rows of %d: %v", len(page1), total.Count, err)
		}
		f.Offset = 4
		page2, _, err := bill.Details(ctx, q, f)
		if err != nil || len(page2) != 2 {
			t.Fatalf("page 2: %d %v", len(page2), err)
		}
		var sum int64
		types := map[int]int{}
		for _, r := range append(page1, page2...) {
			sum += r.Amount
			types[r.DetailType]++
			if r.CustomerName != s.c1.DomainName || r.Month != s.month || r.ServiceTypeCode == "" || r.SpecZh == "" {
				t.Fatalf("record %+v", r)
			}
			if r.DetailType == bill.DetailUnsubscribe && (r.Amount >= 0 || r.ResourceName != "web-1") {
				t.Fatalf("refund %+v", r)
			}
		}
		if sum != total.Amount || types[bill.DetailNew] != 2 || types[bill.DetailUnsubscribe] != 1 || types[bill.DetailUsage] != 3 {
			t.Fatalf("sum %d of %+v, types %v", sum, total, types)
		}
		for _, c := range []struct {
			f    bill.Filter
			want int64
		}{
			{bill.Filter{DetailType: bill.DetailUsage}, 3},
			{bill.Filter{ChargingMode: bill.ChargingPeriodic}, 3},
			{bill.Filter{ServiceTypeCode: billtest.ServiceECS}, 2},
			{bill.Filter{ResourceID: s.disk}, 3},
			{bill.Filter{RegionCode: "cn-south-1"}, 0},
			{bill.Filter{From: s.now.Truncate(time.Hour).Add(2 * time.Hour)}, 2},
		} {
			c.f.Scope, c.f.Month, c.f.CustomerID = s.scope(), s.month, s.c1.ID
			_, tot, err := bill.Details(ctx, q, c.f)
			if err != nil || tot.Count != c.want {
				t.Fatalf("%+v: %d, want %d (%v)", c.f, tot.Count, c.want, err)
			}
		}
		// Every record, once, in the order of the pages.
		var each []string
		if err := bill.EachDetail(ctx, q, bill.Filter{Scope: s.scope(), Month: s.month}, func(r *bill.Record) error {
			each = append(each, r.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(each) != 6 || each[0] != page1[0].ID || each[5] != page2[1].ID {
			t.Fatalf("each %v", each)
		}
		// Monthly bills: per service and resource type, mode and direction.
		bills, n, err := bill.MonthlyBills(ctx, q, bill.Filter{Scope: s.scope(), Month: s.month, Limit: 10})
		if err != nil || n != 4 {
			t.Fatalf("monthly bills %d %+v %v", n, bills, err)
		}
		var refunds, all int64
		for _, b := range bills {
			all += b.Amount
			if b.Refund {
				refunds += b.Amount
				if b.ServiceTypeCode != billtest.ServiceECS || b.Amount >= 0 {
					t.Fatalf("refund bill %+v", b)
				}
			}
		}
		if all != total.Amount || refunds >= 0 {
			t.Fatalf("bills add to %d (refunds %d), records %d", all, refunds, total.Amount)
		}
		refund := true
		if _, n, err := bill.MonthlyBills(ctx, q, bill.Filter{Scope: s.scope(), Month: s.month, Refund: &refund, ChargingMode: bill.ChargingPeriodic}); err != nil || n != 1 {
			t.Fatalf("refund bills %d %v", n, err)
		}
	})
}

func TestMonths(t *testing.T) {
	m, err := bill.ParseMonth("cycle", "2026-01")
	if err != nil || m != 202601 || m.Add(-1) != 202512 || m.Add(11) != 202612 || m.Add(-13) != 202412 || m.String() != "2026-01" {
		t.Fatalf("%v %v %v", m, m.Add(-1), err)
	}
	for _, bad := range []string{"2026-13", "2026-1", "202601", "", "2026-01-01"} {
		_, err := bill.ParseMonth("cycle", bad)
		if e, ok := apperr.As(err); !ok || e.Key != "bill.month_format" || e.Field != "cycle" {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	now := time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC) // 2027-01-01 01:00 in UTC+8
	if bill.MonthOf(now) != 202701 {
		t.Fatalf("billing month %v", bill.MonthOf(now))
	}
	oldest, newest := bill.Window(now)
	if oldest != 202508 || newest != 202701 || len(bill.Months(now)) != 18 {
		t.Fatalf("window %v..%v", oldest, newest)
	}
	if err := bill.CheckWindow("cycle", 202507, now); err == nil {
		t.Fatal("19 months back accepted")
	}
	if err := bill.CheckWindow("cycle", 202702, now); err == nil {
		t.Fatal("next month accepted")
	}
}

func TestExportOfDetails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newScene(t, db)
		var e *exports.Export
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			e, err = exports.Create(ctx, tx, s.p.ID, "u1", bill.ExportDetails, exports.CSV, "zh-CN",
				bill.ExportParams(bill.Filter{Scope: s.scope(), Month: s.month}))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := exports.Run(ctx, db, e.ID); err != nil {
			t.Fatal(err)
		}
		e, err := exports.Get(ctx, db.Reader(), s.p.ID, "u1", e.ID)
		if err != nil || e.Status != exports.Done || e.RowsDone != 6 {
			t.Fatalf("export %+v %v", e, err)
		}
		var buf bytes.Buffer
		if err := exports.WriteFile(ctx, db.Reader(), e, &buf); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
		if err != nil || len(rows) != 7 {
			t.Fatalf("%d rows: %v", len(rows), err)
		}
		if rows[0][0] != "账期" || rows[0][14] != "应付金额(元)" {
			t.Fatalf("header %v", rows[0])
		}
		var sum int64
		for _, r := range rows[1:] {
			fen, err := money.Parse(r[14])
			if err != nil {
				t.Fatal(err)
			}
			sum += fen
			if r[0] != s.month.String() || r[2] != s.c1.ID || r[4] == billtest.ServiceECS && false {
				t.Fatalf("row %v", r)
			}
		}
		tot, _ := bill.Total(ctx, db.Reader(), bill.Filter{Scope: s.scope(), Month: s.month})
		if sum != tot.Amount {
			t.Fatalf("export sums to %d, bills %d", sum, tot.Amount)
		}
		if !strings.Contains(buf.String(), "云硬盘") || !strings.Contains(buf.String(), "退款-退订") {
			t.Fatalf("names missing: %s", buf.String())
		}
		// A bad month is refused when the export is asked for.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := exports.Create(ctx, tx, s.p.ID, "u1", bill.ExportDetails, exports.CSV, "zh-CN", bill.DetailsExport{Month: "2026-13"})
			return err
		})
		if e, ok := apperr.As(err); !ok || e.Key != "bill.month_format" {
			t.Fatalf("bad month: %v", err)
		}
	})
}

// Hours metered by the metering job over a day and a half: the bills' sums
// agree with the ledger and with the customers' arrears to the fen, and with
// what the job says it did.
func TestMeteredHoursAgreeWithLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newScene(t, db)
		// c1 has money left; c4 has 1.00 and goes into arrears.
		var c4 *customer.Customer
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			if c4, err = customer.Create(ctx, tx, s.p, customer.NewCustomer{DomainName: storetest.Name("delta")}, false); err != nil {
				return err
			}
			_, err = funds.Allocate(ctx, tx, s.p.ID, c4.ID, 1_00, "", "tester", "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		start := s.now.Truncate(time.Hour).Add(5 * time.Hour)
		var disks []*order.Resource
		if err := db.InTxAt(ctx, start, func(tx *store.Tx) error {
			for _, c := range []*customer.Customer{s.c1, c4} {
				r, err := order.LaunchPayPerUse(ctx, tx, s.p.ID, c.ID, s.cloud.Disk.ID, billtest.Region, "", 3)
				if err != nil {
					return err
				}
				disks = append(disks, r)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		before := map[string]int64{s.c1.ID: ledgerMoves(t, db, s.c1.ID), c4.ID: ledgerMoves(t, db, c4.ID)}
		res, err := metering.Run(ctx, db, start.Add(36*time.Hour), metering.Options{Window: 6 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if res.ResourceHours < 36 || res.Debt == 0 {
			t.Fatalf("metering %+v", res)
		}
		if v, err := ledger.Check(ctx, db.Reader()); err != nil || len(v) > 0 {
			t.Fatalf("ledger check: %v %v", v, err)
		}
		var all bill.Sums
		for i, c := range []*customer.Customer{s.c1, c4} {
			var metered bill.Sums
			for _, m := range []bill.Month{s.month, s.month.Add(1)} {
				part, err := bill.Total(ctx, db.Reader(), bill.Filter{Scope: s.scope(), Month: m, CustomerID: c.ID, ResourceID: disks[i].ID})
				if err != nil {
					t.Fatal(err)
				}
				metered.Add(part)
			}
			all.Add(metered)
			if metered.Count == 0 || metered.Amount != metered.Coupon+metered.Balance+metered.Debt {
				t.Fatalf("%s: %+v", c.DomainName, metered)
			}
			if got := ledgerMoves(t, db, c.ID) - before[c.ID]; got != metered.Balance {
				t.Fatalf("%s: the ledger took %d for the hours, the bills say %d", c.DomainName, got, metered.Balance)
			}
			arrears, err := metering.GetArrears(ctx, db.Reader(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if arrears.Debt+arrears.Settled != metered.Debt {
				t.Fatalf("%s: arrears %+v, the bills' debt %d", c.DomainName, arrears, metered.Debt)
			}
		}
		if all.Amount != res.Amount || all.Balance != res.Balance || all.Debt != res.Debt || all.Count != res.ResourceHours {
			t.Fatalf("bills %+v, metering %+v", all, res)
		}
		// The month's sums are the sum of its records.
		var direct bill.Sums
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0), COALESCE(SUM(coupon_amount), 0),
			COALESCE(SUM(balance_amount), 0), COALESCE(SUM(debt_amount), 0) FROM fee_records WHERE partner_id = ? AND bill_month = ?`,
			s.p.ID, int(s.month)).Scan(&direct.Count, &direct.Amount, &direct.Coupon, &direct.Balance, &direct.Debt); err != nil {
			t.Fatal(err)
		}
		tot, err := bill.Total(ctx, db.Reader(), bill.Filter{Scope: s.scope(), Month: s.month})
		if err != nil || tot != direct {
			t.Fatalf("month %+v, records %+v (%v)", tot, direct, err)
		}
	})
}
