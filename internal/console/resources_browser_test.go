package console_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store/storetest"
)

// filterResources sets query conditions of 查看资源 and waits for htmx to
// swap the list in place with rows rows.
func (b *browser) filterResources(rows int, set ...[2]string) {
	b.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	want := []string{}
	for _, s := range set {
		steps = append(steps, chromedp.SetValue(chromedp.CSS("#f-"+s[0]), s[1]))
		want = append(want, s[0]+"="+s[1])
	}
	cond := `document.querySelectorAll("#list tbody tr[data-resource]").length === ` + strconv.Itoa(rows)
	for _, w := range want {
		cond += ` && location.search.includes(` + jsString(w) + `)`
	}
	steps = append(steps,
		chromedp.Click(chromedp.CSS(`#list form.filters button[type=submit]`)),
		chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(50*time.Millisecond)))
	b.do("query resources", steps...)
	b.checkConsole("query resources")
}

// TestBrowserResources walks seed snippet 16: 销售 > 客户 > 客户管理, tab 我的客户,
// a query condition, 更多 > 查看资源; then on the resource page a query by
// status, 退订 of a 包年/包月 resource through its confirmation with the
// refund shown and found in the customer's balance, and auto-renewal on.
func TestBrowserResources(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	db := e.db
	s := seedResources(t, db, "distributor", "res-buyer-01", "")
	b := newBrowser(t, e)
	b.signIn("distributor", demo.Password)
	b.do("open the account menu", chromedp.Click(chromedp.CSS("details.account > summary")))
	b.clickAndLoad(`details.account .menu a[href="/console/home"]`)
	b.menuTo("销售", "/console/customers")
	b.clickAndLoad(`.tabs a[href="/console/customers"]`)
	if got := b.text(".tabs a.active"); got != "我的客户" {
		t.Errorf("the active tab is %q", got)
	}
	b.filterCustomers("res-buyer-01")
	b.rowOp("查看资源")
	if got := b.text("main h1"); got != "查看资源" {
		t.Fatalf("the page is %q", got)
	}
	if n := eval[int](b, `document.querySelectorAll("#list tbody tr[data-resource]").length`); n != 3 {
		t.Fatalf("the customer's resources: %d rows", n)
	}
	b.screenshot("resources")

	// Query by status: none is closed yet, all three are in use.
	b.filterResources(0, [2]string{"status", "closed"})
	b.filterResources(3, [2]string{"status", "active"})

	// 退订 the web server: the confirmation shows the refund.
	before := customerBalance(t, db, s.customerID)
	b.clickAndLoad(`#list tr[data-resource="` + s.web.ID + `"] td.ops a[href*="/unsubscribe"]`)
	refund := b.text("#refund-total")
	if refund != "99.99" && refund != "100.00" {
		t.Fatalf("the confirmation shows a refund of %q", refund)
	}
	if got := customerBalance(t, db, s.customerID); got != before {
		t.Fatalf("the balance changed before the confirmation: %d", got)
	}
	b.checkConsole("退订 confirmation")
	b.screenshot("unsubscribe")
	b.clickAndLoad(`form button[name=confirm]`)
	if got := b.text(".flash"); got != "退订成功，"+refund+"元已退回客户余额" {
		t.Errorf("after unsubscribing: %q", got)
	}
	if loc := eval[string](b, `location.pathname + location.search`); !strings.Contains(loc, "status=active") {
		t.Errorf("the list lost its query condition: %s", loc)
	}
	fen, _ := money.Parse(refund)
	after := customerBalance(t, db, s.customerID)
	if after < before+fen-1 || after > before+fen {
		t.Errorf("the balance went from %d to %d; the page said %s", before, after, refund)
	}
	if got := b.text("#customer-balance"); got != money.Format(after) {
		t.Errorf("the page shows the balance %s, the customer holds %s", got, money.Format(after))
	}
	b.filterResources(1, [2]string{"status", "closed"})
	if got := b.text(`#list tr[data-resource="` + s.web.ID + `"] .resource-status`); got != "已关闭" {
		t.Errorf("the released resource's status is %q", got)
	}
	b.checkConsole("after unsubscribing")

	// Auto-renewal of the database server.
	b.open(s.path())
	b.clickAndLoad(`#list tr[data-resource="` + s.db.ID + `"] form[action$="/auto-renew"] button`)
	if got := b.text(".flash"); got != "已为资源db-1开通自动续费" {
		t.Errorf("after turning auto-renewal on: %q", got)
	}
	if got := b.text(`#list tr[data-resource="` + s.db.ID + `"] td:nth-child(10)`); got != "已开通" {
		t.Errorf("the auto-renewal column shows %q", got)
	}
	if !s.resource(t, db, s.db.ID).AutoRenew {
		t.Error("auto-renewal is still off")
	}
	b.checkConsole("auto-renewal")

	// The customer's details show the balance with the refund.
	b.clickAndLoad(`.page-actions a[href="/console/customers/` + s.customerID + `"]`)
	if got := b.text("main"); !strings.Contains(got, money.Format(after)) {
		t.Errorf("the customer's details do not show the balance %s", money.Format(after))
	}
	if dead := b.deadLinks(); len(dead) > 0 {
		t.Errorf("dead links: %v", dead)
	}
	b.checkConsole("customer details")
}
