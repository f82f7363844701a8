package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"

	"partnercenter/internal/api/signing"
	"partnercenter/internal/app"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// fixture is a partner landscape: a total distributor with two indirect
// resellers associated a day apart, a plain reseller, and a second
// distributor with a reseller of its own; each distributor and the plain
// reseller hold an access key.
type fixture struct {
	db   *store.DB
	app  *app.App
	logs *syncBuffer

	dist, dist2, plain *partner.Partner
	resA, resB, resC   *partner.Partner
	distKey, dist2Key  *auth.AccessKey
	plainKey           *auth.AccessKey

	// skew moves the server's clock (db.Now) without racing its goroutines.
	skew atomic.Int64
}

// base is when the fixture's first partner was created.
var base = time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	sealer := storetest.Sealer(t)
	f := &fixture{db: db, logs: &syncBuffer{}}
	f.app = &app.App{DB: db, Sealer: sealer, Log: slog.New(slog.NewTextHandler(f.logs, nil)), Metrics: metrics.New()}
	ctx := context.Background()
	at := func(d time.Duration, fn func(tx *store.Tx) error) {
		t.Helper()
		db.Now = func() time.Time { return base.Add(d) }
		if err := db.InTx(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	create := func(d time.Duration, prefix string, typ partner.Type, parent *partner.Partner) (p *partner.Partner) {
		n := partner.NewPartner{Name: storetest.Name(prefix), DisplayName: prefix + " 有限公司", Type: typ, Stage: partner.Certified,
			Email: prefix + "@partner.example", Mobile: "13800000000", XAccountType: storetest.Name("pf_" + prefix + "_")}
		if parent != nil {
			n.ParentID = parent.ID
		}
		at(d, func(tx *store.Tx) (err error) { p, err = partner.Create(ctx, tx, n); return err })
		return p
	}
	f.dist = create(0, "dist", partner.TotalDistributor, nil)
	f.dist2 = create(time.Hour, "other-dist", partner.TotalDistributor, nil)
	f.plain = create(2*time.Hour, "plain", partner.Reseller, nil)
	f.resA = create(24*time.Hour, "res-a", partner.Reseller, f.dist)
	f.resB = create(48*time.Hour, "res-b", partner.Reseller, f.dist)
	f.resC = create(49*time.Hour, "res-c", partner.Reseller, f.dist2)
	at(50*time.Hour, func(tx *store.Tx) error {
		for _, k := range []struct {
			p   *partner.Partner
			dst **auth.AccessKey
		}{{f.dist, &f.distKey}, {f.dist2, &f.dist2Key}, {f.plain, &f.plainKey}} {
			key, err := auth.CreateAccessKey(ctx, tx, sealer, k.p.ID, "test", "test")
			if err != nil {
				return err
			}
			*k.dst = key
		}
		return nil
	})
	db.Now = func() time.Time { return time.Now().Add(time.Duration(f.skew.Load())) }
	return f
}

// start serves h on a test server for the length of the test.
func (f *fixture) start(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// client is the provider's public SDK client, as a partner platform builds it.
func client(t *testing.T, srv *httptest.Server, ak, sk, domainID string) *bss.BssClient {
	t.Helper()
	cred, err := global.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithDomainId(domainID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := bss.BssClientBuilder().WithEndpoints([]string{srv.URL}).WithCredential(cred).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return bss.NewBssClient(hc)
}

// apiAnswer is a raw answer: status, headers and the body's error fields.
type apiAnswer struct {
	Status int
	Header http.Header
	Body   []byte
	Error  struct {
		Code      string `json:"error_code"`
		Msg       string `json:"error_msg"`
		RequestID string `json:"request_id"`
	}
}

// call sends a request signed with key (nil: unsigned) as the SDK would.
func call(t *testing.T, srv *httptest.Server, key *auth.AccessKey, domainID, method, path string, body []byte, header http.Header) apiAnswer {
	t.Helper()
	r, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	if domainID != "" {
		r.Header.Set("X-Domain-Id", domainID)
	}
	for k, v := range header {
		r.Header[k] = v
	}
	if key != nil {
		if err := signing.Sign(r, body, key.ID, key.Secret, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := apiAnswer{Status: resp.StatusCode, Header: resp.Header}
	a.Body, _ = io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		if err := json.Unmarshal(a.Body, &a.Error); err != nil {
			t.Fatalf("%s %s: error body is not JSON: %q", method, path, a.Body)
		}
	}
	return a
}

// wantError checks an error answer's status and code, and that the body and
// the header name the same request.
func (a apiAnswer) wantError(t *testing.T, status int, code string) {
	t.Helper()
	if a.Status != status || a.Error.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", a.Status, a.Error.Code, a.Body, status, code)
	}
	if id := a.Header.Get("X-Request-Id"); id == "" || id != a.Error.RequestID {
		t.Fatalf("request id: header %q, body %q", id, a.Error.RequestID)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
