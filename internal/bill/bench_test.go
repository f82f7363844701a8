package bill_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"partnercenter/internal/bill"
	"partnercenter/internal/customer"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// BenchmarkBillQueries reads the bills of a partner whose customers have
// PARTNERCENTER_BENCH_FEE_RECORDS fee records in one month (200,000; the
// metering benchmark's month is 7,200,000: 10,000 customers × 10
// resources × 720 hours), on SQLite. The records are inserted in SQL, hour
// by hour across every resource as metering writes them, through the
// trigger that keeps fee_sums; the insert rate is reported first.
//
// Measured with 7.2 million records (1,000 customers) on a shared 2-CPU
// machine under load: month total 16 ms, one page of the per-customer
// summary 36 ms, of the monthly bills 58 ms, the 18-month trend 2 ms,
// managers' sums 5 ms, a page of a partner's details 200 ms, of one
// customer's 0.5 ms; a day of a whole partner's details (not offered by
// the console or the API) 29 s. Without fee_sums a month's total read
// the records in 1.3 s (the SQLite shell, same data).
func BenchmarkBillQueries(b *testing.B) {
	rows := 200_000
	if n, err := strconv.Atoi(os.Getenv("PARTNERCENTER_BENCH_FEE_RECORDS")); err == nil && n > 0 {
		rows = n
	}
	customers := max(rows/720/10, 1)
	ctx := context.Background()
	db := storetest.SQLite(b)
	month := bill.MonthOf(time.Now())
	var p *partner.Partner
	if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "bench", Type: partner.Reseller, Stage: partner.Certified})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
			INSERT INTO customers (id, domain_name, created_at, partner_id, association_type, associated_at)
			SELECT printf('bench-c%06d', i), printf('bench-c%06d', i), 0, ?, 2, 0 FROM n`, customers, p.ID)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	start := month.Start()
	began := time.Now()
	// Resource r = i % (customers × 10) of customer r / 10, hour i / (customers × 10).
	const batch = 100_000
	for from := 0; from < rows; from += batch {
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
				INSERT INTO fee_records (id, ref, source, partner_id, customer_id, charging_mode, resource_id, service_type_code,
					resource_type_code, product_id, region_code, fee_at, bill_month, usage_quantity, rated_amount, amount, coupon_amount,
					balance_amount, debt_amount, manager_user_id, created_at)
				SELECT printf('f%09d', i), printf('usage:%d', i), 'usage', ?, printf('bench-c%06d', (i % (? * 10)) / 10), 3,
					printf('r%07d', i % (? * 10)), printf('hws.service.type.s%d', i % 5), 'hws.resource.type.vm', 'p', 'cn-north-4',
					? + (i / (? * 10)) * 3600000000, ?, 1, 500000000, 5, 0, 5, 0, '', 0 FROM n`,
				from, min(from+batch, rows), p.ID, customers, customers, store.Micros(start), customers, int(month))
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d fee records of %d customers inserted with their sums in %s (%.0f a second)", rows, customers,
		time.Since(began).Round(time.Millisecond), float64(rows)/time.Since(began).Seconds())
	scope := customer.PartnerScope(p.ID)
	q := db.Reader()
	f := bill.Filter{Scope: scope, Month: month, Limit: 20}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("month-total", func() error {
		s, err := bill.Total(ctx, q, f)
		if err == nil && s.Count != int64(rows) {
			b.Fatalf("total %+v", s)
		}
		return err
	})
	run("by-customer-page", func() error { _, _, _, err := bill.ByCustomer(ctx, q, f); return err })
	run("monthly-bills-page", func() error { _, _, err := bill.MonthlyBills(ctx, q, f); return err })
	run("trend-18-months", func() error { _, err := bill.Trend(ctx, q, scope, "", month, bill.HistoryMonths); return err })
	run("manager-sums", func() error { _, err := bill.ManagerSums(ctx, q, p.ID, month.Add(-17), month); return err })
	run("details-page", func() error { _, _, err := bill.Details(ctx, q, f); return err })
	one := f
	one.CustomerID = "bench-c000000"
	run("customer-details-page", func() error { _, _, err := bill.Details(ctx, q, one); return err })
	day := f
	day.From, day.To = start, start.Add(24*time.Hour)
	run("details-of-a-day", func() error { _, _, err := bill.Details(ctx, q, day); return err })
}
