package console_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	pc "partnercenter/client"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/webhook"
)

var webhookSecretPattern = regexp.MustCompile(`id="new-secret">(whsec_[^<]+)<`)

// shownSecret is the secret a page shows, as the browser shows it.
func shownSecret(body string) string {
	m := webhookSecretPattern.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// 事件回调 as a partner uses it: a refused URL with the message next to it,
// an endpoint added with its secret shown once, a test event delivered and
// re-sent with its attempts in the log, another partner's ids not found,
// disabling, rotation and deletion, each in the audit log.
func TestWebhookPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, c := signedIn(t, db, "reseller")
		reseller := partnerID(t, db, "reseller")
		var secret atomic.Value
		secret.Store("")
		var verified atomic.Int64
		hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if pc.VerifyWebhook(secret.Load().(string), r.Header, body, 5*time.Minute) != nil {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			verified.Add(1)
			w.Write([]byte("ok"))
		}))
		t.Cleanup(hooks.Close)
		d := webhook.NewDispatcher(db, e.app.Sealer, slog.New(slog.DiscardHandler), webhook.Config{Poll: 20 * time.Millisecond})
		d.Start(ctx)
		t.Cleanup(func() { _ = d.Stop(ctx) })

		resp, body := c.get("/console/access/webhooks")
		wantPage(t, "事件回调", resp, body, http.StatusOK, "事件回调", "尚未配置回调地址", "投递记录", `href="/console/access/webhooks/new"`)

		form := url.Values{"url": {"http://hooks.example.com/pc"}, "events": {"funds.allocated", "order.paid"}, "enabled": {"1"}}
		resp, body = c.post("/console/access/webhooks/new", form)
		wantPage(t, "an http URL", resp, body, http.StatusUnprocessableEntity, "回调地址须使用 https", `aria-invalid="true"`)
		if list, _ := webhook.List(ctx, db.Reader(), reseller); len(list) != 0 {
			t.Fatalf("a refused endpoint was stored: %d", len(list))
		}

		form.Set("url", hooks.URL+"/pc")
		form.Set("description", "销售平台")
		resp, body = c.post("/console/access/webhooks/new", form)
		wantPage(t, "the secret", resp, body, http.StatusOK, "签名密钥仅显示这一次", "显示密钥")
		first := shownSecret(body)
		if first == "" {
			t.Fatalf("no secret on the page:\n%s", body)
		}
		secret.Store(first)
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("the secret page may be cached: %q", resp.Header.Get("Cache-Control"))
		}
		list, err := webhook.List(ctx, db.Reader(), reseller)
		if err != nil || len(list) != 1 {
			t.Fatalf("endpoints %v %v", list, err)
		}
		ep := list[0]
		resp, body = c.get("/console/access/webhooks")
		wantPage(t, "the list", resp, body, http.StatusOK, hooks.URL+"/pc", "拨款、订单支付", "已启用", "销售平台")
		if strings.Contains(body, "whsec_") {
			t.Fatal("the list shows the secret")
		}

		// The test event: delivered, signed, and in the log with its attempt.
		resp, _ = c.post("/console/access/webhooks/endpoints/"+ep.ID+"/test", nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/console/access/webhooks/deliveries/") {
			t.Fatalf("test event: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		detail := resp.Header.Get("Location")
		waitUntil(t, "the test event", func() bool { return verified.Load() == 1 })
		waitUntil(t, "its record", func() bool {
			_, body = c.get(detail)
			return strings.Contains(body, "成功")
		})
		wantPage(t, "the delivery", resp, body, http.StatusSeeOther, "测试事件", "webhook.test", "尝试记录", "200", "ok", "endpoint_id", ep.ID)
		resp, _ = c.post(detail+"/resend", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("resend: %d", resp.StatusCode)
		}
		waitUntil(t, "the re-send", func() bool { return verified.Load() == 2 })

		// Another partner's ids answer not found.
		other := e.client()
		other.signIn("distributor")
		for _, path := range []string{detail, "/console/access/webhooks/endpoints/" + ep.ID + "/edit", "/console/access/webhooks/endpoints/" + ep.ID + "/delete"} {
			if resp, _ := other.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("the distributor GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
		if resp, _ := other.post(detail+"/resend", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the distributor re-sending: %d, want 404", resp.StatusCode)
		}

		// Disable, rotate, delete.
		resp, _ = c.post("/console/access/webhooks/endpoints/"+ep.ID+"/status", url.Values{"enabled": {"0"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		_, body = c.get("/console/access/webhooks")
		wantPage(t, "a disabled endpoint", resp, body, http.StatusSeeOther, "已停用")
		resp, body = c.get("/console/access/webhooks/endpoints/" + ep.ID + "/rotate")
		wantPage(t, "rotation", resp, body, http.StatusOK, "原密钥在 24 小时内仍同时签名")
		resp, body = c.post("/console/access/webhooks/endpoints/"+ep.ID+"/rotate", nil)
		wantPage(t, "the new secret", resp, body, http.StatusOK, "显示密钥", "前仍会同时签名")
		if next := shownSecret(body); next == "" || next == first {
			t.Fatalf("rotation did not show a new secret")
		}
		resp, _ = c.post("/console/access/webhooks/endpoints/"+ep.ID+"/delete", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		_, body = c.get("/console/access/webhooks")
		wantPage(t, "after deletion", resp, body, http.StatusSeeOther, "尚未配置回调地址", "暂无投递记录")

		_, body = c.get("/console/audit")
		wantPage(t, "the audit log", resp, body, http.StatusSeeOther, "新增回调地址", "发送测试事件", "重新发送回调", "修改回调地址", "更换回调签名密钥", "删除回调地址")
	})
}

// waitUntil polls cond for up to 30 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The demo's distributor has a delivered history and a local receiver that
// refuses, both in the log.
func TestWebhookDemoLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		resp, body := c.get("/console/access/webhooks")
		wantPage(t, "the demo's callbacks", resp, body, http.StatusOK, "https://hooks.distributor.partner.example/partner-center",
			"http://127.0.0.1:9/partner-center/hooks", "成功", "投递中", "HTTP 200", "connect: connection refused", "共 6 条")
		resp, body = c.get("/console/access/webhooks?status=failed")
		wantPage(t, "failed deliveries", resp, body, http.StatusOK, "暂无投递记录")
	})
}
