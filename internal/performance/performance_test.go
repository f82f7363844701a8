package performance_test

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
	"partnercenter/internal/customer"
	"partnercenter/internal/exports"
	"partnercenter/internal/funds"
	"partnercenter/internal/incentive"
	"partnercenter/internal/partner"
	"partnercenter/internal/performance"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// scene is a partner whose customer c1 is in manager A's charge two months
// ago, then in B's last month, then in A's again this month; c2 nobody
// ever takes charge of; c4, associated last month, B takes at once. Another
// partner's customer c3 is in its own manager's charge. Every one of them
// runs pay-per-use hours in those months.
type scene struct {
	db                 *store.DB
	month              bill.Month // this month
	p, other           *partner.Partner
	a, b, otherManager *auth.User
	c1, c2, c3, c4     *customer.Customer
}

func newScene(t *testing.T, db *store.DB) *scene {
	t.Helper()
	ctx := context.Background()
	s := &scene{db: db, month: bill.MonthOf(time.Now())}
	at := func(m bill.Month, hours int) time.Time { return m.Start().Add(time.Duration(hours) * time.Hour).UTC() }
	var cloud *billtest.Cloud
	run := func(when time.Time, fn func(tx *store.Tx) error) {
		t.Helper()
		if err := db.InTxAt(ctx, when, fn); err != nil {
			t.Fatal(err)
		}
	}
	cust := func(tx *store.Tx, p *partner.Partner, name string) *customer.Customer {
		t.Helper()
		c, err := customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: storetest.Name(name)}, false)
		if err == nil {
			_, err = funds.Allocate(ctx, tx, p.ID, c.ID, 1_000_00, "", "tester", "")
		}
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	assign := func(tx *store.Tx, p *partner.Partner, c *customer.Customer, m *auth.User) {
		t.Helper()
		if _, _, err := customer.AssignManager(ctx, tx, p.ID, c.ID, m.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	run(at(s.month.Add(-2), 1), func(tx *store.Tx) (err error) {
		mk := func(name string) *partner.Partner {
			p, e := partner.Create(ctx, tx, partner.NewPartner{Name: storetest.Name(name), Type: partner.Reseller, Stage: partner.Certified})
			if e == nil {
				_, e = funds.Recharge(ctx, tx, p.ID, 10_000_00, "bank_transfer", "", "")
			}
			err = errors.Join(err, e)
			return p
		}
		s.p, s.other = mk("seller"), mk("other")
		user := func(p *partner.Partner, name string) *auth.User {
			u, e := auth.CreateUser(ctx, tx, auth.NewUser{Username: storetest.Name(name), DisplayName: name, PartnerID: p.ID,
				Roles: []auth.Role{auth.PartnerManager}, Password: "Passw0rd#x"})
			err = errors.Join(err, e)
			return u
		}
		s.a, s.b, s.otherManager = user(s.p, "mgr-a"), user(s.p, "mgr-b"), user(s.other, "mgr-o")
		if err != nil {
			return err
		}
		s.c1, s.c2, s.c3 = cust(tx, s.p, "alpha"), cust(tx, s.p, "beta"), cust(tx, s.other, "gamma")
		assign(tx, s.p, s.c1, s.a)
		assign(tx, s.other, s.c3, s.otherManager)
		cloud, err = billtest.Catalogue(ctx, tx)
		return err
	})
	meter := func(c *customer.Customer, p *catalogue.Product, from time.Time, hours int) {
		t.Helper()
		if _, _, err := billtest.Meter(ctx, db, billtest.Usage{PartnerID: c.PartnerID, CustomerID: c.ID, Product: p, From: from, Hours: hours}); err != nil {
			t.Fatal(err)
		}
	}
	// Two months ago: c1 five hours in A's charge, c2 three in nobody's.
	meter(s.c1, cloud.Disk, at(s.month.Add(-2), 2), 5)
	meter(s.c2, cloud.SSD, at(s.month.Add(-2), 8), 3)
	// Last month: c1 passes to B, c4 arrives in B's charge.
	run(at(s.month.Add(-1), 1), func(tx *store.Tx) error {
		assign(tx, s.p, s.c1, s.b)
		s.c4 = cust(tx, s.p, "delta")
		assign(tx, s.p, s.c4, s.b)
		return nil
	})
	meter(s.c1, cloud.Disk, at(s.month.Add(-1), 2), 4)
	meter(s.c4, cloud.SSD, at(s.month.Add(-1), 7), 2)
	meter(s.c3, cloud.Disk, at(s.month.Add(-1), 10), 6)
	// This month: c1 back with A for one hour, then c2 one more hour.
	run(at(s.month, 1), func(tx *store.Tx) error {
		assign(tx, s.p, s.c1, s.a)
		return nil
	})
	meter(s.c1, cloud.SSD, at(s.month, 2), 1)
	meter(s.c2, cloud.Disk, at(s.month, 4), 1)
	return s
}

// attributed is what the partner's fee records of a month add up to for a
// manager, read from the records and the manager periods themselves (the
// period that covers each record's moment), not from the sums.
func attributed(t *testing.T, db *store.DB, partnerID, managerID string, m bill.Month) (amount, n int64) {
	t.Helper()
	cond := `EXISTS (SELECT 1 FROM customer_manager_periods p WHERE p.customer_id = f.customer_id AND p.manager_user_id = ?
		AND p.starts_at <= f.fee_at AND (p.ends_at IS NULL OR p.ends_at > f.fee_at))`
	args := []any{partnerID, int(m), managerID}
	if managerID == "" {
		cond = `NOT EXISTS (SELECT 1 FROM customer_manager_periods p WHERE p.customer_id = f.customer_id
			AND p.starts_at <= f.fee_at AND (p.ends_at IS NULL OR p.ends_at > f.fee_at))`
		args = args[:2]
	}
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COALESCE(SUM(f.amount), 0), COUNT(*) FROM fee_records f
		WHERE f.partner_id = ? AND f.bill_month = ? AND `+cond, args...).Scan(&amount, &n); err != nil {
		t.Fatal(err)
	}
	return amount, n
}

func cellsOf(r *performance.Report) map[performance.Cell]performance.Figures {
	out := map[performance.Cell]performance.Figures{}
	for _, c := range r.Cells {
		out[performance.Cell{ManagerUserID: c.ManagerUserID, Month: c.Month}] = c.Figures
	}
	return out
}

func TestConsumptionFollowsManagerPeriodsToTheFen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newScene(t, db)
		first := s.month.Add(-2)
		r, err := performance.Query(ctx, db.Reader(), performance.Scope{PartnerID: s.p.ID}, first, s.month)
		if err != nil {
			t.Fatal(err)
		}
		cells := cellsOf(r)
		// The records each cell must hold: c1's hours with whoever had it,
		// c2's and nothing else with nobody.
		wantRecords := map[performance.Cell]int64{
			{ManagerUserID: s.a.ID, Month: first}:           5,
			{ManagerUserID: "", Month: first}:               3,
			{ManagerUserID: s.b.ID, Month: s.month.Add(-1)}: 4 + 2,
			{ManagerUserID: s.a.ID, Month: s.month}:         1,
			{ManagerUserID: "", Month: s.month}:             1,
		}
		var total int64
		for m := first; m <= s.month; m = m.Add(1) {
			for _, manager := range []string{s.a.ID, s.b.ID, ""} {
				k := performance.Cell{ManagerUserID: manager, Month: m}
				amount, n := attributed(t, db, s.p.ID, manager, m)
				got := cells[k]
				if got.Consumption != amount || got.Records != n || n != wantRecords[k] {
					t.Errorf("%s %s: performance %d fen in %d records; records attributed by period %d fen in %d, want %d records",
						manager, m, got.Consumption, got.Records, amount, n, wantRecords[k])
				}
				total += amount
			}
		}
		if r.Total.Consumption != total || total <= 0 {
			t.Fatalf("total %d, records %d", r.Total.Consumption, total)
		}
		// The monthly totals are the months' records, whoever had them.
		for _, m := range r.Months {
			var sum int64
			if err := db.Reader().QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM fee_records WHERE partner_id = ? AND bill_month = ?`,
				s.p.ID, int(m.Month)).Scan(&sum); err != nil {
				t.Fatal(err)
			}
			if m.Consumption != sum {
				t.Errorf("%s: %d, records %d", m.Month, m.Consumption, sum)
			}
		}
		if len(r.Months) != 3 || r.Months[0].Month != first {
			t.Fatalf("months %+v", r.Months)
		}
		// New customers: c1 with A and c2 with nobody two months ago, c4
		// with B last month; c1's later managers do not take it.
		for k, want := range map[performance.Cell]int64{
			{ManagerUserID: s.a.ID, Month: first}: 1, {ManagerUserID: "", Month: first}: 1,
			{ManagerUserID: s.b.ID, Month: s.month.Add(-1)}: 1,
		} {
			if got := cells[k].NewCustomers; got != want {
				t.Errorf("new customers of %q in %s: %d, want %d", k.ManagerUserID, k.Month, got, want)
			}
		}
		if r.Total.NewCustomers != 3 {
			t.Errorf("new customers %d, want 3", r.Total.NewCustomers)
		}
		// Managers by name, nobody last.
		if len(r.Managers) != 3 || r.Managers[0].UserID != s.a.ID || r.Managers[1].UserID != s.b.ID || r.Managers[2].UserID != "" {
			t.Fatalf("managers %+v", r.Managers)
		}
	})
}

