package console_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/sso"
	"partnercenter/internal/sso/ssotest"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// ssoEnv is a server whose partner "reseller" has uploaded the metadata of
// a test IdP through 接入配置.
type ssoEnv struct {
	e        *env
	idp      *ssotest.IdP
	platform string
	db       *store.DB
}

func newSSOEnv(t *testing.T, db *store.DB) *ssoEnv {
	t.Helper()
	e, admin := signedIn(t, db, "reseller")
	idp := ssotest.New(t, "https://idp.reseller.example/saml", "https://idp.reseller.example/saml/sso")
	resp, body := admin.postMultipart("/console/access/registration", registrationFields(), idp.Metadata())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload the IdP metadata: %d\n%s", resp.StatusCode, body)
	}
	p, err := partner.GetByName(context.Background(), db.Reader(), "reseller")
	if err != nil || p.XAccountType == "" {
		t.Fatalf("reseller: %+v %v", p, err)
	}
	// 接入配置 shows what to give the IdP.
	base := e.srv.URL + "/console/sso/" + p.XAccountType
	resp, body = admin.get("/console/access")
	wantPage(t, "接入配置 with single sign-on", resp, body, http.StatusOK, "提供给身份提供商的 SP 信息",
		`<code id="sp-entity-id">`+base+`/metadata</code>`, `<code id="sp-acs">`+base+`/acs</code>`, `href="`+base+`/metadata"`)
	return &ssoEnv{e: e, idp: idp, platform: p.XAccountType, db: db}
}

func (s *ssoEnv) path(end string) string { return "/console/sso/" + s.platform + "/" + end }

// login starts a sign-in in browser b and returns the request the IdP
// receives.
func (s *ssoEnv) login(t *testing.T, b *client, next string) *ssotest.AuthnRequest {
	t.Helper()
	p := s.path("login")
	if next != "" {
		p += "?" + url.Values{"next": {next}}.Encode()
	}
	resp, body := b.get(p)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, s.idp.SSOURL+"?") {
		t.Fatalf("login redirects to %s", loc)
	}
	req, err := ssotest.DecodeRequest(loc)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// response is a good answer to req for the user named nameID.
func (s *ssoEnv) response(req *ssotest.AuthnRequest, nameID string) ssotest.Response {
	return ssotest.Response{Now: s.db.Now(), InResponseTo: req.ID, Destination: req.ACSURL, Recipient: req.ACSURL,
		Audience: req.Issuer, NameID: nameID, SignResponse: true, SignAssertion: true}
}

// post sends the response to the ACS as the IdP's page does: from another
// site.
func (s *ssoEnv) post(t *testing.T, b *client, doc []byte, relay string) (*http.Response, string) {
	t.Helper()
	return b.post(s.path("acs"), url.Values{"SAMLResponse": {ssotest.Encode(doc)}, "RelayState": {relay}}, "Sec-Fetch-Site", "cross-site")
}

