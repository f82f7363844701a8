package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/store/storetest"
)

// TestBrowserInvoiceTitleChange walks seed snippet 18: 销售 > 账务 > 发票管理,
// 管理发票信息, edit the title, and see the change, in the list and in the
// record's change history; then 申请开票 and 签收 with the electronic
// invoice's download.
func TestBrowserInvoiceTitleChange(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	b := newBrowser(t, e)

	b.signIn("distributor", demo.Password)
	b.do("open the account menu", chromedp.Click(chromedp.CSS("details.account > summary")))
	b.clickAndLoad(`details.account .menu a[href="/console/home"]`)
	b.menuTo("销售", "/console/invoices")
	if got := b.text("main h1"); got != "发票管理" {
		t.Errorf("the page is %q", got)
	}
	b.clickAndLoad("#manage-invoice-info")
	if got := b.text(`nav.tabs a[aria-current="page"]`); got != "发票信息" {
		t.Errorf("管理发票信息 opens the tab %q", got)
	}
	if rule := b.text("#invoice-rule"); !strings.Contains(rule, "自2020年8月1日起，每个账号只能保留一条有效的发票信息") {
		t.Errorf("the rule shown: %q", rule)
	}
	before := b.text("#invoice-info tbody td.info-title")
	b.checkConsole("发票信息")

	b.clickAndLoad(`#invoice-info tbody td.ops a`)
	const title = "华东云总经销（集团）有限公司"
	b.do("edit the title", chromedp.SetValue(chromedp.CSS("#f-title"), title))
	b.clickAndLoad("#save-invoice-info")
	if got := b.text(".flash"); got != "发票信息已保存" {
		t.Errorf("after saving: %q", got)
	}
	if got := b.text("#invoice-info tbody td.info-title"); got != title {
		t.Errorf("the list shows the title %q", got)
	}
	b.clickAndLoad(`#invoice-info tbody td.ops a`)
	history := b.text("#invoice-info-history tbody tr:first-child")
	for _, want := range []string{"修改发票信息", "发票抬头", before, title, "distributor"} {
		if !strings.Contains(history, want) {
			t.Errorf("the change history's last entry %q does not show %q", history, want)
		}
	}
	b.screenshot("invoice-info-history")
	b.checkConsole("变更历史")

	// 申请开票: the invoiceable amount is shown; the request waits for review.
	b.open("/console/invoices?tab=requests")
	b.clickAndLoad("#apply-invoice")
	if got := b.text("#invoiceable"); got == "" || got == "0.00" {
		t.Errorf("the invoiceable amount shown is %q", got)
	}
	b.do("fill the amount", chromedp.SetValue(chromedp.CSS("#f-amount"), "888.88"))
	b.clickAndLoad("#submit-invoice-request")
	if got := b.text("#invoice-status"); got != "待审核" {
		t.Errorf("the new request is %q", got)
	}
	if got := b.text("#invoice-amount"); got != "888.88" {
		t.Errorf("the new request's amount is %q", got)
	}
	b.checkConsole("开票申请")

	// 签收 an invoice pending receipt, then download it.
	b.open("/console/invoices?tab=requests&status=pending_receipt")
	b.clickAndLoad(`#invoice-requests tbody td.ops a`)
	b.clickAndLoad("#sign-invoice")
	if got := b.text("#invoice-status"); got != "已开票" {
		t.Errorf("after 签收 the invoice is %q", got)
	}
	pdf := eval[string](b, `(async () => {
		const r = await fetch(document.querySelector("#download-invoice").href);
		const head = new TextDecoder().decode((await r.arrayBuffer()).slice(0, 8));
		return r.status + " " + r.headers.get("Content-Type") + " " + head;
	})()`)
	if !strings.HasPrefix(pdf, "200 application/pdf %PDF-1.4") {
		t.Errorf("the download: %q", pdf)
	}
	b.checkConsole("签收")
	b.signOut()
}
