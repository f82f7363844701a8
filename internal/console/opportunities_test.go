package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/demo"
	"partnercenter/internal/exports"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// oppFixture is the demo data with what co-selling needs: an office whose
// PSM is psm-east, the distributor in the co-selling programme (it is
// differentiated, so it may be offered HOs), one of its customers and two
// service types.
type oppFixture struct {
	*env
	office, officeName string
	psm                string // psm-east's user id
	dist               string // the distributor's partner id
	customerID         string
	customerName       string
	products           []catalogue.ServiceType
}

func oppSetup(t *testing.T, db *store.DB) *oppFixture {
	t.Helper()
	ctx := context.Background()
	f := &oppFixture{env: newEnv(t, db), officeName: "华东测试代表处"}
	f.psm, f.dist = userID(t, db, "psm-east"), partnerID(t, db, "distributor")
	err := db.InTx(ctx, func(tx *store.Tx) error {
		o := &opportunity.Office{NameZh: f.officeName, NameEn: "East China test office"}
		if err := opportunity.SaveOffice(ctx, tx, o); err != nil {
			return err
		}
		f.office = o.ID
		if err := opportunity.SetOfficePSM(ctx, tx, o.ID, f.psm, nil); err != nil {
			return err
		}
		return opportunity.SetCoselling(ctx, tx, f.dist, true)
	})
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := customer.List(ctx, db.Reader(), customer.PartnerScope(f.dist), customer.Filter{Limit: 1})
	if err != nil || len(list) == 0 {
		t.Fatalf("the distributor has no customer: %v", err)
	}
	f.customerID, f.customerName = list[0].ID, list[0].DomainName
	types, err := catalogue.ServiceTypes(ctx, db.Reader())
	if err != nil || len(types) < 2 {
		t.Fatalf("service types: %d, %v", len(types), err)
	}
	f.products = types[:2]
	// What the demo data left unread is not this test's.
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, u := range []string{f.psm, userID(t, db, "distributor")} {
			if err := opportunity.MarkRead(ctx, tx, u, ""); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// funnel is the distributor's pipeline by stage, as the domain sums it.
func (f *oppFixture) funnel(t *testing.T) map[string]opportunity.FunnelStage {
	t.Helper()
	stages, err := opportunity.Funnel(context.Background(), f.db.Reader(), opportunity.Viewer{PartnerID: f.dist}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]opportunity.FunnelStage{}
	for _, s := range stages {
		out[s.Stage] = s
	}
	return out
}

// funnelBar is how the funnel chart marks a stage's bar.
func funnelBar(stage string, count int, amount int64) string {
	return fmt.Sprintf(`data-stage="%s" data-count="%d" data-amount="%d"`, stage, count, amount)
}

// complete is a PO form with every field a submission needs.
func (f *oppFixture) complete(project string) url.Values {
	return url.Values{"customer_id": {f.customerID}, "project_name": {project}, "industry": {"finance"}, "office_id": {f.office},
		"products": {f.products[0].Code, f.products[1].Code}, "amount": {"1200000.50"},
		"expected_close": {time.Now().AddDate(0, 2, 0).Format("2006-01-02")}, "partner_solution": {"云上核心系统迁移方案"},
		"customer_consent": {"1"}, "contact_name": {"赵工"}, "contact_phone": {"13800000000"}, "description": {"核心系统上云"}}
}

// ho creates an HO and shares it with the distributor.
func (f *oppFixture) ho(t *testing.T, project string) *opportunity.Opportunity {
	t.Helper()
	ctx := context.Background()
	var ho *opportunity.Opportunity
	err := f.db.InTx(ctx, func(tx *store.Tx) (err error) {
		ho, err = opportunity.CreateHO(ctx, tx, "bd", opportunity.Fields{ProspectName: "宁波港务集团", ProjectName: project, Industry: "transport",
			OfficeID: f.office, Products: []string{f.products[0].Code}, Amount: 50_000_000, ExpectedClose: time.Now().AddDate(0, 3, 0),
			ContactName: "钱经理", ContactPhone: "13900000000", Description: "智慧港口"})
		if err != nil {
			return err
		}
		res, err := opportunity.Share(ctx, tx, "bd", ho.ID, []string{f.dist}, 0)
		if err == nil && res[0].Err != nil {
			err = res[0].Err
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ho
}

// approve is the PSM's review, as the back office records it.
func (f *oppFixture) approve(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	if err := f.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := opportunity.Decide(ctx, tx, f.psm, "psm-east", id, opportunity.Decision{Outcome: opportunity.Approve,
			Checklist: opportunity.Checklist, Comment: "客户与项目已核实"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func createdID(t *testing.T, resp *http.Response, body string) string {
	t.Helper()
	loc := resp.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/console/opportunities/")
	if resp.StatusCode != http.StatusSeeOther || !ok || strings.Contains(id, "/") {
		t.Fatalf("saving the opportunity: %d to %q\n%s", resp.StatusCode, loc, body)
	}
	return id
}

func TestOpportunityRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := oppSetup(t, db)
		base := f.funnel(t)
		c := f.client()
		c.signIn("distributor")

		_, body := c.get("/console/opportunities")
		expectAll(t, "机会点管理", body, "我的商机", "HO 共享", "导出记录", "商机漏斗", `role="img"`, "创建商机")
		_, body = c.get("/console/opportunities/new")
		expectAll(t, "创建商机", body, f.officeName, f.customerName, f.products[0].NameZh, "保存草稿", "提交")

		// 提交 with fields missing: every one's message next to its field,
		// the input kept, nothing saved.
		resp, body := c.post("/console/opportunities/new", url.Values{"project_name": {"智慧园区一期"}, "amount": {"300"}, "action": {"submit"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("submitting an incomplete PO: %d", resp.StatusCode)
		}
		for field, key := range map[string]string{"customer_id": "opportunity.customer_required", "industry": "opportunity.industry_required",
			"office_id": "opportunity.office_required", "products": "opportunity.products_required", "expected_close": "opportunity.close_future",
			"partner_solution": "opportunity.solution_required", "customer_consent": "opportunity.consent_required"} {
			if want := `id="f-` + field + `-msg">` + i18n.T(i18n.ZH, key) + `<`; !strings.Contains(body, want) {
				t.Errorf("the message of %s is not next to it: want %q", field, want)
			}
		}
		if strings.Contains(body, `id="f-amount-msg"`) || strings.Contains(body, `id="f-project_name-msg"`) {
			t.Error("a filled-in field has a message")
		}
		expectAll(t, "the refused form", body, `value="智慧园区一期"`, `value="300"`)
		if list, total, _ := opportunity.List(ctx, db.Reader(), opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: f.dist}, Query: "智慧园区一期"}); total != 0 {
			t.Fatalf("a refused submission saved %d opportunities: %v", total, list)
		}

		// 保存草稿 keeps an incomplete PO; 提交 on its page lists what it lacks.
		resp, body = c.post("/console/opportunities/new", url.Values{"project_name": {"智慧园区一期"}, "action": {"draft"}})
		draft := createdID(t, resp, body)
		_, body = c.get("/console/opportunities/" + draft)
		expectAll(t, "the draft", body, "草稿", "智慧园区一期", "创建", "distributor", `action="/console/opportunities/`+draft+`/submit"`)
		resp, body = c.post("/console/opportunities/"+draft+"/submit", nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "opportunity.office_required")) {
			t.Fatalf("submitting the incomplete draft: %d", resp.StatusCode)
		}
		// Completed in its form and submitted.
		resp, body = c.post("/console/opportunities/"+draft+"/edit", withAction(f.complete("智慧园区一期"), "submit"))
		if id := createdID(t, resp, body); id != draft {
			t.Fatalf("the edit went to %s", id)
		}
		o, err := opportunity.Get(ctx, db.Reader(), opportunity.Viewer{PartnerID: f.dist}, draft)
		if err != nil || o.ReviewStatus != opportunity.Submitted || o.PSMUserID != f.psm || o.Amount != 120000050 {
			t.Fatalf("after submitting: %+v %v", o, err)
		}
		if got := auditActions(t, db, f.dist, draft); !slices.Equal(got, []string{"opportunity.po_submit", "opportunity.po_update", "opportunity.po_create"}) &&
			!slices.Equal(got, []string{"opportunity.po_create", "opportunity.po_update", "opportunity.po_submit"}) {
			t.Errorf("audit entries %v", got)
		}
		_, body = c.get("/console/opportunities/" + draft)
		expectAll(t, "the submitted PO", body, "已提交", "提交审核", "1,200,000.50", f.officeName, "赵工")
		if strings.Contains(body, `/submit"`) || strings.Contains(body, `/edit"`) {
			t.Error("a submitted PO still offers 编辑 or 提交")
		}
		resp, _ = c.post("/console/opportunities/"+draft+"/edit", f.complete("改名"))
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusConflict {
			t.Errorf("editing a submitted PO: %d", resp.StatusCode)
		}

		// The PSM's inbox and bell.
		psm := f.client()
		psm.signIn("psm-east")
		_, body = psm.get("/console/inbox")
		if got := bellOf(body); got != "1" {
			t.Errorf("the PSM's bell: %q", got)
		}
		expectAll(t, "the PSM's inbox", body, i18n.T(i18n.ZH, "opportunity.assigned", o.Code), "未读")
		psm.post("/console/inbox/read", nil)
		if _, page := psm.get("/console/inbox"); bellOf(page) != "" {
			t.Errorf("after marking all read the bell still counts: %q", bellOf(page))
		}

		// Asked for action: only the whitelist may change.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := opportunity.Decide(ctx, tx, f.psm, "psm-east", draft, opportunity.Decision{Outcome: opportunity.RequireAction, Reason: "请补充客户授权书"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, body = c.get("/console/opportunities/" + draft + "/edit")
		expectAll(t, "the form while action is required", body, "<fieldset class=\"form-group\" disabled", i18n.T(i18n.ZH, "opps.f.locked"))
		changed := withAction(f.complete("别的项目"), "submit")
		changed.Del("project_name") // a disabled input sends nothing
		changed.Set("amount", "1500000")
		resp, body = c.post("/console/opportunities/"+draft+"/edit", changed)
		createdID(t, resp, body)
		if o, _ = opportunity.Get(ctx, db.Reader(), opportunity.Viewer{PartnerID: f.dist}, draft); o.ReviewStatus != opportunity.Submitted ||
			o.Amount != 150000000 || o.ProjectName != "智慧园区一期" {
			t.Fatalf("resubmitted: %s %d %q", o.ReviewStatus, o.Amount, o.ProjectName)
		}

		// Approved: the stages, won with the signing date, then delivered.
		f.approve(t, draft)
		_, body = c.get("/console/opportunities/" + draft)
		expectAll(t, "the approved PO", body, "审核通过", "客户与项目已核实", "更新销售进展")
		resp, body = c.post("/console/opportunities/"+draft+"/stage", url.Values{"stage": {"lost"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "opportunity.lost_reason_required")) {
			t.Errorf("lost without a reason: %d", resp.StatusCode)
		}
		c.post("/console/opportunities/"+draft+"/stage", url.Values{"stage": {"confirm"}, "comment": {"客户已确认预算"}})
		signed := time.Now().AddDate(0, 0, -1).Format("2006-01-02")
		resp, _ = c.post("/console/opportunities/"+draft+"/stage", url.Values{"stage": {"won"}, "signed_at": {signed}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("won: %d", resp.StatusCode)
		}
		resp, _ = c.post("/console/opportunities/"+draft+"/delivered", url.Values{"delivered_at": {time.Now().Format("2006-01-02")}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delivered: %d", resp.StatusCode)
		}
		_, body = c.get("/console/opportunities/" + draft)
		expectAll(t, "the delivered PO", body, "达成销售", signed, "客户已确认预算", "推进销售阶段", "交付完成")
		if strings.Contains(body, `id="stage"`) || strings.Contains(body, `id="deliver"`) {
			t.Error("a delivered PO still offers stage moves or delivery")
		}
		got := auditActions(t, db, f.dist, draft)
		for _, want := range []string{"opportunity.stage", "opportunity.delivered"} {
			if !slices.Contains(got, want) {
				t.Errorf("audit entries %v lack %s", got, want)
			}
		}
		_, body = c.get("/console/opportunities")
		expectAll(t, "the funnel", body, funnelBar("won", base["won"].Count+1, base["won"].Amount+150000000))

		// Query conditions and paging.
		_, body = c.get("/console/opportunities?review_status=draft")
		if strings.Contains(body, o.Code) {
			t.Error("the draft filter shows an approved PO")
		}
		_, body = c.get("/console/opportunities?q=" + url.QueryEscape("园区") + "&sales_stage=won")
		expectAll(t, "the query", body, o.Code)
		resp, body = c.get("/console/opportunities?from=2026-13-01")
		if !strings.Contains(body, i18n.T(i18n.ZH, "audit.date_invalid")) {
			t.Errorf("a bad date: %d without its message", resp.StatusCode)
		}

		// Another partner's opportunity answers not found, whatever the way.
		other := f.client()
		other.signIn("reseller")
		for _, path := range []string{"/console/opportunities/" + draft, "/console/opportunities/" + draft + "/edit"} {
			if resp, _ := other.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("another partner's GET %s: %d", path, resp.StatusCode)
			}
		}
		for _, path := range []string{"/stage", "/submit", "/delivered"} {
			if resp, _ := other.post("/console/opportunities/"+draft+path, url.Values{"stage": {"lost"}, "lost_reason": {"price"}}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("another partner's POST %s: %d", path, resp.StatusCode)
			}
		}
		if _, body := other.get("/console/opportunities"); strings.Contains(body, o.Code) {
			t.Error("another partner's list shows the PO")
		}
	})
}

func withAction(v url.Values, action string) url.Values {
	v.Set("action", action)
	return v
}

func TestOpportunityPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := oppSetup(t, db)
		// A sub-account without the role: no page, no menu entry.
		mgr := f.client()
		mgr.signIn("distributor-manager")
		for _, path := range []string{"/console/opportunities", "/console/opportunities/new", "/console/opportunities/offers"} {
			if resp, _ := mgr.get(path); resp.StatusCode != http.StatusForbidden {
				t.Errorf("a sub-account without 机会点管理 GET %s: %d", path, resp.StatusCode)
			}
		}
		if _, body := mgr.get("/console/home"); strings.Contains(body, `href="/console/opportunities"`) {
			t.Error("the menu offers 机会点管理 to a sub-account without it")
		}
		// Granted the role, it opens the pages and registers a deal.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "dist-opps", DisplayName: "商机 张三", PartnerID: f.dist,
				Roles: []auth.Role{auth.PartnerOpportunity}, Password: demo.Password})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		sub := f.client()
		sub.signIn("dist-opps")
		if _, body := sub.get("/console/home"); !strings.Contains(body, `href="/console/opportunities"`) {
			t.Error("the menu does not offer 机会点管理 to a sub-account granted it")
		}
		resp, body := sub.post("/console/opportunities/new", withAction(f.complete("数据中台"), "submit"))
		id := createdID(t, resp, body)

		// In English, every label of the pages.
		sub.post("/console/locale", url.Values{"lang": {"en"}, "next": {"/console/opportunities"}})
		_, body = sub.get("/console/opportunities/" + id)
		expectAll(t, "the details in English", body, "Opportunity details", "Submitted", "Identify", "Finance", "Timeline", "Partner solution",
			"East China test office", "Notifications")
		_, body = sub.get("/console/opportunities")
		expectAll(t, "the list in English", body, "My opportunities", "Shared HOs", "Pipeline funnel", "Approved opportunities by sales stage",
			"Export CSV", "Review status", "Partner-originated (PO)")
		_, body = sub.get("/console/opportunities/new")
		expectAll(t, "the form in English", body, "Register a deal", "Save draft", "Expected close date", "The customer consents")
		if o, err := opportunity.Get(ctx, db.Reader(), opportunity.Viewer{PartnerID: f.dist}, id); err != nil || o.ReviewStatus != opportunity.Submitted {
			t.Fatalf("the sub-account's PO: %+v %v", o, err)
		}
		// Staff have an inbox too, and the customer manager has one without links.
		if resp, _ := mgr.get("/console/inbox"); resp.StatusCode != http.StatusOK {
			t.Errorf("a sub-account's inbox: %d", resp.StatusCode)
		}
	})
}

func TestOpportunityOffers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := oppSetup(t, db)
		base := f.funnel(t)
		accepted, declined := f.ho(t, "智慧港口调度"), f.ho(t, "港口视频分析")
		c := f.client()
		c.signIn("distributor")

		_, body := c.get("/console/inbox")
		if got := bellOf(body); got != "2" {
			t.Errorf("the bell after two HOs shared: %q", got)
		}
		expectAll(t, "the inbox", body, i18n.T(i18n.ZH, "opportunity.shared", accepted.Code), `data-href="/console/opportunities/`+accepted.ID+`/offer"`)
		inbox, _, _ := opportunity.Inbox(ctx, db.Reader(), userID(t, db, "distributor"), 10)
		resp, _ := c.post("/console/inbox/"+inbox[0].ID+"/open", nil)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/opportunities/") {
			t.Errorf("opening a notification: %d to %s", resp.StatusCode, loc)
		}
		if _, page := c.get("/console/inbox"); bellOf(page) != "1" {
			t.Errorf("the bell after opening one: %q", bellOf(page))
		}
		if resp, _ := f.client().post("/console/inbox/"+inbox[1].ID+"/open", nil); resp.StatusCode != http.StatusSeeOther ||
			!strings.HasPrefix(resp.Header.Get("Location"), "/console/signin") {
			t.Errorf("opening without a session: %d", resp.StatusCode)
		}

		_, body = c.get("/console/opportunities/offers")
		expectAll(t, "HO 共享", body, accepted.Code, declined.Code, "宁波港务集团", "待处理", "接受", "拒绝")
		_, body = c.get("/console/opportunities/" + accepted.ID + "/offer")
		expectAll(t, "the offer", body, "智慧港口调度", i18n.T(i18n.ZH, "opps.offer.contact_hidden"), "有效期至")
		if strings.Contains(body, "钱经理") || strings.Contains(body, "13900000000") {
			t.Error("the offer shows the customer's contact before it is accepted")
		}

		// Another partner has no such offer.
		other := f.client()
		other.signIn("reseller")
		for _, path := range []string{"/" + accepted.ID + "/offer", "/" + accepted.ID} {
			if resp, _ := other.get("/console/opportunities" + path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("another partner GET %s: %d", path, resp.StatusCode)
			}
		}
		if resp, _ := other.post("/console/opportunities/"+accepted.ID+"/accept", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner accepting: %d", resp.StatusCode)
		}
		if resp, _ := other.post("/console/inbox/"+inbox[1].ID+"/open", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another user opening the partner's notification: %d", resp.StatusCode)
		}

		// 接受: the HO is the partner's, among its opportunities, with the contact.
		resp, _ = c.post("/console/opportunities/"+accepted.ID+"/accept", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/opportunities/"+accepted.ID {
			t.Fatalf("accept: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = c.get("/console/opportunities/" + accepted.ID)
		expectAll(t, "the accepted HO", body, "钱经理", "13900000000", "伙伴接受", "更新销售进展")
		_, body = c.get("/console/opportunities")
		expectAll(t, "我的商机 with the HO", body, accepted.Code, "华为云共享 HO", funnelBar("identify", base["identify"].Count+1, base["identify"].Amount+50000000))
		if resp, body := c.post("/console/opportunities/"+accepted.ID+"/accept", nil); resp.StatusCode != http.StatusConflict || !strings.Contains(body, i18n.T(i18n.ZH, "opportunity.offer_answered")) {
			t.Errorf("accepting twice: %d", resp.StatusCode)
		}

		// 拒绝 needs a reason.
		resp, body = c.post("/console/opportunities/"+declined.ID+"/decline", url.Values{"reason": {" "}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-reason-msg">`+i18n.T(i18n.ZH, "opportunity.reason_required")) {
			t.Errorf("declining without a reason: %d", resp.StatusCode)
		}
		resp, _ = c.post("/console/opportunities/"+declined.ID+"/decline", url.Values{"reason": {"不在我司服务区域"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("decline: %d", resp.StatusCode)
		}
		offers, _ := opportunity.Offers(ctx, db.Reader(), f.dist, opportunity.ShareRejected)
		if i := slices.IndexFunc(offers, func(o *opportunity.Offer) bool { return o.Opportunity.ID == declined.ID }); i < 0 ||
			offers[i].Reason != "不在我司服务区域" {
			t.Fatalf("declined offers: %v", offers)
		}
		for _, pair := range [][2]string{{accepted.ID, "opportunity.ho_accept"}, {declined.ID, "opportunity.ho_decline"}} {
			if got := auditActions(t, db, f.dist, pair[0]); !slices.Contains(got, pair[1]) {
				t.Errorf("audit of %s: %v", pair[0], got)
			}
		}
		_, body = c.get("/console/opportunities/offers?status=rejected")
		if !strings.Contains(body, declined.Code) || strings.Contains(body, accepted.Code) {
			t.Error("the status filter of HO 共享")
		}

		// An expired offer cannot be accepted.
		late := f.ho(t, "港口能耗")
		db.Now = func() time.Time { return time.Now().Add(opportunity.DefaultShareValidity + time.Hour) }
		defer func() { db.Now = time.Now }()
		c.signIn("distributor")
		_, body = c.get("/console/opportunities/" + late.ID + "/offer")
		expectAll(t, "the expired offer", body, "已过期")
		resp, body = c.post("/console/opportunities/"+late.ID+"/accept", nil)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, i18n.T(i18n.ZH, "opportunity.offer_expired")) {
			t.Errorf("accepting an expired offer: %d", resp.StatusCode)
		}
	})
}

func TestOpportunityExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := oppSetup(t, db)
		c := f.client()
		c.signIn("distributor")
		resp, body := c.post("/console/opportunities/new", withAction(f.complete("智慧园区二期"), "draft"))
		id := createdID(t, resp, body)
		o, _ := opportunity.Get(ctx, db.Reader(), opportunity.Viewer{PartnerID: f.dist}, id)
		_, body = c.get("/console/opportunities?review_status=draft")
		expectAll(t, "the list with its export", body, `action="/console/opportunities/exports"`, `name="review_status" value="draft"`)
		resp, _ = c.post("/console/opportunities/exports", url.Values{"format": {"csv"}, "review_status": {"draft"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/opportunities/exports" {
			t.Fatalf("export: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		me := userID(t, db, "distributor")
		var list []*exports.Export
		eventually(t, "the export finishes", func() bool {
			list, _ = exports.List(ctx, db.Reader(), f.dist, me, 10)
			return len(list) == 1 && list[0].Status == exports.Done
		})
		_, body = c.get("/console/opportunities/exports")
		expectAll(t, "导出记录", body, `href="/console/opportunities/exports/`+list[0].ID+`/download"`)
		resp, file := c.get("/console/opportunities/exports/" + list[0].ID + "/download")
		if resp.StatusCode != http.StatusOK || !strings.Contains(file, o.Code) || !strings.Contains(file, "智慧园区二期") || !strings.Contains(file, "草稿") {
			t.Fatalf("download: %d %q", resp.StatusCode, file)
		}
		if resp, _ := c.post("/console/opportunities/exports", url.Values{"format": {"pdf"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("an unknown format: %d", resp.StatusCode)
		}
	})
}

// bellOf is the unread count the header's bell shows on a page, "" when it
// shows none.
func bellOf(page string) string {
	i := strings.Index(page, `class="bell-count"`)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	rest = rest[strings.Index(rest, ">")+1:]
	return rest[:strings.Index(rest, "<")]
}

// A PO may name a registered account not yet associated with the partner
// by its account name; another partner's customer is refused next to the
// field and nothing is saved.
func TestOpportunityForRegisteredAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := oppSetup(t, db)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: "registered-acct"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c := f.client()
		c.signIn("distributor")
		form := f.complete("注册账号项目")
		form.Del("customer_id")
		var theirs string
		if err := db.Reader().QueryRowContext(ctx, `SELECT c.domain_name FROM customers c JOIN partners p ON p.id = c.partner_id
			WHERE p.name = 'reseller' ORDER BY c.domain_name LIMIT 1`).Scan(&theirs); err != nil {
			t.Fatal(err)
		}
		form.Set("customer_account", theirs)
		form.Set("action", "draft")
		resp, body := c.post("/console/opportunities/new", form)
		if resp.StatusCode == http.StatusSeeOther || !strings.Contains(body, nextTo("customer_account", "customer.not_found")) {
			t.Fatalf("another partner's customer: %d", resp.StatusCode)
		}
		form.Set("customer_account", "registered-acct")
		if resp, _ := c.post("/console/opportunities/new", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("a registered account: %d", resp.StatusCode)
		}
		list, total, err := opportunity.List(ctx, db.Reader(), opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: partnerID(t, db, "distributor")}, Query: "注册账号项目"})
		if err != nil || total != 1 || list[0].CustomerName != "registered-acct" {
			t.Fatalf("saved %d %v", total, err)
		}
		// Editing shows the account by its name.
		if _, body := c.get("/console/opportunities/" + list[0].ID + "/edit"); !strings.Contains(body, `value="registered-acct"`) {
			t.Error("the edit form lost the registered account")
		}
	})
}
