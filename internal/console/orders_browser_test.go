package console_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/order"
	"partnercenter/internal/store/storetest"
)

// htmxSettled counts the swaps htmx has finished on the page.
func (b *browser) htmxSettled() int {
	b.t.Helper()
	return eval[int](b, `(() => { if (!window.__settleHook) { window.__settleHook = true; window.__settled = 0;
		document.body.addEventListener("htmx:afterSettle", () => window.__settled++); } return window.__settled; })()`)
}

// afterSwap runs an action that htmx answers and waits until the answer
// is swapped in and its new elements are live.
func (b *browser) afterSwap(what string, action func()) {
	b.t.Helper()
	n := b.htmxSettled()
	action()
	b.waitFor(what, `window.__settled > `+strconv.Itoa(n))
}

// setField sets a form field as a user's choice does, firing its change
// event, and waits for htmx to price the order again.
func (b *browser) setField(sel, value string) {
	b.t.Helper()
	b.afterSwap("set "+sel, func() {
		eval[bool](b, `(() => { const el = document.querySelector(`+jsString(sel)+`); el.value = `+jsString(value)+`;
			el.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	})
}

// waitFor polls until a JavaScript condition holds.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	b.do(what, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(50*time.Millisecond)))
}

func textIs(sel, want string) string {
	return `(document.querySelector(` + jsString(sel) + `) || {}).textContent === ` + jsString(want)
}

// TestBrowserOrderForCustomer walks seed snippet 3 as a total distributor:
// 销售 > 客户 > 客户管理, the 我的客户 tab, 更多 > 代客下单 on a resale customer
// that authorised it; products chosen and priced as they change, a line
// added and removed, 提交订单, then 支付 with a coupon on the order's page,
// and the order 已完成 in 客户订单. A referral customer has no 代客下单; an
// unauthorised one gets the link, which the customer opens to grant it.
func TestBrowserOrderForCustomer(t *testing.T) {
	f := orderSetup(t, storetest.SQLite(t))
	db := f.db
	b := newBrowser(t, f.e)
	b.signIn("distributor", demo.Password)
	b.do("open the account menu", chromedp.Click(chromedp.CSS("details.account > summary")))
	b.clickAndLoad(`details.account .menu a[href="/console/home"]`)
	b.menuTo("销售", "/console/customers")
	b.clickAndLoad(`.tabs a[href="/console/customers"]`)

	// A referral customer: no 代客下单 in its 更多 menu.
	b.filterCustomers("dist-cust04")
	ops := eval[[]string](b, `[...document.querySelectorAll("#list td.ops details.more .menu a")].map(a => a.textContent.trim())`)
	if len(ops) == 0 || slices.Contains(ops, "代客下单") {
		t.Errorf("a referral customer's 更多 menu: %v", ops)
	}

	// A resale customer that authorised ordering: 更多 > 代客下单.
	b.filterCustomers("dist-cust01")
	b.rowOp("代客下单")
	if got := b.text("main h1"); got != "代客下单" {
		t.Fatalf("the page is %q", got)
	}
	if got := b.text("#order-customer"); got != "dist-cust01" {
		t.Errorf("the page orders for %q", got)
	}
	// The product, then 3 months: priced as they change.
	b.setField(`[name="lines[0].product_id"]`, f.vm.ID)
	b.waitFor("the spec priced", textIs("#line-0-price", "34.50"))
	b.setField(`[name="lines[0].period_num"]`, "3")
	b.waitFor("3 months priced", textIs("#line-0-price", "103.50")+` && `+textIs("#order-total", "103.50"))
	b.checkConsole("pricing")
	// 添加产品: a disk, then removed again.
	b.afterSwap("添加产品", func() { b.do("添加产品", chromedp.Click(chromedp.CSS("#add-line"))) })
	b.waitFor("a second line", `!!document.querySelector("#line-1")`)
	b.setField(`[name="lines[1].service"]`, ebsService)
	b.waitFor("the disk service's products", `[...document.querySelectorAll('[name="lines[1].product_id"] option')].some(o => o.value === `+jsString(f.disk.ID)+`)`)
	b.setField(`[name="lines[1].product_id"]`, f.disk.ID)
	b.waitFor("the disk priced", textIs("#line-1-price", "30.00")+` && `+textIs("#order-total", "133.50"))
	b.afterSwap("删除", func() { b.do("删除", chromedp.Click(chromedp.CSS(`#line-1 button[name=op]`))) })
	b.waitFor("the disk removed", `!document.querySelector("#line-1") && `+textIs("#order-total", "103.50"))
	b.setField(`[name="lines[0].name"]`, "web-01")
	b.waitFor("the name kept", `document.querySelector('[name="lines[0].name"]').value === "web-01" && `+textIs("#order-total", "103.50"))
	b.screenshot("order-form")
	b.checkConsole("the order form")

	// 提交订单: the order's page, pending payment.
	b.clickAndLoad("#submit-order")
	id := strings.TrimPrefix(eval[string](b, `location.pathname`), "/console/orders/")
	if got := b.text("#order-status"); got != "待支付" {
		t.Errorf("the new order is %q", got)
	}
	if got := b.text(".flash"); got != "订单 "+id+" 已创建，待支付" {
		t.Errorf("after 提交订单: %q", got)
	}
	if got := b.text("#order-lines tbody"); !strings.Contains(got, "web-01") || !strings.Contains(got, "3 个月") {
		t.Errorf("the order's lines: %q", got)
	}
	b.screenshot("order-new")
	b.checkConsole("the new order")

	// 支付 with the ECS voucher; the balance pays the rest.
	balance := customerBalance(t, db, f.cust)
	b.clickAndLoad("#order-pay")
	b.do("choose the voucher", chromedp.Click(chromedp.CSS(`input[name=coupons][value="`+f.ecsCoupon+`"]`)))
	b.screenshot("order-pay")
	b.checkConsole("the pay page")
	b.clickAndLoad("#pay-confirm")
	if got := b.text("#order-status"); got != "已完成" {
		t.Errorf("after 支付 the order is %q", got)
	}
	if got := b.text("#order-coupons tbody"); !strings.Contains(got, "50.00") {
		t.Errorf("the coupons used: %q", got)
	}
	if got := customerBalance(t, db, f.cust); got != balance-53_50 {
		t.Errorf("the balance went from %d to %d; want 53.50 less", balance, got)
	}
	if o := ordGet(t, db, f.dist, id); o.Status != order.StatusCompleted || o.CouponAmount != 50_00 {
		t.Errorf("the stored order: status %d, coupons %d", o.Status, o.CouponAmount)
	}
	b.screenshot("order-paid")
	b.checkConsole("the paid order")

	// 客户订单: the order, 已完成.
	b.menuTo("销售", "/console/orders")
	if got := b.text("main h1"); got != "客户订单" {
		t.Errorf("the page is %q", got)
	}
	b.do("query the order",
		chromedp.SetValue(chromedp.CSS("#f-order_id"), id),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#list tbody tr").length === 1 && document.querySelector("#list tbody").textContent.includes(`+jsString(id)+`)`,
			chromedp.WithPollingInterval(50*time.Millisecond)),
	)
	if got := b.text("#list tbody"); !strings.Contains(got, "已完成") || !strings.Contains(got, "dist-cust01") || !strings.Contains(got, "103.50") {
		t.Errorf("the order in 客户订单: %q", got)
	}
	if dead := b.deadLinks(); len(dead) > 0 {
		t.Errorf("客户订单: dead links %v", dead)
	}
	b.screenshot("orders")
	b.checkConsole("客户订单")

	// A customer that has not authorised: 发送授权链接, which it opens to grant.
	b.open("/console/customers")
	b.filterCustomers("dist-cust02")
	b.rowOp("代客下单")
	b.clickAndLoad("#send-link")
	link := eval[string](b, `document.querySelector("#f-link").value`)
	b.checkConsole("the authorisation link")
	b.signOut()
	b.open(strings.TrimPrefix(link, f.e.srv.URL))
	if got := b.text("#authorise-state"); got != "未授权" {
		t.Errorf("the customer's page says %q", got)
	}
	b.clickAndLoad("#authorise-grant")
	if got := b.text("#link-done"); !strings.Contains(got, "华东云总经销有限公司") {
		t.Errorf("after 授权: %q", got)
	}
	if got := b.text("#authorise-state"); got != "已授权" {
		t.Errorf("after 授权 the page says %q", got)
	}
	b.checkConsole("the customer's page")
}
