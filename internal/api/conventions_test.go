package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnercenter/internal/api"
	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/platform/requestid"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

const queryPath = "/v2/partners/indirect-partners/query"

func TestUnknownRoutesAnswerInTheAPIShape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		call(t, srv, f.distKey, f.dist.DomainID, "POST", "/v2/partners/no-such-thing", []byte(`{}`), nil).wantError(t, http.StatusNotFound, "APIGW.0101")
		call(t, srv, nil, "", "GET", "/v2/", nil, nil).wantError(t, http.StatusNotFound, "APIGW.0101")
		// A known path with another method is an unknown API, as at the provider's gateway.
		call(t, srv, f.distKey, f.dist.DomainID, "GET", queryPath, nil, nil).wantError(t, http.StatusNotFound, "APIGW.0101")
	})
}

func TestBodyLimitAndMalformedJSON(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		huge := append([]byte(`{"account_name":"`), bytes.Repeat([]byte("a"), 1<<20)...)
		huge = append(huge, `"}`...)
		call(t, srv, f.distKey, f.dist.DomainID, "POST", queryPath, huge, nil).wantError(t, http.StatusRequestEntityTooLarge, "APIGW.0201")

		for body, want := range map[string]string{
			`{"limit":"ten"}`:                 "limit: must be an integer, not string",
			`{"offset":1.5}`:                  "offset: must be an integer",
			`{"account_name":7}`:              "account_name: must be a string",
			`{"limit":`:                       "not valid JSON",
			`[{"limit":1}]`:                   "must be a JSON object",
			`{"limit":1} trailing`:            "not valid JSON",
			`{"offset":99999999999999999999}`: "offset: must be an integer",
		} {
			a := call(t, srv, f.distKey, f.dist.DomainID, "POST", queryPath, []byte(body), nil)
			a.wantError(t, http.StatusBadRequest, "CBC.0101")
			if !strings.Contains(a.Error.Msg, want) {
				t.Errorf("%s: error_msg %q, want it to say %q", body, a.Error.Msg, want)
			}
		}
	})
}

func TestRateLimitPerAccessKey(t *testing.T) {
	t.Setenv(api.EnvRateLimit, "0.001")
	t.Setenv(api.EnvRateBurst, "2")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		for range 2 {
			if a := call(t, srv, f.distKey, f.dist.DomainID, "POST", queryPath, []byte(`{}`), nil); a.Status != http.StatusOK {
				t.Fatalf("within the burst: %d %s", a.Status, a.Body)
			}
		}
		a := call(t, srv, f.distKey, f.dist.DomainID, "POST", queryPath, []byte(`{}`), nil)
		a.wantError(t, http.StatusTooManyRequests, "APIGW.0308")
		if a.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		// Another key has a budget of its own.
		if a := call(t, srv, f.dist2Key, f.dist2.DomainID, "POST", queryPath, []byte(`{}`), nil); a.Status != http.StatusOK {
			t.Fatalf("another key: %d %s", a.Status, a.Body)
		}
	})
}

func TestLastUseRecordedAtMostOnceAMinute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		lastUsed := func() time.Time {
			k, err := auth.LookupAccessKey(t.Context(), db.Reader(), f.app.Sealer, f.distKey.ID)
			if err != nil {
				t.Fatal(err)
			}
			return k.LastUsedAt
		}
		ok := func() {
			t.Helper()
			if a := call(t, srv, f.distKey, f.dist.DomainID, "POST", queryPath, []byte(`{}`), nil); a.Status != http.StatusOK {
				t.Fatalf("%d %s", a.Status, a.Body)
			}
		}
		if !lastUsed().IsZero() {
			t.Fatal("a fresh key has a last use")
		}
		ok()
		first := lastUsed()
		if first.IsZero() {
			t.Fatal("first use not recorded")
		}
		f.skew.Store(int64(30 * time.Second))
		ok()
		if got := lastUsed(); !got.Equal(first) {
			t.Fatalf("recorded again after 30 s: %v then %v", first, got)
		}
		f.skew.Store(int64(2 * time.Minute))
		ok()
		if got := lastUsed(); !got.After(first.Add(time.Minute)) {
			t.Fatalf("not recorded again after 2 min: %v then %v", first, got)
		}
	})
}

