package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"partnercenter/openapi"
)

// Every tag of the whole document (the frame and every piece) belongs to a
// console menu: an operation under a tag nobody mapped would land in the
// page's "Other" group.
func TestReferenceMapsEveryTagToAMenu(t *testing.T) {
	d, err := parseDocument(openapi.JSON)
	if err != nil {
		t.Fatal(err)
	}
	for path, methods := range d.Paths {
		for method, op := range methods {
			if menuOf(op) == otherMenu {
				t.Errorf("%s %s (%s): tags %v have no console menu in menuOfTag", strings.ToUpper(method), path, op.OperationID, op.Tags)
			}
		}
	}
}

// An operation whose tag no menu claims is still shown, in the Other group
// at the end.
func TestReferenceShowsUnmappedTagsUnderOther(t *testing.T) {
	d, err := parseDocument([]byte(`{"paths": {
		"/v2/x": {"get": {"operationId": "ShowX", "tags": ["Mystery"], "summary": "x", "responses": {}}},
		"/v2/partners/sub-customers": {"post": {"operationId": "CreateSubCustomer", "tags": ["Customers"], "summary": "c", "responses": {}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	ref := buildReference(d)
	if len(ref.Groups) != 2 || ref.Groups[0].ID != "sales-customers" || ref.Groups[1].ID != otherMenu ||
		ref.Groups[1].Operations[0].OperationID != "ShowX" {
		t.Fatalf("groups: %+v", ref.Groups)
	}
}

// The page lists the operations under the console's menus in the
// navigation's order, in Chinese and English, with a table of contents,
// each operation's fields, errors and examples, the differences from the
// provider's API, and no script.
func TestReferencePageGroupsOperationsAsTheConsole(t *testing.T) {
	w := httptest.NewRecorder()
	(&service{}).serveReference(w, httptest.NewRequest(http.MethodGet, "/api/docs", nil))
	page := w.Body.String()
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Fatal("the reference page carries a script")
	}
	body := page[strings.Index(page, `<section id="sales-customers"`):]
	// Each group's heading comes in the console's order and holds its
	// operations: an operation sits after its own group's heading and before
	// the next one's.
	at := func(s string) int {
		t.Helper()
		i := strings.Index(body, s)
		if i < 0 {
			t.Fatalf("the page lacks %q", s)
		}
		return i
	}
	var prev int
	for _, g := range []struct{ heading, op string }{
		{`<span lang="zh-CN">销售 &gt; 客户</span> (Sales &gt; Customers)`, `id="CreateSubCustomer"`},
		{`<span lang="zh-CN">销售 &gt; 客户业务</span> (Sales &gt; Customer business)`, `id="PayOrders"`},
		{`<span lang="zh-CN">销售 &gt; 账务</span> (Sales &gt; Accounts)`, `id="UpdateCustomerAccountAmount"`},
		{`<span lang="zh-CN">销售 &gt; 机会点管理</span> (Sales &gt; Opportunities)`, `id="CreateOpportunity"`},
		{`<span lang="zh-CN">销售 &gt; 激励管理</span> (Sales &gt; Incentives)`, `id="ListIncentiveDiscountPolicies"`},
	} {
		h := at(g.heading)
		if h < prev {
			t.Fatalf("%s comes before the group above it", g.heading)
		}
		if op := at(g.op); op < h {
			t.Fatalf("%s is not under %s", g.op, g.heading)
		}
		prev = h
	}
	if i, j := at(`id="ListSubCustomerBillDetail"`), at(`(Sales &gt; Accounts)</h2>`); i > j {
		t.Fatal("bills are not under 客户业务")
	}
	toc := page[strings.Index(page, `<nav aria-label="Operations">`):strings.Index(page, `</nav>`)]
	for _, s := range []string{`href="#sales-business"`, `href="#PayOrders"`, `href="#differences"`, `href="#errors"`} {
		if !strings.Contains(toc, s) {
			t.Errorf("the table of contents lacks %s", s)
		}
	}
	pay := body[at(`<section id="PayOrders"`):]
	pay = pay[:strings.Index(pay, "</section>")]
	for _, s := range []string{`<span class="method">POST</span> <code>/v3/orders/customer-orders/pay</code>`, "<h4>Request body (JSON)</h4>",
		"<code>coupon_infos[].id</code>", "<h4>Request example</h4>", `&#34;use_coupon&#34;: &#34;YES&#34;`, "<h4>Response example (200)</h4>",
		"<h4>Errors</h4>", "<code>X-Domain-Id</code>"} {
		if !strings.Contains(pay, s) {
			t.Errorf("PayOrders lacks %s", s)
		}
	}
	for _, s := range []string{`<h2 id="differences">`, "Simulated cloud", "PC.0309", "APIGW.0308", "CheckUserIdentity"} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %s", s)
		}
	}
}
