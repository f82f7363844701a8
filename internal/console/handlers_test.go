package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/demo"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.client()
		resp, _ := c.post("/console/signin", url.Values{"username": {"distributor"}, "password": {demo.Password}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/home" {
			t.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		var session *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == "pc_session" {
				session = ck
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure without TLS", session)
		}
		var n int
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, session.Value).Scan(&n); err != nil || n != 0 {
			t.Errorf("the token itself is stored (%d rows, %v); only its hash may be", n, err)
		}
		resp, body := c.get("/console/home")
		for _, want := range []string{"华东云总经销有限公司", "总经销商", "差异化", "杭州云联科技有限公司", "伙伴发展经理 PDM", "pc_demo_platform_01", `lang="zh-CN"`} {
			if !strings.Contains(body, want) {
				t.Errorf("home page (%d) lacks %q", resp.StatusCode, want)
			}
		}
		_, body = c.get("/console/home")
		if strings.Contains(body, "/console/staff") {
			t.Error("a partner's navigation offers back-office pages")
		}

		// Behind TLS the cookie is Secure.
		e.app.SecureCookies = true
		resp, _ = e.client().post("/console/signin", url.Values{"username": {"reseller"}, "password": {demo.Password}})
		for _, ck := range resp.Cookies() {
			if ck.Name == "pc_session" && !ck.Secure {
				t.Error("with SecureCookies the session cookie is not Secure")
			}
		}
		e.app.SecureCookies = false

		// A reseller's home names its total distributor.
		r := e.client()
		r.signIn("reseller-a")
		if _, body := r.get("/console/home"); !strings.Contains(body, "所属总经销商") || !strings.Contains(body, "华东云总经销有限公司") {
			t.Error("an indirect reseller's home does not name its distributor")
		}

		// Wrong password and unknown user: the same one message, no session.
		for _, user := range []string{"distributor", "nobody-here"} {
			bad := e.client()
			resp, body := bad.post("/console/signin", url.Values{"username": {user}, "password": {"Wrong@2026"}})
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
				t.Errorf("%s with a wrong password: %d, message shown: %v", user, resp.StatusCode, strings.Contains(body, "用户名或密码错误"))
			}
			if bad.cookie("pc_session") != nil {
				t.Errorf("%s: a failed sign-in set a session cookie", user)
			}
		}
	})
}

func TestSignInThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.client()
		for range auth.MaxFailures {
			c.post("/console/signin", url.Values{"username": {"reseller"}, "password": {"Wrong@2026"}})
		}
		resp, body := c.post("/console/signin", url.Values{"username": {"reseller"}, "password": {demo.Password}})
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, i18n.T(i18n.ZH, "auth.signin_throttled")) {
			t.Fatalf("after %d failures the right password answered %d without the throttle message", auth.MaxFailures, resp.StatusCode)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		db.Now = func() time.Time { return time.Now().Add(auth.IdleTimeout + time.Minute) }
		defer func() { db.Now = time.Now }()
		resp, _ := c.get("/console/org?tab=x")
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc.Path != "/console/signin" || loc.Query().Get("next") != "/console/org?tab=x" {
			t.Fatalf("an idle session: %d to %q; want the sign-in page keeping the wanted page", resp.StatusCode, loc)
		}
		_, body := c.get(loc.RequestURI())
		if !strings.Contains(body, i18n.T(i18n.ZH, "auth.session_expired")) || !strings.Contains(body, `value="/console/org?tab=x"`) {
			t.Error("the sign-in page neither says the session ended nor keeps the wanted page")
		}
		resp, _ = c.post("/console/signin", url.Values{"username": {"distributor"}, "password": {demo.Password}, "next": {"/console/org?tab=x"}})
		if got := resp.Header.Get("Location"); got != "/console/org?tab=x" {
			t.Errorf("after signing in again: sent to %q", got)
		}
		// Never to another site.
		resp, _ = c.post("/console/signin", url.Values{"username": {"distributor"}, "password": {demo.Password}, "next": {"//evil.example/console/x"}})
		if got := resp.Header.Get("Location"); got != "/console/home" {
			t.Errorf("next=//evil.example: sent to %q", got)
		}
	})
}

func TestCrossSitePostRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		form := url.Values{"username": {"forged-user"}, "roles": {"finance"}, "password": {"Forged@2026"}}
		resp, body := c.post("/console/org/users/new", form, "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, i18n.T(i18n.ZH, "error.cross_origin.title")) {
			t.Errorf("cross-site form post: %d", resp.StatusCode)
		}
		resp, _ = c.post("/console/org/users/new", form, "Sec-Fetch-Site", "", "Origin", "https://evil.example")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("post from another origin: %d", resp.StatusCode)
		}
		if _, err := auth.GetUserByUsername(context.Background(), db.Reader(), "forged-user"); err == nil {
			t.Error("a refused cross-site post created the user")
		}
	})
}

func TestSubAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, c := signedIn(t, db, "distributor")
		dist, _ := partner.GetByName(ctx, db.Reader(), "distributor")
		users := func() int {
			list, err := auth.ListPartnerUsers(ctx, db.Reader(), dist.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		before := users()

		// Bad input: each message next to its field, nothing created.
		resp, body := c.post("/console/org/users/new", url.Values{"username": {"9-Bad Name"}, "roles": {"finance"}, "password": {"short"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("bad input: status %d", resp.StatusCode)
		}
		for field, key := range map[string]string{"username": "user.username_invalid", "password": "auth.password_length"} {
			if want := `id="f-` + field + `-msg">` + i18n.T(i18n.ZH, key) + `</p>`; !strings.Contains(body, want) {
				t.Errorf("no message next to %s: want %s", field, want)
			}
		}
		if !strings.Contains(body, `value="9-Bad Name"`) || strings.Contains(body, `value="short"`) {
			t.Error("the form should keep the user name and never echo the password")
		}
		resp, body = c.post("/console/org/users/new", url.Values{"username": {"no-roles"}, "password": {"Good@2026"}})
		if !strings.Contains(body, `id="f-roles-msg">`+i18n.T(i18n.ZH, "user.roles_required")) {
			t.Errorf("no roles: %d, message missing", resp.StatusCode)
		}
		if n := users(); n != before {
			t.Fatalf("bad input created users: %d, was %d", n, before)
		}

		// Good input: created, audited in the same tenant.
		resp, _ = c.post("/console/org/users/new", url.Values{"username": {"dist-sales"}, "display_name": {"销售 张伟"}, "roles": {"sales", "operator"}, "password": {"Sales@2026"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", resp.StatusCode)
		}
		if _, body := c.get("/console/org"); !strings.Contains(body, "子账号已创建") || !strings.Contains(body, "销售 张伟") {
			t.Error("the organisation page shows neither the message nor the new sub-account")
		}
		u, err := auth.GetUserByUsername(ctx, db.Reader(), "dist-sales")
		if err != nil || u.PartnerID != dist.ID || u.IsMain {
			t.Fatalf("created user: %+v, %v", u, err)
		}

		// Roles, then disable: each audited; a disabled account cannot sign in.
		if resp, _ := c.post("/console/org/users/"+u.ID+"/roles", url.Values{"roles": {"finance"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("roles: %d", resp.StatusCode)
		}
		if resp, body := c.post("/console/org/users/"+u.ID+"/roles", url.Values{}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请至少选择一个角色") {
			t.Errorf("no roles: %d", resp.StatusCode)
		}
		if resp, _ := c.post("/console/org/users/"+u.ID+"/status", url.Values{"disabled": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("disable: %d", resp.StatusCode)
		}
		if resp, _ := e.client().post("/console/signin", url.Values{"username": {"dist-sales"}, "password": {"Sales@2026"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a disabled sub-account signed in: %d", resp.StatusCode)
		}
		entries, _, err := audit.List(ctx, db.Reader(), audit.Filter{PartnerID: dist.ID, ObjectID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, en := range entries {
			actions = append(actions, en.Action)
			if en.ActorName != "distributor" || en.RequestID == "" {
				t.Errorf("entry %s: actor %q, request %q", en.Action, en.ActorName, en.RequestID)
			}
		}
		if strings.Join(actions, ",") != "user.disable,user.roles,user.create" {
			t.Errorf("audit entries %v, want create, roles, disable", actions)
		}
		if _, body := c.get("/console/audit?action=user.roles"); !strings.Contains(body, "修改角色") || !strings.Contains(body, `角色:</span> <del>销售、操作员</del> → 财务`) {
			t.Error("the audit log page does not show the role change")
		}

		// The main account is not edited here.
		main, _ := auth.GetUserByUsername(ctx, db.Reader(), "distributor")
		c.post("/console/org/users/"+main.ID+"/status", url.Values{"disabled": {"1"}})
		if m, _ := auth.GetUser(ctx, db.Reader(), main.ID); m.Disabled {
			t.Error("the main account was disabled")
		}
	})
}

func TestTenantScoping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		other, _ := auth.GetUserByUsername(ctx, db.Reader(), "reseller")
		c := e.client()
		c.signIn("distributor")
		for _, req := range []struct{ method, path string }{
			{"GET", "/console/org/users/" + other.ID},
			{"GET", "/console/org/users/" + other.ID + "/roles"},
			{"POST", "/console/org/users/" + other.ID + "/roles"},
			{"POST", "/console/org/users/" + other.ID + "/status"},
			{"GET", "/console/org/users/no-such-id"},
			{"GET", "/console/no-such-page"},
		} {
			var resp *http.Response
			var body string
			if req.method == "GET" {
				resp, body = c.get(req.path)
			} else {
				resp, body = c.post(req.path, url.Values{"roles": {"finance"}, "disabled": {"1"}})
			}
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, i18n.T(i18n.ZH, "error.not_found.title")) {
				t.Errorf("%s %s: %d, want the not-found page", req.method, req.path, resp.StatusCode)
			}
		}
		if u, _ := auth.GetUser(ctx, db.Reader(), other.ID); u.Disabled || len(u.Roles) != 1 || u.Roles[0] != auth.PartnerAdmin {
			t.Errorf("another tenant's user changed: %+v", u)
		}
		_, body := c.get("/console/audit")
		if strings.Contains(body, "上海云帆网络科技有限公司") {
			t.Error("a partner's audit log shows another tenant's entries")
		}

		// Permissions: a customer manager sees no organisation page; a partner
		// no back office.
		m := e.client()
		m.signIn("distributor-manager")
		if resp, body := m.get("/console/org"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "无权访问") {
			t.Errorf("customer manager on the organisation page: %d", resp.StatusCode)
		}
		if _, body := m.get("/console/home"); strings.Contains(body, `href="/console/org"`) || strings.Contains(body, `href="/console/audit"`) {
			t.Error("the customer manager's menu offers pages it may not open")
		}
		if resp, _ := c.get("/console/staff/partners"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("partner on the back office: %d", resp.StatusCode)
		}
		a := e.client()
		a.signIn("admin")
		if resp, _ := a.get("/console/staff/partners/no-such-partner"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown partner: %d", resp.StatusCode)
		}
	})
}

func TestLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		// Before signing in: a cookie.
		c := e.client()
		resp, _ := c.post("/console/locale", url.Values{"lang": {"en"}, "next": {"/console/signin"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch: %d", resp.StatusCode)
		}
		if _, body := c.get("/console/signin"); !strings.Contains(body, "Sign in to Partner Center") || !strings.Contains(body, `lang="en"`) {
			t.Error("the sign-in page is not in English after the switch")
		}
		// Signed in: the account remembers it, whatever the cookie says.
		c.signIn("distributor")
		c.post("/console/locale", url.Values{"lang": {"en"}, "next": {"/console/home"}})
		u, _ := auth.GetUserByUsername(ctx, db.Reader(), "distributor")
		if u.Locale != "en" {
			t.Errorf("stored locale %q", u.Locale)
		}
		fresh := e.client()
		fresh.signIn("distributor")
		if _, body := fresh.get("/console/home"); !strings.Contains(body, "Total distributor") || !strings.Contains(body, ">Sub-accounts<") {
			t.Error("the remembered language is not used in a new session")
		}
	})
}

func TestStaffPartners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, a := signedIn(t, db, "admin")
		if _, body := a.get("/console/staff"); !strings.Contains(body, "伙伴总数") || !strings.Contains(body, ">5<") {
			t.Error("the overview does not count the 5 demo partners")
		}
		if _, body := a.get("/console/staff/partners?q=" + url.QueryEscape("杭州")); !strings.Contains(body, "杭州云联科技有限公司") || strings.Contains(body, "上海云帆网络科技有限公司") {
			t.Error("the partner search does not filter")
		}
		dist, _ := partner.GetByName(ctx, db.Reader(), "distributor")
		pdm, _ := auth.GetUserByUsername(ctx, db.Reader(), "pdm")
		bd, _ := auth.GetUserByUsername(ctx, db.Reader(), "bd")

		resp, body := a.post("/console/staff/partners/new", url.Values{"name": {"Bad Name"}, "display_name": {"新伙伴"}, "type": {"solution"},
			"stage": {"registered"}, "parent_id": {dist.ID}, "pdm_user_id": {pdm.ID}, "password": {"weak"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-name-msg"`) || !strings.Contains(body, `id="f-password-msg"`) {
			t.Errorf("bad partner: %d; messages next to name and password expected", resp.StatusCode)
		}
		resp, body = a.post("/console/staff/partners/new", url.Values{"name": {"new-partner"}, "display_name": {"新伙伴"}, "type": {"reseller"},
			"stage": {"registered"}, "pdm_user_id": {bd.ID}, "password": {"Partner@2026"}})
		if !strings.Contains(body, `id="f-pdm_user_id-msg">`+i18n.T(i18n.ZH, "partner.pdm_invalid")) {
			t.Errorf("a PDM without the role: %d, no message", resp.StatusCode)
		}
		if _, err := partner.GetByName(ctx, db.Reader(), "new-partner"); err == nil {
			t.Fatal("bad input created the partner")
		}
		resp, _ = a.post("/console/staff/partners/new", url.Values{"name": {"new-partner"}, "display_name": {"新伙伴"}, "type": {"reseller"},
			"stage": {"registered"}, "parent_id": {dist.ID}, "pdm_user_id": {pdm.ID}, "password": {"Partner@2026"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create partner: %d", resp.StatusCode)
		}
		p, err := partner.GetByName(ctx, db.Reader(), "new-partner")
		if err != nil || p.ParentID != dist.ID || p.PDMUserID != pdm.ID {
			t.Fatalf("created partner %+v, %v", p, err)
		}
		if _, body := a.get(resp.Header.Get("Location")); !strings.Contains(body, "伙伴已创建，主账号：new-partner") || !strings.Contains(body, "华东云总经销有限公司") {
			t.Error("the new partner's page lacks the message or its distributor")
		}
		if resp, _ := e.client().post("/console/signin", url.Values{"username": {"new-partner"}, "password": {"Partner@2026"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the new main account cannot sign in: %d", resp.StatusCode)
		}

		// Edit: a stage change is audited; a distributor with resellers keeps its type.
		resp, _ = a.post("/console/staff/partners/"+p.ID+"/edit", url.Values{"display_name": {"新伙伴"}, "type": {"reseller"},
			"stage": {"certified"}, "parent_id": {dist.ID}, "pdm_user_id": {pdm.ID}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("edit: %d", resp.StatusCode)
		}
		resp, body = a.post("/console/staff/partners/"+dist.ID+"/edit", url.Values{"display_name": {dist.DisplayName}, "type": {"reseller"},
			"stage": {"certified"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "partner.has_resellers")) {
			t.Errorf("distributor with resellers turned reseller: %d", resp.StatusCode)
		}
		entries, _, _ := audit.List(ctx, db.Reader(), audit.Filter{PartnerID: p.ID})
		if len(entries) != 2 || entries[0].Action != "partner.update" || entries[1].Action != "partner.create" || entries[0].ActorName != "admin" {
			t.Errorf("audit entries of the new partner: %+v", entries)
		}

		// Every tenant's log, filtered by partner; an unknown partner is a field error.
		if _, body := a.get("/console/audit?partner=new-partner"); !strings.Contains(body, "修改伙伴") || strings.Contains(body, "上海云帆网络科技有限公司") {
			t.Error("the audit log filtered by partner is wrong")
		}
		if _, body := a.get("/console/audit?partner=nope"); !strings.Contains(body, `id="f-partner-msg">`+i18n.T(i18n.ZH, "partner.not_found")) {
			t.Error("an unknown partner filter has no message")
		}
		if _, body := a.get("/console/audit?from=2020-13-01"); !strings.Contains(body, `id="f-from-msg"`) {
			t.Error("a malformed date has no message")
		}
	})
}

func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "reseller")
		other := e.client()
		other.signIn("reseller")
		for _, bad := range []struct {
			form  url.Values
			field string
			key   string
		}{
			{url.Values{"current": {"Wrong@2026"}, "new": {"Better@2027"}, "confirm": {"Better@2027"}}, "current", "auth.password_wrong"},
			{url.Values{"current": {demo.Password}, "new": {"Better@2027"}, "confirm": {"Other@2027"}}, "confirm", "password.mismatch"},
			{url.Values{"current": {demo.Password}, "new": {"weakpass"}, "confirm": {"weakpass"}}, "new", "auth.password_weak"},
		} {
			resp, body := c.post("/console/password", bad.form)
			if want := `id="f-` + bad.field + `-msg">` + i18n.T(i18n.ZH, bad.key); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
				t.Errorf("%v: %d, want %s", bad.form, resp.StatusCode, want)
			}
		}
		resp, _ := c.post("/console/password", url.Values{"current": {demo.Password}, "new": {"Better@2027"}, "confirm": {"Better@2027"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("change: %d", resp.StatusCode)
		}
		if _, body := c.get("/console/home"); !strings.Contains(body, i18n.T(i18n.ZH, "password.changed")) {
			t.Error("no message after the change")
		}
		if resp, _ := other.get("/console/home"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("another session outlived the change: %d", resp.StatusCode)
		}
		if resp, _ := e.client().post("/console/signin", url.Values{"username": {"reseller"}, "password": {"Better@2027"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the new password does not sign in: %d", resp.StatusCode)
		}
	})
}
