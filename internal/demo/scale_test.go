package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/api/signing"
	"partnercenter/internal/app"
	"partnercenter/internal/auth"
	"partnercenter/internal/demo"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestParseScale(t *testing.T) {
	for in, want := range map[string]demo.Scale{
		"":       demo.ScaleSmall,
		"small":  demo.ScaleSmall,
		"large":  {Partners: 1000, Customers: 1_000_000, Entries: 10_000_000, Opportunities: 1_000_000, Seed: 2026},
		"medium": {Partners: 100, Customers: 100_000, Entries: 1_000_000, Opportunities: 100_000, Seed: 2026},
		"0.001":  {Partners: 1, Customers: 1000, Entries: 10_000, Opportunities: 1000, Seed: 2026},
	} {
		got, err := demo.ParseScale(in)
		if err != nil || got != want {
			t.Errorf("ParseScale(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"huge", "0", "-0.5", "2", "NaN"} {
		if _, err := demo.ParseScale(bad); err == nil {
			t.Errorf("ParseScale(%q) accepted", bad)
		}
	}
}

// tinyScale is large at a few thousandths: every kind of partner, skewed
// customers, every kind of movement, opportunities in every status.
var tinyScale = demo.Scale{Partners: 20, Customers: 900, Entries: 6000, Opportunities: 400, Seed: 11}

func TestLoadScaled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := storetest.Sealer(t)
		// Bad scales are refused before anything is written.
		if _, err := demo.LoadScaled(ctx, db, sealer, demo.Scale{Partners: 2, Customers: 10, Entries: 10}, io.Discard); err == nil {
			t.Fatal("too few entries for the partners accepted")
		}
		if loaded, _ := demo.Loaded(ctx, db); loaded {
			t.Fatal("a refused scale loaded the demo")
		}
		schema := func() string {
			t.Helper()
			q := `SELECT COUNT(*) || ' indexes' FROM sqlite_master WHERE type = 'index'`
			if db.Dialect == store.Postgres {
				q = `SELECT (SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()) || ' indexes, ' ||
					(SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace) || ' foreign keys, ' ||
					(SELECT COUNT(*) FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
						WHERE r.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal AND t.tgenabled <> 'D') || ' enabled triggers'`
			}
			var s string
			if err := db.Reader().QueryRowContext(ctx, q).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		schemaBefore := schema()
		var progress bytes.Buffer
		counts, err := demo.LoadScaled(ctx, db, sealer, tinyScale, &progress)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"customers", "ledger_entries", "opportunities"} {
			if !strings.Contains(progress.String(), table) {
				t.Errorf("progress names no %s:\n%s", table, progress.String())
			}
		}
		// The indexes, foreign keys and triggers set aside for the bulk load
		// are back.
		if after := schema(); after != schemaBefore {
			t.Errorf("schema before the generation: %s; after: %s", schemaBefore, after)
		}
		if counts.Partners != 20 || counts.Customers != 900 || counts.Entries != 6000 || counts.Transfers != 3000 || counts.Opportunities != 400 {
			t.Errorf("counts %+v", counts)
		}

		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := db.Reader().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		gen := `(SELECT id FROM partners WHERE name LIKE 'gen-%')`
		if n := count(`SELECT COUNT(*) FROM partners WHERE name LIKE 'gen-%'`); n != 20 {
			t.Errorf("%d generated partners", n)
		}
		if n := count(`SELECT COUNT(*) FROM customers WHERE partner_id IN ` + gen); n != 900 {
			t.Errorf("%d generated customers", n)
		}
		if n := count(`SELECT COUNT(*) FROM ledger_entries e JOIN ledger_transfers t ON t.id = e.transfer_id WHERE t.client_id LIKE 'gen11-%'`); n != 6000 {
			t.Errorf("%d generated ledger entries", n)
		}
		if n := count(`SELECT COUNT(*) FROM opportunities WHERE partner_id IN ` + gen); n != 400 {
			t.Errorf("%d generated opportunities", n)
		}
		// Every kind of partner, indirect resellers under distributors.
		for _, q := range []string{
			`SELECT COUNT(*) FROM partners WHERE name LIKE 'gen-%' AND partner_type = 'distributor'`,
			`SELECT COUNT(*) FROM partners p JOIN partners d ON d.id = p.parent_id WHERE p.name LIKE 'gen-%' AND d.partner_type = 'distributor'`,
			`SELECT COUNT(*) FROM partners WHERE name LIKE 'gen-%' AND partner_type = 'solution'`,
			`SELECT COUNT(*) FROM partners WHERE name LIKE 'gen-%' AND partner_type = 'reseller' AND parent_id IS NULL`,
		} {
			if count(q) == 0 {
				t.Errorf("none: %s", q)
			}
		}
		// Skewed: the biggest partner has several times the average.
		if top := count(`SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM customers WHERE partner_id IN ` + gen + ` GROUP BY partner_id) x`); top < 3*900/20 {
			t.Errorf("the biggest partner has %d customers: not skewed", top)
		}
		// Every partner's customers are counted, as the triggers count them.
		if n := count(`SELECT COUNT(*) FROM (SELECT partner_id, COUNT(*) AS n FROM customers WHERE partner_id IS NOT NULL GROUP BY partner_id) g
			FULL JOIN (SELECT partner_id, SUM(customers) AS customers FROM partner_customer_counts GROUP BY partner_id) k ON k.partner_id = g.partner_id WHERE COALESCE(g.n, 0) <> COALESCE(k.customers, 0)`); n != 0 {
			t.Errorf("%d partners whose partner_customer_counts differ from their customers", n)
		}
		// Every partner's 调账记录 are counted, in all and for each customer
		// or indirect reseller, as the triggers count them.
		if n := count(`SELECT COUNT(*) FROM (SELECT partner_id, subject, COUNT(*) AS n FROM (
				SELECT partner_id, '' AS subject FROM fund_adjustments
				UNION ALL SELECT partner_id, customer_id FROM fund_adjustments WHERE customer_id IS NOT NULL
				UNION ALL SELECT partner_id, indirect_partner FROM fund_adjustments WHERE indirect_partner IS NOT NULL) s GROUP BY partner_id, subject) g
			FULL JOIN (SELECT partner_id, subject, SUM(records) AS records FROM fund_adjustment_counts GROUP BY partner_id, subject) k
				ON k.partner_id = g.partner_id AND k.subject = g.subject
			WHERE COALESCE(g.n, 0) <> COALESCE(k.records, 0)`); n != 0 {
			t.Errorf("%d (partner, subject) whose fund_adjustment_counts differ from their 调账记录", n)
		}
		if n := count(`SELECT COUNT(*) FROM fund_adjustment_counts WHERE subject <> '' AND partner_id IN ` + gen); n == 0 {
			t.Error("no customer or reseller counts 调账记录")
		}
		// Every kind of movement, and a 调账记录 for each allocation and
		// reclaim, as the real operations leave.
		for _, code := range []string{"RECHARGE", "BEADJUST", "BERETRIEVE", "DEDEUCT"} {
			if count(`SELECT COUNT(*) FROM ledger_transfers WHERE client_id LIKE 'gen11-%' AND code = ?`, code) == 0 {
				t.Errorf("no %s movement", code)
			}
		}
		moves := count(`SELECT COUNT(*) FROM ledger_transfers WHERE client_id LIKE 'gen11-%' AND code IN ('BEADJUST', 'BERETRIEVE')`)
		if adj := count(`SELECT COUNT(*) FROM fund_adjustments a JOIN ledger_transfers t ON t.linked_id = a.trans_id
			WHERE t.client_id LIKE 'gen11-%'`); adj != moves || adj != counts.Adjustments {
			t.Errorf("%d 调账记录 for %d allocations and reclaims (counted %d)", adj, moves, counts.Adjustments)
		}
		if n := count(`SELECT COUNT(DISTINCT review_status) FROM opportunities WHERE partner_id IN ` + gen); n != 7 {
			t.Errorf("opportunities in %d review statuses, want 7", n)
		}

		// The ledger's invariants hold, as `partnercenter ledger check` checks them.
		if vs, err := ledger.Check(ctx, db.Reader()); err != nil || len(vs) > 0 {
			t.Fatalf("ledger check: %v %v", vs, err)
		}

		// The demo users and a generated partner's main account sign in.
		for _, name := range []string{"admin", "distributor", "reseller-a", "gen-00001"} {
			if _, _, err := auth.SignIn(ctx, db, name, demo.Password, "127.0.0.1", "test"); err != nil {
				t.Errorf("sign in as %s: %v", name, err)
			}
		}

		// The API pages through the biggest generated partner's customers
		// and 调账记录: every row once, the count right, no other tenant's.
		var bigID, bigName string
		if err := db.Reader().QueryRowContext(ctx, `SELECT p.id, p.name FROM partners p JOIN customers c ON c.partner_id = p.id
			WHERE p.name LIKE 'gen-%' AND p.parent_id IS NULL AND p.partner_type <> 'solution'
			GROUP BY p.id, p.name ORDER BY COUNT(*) DESC, p.id LIMIT 1`).Scan(&bigID, &bigName); err != nil {
			t.Fatal(err)
		}
		var ak *auth.AccessKey
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			ak, err = auth.CreateAccessKey(ctx, tx, sealer, bigID, "test", "test")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var domainID string
		if err := db.Reader().QueryRowContext(ctx, `SELECT domain_id FROM partners WHERE id = ?`, bigID).Scan(&domainID); err != nil {
			t.Fatal(err)
		}
		a := &app.App{DB: db, Sealer: sealer, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: metrics.New()}
		srv := httptest.NewServer(server.New(a))
		defer srv.Close()
		call := func(method, path string, body []byte, out any) {
			t.Helper()
			r, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Domain-Id", domainID)
			if err := signing.Sign(r, body, ak.ID, ak.Secret, time.Now()); err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
			}
			if err := json.Unmarshal(raw, out); err != nil {
				t.Fatal(err)
			}
		}

		want := count(`SELECT COUNT(*) FROM customers WHERE partner_id = ?`, bigID)
		seen := map[string]bool{}
		for offset := 0; ; offset += 37 {
			var page struct {
				Count     int `json:"count"`
				Customers []struct {
					ID          string `json:"customer_id"`
					AccountName string `json:"account_name"`
				} `json:"customer_infos"`
			}
			body, _ := json.Marshal(map[string]int{"offset": offset, "limit": 37})
			call(http.MethodPost, "/v2/partners/sub-customers/query", body, &page)
			if page.Count != want {
				t.Fatalf("ListSubCustomers count %d, want %d", page.Count, want)
			}
			for _, c := range page.Customers {
				if seen[c.ID] {
					t.Fatalf("customer %s on two pages", c.ID)
				}
				seen[c.ID] = true
				if owner := count(`SELECT COUNT(*) FROM customers WHERE id = ? AND partner_id = ?`, c.ID, bigID); owner != 1 {
					t.Fatalf("customer %s (%s) is not %s's", c.ID, c.AccountName, bigName)
				}
			}
			if len(page.Customers) < 37 {
				break
			}
		}
		if len(seen) != want {
			t.Errorf("paged through %d customers of %d", len(seen), want)
		}

		wantAdj := count(`SELECT COUNT(*) FROM fund_adjustments WHERE partner_id = ?`, bigID)
		if wantAdj == 0 {
			t.Fatalf("%s has no 调账记录", bigName)
		}
		seenAdj := map[string]bool{}
		for offset := 0; offset < wantAdj; offset += 100 {
			var page struct {
				Total   int `json:"total_count"`
				Records []struct {
					TransID string `json:"trans_id"`
				} `json:"records"`
			}
			q := url.Values{"offset": {fmt.Sprint(offset)}, "limit": {"100"}}
			call(http.MethodGet, "/v3/accounts/partner-accounts/adjust-records?"+q.Encode(), nil, &page)
			if page.Total != wantAdj {
				t.Fatalf("ListPartnerAdjustRecords total %d, want %d", page.Total, wantAdj)
			}
			for _, r := range page.Records {
				if seenAdj[r.TransID] {
					t.Fatalf("record %s on two pages", r.TransID)
				}
				seenAdj[r.TransID] = true
			}
		}
		if len(seenAdj) != wantAdj {
			t.Errorf("paged through %d 调账记录 of %d", len(seenAdj), wantAdj)
		}

		// A database with more than the demo is refused and left as it was.
		before := count(`SELECT COUNT(*) FROM ledger_entries`)
		if _, err := demo.LoadScaled(ctx, db, sealer, tinyScale, io.Discard); !errors.Is(err, demo.ErrNotDemoOnly) {
			t.Errorf("second generation: %v", err)
		}
		if after := count(`SELECT COUNT(*) FROM ledger_entries`); after != before {
			t.Errorf("a refused generation wrote %d entries", after-before)
		}
	})
}

// TestLoadScaledOnTheDemo generates into a database that holds the demo
// alone, as `partnercenter demo --scale` after `partnercenter demo` does,
// and refuses one that holds anything else.
func TestLoadScaledOnTheDemo(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	if err := demo.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	small := demo.Scale{Partners: 3, Customers: 40, Entries: 200, Opportunities: 10, Seed: 5}
	if _, err := demo.LoadScaled(ctx, db, nil, small, io.Discard); err != nil {
		t.Fatal(err)
	}
	if vs, err := ledger.Check(ctx, db.Reader()); err != nil || len(vs) > 0 {
		t.Fatalf("ledger check: %v %v", vs, err)
	}
	if _, err := demo.LoadScaled(ctx, db, nil, demo.ScaleSmall, io.Discard); err == nil {
		t.Error("the demo loaded twice")
	}
}
