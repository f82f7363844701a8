package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnercenter/internal/api"
	"partnercenter/internal/app"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// twoNodes serves the fixture's landscape from two nodes built as serve
// builds them (server.New over an App of their own, each with its own
// connection pool and metrics) on one database.
func twoNodes(t *testing.T, dsn string) (f *fixture, a, b *httptest.Server) {
	t.Helper()
	open := func() *store.DB {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db1 := open()
	if err := db1.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	f = newFixture(t, db1)
	other := &app.App{DB: open(), Sealer: f.app.Sealer, Log: slog.New(slog.DiscardHandler), Metrics: metrics.New()}
	return f, f.start(t, server.New(f.app)), f.start(t, server.New(other))
}

func requirePostgres(t *testing.T) string {
	t.Helper()
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skipf("%s is not set: several nodes need PostgreSQL", storetest.EnvPostgres)
	}
	return storetest.PostgresDSN(t)
}

// On PostgreSQL the nodes share a key's bucket: a burst of 2 spent through
// one node is spent on the other, which refuses in the usual shape with
// the wait until the bucket refills.
func TestRateLimitSharedByNodes(t *testing.T) {
	t.Setenv(api.EnvRateLimit, "0.001") // one request per 1,000 s
	t.Setenv(api.EnvRateBurst, "2")
	f, a, b := twoNodes(t, requirePostgres(t))
	query := func(srv *httptest.Server) apiAnswer {
		return call(t, srv, f.distKey, f.dist.DomainID, "POST", queryPath, []byte(`{}`), nil)
	}
	if r := query(a); r.Status != http.StatusOK {
		t.Fatalf("first request, node A: %d %s", r.Status, r.Body)
	}
	if r := query(b); r.Status != http.StatusOK {
		t.Fatalf("second request, node B: %d %s", r.Status, r.Body)
	}
	for name, srv := range map[string]*httptest.Server{"A": a, "B": b} {
		r := query(srv)
		r.wantError(t, http.StatusTooManyRequests, "APIGW.0308") // the answer's shape, request id included
		retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
		// The bucket holds a request again 1,000 s after the first one.
		if err != nil || retry < 900 || retry > 1000 {
			t.Errorf("node %s: Retry-After %q, want the seconds until the refill (about 1000)", name, r.Header.Get("Retry-After"))
		}
	}
	// Another key has a budget of its own, on either node.
	for _, srv := range []*httptest.Server{a, b} {
		if r := call(t, srv, f.dist2Key, f.dist2.DomainID, "POST", queryPath, []byte(`{}`), nil); r.Status != http.StatusOK {
			t.Fatalf("another key: %d %s", r.Status, r.Body)
		}
	}
}

// Requests of one key sent through two nodes as fast as they answer for a
// while: the nodes together allow the burst and the rate over the window,
// not twice that. The operation's limit is an override, so overrides are
// what the shared buckets apply.
func TestRateLimitOverWindowAcrossNodes(t *testing.T) {
	const rate, burst = 5, 5
	t.Setenv(api.EnvRateLimit, "0.001")
	t.Setenv(api.EnvRateLimits, "ListIndirectPartners=5")
	t.Setenv(api.EnvRateBurst, strconv.Itoa(burst))
	f, a, b := twoNodes(t, requirePostgres(t))
	nodes := []*httptest.Server{a, b}
	var allowed, refused, sent atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for g := range 4 {
		wg.Go(func() {
			for i := 0; time.Since(start) < 2*time.Second; i++ {
				r := call(t, nodes[(g+i)%2], f.distKey, f.dist.DomainID, "POST", queryPath, []byte(`{}`), nil)
				sent.Add(1)
				switch r.Status {
				case http.StatusOK:
					allowed.Add(1)
				case http.StatusTooManyRequests:
					refused.Add(1)
				default:
					t.Errorf("%d %s", r.Status, r.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	most := burst + int64(rate*elapsed) + 1
	least := burst + int64(rate*elapsed/2)
	t.Logf("%.2f s: %d requests, %d allowed, %d refused (at most %d allowed)", elapsed, sent.Load(), allowed.Load(), refused.Load(), most)
	if n := allowed.Load(); n > most || n < least {
		t.Fatalf("%d requests allowed over %.2f s through two nodes, want between %d and %d: the burst and %d a second, shared",
			n, elapsed, least, most, rate)
	}
	if refused.Load() == 0 {
		t.Fatal("nothing refused: the window did not test the limit")
	}
}

// An override of 0 lifts an operation's limit on every node while the
// others keep theirs.
func TestRateLimitOverrideLiftsAcrossNodes(t *testing.T) {
	t.Setenv(api.EnvRateLimit, "0.001")
	t.Setenv(api.EnvRateBurst, "2")
	t.Setenv(api.EnvRateLimits, "ListSubCustomers=0")
	f, a, b := twoNodes(t, requirePostgres(t))
	for i := range 6 {
		srv := []*httptest.Server{a, b}[i%2]
		if r := call(t, srv, f.distKey, f.dist.DomainID, "POST", "/v2/partners/sub-customers/query", []byte(`{}`), nil); r.Status != http.StatusOK {
			t.Fatalf("ListSubCustomers call %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	ok := 0
	for i := range 4 {
		srv := []*httptest.Server{a, b}[i%2]
		if r := call(t, srv, f.distKey, f.dist.DomainID, "POST", queryPath, []byte(`{}`), nil); r.Status == http.StatusOK {
			ok++
		} else {
			r.wantError(t, http.StatusTooManyRequests, "APIGW.0308")
		}
	}
	if ok != 2 {
		t.Fatalf("ListIndirectPartners: %d of 4 calls through two nodes allowed, want the burst of 2", ok)
	}
}

// SQLite serves one node and counts in memory: a second API over the same
// file (which a deployment does not run) has a bucket of its own.
func TestRateLimitInMemoryOnSQLite(t *testing.T) {
	t.Setenv(api.EnvRateLimit, "0.001")
	t.Setenv(api.EnvRateBurst, "1")
	f, a, b := twoNodes(t, storetest.SQLiteDSN(t))
	query := func(srv *httptest.Server) apiAnswer {
		return call(t, srv, f.distKey, f.dist.DomainID, "POST", queryPath, []byte(`{}`), nil)
	}
	if r := query(a); r.Status != http.StatusOK {
		t.Fatalf("first request: %d %s", r.Status, r.Body)
	}
	query(a).wantError(t, http.StatusTooManyRequests, "APIGW.0308")
	if r := query(b); r.Status != http.StatusOK {
		t.Fatalf("the other API's own bucket: %d %s", r.Status, r.Body)
	}
	var rows int
	if err := f.db.ReaderPool().QueryRowContext(t.Context(), `SELECT count(*) FROM api_rate_buckets`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("api_rate_buckets on SQLite: %d rows, %v", rows, err)
	}
}
