package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store/storetest"
)

// TestBrowserCatalogue walks the back office's product editor: 产品目录 from
// the menu, 新建产品 with a pay-per-use rate of more decimals than the
// catalogue keeps (refused next to the field, nothing saved), then the rate
// with 8 decimals, saved exactly and listed.
func TestBrowserCatalogue(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	db := e.db
	b := newBrowser(t, e)
	b.signIn("admin", demo.Password)
	b.menuTo("产品目录", "/console/staff/catalogue")
	if got := b.text("main h1"); got != "产品与价格" {
		t.Fatalf("the page is %q", got)
	}
	b.clickAndLoad(`.page-actions a[href="/console/staff/catalogue/new"]`)
	b.do("fill the product",
		chromedp.SetValue(chromedp.CSS("#f-service_type_code"), "hws.service.type.obs"),
		chromedp.SendKeys(chromedp.CSS("#f-resource_type_code"), "hws.resource.type.obs"),
		chromedp.SendKeys(chromedp.CSS("#f-resource_type_zh"), "对象存储"),
		chromedp.SendKeys(chromedp.CSS("#f-resource_type_en"), "Object storage"),
		chromedp.SendKeys(chromedp.CSS("#f-spec_code"), "obs.deep_archive"),
		chromedp.SendKeys(chromedp.CSS("#f-spec_zh"), "深度归档存储 | 按容量"),
		chromedp.SendKeys(chromedp.CSS("#f-spec_en"), "Deep archive storage | by capacity"),
		chromedp.Click(chromedp.CSS(`input[name=regions][value="cn-north-4"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-usage_unit"), "GB-hour"),
		chromedp.SendKeys(chromedp.CSS("#f-usage_rate"), "0.000012345"),
		chromedp.Click(chromedp.CSS(`input[name=incentive]`)),
	)
	b.clickAndLoad(`form button.btn-primary[type=submit]`)
	if got := b.text("#f-usage_rate-msg"); got != i18n.T(i18n.ZH, "catalogue.rate_precision") {
		t.Errorf("the rate's message is %q", got)
	}
	if productBySpec(t, db, "obs.deep_archive") != nil {
		t.Fatal("a refused product was saved")
	}
	b.checkConsole("refused rate")
	b.screenshot("refused-rate")
	// The form kept what was entered; the rate is corrected.
	if got := eval[string](b, `document.querySelector("#f-spec_code").value`); got != "obs.deep_archive" {
		t.Errorf("the form lost the spec code: %q", got)
	}
	b.do("correct the rate", chromedp.SetValue(chromedp.CSS("#f-usage_rate"), "0.00001234"))
	b.clickAndLoad(`form button.btn-primary[type=submit]`)
	if got := b.text(".flash"); got != "已创建产品obs.deep_archive" {
		t.Errorf("after saving: %q", got)
	}
	p := productBySpec(t, db, "obs.deep_archive")
	if p == nil || p.UsageRate != 1234 || p.UsageUnit != "GB-hour" || !p.Incentive || !p.OnSale || len(p.Regions) != 1 {
		t.Fatalf("saved %+v", p)
	}
	if got := b.text(`tr[data-spec="obs.deep_archive"]`); !strings.Contains(got, "0.00001234 / GB-hour") || !strings.Contains(got, "华北-北京四") {
		t.Errorf("the list shows %q", got)
	}
	if dead := b.deadLinks(); len(dead) > 0 {
		t.Errorf("dead links: %v", dead)
	}
	b.checkConsole("catalogue")
}
