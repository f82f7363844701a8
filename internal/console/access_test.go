package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"partnercenter/internal/access"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// postMultipart submits the registration form with an optional metadata file.
func (c *client) postMultipart(path string, fields map[string]string, file string) (*http.Response, string) {
	c.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if file != "" {
		fw, _ := w.CreateFormFile("idp_file", "idp.xml")
		_, _ = fw.Write([]byte(file))
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func registrationFields() map[string]string {
	return map[string]string{"platform_name": "智算云商城", "contact_name": "赵敏", "contact_phone": "13900001234",
		"contact_email": "ops@solution.example", "pay_return_url": "https://shop.solution.example/paid",
		"recharge_return_url": "https://shop.solution.example/recharged"}
}

var secretPattern = regexp.MustCompile(`id="new-sk">([A-Za-z0-9]{40})<`)
var akPattern = regexp.MustCompile(`id="new-ak">(PC[A-Z0-9]{18})<`)

func TestAccessConfiguration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "solution")
		ctx := context.Background()
		p, err := partner.GetByName(ctx, db.Reader(), "solution")
		if err != nil {
			t.Fatal(err)
		}
		resp, body := c.get("/console/access")
		wantPage(t, "接入配置 before configuration", resp, body, http.StatusOK, "完成接入配置", `href="/console/access/registration"`)
		if strings.Contains(body, `id="xaccount-type"`) || p.XAccountType != "" {
			t.Fatalf("an unconfigured partner has an identifier %q", p.XAccountType)
		}

		// Bad input: the message next to the field, nothing saved.
		bad := registrationFields()
		bad["contact_email"] = "ops@"
		resp, body = c.postMultipart("/console/access/registration", bad, "")
		wantPage(t, "a bad email", resp, body, http.StatusUnprocessableEntity, "联系邮箱格式不正确", `aria-invalid="true"`)
		resp, body = c.postMultipart("/console/access/registration", registrationFields(), `<!DOCTYPE x [<!ENTITY e "x">]><x/>`)
		wantPage(t, "metadata with a DTD", resp, body, http.StatusUnprocessableEntity, "元数据不能包含 DTD 或实体声明")
		if _, err := access.GetRegistration(ctx, db.Reader(), p.ID); err == nil {
			t.Fatal("a refused form was saved")
		}

		md, err := os.ReadFile("../access/testdata/idp-metadata.xml")
		if err != nil {
			t.Fatal(err)
		}
		resp, _ = c.postMultipart("/console/access/registration", registrationFields(), string(md))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("configure: %d", resp.StatusCode)
		}
		p, _ = partner.GetByName(ctx, db.Reader(), "solution")
		resp, body = c.get("/console/access")
		wantPage(t, "接入配置 after configuration", resp, body, http.StatusOK, "接入配置已完成", `<code id="xaccount-type">`+p.XAccountType+`</code>`,
			"智算云商城", "https://idp.platform.example/saml", `href="/console/access/webhooks"`, `data-copy="#xaccount-type"`)
		if !strings.HasPrefix(p.XAccountType, "pc_") {
			t.Fatalf("identifier %q", p.XAccountType)
		}

		// Keys: bad input names its field; the secret shows once.
		resp, body = c.post("/console/access/keys/new", url.Values{"allow_list": {"10.0.0.1\n300.1.1.1"}})
		wantPage(t, "a bad allow-list", resp, body, http.StatusUnprocessableEntity, "300.1.1.1 不是 IP 地址或 CIDR 网段")
		resp, body = c.post("/console/access/keys/new", url.Values{"description": {"生产"}, "scope": {"ListSubCustomers", "CheckUserIdentity"},
			"allow_list": {"203.0.113.7, 10.0.0.0/8"}})
		wantPage(t, "the new key", resp, body, http.StatusOK, "SK 仅在此显示一次")
		sk, ak := secretPattern.FindStringSubmatch(body), akPattern.FindStringSubmatch(body)
		if sk == nil || ak == nil {
			t.Fatalf("no AK/SK on the page:\n%s", body)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Error("the page with the secret may be cached")
		}
		resp, body = c.get("/console/access")
		wantPage(t, "the key list", resp, body, http.StatusOK, ak[1], "<code>CheckUserIdentity</code>, <code>ListSubCustomers</code>",
			"<code>10.0.0.0/8</code>, <code>203.0.113.7</code>", "从未使用")
		if strings.Contains(body, sk[1]) {
			t.Fatal("the secret is shown again")
		}

		// Edit the scope and allow-list.
		resp, body = c.get("/console/access/keys/" + ak[1] + "/edit")
		wantPage(t, "the edit form", resp, body, http.StatusOK, `value="CheckUserIdentity" checked`, "203.0.113.7")
		resp, body = c.post("/console/access/keys/"+ak[1]+"/edit", url.Values{"scope": {"DropDatabase"}})
		wantPage(t, "an unknown operation", resp, body, http.StatusUnprocessableEntity, "DropDatabase 不是本 API 的接口")
		resp, _ = c.post("/console/access/keys/"+ak[1]+"/edit", url.Values{"description": {"生产"}, "allow_list": {""}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d", resp.StatusCode)
		}
		k, _ := access.GetKey(ctx, db.Reader(), p.ID, ak[1])
		if len(k.Scope) != 0 || len(k.AllowList) != 0 {
			t.Fatalf("after the edit: %+v", k)
		}

		// Rotate: a new secret once, the old key in its window.
		resp, body = c.get("/console/access/keys/" + ak[1] + "/rotate")
		wantPage(t, "the rotation form", resp, body, http.StatusOK, `<option value="24" selected>24 小时</option>`, "168 小时")
		resp, body = c.post("/console/access/keys/"+ak[1]+"/rotate", url.Values{"window": {"200"}})
		wantPage(t, "a window not offered", resp, body, http.StatusUnprocessableEntity, "请选择提供的过渡期之一")
		resp, body = c.post("/console/access/keys/"+ak[1]+"/rotate", url.Values{"window": {"72"}})
		wantPage(t, "the rotated key", resp, body, http.StatusOK, "旧密钥 "+ak[1]+" 将于")
		newAK := akPattern.FindStringSubmatch(body)
		if newAK == nil || newAK[1] == ak[1] || secretPattern.FindStringSubmatch(body) == nil {
			t.Fatal("no new key on the page")
		}
		_, body = c.get("/console/access")
		wantPage(t, "the list after rotation", resp, body, http.StatusOK, newAK[1], "轮换过渡期至")

		// Disable, enable, delete after a confirmation.
		resp, _ = c.post("/console/access/keys/"+newAK[1]+"/status", url.Values{"disabled": {"1"}})
		if k, _ := access.GetKey(ctx, db.Reader(), p.ID, newAK[1]); resp.StatusCode != http.StatusSeeOther || k.Status != "disabled" {
			t.Fatalf("disable: %d %s", resp.StatusCode, k.Status)
		}
		c.post("/console/access/keys/"+newAK[1]+"/status", url.Values{"disabled": {"0"}})
		resp, body = c.get("/console/access/keys/" + newAK[1] + "/delete")
		wantPage(t, "the delete confirmation", resp, body, http.StatusOK, "删除后此密钥立即失效")
		resp, _ = c.post("/console/access/keys/"+newAK[1]+"/delete", nil)
		if _, err := access.GetKey(ctx, db.Reader(), p.ID, newAK[1]); resp.StatusCode != http.StatusSeeOther || err == nil {
			t.Fatalf("delete: %d %v", resp.StatusCode, err)
		}
		_, body = c.get("/console/access")
		if strings.Contains(body, `id="key-`+newAK[1]) || !strings.Contains(body, "访问密钥 "+newAK[1]+" 已删除") {
			t.Fatal("the deleted key is still listed, or the page does not say it was deleted")
		}

		// Another partner's key answers not found and stays as it is.
		other := e.client()
		other.signIn("reseller")
		for _, path := range []string{"/edit", "/rotate", "/delete"} {
			if resp, _ := other.get("/console/access/keys/" + ak[1] + path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("another partner's key %s: %d", path, resp.StatusCode)
			}
		}
		if resp, _ := other.post("/console/access/keys/"+ak[1]+"/status", url.Values{"disabled": {"1"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner disables the key: %d", resp.StatusCode)
		}
		if k, _ := access.GetKey(ctx, db.Reader(), p.ID, ak[1]); k.Status != "active" {
			t.Fatal("another partner changed the key")
		}
	})
}

func TestStaffRevokesAKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, staff := signedIn(t, db, "admin")
		ctx := context.Background()
		dist, _ := partner.GetByName(ctx, db.Reader(), "distributor")
		keys, _ := access.ListKeys(ctx, db.Reader(), dist.ID)
		var k string
		for _, key := range keys {
			if access.State(key, db.Now()) == access.StateActive {
				k = key.ID
			}
		}
		resp, body := staff.get("/console/staff/access-keys?partner=distributor&state=active")
		wantPage(t, "the provider's key list", resp, body, http.StatusOK, k, "华东云总经销有限公司")
		if strings.Contains(body, "测试环境") {
			t.Error("the active filter lists a disabled key")
		}
		resp, body = staff.post("/console/staff/access-keys/"+k+"/revoke", url.Values{"reason": {""}})
		wantPage(t, "a revocation without a reason", resp, body, http.StatusUnprocessableEntity, "请填写吊销原因")
		resp, _ = staff.post("/console/staff/access-keys/"+k+"/revoke", url.Values{"reason": {"密钥出现在公开仓库中"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}

		// The partner sees why and cannot enable it again.
		c := e.client()
		c.signIn("distributor")
		resp, body = c.get("/console/access")
		wantPage(t, "the partner's list", resp, body, http.StatusOK, "服务商吊销原因：密钥出现在公开仓库中")
		c.post("/console/access/keys/"+k+"/status", url.Values{"disabled": {"0"}})
		_, body = c.get("/console/access")
		if !strings.Contains(body, "此密钥已被服务商吊销（密钥出现在公开仓库中），不能再使用") {
			t.Error("enabling a revoked key is not refused with its reason")
		}
		if key, _ := access.GetKey(ctx, db.Reader(), dist.ID, k); key.Status != "revoked" {
			t.Fatalf("the key is %s", key.Status)
		}
		// A partner does not reach the provider's page.
		if resp, _ := c.get("/console/staff/access-keys"); resp.StatusCode == http.StatusOK {
			t.Error("a partner opens the provider's key list")
		}
	})
}
