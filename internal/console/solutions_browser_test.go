package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/solution"
	"partnercenter/internal/store/storetest"
)

// TestBrowserSolutionConfigurator walks seed snippet 8: the partner
// `solution` signs in, opens 解决方案构建 from the top navigation, finds
// 配置器开发 in the 操作 column of exactly the row in 配置器开发中, and
// clicking it opens that solution's page of 解决方案配置中心.
func TestBrowserSolutionConfigurator(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db)
	dev := solutionsOf(t, db, "solution")[solution.ConfiguratorDev]
	b := newBrowser(t, e)

	b.signIn("solution", demo.Password)
	b.clickAndLoad(`nav.topnav a[href="/console/solutions"]`)
	b.checkConsole("解决方案构建")
	if got := b.text("main h1"); got != "解决方案构建" {
		t.Errorf("the page is %q", got)
	}
	statuses := eval[[]string](b, `[...document.querySelectorAll("#solutions tbody tr")].map(tr => tr.querySelector(".badge").textContent.trim())`)
	if len(statuses) != len(solution.Statuses) {
		t.Fatalf("the list shows %v", statuses)
	}
	offered := eval[[]string](b, `[...document.querySelectorAll("#solutions tbody tr")]
		.filter(tr => [...tr.querySelectorAll("td.ops a")].some(a => a.textContent.trim() === "配置器开发"))
		.map(tr => tr.querySelector(".badge").textContent.trim() + "|" + tr.querySelector("a.op-configurator").getAttribute("href"))`)
	want := "配置器开发中|/console/solutions/" + dev.ID + "/configurator"
	if len(offered) != 1 || offered[0] != want {
		t.Fatalf("配置器开发 is offered on %v, want only %s", offered, want)
	}
	b.screenshot("solutions")
	b.clickAndLoad(`#solutions tr[data-id="` + dev.ID + `"] a.op-configurator`)
	if got := eval[string](b, `location.pathname`); got != "/console/solutions/"+dev.ID+"/configurator" {
		t.Fatalf("配置器开发 opened %s", got)
	}
	if got := b.text("main h1"); got != "配置器开发" {
		t.Errorf("配置器开发 opened the page %q", got)
	}
	if got := b.text("main"); !strings.Contains(got, dev.Name) {
		t.Errorf("the configurator page does not name the solution %s", dev.Name)
	}
	b.checkConsole("解决方案配置中心")

	// Back in the list, the solution in 联合立项审批中 has no such link, and
	// asking the PSA for help on it shows the question in the thread.
	pending := solutionsOf(t, db, "solution")[solution.JointApproval]
	b.open("/console/solutions/" + pending.ID)
	if n := eval[int](b, `document.querySelectorAll("a[href$='/configurator']").length`); n != 0 {
		t.Errorf("a solution in joint approval links to a configurator")
	}
	b.do("ask the PSA", chromedp.SendKeys(chromedp.CSS("#f-body"), "请问立项材料需要盖章吗？"))
	b.clickAndLoad("#send-message")
	if got := b.text("#thread"); !strings.Contains(got, "请问立项材料需要盖章吗？") {
		t.Errorf("the thread shows %q", got)
	}
	b.checkConsole("申请PSA协助")
}
