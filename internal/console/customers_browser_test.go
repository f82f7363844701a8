package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store/storetest"
)

// menuTo opens a page from the top navigation: the group's button, then the
// entry, as a user does (the group opens on focus).
func (b *browser) menuTo(group, path string) {
	b.t.Helper()
	b.do("open the menu "+group,
		chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll("nav.topnav li.has-menu > button")].find(b => b.textContent.trim() === `+jsString(group)+`)`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.topnav a[href="`+path+`"]`)),
	)
	b.clickAndLoad(`nav.topnav a[href="` + path + `"]`)
	b.checkConsole(path)
}

// filterCustomers sets the 账号名 condition; htmx swaps the list in place.
func (b *browser) filterCustomers(account string) {
	b.t.Helper()
	b.do("query "+account,
		chromedp.SetValue(chromedp.CSS("#f-account_name"), account),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#list tbody tr").length === 1 && document.querySelector("#list tbody").textContent.includes(`+jsString(account)+`)`,
			chromedp.WithPollingInterval(50*time.Millisecond)),
	)
	b.checkConsole("query " + account)
}

// rowOp opens the 更多 menu of the only row and follows one of its entries.
func (b *browser) rowOp(label string) {
	b.t.Helper()
	b.do("更多",
		chromedp.Click(chromedp.CSS("#list td.ops details.more > summary")),
		chromedp.WaitVisible(chromedp.CSS("#list td.ops details.more[open] .menu a")),
	)
	href := eval[string](b, `[...document.querySelectorAll("#list td.ops details.more[open] .menu a")].find(a => a.textContent.trim() === `+jsString(label)+`).getAttribute("href")`)
	b.clickAndLoad(`#list td.ops details.more[open] .menu a[href="` + href + `"]`)
	b.checkConsole(label)
}

