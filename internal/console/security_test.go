package console_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/configurator"
	"partnercenter/internal/console"
	"partnercenter/internal/demo"
	"partnercenter/internal/funds"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/upload"
)

// The two markup payloads of the XSS checks. Escaped, neither appears in a
// page as written; unescaped, either would run in a browser.
const (
	xssScript = `<script>alert(1)</script>`
	xssImg    = `"><img src=x onerror=alert(1)>`
	xssBoth   = xssScript + xssImg
)

// unescaped reports whether a page carries a payload as markup.
func unescaped(body string) bool {
	return strings.Contains(body, xssScript) || strings.Contains(body, `<img src=x onerror=alert(1)>`)
}

func TestSessionFixation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u, _ := url.Parse(e.srv.URL)

		// A token planted in the victim's browser before sign-in is replaced,
		// and never becomes a session.
		victim := e.client()
		planted := "attacker-chosen-token-0123456789abcdef"
		victim.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "pc_session", Value: planted, Path: "/"}})
		victim.signIn("distributor")
		if ck := victim.cookie("pc_session"); ck == nil || ck.Value == planted {
			t.Fatalf("after sign-in the session cookie is %+v: the planted token was kept", ck)
		}
		if _, err := auth.Authenticate(context.Background(), db, planted); err == nil {
			t.Fatal("the planted token authenticates after the victim signed in")
		}

		// An attacker's own live session, planted the same way, is not
		// raised to the victim's account: sign-in issues a new token, and the
		// old one stays the attacker's.
		attacker := e.client()
		attacker.signIn("reseller")
		own := attacker.cookie("pc_session").Value
		victim2 := e.client()
		victim2.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "pc_session", Value: own, Path: "/"}})
		victim2.signIn("distributor")
		if got := victim2.cookie("pc_session").Value; got == own {
			t.Fatal("sign-in kept the session token the browser already held")
		}
		if usr, err := auth.Authenticate(context.Background(), db, own); err != nil || usr.Username != "reseller" {
			t.Fatalf("the planted token now authenticates %v (%v); want it still the reseller's", usr, err)
		}
		if _, body := attacker.get("/console/home"); strings.Contains(body, "华东云总经销有限公司") {
			t.Error("the attacker's page shows the victim's partner")
		}

		// Signing out ends the session on the server, not only in the browser.
		old := victim.cookie("pc_session").Value
		victim.post("/console/signout", nil)
		if _, err := auth.Authenticate(context.Background(), db, old); err == nil {
			t.Error("a signed-out token still authenticates")
		}
	})
}

func TestSignInBruteForce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		throttled := i18n.T(i18n.ZH, "auth.signin_throttled")
		c := e.client()
		for range auth.MaxFailures {
			c.post("/console/signin", url.Values{"username": {"reseller"}, "password": {"Wrong@2026"}})
		}
		resp, body := c.post("/console/signin", url.Values{"username": {"reseller"}, "password": {demo.Password}})
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, throttled) || c.cookie("pc_session") != nil {
			t.Fatalf("the right password while throttled: %d, message shown %v, session %v", resp.StatusCode, strings.Contains(body, throttled), c.cookie("pc_session"))
		}
		// The throttle counts the name, not the browser: a fresh client is
		// refused too.
		if resp, _ := e.client().post("/console/signin", url.Values{"username": {"reseller"}, "password": {demo.Password}}); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("another browser, same name: %d", resp.StatusCode)
		}

		// After the window the right password works again.
		db.Now = func() time.Time { return time.Now().Add(auth.FailureWindow + time.Minute) }
		defer func() { db.Now = time.Now }()
		later := e.client()
		if resp, body := later.post("/console/signin", url.Values{"username": {"reseller"}, "password": {demo.Password}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the window: %d\n%s", resp.StatusCode, body)
		}

		// One address trying many names is throttled too, for every name,
		// the right password included.
		for i := range auth.MaxFailuresPerIP {
			e.client().post("/console/signin", url.Values{"username": {fmt.Sprintf("guess-%d", i)}, "password": {"Wrong@2026"}})
		}
		resp, body = e.client().post("/console/signin", url.Values{"username": {"distributor"}, "password": {demo.Password}})
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, throttled) {
			t.Errorf("after %d failures from one address the right password answered %d", auth.MaxFailuresPerIP, resp.StatusCode)
		}
	})
}

