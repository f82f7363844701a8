package console_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/partner"
	"partnercenter/internal/store/storetest"
)

// TestBrowserAccessConfiguration walks seed snippet 15: a partner without a
// platform identifier opens 服务支持 > 能力开放 > 接入配置, completes the
// access configuration, and reads its xaccountType on the page.
func TestBrowserAccessConfiguration(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	b := newBrowser(t, e)

	b.signIn("solution", demo.Password)
	b.menuTo("服务支持", "/console/access")
	if got := b.text("main h1"); got != "接入配置" {
		t.Errorf("the page is %q", got)
	}
	b.clickAndLoad("#configure")
	for sel, v := range map[string]string{"#f-platform_name": "智算云商城", "#f-contact_name": "赵敏", "#f-contact_phone": "13900001234",
		"#f-contact_email": "ops@solution.example", "#f-pay_return_url": "https://shop.solution.example/paid",
		"#f-recharge_return_url": "https://shop.solution.example/recharged"} {
		b.do("fill "+sel, chromedp.SendKeys(chromedp.CSS(sel), v))
	}
	b.checkConsole("the registration form")
	b.clickAndLoad("#save-registration")
	if got := b.text(".flash"); got != "接入配置已完成" {
		t.Errorf("after completing: %q", got)
	}
	p, err := partner.GetByName(context.Background(), e.db.Reader(), "solution")
	if err != nil || p.XAccountType == "" {
		t.Fatalf("no identifier assigned: %v", err)
	}
	if got := b.text("#xaccount-type"); got != p.XAccountType {
		t.Errorf("the page shows the identifier %q, the partner holds %q", got, p.XAccountType)
	}
	// The copy button puts the identifier on the clipboard, or, where the
	// browser allows no clipboard, selects it for the user to copy.
	b.do("copy", chromedp.Click(chromedp.CSS("#copy-xaccount"), chromedp.NodeVisible))
	copied := eval[string](b, `new Promise(r => setTimeout(() => r(document.querySelector("#copy-xaccount").textContent.trim() === "已复制"
		? "copied" : window.getSelection().toString().trim()), 200))`)
	if copied != "copied" && copied != p.XAccountType {
		t.Errorf("the copy button did neither copy nor select the identifier: %q", copied)
	}
	b.screenshot("access-configured")
	b.checkConsole("接入配置")
	b.signOut()
}
