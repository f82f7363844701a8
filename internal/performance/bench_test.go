package performance_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"partnercenter/internal/bill"
	"partnercenter/internal/incentive"
	"partnercenter/internal/partner"
	"partnercenter/internal/performance"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// BenchmarkPerformanceQuery reads six months of 业绩 of a partner with
// PARTNERCENTER_BENCH_PERF_CUSTOMERS customers (100,000 by default), 50
// customer managers each in charge of a share of them, a fee record and an
// incentive detail per customer and month, and every customer newly
// associated in one of the six months: what the 业绩 page and the home
// page's card read on each visit, on SQLite. The rows are inserted in SQL,
// the fee records through the trigger that keeps fee_sums.
func BenchmarkPerformanceQuery(b *testing.B) {
	customers := 100_000
	if n, err := strconv.Atoi(os.Getenv("PARTNERCENTER_BENCH_PERF_CUSTOMERS")); err == nil && n > 0 {
		customers = n
	}
	const managers, months = 50, 6
	ctx := context.Background()
	db := storetest.SQLite(b)
	last := bill.MonthOf(time.Now())
	first := last.Add(-(months - 1))
	began := time.Now()
	var p *partner.Partner
	if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		if p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "bench", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
			INSERT INTO users (id, username, display_name, partner_id, roles, password_hash, created_at, password_changed_at)
			SELECT printf('bench-m%02d', i), printf('bench-m%02d', i), printf('经理 %02d', i), ?, 'manager', '-', 0, 0 FROM n`,
			managers, p.ID); err != nil {
			return err
		}
		// Customer i is associated in month i % 6 and managed from then
		// by manager i % 50.
		starts := make([]any, months)
		for m := range months {
			starts[m] = store.Micros(first.Add(m).Start())
		}
		if _, err = tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
			INSERT INTO customers (id, domain_name, created_at, partner_id, association_type, associated_at)
			SELECT printf('bench-c%06d', i), printf('bench-c%06d', i), 0, ?, 2,
				CASE i % 6 WHEN 0 THEN ? WHEN 1 THEN ? WHEN 2 THEN ? WHEN 3 THEN ? WHEN 4 THEN ? ELSE ? END FROM n`,
			append([]any{customers, p.ID}, starts...)...); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO customer_manager_periods (id, customer_id, partner_id, manager_user_id, starts_at, assigned_by, assigned_at)
			SELECT 'p' || c.id, c.id, c.partner_id, printf('bench-m%02d', CAST(substr(c.id, 8) AS INTEGER) % ?), c.associated_at, 'bench', 0
			FROM customers c WHERE c.partner_id = ?`, managers, p.ID)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	for m := range months {
		month := first.Add(m)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO fee_records (id, ref, source, partner_id, customer_id, charging_mode, resource_id,
					service_type_code, resource_type_code, product_id, region_code, fee_at, bill_month, amount, balance_amount, manager_user_id, created_at)
				SELECT printf('f%d-%s', ?, c.id), printf('usage:%d:%s', ?, c.id), 'usage', c.partner_id, c.id, 3, 'r', 'hws.service.type.ec2',
					'hws.resource.type.vm', 'p', 'cn-north-4', ?, ?, 1234, 1234, m.manager_user_id, 0
				FROM customers c JOIN customer_manager_periods m ON m.customer_id = c.id WHERE c.partner_id = ?`,
				int(month), int(month), store.Micros(month.Start()), int(month), p.ID); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO incentive_details (statement_id, partner_id, bill_month, customer_id, service_type_code,
					manager_user_id, kind, consumption, refunds, rate_bp, amount)
				SELECT 's', c.partner_id, ?, c.id, 'hws.service.type.ec2', m.manager_user_id, 'rebate', 1234, 0, 500, 62
				FROM customers c JOIN customer_manager_periods m ON m.customer_id = c.id WHERE c.partner_id = ?`, int(month), p.ID)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d customers, %d fee records and incentive details inserted in %s", customers, customers*months, time.Since(began).Round(time.Millisecond))
	q := db.Reader()
	// The parts, to see where the time goes.
	b.Run("manager-sums", func(b *testing.B) {
		for b.Loop() {
			if _, err := bill.ManagerSums(ctx, q, p.ID, first, last); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("incentive-manager-totals", func(b *testing.B) {
		for b.Loop() {
			if _, err := incentive.ManagerTotals(ctx, q, p.ID, "", first, last); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, s := range []struct {
		name  string
		scope performance.Scope
	}{{"partner", performance.Scope{PartnerID: p.ID}}, {"one-manager", performance.Scope{PartnerID: p.ID, ManagerUserID: "bench-m07"}}} {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				r, err := performance.Query(ctx, q, s.scope, first, last)
				if err != nil {
					b.Fatal(err)
				}
				if s.scope.ManagerUserID == "" && (r.Total.NewCustomers != int64(customers) || r.Total.Consumption != int64(customers*months)*1234 ||
					r.Total.Incentive != int64(customers*months)*62 || len(r.Managers) != managers) {
					b.Fatalf("report %+v, %d managers", r.Total, len(r.Managers))
				}
			}
		})
	}
}
