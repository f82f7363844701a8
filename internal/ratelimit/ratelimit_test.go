package ratelimit_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/ratelimit"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestTheDialectChoosesTheLimiter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := ratelimit.New(db, metrics.New(), nil)
		switch db.Dialect {
		case store.Postgres:
			if _, ok := l.(*ratelimit.Postgres); !ok {
				t.Fatalf("PostgreSQL: %T, want the shared limiter", l)
			}
		default:
			if _, ok := l.(*ratelimit.Memory); !ok {
				t.Fatalf("SQLite: %T, want the in-memory limiter", l)
			}
		}
	})
}

// A burst is allowed, the next request refused with the time until the
// bucket holds a request again; other keys and operations have buckets of
// their own.
func TestBurstThenRefusalWithTheWait(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := ratelimit.New(db, metrics.New(), nil)
		ctx := t.Context()
		slow := ratelimit.Limit{Rate: 0.01, Burst: 3} // one request per 100 s
		for i := range 3 {
			if ok, _ := l.Allow(ctx, "ak-1", "Op", slow); !ok {
				t.Fatalf("request %d of the burst of 3 refused", i+1)
			}
		}
		ok, wait := l.Allow(ctx, "ak-1", "Op", slow)
		if ok {
			t.Fatal("the 4th request of a burst of 3 allowed")
		}
		if wait <= 90*time.Second || wait > 100*time.Second {
			t.Fatalf("wait %v, want just under 100 s", wait)
		}
		// A refusal takes nothing: the wait does not grow.
		if ok, again := l.Allow(ctx, "ak-1", "Op", slow); ok || again > wait {
			t.Fatalf("a second refusal: %v, wait %v after %v", ok, again, wait)
		}
		if ok, _ := l.Allow(ctx, "ak-2", "Op", slow); !ok {
			t.Fatal("another key refused")
		}
		if ok, _ := l.Allow(ctx, "ak-1", "Other", slow); !ok {
			t.Fatal("another operation of the same key refused")
		}
		if ok, _ := l.Allow(ctx, "ak-1", "Op", ratelimit.Limit{}); !ok {
			t.Fatal("no limit refused")
		}
	})
}

func TestTheBucketRefills(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := ratelimit.New(db, metrics.New(), nil)
		ctx := t.Context()
		fast := ratelimit.Limit{Rate: 20, Burst: 1} // one per 50 ms
		if ok, _ := l.Allow(ctx, "ak", "Op", fast); !ok {
			t.Fatal("first request refused")
		}
		ok, wait := l.Allow(ctx, "ak", "Op", fast)
		if ok {
			// More than 50 ms between two calls on a busy machine refills
			// the bucket: nothing to check then.
			t.Log("the second request came after the refill")
			return
		}
		if wait <= 0 || wait > 50*time.Millisecond {
			t.Fatalf("wait %v, want at most 50 ms", wait)
		}
		time.Sleep(wait + 5*time.Millisecond)
		if ok, w := l.Allow(ctx, "ak", "Op", fast); !ok {
			t.Fatalf("refused after waiting as told (%v; now %v)", wait, w)
		}
	})
}

