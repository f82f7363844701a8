package opportunity_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/opportunity"
	"partnercenter/internal/store"
)

// The opportunity benchmarks run against 1,000,000 opportunities over 1,000
// partners (1,000 each, in every review status and sales stage, a third of
// them won and delivered within the eligibility window). The database is
// built once and kept in the temporary directory.
const (
	benchPartners      = 1000
	benchOpportunities = 1000 // per partner
)

var (
	benchOnce sync.Once
	benchDB   *store.DB
	benchNow  = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
)

func openBenchDB(b *testing.B) *store.DB {
	benchOnce.Do(func() {
		ctx := context.Background()
		path := filepath.Join(os.TempDir(), "partnercenter-bench-opportunities-v1.db")
		_, statErr := os.Stat(path)
		db, err := store.Open(ctx, "sqlite:"+path)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if statErr != nil {
			if err := seedBench(ctx, db); err != nil {
				os.Remove(path)
				b.Fatal(err)
			}
		}
		benchDB = db
	})
	return benchDB
}

func seedBench(ctx context.Context, db *store.DB) error {
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO offices (id, name_zh, name_en, created_at) VALUES ('office-1', '北京', 'Beijing', 0)`)
		return err
	}); err != nil {
		return err
	}
	stages := []string{"draft", "submitted", "in_review", "action_required", "approved", "approved", "approved", "rejected"}
	for p := 0; p < benchPartners; p++ {
		pid := fmt.Sprintf("p%04d", p)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			stage := []string{"registered", "certified", "differentiated"}[p%3]
			if _, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at, coselling)
				VALUES (?, ?, ?, 'reseller', ?, ?, ?, 0, ?)`, pid, "partner-"+pid, pid, stage, "dom-"+pid, "dn-"+pid, p%2 == 0); err != nil {
				return err
			}
			const chunk = 200
			for start := 0; start < benchOpportunities; start += chunk {
				var sb strings.Builder
				sb.WriteString(`INSERT INTO opportunities (id, code, origin, partner_id, prospect_name, customer_key, project_name, project_key,
					industry, office_id, products, amount, expected_close, review_status, sales_stage, signed_at, delivered_at, created_by,
					created_at, updated_at) VALUES `)
				args := make([]any, 0, chunk*19)
				for i := start; i < start+chunk; i++ {
					if i > start {
						sb.WriteString(", ")
					}
					sb.WriteString("(?, ?, 'PO', ?, ?, ?, ?, ?, ?, 'office-1', 'hws.service.type.ec2', ?, ?, ?, ?, ?, ?, 'bench', ?, ?)")
					id := fmt.Sprintf("%s-o%04d", pid, i)
					status := stages[i%len(stages)]
					sales, signed, delivered := "identify", any(nil), any(nil)
					if status == "approved" {
						sales = opportunity.SalesStages[i%len(opportunity.SalesStages)]
						if sales == "won" {
							signed = store.Micros(benchNow.AddDate(0, -(i % 18), 0))
							delivered = signed
						}
					}
					created := store.Micros(benchNow.Add(-time.Duration(i) * 7 * time.Hour))
					args = append(args, id, fmt.Sprintf("PO%s%04d", pid, i), pid, fmt.Sprintf("客户 %d", i%300), fmt.Sprintf("prospect:%d", i%300),
						fmt.Sprintf("项目 %s %d", pid, i), fmt.Sprintf("项目%s%d", pid, i), opportunity.Industries[i%len(opportunity.Industries)],
						int64(i%97+1)*10_000_00, created+30*86400_000_000, status, sales, signed, delivered, created, created)
				}
				if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkPartnerQuery lists one partner's opportunities with each filter
// of the console's query, first page and 50th page (10 rows a page), and
// reports the 99th percentile of the query time.
func BenchmarkPartnerQuery(b *testing.B) {
	db := openBenchDB(b)
	ctx := context.Background()
	viewer := opportunity.Viewer{PartnerID: "p0500"}
	filters := map[string]opportunity.Filter{
		"none":          {},
		"review_status": {ReviewStatus: opportunity.Approved},
		"sales_stage":   {SalesStage: opportunity.StageWon},
		"industry":      {Industry: "finance"},
		"query":         {Query: "项目 p0500 12"},
		"created_range": {CreatedFrom: benchNow.AddDate(0, -3, 0), CreatedTo: benchNow.AddDate(0, -1, 0)},
		"combined":      {ReviewStatus: opportunity.Approved, Industry: "government", Query: "项目"},
	}
	names := make([]string, 0, len(filters))
	for n := range filters {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, page := range []int{1, 50} {
			b.Run(fmt.Sprintf("%s/page%d", name, page), func(b *testing.B) {
				f := filters[name]
				f.Viewer, f.Limit, f.Offset = viewer, 10, (page-1)*10
				var durations []time.Duration
				for b.Loop() {
					start := time.Now()
					if _, _, err := opportunity.List(ctx, db.Reader(), f); err != nil {
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

// BenchmarkAllEligibility recomputes every partner's HO eligibility.
func BenchmarkAllEligibility(b *testing.B) {
	db := openBenchDB(b)
	ctx := context.Background()
	for b.Loop() {
		all, err := opportunity.AllEligibility(ctx, db.Reader(), benchNow)
		if err != nil || len(all) != benchPartners {
			b.Fatalf("%d partners, %v", len(all), err)
		}
	}
}
