package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"partnercenter/internal/store"
)

// BenchmarkConsolePages measures the server time of console pages on the
// demo data with a signed-in session: the handler is called in process, so
// the figure is what the server spends, without the network. It reports
// the 95th percentile besides the mean.
//
//	go test -run xxx -bench ConsolePages -benchtime 2000x ./internal/console/
func BenchmarkConsolePages(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	e := newEnv(b, db)
	partnerUser, staff := e.client(), e.client()
	partnerUser.signIn("distributor")
	staff.signIn("admin")
	for _, page := range []struct {
		name string
		c    *client
		path string
	}{
		{"home", partnerUser, "/console/home"},
		{"organisation", partnerUser, "/console/org"},
		{"audit", partnerUser, "/console/audit"},
		{"staff-home", staff, "/console/staff"},
		{"staff-partners", staff, "/console/staff/partners"},
		{"staff-audit", staff, "/console/audit"},
	} {
		b.Run(page.name, func(b *testing.B) {
			cookie := page.c.cookie("pc_session")
			var took []time.Duration
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, page.path, nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				start := time.Now()
				e.srv.Config.Handler.ServeHTTP(rec, req)
				took = append(took, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d", page.path, rec.Code)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
