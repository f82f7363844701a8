package incentive_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/incentive"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// BenchmarkCalculateMonth times incentive.CalculateMonth for a month of
// PARTNERCENTER_BENCH_INCENTIVE_CUSTOMERS customers (1,000,000 by default)
// spread over PARTNERCENTER_BENCH_INCENTIVE_PARTNERS partners (1,000) of
// the three types, on PostgreSQL when PARTNERCENTER_TEST_DATABASE_URL is
// set and on SQLite otherwise. Each customer has, in the month, charges on
// two incentive products of different services, one on a product without
// the flag, and every fifth a refund; half of them consumed the month
// before too (the others are new customers). That is 3.2 fee records a
// customer; they are bulk-inserted in SQL before the timer starts, through
// the fee_sums trigger on SQLite, while on PostgreSQL the fee sums are built
// in one statement after them, as migration 00014 builds them. Each
// iteration recomputes the whole month.
func BenchmarkCalculateMonth(b *testing.B) {
	customers := envInt("PARTNERCENTER_BENCH_INCENTIVE_CUSTOMERS", 1_000_000)
	partners := envInt("PARTNERCENTER_BENCH_INCENTIVE_PARTNERS", 1_000)
	ctx := context.Background()
	var db *store.DB
	if os.Getenv(storetest.EnvPostgres) != "" {
		db = storetest.Postgres(b)
	} else {
		db = storetest.SQLite(b)
	}
	month := incentive.Month(202611)
	db.Now = func() time.Time { return time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC) }
	began := time.Now()
	flagged, plain := benchCatalogue(b, db)
	seq := func(lo, hi int) string {
		if db.Dialect == store.Postgres {
			return fmt.Sprintf(`SELECT i FROM generate_series(CAST(%d AS BIGINT), %d) AS g(i)`, lo, hi-1)
		}
		return fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM n WHERE i < %d) SELECT i FROM n`, lo, hi-1)
	}
	exec := func(q string, args ...any) {
		b.Helper()
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	exec(`INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
		SELECT 'bp' || i, 'bp' || i, 'bp' || i, CASE i % 3 WHEN 0 THEN 'distributor' WHEN 1 THEN 'reseller' ELSE 'solution' END,
			'certified', 'bpd' || i, 'bpd' || i, 0 FROM (` + seq(0, partners) + `) AS s`)
	// On PostgreSQL the fee sums are built once after the records rather
	// than by the trigger row by row, which would take most of the set-up.
	if db.Dialect == store.Postgres {
		exec(`ALTER TABLE fee_records DISABLE TRIGGER fee_records_sum`)
	}
	const batch = 200_000
	for lo := 0; lo < customers; lo += batch {
		hi := min(lo+batch, customers)
		exec(`INSERT INTO customers (id, domain_name, created_at, partner_id, association_type, associated_at)
			SELECT 'bc' || i, 'bc' || i, 0, 'bp' || (i % ?), 2, 0 FROM (`+seq(lo, hi)+`) AS s`, partners)
		// One statement per kind of record: the product, amount and month
		// of customer i's record.
		for k, rec := range []struct {
			product, amount, where string
			month                  incentive.Month
		}{
			{productByService(flagged, "i % 5"), "1000 + (i * 7919) % 90000", "1=1", month},
			{productByService(flagged, "(i + 1) % 5"), "500 + (i * 104729) % 50000", "1=1", month},
			{productByService(plain, "i % 5"), "300", "1=1", month},
			{productByService(flagged, "i % 5"), "-1 - (i * 31) % 20000", "i % 5 = 0", month},
			{productByService(flagged, "i % 5"), "2000", "i % 2 = 0", month.Add(-1)},
		} {
			exec(fmt.Sprintf(`INSERT INTO fee_records (id, ref, source, partner_id, customer_id, charging_mode, service_type_code,
				resource_type_code, product_id, region_code, fee_at, bill_month, amount, balance_amount, manager_user_id, created_at)
				SELECT 'bf%d-' || i, 'bench:%d:' || i, 'order', 'bp' || (i %% ?), 'bc' || i, 1, 'hws.service.type.b' || (%s),
					'vm', %s, 'cn-north-4', ?, ?, %s, 0, 'mgr-' || (i %% 7), 0
				FROM (%s) AS s WHERE %s`, k, k, serviceOf(rec.product), rec.product, rec.amount, seq(lo, hi), rec.where),
				partners, store.Micros(rec.month.Start()), int(rec.month))
		}
	}
	if db.Dialect == store.Postgres {
		exec(`INSERT INTO fee_sums (partner_id, customer_id, bill_month, service_type_code, resource_type_code, region_code, charging_mode,
				refund, manager_user_id, n, amount, coupon_amount, balance_amount, debt_amount)
			SELECT partner_id, customer_id, bill_month, service_type_code, resource_type_code, region_code, charging_mode,
				CASE WHEN amount < 0 THEN 1 ELSE 0 END, manager_user_id, COUNT(*), SUM(amount), SUM(coupon_amount), SUM(balance_amount), SUM(debt_amount)
			FROM fee_records GROUP BY partner_id, customer_id, bill_month, service_type_code, resource_type_code, region_code, charging_mode,
				CASE WHEN amount < 0 THEN 1 ELSE 0 END, manager_user_id`)
		exec(`ALTER TABLE fee_records ENABLE TRIGGER fee_records_sum`)
	}
	// A production database has its statistics; freshly bulk-loaded
	// tables have none until autovacuum comes round.
	exec(`ANALYZE`)
	b.Logf("%d partners, %d customers and their fee records inserted in %s", partners, customers, time.Since(began).Round(time.Second))
	if _, err := incentive.CalculateMonth(ctx, db, month.Add(-1)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var res incentive.CalcResult
	for b.Loop() {
		var err error
		if res, err = incentive.CalculateMonth(ctx, db, month); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var details int
	var payable int64
	if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM incentive_details WHERE bill_month = ?`,
		int(month)).Scan(&details, &payable); err != nil {
		b.Fatal(err)
	}
	if res.Computed != partners || details < customers {
		b.Fatalf("computed %d statements and %d details for %d partners and %d customers", res.Computed, details, partners, customers)
	}
	b.Logf("%s: %d statements, %d details, incentives %d fen", db.Dialect, res.Computed, details, payable)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchCatalogue saves five services with a flagged and an unflagged
