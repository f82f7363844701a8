package console_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"partnercenter/internal/console"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The console's tenant isolation matrix: every route of the route table,
// GET and POST, opened by a partner user with other partners' ids in its
// wildcards and forms, by the distributor's customer manager on customers
// not assigned to it, and by partner users on the back office. Nothing of
// the others' may show, and nothing may change.

// kinds are, by kind of object, the query selecting the ids of those that
// the partner bound to each ? owns: the partners' objects (shared with the
// API's matrix) and the provider's own.
var kinds = func() map[string]string {
	k := maps.Clone(storetest.OwnedIDs)
	// The provider's own objects, which only the back office opens.
	k["product"] = `SELECT id FROM cloud_products WHERE '' <> ?`
	k["policy"] = `SELECT id FROM incentive_policies WHERE '' <> ?`
	k["sampling_run"] = `SELECT id FROM delivery_sampling_runs WHERE '' <> ?`
	return k
}()

// wildcards are, by the route's path up to and including a wildcard, the
// kind of object the wildcard names. A wildcard not here (nor in
// notIDs) fails the test, naming the route.
var wildcards = map[string]string{
	"/console/org/users/{id}":                     "user",
	"/console/org/invitations/{id}":               "reseller_invite",
	"/console/customers/{id}":                     "customer",
	"/console/resellers/{id}":                     "partner",
	"/console/staff/partners/{id}":                "partner",
	"/console/funds/exports/{id}":                 "export",
	"/console/funds/batches/{id}":                 "fund_batch",
	"/console/staff/finance/withdrawals/{id}":     "withdrawal",
	"/console/vouchers/quotas/{id}":               "quota",
	"/console/vouchers/coupons/{id}":              "coupon",
	"/console/vouchers/batches/{id}":              "coupon_batch",
	"/console/cash-coupons/quotas/{id}":           "quota",
	"/console/cash-coupons/coupons/{id}":          "coupon",
	"/console/cash-coupons/batches/{id}":          "coupon_batch",
	"/console/orders/{id}":                        "order",
	"/console/staff/finance/quotas/{id}":          "quota",
	"/console/staff/catalogue/products/{id}":      "product",
	"/console/consumption/exports/{id}":           "export",
	"/console/opportunities/exports/{id}":         "export",
	"/console/incentives/exports/{id}":            "export",
	"/console/performance/exports/{id}":           "export",
	"/console/opportunities/{id}":                 "opportunity",
	"/console/inbox/{id}":                         "notification",
	"/console/staff/opportunities/{id}":           "opportunity",
	"/console/staff/opportunities/ho/{id}":        "opportunity",
	"/console/invoices/info/{id}":                 "invoice_info",
	"/console/invoices/requests/{id}":             "invoice_request",
	"/console/staff/invoices/{id}":                "invoice_request",
	"/console/incentives/payouts/{id}":            "payout",
	"/console/incentives/statements/{id}":         "statement",
	"/console/staff/incentives/payouts/{id}":      "payout",
	"/console/staff/incentives/policies/{id}":     "policy",
	"/console/solutions/{id}":                     "solution",
	"/console/solutions/{id}/files/{file}":        "solution_file",
	"/console/staff/solutions/{id}":               "solution",
	"/console/solutions/center/lists/{id}":        "config_list",
	"/console/staff/solutions/configurators/{id}": "configurator",
	"/console/files/{id}":                         "upload",
	"/console/delivery/evaluations/{id}":          "delivery_project",
	"/console/staff/delivery/projects/{id}":       "delivery_project",
	"/console/staff/delivery/runs/{id}":           "sampling_run",
	"/console/access/keys/{id}":                   "access_key",
	"/console/staff/access-keys/{id}":             "access_key",
	"/console/access/webhooks/endpoints/{id}":     "webhook_endpoint",
	"/console/access/webhooks/deliveries/{id}":    "webhook_delivery",
}