func TestManagerSeesOnlyItsOwnAndOtherPartnersAreInvisible(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newScene(t, db)
		first := s.month.Add(-2)
		mgr := &auth.Principal{Kind: auth.KindPartner, UserID: s.b.ID, PartnerID: s.p.ID, Roles: []auth.Role{auth.PartnerManager}}
		scope, err := performance.ScopeFor(mgr)
		if err != nil || scope.ManagerUserID != s.b.ID || scope.PartnerID != s.p.ID {
			t.Fatalf("manager scope %+v %v", scope, err)
		}
		r, err := performance.Query(ctx, db.Reader(), scope, first, s.month)
		if err != nil {
			t.Fatal(err)
		}
		amount, n := attributed(t, db, s.p.ID, s.b.ID, s.month.Add(-1))
		if len(r.Managers) != 1 || r.Managers[0].UserID != s.b.ID || r.Total.Consumption != amount || r.Total.Records != n ||
			r.Total.NewCustomers != 1 {
			t.Fatalf("manager B sees %+v, total %+v; its own: %d fen in %d records", r.Managers, r.Total, amount, n)
		}
		for _, c := range r.Cells {
			if c.ManagerUserID != s.b.ID {
				t.Fatalf("manager B sees %s's cell", c.ManagerUserID)
			}
		}
		// The main account sees everyone of its own partner, never the
		// other partner's manager or customers.
		main := &auth.Principal{Kind: auth.KindPartner, UserID: "main", PartnerID: s.p.ID, IsMain: true}
		scope, err = performance.ScopeFor(main)
		if err != nil || scope.ManagerUserID != "" {
			t.Fatalf("main scope %+v %v", scope, err)
		}
		all, err := performance.Query(ctx, db.Reader(), scope, first, s.month)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		if err := db.Reader().QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM fee_records WHERE partner_id = ?`, s.p.ID).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		if all.Total.Consumption != sum || all.Total.NewCustomers != 3 {
			t.Fatalf("partner total %+v, its records %d", all.Total, sum)
		}
		for _, c := range all.Cells {
			if c.ManagerUserID == s.otherManager.ID {
				t.Fatal("the other partner's manager shows")
			}
		}
		theirs, err := performance.Query(ctx, db.Reader(), performance.Scope{PartnerID: s.other.ID}, first, s.month)
		if err != nil {
			t.Fatal(err)
		}
		if theirs.Total.NewCustomers != 1 || len(theirs.Managers) != 1 || theirs.Managers[0].UserID != s.otherManager.ID {
			t.Fatalf("other partner %+v", theirs.Managers)
		}
		// A user who may see neither customers nor performance is refused.
		if _, err := performance.ScopeFor(&auth.Principal{Kind: auth.KindPartner, UserID: "x", PartnerID: s.p.ID,
			Roles: []auth.Role{auth.PartnerOperator}}); err == nil {
			t.Fatal("an operator sees performance")
		}
	})
}

func TestParseRange(t *testing.T) {
	now := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	first, last, err := performance.ParseRange("", "", now)
	if err != nil || first.String() != "2026-07" || last.String() != "2026-12" {
		t.Fatalf("default %s..%s %v", first, last, err)
	}
	for _, bad := range [][2]string{{"2026-13", ""}, {"2026-10", "2026-09"}, {"2024-01", ""}, {"", "2027-01"}, {"x", "y"}} {
		if _, _, err := performance.ParseRange(bad[0], bad[1], now); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestExportHoldsTheReportsCells(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newScene(t, db)
		scope := performance.Scope{PartnerID: s.p.ID, ManagerUserID: s.a.ID}
		first := s.month.Add(-2)
		var e *exports.Export
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			e, err = exports.Create(ctx, tx, s.p.ID, s.a.ID, performance.ExportKind, exports.CSV, "zh-CN", performance.ParamsOf(scope, first, s.month))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := exports.Run(ctx, db, e.ID); err != nil {
			t.Fatal(err)
		}
		got, err := exports.Get(ctx, db.Reader(), s.p.ID, s.a.ID, e.ID)
		if err != nil || got.Status != exports.Done {
			t.Fatalf("export %+v %v", got, err)
		}
		var buf bytes.Buffer
		if err := exports.WriteFile(ctx, db.Reader(), got, &buf); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		r, err := performance.Query(ctx, db.Reader(), scope, first, s.month)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1+len(r.Cells) || rows[0][1] != "客户经理" {
			t.Fatalf("rows %v, cells %+v", rows, r.Cells)
		}
		var sum int64
		for i, row := range rows[1:] {
			fen, err := money.Parse(row[2])
			if err != nil || row[0] != r.Cells[i].Month.String() || !strings.Contains(row[1], s.a.Username) {
				t.Fatalf("row %v: %v", row, err)
			}
			sum += fen
		}
		if sum != r.Total.Consumption {
			t.Fatalf("export sums %d, report %d", sum, r.Total.Consumption)
		}
	})
}

func TestIncentivesAreTheCalculatedDetailsPerManager(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newScene(t, db)
		first := s.month.Add(-2)
		// A 2.5 % rebate on disks and a 10.00 bonus per new customer, for
		// resellers, with every product counting for incentives.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE cloud_products SET incentive = ?`, true); err != nil {
				return err
			}
			if _, err := incentive.CreatePolicy(ctx, tx, incentive.PolicyInput{Kind: incentive.KindRebate, ServiceTypeCode: billtest.ServiceEVS,
				PartnerType: partner.Reseller, RateBP: 250, ValidFrom: first}, "finance"); err != nil {
				return err
			}
			_, err := incentive.CreatePolicy(ctx, tx, incentive.PolicyInput{Kind: incentive.KindNewCustomer, PartnerType: partner.Reseller,
				BonusFen: 10_00, ValidFrom: first}, "finance")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for m := first; m <= s.month; m = m.Add(1) {
			if _, err := incentive.CalculateMonth(ctx, db, m); err != nil {
				t.Fatal(err)
			}
		}
		r, err := performance.Query(ctx, db.Reader(), performance.Scope{PartnerID: s.p.ID}, first, s.month)
		if err != nil {
			t.Fatal(err)
		}
		cells := cellsOf(r)
		rows, err := db.Reader().QueryContext(ctx, `SELECT manager_user_id, bill_month, SUM(amount) FROM incentive_details
			WHERE partner_id = ? GROUP BY manager_user_id, bill_month`, s.p.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var total int64
		for rows.Next() {
			var manager string
			var month int
			var amount int64
			if err := rows.Scan(&manager, &month, &amount); err != nil {
				t.Fatal(err)
			}
			k := performance.Cell{ManagerUserID: manager, Month: bill.Month(month)}
			if got := cells[k].Incentive; got != amount {
				t.Errorf("%q %d: performance %d, details %d", manager, month, got, amount)
			}
			total += amount
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if total <= 0 || r.Total.Incentive != total || cells[performance.Cell{ManagerUserID: s.a.ID, Month: first}].Incentive <= 0 {
			t.Fatalf("incentives %d, details %d, cells %+v", r.Total.Incentive, total, cells)
		}
		// A manager sees only its own incentives.
		mine, err := performance.Query(ctx, db.Reader(), performance.Scope{PartnerID: s.p.ID, ManagerUserID: s.b.ID}, first, s.month)
		if err != nil {
			t.Fatal(err)
		}
		var want int64
		for k, f := range cells {
			if k.ManagerUserID == s.b.ID {
				want += f.Incentive
			}
		}
		if mine.Total.Incentive != want || want <= 0 {
			t.Fatalf("manager B's incentives %d, want %d", mine.Total.Incentive, want)
		}
	})
}
