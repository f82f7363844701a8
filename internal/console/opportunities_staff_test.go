package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// soFixture is the demo data plus an office of its own reviewed by
// psm-east alone, so that routing is known.
type soFixture struct {
	e        *env
	db       *store.DB
	office   *opportunity.Office
	product  string
	customer string // a customer of distributor
}

func newSOFixture(t *testing.T, db *store.DB) *soFixture {
	t.Helper()
	f := &soFixture{e: newEnv(t, db), db: db}
	ctx := context.Background()
	types, err := catalogue.ServiceTypes(ctx, db.Reader())
	if err != nil || len(types) == 0 {
		t.Fatalf("service types: %v", err)
	}
	f.product = types[0].Code
	list, _, err := customer.List(ctx, db.Reader(), customer.PartnerScope(partnerID(t, db, "distributor")), customer.Filter{Limit: 1})
	if err != nil || len(list) == 0 {
		t.Fatalf("a customer of distributor: %v", err)
	}
	f.customer = list[0].ID
	err = db.InTx(ctx, func(tx *store.Tx) error {
		f.office = &opportunity.Office{NameZh: "测试代表处", NameEn: "Test office"}
		if err := opportunity.SaveOffice(ctx, tx, f.office); err != nil {
			return err
		}
		return opportunity.SetOfficePSM(ctx, tx, f.office.ID, userID(t, db, "psm-east"), []string{"finance"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// submit registers and submits a PO of distributor: for its customer, or
// for a prospect when prospect is set.
func (f *soFixture) submit(t *testing.T, project, prospect string) *opportunity.Opportunity {
	t.Helper()
	fields := opportunity.Fields{CustomerID: f.customer, ProjectName: project, Industry: "finance", OfficeID: f.office.ID,
		Products: []string{f.product}, Amount: 1_234_567_89, ExpectedClose: time.Now().AddDate(0, 3, 0),
		PartnerSolution: "数据迁移服务", CustomerConsent: true, ContactName: "张三", ContactPhone: "13800000000"}
	if prospect != "" {
		fields.CustomerID, fields.ProspectName = "", prospect
	}
	var o *opportunity.Opportunity
	ctx := context.Background()
	pid := partnerID(t, f.db, "distributor")
	err := f.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if o, err = opportunity.CreateDraft(ctx, tx, pid, "distributor", fields); err != nil {
			return err
		}
		o, err = opportunity.Submit(ctx, tx, pid, "distributor", o.ID)
		return err
	})
	if err != nil {
		t.Fatalf("submit %s: %v", project, err)
	}
	return o
}

func (f *soFixture) get(t *testing.T, id string) *opportunity.Opportunity {
	t.Helper()
	o, err := opportunity.Get(context.Background(), f.db.Reader(), opportunity.Viewer{}, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (f *soFixture) as(username string) *client {
	c := f.e.client()
	c.signIn(username)
	return c
}

func zh(key string, args ...any) string { return i18n.T(i18n.ZH, key, args...) }

var allChecks = url.Values{"checklist": opportunity.Checklist}

func decision(outcome, reason string, checks []string) url.Values {
	return url.Values{"outcome": {outcome}, "reason": {reason}, "comment": {"资料齐全"}, "checklist": checks}
}

func TestStaffOpportunityReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSOFixture(t, db)
		po := f.submit(t, "核心系统上云", "")
		if po.PSMUserID != userID(t, db, "psm-east") {
			t.Fatalf("routed to %s", po.PSMUserID)
		}
		psm, other, pdm := f.as("psm-east"), f.as("psm-east-2"), f.as("pdm")

		// The queue: the assigned PSM and the partner's PDM see it, another PSM does not.
		resp, body := psm.get("/console/staff/opportunities")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, po.Code) || !strings.Contains(body, "核心系统上云") ||
			!strings.Contains(body, po.ReviewDueAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")) {
			t.Fatalf("the PSM's queue: %d\n%s", resp.StatusCode, body)
		}
		if _, body := other.get("/console/staff/opportunities"); strings.Contains(body, po.Code) {
			t.Error("another PSM's queue shows the PO")
		}
		if _, body := pdm.get("/console/staff/opportunities"); !strings.Contains(body, po.Code) {
			t.Error("the partner's PDM does not see the PO")
		}
		// Filters.
		if _, body := psm.get("/console/staff/opportunities?industry=government"); strings.Contains(body, po.Code) {
			t.Error("the industry filter lets the PO through")
		}
		if _, body := psm.get("/console/staff/opportunities?status=submitted&office=" + f.office.ID + "&q=核心"); !strings.Contains(body, po.Code) {
			t.Error("matching filters hide the PO")
		}

		// Overdue reviews come first, marked, with their due dates.
		second := f.submit(t, "数据湖", "")
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := tx.ExecContext(context.Background(), `UPDATE opportunities SET review_due_at = ? WHERE id = ?`,
				store.Micros(time.Now().Add(-time.Hour)), second.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, body = psm.get("/console/staff/opportunities")
		if i, j := strings.Index(body, second.Code), strings.Index(body, po.Code); i < 0 || j < 0 || i > j ||
			!strings.Contains(body, zh("opportunity_staff.overdue")) {
			t.Errorf("the overdue review is not first and marked:\n%s", body)
		}

		// The review page, in both languages.
		resp, body = psm.get("/console/staff/opportunities/" + po.ID)
		for _, want := range []string{po.Code, "数据迁移服务", "测试代表处", "1,234,567.89", zh("opportunity_staff.start_review"),
			zh("opportunity_staff.no_duplicates"), zh("opportunity_staff.event.submitted"), `name="checklist"`} {
			if !strings.Contains(body, want) {
				t.Errorf("review page lacks %q (%d)", want, resp.StatusCode)
			}
		}

		psm.post("/console/locale", url.Values{"lang": {"en"}, "next": {"/console/staff/opportunities"}})
		_, body = psm.get("/console/staff/opportunities/" + po.ID)
		for _, want := range []string{"Start review", "Possible duplicates", "Timeline", "The partner&#39;s own solution", "Ask for action"} {
			if !strings.Contains(body, want) {
				t.Errorf("the English review page lacks %q", want)
			}
		}
		if _, body := psm.get("/console/staff/opportunities/pipeline"); !strings.Contains(body, "Pipeline by sales stage") {
			t.Error("the English pipeline")
		}
		psm.post("/console/locale", url.Values{"lang": {"zh-CN"}, "next": {"/console/staff/opportunities"}})

		// Another PSM is refused, and nothing changes.
		resp, body = other.post("/console/staff/opportunities/"+po.ID+"/start", nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, zh("opportunity.not_your_review")) {
			t.Errorf("another PSM starts the review: %d", resp.StatusCode)
		}
		resp, body = other.post("/console/staff/opportunities/"+po.ID+"/decide", decision("approve", "", opportunity.Checklist))
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, zh("opportunity.not_your_review")) {
			t.Errorf("another PSM decides: %d", resp.StatusCode)
		}
		if got := f.get(t, po.ID).ReviewStatus; got != opportunity.Submitted {
			t.Fatalf("after the refusals: %s", got)
		}

		resp, _ = psm.post("/console/staff/opportunities/"+po.ID+"/start", nil)
		if resp.StatusCode != http.StatusSeeOther || f.get(t, po.ID).ReviewStatus != opportunity.InReview {
			t.Fatalf("start the review: %d", resp.StatusCode)
		}

		// Refusals next to the fields.
		for _, bad := range []struct {
			form       url.Values
			field, key string
		}{
			{decision("reject", "", nil), "reason", "opportunity.reason_required"},
			{decision("action_required", " ", nil), "reason", "opportunity.reason_required"},
			{decision("approve", "", opportunity.Checklist[:3]), "checklist", "opportunity.checklist_incomplete"},
			{decision("", "", nil), "outcome", "opportunity.outcome_invalid"},
		} {
			resp, body := psm.post("/console/staff/opportunities/"+po.ID+"/decide", bad.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo(bad.field, bad.key)) {
				t.Errorf("%v: %d, want %s next to %s", bad.form, resp.StatusCode, bad.key, bad.field)
			}
		}
		if got := f.get(t, po.ID); got.ReviewStatus != opportunity.InReview || !got.DecidedAt.IsZero() {
			t.Fatalf("after refused decisions: %s", got.ReviewStatus)
		}

		resp, _ = psm.post("/console/staff/opportunities/"+po.ID+"/decide", decision("approve", "", opportunity.Checklist))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d", resp.StatusCode)
		}
		got := f.get(t, po.ID)
		if got.ReviewStatus != opportunity.Approved || len(got.Checklist) != len(opportunity.Checklist) || got.ReviewerComment != "资料齐全" {
			t.Fatalf("approved: %+v", got)
		}
		if a := staffAuditActions(t, db, po.ID); len(a) != 2 || a[0] != "opportunity.review_start" || a[1] != "opportunity.decide" {
			t.Errorf("audit: %v", a)
		}
		_, body = psm.get("/console/staff/opportunities/" + po.ID)
		if !strings.Contains(body, zh("opportunity_staff.decided.approved", po.Code)) || !strings.Contains(body, zh("opportunity.check.own_solution")) {
			t.Errorf("after approval:\n%s", body)
		}
		resp, body = psm.post("/console/staff/opportunities/"+po.ID+"/start", nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, zh("opportunity.not_submitted")) {
			t.Errorf("start the review of an approved PO: %d", resp.StatusCode)
		}
		if _, body := f.as("admin").get("/console/audit?action=opportunity.decide"); !strings.Contains(body, zh("audit.action.opportunity.decide")) ||
			!strings.Contains(body, po.ID) {
			t.Error("the audit log does not label the decision")
		}

		// A second PO for the same customer's project: the first holds it.
		dup := f.submit(t, "核心系统 上云", "")
		_, body = psm.get("/console/staff/opportunities/" + dup.ID)
		if !strings.Contains(body, `href="/console/staff/opportunities/`+po.ID+`"`) {
			t.Error("the duplicate candidate is not linked")
		}
		resp, body = psm.post("/console/staff/opportunities/"+dup.ID+"/decide", decision("approve", "", opportunity.Checklist))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, zh("opportunity.duplicate", po.Code)) {
			t.Errorf("approving a duplicate: %d", resp.StatusCode)
		}
		resp, _ = psm.post("/console/staff/opportunities/"+dup.ID+"/decide", decision("reject", "重复报备", nil))
		if resp.StatusCode != http.StatusSeeOther || f.get(t, dup.ID).ReviewStatus != opportunity.Rejected {
			t.Errorf("reject the duplicate: %d", resp.StatusCode)
		}

		// Who may open these pages.
		for _, who := range []string{"distributor", "finance"} {
			resp, _ := f.as(who).get("/console/staff/opportunities/" + po.ID)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s opens the review page: %d", who, resp.StatusCode)
			}
		}
		// A PDM sees the page but may not decide.
		resp, _ = pdm.post("/console/staff/opportunities/"+po.ID+"/decide", decision("reject", "x", nil))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("the PDM decides: %d", resp.StatusCode)
		}
	})
}

