package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"partnercenter/internal/demo"
	"partnercenter/internal/store/storetest"
)

// TestBrowserWebhooks: the distributor opens 事件回调, reads the demo's
// delivery log and an attempt's detail, adds an endpoint and reveals its
// secret, without a JavaScript error.
func TestBrowserWebhooks(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	b := newBrowser(t, e)

	b.signIn("distributor", demo.Password)
	b.open("/console/access/webhooks")
	if got := b.text("main h1"); got != "事件回调" {
		t.Errorf("the page is %q", got)
	}
	if got := b.text("#deliveries"); !strings.Contains(got, "connect: connection refused") || !strings.Contains(got, "成功") {
		t.Errorf("the log shows %q", got)
	}
	b.checkConsole("事件回调")
	b.clickAndLoad("#new-webhook")
	b.do("fill the URL", chromedp.SendKeys(chromedp.CSS("#f-url"), "https://platform.distributor.example/hooks"))
	b.do("pick an event", chromedp.Click(chromedp.CSS(`input[name="events"][value="order.paid"]`), chromedp.NodeVisible))
	b.clickAndLoad("#save-webhook")
	b.do("reveal", chromedp.Click(chromedp.CSS("#reveal-secret summary"), chromedp.NodeVisible))
	if got := b.text("#new-secret"); !strings.HasPrefix(got, "whsec_") {
		t.Errorf("the revealed secret is %q", got)
	}
	b.checkConsole("the new secret")
	b.screenshot("webhooks-secret")
	b.signOut()
}