// Many requests of one key at once exactly take the burst: on SQLite
// through the node's limiter, on PostgreSQL through three limiters on
// separate connection pools (three nodes).
func TestConcurrentRequestsTakeExactlyTheBurst(t *testing.T) {
	run := func(t *testing.T, nodes []ratelimit.Limiter) {
		lim := ratelimit.Limit{Rate: 0.001, Burst: 7}
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for g := range 12 {
			wg.Go(func() {
				for range 5 {
					if ok, _ := nodes[g%len(nodes)].Allow(t.Context(), "ak", "Op", lim); ok {
						allowed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 7 {
			t.Fatalf("%d of 60 concurrent requests allowed, want the burst of 7", n)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		run(t, []ratelimit.Limiter{ratelimit.New(storetest.SQLite(t), metrics.New(), nil)})
	})
	if os.Getenv(storetest.EnvPostgres) != "" {
		t.Run("postgres", func(t *testing.T) {
			dbs := postgresNodes(t, 3)
			var nodes []ratelimit.Limiter
			for _, db := range dbs {
				nodes = append(nodes, ratelimit.New(db, metrics.New(), nil))
			}
			run(t, nodes)
		})
	}
}

// postgresNodes opens n handles, each with a pool of its own, on one fresh
// PostgreSQL database: n nodes.
func postgresNodes(t testing.TB, n int) []*store.DB {
	t.Helper()
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skipf("%s is not set", storetest.EnvPostgres)
	}
	dsn := storetest.PostgresDSN(t)
	var dbs []*store.DB
	for range n {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	if err := dbs[0].Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dbs
}

// A limiter that cannot reach the database lets requests through and
// counts each such check.
func TestUnreachableDatabaseLetsRequestsThrough(t *testing.T) {
	db := postgresNodes(t, 1)[0]
	m := metrics.New()
	l := ratelimit.NewPostgres(db, m, slog.New(slog.DiscardHandler))
	lim := ratelimit.Limit{Rate: 0.001, Burst: 1}
	if ok, _ := l.Allow(t.Context(), "ak", "Op", lim); !ok {
		t.Fatal("first request refused")
	}
	if ok, _ := l.Allow(t.Context(), "ak", "Op", lim); ok {
		t.Fatal("second request of a burst of 1 allowed")
	}
	if got := failures(t, m); got != 0 {
		t.Fatalf("%v failures counted while the database answers", got)
	}
	db.Close()
	for i := range 3 {
		if ok, _ := l.Allow(t.Context(), "ak", "Op", lim); !ok {
			t.Fatalf("request %d refused while the database is unreachable", i+1)
		}
	}
	if got := failures(t, m); got != 3 {
		t.Fatalf("counted %v failed checks, want 3", got)
	}
}

// failures reads the counter of checks that let a request through for want
// of the database, as /metrics shows it.
func failures(t *testing.T, m *metrics.Metrics) float64 {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "partnercenter_api_rate_limit_errors_total" {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("the counter is not registered")
	return 0
}

// Two limiters on one registry, as two APIs mounted on one node's App,
// share the counter rather than failing to register it.
func TestTwoLimitersOnOneRegistry(t *testing.T) {
	db := postgresNodes(t, 1)[0]
	m := metrics.New()
	ratelimit.NewPostgres(db, m, nil)
	ratelimit.NewPostgres(db, m, nil)
	if got := failures(t, m); got != 0 {
		t.Fatalf("%v", got)
	}
}

// A refused request leaves the row as it is, no new version of it: a
// client far past its limit costs the table nothing to clean up. An
// allowed one makes a new version.
func TestRefusalsWriteNoRowVersion(t *testing.T) {
	db := postgresNodes(t, 1)[0]
	ctx := t.Context()
	l := ratelimit.New(db, nil, nil)
	version := func(key string) string {
		t.Helper()
		var v string
		if err := db.WriterPool().QueryRowContext(ctx, `SELECT ctid::text || '/' || xmin::text FROM api_rate_buckets WHERE key_id = $1`, key).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	slow := ratelimit.Limit{Rate: 0.001, Burst: 1}
	if ok, _ := l.Allow(ctx, "ak", "Op", slow); !ok {
		t.Fatal("first request refused")
	}
	before := version("ak")
	for range 20 {
		if ok, _ := l.Allow(ctx, "ak", "Op", slow); ok {
			t.Fatal("a request past the burst allowed")
		}
	}
	if after := version("ak"); after != before {
		t.Fatalf("refusals changed the row: %s, then %s", before, after)
	}
	fast := ratelimit.Limit{Rate: 1000, Burst: 1}
	l.Allow(ctx, "ak-fast", "Op", fast)
	first := version("ak-fast")
	time.Sleep(5 * time.Millisecond)
	if ok, _ := l.Allow(ctx, "ak-fast", "Op", fast); !ok {
		t.Fatal("refused after the refill")
	}
	if version("ak-fast") == first {
		t.Fatal("an allowed request did not record its bucket")
	}
}

// The sweep deletes the buckets that have filled up again and keeps the
// others, whose requests stay refused.
func TestSweepDeletesRefilledBuckets(t *testing.T) {
	db := postgresNodes(t, 1)[0]
	ctx := t.Context()
	l := ratelimit.New(db, nil, nil)
	slow := ratelimit.Limit{Rate: 0.001, Burst: 1}
	for _, key := range []string{"fast-1", "fast-2"} {
		l.Allow(ctx, key, "Op", ratelimit.Limit{Rate: 1000, Burst: 1}) // refilled after 1 ms
	}
	l.Allow(ctx, "slow", "Op", slow)
	time.Sleep(10 * time.Millisecond)
	ratelimit.Sweep(ctx, db, slog.New(slog.DiscardHandler))
	rows, err := db.WriterPool().QueryContext(ctx, `SELECT key_id FROM api_rate_buckets`)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		left = append(left, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != "slow" {
		t.Fatalf("after the sweep: %v, want [slow]", left)
	}
	if ok, _ := l.Allow(ctx, "slow", "Op", slow); ok {
		t.Fatal("the kept bucket was emptied and is allowed again")
	}
}

func TestSweepOnSQLiteDoesNothing(t *testing.T) {
	db := storetest.SQLite(t)
	ratelimit.Sweep(t.Context(), db, slog.New(slog.DiscardHandler))
	var n int
	if err := db.ReaderPool().QueryRowContext(t.Context(), `SELECT count(*) FROM api_rate_buckets`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the table on SQLite: %d rows, %v", n, err)
	}
}

// BenchmarkAllow is the cost of one check: in memory, and on PostgreSQL
// beside a bare round trip, one key from one client (allowed, and refused),
// one key from many (they queue on its row) and a key per client.
func BenchmarkAllow(b *testing.B) {
	lim := ratelimit.Limit{Rate: 1e9, Burst: 1}
	b.Run("memory", func(b *testing.B) {
		l := ratelimit.NewMemory()
		for b.Loop() {
			l.Allow(context.Background(), "ak", "Op", lim)
		}
	})
	if os.Getenv(storetest.EnvPostgres) == "" {
		return
	}
	db := postgresNodes(b, 1)[0]
	l := ratelimit.New(db, nil, nil)
	// The floor: a round trip that does nothing, on the same pool.
	b.Run("postgres-select-1", func(b *testing.B) {
		for b.Loop() {
			var one int
			if err := db.WriterPool().QueryRowContext(context.Background(), `SELECT $1::int`, 1).Scan(&one); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("postgres-serial", func(b *testing.B) {
		for b.Loop() {
			if ok, _ := l.Allow(context.Background(), "ak-serial", "Op", lim); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("postgres-serial-refused", func(b *testing.B) {
		past := ratelimit.Limit{Rate: 0.001, Burst: 1}
		l.Allow(context.Background(), "ak-refused", "Op", past)
		for b.Loop() {
			if ok, _ := l.Allow(context.Background(), "ak-refused", "Op", past); ok {
				b.Fatal("allowed")
			}
		}
	})
	b.Run("postgres-parallel-one-key", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Allow(context.Background(), "ak-shared", "Op", lim)
			}
		})
	})
	b.Run("postgres-parallel-key-each", func(b *testing.B) {
		var n atomic.Int64
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			key := fmt.Sprintf("ak-%d", n.Add(1))
			for pb.Next() {
				l.Allow(context.Background(), key, "Op", lim)
			}
		})
	})
}