func TestStaffReportProspect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSOFixture(t, db)
		po := f.submit(t, "智慧园区", "未注册客户有限公司")
		bd := f.as("bd")
		resp, body := bd.get("/console/staff/opportunities?scope=all")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, po.Code) {
			t.Fatalf("BD's list: %d", resp.StatusCode)
		}
		_, body = bd.get("/console/staff/opportunities/" + po.ID)
		if !strings.Contains(body, `action="/console/staff/opportunities/`+po.ID+`/report"`) {
			t.Fatal("no report form for a prospect")
		}
		resp, body = bd.post("/console/staff/opportunities/"+po.ID+"/report", url.Values{"crm_lock_until": {"2020-01-01"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("crm_lock_until", "opportunity.lock_future")) {
			t.Errorf("a lock in the past: %d", resp.StatusCode)
		}
		resp, body = bd.post("/console/staff/opportunities/"+po.ID+"/report", url.Values{"crm_lock_until": {"soon"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("crm_lock_until", "opportunity_staff.date_invalid")) {
			t.Errorf("not a date: %d", resp.StatusCode)
		}
		if !f.get(t, po.ID).BDReportedAt.IsZero() {
			t.Fatal("a refused report was recorded")
		}
		until := time.Now().AddDate(0, 6, 0).Format("2006-01-02")
		resp, _ = bd.post("/console/staff/opportunities/"+po.ID+"/report", url.Values{"crm_lock_until": {until}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("report: %d", resp.StatusCode)
		}
		_, body = bd.get("/console/staff/opportunities/" + po.ID)
		if !strings.Contains(body, until) || !strings.Contains(body, zh("opportunity_staff.prospect_locked")) {
			t.Error("the report is not shown")
		}
		if a := staffAuditActions(t, db, po.ID); len(a) != 1 || a[0] != "opportunity.prospect_report" {
			t.Errorf("audit: %v", a)
		}
		// A PO of a registered customer has nothing to report.
		other := f.submit(t, "数据中台", "")
		resp, body = bd.post("/console/staff/opportunities/"+other.ID+"/report", url.Values{"crm_lock_until": {until}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, zh("opportunity.not_prospect")) {
			t.Errorf("report a registered customer: %d", resp.StatusCode)
		}
	})
}

func TestStaffHOSharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSOFixture(t, db)
		admin := f.as("admin")
		if resp, _ := admin.get("/console/staff/opportunities/ho/new"); resp.StatusCode != http.StatusOK {
			t.Fatalf("new HO page: %d", resp.StatusCode)
		}
		close := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
		form := url.Values{"customer_name": {"no-such-account"}, "project_name": {"政务云二期"}, "industry": {"government"},
			"office_id": {f.office.ID}, "products": {f.product}, "amount": {"880000.50"}, "expected_close": {close},
			"contact_name": {"李四"}, "contact_phone": {"13900000000"}}
		for _, bad := range []struct{ field, value, key string }{
			{"customer_name", "no-such-account", "customer.not_found"},
			{"project_name", "", "opportunity.project_required"},
			{"amount", "12.345", "customers.amount_precision"},
			{"expected_close", "31/12/2030", "opportunity_staff.date_invalid"},
		} {
			bf := url.Values{}
			for k, v := range form {
				bf[k] = v
			}
			bf.Set("customer_name", "")
			bf.Set("prospect_name", "某市政务服务中心")
			if bad.field == "customer_name" {
				bf.Set("prospect_name", "")
			}
			bf.Set(bad.field, bad.value)
			resp, body := admin.post("/console/staff/opportunities/ho/new", bf)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo(bad.field, bad.key)) {
				t.Errorf("%s=%q: %d, want %s next to it", bad.field, bad.value, resp.StatusCode, bad.key)
			}
		}
		list, total, err := opportunity.List(context.Background(), db.Reader(), opportunity.Filter{Origin: opportunity.HO, Query: "政务云二期"})
		if err != nil || total != 0 {
			t.Fatalf("refused HOs were created: %d %v", total, err)
		}
		form.Set("customer_name", "")
		form.Set("prospect_name", "某市政务服务中心")
		resp, _ := admin.post("/console/staff/opportunities/ho/new", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create the HO: %d", resp.StatusCode)
		}
		list, _, _ = opportunity.List(context.Background(), db.Reader(), opportunity.Filter{Origin: opportunity.HO, Query: "政务云二期"})
		if len(list) != 1 || list[0].Amount != 880000_50 || list[0].ReviewStatus != opportunity.Approved {
			t.Fatalf("the HO: %+v", list)
		}
		ho := list[0]
		if a := staffAuditActions(t, db, ho.ID); len(a) != 1 || a[0] != "opportunity.ho_create" {
			t.Errorf("audit of the creation: %v", a)
		}

		// The picker says why partners are not eligible: take the demo's
		// distributor out of the programme first, so every reason shows.
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			return opportunity.SetCoselling(context.Background(), tx, partnerID(t, db, "distributor"), false)
		}); err != nil {
			t.Fatal(err)
		}
		sharePath := "/console/staff/opportunities/ho/" + ho.ID + "/share"
		_, body := admin.get(sharePath)
		for _, want := range []string{zh("opportunity.ineligible_programme"), zh("opportunity.ineligible_stage"), zh("opportunity.ineligible_deliveries")} {
			if !strings.Contains(body, want) {
				t.Errorf("the picker lacks the reason %q", want)
			}
		}
		// distributor is differentiated: the programme makes it eligible.
		resp, _ = admin.post("/console/staff/opportunities/coselling", url.Values{"partner_id": {partnerID(t, db, "distributor")}, "member": {"1"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("join the programme: %d", resp.StatusCode)
		}
		_, body = admin.get("/console/staff/opportunities/coselling")
		if !strings.Contains(body, zh("opportunity_staff.coselling_joined", "华东云总经销有限公司")) {
			t.Error("no confirmation of joining the programme")
		}
		if a := staffAuditActions(t, db, partnerID(t, db, "distributor")); len(a) == 0 || a[len(a)-1] != "opportunity.coselling" {
			t.Errorf("audit of the programme: %v", a)
		}

		// Nobody chosen.
		resp, body = admin.post(sharePath, url.Values{"validity_days": {"7"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("partner_ids", "opportunity.share_count")) {
			t.Errorf("share with nobody: %d", resp.StatusCode)
		}
		resp, body = admin.post(sharePath, url.Values{"validity_days": {"0"}, "partner_ids": {partnerID(t, db, "distributor")}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("validity_days", "opportunity_staff.validity_range")) {
			t.Errorf("0 days: %d", resp.StatusCode)
		}
		// An eligible and an ineligible partner: each gets its own result.
		resp, body = admin.post(sharePath, url.Values{"validity_days": {"5"},
			"partner_ids": {partnerID(t, db, "distributor"), partnerID(t, db, "solution")}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="share-results"`) ||
			!strings.Contains(body, `<tr data-partner="solution" class="result-refused">`) ||
			!strings.Contains(body, `<tr data-partner="distributor" class="result-ok">`) ||
			!strings.Contains(body, zh("opportunity.ineligible_stage")) {
			t.Fatalf("share: %d\n%s", resp.StatusCode, body)
		}
		var shared []string
		rows, err := db.Reader().QueryContext(context.Background(), `SELECT p.name FROM opportunity_shares s JOIN partners p ON p.id = s.partner_id WHERE s.opportunity_id = ?`, ho.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			_ = rows.Scan(&n)
			shared = append(shared, n)
		}
		rows.Close()
		if len(shared) != 1 || shared[0] != "distributor" {
			t.Errorf("shared with %v", shared)
		}
		// Only the ineligible one: refused, nothing recorded.
		resp, body = admin.post(sharePath, url.Values{"validity_days": {"5"}, "partner_ids": {partnerID(t, db, "reseller")}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, zh("opportunity.ineligible_deliveries")) {
			t.Errorf("share with an ineligible partner: %d", resp.StatusCode)
		}
		if a := staffAuditActions(t, db, ho.ID); len(a) != 2 || a[1] != "opportunity.ho_share" {
			t.Errorf("audit of the sharing: %v", a)
		}
		// The list and the HO's page show the share state.
		_, body = admin.get("/console/staff/opportunities/ho")
		if !strings.Contains(body, ho.Code) || !strings.Contains(body, zh("opportunity_staff.share.offered")) {
			t.Error("the HO list does not show the share")
		}
		if _, body := admin.get("/console/staff/opportunities/ho?office=elsewhere"); strings.Contains(body, ho.Code) {
			t.Error("the office filter lets the HO through")
		}
		if _, body := admin.get("/console/staff/opportunities/ho?stage=identify&q=二期&office=" + f.office.ID); !strings.Contains(body, ho.Code) {
			t.Error("matching filters hide the HO")
		}
		_, body = admin.get("/console/staff/opportunities/" + ho.ID)
		if !strings.Contains(body, `<tr data-partner="distributor">`) || !strings.Contains(body, zh("opportunity_staff.event.shared")) {
			t.Error("the HO's page does not show the share")
		}
		// Once a partner accepts, the HO is shared no more.
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := opportunity.Accept(context.Background(), tx, partnerID(t, db, "distributor"), "distributor", ho.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		resp, body = admin.post(sharePath, url.Values{"validity_days": {"5"}, "partner_ids": {partnerID(t, db, "distributor")}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, zh("opportunity.not_shareable")) {
			t.Errorf("share an accepted HO: %d", resp.StatusCode)
		}
		if _, body := admin.get("/console/staff/opportunities/ho"); !strings.Contains(body, zh("opportunity_staff.share.accepted")) {
			t.Error("the HO list does not show the acceptance")
		}
		// The PDM may not manage HOs.
		if resp, _ := f.as("pdm").get(sharePath); resp.StatusCode != http.StatusForbidden {
			t.Errorf("the PDM opens the share page: %d", resp.StatusCode)
		}
	})
}

func TestStaffOfficesAndCalendar(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSOFixture(t, db)
		admin := f.as("admin")
		resp, body := admin.get("/console/staff/offices")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "测试代表处") || !strings.Contains(body, `data-psm="psm-east"`) {
			t.Fatalf("offices: %d", resp.StatusCode)
		}
		resp, body = admin.post("/console/staff/offices", url.Values{"name_zh": {"华南代表处"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("name_zh", "opportunity.office_name_required")) {
			t.Errorf("an office without its English name: %d", resp.StatusCode)
		}
		resp, _ = admin.post("/console/staff/offices", url.Values{"name_zh": {"华南代表处"}, "name_en": {"South China office"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add an office: %d", resp.StatusCode)
		}
		offices, _ := opportunity.Offices(context.Background(), db.Reader())
		var south *opportunity.Office
		for _, o := range offices {
			if o.NameEn == "South China office" {
				south = o
			}
		}
		if south == nil {
			t.Fatal("the office was not added")
		}
		resp, _ = admin.post("/console/staff/offices", url.Values{"office_id": {south.ID}, "name_zh": {"广州代表处"}, "name_en": {"Guangzhou office"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("rename: %d", resp.StatusCode)
		}
		resp, body = admin.post("/console/staff/offices/psms", url.Values{"psm_office": {south.ID}, "user_id": {userID(t, db, "bd")}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("user_id", "opportunity.not_psm")) {
			t.Errorf("a BD as PSM: %d", resp.StatusCode)
		}
		resp, _ = admin.post("/console/staff/offices/psms", url.Values{"psm_office": {south.ID}, "user_id": {userID(t, db, "psm-east-2")},
			"industries": {"retail", "internet"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("set a PSM: %d", resp.StatusCode)
		}
		_, body = admin.get("/console/staff/offices")
		if !strings.Contains(body, "广州代表处") || !strings.Contains(body, "零售、互联网") {
			t.Errorf("after adding the PSM:\n%s", body)
		}
		resp, _ = admin.post("/console/staff/offices/psms/remove", url.Values{"office_id": {south.ID}, "user_id": {userID(t, db, "psm-east-2")}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove the PSM: %d", resp.StatusCode)
		}
		if a := staffAuditActions(t, db, south.ID); strings.Join(a, " ") != "opportunity.office_save opportunity.office_save opportunity.office_psm_set opportunity.office_psm_remove" {
			t.Errorf("audit of the office: %v", a)
		}
		offices, _ = opportunity.Offices(context.Background(), db.Reader())
		for _, o := range offices {
			if o.ID == south.ID && (len(o.PSMs) != 0 || o.NameZh != "广州代表处") {
				t.Errorf("the office: %+v", o)
			}
		}

		// The calendar: a holiday on a Thursday, a working Sunday.
		resp, body = admin.post("/console/staff/calendar", url.Values{"day": {"2026-10-03"}, "kind": {"holiday"}, "name": {"国庆节"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("day", "opportunity_staff.holiday_weekday")) {
			t.Errorf("a holiday on a Saturday: %d", resp.StatusCode)
		}
		resp, body = admin.post("/console/staff/calendar", url.Values{"day": {"2026-10-05"}, "kind": {"working"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("day", "opportunity_staff.working_weekend")) {
			t.Errorf("a working Monday: %d", resp.StatusCode)
		}
		for _, add := range []url.Values{{"day": {"2026-10-01"}, "kind": {"holiday"}, "name": {"国庆节"}}, {"day": {"2026-09-27"}, "kind": {"working"}, "name": {"国庆调休"}}} {
			if resp, _ := admin.post("/console/staff/calendar", add); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("add %v: %d", add, resp.StatusCode)
			}
		}
		_, body = admin.get("/console/staff/calendar?year=2026")
		if !strings.Contains(body, `data-day="2026-10-01"`) || !strings.Contains(body, "国庆节") || !strings.Contains(body, `data-day="2026-09-27"`) ||
			!strings.Contains(body, zh("opportunity_staff.weekday.thursday")) {
			t.Errorf("the calendar of 2026:\n%s", body)
		}
		if _, body := admin.get("/console/staff/calendar?year=2027"); strings.Contains(body, `data-day="2026-10-01"`) || !strings.Contains(body, `<strong id="calendar-year">2027</strong>`) {
			t.Error("2027 shows 2026's days")
		}
		cal, _ := opportunity.LoadCalendar(context.Background(), db.Reader())
		oct1, _ := time.ParseInLocation("2006-01-02", "2026-10-01", ledger.BillingZone)
		sep27, _ := time.ParseInLocation("2006-01-02", "2026-09-27", ledger.BillingZone)
		if cal.Working(ledger.DayOf(oct1)) || !cal.Working(ledger.DayOf(sep27)) {
			t.Error("the review calendar does not have the days")
		}
		resp, _ = admin.post("/console/staff/calendar/remove", url.Values{"day": {"2026-10-01"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d", resp.StatusCode)
		}
		if _, body := admin.get("/console/staff/calendar?year=2026"); strings.Contains(body, `data-day="2026-10-01"`) {
			t.Error("the removed day is still listed")
		}
		if a := staffAuditActions(t, db, "2026-10-01"); strings.Join(a, " ") != "opportunity.calendar_set opportunity.calendar_remove" {
			t.Errorf("audit of the day: %v", a)
		}
		_, body = admin.get("/console/audit?action=opportunity.calendar_set")
		if !strings.Contains(body, zh("audit.action.opportunity.calendar_set")) || !strings.Contains(body, zh("opportunity_staff.calendar_kind.holiday")) ||
			!strings.Contains(body, zh("opportunity_staff.calendar_kind.working")) || !strings.Contains(body, "国庆调休") {
			t.Errorf("the audit log of the calendar:\n%s", body)
		}
		if resp, _ := f.as("pdm").get("/console/staff/calendar"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("the PDM opens the calendar: %d", resp.StatusCode)
		}
	})
}

func TestStaffPipeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSOFixture(t, db)
		po := f.submit(t, "灾备中心", "")
		psm := f.as("psm-east")
		if resp, _ := psm.post("/console/staff/opportunities/"+po.ID+"/decide", decision("approve", "", opportunity.Checklist)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d", resp.StatusCode)
		}
		resp, body := psm.get("/console/staff/opportunities/pipeline?office=" + f.office.ID)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<svg id="funnel-chart" role="img" aria-labelledby="funnel-title funnel-desc"`) {
			t.Fatalf("pipeline: %d\n%s", resp.StatusCode, body)
		}
		identify := zh("opportunity.stage.identify")
		if !strings.Contains(body, `<tr data-stage="`+identify+`"><th scope="row">`+identify+`</th><td class="num">1</td><td class="num">1,234,567.89</td></tr>`) {
			t.Errorf("the funnel's figures of the office:\n%s", body)
		}
		if !strings.Contains(body, zh("opportunity_staff.funnel_bar", 1, "1,234,567.89")) {
			t.Error("the bar is not labelled with its count and amount")
		}
		if !strings.Contains(body, `<tr data-group="测试代表处"><td>测试代表处</td><td class="num">1</td><td class="num">0</td><td class="num">1,234,567.89</td></tr>`) {
			t.Error("the totals by office")
		}
		if !strings.Contains(body, `data-group="华东代表处 PSM (psm-east)"`) {
			t.Error("the totals by PSM")
		}
		if resp, _ := f.as("distributor").get("/console/staff/opportunities/pipeline"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a partner opens the provider's pipeline: %d", resp.StatusCode)
		}
	})
}
