package console_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/store/storetest"
)

// TestBrowserStaffOpportunities walks the back office's co-selling pages: a
// PSM finds a PO in 商机审核 from the menu, starts the review, ticks the
// checklist and approves it; the admin sees the partners' eligibility with
// the reasons on an HO's share page, and the pipeline's funnel drawn with
// the approved PO.
func TestBrowserStaffOpportunities(t *testing.T) {
	f := newSOFixture(t, storetest.SQLite(t))
	po := f.submit(t, "核心系统上云", "")
	b := newBrowser(t, f.e)
	b.signIn("psm-east", demo.Password)
	b.menuTo("机会点管理", "/console/staff/opportunities")
	if got := b.text(`tr[data-code="` + po.Code + `"]`); !strings.Contains(got, "核心系统上云") || !strings.Contains(got, "已提交") {
		t.Fatalf("the queue shows %q", got)
	}
	b.screenshot("queue")
	b.clickAndLoad(`tr[data-code="` + po.Code + `"] a`)
	b.clickAndLoad(`form[action$="/start"] button`)
	if got := b.text(".flash"); got != "已开始审核商机"+po.Code {
		t.Errorf("after starting: %q", got)
	}
	// Rejecting without a reason is refused next to the field.
	b.do("reject without a reason", chromedp.Click(chromedp.CSS(`input[name=outcome][value=reject]`)))
	b.clickAndLoad(`#decision button[type=submit]`)
	if got := b.text("#f-reason-msg"); got != "请填写原因" {
		t.Errorf("the reason's message is %q", got)
	}
	b.checkConsole("refused decision")
	for _, item := range opportunity.Checklist {
		b.do("tick "+item, chromedp.Click(chromedp.CSS(`input[name=checklist][value=`+item+`]`)))
	}
	b.do("approve", chromedp.Click(chromedp.CSS(`input[name=outcome][value=approve]`)))
	b.clickAndLoad(`#decision button[type=submit]`)
	if got := b.text(".flash"); got != "商机"+po.Code+"已审核通过" {
		t.Errorf("after approving: %q", got)
	}
	if got := f.get(t, po.ID).ReviewStatus; got != opportunity.Approved {
		t.Fatalf("the PO is %s", got)
	}
	b.screenshot("approved")
	b.checkConsole("review")

	a := newBrowser(t, f.e)
	a.signIn("admin", demo.Password)
	a.menuTo("机会点管理", "/console/staff/opportunities/ho")
	a.clickAndLoad(`.page-actions a[href="/console/staff/opportunities/ho/new"]`)
	a.do("fill the HO",
		chromedp.SendKeys(chromedp.CSS("#f-prospect_name"), "某市政务服务中心"),
		chromedp.SendKeys(chromedp.CSS("#f-project_name"), "政务云二期"),
		chromedp.SetValue(chromedp.CSS("#f-industry"), "government"),
		chromedp.SetValue(chromedp.CSS("#f-office_id"), f.office.ID),
		chromedp.Click(chromedp.CSS(`input[name=products][value="`+f.product+`"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-amount"), "880000"),
		chromedp.SetValue(chromedp.CSS("#f-expected_close"), "2099-12-31"),
	)
	a.clickAndLoad(`form button.btn-primary[type=submit]`)
	if got := a.text(".flash"); !strings.HasPrefix(got, "已创建 HO HO") {
		t.Fatalf("after creating: %q", got)
	}
	a.clickAndLoad(`#shares a[href$="/share"]`)
	if got := a.text(`#partner-picker tr[data-partner="solution"]`); !strings.Contains(got, "伙伴须达到已认证或差异化阶段") {
		t.Errorf("the picker shows solution as %q", got)
	}
	if disabled := eval[bool](a, `document.querySelector('#partner-picker tr[data-partner="solution"] input').disabled`); !disabled {
		t.Error("an ineligible partner can be picked")
	}
	a.screenshot("share")
	a.checkConsole("share")
	a.open("/console/staff/opportunities/pipeline")
	if n := eval[int](a, `document.querySelectorAll('#funnel-chart rect').length`); n != len(opportunity.SalesStages) {
		t.Errorf("the funnel has %d bars", n)
	}
	// Bars are as wide as their stage's amount: the largest spans most of
	// the chart, the others a share of it, and the identify stage, which
	// holds amounts, more than the stub an empty stage gets.
	widths := eval[[]float64](a, `[...document.querySelectorAll('#funnel-chart rect')].map(r => r.getBBox().width)`)
	if widest := slices.Max(widths); widest < 300 {
		t.Errorf("the widest bar is %v wide", widest)
	}
	if w := eval[float64](a, `document.querySelector('#funnel-chart g[data-stage="识别"] rect').getBBox().width`); w <= 4 {
		t.Errorf("the identify bar is %v wide", w)
	}
	if dead := a.deadLinks(); len(dead) > 0 {
		t.Errorf("dead links: %v", dead)
	}
	a.checkConsole("pipeline")
	for _, path := range []string{"/console/staff/offices", "/console/staff/calendar", "/console/staff/opportunities/coselling", "/console/staff/opportunities/" + po.ID} {
		a.open(path)
		a.checkConsole(path)
	}
}