// consolePostPatterns reads every POST route of the console from its
// source, where the route table and the pages' registrations are: a new
// form is covered without an edit here.
func consolePostPatterns(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"POST (/[^" ]+)"`)
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			seen[m[1]] = true
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// wildcard is a route's path with its wildcards filled in.
var wildcard = regexp.MustCompile(`\{[^}]*\}`)

func fill(pattern, with string) string {
	return wildcard.ReplaceAllString(strings.TrimSuffix(pattern, "{$}"), with)
}

// changes counts what a console post may change.
func changes(t *testing.T, db *store.DB) string {
	t.Helper()
	var out []string
	for _, table := range []string{"audit_log", "ledger_transfers", "users", "customers", "coupons", "opportunities", "sessions"} {
		var n int
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	return strings.Join(out, " ")
}

func TestCrossOriginPostsRefusedEverywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		staff := e.client()
		staff.signIn("admin")
		posts := consolePostPatterns(t)
		if len(posts) < 20 {
			t.Fatalf("found only %d POST routes in the source", len(posts))
		}
		pages := console.PagePaths(e.app)
		before := changes(t, db)
		for _, who := range []*client{c, staff} {
			for _, p := range append(posts, pages...) {
				path := fill(p, "x")
				for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "", "Origin", "https://evil.example"}} {
					resp, body := who.post(path, url.Values{"username": {"forged"}, "amount": {"1"}, "confirm": {"1"}}, h...)
					switch {
					case resp.StatusCode == http.StatusForbidden && strings.Contains(body, i18n.T(i18n.ZH, "error.cross_origin.title")):
					case resp.StatusCode == http.StatusMethodNotAllowed && !slices.Contains(posts, p):
					default:
						t.Errorf("cross-origin POST %s (%v): %d", path, h, resp.StatusCode)
					}
				}
			}
		}
		if after := changes(t, db); after != before {
			t.Errorf("refused cross-origin posts changed data:\n%s\n%s", before, after)
		}

		// The same form from the console's own page works.
		resp, body := c.post("/console/org/users/new", url.Values{"username": {"same-origin-user"}, "display_name": {"同源"},
			"roles": {"finance"}, "password": {"Origin@2026x"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("same-origin post: %d\n%s", resp.StatusCode, body)
		}
		if _, err := auth.GetUserByUsername(context.Background(), db.Reader(), "same-origin-user"); err != nil {
			t.Errorf("the same-origin post did not create the user: %v", err)
		}
	})
}

// injected are the text columns shown back somewhere in the console; the
// XSS check prefixes every row's value with both payloads.
var injected = map[string][]string{
	"partners":                 {"display_name"},
	"users":                    {"display_name"},
	"customers":                {"domain_name", "real_name"},
	"fund_adjustments":         {"memo"},
	"withdrawals":              {"reason"},
	"credit_line_changes":      {"reason"},
	"coupons":                  {"memo"},
	"coupon_records":           {"reason"},
	"coupon_batches":           {"memo"},
	"cloud_resources":          {"name"},
	"opportunities":            {"project_name", "contact_name", "description"},
	"opportunity_events":       {"comment"},
	"invoice_infos":            {"title", "address"},
	"invoice_requests":         {"title", "address", "reason"},
	"solutions":                {"name", "description"},
	"solution_events":          {"comment"},
	"solution_messages":        {"body"},
	"configuration_lists":      {"name"},
	"uploads":                  {"name"},
	"delivery_projects":        {"project_name", "customer_name"},
	"delivery_evidence_rounds": {"note", "comment"},
	"access_keys":              {"description"},
}

// crawl visits the console as c sees it: every page of the route table
// without a wildcard, then the pages they link to, up to limit pages.
// Downloads are not pages and are left to the traversal test.
func crawl(t *testing.T, c *client, pages []string, limit int, visit func(path string, resp *http.Response, body string)) int {
	t.Helper()
	href := regexp.MustCompile(`href="(/console/[^"#]*)"`)
	var queue []string
	seen := map[string]bool{}
	add := func(p string) {
		p = html.UnescapeString(p)
		u, err := url.Parse(p)
		if err != nil || seen[u.Path+"?"+u.RawQuery] {
			return
		}
		for _, skip := range []string{"/download", "/pdf", "/export", "/files/", "/template/", "/signout"} {
			if strings.HasSuffix(u.Path, skip) || strings.Contains(u.Path, skip) && strings.HasSuffix(skip, "/") {
				return
			}
		}
		seen[u.Path+"?"+u.RawQuery] = true
		queue = append(queue, p)
	}
	for _, p := range pages {
		if !strings.Contains(p, "{") {
			add(p)
		}
	}
	n := 0
	for ; n < len(queue) && n < limit; n++ {
		resp, body := c.get(queue[n])
		visit(queue[n], resp, body)
		if resp.StatusCode == http.StatusOK {
			for _, m := range href.FindAllStringSubmatch(body, -1) {
				add(m[1])
			}
		}
	}
	return n
}