func (b *browser) signOut() {
	b.t.Helper()
	b.do("sign out", chromedp.Click(chromedp.CSS("details.account > summary")),
		chromedp.Click(chromedp.CSS(`details.account form[action="/console/signout"] button`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS("#f-username")))
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// TestBrowserCustomers walks the seed's 客户管理 procedures (snippets 6/7 and
// 10) as a total distributor: 我的客户, a query condition, 更多 > 拨款 with its
// confirmation, 分配客户经理; the customer manager's own list; and 解除关联
// through the customer's link page.
func TestBrowserCustomers(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	db := e.db
	b := newBrowser(t, e)
	b.signIn("distributor", demo.Password)

	// 销售 > 客户 > 客户管理, then the 我的客户 tab.
	b.menuTo("销售", "/console/customers")
	if got := b.text(".tabs a.active"); got != "我的客户" {
		t.Errorf("the active tab is %q", got)
	}
	b.clickAndLoad(`.tabs a[href="/console/customers"]`)
	b.filterCustomers("dist-cust02")
	id := customerID(t, db, "dist-cust02")
	before := customerBalance(t, db, id)
	if got := b.text("#list tbody td.num"); got != money.Format(before) {
		t.Errorf("the balance column shows %q, the customer holds %s", got, money.Format(before))
	}

	// 更多 > 拨款: the amount, its confirmation, then the list again.
	b.rowOp("拨款")
	b.do("amount", chromedp.SendKeys(chromedp.CSS("#f-amount"), "100.5"), chromedp.SendKeys(chromedp.CSS("#f-memo"), "浏览器测试"))
	b.clickAndLoad(`form button.btn-primary[type=submit]`)
	if got := b.text("main dl"); !strings.Contains(got, "100.50") || !strings.Contains(got, "浏览器测试") {
		t.Errorf("the confirmation shows %q", got)
	}
	if got := customerBalance(t, db, id); got != before {
		t.Fatalf("money moved before the confirmation: %d", got)
	}
	b.checkConsole("confirmation")
	b.clickAndLoad(`form button[name=confirm]`)
	if got := b.text(".flash"); got != "拨款成功：100.50 元" {
		t.Errorf("after the allocation: %q", got)
	}
	if loc := eval[string](b, `location.pathname + location.search`); !strings.Contains(loc, "account_name=dist-cust02") {
		t.Errorf("the list lost its query condition: %s", loc)
	}
	if got, want := b.text("#list tbody td.num"), money.Format(before+10050); got != want {
		t.Errorf("the balance column shows %q after the allocation, want %s", got, want)
	}
	b.checkConsole("after the allocation")

	// 更多 > 分配客户经理 for a customer nobody manages.
	b.filterCustomers("dist-cust06")
	b.rowOp("分配客户经理")
	b.do("choose the manager", chromedp.SetValue(chromedp.CSS("#f-manager"), principal(t, e, "distributor-manager").UserID))
	b.clickAndLoad(`form button.btn-primary[type=submit]`)
	if got := b.text(".flash"); !strings.Contains(got, "已分配客户经理") {
		t.Errorf("after the assignment: %q", got)
	}
	if got := b.text("#list tbody"); !strings.Contains(got, "客户经理 王敏") {
		t.Errorf("the row does not name the manager: %q", got)
	}
	// Its details: the manager period and the 调账记录.
	b.clickAndLoad(`#list td.ops > a`)
	if got := b.text("main"); !strings.Contains(got, "客户经理 王敏") || !strings.Contains(got, "至今") {
		t.Errorf("the details lack the manager period")
	}
	b.checkConsole("details")

	// Every page of the operations opens without a script error or a dead link.
	resa, frozen := partnerID(t, db, "reseller-a"), customerID(t, db, "dist-cust07")
	for _, path := range []string{"/console/customers/new", "/console/customers/invite", "/console/customers?tab=resellers",
		"/console/customers/" + id + "/freeze", "/console/customers/" + frozen + "/unfreeze", "/console/customers/" + id + "/switch-type",
		"/console/customers/" + id + "/reclaim", "/console/resellers/new", "/console/resellers/" + resa + "/allocate",
		"/console/resellers/" + resa + "/reclaim", "/console/resellers/" + resa + "/manager"} {
		b.open(path)
		if dead := b.deadLinks(); len(dead) > 0 {
			t.Errorf("%s: dead links %v", path, dead)
		}
		b.checkConsole(path)
	}

	// 二级经销商管理 and a reseller's page.
	b.menuTo("销售", "/console/resellers")
	b.clickAndLoad(`#list td.ops > a`)
	b.checkConsole("reseller details")
	b.signOut()

	// The customer manager sees only the customers in its charge.
	b.signIn("distributor-manager", demo.Password)
	b.menuTo("销售", "/console/customers")
	rows := eval[[]string](b, `[...document.querySelectorAll("#list tbody tr td:first-child")].map(td => td.firstChild.textContent.trim())`)
	if strings.Join(rows, ",") != "dist-cust06,dist-cust05,dist-cust04,dist-cust03,dist-cust02,dist-cust01" {
		t.Errorf("the manager's list: %v", rows)
	}
	if n := eval[int](b, `document.querySelectorAll("details.more a:not([href$='/resources'])").length + document.querySelectorAll(".tabs").length`); n != 0 {
		t.Errorf("the manager is offered %d operations or tabs", n)
	}
	b.signOut()

	// 解除关联: the main account asks, the customer confirms through its link.
	b.signIn("distributor", demo.Password)
	b.open("/console/customers")
	b.filterCustomers("dist-cust03")
	unbound := customerID(t, db, "dist-cust03")
	balance := customerBalance(t, db, unbound)
	b.rowOp("解除关联")
	if got := b.text("main"); !strings.Contains(got, money.Format(balance)) {
		t.Errorf("the unbinding page does not show the balance %s", money.Format(balance))
	}
	b.clickAndLoad(`form button.btn-primary[type=submit]`)
	link := eval[string](b, `document.querySelector("#f-link").value`)
	b.checkConsole("unbinding link")
	b.signOut()

	b.open(strings.TrimPrefix(link, e.srv.URL))
	if got := b.text("#unbind-amount"); got != money.Format(balance) {
		t.Errorf("the customer's page shows %q, want %s", got, money.Format(balance))
	}
	b.checkConsole("the customer's page")
	b.clickAndLoad("#link-confirm")
	if got := b.text("#link-done"); !strings.Contains(got, "已解除与 华东云总经销有限公司 的关联") || !strings.Contains(got, money.Format(balance)) {
		t.Errorf("after the confirmation: %q", got)
	}
	if got := customerBalance(t, db, unbound); got != 0 {
		t.Errorf("the unbound customer keeps %d", got)
	}
	b.checkConsole("unbinding confirmed")
}