// notIDs are wildcards that name no partner's object: a fixed value is
// filled in.
var notIDs = map[string]func() string{
	"/console/funds/batches/template/{format}": func() string { return "csv" },
	"/console/invoices/requests/{id}/{action}": func() string { return "sign" },
	"/console/staff/invoices/{id}/{action}":    func() string { return "issue" },
	"/invite/{token}":                          rand.Text, // a link's secret, stored hashed
	"/unbind/{token}":                          rand.Text,
	"/authorise/{token}":                       rand.Text,
	"/console/sso/{platform}":                  func() string { return "pc_unknown_platform" },
}

// formFields are the form fields that carry an id, with the kind they take.
// Every POST sends each of them with another partner's id of that kind.
var formFields = map[string]string{
	"customer_id": "customer", "customer_ids": "customer",
	"partner_id": "partner", "partner_ids": "partner", "reseller_id": "partner", "reseller_ids": "partner", "parent_id": "partner",
	"user_id": "user", "pdm_user_id": "user",
	"quota_id": "quota", "parent_quota_id": "quota",
	"trans_id": "fund_adjustment", "info_id": "invoice_info", "opportunity_id": "opportunity",
	"resource_id": "resource", "resource_ids": "resource", "request_id": "invoice_request", "payout_id": "payout",
	"order_id": "order", "event_id": "webhook_event", "endpoint_id": "webhook_endpoint", "upload_id": "upload",
}

// idKinds are the kinds a bare "id" field is tried with, in turn: the
// forms that take one (回收 of a coupon or a quota, and the like).
var idKinds = []string{"coupon", "quota", "customer", "partner", "opportunity"}

// ownSession are the routes about the caller's own session, left out: they
// would sign the caller out or change its password or language.
var ownSession = []string{"POST /console/signin", "POST /console/signout", "POST /console/locale", "POST /console/password"}

var wildcardRe = regexp.MustCompile(`\{[^}]+\}`)

// wildcardKeys are, for each wildcard of path, its key in wildcards: the
// path up to and including it.
func wildcardKeys(path string) []string {
	var out []string
	for _, loc := range wildcardRe.FindAllStringIndex(path, -1) {
		out = append(out, path[:loc[1]])
	}
	return out
}

// consoleCall is one request of the matrix.
type consoleCall struct {
	method, path string
	form         url.Values
	sent         []string // the foreign ids it carries
}

// idSource gives the ids of a kind: the others' (foreign) for the
// wildcard or field being tried, the caller's own elsewhere.
type idSource struct {
	foreign map[string][]string // by kind: a few ids of the others
	own     map[string][]string // by kind: the caller's own
}

func (s idSource) one(kind string) string {
	if v := s.own[kind]; len(v) > 0 {
		return v[0]
	}
	if v := s.foreign[kind]; len(v) > 0 {
		return v[0]
	}
	return "none"
}

