package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	pc "partnercenter/client"
	"partnercenter/internal/api"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/upload"
)

// Materials and evidence are uploads: on PostgreSQL the default directory
// would be ./data/uploads inside this package, so the tests keep them in a
// temporary directory instead.
func init() {
	if os.Getenv(upload.EnvDir) == "" {
		if dir, err := os.MkdirTemp("", "partnercenter-api-uploads-"); err == nil {
			os.Setenv(upload.EnvDir, dir)
		}
	}
}

// extPDF is a body the upload sniffer takes for a PDF.
var extPDF = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// solFixture drives the extension API only through the Go client: as the
// plain reseller (own) and as the second distributor (other), whose ids
// must stay invisible to each other.
type solFixture struct {
	*fixture
	srv        *httptest.Server
	own, other *pc.Client
}

func newSolFixture(t *testing.T, db *store.DB) *solFixture {
	t.Helper()
	// The per-key rate limit is the conventions' tests' subject; here a
	// flow makes more calls of one operation in a second than it allows.
	t.Setenv(api.EnvRateLimit, "0")
	f := &solFixture{fixture: newFixture(t, db)}
	f.srv = f.start(t, server.New(f.app))
	srv := f.srv
	f.own = pc.New(srv.URL, f.plainKey.ID, f.plainKey.Secret, f.plain.DomainID, pc.WithClock(freshSeconds()))
	f.other = pc.New(srv.URL, f.dist2Key.ID, f.dist2Key.Secret, f.dist2.DomainID, pc.WithClock(freshSeconds()))
	return f
}

// freshSeconds is a signing clock that moves at least a second per request,
// as a platform's requests spread over time would: the API refuses the
// same mutation signed twice in one second as a replay, and the tests send
// the same refused request again after changing what it depends on.
func freshSeconds() func() time.Time {
	var mu sync.Mutex
	var last time.Time
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		next := last.Add(time.Second)
		if now := time.Now(); now.After(next) {
			next = now
		}
		last = next
		return last
	}
}

// tx runs set-up work of the provider's side (a PSA's decision, a sampling
// run) that the partner API does not offer.
func (f *solFixture) tx(t *testing.T, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	inTx(t, f.db, fn)
}

// count is a number the database holds, to check that a refusal changed nothing.
func (f *solFixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// extMust takes a call's answer and error, and gives the answer to a test
// that fails on the error: extMust(f.own.ShowSolution(ctx, id))(t).
func extMust[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// extRefused checks an API refusal: its status, code and that the message
// says want (the field named, the reason).
func extRefused(t *testing.T, err error, status int, code, want string) {
	t.Helper()
	var e *pc.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want %d %s", err, status, code)
	}
	if e.StatusCode != status || e.Code != code || !strings.Contains(e.Message, want) {
		t.Fatalf("got %d %s %q, want %d %s saying %q", e.StatusCode, e.Code, e.Message, status, code, want)
	}
}

// extInvalid, extNotFound and extConflict are the refusals the extension answers.
func extInvalid(t *testing.T, err error, want string) {
	t.Helper()
	extRefused(t, err, http.StatusBadRequest, "CBC.0100", want)
}

func extNotFound(t *testing.T, err error) {
	t.Helper()
	extRefused(t, err, http.StatusNotFound, "PC.0404", "")
}

func extConflict(t *testing.T, err error, want string) {
	t.Helper()
	extRefused(t, err, http.StatusConflict, "PC.0409", want)
}
