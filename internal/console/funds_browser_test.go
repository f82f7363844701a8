package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/store/storetest"
)

// TestBrowserFunds walks seed snippet 5: 销售 > 账务 > 资金管理, tab 收支明细,
// the account tabs 充值账户 / 信用账户, a query, an export that finishes in
// the background and downloads; then provider finance records a recharge
// through its confirmation.
func TestBrowserFunds(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	b := newBrowser(t, e)

	// As the seed's procedures begin: the account drop-down, 伙伴中心, then
	// the top navigation.
	b.signIn("distributor", demo.Password)
	b.do("open the account menu", chromedp.Click(chromedp.CSS("details.account > summary")))
	b.clickAndLoad(`details.account .menu a[href="/console/home"]`)
	b.menuTo("销售", "/console/funds")
	if got := b.text("main h1"); got != "资金管理" {
		t.Errorf("the page is %q", got)
	}
	if got := b.text(`nav.tabs a[aria-current="page"]`); got != "收支明细" {
		t.Errorf("the tab shown first is %q", got)
	}
	if got := b.text(`nav.tabs-sub a[aria-current="page"]`); got != "充值账户" {
		t.Errorf("the account shown first is %q", got)
	}
	b.checkConsole("资金管理")

	// The account tabs.
	b.clickAndLoad(`nav.tabs-sub a[href*="account=credit"]`)
	if got := b.text(`nav.tabs-sub a[aria-current="page"]`); got != "信用账户" {
		t.Errorf("after choosing 信用账户 the account is %q", got)
	}
	b.screenshot("funds-credit")
	b.clickAndLoad(`nav.tabs-sub a[href*="account=debit"]`)
	if got := b.text(`nav.tabs-sub a[aria-current="page"]`); got != "充值账户" {
		t.Errorf("after choosing 充值账户 the account is %q", got)
	}

	// Query: the filter swaps the list in place and keeps the address.
	b.do("query 充值",
		chromedp.SetValue(chromedp.CSS("#f-trade_type"), "RECHARGE"),
		chromedp.Click(chromedp.CSS(`#list form.filters button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`location.search.includes("trade_type=RECHARGE") && document.querySelector("#list tbody") &&
			[...document.querySelectorAll("#list tbody tr td:nth-child(3)")].every(td => td.textContent.trim() === "充值")`,
			chromedp.WithPollingInterval(50*time.Millisecond)),
	)
	if rows := eval[int](b, `document.querySelectorAll("#list tbody tr").length`); rows < 2 {
		t.Errorf("the query shows %d rows", rows)
	}
	b.checkConsole("query")

	// Export: 我的导出 shows the progress, then the download link.
	b.clickAndLoad(`form.export-form button[value=csv]`)
	if loc := eval[string](b, `location.pathname`); loc != "/console/funds/exports" {
		t.Fatalf("after the export: %s", loc)
	}
	b.do("the export finishes", chromedp.WaitVisible(chromedp.CSS("#exports a.download")))
	b.screenshot("funds-exports")
	file := eval[string](b, `(async () => {
		const r = await fetch(document.querySelector("#exports a.download").href);
		const bytes = new Uint8Array(await r.arrayBuffer());
		const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? "BOM" : "no BOM";
		return r.status + " " + r.headers.get("Content-Disposition") + "\n" + bom + new TextDecoder().decode(bytes);
	})()`)
	if !strings.HasPrefix(file, "200 attachment") || !strings.Contains(file, "\nBOM交易ID,") || !strings.Contains(file, "RECHARGE") {
		t.Errorf("the download: %.200q", file)
	}
	b.checkConsole("我的导出")
	b.signOut()

	// Provider finance records a recharge, confirming before money moves.
	b.signIn("finance", demo.Password)
	b.menuTo("财务", "/console/staff/finance/recharge")
	dist := partnerID(t, e.db, "distributor")
	b.do("fill in the recharge",
		chromedp.SetValue(chromedp.CSS("#f-partner_id"), dist),
		chromedp.SendKeys(chromedp.CSS("#f-amount"), "12345.67"),
		chromedp.SetValue(chromedp.CSS("#f-method"), "online_payment"),
		chromedp.SendKeys(chromedp.CSS("#f-reference"), "PAY-BROWSER-01"),
	)
	b.clickAndLoad(`main form button[type=submit]`)
	if got := b.text("main"); !strings.Contains(got, "请确认以下信息") || !strings.Contains(got, "12,345.67") || !strings.Contains(got, "在线支付") {
		t.Fatalf("the confirmation: %q", got)
	}
	b.checkConsole("recharge confirmation")
	b.clickAndLoad(`main form button[name=confirm]`)
	if got := b.text(".flash"); got != "充值已入账：12,345.67 元" {
		t.Errorf("after the recharge: %q", got)
	}
	b.screenshot("finance-recharge")
	b.checkConsole("recharge")
}
