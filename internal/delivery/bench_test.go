package delivery_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"partnercenter/internal/delivery"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// seedAccepted writes n won opportunities of the fixture's partner and their
// accepted projects directly, in multi-row statements, as the setting for
// the sampling benchmark.
func seedAccepted(b *testing.B, f *fixture, n int) {
	ctx := context.Background()
	const chunk = 500
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		now := store.Micros(tx.Now)
		for start := 0; start < n; start += chunk {
			size := min(chunk, n-start)
			var opps, projects []any
			for i := range size {
				oid, code := ids.New(), fmt.Sprintf("PO%010d", start+i)
				opps = append(opps, oid, code, opportunity.PO, f.p.ID, "customer:x", opportunity.Approved, opportunity.StageWon, "bench", now, now)
				projects = append(projects, ids.New(), oid, f.p.ID, code, delivery.Accepted, delivery.AwaitingSampling, now+int64(start+i), now, now)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO opportunities (id, code, origin, partner_id, customer_key, review_status, sales_stage,
				created_by, created_at, updated_at) VALUES `+values(size, 10), opps...); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_projects (id, opportunity_id, partner_id, code, status, evaluation, status_at,
				registered_at, updated_at) VALUES `+values(size, 9), projects...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func values(rows, cols int) string {
	row := "(?" + strings.Repeat(",?", cols-1) + ")"
	return row + strings.Repeat(","+row, rows-1)
}

// BenchmarkSample100k runs one sampling of 100,000 accepted projects at 10%:
// reading the candidates, the draw, storing the run and moving every
// project to not_sampled or evidence_required, committed.
func BenchmarkSample100k(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		if name == "postgres" && os.Getenv(storetest.EnvPostgres) == "" {
			continue
		}
		b.Run(name, func(b *testing.B) {
			db := open(b)
			f := setup(b, db)
			seedAccepted(b, f, 100_000)
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				if err := db.InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, `UPDATE delivery_projects SET evaluation = ?, sampling_run_id = NULL`, delivery.AwaitingSampling)
					return err
				}); err != nil {
					b.Fatal(err)
				}
				if db.Dialect == store.Postgres {
					// Autovacuum's steady state: without it each iteration
					// leaves 200,000 dead row versions for the next to wade through.
					if _, err := db.WriterPool().ExecContext(ctx, `VACUUM ANALYZE delivery_projects`); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				var run *delivery.Run
				if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
					run, err = delivery.Sample(ctx, tx, "bench", 1000, "")
					return err
				}); err != nil {
					b.Fatal(err)
				}
				if run.CandidateCount() != 100_000 || run.DrawnCount() != 10_000 {
					b.Fatalf("run of %d drew %d", run.CandidateCount(), run.DrawnCount())
				}
			}
		})
	}
}

// BenchmarkDraw100k is the draw alone, as Verify re-runs it.
func BenchmarkDraw100k(b *testing.B) {
	candidates := make([]string, 100_000)
	for i := range candidates {
		candidates[i] = ids.New()
	}
	seed := delivery.NewSeed()
	for b.Loop() {
		if got := delivery.Draw(seed, 1000, candidates); len(got) != 10_000 {
			b.Fatal(len(got))
		}
	}
}