// consoleCalls plans the calls of one route: for each wildcard that names
// an object, each foreign id of its kind there (and the caller's own in
// the other wildcards); a route without one is called once. Every POST's
// form carries foreign ids in its id fields. A wildcard the matrix does not
// know is a problem naming the route.
func consoleCalls(rt console.Route, ids idSource, onlyKinds []string) ([]consoleCall, []string) {
	methods := []string{rt.Method}
	if rt.Method == "" {
		methods = []string{http.MethodGet}
	}
	var problems []string
	type slot struct{ key, kind string }
	var slots []slot
	for _, key := range wildcardKeys(rt.Path) {
		if kind, ok := wildcards[key]; ok {
			slots = append(slots, slot{key, kind})
			continue
		}
		if _, ok := notIDs[key]; ok {
			slots = append(slots, slot{key, ""})
			continue
		}
		problems = append(problems, fmt.Sprintf("%s %s: the wildcard ending %q names nothing the isolation matrix knows; add it to wildcards or notIDs",
			rt.Method, rt.Path, key[strings.LastIndex(key, "/")+1:]))
	}
	if len(problems) > 0 {
		return nil, problems
	}
	// fill returns the path and the values it filled in, which a page may
	// show back (the language switch carries the page's own path).
	fill := func(forged int, value string) (string, []string) {
		var b strings.Builder
		var used []string
		last := 0
		for i, loc := range wildcardRe.FindAllStringIndex(rt.Path, -1) {
			b.WriteString(rt.Path[last:loc[0]])
			v := value
			switch {
			case slots[i].kind == "":
				v = notIDs[slots[i].key]()
			case i != forged:
				v = ids.one(slots[i].kind)
			}
			b.WriteString(url.PathEscape(v))
			used = append(used, v)
			last = loc[1]
		}
		return b.String() + rt.Path[last:], used
	}
	forms := []url.Values{nil}
	var out []consoleCall
	for _, m := range methods {
		if m == http.MethodPost {
			forms = postForms(ids)
		}
		tried := false
		for i, s := range slots {
			if s.kind == "" || onlyKinds != nil && !slices.Contains(onlyKinds, s.kind) {
				continue
			}
			for _, v := range ids.foreign[s.kind] {
				for _, f := range forms {
					tried = true
					path, used := fill(i, v)
					out = append(out, consoleCall{method: m, path: path, form: f, sent: append(formSent(f), used...)})
				}
			}
		}
		if !tried && (onlyKinds == nil || len(slots) == 0) {
			path, used := fill(-1, "")
			if m == http.MethodGet {
				// A page of its own: plain, and with the id fields in its
				// query, as its query conditions or a link to a form
				// (回收?id=) would carry them.
				out = append(out, consoleCall{method: m, path: path, sent: used})
				for _, f := range postForms(ids) {
					f.Del("confirm")
					f.Del("client")
					out = append(out, consoleCall{method: m, path: path + "?" + f.Encode(), sent: append(formSent(f), used...)})
				}
				continue
			}
			for _, f := range forms {
				out = append(out, consoleCall{method: m, path: path, form: f, sent: append(formSent(f), used...)})
			}
		}
	}
	return out, nil
}

// postForms are the forms a POST is sent: every id field with a foreign
// id, the confirmation ticked and a fresh submission token, once for each
// kind a bare "id" may take.
func postForms(ids idSource) []url.Values {
	base := url.Values{"confirm": {"1"}}
	for field, kind := range formFields {
		if v := ids.foreign[kind]; len(v) > 0 {
			base.Set(field, v[0])
		}
	}
	var out []url.Values
	for _, kind := range idKinds {
		f := url.Values{}
		for k, v := range base {
			f[k] = v
		}
		f.Set("client", rand.Text())
		if v := ids.foreign[kind]; len(v) > 0 {
			f.Set("id", v[0])
		}
		out = append(out, f)
	}
	return out
}

func formSent(f url.Values) []string {
	var out []string
	for k, v := range f {
		if k != "confirm" && k != "client" {
			out = append(out, v...)
		}
	}
	return out
}

// kindIDs runs each kind's query for the partners given.
func kindIDs(t *testing.T, db *store.DB, partners []string, except []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for kind, q := range kinds {
		var shared []string
		for _, p := range except {
			shared = append(shared, storetest.Strings(t, db, q, bind(q, p)...)...)
		}
		for _, p := range partners {
			vals := slices.DeleteFunc(storetest.Strings(t, db, q, bind(q, p)...), func(v string) bool { return slices.Contains(shared, v) })
			// The first and the last of each partner's keep the matrix quick.
			if len(vals) > 0 {
				out[kind] = append(out[kind], vals[0])
			}
			if len(vals) > 1 {
				out[kind] = append(out[kind], vals[len(vals)-1])
			}
		}
	}
	return out
}

func bind(q, id string) []any {
	args := make([]any, strings.Count(q, "?"))
	for i := range args {
		args[i] = id
	}
	return args
}

