package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/store/storetest"
)

// TestBrowserConfigurator walks seed snippet 8 into 解决方案配置中心: the
// partner clicks 配置器开发 on its solution in 配置器开发中, sees the
// preview re-price as a value changes, is refused a formula naming an
// unknown parameter (next to the field), adds a line and requests
// publication; the PSA signs it off in the back office (配置器发布审核); the partner then
// makes a configuration list with the published configurator, links it to
// its won opportunity and submits it.
func TestBrowserConfigurator(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	b := newBrowser(t, e)
	b.signIn("solution", demo.Password)
	b.open("/console/solutions")
	b.clickAndLoad(`a.op-configurator`)
	if got := b.text("main h1"); got != "配置器开发" {
		t.Fatalf("the page is %q", got)
	}
	if dead := b.deadLinks(); len(dead) > 0 {
		t.Errorf("dead links %v", dead)
	}
	b.checkConsole("the configurator page")

	// The preview re-prices on change: 41 students need 11 GPU servers.
	b.setField(`[id="f-v.students"]`, "41")
	if !eval[bool](b, `[...document.querySelectorAll("#bill tbody td.num")].some(td => td.textContent === "11")`) {
		t.Errorf("the preview did not re-price: %s", b.text("#bill tbody"))
	}
	b.checkConsole("the preview")

	// A formula naming an unknown parameter is refused next to its field.
	b.do("a line with an unknown parameter",
		chromedp.SetValue(chromedp.CSS("#f-line_product_id"), eval[string](b, `document.querySelector("#f-line_product_id option:nth-child(2)").value`)),
		chromedp.SendKeys(chromedp.CSS("#f-line_quantity"), "students * nodes"),
		chromedp.SetValue(chromedp.CSS("#f-line_mode"), "monthly"),
		chromedp.SendKeys(chromedp.CSS("#f-line_period"), "1"),
	)
	b.clickAndLoad("#add-line-btn")
	if got := b.text("#f-line_quantity-msg"); got != "公式「line 2 quantity」第 12 个字符：未知参数 nodes" {
		t.Errorf("the formula's message: %q", got)
	}
	b.do("fix the formula",
		chromedp.SetValue(chromedp.CSS("#f-line_quantity"), "ceil(students / 20)"),
	)
	b.clickAndLoad("#add-line-btn")
	if got := b.text(".flash"); got != "配置器已保存" {
		t.Errorf("after the line: %q", got)
	}
	b.clickAndLoad("#request-publication")
	if got := b.text("#configurator-status"); got != "待PSA审核" {
		t.Errorf("status after the request: %q", got)
	}
	path := eval[string](b, `location.pathname`)
	b.checkConsole("the request")
	b.signOut()

	// The PSA signs it off.
	b.signIn("psa", demo.Password)
	b.clickAndLoad(`nav.topnav a[href="/console/staff/solutions/configurators"]`)
	b.clickAndLoad(`#configurators td.ops a`)
	b.checkConsole("the sign-off page")
	b.clickAndLoad("#approve")
	if got := b.text(".flash"); got != "已签发，解决方案已发布" {
		t.Errorf("after the sign-off: %q", got)
	}
	b.signOut()

	// The partner makes a list with the published configurator.
	b.signIn("solution", demo.Password)
	b.open(path)
	if got := b.text("#configurator-status"); got != "已发布" {
		t.Errorf("status after the sign-off: %q", got)
	}
	b.do("name the list", chromedp.SendKeys(chromedp.CSS("#f-list_name"), "实训室一期"))
	b.clickAndLoad("#make-list-btn")
	if got := b.text(".flash"); !strings.HasPrefix(got, "配置单 PZ") {
		t.Errorf("after making the list: %q", got)
	}
	if got := b.text("#bill-total"); got == "" || got == "0.00" {
		t.Errorf("the list's total: %q", got)
	}
	b.do("choose the won opportunity", chromedp.SetValue(chromedp.CSS("#f-opportunity_id"),
		eval[string](b, `[...document.querySelectorAll("#f-opportunity_id option")].find(o => o.textContent.includes(`+jsString(demo.DemoLinkedProject)+`)).value`)))
	b.clickAndLoad("#link-btn")
	if got := b.text("#list-opportunity"); !strings.Contains(got, demo.DemoLinkedProject) {
		t.Errorf("linked to %q", got)
	}
	if got := b.text("#list-deadline"); got != time.Now().In(time.FixedZone("UTC+8", 8*3600)).AddDate(0, 0, 15).Format("2006-01-02") {
		t.Errorf("the deadline shown: %q", got)
	}
	b.clickAndLoad("#submit-list")
	if got := b.text("#list-status"); got != "已提交" {
		t.Errorf("the list's status: %q", got)
	}
	b.checkConsole("the list")
}
