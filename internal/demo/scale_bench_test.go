package demo_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/store"
)

// BenchmarkLargeDataSet times the list queries behind the console pages
// and the API on a database made by `partnercenter demo --scale large`,
// named by PARTNERCENTER_BENCH_LARGE_DB (it is not built here: that takes
// minutes). It reads only. For the biggest generated partner and a median
// one: 我的客户 with and without filters on the first and 100th page,
// 机会点 lists, the 收支明细 first page and 调账记录. p50 and p99 are
// reported per query.
//
//	PARTNERCENTER_BENCH_LARGE_DB='postgres://postgres@127.0.0.1:5432/pc_large?sslmode=disable' \
//	  go test -run xxx -bench LargeDataSet -benchtime 200x ./internal/demo/
func BenchmarkLargeDataSet(b *testing.B) {
	dsn := os.Getenv("PARTNERCENTER_BENCH_LARGE_DB")
	if dsn == "" {
		b.Skip("PARTNERCENTER_BENCH_LARGE_DB names no database made by demo --scale")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	q := db.Reader()
	partners := map[string]string{}
	for _, pick := range []struct{ name, order string }{
		{"biggest", "COUNT(*) DESC, p.id"},
		{"median", "COUNT(*) DESC, p.id OFFSET (SELECT COUNT(*) / 2 FROM partners WHERE name LIKE 'gen-%' AND partner_type <> 'solution')"},
	} {
		var id string
		if err := q.QueryRowContext(ctx, `SELECT p.id FROM partners p JOIN customers c ON c.partner_id = p.id
			WHERE p.name LIKE 'gen-%' AND p.partner_type <> 'solution' GROUP BY p.id ORDER BY `+pick.order+` LIMIT 1`).Scan(&id); err != nil {
			b.Fatalf("no generated partner (%s): %v", pick.name, err)
		}
		partners[pick.name] = id
	}
	now := time.Now()
	for _, who := range []string{"biggest", "median"} {
		pid := partners[who]
		var n int
		_ = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE partner_id = ?`, pid).Scan(&n)
		b.Logf("%s partner %s: %d customers", who, pid, n)
		scope := customer.PartnerScope(pid)
		var someName string
		_ = q.QueryRowContext(ctx, `SELECT domain_name FROM customers WHERE partner_id = ? ORDER BY id LIMIT 1`, pid).Scan(&someName)
		cases := []struct {
			name string
			run  func() error
		}{
			{"customers/none/page1", func() error { _, _, err := customer.List(ctx, q, scope, customer.Filter{Limit: 10}); return err }},
			{"customers/none/page100", func() error {
				_, _, err := customer.List(ctx, q, scope, customer.Filter{Offset: 990, Limit: 10})
				return err
			}},
			{"customers/account-name/page1", func() error {
				_, _, err := customer.List(ctx, q, scope, customer.Filter{AccountName: someName[:6], Limit: 10})
				return err
			}},
			{"customers/real-name/page1", func() error {
				_, _, err := customer.List(ctx, q, scope, customer.Filter{RealName: "青禾", Limit: 10})
				return err
			}},
			{"customers/label/page1", func() error {
				_, _, err := customer.List(ctx, q, scope, customer.Filter{Label: "vip", Limit: 10})
				return err
			}},
			{"customers/resale/page100", func() error {
				_, _, err := customer.List(ctx, q, scope, customer.Filter{AssociationType: customer.Resale, Offset: 990, Limit: 10})
				return err
			}},
			{"customers/associated-30d/page1", func() error {
				_, _, err := customer.List(ctx, q, scope, customer.Filter{AssociatedFrom: now.AddDate(0, 0, -30), AssociatedTo: now, Limit: 10})
				return err
			}},
			{"opportunities/none/page1", func() error {
				_, _, err := opportunity.List(ctx, q, opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: pid}, Limit: 10})
				return err
			}},
			{"opportunities/none/page50", func() error {
				_, _, err := opportunity.List(ctx, q, opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: pid}, Offset: 490, Limit: 10})
				return err
			}},
			{"opportunities/status+industry+text/page1", func() error {
				_, _, err := opportunity.List(ctx, q, opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: pid}, ReviewStatus: "approved",
					Industry: "finance", Query: "项目", Limit: 10})
				return err
			}},
			{"statement/first-page", func() error {
				sq := funds.StatementQuery{PartnerID: pid}
				if err := sq.Normalize(now); err != nil {
					return err
				}
				_, _, err := funds.Statement(ctx, q, sq)
				return err
			}},
			{"statement/BEADJUST/first-page", func() error {
				sq := funds.StatementQuery{PartnerID: pid, TradeType: funds.TradeAllocate}
				if err := sq.Normalize(now); err != nil {
					return err
				}
				_, _, err := funds.Statement(ctx, q, sq)
				return err
			}},
			{"adjustments/page1", func() error {
				_, _, err := funds.Adjustments(ctx, q, funds.AdjustmentFilter{PartnerID: pid, Limit: 10})
				return err
			}},
			{"adjustments/page100", func() error {
				_, _, err := funds.Adjustments(ctx, q, funds.AdjustmentFilter{PartnerID: pid, Offset: 990, Limit: 10})
				return err
			}},
		}
		for _, c := range cases {
			b.Run(who+"/"+c.name, func(b *testing.B) {
				if err := c.run(); err != nil { // warm the cache and the statement
					b.Fatal(err)
				}
				times := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for range b.N {
					t := time.Now()
					if err := c.run(); err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(t))
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}
