package coupon_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
)

// BenchmarkIssue10000 issues 10,000 coupons (100 calls of 100 customers, as
// a console batch issue does) from one quota on SQLite.
func BenchmarkIssue10000(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "issue.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		var p *partner.Partner
		var quota *coupon.Quota
		var custIDs []string
		err = db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "bench", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
				return err
			}
			for i := 0; i < 10_000; i++ {
				c, err := customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: fmt.Sprintf("cust-%06d", i)}, false)
				if err != nil {
					return err
				}
				custIDs = append(custIDs, c.ID)
			}
			quota, err = coupon.Grant(ctx, tx, coupon.NewQuota{PartnerID: p.ID, Type: coupon.VoucherQuota, Value: 10_000 * 100_00,
				EffectiveAt: tx.Now.Add(-time.Hour), ExpiresAt: tx.Now.AddDate(1, 0, 0)}, "bench")
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for batch := range slices.Chunk(custIDs, coupon.MaxCustomersPerIssue) {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				res, err := coupon.Issue(ctx, tx, coupon.IssueRequest{PartnerID: p.ID, QuotaID: quota.ID, CustomerIDs: batch, FaceValue: 100_00, Operator: "bench"})
				for _, r := range res {
					if r.Err != nil {
						return r.Err
					}
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

var (
	couponDBOnce sync.Once
	couponDB     *store.DB
)

// openCouponBench holds 1,000,000 coupons of one partner (100,000 customers,
// ten each, evenly over the last year, in all five states and both types), built once
// with SQL and kept in the temporary directory.
func openCouponBench(b *testing.B) *store.DB {
	couponDBOnce.Do(func() {
		ctx := context.Background()
		path := filepath.Join(os.TempDir(), "partnercenter-bench-coupons-v4.db")
		_, statErr := os.Stat(path)
		db, err := store.Open(ctx, "sqlite:"+path)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if statErr != nil {
			if err := seedCoupons(ctx, db); err != nil {
				os.Remove(path)
				b.Fatal(err)
			}
		}
		couponDB = db
	})
	return couponDB
}

func seedCoupons(ctx context.Context, db *store.DB) error {
	w := db.WriterPool()
	base := time.Now().AddDate(-1, 0, 0).UnixMicro()
	stmts := []string{
		`INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at) VALUES ('bp', 'bp', 'bp', 'reseller', 'certified', 'bpd', 'bpdn', 0)`,
		`INSERT INTO coupon_quotas (id, partner_id, quota_type, granted, status, effective_at, expires_at, created_by, created_at, updated_at)
			VALUES ('bq', 'bp', 0, 0, 0, 0, 9999999999999999, 'bench', 0, 0)`,
		`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 100000)
			INSERT INTO customers (id, domain_name, created_at, partner_id, association_type, associated_at)
			SELECT printf('bc%06d', i), printf('bench-cust-%06d', i), 0, 'bp', 2, 0 FROM seq`,
		`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 1000000)
			INSERT INTO coupons (id, code, quota_id, partner_id, customer_id, coupon_type, status, face_value, effective_at, expires_at, created_by, created_at)
			SELECT printf('cp%07d', i), printf('CODE%07d', i), 'bq', 'bp', printf('bc%06d', 1 + i % 100000),
				CASE WHEN i % 3 = 0 THEN 4 ELSE 1 END, 1 + i % 5, 100, 0, 9999999999999999, 'bench', ` + fmt.Sprint(base) + ` + i * 31536000
			FROM seq`,
		`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 1000000)
			INSERT INTO ledger_accounts (id, kind, owner_type, owner_id, partner_id, credits_posted, created_at)
			SELECT printf('la%07d', i), 'coupon_balance', 'coupon', printf('cp%07d', i), 'bp', 100, 0 FROM seq`,
		`INSERT INTO coupon_counts (partner_id, quota_id, coupon_type, status, n)
			SELECT partner_id, quota_id, coupon_type, status, COUNT(*) FROM coupons GROUP BY partner_id, quota_id, coupon_type, status`,
	}
	for _, s := range stmts {
		if _, err := w.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkListCoupons lists one partner's 1,000,000 issued coupons with
// each filter and reports the 99th percentile.
func BenchmarkListCoupons(b *testing.B) {
	db := openCouponBench(b)
	ctx := context.Background()
	from := time.Now().AddDate(0, -2, 0)
	filters := []struct {
		name string
		f    coupon.Filter
	}{
		{"none", coupon.Filter{}},
		{"type", coupon.Filter{Type: coupon.TypeCash}},
		{"status", coupon.Filter{Status: coupon.Expired}},
		{"type_status", coupon.Filter{Type: coupon.TypeVoucher, Status: coupon.Usable}},
		{"customer", coupon.Filter{CustomerID: "bc012345"}},
		{"quota", coupon.Filter{QuotaID: "bq"}},
		{"created_range", coupon.Filter{CreatedFrom: from, CreatedTo: from.AddDate(0, 1, 0)}},
		{"coupon_id", coupon.Filter{CouponID: "cp0500000"}},
	}
	for _, c := range filters {
		for _, page := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/page%d", c.name, page), func(b *testing.B) {
				f := c.f
				f.PartnerID, f.Limit, f.Offset = "bp", 10, (page-1)*10
				var durations []time.Duration
				for b.Loop() {
					start := time.Now()
					if _, _, err := coupon.List(ctx, db.Reader(), f); err != nil {
						b.Fatal(err)
					}
					durations = append(durations, time.Since(start))
				}
				slices.Sort(durations)
				b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}
