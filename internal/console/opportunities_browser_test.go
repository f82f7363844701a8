package console_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store/storetest"
)

// bellCount is the unread count the header's bell shows.
func (b *browser) bellCount() string {
	b.t.Helper()
	return eval[string](b, `(document.querySelector("a.bell .bell-count") || {textContent: ""}).textContent`)
}

// TestBrowserCoSelling walks issue 7's whole flow in the browser: a
// partner's main account opens 销售 > 机会点管理, creates a PO and first
// submits it without its solution (the message shows next to the field,
// the input kept), then submits it; the PSM, told by the bell, approves it
// in the back office; an HO is shared with the partner (the provider's
// steps as domain calls), which the partner finds through its bell and
// accepts; the funnel then shows both.
func TestBrowserCoSelling(t *testing.T) {
	f := oppSetup(t, storetest.SQLite(t))
	base := f.funnel(t)["identify"]
	b := newBrowser(t, f.env)

	b.signIn("distributor", demo.Password)
	if got := b.bellCount(); got != "" {
		t.Errorf("the bell counts %s with nothing unread", got)
	}
	b.menuTo("销售", "/console/opportunities")
	if got := b.text("main h1"); got != "机会点管理" {
		t.Errorf("the page is %q", got)
	}
	if got := b.text(`nav.tabs a[aria-current="page"]`); got != "我的商机" {
		t.Errorf("the tab shown first is %q", got)
	}
	b.clickAndLoad(`.page-actions a[href="/console/opportunities/new"]`)
	if got := b.text("main h1"); got != "商机报备" {
		t.Errorf("the form is %q", got)
	}
	closeDay := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
	b.do("fill in the PO without the solution",
		chromedp.SetValue(chromedp.CSS("#f-customer_id"), f.customerID),
		chromedp.SendKeys(chromedp.CSS("#f-project_name"), "智慧园区一期"),
		chromedp.SetValue(chromedp.CSS("#f-industry"), "finance"),
		chromedp.SetValue(chromedp.CSS("#f-office_id"), f.office),
		chromedp.Click(chromedp.CSS(`input[name=products][value="`+f.products[0].Code+`"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-amount"), "1200000.50"),
		chromedp.SetValue(chromedp.CSS("#f-expected_close"), closeDay),
		chromedp.Click(chromedp.CSS(`input[name=customer_consent][value="1"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-contact_name"), "赵工"),
	)
	b.checkConsole("the PO form")
	b.clickAndLoad(`button[name=action][value=submit]`)
	if got := b.text("#f-partner_solution-msg"); got != "请填写伙伴解决方案" {
		t.Errorf("the missing solution's message: %q", got)
	}
	if got := eval[string](b, `document.querySelector("#f-partner_solution").getAttribute("aria-invalid")`); got != "true" {
		t.Errorf("the solution is not marked invalid: %q", got)
	}
	kept := eval[[]string](b, `["#f-project_name", "#f-amount", "#f-expected_close", "#f-office_id"].map(s => document.querySelector(s).value)`)
	if !slices.Equal(kept, []string{"智慧园区一期", "1200000.50", closeDay, f.office}) {
		t.Errorf("the refused form kept %v", kept)
	}
	b.screenshot("po-missing")
	b.do("describe the solution", chromedp.SendKeys(chromedp.CSS("#f-partner_solution"), "云上核心系统迁移方案"))
	b.clickAndLoad(`button[name=action][value=submit]`)
	code := b.text("#opportunity h2 code")
	if got := b.text(".flash"); got != "商机 "+code+" 已提交审核" {
		t.Errorf("after submitting: %q", got)
	}
	if got := b.text("#review-status"); got != "已提交" {
		t.Errorf("the review status is %q", got)
	}
	if got := b.text("#timeline tbody"); !strings.Contains(got, "提交审核") || !strings.Contains(got, "distributor") {
		t.Errorf("the timeline: %q", got)
	}
	poID := strings.TrimPrefix(eval[string](b, `location.pathname`), "/console/opportunities/")
	b.checkConsole("the submitted PO")
	b.signOut()

	// The PSM: the bell counts the assignment; the inbox leads to the review.
	b.signIn("psm-east", demo.Password)
	if got := b.bellCount(); got != "1" {
		t.Errorf("the PSM's bell: %s", got)
	}
	b.clickAndLoad("a.bell")
	if got := b.text("#inbox tbody"); !strings.Contains(got, "商机 "+code+" 已分配给您审核") {
		t.Errorf("the PSM's inbox: %q", got)
	}
	b.checkConsole("the PSM's inbox")
	b.clickAndLoad(`#inbox button.open[data-href="/console/staff/opportunities/` + poID + `"]`)
	b.do("approve", chromedp.Click(chromedp.CSS(`#decision input[name=outcome][value="approve"]`)))
	if n := eval[int](b, `(() => { const all = document.querySelectorAll('#decision input[name=checklist]');
		all.forEach(c => { if (!c.checked) c.click() }); return all.length; })()`); n != len(opportunity.Checklist) {
		t.Errorf("the review offers %d checklist items", n)
	}
	b.do("comment", chromedp.SendKeys(chromedp.CSS("#decision #f-comment"), "客户与项目已核实"))
	b.clickAndLoad(`#decision button[type=submit]`)
	b.checkConsole("the PSM's decision")
	b.signOut()

	// The provider shares an HO with the partner.
	ho := f.ho(t, "智慧港口调度")

	// The partner: the decision and the HO in its inbox; it accepts the HO.
	b.signIn("distributor", demo.Password)
	if got := b.bellCount(); got != "2" {
		t.Errorf("the partner's bell: %s", got)
	}
	b.clickAndLoad("a.bell")
	if got := b.text("#inbox tbody"); !strings.Contains(got, "商机 "+code+" 已有审核结果：审核通过") || !strings.Contains(got, "华为云向您共享了商机 "+ho.Code) {
		t.Errorf("the partner's inbox: %q", got)
	}
	b.clickAndLoad(`#inbox button.open[data-href="/console/opportunities/` + ho.ID + `/offer"]`)
	if got := b.bellCount(); got != "1" {
		t.Errorf("the bell after opening one of two: %s", got)
	}
	if got := b.text("#contact-name"); got != "接受后可查看客户联系人" {
		t.Errorf("the offer shows the contact %q before it is accepted", got)
	}
	if got := b.text("#offer-expires"); got == "" {
		t.Error("the offer does not say until when it may be accepted")
	}
	b.checkConsole("the offer")
	b.clickAndLoad("#accept-offer")
	if got := b.text("#contact-name"); got != "钱经理" {
		t.Errorf("the accepted HO's contact: %q", got)
	}
	if got := b.text(".flash"); !strings.Contains(got, ho.Code) {
		t.Errorf("after accepting: %q", got)
	}
	b.checkConsole("the accepted HO")

	// The PO approved and the HO accepted: both in the list and the funnel.
	b.menuTo("销售", "/console/opportunities")
	rows := eval[[]string](b, `[...document.querySelectorAll("#opportunities tbody tr")].map(tr => tr.dataset.code)`)
	if !slices.Contains(rows, code) || !slices.Contains(rows, ho.Code) {
		t.Errorf("我的商机 lists %v", rows)
	}
	po := eval[string](b, `document.querySelector('#opportunities tr[data-code="`+code+`"]').textContent`)
	if !strings.Contains(po, "审核通过") {
		t.Errorf("the PO's row: %q", po)
	}
	identify := eval[[]string](b, `(() => { const g = document.querySelector('#funnel-chart g[data-stage="identify"]'); return [g.dataset.count, g.dataset.amount]; })()`)
	if want := []string{strconv.Itoa(base.Count + 2), strconv.FormatInt(base.Amount+170000050, 10)}; !slices.Equal(identify, want) {
		t.Errorf("the funnel's 识别 bar: %v, want %v", identify, want)
	}
	want := fmt.Sprintf("识别 %d 个，%s 元", base.Count+2, i18n.Amount(base.Amount+170000050))
	if got := eval[string](b, `document.querySelector("#funnel-desc").textContent`); !strings.Contains(got, want) {
		t.Errorf("the funnel's description: %q", got)
	}
	if got := eval[string](b, `document.querySelector("#funnel-chart").getAttribute("role") + " " + document.querySelector("#funnel-chart").getAttribute("aria-labelledby")`); got != "img funnel-title funnel-desc" {
		t.Errorf("the funnel is not an image with a name and description: %q", got)
	}
	if dead := b.deadLinks(); len(dead) > 0 {
		t.Errorf("dead links %v", dead)
	}
	b.screenshot("opportunities-funnel")
	b.checkConsole("the funnel")
}
