package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestResellers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, c := signedIn(t, db, "distributor")
		dist, resa := partnerID(t, db, "distributor"), partnerID(t, db, "reseller-a")
		resp, body := c.get("/console/resellers")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "杭州云联科技有限公司") || !strings.Contains(body, "苏州数智信息技术有限公司") ||
			strings.Contains(body, "上海云帆网络科技有限公司") {
			t.Fatalf("the resellers page: %d", resp.StatusCode)
		}
		if _, body := c.get("/console/home"); !strings.Contains(body, `href="/console/resellers"`) {
			t.Error("the distributor's menu lacks 二级经销商管理")
		}

		// 拨款 to a reseller, confirmed twice: once.
		before, _ := funds.PartnerBalances(ctx, db.Reader(), resa)
		path := "/console/resellers/" + resa + "/allocate"
		form := url.Values{"amount": {"500"}, "client": {c.formToken(path)}, "confirm": {"1"}}
		for range 2 {
			if resp, _ := c.post(path, form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("allocate to the reseller: %d", resp.StatusCode)
			}
		}
		after, _ := funds.PartnerBalances(ctx, db.Reader(), resa)
		if after.Recharge-before.Recharge != 50000 {
			t.Errorf("the reseller got %d", after.Recharge-before.Recharge)
		}
		rpath := "/console/resellers/" + resa + "/reclaim"
		if resp, body := c.post(rpath, url.Values{"amount": {"999999999"}, "client": {c.formToken(rpath)}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, `id="f-amount-msg">金额不能超过可用余额`) {
			t.Errorf("reclaim above the reseller's balance: %d", resp.StatusCode)
		}
		if resp, _ := c.get("/console/resellers/" + partnerID(t, db, "reseller") + "/allocate"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another distributor's reseller: %d", resp.StatusCode)
		}

		// A manager for the reseller.
		mgr := principal(t, e, "distributor-manager")
		if resp, body := c.post("/console/resellers/"+resa+"/manager", url.Values{"manager": {principal(t, e, "distributor-finance").UserID}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("manager", "partner.manager_not_manager")) {
			t.Errorf("a finance user as manager: %d", resp.StatusCode)
		}
		if resp, _ := c.post("/console/resellers/"+resa+"/manager", url.Values{"manager": {mgr.UserID}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("assign: %d", resp.StatusCode)
		}
		if _, body := c.get("/console/resellers"); !strings.Contains(body, "客户经理 王敏") {
			t.Error("the list does not name the reseller's manager")
		}
		if _, body := c.get("/console/resellers/" + resa); !strings.Contains(body, "客户经理 王敏") || !strings.Contains(body, "至今") {
			t.Error("the reseller's page does not show the manager period")
		}

		// A new reseller and its main account.
		if resp, body := c.post("/console/resellers/new", url.Values{"name": {"Bad Name"}, "password": {"weak"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, `id="f-name-msg"`) || !strings.Contains(body, `id="f-password-msg"`) {
			t.Errorf("bad reseller: %d", resp.StatusCode)
		}
		resp, _ = c.post("/console/resellers/new", url.Values{"name": {"reseller-c"}, "display_name": {"宁波新零售科技有限公司"}, "password": {"Reseller@2026"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create reseller: %d", resp.StatusCode)
		}
		p, err := partner.GetByName(ctx, db.Reader(), "reseller-c")
		if err != nil || p.ParentID != dist || p.Type != partner.Reseller {
			t.Fatalf("created %+v, %v", p, err)
		}
		if got := strings.Join(auditActions(t, db, dist, p.ID), ","); got != "reseller.create" {
			t.Errorf("audit %s", got)
		}
		if resp, _ := e.client().post("/console/signin", url.Values{"username": {"reseller-c"}, "password": {"Reseller@2026"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the new main account cannot sign in: %d", resp.StatusCode)
		}

		// A partner that is not a total distributor has no such page.
		r := e.client()
		r.signIn("reseller")
		if resp, _ := r.get("/console/resellers"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a reseller on the resellers page: %d", resp.StatusCode)
		}
		if _, body := r.get("/console/home"); strings.Contains(body, `href="/console/resellers"`) {
			t.Error("a reseller's menu offers 二级经销商管理")
		}
	})
}