// product each, and a rate for every service and partner type.
func benchCatalogue(b *testing.B, db *store.DB) (flagged, plain []string) {
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for s := range 5 {
			code := fmt.Sprintf("hws.service.type.b%d", s)
			if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: code, NameZh: code, NameEn: code}); err != nil {
				return err
			}
			for _, flag := range []bool{true, false} {
				p := &catalogue.Product{ServiceTypeCode: code, ResourceTypeCode: "vm", ResourceTypeZh: "vm", ResourceTypeEn: "vm",
					SpecCode: fmt.Sprintf("bench-%d-%t", s, flag), SpecZh: "x", SpecEn: "x", MonthlyPrice: 100_00, Incentive: flag, OnSale: true}
				if err := catalogue.Save(ctx, tx, p); err != nil {
					return err
				}
				if flag {
					flagged = append(flagged, p.ID)
				} else {
					plain = append(plain, p.ID)
				}
			}
			for j, t := range partner.Types {
				if _, err := incentive.CreatePolicy(ctx, tx, incentive.PolicyInput{Kind: incentive.KindRebate, ServiceTypeCode: code, PartnerType: t,
					RateBP: 150 + 77*s + 33*j, ValidFrom: 202601}, "bench"); err != nil {
					return err
				}
			}
		}
		_, err := incentive.CreatePolicy(ctx, tx, incentive.PolicyInput{Kind: incentive.KindNewCustomer, PartnerType: partner.TotalDistributor,
			BonusFen: 20_00, ValidFrom: 202601}, "bench")
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return flagged, plain
}

// productByService is SQL choosing the product of the service numbered by expr.
func productByService(products []string, expr string) string {
	var sb strings.Builder
	sb.WriteString("CASE " + expr)
	for i, id := range products {
		fmt.Fprintf(&sb, " WHEN %d THEN '%s'", i, id)
	}
	sb.WriteString(" END")
	return sb.String()
}

// serviceOf recovers the service number from a productByService expression.
func serviceOf(productSQL string) string {
	return strings.TrimSpace(strings.TrimPrefix(productSQL[:strings.Index(productSQL, " WHEN")], "CASE"))
}