// testRoutes are mutations of the tests' own, to exercise what every
// operation gets from the API's conventions.
func testRoutes(committed *atomic.Int64) []api.Route {
	type in struct {
		N int `json:"n"`
	}
	return []api.Route{
		// Its tests call it more often in a second than the default limit allows.
		{Method: "POST", Pattern: "/v2/test/counters", OperationID: "TestCount", Mutates: true, RateLimit: 100, Handle: func(c *api.Call) (any, error) {
			var req in
			if err := c.Decode(&req); err != nil {
				return nil, err
			}
			if req.N < 0 {
				return nil, apperr.Field("n", "test.negative", "must not be negative")
			}
			return c.InTx(func(tx *store.Tx) (any, error) {
				tx.AfterCommit(func() { committed.Add(1) })
				return map[string]any{"n": req.N, "id": ids.New()}, nil
			})
		}},
		{Method: "POST", Pattern: "/v2/test/broken", OperationID: "TestBroken", Mutates: true, Handle: func(c *api.Call) (any, error) {
			return nil, fmt.Errorf("pq: relation \"secret_table\" does not exist")
		}},
		{Method: "POST", Pattern: "/v2/test/panics", OperationID: "TestPanics", Handle: func(c *api.Call) (any, error) {
			panic("boom")
		}},
	}
}

// startRoutes serves the API with extra routes of a test's own, behind a
// stand-in for the server's middleware that names each request.
func (f *fixture) startRoutes(t *testing.T, extra ...api.Route) *httptest.Server {
	return f.startAPI(t, api.DefaultConfig(), extra...)
}

// startAPI serves the API alone with a configuration of the test's own.
func (f *fixture) startAPI(t *testing.T, cfg api.Config, extra ...api.Route) *httptest.Server {
	mux := http.NewServeMux()
	api.MountRoutes(mux, f.app, cfg, extra...)
	return f.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := ids.Compact()
		w.Header().Set(requestid.Header, id)
		mux.ServeHTTP(w, r.WithContext(requestid.With(r.Context(), id)))
	}))
}

func TestIdempotencyKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var committed atomic.Int64
		srv := f.startRoutes(t, testRoutes(&committed)...)
		post := func(k *auth.AccessKey, domain, path, body, key string) apiAnswer {
			var h http.Header
			if key != "" {
				h = http.Header{"Idempotency-Key": {key}}
			}
			return call(t, srv, k, domain, "POST", path, []byte(body), h)
		}
		d, dd := f.distKey, f.dist.DomainID

		// Without a key every call runs (an exact copy within the date's
		// window is a replay: access_api_test.go).
		post(d, dd, "/v2/test/counters", `{"n":1}`, "")
		post(d, dd, "/v2/test/counters", `{"n":2}`, "")
		if committed.Load() != 2 {
			t.Fatalf("committed %d, want 2", committed.Load())
		}

		// A retry replays the first answer byte for byte and runs nothing.
		first := post(d, dd, "/v2/test/counters", `{"n":5}`, "key-1")
		again := post(d, dd, "/v2/test/counters", `{"n":5}`, "key-1")
		if first.Status != http.StatusOK || again.Status != http.StatusOK || !bytes.Equal(first.Body, again.Body) {
			t.Fatalf("replay: %d %s then %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		if again.Header.Get("Idempotency-Replayed") != "true" || first.Header.Get("Idempotency-Replayed") != "" {
			t.Fatal("Idempotency-Replayed marks only the replay")
		}
		if committed.Load() != 3 {
			t.Fatalf("committed %d, want 3", committed.Load())
		}

		// The same key with another request is refused.
		post(d, dd, "/v2/test/counters", `{"n":6}`, "key-1").wantError(t, http.StatusConflict, "PC.0410")
		post(d, dd, "/v2/test/broken", `{"n":5}`, "key-1").wantError(t, http.StatusConflict, "PC.0410")

		// Keys are the caller's own: another access key may use the same one.
		if a := post(f.dist2Key, f.dist2.DomainID, "/v2/test/counters", `{"n":5}`, "key-1"); a.Status != http.StatusOK || a.Header.Get("Idempotency-Replayed") != "" {
			t.Fatalf("another key's key-1: %d %s", a.Status, a.Body)
		}

		// A refusal is replayed too; a server fault is not stored, so a retry runs again.
		post(d, dd, "/v2/test/counters", `{"n":-1}`, "key-2").wantError(t, http.StatusBadRequest, "CBC.0100")
		if a := post(d, dd, "/v2/test/counters", `{"n":-1}`, "key-2"); a.Header.Get("Idempotency-Replayed") != "true" {
			t.Fatal("refusal not replayed")
		}
		post(d, dd, "/v2/test/broken", `{}`, "key-3").wantError(t, http.StatusInternalServerError, "CBC.0999")
		if a := post(d, dd, "/v2/test/broken", `{}`, "key-3"); a.Header.Get("Idempotency-Replayed") != "" {
			t.Fatal("a server fault was replayed")
		}

		// A malformed key is refused.
		a := post(d, dd, "/v2/test/counters", `{"n":1}`, "ключ")
		a.wantError(t, http.StatusBadRequest, "CBC.0100")
		if !strings.HasPrefix(a.Error.Msg, "Idempotency-Key:") {
			t.Fatalf("error_msg %q", a.Error.Msg)
		}

		// Concurrent retries: one runs, all get its answer.
		committed.Store(0)
		var wg sync.WaitGroup
		bodies := make([][]byte, 6)
		for i := range bodies {
			wg.Go(func() {
				a := post(d, dd, "/v2/test/counters", `{"n":9}`, "key-concurrent")
				if a.Status == http.StatusOK {
					bodies[i] = a.Body
				}
			})
		}
		wg.Wait()
		for _, b := range bodies {
			if !bytes.Equal(b, bodies[0]) || b == nil {
				t.Fatalf("concurrent answers differ: %q", bodies)
			}
		}
		if committed.Load() != 1 {
			t.Fatalf("committed %d times under one key", committed.Load())
		}
	})
}

func TestInternalErrorsAreLoggedNotShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var committed atomic.Int64
		srv := f.startRoutes(t, testRoutes(&committed)...)
		for _, path := range []string{"/v2/test/broken", "/v2/test/panics"} {
			a := call(t, srv, f.distKey, f.dist.DomainID, "POST", path, []byte(`{}`), nil)
			a.wantError(t, http.StatusInternalServerError, "CBC.0999")
			if strings.Contains(string(a.Body), "secret_table") || strings.Contains(string(a.Body), "boom") {
				t.Fatalf("internal detail shown: %s", a.Body)
			}
			if !strings.Contains(a.Error.Msg, a.Error.RequestID) {
				t.Fatalf("message %q does not quote the request id", a.Error.Msg)
			}
			if logs := f.logs.String(); !strings.Contains(logs, a.Error.RequestID) {
				t.Fatalf("request id %s not in the log:\n%s", a.Error.RequestID, logs)
			}
		}
		if !strings.Contains(f.logs.String(), "secret_table") {
			t.Fatal("the cause is not logged")
		}
	})
}

func TestDomainErrorsUseTheTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		routes := []api.Route{}
		for code, err := range map[string]error{
			"PC.0404":  apperr.NotFoundf("x.missing", "customer not found"),
			"PC.0409":  apperr.New(apperr.Conflict, "x.state", "already unbound"),
			"PC.0460":  apperr.New(apperr.Insufficient, "x.balance", "not enough balance"),
			"CBC.0151": apperr.New(apperr.Forbidden, "x.denied", "main account only"),
			// APICode overrides the table's default for the domain code.
			"CBC.0101": apperr.Field("amount", "x.amount", "bad").WithAPICode("CBC.0101"),
			"CBC.0999": errors.New("wrapped driver error"),
		} {
			routes = append(routes, api.Route{Method: "POST", Pattern: "/v2/test/" + code, OperationID: code,
				Handle: func(c *api.Call) (any, error) { return nil, err }})
		}
		srv := f.startRoutes(t, routes...)
		want := map[string]int{"PC.0404": 404, "PC.0409": 409, "PC.0460": 400, "CBC.0151": 403, "CBC.0101": 400, "CBC.0999": 500}
		for code, status := range want {
			call(t, srv, f.distKey, f.dist.DomainID, "POST", "/v2/test/"+code, nil, nil).wantError(t, status, code)
		}
	})
}

func TestDocumentAndReferencePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		resp, err := http.Get(srv.URL + "/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil || doc["openapi"] != "3.1.0" {
			t.Fatalf("/openapi.json: %v %v", err, doc["openapi"])
		}
		resp, err = http.Get(srv.URL + "/api/docs")
		if err != nil {
			t.Fatal(err)
		}
		var page bytes.Buffer
		_, _ = page.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("/api/docs: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{"ListIndirectPartners", queryPath, "indirect_partners[].account_name", "associated_on_begin",
			"1 to 100", "X-Sdk-Date", "APIGW.0301", "PC.0410"} {
			if !strings.Contains(page.String(), want) {
				t.Errorf("/api/docs does not mention %q", want)
			}
		}
		if strings.Contains(page.String(), "<script") || strings.Contains(page.String(), "https://") {
			t.Error("/api/docs loads something from elsewhere")
		}
	})
}
