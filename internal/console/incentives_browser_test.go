package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/store/storetest"
)

// payoutRows reads the 激励申付 table: per row, its status description,
// partner action and status.
func (b *browser) payoutRows() [][3]string {
	b.t.Helper()
	return eval[[][3]string](b, `[...document.querySelectorAll("#payouts tbody tr")].filter(r => r.querySelector("td.status"))
		.map(r => [r.querySelector("td.description").textContent.trim(), r.querySelector("td.partner-action").textContent.trim(),
			r.querySelector("td.status").textContent.trim()])`)
}

// TestBrowserIncentivePayoutStatuses walks seed snippet 14: a partner opens
// 激励管理 from 伙伴中心 and reads each payout's status in the seed's words:
// 已完成 with how it was paid, or what the partner must do (the voucher
// quota error: contact support). Then it applies for the waiting payout,
// choosing the method once, and sees it fixed.
func TestBrowserIncentivePayoutStatuses(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	b := newBrowser(t, e)

	seen := map[[3]string]bool{}
	for _, user := range []string{"reseller", "reseller-b", "distributor"} {
		b.signIn(user, demo.Password)
		b.do("open the account menu", chromedp.Click(chromedp.CSS("details.account > summary")))
		b.clickAndLoad(`details.account .menu a[href="/console/home"]`)
		b.menuTo("销售", "/console/incentives")
		if got := b.text("main h1"); got != "激励管理" {
			t.Errorf("%s: the page is %q", user, got)
		}
		if got := b.text(`nav.tabs a[aria-current="page"]`); got != "激励申付" {
			t.Errorf("%s: the tab is %q", user, got)
		}
		for _, r := range b.payoutRows() {
			seen[r] = true
		}
		b.checkConsole("激励申付 of " + user)
		if user != "distributor" {
			b.signOut()
		}
	}
	for _, want := range [][3]string{
		{"财经已向您的华为云账户充值。", "无", "已完成"},
		{"财经已向您的银行账号转账付款。", "无", "已完成"},
		{"财经已向您的华为云充值账户充值。", "无", "已完成"},
		{"-(表示代金券额度已发放)", "无", "已完成"},
		{"代金券额度发放过程中出现错误,请联系客服进行处理。", "伙伴联系客服进行处理。", "异常"},
	} {
		if !seen[want] {
			t.Errorf("no payout row reads %q; rows: %v", want, seen)
		}
	}
	b.screenshot("incentive-payouts")

	// 申请: the distributor's waiting payout, with a method chosen once.
	b.clickAndLoad(`#payouts tbody td.ops a[href$="/apply"]`)
	if hint := b.text("#f-method-msg"); hint != "申付方式一经申请不可更改" {
		t.Errorf("the method's hint: %q", hint)
	}
	b.do("choose the voucher quota", chromedp.SetValue(chromedp.CSS("#f-method"), "voucher_quota"))
	b.clickAndLoad(`form.form button[type=submit]`)
	if got := b.text(".flash"); !strings.Contains(got, "已提交激励申付申请") {
		t.Errorf("after applying: %q", got)
	}
	applied := eval[[]string](b, `[...document.querySelectorAll("#payouts tbody tr")].filter(r => r.querySelector("td.status")?.textContent.trim() === "处理中")
		.map(r => r.querySelector("td.method").textContent.trim() + "|" + r.querySelector("td.ops").textContent.trim())`)
	if len(applied) != 1 || applied[0] != "代金券额度|-" {
		t.Errorf("the applied payout reads %v: its method fixed, no 申请 left", applied)
	}
	b.checkConsole("申请")

	// 对账 shows the flow; the home page has the 业绩 card with its chart.
	b.clickAndLoad(`nav.tabs a[href="/console/incentives/statements"]`)
	if flow := b.text("ol.flow"); !strings.Contains(flow, "预估") || !strings.Contains(flow, "已支付") {
		t.Errorf("the reconciliation flow reads %q", flow)
	}
	b.checkConsole("对账")
	b.open("/console/home")
	if n := eval[int](b, `document.querySelectorAll("#home-performance svg rect.bar").length`); n != 12 {
		t.Errorf("the home page's 业绩 chart has %d bars", n)
	}
	b.checkConsole("home")

	// 业绩: the managers' table, the chart, and the export listed with its
	// download once done.
	b.menuTo("销售", "/console/performance")
	if got := b.text("main h1"); got != "业绩" {
		t.Errorf("the 业绩 page is %q", got)
	}
	managers := eval[[]string](b, `[...document.querySelectorAll("#managers tbody th")].map(th => th.textContent.trim())`)
	if len(managers) < 2 || !strings.Contains(strings.Join(managers, "|"), "distributor-manager") {
		t.Errorf("the managers' rows: %v", managers)
	}
	if n := eval[int](b, `document.querySelectorAll("#performance-chart svg rect.bar").length`); n != 12 {
		t.Errorf("the 业绩 chart has %d bars", n)
	}
	b.clickAndLoad(`form.export-form button[value="csv"]`)
	b.do("wait for the export", chromedp.Poll[chromedp.Void](`document.querySelector("#exports a.download") !== null`, chromedp.WithPollingInterval(200*time.Millisecond)))
	b.checkConsole("业绩 exports")
	b.signOut()
}
