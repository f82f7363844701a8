package api_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"partnercenter/internal/api"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/openapi"
)

// wholeServer serves the fixture as the partnercenter binary does, the
// server's own checks in front of the API, without the rate limit (the
// tests make many calls in a burst).
func wholeServer(t *testing.T, f *fixture) *httptest.Server {
	t.Setenv(api.EnvRateLimit, "0")
	return f.start(t, server.New(f.app))
}

// docOperation is what the security tests read of an operation in the API
// document: its string filters, in the query or in the JSON body, and the
// body's example, which the filters are set on.
type docOperation struct {
	method, path, id string
	query            []string        // string query parameters
	body             []string        // string properties of the JSON body
	example          json.RawMessage // the documented request body
}

// documentedOperations reads every operation of the API document, so that a
// new operation is covered without an edit here.
func documentedOperations(t *testing.T) []docOperation {
	t.Helper()
	type schema struct {
		Ref        string            `json:"$ref"`
		Type       any               `json:"type"`
		Properties map[string]schema `json:"properties"`
	}
	var d struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Parameters  []struct {
				Name   string `json:"name"`
				In     string `json:"in"`
				Schema schema `json:"schema"`
			} `json:"parameters"`
			RequestBody struct {
				Content map[string]struct {
					Example json.RawMessage `json:"example"`
					Schema  schema          `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.JSON, &d); err != nil {
		t.Fatal(err)
	}
	var out []docOperation
	for _, path := range slices.Sorted(maps.Keys(d.Paths)) {
		for method, op := range d.Paths[path] {
			o := docOperation{method: strings.ToUpper(method), path: path, id: op.OperationID}
			for _, p := range op.Parameters {
				if p.In == "query" && p.Schema.Type == "string" {
					o.query = append(o.query, p.Name)
				}
			}
			if c, ok := op.RequestBody.Content["application/json"]; ok {
				o.example = c.Example
				s := c.Schema
				if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
					s = d.Components.Schemas[name]
				}
				for name, p := range s.Properties {
					if p.Type == "string" {
						o.body = append(o.body, name)
					}
				}
				slices.Sort(o.body)
			}
			out = append(out, o)
		}
	}
	return out
}

// listed is how many items an answer lists: its total when it gives one,
// else the length of its first list.
func listed(body []byte) int {
	var v map[string]json.RawMessage
	if json.Unmarshal(body, &v) != nil {
		return 0
	}
	for _, k := range []string{"total_count", "count", "total"} {
		var n int
		if json.Unmarshal(v[k], &n) == nil && v[k] != nil {
			return n
		}
	}
	for _, k := range slices.Sorted(maps.Keys(v)) {
		var items []json.RawMessage
		if json.Unmarshal(v[k], &items) == nil && v[k] != nil && v[k][0] == '[' {
			return len(items)
		}
	}
	return 0
}

// injections are the filter values every list operation is fed.
var injections = []string{`' OR '1'='1`, `%`, `_`, `\`, `%%`, `'; DROP TABLE customers;--`, `" OR ""="`, "\x00"}

func TestListFiltersResistInjectionInTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		srv := wholeServer(t, s.fixture)
		s.place(t, s.dist.ID, s.resale.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))
		tried := 0
		for _, op := range documentedOperations(t) {
			if !strings.HasPrefix(op.id, "List") || strings.Contains(op.path, "{") {
				continue
			}
			send := func(field, v string, set bool) (int, int) {
				var path = op.path
				var body []byte
				if op.method == http.MethodGet {
					if set {
						path += "?" + url.Values{field: {v}}.Encode()
					}
				} else {
					b := map[string]any{}
					_ = json.Unmarshal(op.example, &b)
					if set {
						b[field] = v
					}
					body, _ = json.Marshal(b)
				}
				a := call(t, srv, s.distKey, s.dist.DomainID, op.method, path, body, nil)
				if a.Status >= 500 {
					t.Errorf("%s %s=%q: %d %s", op.id, field, v, a.Status, a.Body)
				}
				if a.Status != http.StatusOK {
					return a.Status, 0
				}
				return a.Status, listed(a.Body)
			}
			fields := op.query
			if op.method != http.MethodGet {
				fields = op.body
			}
			for _, field := range fields {
				_, all := send(field, "", false)
				_, none := send(field, "zz-matches-nothing-zz", true)
				for _, v := range injections {
					tried++
					// More than a value matching nothing, and as many as
					// without the filter: the value was taken as a pattern
					// or as SQL.
					if status, n := send(field, v, true); status == http.StatusOK && n > none && n >= all {
						t.Errorf("%s %s=%q lists %d, as many as without the filter; a value matching nothing lists %d", op.id, field, v, n, none)
					}
				}
			}
		}
		if tried < 100 {
			t.Errorf("only %d filter values tried: the document's filters were not found", tried)
		}
		var n int
		if err := db.Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM customers`).Scan(&n); err != nil || n == 0 {
			t.Errorf("customers after the injections: %d, %v", n, err)
		}
		s.check(t)
	})
}

func TestDownloadsRefuseTraversalInTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMoney(t, db)
		srv := wholeServer(t, m.fixture)
		param := regexp.MustCompile(`\{[^}]*\}`)
		downloads := 0
		for _, op := range documentedOperations(t) {
			if op.method != http.MethodGet || !strings.HasPrefix(op.id, "Download") {
				continue
			}
			downloads++
			for _, id := range []string{"..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%252F..%252Fetc%252Fpasswd",
				"%2Fetc%2Fpasswd", "..%5C..%5Cgo.mod", "x%00", "01a2447dd2be7a00ab06707847a2aeb4"} {
				path := param.ReplaceAllString(op.path, id)
				a := call(t, srv, m.distKey, m.dist.DomainID, http.MethodGet, path, nil, nil)
				if a.Status < 400 || a.Status >= 500 || bytes.Contains(a.Body, []byte("root:x:0:0")) || bytes.Contains(a.Body, []byte("module partnercenter")) {
					t.Errorf("%s %s: %d %q", op.id, path, a.Status, a.Header.Get("Content-Disposition"))
				}
			}
		}
		if downloads == 0 {
			t.Fatal("the API document names no download")
		}
	})
}

// A body over 1 MiB is refused with 413 before any handler reads it: a money
// operation moves nothing.
func TestOversizedBodyMovesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMoney(t, db)
		before := moneyState(t, db)
		body := append([]byte(`{"customer_id":"`+m.resale.ID+`","amount":"1.00","memo":"`), bytes.Repeat([]byte("a"), 1<<20)...)
		body = append(body, `"}`...)
		a := call(t, wholeServer(t, m.fixture), m.distKey, m.dist.DomainID, http.MethodPost, "/v2/accounts/partner-accounts/adjust-amount", body, nil)
		a.wantError(t, http.StatusRequestEntityTooLarge, "APIGW.0201")
		if after := moneyState(t, db); !maps.Equal(before, after) {
			t.Error("an oversized allocation moved money")
		}
	})
}