// checkHeaders: the headers every console page carries.
func checkHeaders(t *testing.T, path string, h http.Header, secure bool) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	scriptSrc := ""
	for _, d := range strings.Split(csp, ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, "script-src ") {
			scriptSrc = d
		}
	}
	switch {
	case scriptSrc == "" || strings.Contains(scriptSrc, "'unsafe-inline'") || strings.Contains(scriptSrc, "'unsafe-eval'"):
		t.Errorf("%s: CSP %q allows inline scripts or has no script-src", path, csp)
	case !strings.Contains(csp, "frame-ancestors 'none'") && h.Get("X-Frame-Options") == "":
		t.Errorf("%s: may be framed (CSP %q)", path, csp)
	case h.Get("X-Content-Type-Options") != "nosniff":
		t.Errorf("%s: X-Content-Type-Options %q", path, h.Get("X-Content-Type-Options"))
	case h.Get("Referrer-Policy") == "":
		t.Errorf("%s: no Referrer-Policy", path)
	case secure && !strings.HasPrefix(h.Get("Strict-Transport-Security"), "max-age="):
		t.Errorf("%s: behind TLS without HSTS", path)
	case !secure && h.Get("Strict-Transport-Security") != "":
		t.Errorf("%s: HSTS %q without TLS", path, h.Get("Strict-Transport-Security"))
	}
}

func TestXSSEscapedOnEveryPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, dist := signedIn(t, db, "distributor")
		ctx := context.Background()

		// Through the forms: a sub-account's name, a new customer's real
		// name and label, and a refused account name, which the form shows
		// back next to its message.
		if resp, body := dist.post("/console/org/users/new", url.Values{"username": {"xss-user"}, "display_name": {xssBoth},
			"roles": {"finance"}, "password": {"Markup@2026x"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sub-account: %d\n%s", resp.StatusCode, body)
		}
		if resp, body := dist.post("/console/customers/new", url.Values{"domain_name": {"xss-customer-01"}, "customer_type": {"1"},
			"real_name": {xssBoth}, "label": {xssScript}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("new customer: %d\n%s", resp.StatusCode, body)
		}
		resp, body := dist.post("/console/customers/new", url.Values{"domain_name": {xssBoth}, "customer_type": {"1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || unescaped(body) || !strings.Contains(body, html.EscapeString(xssScript)) {
			t.Errorf("a refused account name: %d, shown back escaped: %v", resp.StatusCode, !unescaped(body))
		}

		// Everything else a partner or the provider typed, straight into the
		// database: every row of every column shown back.
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for table, cols := range injected {
				for _, col := range cols {
					if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+col+` = ? || COALESCE(`+col+`, '')`, xssBoth); err != nil {
						return fmt.Errorf("%s.%s: %w", table, col, err)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		pages := console.PagePaths(e.app)
		for _, user := range []string{"distributor", "reseller-a", "reseller", "solution", "distributor-manager", "admin", "psm-east", "pdm", "evaluator"} {
			c := dist
			if user != "distributor" {
				c = e.client()
				c.signIn(user)
			}
			shown := 0
			n := crawl(t, c, pages, 200, func(path string, resp *http.Response, body string) {
				if resp.StatusCode >= 500 {
					t.Errorf("%s %s: %d", user, path, resp.StatusCode)
				}
				if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					return
				}
				checkHeaders(t, path, resp.Header, false)
				if unescaped(body) {
					i := strings.Index(body, "alert(1)")
					t.Errorf("%s %s: a payload unescaped: …%s…", user, path, body[max(0, i-200):min(len(body), i+60)])
				}
				if strings.Contains(body, html.EscapeString(xssScript)) {
					shown++
				}
			})
			if shown == 0 {
				t.Errorf("%s: none of %d pages shows an injected value; the check checked nothing", user, n)
			}
			t.Logf("%s: %d pages, %d showing injected values", user, n, shown)
		}

		// Behind TLS the pages carry HSTS.
		e.app.SecureCookies = true
		defer func() { e.app.SecureCookies = false }()
		for _, p := range []string{"/console/signin", "/console/home"} {
			resp, _ := dist.get(p)
			checkHeaders(t, p, resp.Header, true)
		}
	})
}

// rowCount counts a page's table rows, the empty table's one row included.
func rowCount(body string) int {
	n := 0
	for _, tb := range strings.Split(body, "<tbody")[1:] {
		tb, _, _ = strings.Cut(tb, "</tbody>")
		n += strings.Count(tb, "<tr")
	}
	return n
}

// getForms are the query-condition forms of a page: their action and their
// fields, text fields apart.
type getForm struct {
	action string
	fixed  url.Values // hidden fields, kept as the page has them
	text   []string   // free-text fields, where the injections go
}

var (
	formRe  = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	inputRe = regexp.MustCompile(`<input\b[^>]*>`)
	attrRe  = regexp.MustCompile(`\b(type|name|value|action|method)="([^"]*)"`)
)

func attrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRe.FindAllStringSubmatch(tag, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

func getForms(page, body string) []getForm {
	var out []getForm
	for _, m := range formRe.FindAllStringSubmatch(body, -1) {
		a := attrs(m[1])
		if m := strings.ToLower(a["method"]); m != "" && m != "get" {
			continue
		}
		f := getForm{action: a["action"], fixed: url.Values{}}
		if f.action == "" {
			f.action = page
		}
		for _, in := range inputRe.FindAllString(m[2], -1) {
			ia := attrs(in)
			switch ia["type"] {
			case "hidden":
				f.fixed.Set(ia["name"], ia["value"])
			case "", "text", "search":
				if ia["name"] != "" {
					f.text = append(f.text, ia["name"])
				}
			}
		}
		if len(f.text) > 0 {
			out = append(out, f)
		}
	}
	return out
}

func TestListFiltersResistInjection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, dist := signedIn(t, db, "distributor")
		staff := e.client()
		staff.signIn("admin")
		pages := console.PagePaths(e.app)
		tried := 0
		for _, c := range []*client{dist, staff} {
			for _, p := range pages {
				if strings.Contains(p, "{") {
					continue
				}
				resp, body := c.get(p)
				if resp.StatusCode != http.StatusOK {
					continue
				}
				for _, f := range getForms(p, body) {
					for _, field := range f.text {
						query := func(v string) (int, int) {
							q := url.Values{}
							for k, vs := range f.fixed {
								q[k] = vs
							}
							q.Set(field, v)
							resp, body := c.get(f.action + "?" + q.Encode())
							if resp.StatusCode >= 500 {
								t.Errorf("%s?%s: %d", f.action, q.Encode(), resp.StatusCode)
							}
							return resp.StatusCode, rowCount(body)
						}
						// A value matches what holds it as typed: more rows than
						// a value matching nothing, and as many as no filter
						// at all, is a wildcard or a quote let through (a
						// value that rows really hold, such as "_" in a spec
						// code, matches those rows only).
						_, none := query("zz-matches-nothing-zz")
						_, all := query("")
						for _, v := range []string{`' OR '1'='1`, `%`, `_`, `\`, `%%`, `'; DROP TABLE customers;--`, `" OR ""="`, "\x00"} {
							tried++
							if status, n := query(v); status == http.StatusOK && n > none && n >= all {
								t.Errorf("%s %s=%q: %d rows, as many as without the filter; a value matching nothing shows %d", f.action, field, v, n, none)
							}
						}
					}
				}
			}
		}
		if tried < 50 {
			t.Errorf("only %d filter values tried; the forms were not found", tried)
		}
		var n int
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM customers`).Scan(&n); err != nil || n == 0 {
			t.Errorf("customers after the injections: %d, %v", n, err)
		}
	})
}

func TestDownloadsRefuseTraversalAndOtherTenants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, dist := signedIn(t, db, "distributor")
		ctx := context.Background()
		var own string
		if err := db.Reader().QueryRowContext(ctx, `SELECT partner_id FROM users WHERE username = 'distributor'`).Scan(&own); err != nil {
			t.Fatal(err)
		}
		// Ids of files another partner owns.
		var foreign []string
		for _, table := range []string{"uploads", "invoice_requests", "exports", "configuration_lists"} {
			rows, err := db.Reader().QueryContext(ctx, `SELECT id FROM `+table+` WHERE partner_id <> ?`, own)
			if err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				if len(foreign) < 40 {
					foreign = append(foreign, id)
				}
			}
			rows.Close()
		}
		if len(foreign) == 0 {
			t.Fatal("the demo data holds no other partner's file to try")
		}
		traversal := []string{"../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%252F..%252Fetc%252Fpasswd",
			"....%2F%2F....%2F%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "..%5C..%5Cwindows%5Cwin.ini", "x%00.pdf", "csv%2F..%2F..%2Fgo.mod"}
		var downloads []string
		for _, p := range console.PagePaths(e.app) {
			if strings.Contains(p, "{") && regexp.MustCompile(`/download$|/pdf$|/export$|/files/|/template/`).MatchString(p) {
				downloads = append(downloads, p)
			}
		}
		if len(downloads) < 5 {
			t.Fatalf("only %d download routes found: %v", len(downloads), downloads)
		}
		for _, p := range downloads {
			for _, id := range append(slices.Clone(traversal), foreign...) {
				path := fill(p, id)
				req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
				resp, body := dist.do(req)
				switch {
				case resp.StatusCode == http.StatusOK || resp.StatusCode >= 500:
					t.Errorf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Disposition"))
				case strings.Contains(body, "root:x:0:0") || strings.Contains(body, "module partnercenter") || strings.Contains(body, "[fonts]"):
					t.Errorf("%s: a file outside the store was served", path)
				}
			}
		}
		// The distributor's own template downloads, so the routes were live.
		if resp, _ := dist.get("/console/funds/batches/template/csv"); resp.StatusCode != http.StatusOK {
			t.Errorf("the own template: %d", resp.StatusCode)
		}
	})
}

// tableRows counts a table's rows.
func tableRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Each upload form refuses a file over its limit with the message next to
// the file's input, and keeps nothing: neither the file nor what the form
// would have made of it.
func TestOversizedUploadsRefusedNextToTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, dist := signedIn(t, db, "distributor")
		sol := e.client()
		sol.signIn("solution")
		uploads := tableRows(t, db, "uploads")

		// 批量调账: a body beyond the file's limit and the form's room is cut
		// off while it is read.
		batches := tableRows(t, db, "fund_batches")
		big := bytes.Repeat([]byte("a"), funds.MaxBatchBytes+128<<10)
		resp, body := dist.postFile("/console/funds/batches", url.Values{"operation": {"allocate"}}, "big.csv", big)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("file", "funds.batch_file_too_large")) {
			t.Errorf("batch file over the limit: %d, no message next to the file", resp.StatusCode)
		}
		if tableRows(t, db, "fund_batches") != batches {
			t.Error("an oversized batch file made a batch")
		}

		// 配置清单导入: a sheet over 2 MB.
		pub := demoConfigurators(t, db)[configurator.Published]
		lists := tableRows(t, db, "configuration_lists")
		resp, body = sol.postSheet("/console/solutions/"+pub.SolutionID+"/configurator/import", url.Values{"import_name": {"导入"}},
			bytes.Repeat([]byte("PK"), configurator.MaxSheetBytes/2+64<<10))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("import_file", "configurator.sheet_too_large", configurator.MaxLines)) {
			t.Errorf("sheet over the limit: %d, no message next to the file", resp.StatusCode)
		}
		if tableRows(t, db, "configuration_lists") != lists {
			t.Error("an oversized sheet made a list")
		}

		// 解决方案 materials: a document over 20 MB.
		solutions := tableRows(t, db, "solutions")
		tooLarge := append(slices.Clone(testPDF), bytes.Repeat([]byte(" "), solution.MaxMaterialBytes)...)
		resp, body = sol.postFiles("/console/solutions/new", url.Values{"name": {"超大材料"}, "industry": {"internet"}, "description": {"d"},
			"action": {"submit"}}, map[string][]byte{solution.ApprovalMaterials: tooLarge, solution.FeatureList: testPDF})
		if resp.StatusCode != http.StatusUnprocessableEntity || fieldMessages(body)[solution.ApprovalMaterials] != i18n.T(i18n.ZH, "upload.too_large", upload.HumanSize(solution.MaxMaterialBytes)) {
			t.Errorf("material over the limit: %d, messages %v", resp.StatusCode, fieldMessages(body))
		}
		if tableRows(t, db, "solutions") != solutions {
			t.Error("an oversized material saved a solution")
		}
		if got := tableRows(t, db, "uploads"); got != uploads {
			t.Errorf("oversized uploads kept %d files", got-uploads)
		}
	})
}