func (s *ssoEnv) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := s.db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSSOSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSSOEnv(t, db)
		ctx := context.Background()

		// The SP metadata.
		b := s.e.client()
		resp, body := b.get(s.path("metadata"))
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "samlmetadata+xml") ||
			!strings.Contains(body, `entityID="`+s.e.srv.URL+s.path("metadata")+`"`) ||
			!strings.Contains(body, `Location="`+s.e.srv.URL+s.path("acs")+`"`) || !strings.Contains(body, "HTTP-POST") {
			t.Fatalf("metadata: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}

		// The sign-in page's form leads to the login endpoint.
		resp, body = b.get("/console/signin?next=%2Fconsole%2Fcustomers")
		wantPage(t, "the sign-in page", resp, body, http.StatusOK, `action="/console/sso"`, "企业单点登录", `name="platform"`)
		resp, body = b.get("/console/sso?platform=" + s.platform + "&next=%2Fconsole%2Fcustomers")
		wantPage(t, "the organisation found", resp, body, http.StatusOK, `id="sso-continue"`,
			`href="`+s.path("login")+`?next=%2Fconsole%2Fcustomers"`, "智算云商城")
		resp, body = b.get("/console/sso?platform=pc_nobody")
		wantPage(t, "an unknown identifier", resp, body, http.StatusNotFound, "该平台标识未配置单点登录")

		// The request: HTTP-Redirect binding to the IdP, our ACS and entity
		// ID, RelayState the page to return to.
		req := s.login(t, b, "/console/customers")
		if req.ACSURL != s.e.srv.URL+s.path("acs") || req.Issuer != s.e.srv.URL+s.path("metadata") ||
			req.RelayState != "/console/customers" || req.Version != "2.0" || !strings.HasPrefix(req.ID, "_") ||
			req.Destination != s.idp.SSOURL || !strings.HasSuffix(req.Binding, "HTTP-POST") {
			t.Fatalf("AuthnRequest %+v", req)
		}
		if s.login(t, b, "https://evil.example/").RelayState != "" {
			t.Fatal("an outside address became the RelayState")
		}

		// A planted session cookie is not the one signed in.
		u, _ := url.Parse(s.e.srv.URL)
		b.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "pc_session", Value: "planted", Path: "/"}})
		sessions := s.count(t, "sessions")
		resp, body = s.post(t, b, s.idp.Build(t, s.response(req, "reseller@partner.example")), req.RelayState)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/customers" {
			t.Fatalf("ACS: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		ck := b.cookie("pc_session")
		if ck == nil || ck.Value == "planted" || s.count(t, "sessions") != sessions+1 {
			t.Fatalf("session cookie %+v", ck)
		}
		resp, body = b.get("/console/home")
		wantPage(t, "home after single sign-on", resp, body, http.StatusOK, "reseller")
		var actor, object string
		if err := db.Reader().QueryRowContext(ctx, `SELECT actor_name, object_id FROM audit_log WHERE action = 'user.sso_signin'`).
			Scan(&actor, &object); err != nil {
			t.Fatalf("no audit entry: %v", err)
		}
		main, _ := auth.GetUserByUsername(ctx, db.Reader(), "reseller")
		if object != main.ID || actor == "" {
			t.Fatalf("audit: actor %q object %q", actor, object)
		}

		// A user name works as NameID too; with no next the home page.
		b2 := s.e.client()
		req = s.login(t, b2, "")
		resp, _ = s.post(t, b2, s.idp.Build(t, s.response(req, "reseller")), "")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/home" {
			t.Fatalf("by user name: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestSSORefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSSOEnv(t, db)
		ctx := context.Background()
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		// A disabled user of the partner, with an email of its own.
		p, _ := partner.GetByName(ctx, db.Reader(), "reseller")
		err = db.InTx(ctx, func(tx *store.Tx) error {
			u, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "reseller-gone", PartnerID: p.ID, Roles: []auth.Role{auth.PartnerAdmin},
				Password: "Gone@2026-x", Email: "gone@reseller.example"})
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE users SET disabled = TRUE WHERE id = ?`, u.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// Each refusal: a page saying why, no session, the request still
		// outstanding and no assertion remembered.
		refused := func(t *testing.T, b *client, doc []byte, status int, want string) {
			t.Helper()
			sessions, requests, assertions := s.count(t, "sessions"), s.count(t, "sso_requests"), s.count(t, "sso_assertions")
			resp, body := s.post(t, b, doc, "")
			wantPage(t, "refused", resp, body, status, "单点登录失败", want)
			for _, c := range resp.Cookies() {
				if c.Name == "pc_session" && c.MaxAge >= 0 && c.Value != "" {
					t.Fatalf("a session cookie was set: %+v", c)
				}
			}
			if s.count(t, "sessions") != sessions || s.count(t, "sso_requests") != requests || s.count(t, "sso_assertions") != assertions {
				t.Fatal("a refused response changed the database")
			}
			if resp, _ := b.get("/console/home"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("home after a refusal: %d", resp.StatusCode)
			}
		}
		for name, tc := range map[string]struct {
			change func(*ssotest.Response)
			status int
			want   string
		}{
			"bad signature": {func(r *ssotest.Response) { r.Key = other }, http.StatusForbidden, "签名无法用身份提供商的证书验证"},
			"assertion tampered after signing": {func(r *ssotest.Response) {
				r.SignResponse = false
				r.Tamper = func(d *etree.Document) { d.FindElement("//NameID").SetText("reseller") }
			}, http.StatusForbidden, "签名无法用身份提供商的证书验证"},
			"wrong audience":              {func(r *ssotest.Response) { r.Audience = "https://other-sp.example/metadata" }, http.StatusForbidden, "断言不是签发给本伙伴中心的"},
			"wrong recipient":             {func(r *ssotest.Response) { r.Recipient = "https://other-sp.example/acs" }, http.StatusForbidden, "接收地址不是本伙伴中心"},
			"expired":                     {func(r *ssotest.Response) { r.Now = r.Now.Add(-time.Hour) }, http.StatusForbidden, "断言已过期或尚未生效"},
			"unknown request":             {func(r *ssotest.Response) { r.InResponseTo = "_never-sent" }, http.StatusForbidden, "不对应此浏览器发起的登录"},
			"unsigned":                    {func(r *ssotest.Response) { r.SignResponse, r.SignAssertion = false, false }, http.StatusForbidden, "均未签名"},
			"SHA-1":                       {func(r *ssotest.Response) { r.SHA1 = true }, http.StatusForbidden, "不被接受的算法"},
			"another partner's":           {func(r *ssotest.Response) { r.NameID = "distributor@partner.example" }, http.StatusForbidden, "没有与该身份对应的本伙伴用户"},
			"another partner's user name": {func(r *ssotest.Response) { r.NameID = "distributor" }, http.StatusForbidden, "没有与该身份对应的本伙伴用户"},
			"provider staff":              {func(r *ssotest.Response) { r.NameID = "admin" }, http.StatusForbidden, "没有与该身份对应的本伙伴用户"},
			"unknown user":                {func(r *ssotest.Response) { r.NameID = "nobody@reseller.example" }, http.StatusForbidden, "没有与该身份对应的本伙伴用户"},
			"disabled user":               {func(r *ssotest.Response) { r.NameID = "gone@reseller.example" }, http.StatusForbidden, "账号已被禁用"},
		} {
			t.Run(name, func(t *testing.T) {
				b := s.e.client()
				req := s.login(t, b, "")
				r := s.response(req, "reseller@partner.example")
				tc.change(&r)
				refused(t, b, s.idp.Build(t, r), tc.status, tc.want)
			})
		}

		t.Run("another browser", func(t *testing.T) {
			req := s.login(t, s.e.client(), "")
			refused(t, s.e.client(), s.idp.Build(t, s.response(req, "reseller@partner.example")), http.StatusForbidden, "不对应此浏览器发起的登录")
		})

		t.Run("replayed", func(t *testing.T) {
			b := s.e.client()
			req := s.login(t, b, "")
			r := s.response(req, "reseller@partner.example")
			r.AssertionID = "_assertion-once"
			doc := s.idp.Build(t, r)
			if resp, body := s.post(t, b, doc, ""); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("first use: %d\n%s", resp.StatusCode, body)
			}
			// The same document again: its request was used up.
			b2 := s.e.client()
			refused(t, b2, doc, http.StatusForbidden, "不对应此浏览器发起的登录")
			// The same assertion id answering a new request: remembered.
			req = s.login(t, b2, "")
			r = s.response(req, "reseller@partner.example")
			r.AssertionID = "_assertion-once"
			refused(t, b2, s.idp.Build(t, r), http.StatusForbidden, "该断言已被使用过")
		})

		t.Run("copies posted at once", func(t *testing.T) {
			b := s.e.client()
			req := s.login(t, b, "")
			doc := s.idp.Build(t, s.response(req, "reseller@partner.example"))
			var nonce *http.Cookie
			u, _ := url.Parse(s.e.srv.URL + "/console/sso/")
			for _, c := range b.hc.Jar.Cookies(u) {
				if c.Name == "pc_sso" {
					nonce = c
				}
			}
			if nonce == nil {
				t.Fatal("no pc_sso cookie after login")
			}
			sessions := s.count(t, "sessions")
			form := url.Values{"SAMLResponse": {ssotest.Encode(doc)}}.Encode()
			codes := make(chan int, 6)
			for range 6 {
				go func() {
					r, _ := http.NewRequest(http.MethodPost, s.e.srv.URL+s.path("acs"), strings.NewReader(form))
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					r.AddCookie(&http.Cookie{Name: "pc_sso", Value: nonce.Value})
					resp, err := http.DefaultTransport.RoundTrip(r)
					if err != nil {
						codes <- 0
						return
					}
					resp.Body.Close()
					codes <- resp.StatusCode
				}()
			}
			ok := 0
			for range 6 {
				switch c := <-codes; c {
				case http.StatusSeeOther:
					ok++
				case http.StatusForbidden:
				default:
					t.Errorf("a copy answered %d", c)
				}
			}
			if ok != 1 || s.count(t, "sessions") != sessions+1 {
				t.Fatalf("%d copies signed in; sessions %d → %d", ok, sessions, s.count(t, "sessions"))
			}
		})

		t.Run("oversized body", func(t *testing.T) {
			b := s.e.client()
			s.login(t, b, "")
			big := strings.Repeat("A", sso.MaxFormBytes+1)
			refused(t, b, []byte(big), http.StatusRequestEntityTooLarge, "SAML 响应过大")
		})

		t.Run("not base64", func(t *testing.T) {
			b := s.e.client()
			s.login(t, b, "")
			resp, body := b.post(s.path("acs"), url.Values{"SAMLResponse": {"%%%"}}, "Sec-Fetch-Site", "cross-site")
			wantPage(t, "not base64", resp, body, http.StatusBadRequest, "不是有效的 base64")
		})

		t.Run("partners without single sign-on", func(t *testing.T) {
			d, _ := partner.GetByName(ctx, db.Reader(), "distributor") // configured, no metadata
			b := s.e.client()
			for _, platform := range []string{d.XAccountType, "pc_nobody"} {
				for _, end := range []string{"metadata", "login"} {
					if resp, _ := b.get("/console/sso/" + platform + "/" + end); resp.StatusCode != http.StatusNotFound {
						t.Errorf("%s/%s: %d", platform, end, resp.StatusCode)
					}
				}
				resp, _ := b.post("/console/sso/"+platform+"/acs", url.Values{"SAMLResponse": {"PHg+"}}, "Sec-Fetch-Site", "cross-site")
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s/acs: %d", platform, resp.StatusCode)
				}
			}
			if s.count(t, "sso_requests") > 0 {
				// Only the requests of the subtests above, none for these.
				var n int
				_ = db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM sso_requests WHERE partner_id = ?`, d.ID).Scan(&n)
				if n != 0 {
					t.Fatalf("%d requests for a partner without single sign-on", n)
				}
			}
		})
	})
}
