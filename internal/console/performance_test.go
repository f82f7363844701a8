package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnercenter/internal/bill"
	"partnercenter/internal/customer"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// managerTotal is what bill reads as attributed to a manager over months:
// the figure the 业绩 page must show for it.
func managerTotal(t *testing.T, db *store.DB, partnerID, managerID string, first, last bill.Month) int64 {
	t.Helper()
	s, err := bill.Total(context.Background(), db.Reader(), bill.Filter{Scope: customer.PartnerScope(partnerID), Month: first, LastMonth: last,
		ManagerUserID: managerID})
	if err != nil {
		t.Fatal(err)
	}
	return s.Amount
}

func countExports(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM exports`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPerformancePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		s := addConsumption(t, e.db)
		var manager string
		if err := e.db.Reader().QueryRowContext(context.Background(), `SELECT id FROM users WHERE username = 'distributor-manager'`).Scan(&manager); err != nil {
			t.Fatal(err)
		}
		first := s.month.Add(-5)
		resp, body := c.get("/console/performance")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>业绩</h1>") {
			t.Fatalf("status %d: %.300s", resp.StatusCode, body)
		}
		// The last six months by default; the manager's row holds what its
		// periods hold, nobody's row the rest.
		if !strings.Contains(body, `<option value="`+first.String()+`" selected>`) || !strings.Contains(body, `<option value="`+s.month.String()+`" selected>`) {
			t.Fatal("the default range is not the last six months")
		}
		_, managers, _ := strings.Cut(body, `id="managers"`)
		managers = tableBody(managers)
		mine := i18n.Amount(managerTotal(t, e.db, s.distributor, manager, first, s.month))
		if !regexp.MustCompile(`客户经理 王敏 \(distributor-manager\)</th>\s*<td class="num">` + regexp.QuoteMeta(mine) + `</td>`).MatchString(managers) {
			t.Fatalf("the manager's row lacks %s: %s", mine, managers)
		}
		nobody := i18n.Amount(managerTotal(t, e.db, s.distributor, "", first, s.month) - managerTotal(t, e.db, s.distributor, manager, first, s.month))
		if !regexp.MustCompile(`未分配客户经理</th>\s*<td class="num">` + regexp.QuoteMeta(nobody) + `</td>`).MatchString(managers) {
			t.Fatalf("nobody's row lacks %s: %s", nobody, managers)
		}
		// The chart: six months of consumption and of incentives, with the figures.
		if n := strings.Count(body, `<rect class="bar"`); n != 12 || !strings.Contains(body, `<svg id="performance-chart-svg" role="img"`) ||
			!strings.Contains(body, `id="performance-chart-figures"`) {
			t.Fatalf("%d bars", n)
		}

		// Bad months are refused next to their field.
		_, body = c.get("/console/performance?from=2026-13")
		if !strings.Contains(body, `id="f-from-msg">月份格式应为 2026-12`) || strings.Contains(body, `id="managers"`) {
			t.Fatal("a malformed month")
		}
		_, body = c.get("/console/performance?" + url.Values{"from": {s.month.String()}, "to": {s.month.Add(-1).String()}}.Encode())
		if !strings.Contains(body, `id="f-to-msg">结束月份不能早于开始月份`) {
			t.Fatal("a range backwards")
		}
		// An export of a bad range is refused and starts nothing; a good
		// one is listed under 导出记录.
		before := countExports(t, e.db)
		resp, body = c.post("/console/performance/exports", url.Values{"from": {s.month.Add(-18).String()}, "to": {s.month.String()}, "format": {"csv"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-from-msg">只能查询`) || countExports(t, e.db) != before {
			t.Fatalf("bad export: %d", resp.StatusCode)
		}
		resp, _ = c.post("/console/performance/exports", url.Values{"from": {first.String()}, "to": {s.month.String()}, "format": {"pdf"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || countExports(t, e.db) != before {
			t.Fatalf("export as pdf: %d", resp.StatusCode)
		}
		resp, _ = c.post("/console/performance/exports", url.Values{"from": {first.String()}, "to": {s.month.String()}, "format": {"csv"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/performance/exports" || countExports(t, e.db) != before+1 {
			t.Fatalf("export: %d", resp.StatusCode)
		}
		eventually(t, "the export is done", func() bool {
			_, body := c.get("/console/performance/exports")
			return strings.Contains(body, `class="download"`)
		})

		// The home page's card: the same six months.
		_, body = c.get("/console/home")
		if !strings.Contains(body, `id="home-performance"`) || strings.Count(body, `<rect class="bar"`) != 12 {
			t.Fatal("the home page has no 业绩 card")
		}

		// The manager sees its own figures only.
		m := e.client()
		m.signIn("distributor-manager")
		resp, body = m.get("/console/performance")
		_, managers, _ = strings.Cut(body, `id="managers"`)
		managers = tableBody(managers)
		if resp.StatusCode != http.StatusOK || strings.Count(managers, "<tr>") != 1 || !strings.Contains(managers, "distributor-manager") ||
			!strings.Contains(body, `class="perf-consumption">`+mine+`<`) {
			t.Fatalf("manager: %d %s", resp.StatusCode, managers)
		}
		// Another partner sees none of it.
		r := e.client()
		r.signIn("reseller")
		_, body = r.get("/console/performance")
		if strings.Contains(body, "distributor-manager") {
			t.Fatal("another partner sees the distributor's manager")
		}
	})
}
