package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/store/storetest"
)

// TestBrowserConsumption walks 销售 > 客户业务 > 客户消费: the month's
// summary per customer with the trend chart of the last 18 months, one
// customer's trend, its details, and an export that finishes in the
// background and downloads.
func TestBrowserConsumption(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	s := addConsumption(t, e.db)
	b := newBrowser(t, e)
	b.signIn("distributor", demo.Password)

	b.menuTo("销售", "/console/consumption")
	if got := b.text("main h1"); got != "客户消费" {
		t.Errorf("the page is %q", got)
	}
	if got := b.text(`nav.tabs a[aria-current="page"]`); got != "消费汇总" {
		t.Errorf("the tab shown first is %q", got)
	}
	if got := eval[string](b, `document.querySelector("#f-month").value`); got != s.month.String() {
		t.Errorf("the month shown first is %q", got)
	}
	if n := eval[int](b, `document.querySelectorAll("#f-month option").length`); n != 18 {
		t.Errorf("the month picker offers %d months", n)
	}
	row := eval[string](b, `[...document.querySelectorAll("#summary tbody tr")].find(tr => tr.textContent.includes(`+jsString(s.alpha.ID)+`)).textContent`)
	if !strings.Contains(row, "consumer-alpha") || !strings.Contains(row, "37.02") {
		t.Errorf("alpha's row: %q", row)
	}
	// The chart: drawn, labelled, a bar per month, the figures at hand.
	chart := eval[map[string]any](b, `(() => {
		const svg = document.querySelector("#trend-chart");
		const box = svg.getBoundingClientRect();
		const labelled = svg.getAttribute("aria-labelledby").split(" ").map(id => document.getElementById(id).textContent).join(" | ");
		return {role: svg.getAttribute("role"), width: box.width, height: box.height, bars: svg.querySelectorAll("rect.bar").length,
			label: labelled, rows: document.querySelectorAll("#trend-figures tbody tr").length};
	})()`)
	if chart["role"] != "img" || chart["width"].(float64) < 300 || chart["height"].(float64) < 100 || chart["bars"].(float64) != 18 ||
		chart["rows"].(float64) != 18 || !strings.HasPrefix(chart["label"].(string), "近18个月消费趋势 | ") {
		t.Errorf("the chart: %v", chart)
	}
	b.screenshot("consumption-summary")
	b.checkConsole("消费汇总")

	// One customer's trend.
	b.clickAndLoad(`#summary a[href*="customer=` + s.alpha.ID + `"][href$="#trend"]`)
	if got := b.text("#trend-heading"); got != "consumer-alpha 近18个月消费趋势" {
		t.Errorf("the trend of %q", got)
	}
	heights := eval[[]float64](b, `[...document.querySelectorAll("#trend-chart rect.bar")].map(r => r.getBBox().height)`)
	if len(heights) != 18 || heights[16] <= 0 || heights[17] <= heights[16] || heights[0] != 0 {
		t.Errorf("bar heights %v", heights)
	}
	b.checkConsole("trend")

	// Its details, then 导出.
	b.open("/console/consumption")
	b.clickAndLoad(`#summary a[href^="/console/consumption/details?"][href*="customer=` + s.alpha.ID + `"]`)
	if got := b.text(`nav.tabs a[aria-current="page"]`); got != "消费明细" {
		t.Errorf("the tab is %q", got)
	}
	if rows := eval[int](b, `document.querySelectorAll("#details tbody tr").length`); rows != 3 {
		t.Errorf("%d detail rows", rows)
	}
	b.checkConsole("消费明细")
	b.clickAndLoad(`form.export-form button[value=csv]`)
	if loc := eval[string](b, `location.pathname`); loc != "/console/consumption/exports" {
		t.Fatalf("after the export: %s", loc)
	}
	if got := b.text(".flash"); !strings.Contains(got, "导出任务已创建") {
		t.Errorf("the flash: %q", got)
	}
	b.do("the export finishes", chromedp.WaitVisible(chromedp.CSS("#exports a.download")))
	file := eval[string](b, `(async () => {
		const r = await fetch(document.querySelector("#exports a.download").href);
		const bytes = new Uint8Array(await r.arrayBuffer());
		const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? "BOM" : "no BOM";
		return r.status + " " + r.headers.get("Content-Disposition") + "\n" + bom + new TextDecoder().decode(bytes);
	})()`)
	if !strings.HasPrefix(file, "200 attachment") || !strings.Contains(file, "\nBOM账期,") || strings.Count(file, "consumer-alpha") != 3 {
		t.Errorf("the download: %.300q", file)
	}
	b.screenshot("consumption-exports")
	if dead := b.deadLinks(); len(dead) > 0 {
		t.Errorf("dead links: %v", dead)
	}
	b.checkConsole("导出记录")
}