// isStaffOnly tells a back-office route: every permission that opens it is
// the provider staff's.
func isStaffOnly(rt console.Route) bool {
	if len(rt.Need) == 0 {
		return false
	}
	for _, p := range rt.Need {
		if !strings.HasPrefix(string(p), "staff.") {
			return false
		}
	}
	return true
}

func TestTenantIsolationMatrixConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		partnerID := func(name string) string {
			var id string
			if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM partners WHERE name = ?`, name).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		// The demo holds no withdrawal and no batch allocation: the
		// distributor requests one of each, for the others to try.
		dist := e.client()
		dist.signIn("distributor")
		if resp, body := dist.post("/console/funds/withdrawals", url.Values{"amount": {"10.00"}, "bank_account": {"6222 0000 1111"},
			"client": {dist.formToken("/console/funds/withdrawals")}, "confirm": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdrawal: %d\n%s", resp.StatusCode, body)
		}
		if resp, body := dist.postFile("/console/funds/batches", url.Values{"operation": {"allocate"}}, "a.csv", []byte("dist-cust02,1,\n")); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("batch: %d\n%s", resp.StatusCode, body)
		}
		for _, table := range []string{"withdrawals", "fund_batches"} {
			if tableRows(t, db, table) == 0 {
				t.Fatalf("no %s to try", table)
			}
		}

		routes := console.Routes(e.app)
		if len(routes) < 200 {
			t.Fatalf("only %d console routes registered", len(routes))
		}

		type matrixCase struct {
			user      string
			others    []string // partners whose objects are tried
			staffOnly bool     // the back-office routes only, and only refusals pass
			onlyKinds []string // when set, the wildcards of these kinds only
			ids       idSource
			secrets   *storetest.Identifiers
			names     []string // a few of the others' names, for the pages' search fields
			c         *client
		}
		cases := []*matrixCase{
			{user: "reseller", others: []string{"distributor", "reseller-a", "reseller-b", "solution"}},
			{user: "reseller-a", others: []string{"distributor", "reseller-b"}},
			{user: "distributor", others: []string{"reseller", "solution"}, staffOnly: true},
			{user: "reseller", others: []string{"distributor", "solution"}, staffOnly: true},
		}
		for _, mc := range cases {
			caller := partnerID(mc.user)
			var others []string
			for _, o := range mc.others {
				others = append(others, partnerID(o))
			}
			mine := append([]string{caller}, storetest.Strings(t, db, `SELECT id FROM partners WHERE parent_id = ?`, caller)...)
			// A reseller sees its distributor's name and the quota it was
			// given from.
			visible := storetest.Strings(t, db, `SELECT p.display_name FROM partners p JOIN partners r ON r.parent_id = p.id WHERE r.id = ?
				UNION SELECT p.id FROM partners p JOIN partners r ON r.parent_id = p.id WHERE r.id = ?
				UNION SELECT parent_quota_id FROM coupon_quotas WHERE partner_id = ?
				UNION SELECT opportunity_id FROM opportunity_shares WHERE partner_id = ?`, caller, caller, caller, caller)
			// They are tried all the same (naming is not owning), but for the
			// HOs offered to the caller, which are its to answer.
			offered := storetest.Strings(t, db, `SELECT opportunity_id FROM opportunity_shares WHERE partner_id = ?`, caller)
			mc.ids = idSource{foreign: kindIDs(t, db, others, mine), own: kindIDs(t, db, mine[:1], nil)}
			mc.ids.foreign["opportunity"] = slices.DeleteFunc(mc.ids.foreign["opportunity"], func(v string) bool { return slices.Contains(offered, v) })
			mc.secrets = storetest.PartnerIdentifiers(t, db, others, mine, visible)
			for _, q := range []string{`SELECT domain_name FROM customers WHERE partner_id = ?`, `SELECT real_name FROM customers WHERE partner_id = ?`,
				`SELECT project_name FROM opportunities WHERE partner_id = ?`, `SELECT name FROM solutions WHERE partner_id = ?`} {
				var theirs, held []string
				for _, o := range others {
					theirs = append(theirs, storetest.Strings(t, db, q, o)...)
				}
				for _, m := range mine {
					held = append(held, storetest.Strings(t, db, q, m)...)
				}
				if theirs = slices.DeleteFunc(theirs, func(v string) bool { return slices.Contains(held, v) }); len(theirs) > 0 {
					mc.names = append(mc.names, theirs[0])
				}
			}
		}

		// The distributor's customer manager on the distributor's customers
		// that are not assigned to it, and the resellers' customers, with
		// their orders and resources.
		distributor := partnerID("distributor")
		var managerID string
		if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE username = 'distributor-manager'`).Scan(&managerID); err != nil {
			t.Fatal(err)
		}
		unassigned := `SELECT c.id FROM customers c JOIN partners p ON p.id = c.partner_id
			WHERE (p.id = ? OR p.parent_id = ?) AND NOT EXISTS (SELECT 1 FROM customer_manager_periods m
				WHERE m.customer_id = c.id AND m.manager_user_id = ? AND m.ends_at IS NULL)`
		customers := storetest.Strings(t, db, unassigned, distributor, distributor, managerID)
		assigned := storetest.Strings(t, db, `SELECT customer_id FROM customer_manager_periods WHERE manager_user_id = ? AND ends_at IS NULL`, managerID)
		if len(customers) < 5 || len(assigned) == 0 {
			t.Fatalf("the demo's manager has %d customers assigned and %d not", len(assigned), len(customers))
		}
		var managerSecrets, orders []string
		for _, c := range customers {
			managerSecrets = append(managerSecrets, c)
			managerSecrets = append(managerSecrets, storetest.Strings(t, db, `SELECT domain_name FROM customers WHERE id = ? UNION SELECT real_name FROM customers WHERE id = ?`, c, c)...)
			o := storetest.Strings(t, db, `SELECT id FROM customer_orders WHERE customer_id = ?`, c)
			managerSecrets = append(managerSecrets, o...)
			orders = append(orders, o...)
		}
		// A value an assigned customer holds too (a shared real name) is
		// not the others' alone.
		var shared []string
		for _, c := range assigned {
			shared = append(shared, storetest.Strings(t, db, `SELECT domain_name FROM customers WHERE id = ? UNION SELECT real_name FROM customers WHERE id = ?`, c, c)...)
		}
		managerSecrets = slices.DeleteFunc(managerSecrets, func(v string) bool { return slices.Contains(shared, v) })
		managerNames := slices.DeleteFunc(storetest.Strings(t, db, `SELECT domain_name FROM customers WHERE id = ? UNION SELECT real_name FROM customers WHERE id = ?`,
			customers[0], customers[0]), func(v string) bool { return slices.Contains(shared, v) })
		pick := func(vs []string) []string { return []string{vs[0], vs[len(vs)/2], vs[len(vs)-1]} }
		cases = append(cases, &matrixCase{user: "distributor-manager", onlyKinds: []string{"customer", "order"},
			ids:     idSource{foreign: map[string][]string{"customer": pick(customers), "order": pick(orders)}, own: map[string][]string{"customer": assigned[:1]}},
			secrets: storetest.NewIdentifiers(managerSecrets...), names: managerNames})
		for _, mc := range cases {
			mc.c = e.client()
			mc.c.signIn(mc.user)
		}

		// Plan every call; a route the matrix cannot fill fails here.
		type planned struct {
			mc *matrixCase
			rt console.Route
			cc consoleCall
		}
		var plan []planned
		for _, rt := range routes {
			if slices.Contains(ownSession, rt.Method+" "+rt.Path) {
				continue
			}
			for _, mc := range cases {
				if mc.staffOnly != isStaffOnly(rt) {
					continue
				}
				calls, problems := consoleCalls(rt, mc.ids, mc.onlyKinds)
				for _, p := range problems {
					t.Error(p)
				}
				for _, cc := range calls {
					plan = append(plan, planned{mc, rt, cc})
				}
			}
		}

		// Two forms without an id act on the caller's own account: 新建
		// access key and the payout settings. Their tables are held to
		// changing no row but the callers' own.
		var callers []string
		for _, mc := range cases {
			var id string
			if err := db.Reader().QueryRowContext(ctx, `SELECT partner_id FROM users WHERE username = ?`, mc.user).Scan(&id); err != nil {
				t.Fatal(err)
			}
			callers = append(callers, "'"+id+"'")
		}
		notCallers := "partner_id NOT IN (" + strings.Join(callers, ", ") + ")"
		opts := storetest.SnapshotOptions{Rows: map[string]string{"access_keys": notCallers, "incentive_settings": notCallers}}
		before := storetest.TakeSnapshot(t, db, opts)
		exercised := map[string]int{}
		searches := 0
		// shows fails when an answer carries the others' identifiers, but
		// those the request sent itself.
		shows := func(mc *matrixCase, what string, resp *http.Response, body string, sent []string) {
			t.Helper()
			if resp.StatusCode >= 500 {
				t.Errorf("%s: %d", what, resp.StatusCode)
			}
			if s := mc.secrets.Found(body+" "+resp.Header.Get("Location"), sent...); s != "" {
				i := strings.Index(body, s)
				t.Errorf("%s: %d shows %q of another partner: …%s…", what, resp.StatusCode, s, body[max(0, i-200):min(len(body), i+100)])
			}
		}
		for _, p := range plan {
			what := fmt.Sprintf("%s %s as %s", p.cc.method, p.cc.path, p.mc.user)
			var resp *http.Response
			var body string
			if p.cc.method == http.MethodPost {
				resp, body = p.mc.c.post(p.cc.path, p.cc.form)
			} else {
				resp, body = p.mc.c.get(p.cc.path)
			}
			exercised[p.rt.Method+" "+p.rt.Path]++
			loc := resp.Header.Get("Location")
			// A partner user never opens the back office.
			if p.mc.staffOnly && resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound && !strings.HasPrefix(loc, "/console/signin") {
				t.Errorf("%s: %d (Location %q); a back-office route must refuse a partner user", what, resp.StatusCode, loc)
			}
			shows(p.mc, what, resp, body, p.cc.sent)

			// A page's search fields, fed the others' names, find nothing
			// of theirs.
			if p.cc.method != http.MethodGet || resp.StatusCode != http.StatusOK || strings.ContainsAny(p.cc.path, "?{") || p.mc.staffOnly ||
				strings.Contains(p.rt.Path, "{") {
				continue
			}
			for _, f := range getForms(p.cc.path, body) {
				for _, field := range f.text {
					for _, name := range p.mc.names {
						q := url.Values{}
						for k, vs := range f.fixed {
							q[k] = vs
						}
						q.Set(field, name)
						searches++
						resp, body := p.mc.c.get(f.action + "?" + q.Encode())
						shows(p.mc, fmt.Sprintf("GET %s?%s as %s", f.action, q.Encode(), p.mc.user), resp, body, append(slices.Clone(p.cc.sent), name))
					}
				}
			}
		}
		after := storetest.TakeSnapshot(t, db, opts)
		if diff := before.Diff(after); diff != nil {
			t.Errorf("the matrix's requests changed data:\n%s", strings.Join(diff, "\n"))
		}
		for _, rt := range routes {
			if exercised[rt.Method+" "+rt.Path] == 0 && !slices.Contains(ownSession, rt.Method+" "+rt.Path) {
				t.Errorf("%s %s was not exercised", rt.Method, rt.Path)
			}
		}
		if searches < 50 {
			t.Errorf("only %d searches by another partner's name: the pages' search fields were not found", searches)
		}
		t.Logf("%d requests over %d routes, and %d searches by other partners' names", len(plan), len(exercised), searches)
	})
}
