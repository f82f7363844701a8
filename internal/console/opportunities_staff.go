package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// The provider's back office for co-selling (机会点管理): 商机审核, the
// queue of POs a PSM reviews (and, for a PDM, the POs of its partners and
// the central PDM queue) with the review page (all fields, the timeline,
// duplicate candidates, 开始审核 and the decision with the checklist); HOs
// (create, share with eligible partners, the co-selling programme); the
// provider's pipeline; and the settings of review routing (offices and
// their PSMs, the working-day calendar of the review SLA). Every rule is
// the opportunity package's; each change is recorded in the audit log in
// the same transaction.

const (
	soPath          = "/console/staff/opportunities"
	soHOPath        = soPath + "/ho"
	soCosellingPath = soPath + "/coselling"
	soPipelinePath  = soPath + "/pipeline"
	soOfficesPath   = "/console/staff/offices"
	soCalendarPath  = "/console/staff/calendar"
)

// soActions are the audit actions of these pages, offered by the audit
// log's filter.
var soActions = []string{"opportunity.review_start", "opportunity.decide", "opportunity.prospect_report", "opportunity.ho_create",
	"opportunity.ho_share", "opportunity.coselling", "opportunity.office_save", "opportunity.office_psm_set",
	"opportunity.office_psm_remove", "opportunity.calendar_set", "opportunity.calendar_remove"}

// soAuditFields name the fields of these actions' audit summaries.
var soAuditFields = map[string]string{
	"code": "opportunity_staff.code", "review_status": "opportunity_staff.review_status", "sales_stage": "opportunity_staff.sales_stage",
	"checklist": "opportunity_staff.checklist", "reason": "opportunity_staff.reason", "comment": "opportunity_staff.comment",
	"prospect_name": "opportunity_staff.prospect_name", "crm_lock_until": "opportunity_staff.crm_lock_until",
	"customer": "opportunity_staff.customer", "project_name": "opportunity_staff.project_name", "industry": "opportunity_staff.industry",
	"office_id": "opportunity_staff.office", "products": "opportunity_staff.products", "amount": "opportunity_staff.amount",
	"expected_close": "opportunity_staff.expected_close", "shared": "opportunity_staff.shared_ok", "refused": "opportunity_staff.refused",
	"validity_days": "opportunity_staff.validity_days", "coselling": "opportunity_staff.coselling",
	"name_zh": "opportunity_staff.office_name_zh", "name_en": "opportunity_staff.office_name_en", "user_id": "opportunity_staff.psm",
	"industries": "opportunity_staff.industries", "day": "opportunity_staff.date", "working": "opportunity_staff.calendar_kind",
}

func init() {
	knownActions = append(knownActions, soActions...)
	for field, label := range soAuditFields {
		if _, taken := summaryFields[field]; !taken {
			summaryFields[field] = summaryField{label: label}
		}
	}
	if f, ok := summaryFields["review_status"]; ok && f.value == nil {
		summaryFields["review_status"] = summaryField{f.label, func(v string) string { return "opportunity.review." + v }}
	}
	if f, ok := summaryFields["working"]; ok && f.value == nil {
		summaryFields["working"] = summaryField{f.label, func(v string) string {
			if v == "true" {
				return "opportunity_staff.calendar_kind.working"
			}
			return "opportunity_staff.calendar_kind.holiday"
		}}
	}
}

// staffOpportunityRoutes registers the back office's co-selling pages.
func (h *handler) staffOpportunityRoutes() {
	review, manage := perms(auth.PermStaffOpportunityReview), perms(auth.PermStaffOpportunities)
	either := perms(auth.PermStaffOpportunityReview, auth.PermStaffOpportunities)
	h.page("GET "+soPath, either, h.soQueuePage)
	h.page("GET "+soPath+"/{id}", either, h.soDetailPage)
	h.page("POST "+soPath+"/{id}/start", review, h.soStartReview)
	h.page("POST "+soPath+"/{id}/decide", review, h.soDecide)
	h.page("POST "+soPath+"/{id}/report", manage, h.soReportProspect)
	h.page("GET "+soHOPath, manage, h.soHOListPage)
	h.pageAndForm(soHOPath+"/new", manage, h.soNewHOPage)
	h.pageAndForm(soHOPath+"/{id}/share", manage, h.soSharePage)
	h.page("GET "+soCosellingPath, manage, h.soCosellingPage)
	h.page("POST "+soCosellingPath, manage, h.soSetCoselling)
	h.page("GET "+soPipelinePath, either, h.soPipelinePage)
	h.page("GET "+soOfficesPath, manage, h.soOfficesPage)
	h.page("POST "+soOfficesPath, manage, h.soSaveOffice)
	h.page("POST "+soOfficesPath+"/psms", manage, h.soSetOfficePSM)
	h.page("POST "+soOfficesPath+"/psms/remove", manage, h.soRemoveOfficePSM)
	h.page("GET "+soCalendarPath, manage, h.soCalendarPage)
	h.page("POST "+soCalendarPath, manage, h.soAddCalendarDay)
	h.page("POST "+soCalendarPath+"/remove", manage, h.soRemoveCalendarDay)
}

// soNames names what opportunities refer to by id: offices, staff,
// service types.
type soNames struct {
	lang    i18n.Lang
	offices []*opportunity.Office
	staff   map[string]*auth.User
	cat     *catalogueNames
}

func (h *handler) soLoadNames(c *call) (*soNames, error) {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	n := &soNames{lang: c.lang, staff: map[string]*auth.User{}}
	var err error
	if n.offices, err = opportunity.Offices(ctx, q); err != nil {
		return nil, err
	}
	staff, err := auth.ListStaff(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, u := range staff {
		n.staff[u.ID] = u
	}
	if n.cat, err = loadCatalogueNames(ctx, q, c.lang); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *soNames) office(id string) string {
	for _, o := range n.offices {
		if o.ID == id {
			if n.lang == i18n.EN {
				return o.NameEn
			}
			return o.NameZh
		}
	}
	return id
}

func (n *soNames) officeOptions() []option {
	out := []option{}
	for _, o := range n.offices {
		out = append(out, option{Value: o.ID, Label: n.office(o.ID)})
	}
	return out
}

// user names a member of staff; an actor that is no staff id (the system,
// a partner's user) stays as recorded.
func (n *soNames) user(id string) string {
	if u, ok := n.staff[id]; ok {
		return u.DisplayName + " (" + u.Username + ")"
	}
	return id
}

func (n *soNames) products(codes []string) string {
	out := make([]string, len(codes))
	for i, code := range codes {
		out[i] = n.cat.service(code)
	}
	return strings.Join(out, "、")
}

func soIndustryOptions(lang i18n.Lang) []option {
	return optionsOf(lang, opportunity.Industries, func(s string) string { return "opportunity.industry." + s })
}

// soDay is a billing day as the date inputs show it.
func soDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ledger.BillingZone).Format("2006-01-02")
}

// soParseDay reads a date input as the start of that billing day.
func soParseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), ledger.BillingZone)
	return t, err == nil
}

// soRow is an opportunity as the back office's lists show it.
type soRow struct {
	*opportunity.Opportunity
	Office, Industry, Status, Stage, PSM, PDM string
	Overdue                                   bool
	Due                                       string
}

func (n *soNames) row(o *opportunity.Opportunity, now time.Time) soRow {
	r := soRow{Opportunity: o, Office: n.office(o.OfficeID), Industry: i18n.T(n.lang, "opportunity.industry."+o.Industry),
		Status: i18n.T(n.lang, "opportunity.review."+o.ReviewStatus), Stage: i18n.T(n.lang, "opportunity.stage."+o.SalesStage),
		PSM: n.user(o.PSMUserID), Overdue: o.Overdue(now), Due: soDay(o.ReviewDueAt)}
	if o.Industry == "" {
		r.Industry = "-"
	}
	switch {
	case o.PDMUserID != "":
		r.PDM = n.user(o.PDMUserID)
	case o.PDMQueue:
		r.PDM = i18n.T(n.lang, "opportunity_staff.pdm_queue")
	}
	return r
}

// soQueueView is 商机审核.
type soQueueView struct {
	Tabs     []tab
	All      bool
	Statuses []option
	Offices  []option
	Industry []option
	Rows     []soRow
	Pager    pager
	Reset    string
}

func (h *handler) soQueuePage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	names, err := h.soLoadNames(c)
	if err != nil {
		return err
	}
	f := newForm(c.r.URL.Query())
	reviewer := c.p.Can(auth.PermStaffOpportunityReview)
	all := f.Get("scope") == "all" || !reviewer
	if all && !c.p.Can(auth.PermStaffOpportunities) {
		all = false
	}
	now := h.app.DB.Now()
	filter := opportunity.QueueFilter{All: all, ReviewStatus: f.Get("status"), OfficeID: f.Get("office"), Industry: f.Get("industry"),
		Query: f.Get("q"), Now: now, Limit: pageSize}
	if !all {
		if c.p.HasRole(auth.StaffPSM) {
			filter.PSMUserID = c.p.UserID
		}
		if c.p.HasRole(auth.StaffPDM) {
			filter.PDMUserID = c.p.UserID
		}
	}
	page, offset := pageOf(c.r)
	filter.Offset = offset
	list, total, more, err := opportunity.ReviewQueue(ctx, q, filter)
	if err != nil {
		return err
	}
	v := soQueueView{All: all, Offices: names.officeOptions(), Industry: soIndustryOptions(c.lang),
		Pager: newPagerAtLeast(c.r, page, total, more, len(list)), Reset: soPath}
	if all {
		v.Reset += "?scope=all"
	}
	for _, s := range opportunity.ReviewStatuses {
		if s != opportunity.Draft {
			v.Statuses = append(v.Statuses, option{Value: s, Label: c.t("opportunity.review." + s)})
		}
	}
	if reviewer && c.p.Can(auth.PermStaffOpportunities) {
		v.Tabs = []tab{{Label: "opportunity_staff.tab_mine", Href: soPath, Active: !all},
			{Label: "opportunity_staff.tab_all", Href: soPath + "?scope=all", Active: all}}
	}
	for _, o := range list {
		v.Rows = append(v.Rows, names.row(o, now))
	}
	return c.render(http.StatusOK, "opportunities_staff", &view{Title: "opportunity_staff.queue_title", Active: soPath, Form: f, Data: v})
}

// soDetailView is the review page of a PO, or the page of an HO.
type soDetailView struct {
	Row        soRow
	Customer   string
	Products   string
	Amount     string
	Close      string
	Timeline   []soEvent
	Duplicates []soRow
	Shares     []soShareRow
	Checklist  []option
	Outcomes   []option
	CanStart   bool
	CanDecide  bool
	Assigned   bool // the signed-in user is the PSM the PO is routed to
	CanReport  bool
	Reported   string
	LockUntil  string
	Released   bool
	DecideForm *form
	ReportForm *form
}

type soEvent struct {
	At      time.Time
	Actor   string
	Action  string
	Changes []fieldChange
	Comment string
}

type soShareRow struct {
	opportunity.ShareState
	Label, Shared, Expires string
}

func (c *call) soShareRow(s opportunity.ShareState) soShareRow {
	return soShareRow{ShareState: s, Label: c.t("opportunity_staff.share." + s.Status), Shared: i18n.DateTime(s.SharedAt, c.loc),
		Expires: i18n.DateTime(s.ExpiresAt, c.loc)}
}

// soFieldLabels name the fields of the timeline's changes.
var soFieldLabels = map[string]string{
	"customer_id": "opportunity_staff.customer", "prospect_name": "opportunity_staff.prospect_name",
	"project_name": "opportunity_staff.project_name", "industry": "opportunity_staff.industry", "office_id": "opportunity_staff.office",
	"products": "opportunity_staff.products", "amount": "opportunity_staff.amount", "expected_close": "opportunity_staff.expected_close",
	"partner_solution": "opportunity_staff.partner_solution", "customer_consent": "opportunity_staff.customer_consent",
	"contact_name": "opportunity_staff.contact_name", "contact_phone": "opportunity_staff.contact_phone",
	"description": "opportunity_staff.description", "review_status": "opportunity_staff.review_status",
	"sales_stage": "opportunity_staff.sales_stage", "partner": "opportunity_staff.partner",
}

func (n *soNames) changeValue(field, v string) string {
	if v == "" {
		return ""
	}
	switch field {
	case "review_status":
		return i18n.T(n.lang, "opportunity.review."+v)
	case "sales_stage":
		return i18n.T(n.lang, "opportunity.stage."+v)
	case "industry":
		return i18n.T(n.lang, "opportunity.industry."+v)
	case "office_id":
		return n.office(v)
	case "products":
		return n.products(strings.Split(v, ","))
	}
	return v
}

func (h *handler) soDetailPage(c *call) error {
	return h.soRenderDetail(c, http.StatusOK, nil, nil)
}

// soRenderDetail shows an opportunity with the decision and report forms
// (as submitted, when one was refused).
func (h *handler) soRenderDetail(c *call, status int, decide, report *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	o, err := opportunity.Get(ctx, q, opportunity.Viewer{}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if o.Origin == opportunity.PO && o.ReviewStatus == opportunity.Draft {
		return opportunity.ErrNotFound // a draft is the partner's own
	}
	names, err := h.soLoadNames(c)
	if err != nil {
		return err
	}
	now := h.app.DB.Now()
	v := soDetailView{Row: names.row(o, now), Customer: o.CustomerName, Products: names.products(o.Products), Amount: money.Format(o.Amount),
		Close: soDay(o.ExpectedClose), DecideForm: decide, ReportForm: report}
	if o.CustomerID != "" {
		v.Customer += " (" + o.CustomerID + ")"
	}
	events, err := opportunity.Timeline(ctx, q, o.ID)
	if err != nil {
		return err
	}
	for _, e := range events {
		ev := soEvent{At: e.At, Actor: names.user(e.Actor), Action: c.t("opportunity_staff.event." + e.Action), Comment: e.Comment}
		if !i18n.Has("opportunity_staff.event." + e.Action) {
			ev.Action = e.Action
		}
		fields := make([]string, 0, len(e.Changes))
		for k := range e.Changes {
			fields = append(fields, k)
		}
		sort.Strings(fields)
		for _, k := range fields {
			label := k
			if key, ok := soFieldLabels[k]; ok {
				label = c.t(key)
			}
			ev.Changes = append(ev.Changes, fieldChange{Field: label, Before: names.changeValue(k, e.Changes[k][0]),
				After: names.changeValue(k, e.Changes[k][1])})
		}
		v.Timeline = append(v.Timeline, ev)
	}
	dups, err := opportunity.Duplicates(ctx, q, o)
	if err != nil {
		return err
	}
	for _, d := range dups {
		v.Duplicates = append(v.Duplicates, names.row(d, now))
	}
	if o.Origin == opportunity.HO {
		shares, err := opportunity.SharesOf(ctx, q, []string{o.ID}, now)
		if err != nil {
			return err
		}
		for _, s := range shares[o.ID] {
			v.Shares = append(v.Shares, c.soShareRow(s))
		}
	}
	reviewer := c.p.Can(auth.PermStaffOpportunityReview)
	open := o.Origin == opportunity.PO && (o.ReviewStatus == opportunity.Submitted || o.ReviewStatus == opportunity.InReview)
	v.Assigned = o.PSMUserID == c.p.UserID
	v.CanStart = reviewer && o.Origin == opportunity.PO && o.ReviewStatus == opportunity.Submitted
	v.CanDecide = reviewer && open
	v.Checklist = optionsOf(c.lang, opportunity.Checklist, func(s string) string { return "opportunity.check." + s })
	v.Outcomes = optionsOf(c.lang, []string{opportunity.Approve, opportunity.RequireAction, opportunity.Reject},
		func(s string) string { return "opportunity_staff.outcome." + s })
	if v.DecideForm == nil {
		v.DecideForm = newForm(url.Values{"checklist": o.Checklist})
	}
	if o.Origin == opportunity.PO && o.CustomerID != "" || o.Origin == opportunity.HO {
		v.CanReport = false
	} else if o.BDReportedAt.IsZero() {
		v.CanReport = c.p.Can(auth.PermStaffOpportunities)
	} else {
		v.Reported, v.LockUntil, v.Released = i18n.DateTime(o.BDReportedAt, c.loc), soDay(o.CRMLockUntil), o.ProspectReleased(now)
	}
	if v.ReportForm == nil {
		v.ReportForm = newForm(nil)
	}
	title := "opportunity_staff.review_title"
	active := soPath
	if o.Origin == opportunity.HO {
		title, active = "opportunity_staff.ho_title", soHOPath
	}
	return c.render(status, "opportunities_staff_detail", &view{Title: title, Active: active, Data: v})
}

// soRefused puts a refusal on a form: the domain's invalid fields next to
// them, a conflict or a refusal to review at the top (with 403 for the
// latter). It returns the status to answer with, or an error for the error
// page.
func soRefused(c *call, f *form, err error) (int, error) {
	if e, ok := apperr.As(err); ok && e.Code == apperr.Forbidden {
		f.Error = c.errText(e)
		return http.StatusForbidden, nil
	}
	if err := f.take(c, err); err != nil {
		return 0, err
	}
	return http.StatusUnprocessableEntity, nil
}

func soAuditOpportunity(o *opportunity.Opportunity) map[string]any {
	return map[string]any{"code": o.Code, "review_status": o.ReviewStatus, "sales_stage": o.SalesStage}
}

func (h *handler) soStartReview(c *call) error {
	id := c.r.PathValue("id")
	f := newForm(c.postForm())
	var o *opportunity.Opportunity
	err := c.h.app.DB.InTx(c.r.Context(), func(tx *store.Tx) error {
		ctx := c.r.Context()
		before, err := opportunity.Get(ctx, tx, opportunity.Viewer{}, id)
		if err != nil {
			return err
		}
		if o, err = opportunity.StartReview(ctx, tx, c.p.UserID, c.p.Username, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: o.PartnerID, Action: "opportunity.review_start", ObjectType: "opportunity",
			ObjectID: o.ID, Before: soAuditOpportunity(before), After: soAuditOpportunity(o)})
	})
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return err
		}
		status, err := soRefused(c, f, err)
		if err != nil {
			return err
		}
		return h.soRenderDetail(c, status, f, nil)
	}
	return c.done("opportunity_staff.review_started", soPath+"/"+o.ID, o.Code)
}

func (h *handler) soDecide(c *call) error {
	id := c.r.PathValue("id")
	f := newForm(c.postForm())
	d := opportunity.Decision{Outcome: f.Get("outcome"), Reason: f.Get("reason"), Comment: f.Get("comment")}
	for _, item := range f.Values["checklist"] {
		if item = strings.TrimSpace(item); item != "" && !slices.Contains(d.Checklist, item) {
			d.Checklist = append(d.Checklist, item)
		}
	}
	if d.Outcome == "" {
		f.fieldError("outcome", c.t("opportunity.outcome_invalid"))
		return h.soRenderDetail(c, http.StatusUnprocessableEntity, f, nil)
	}
	var o *opportunity.Opportunity
	err := c.h.app.DB.InTx(c.r.Context(), func(tx *store.Tx) error {
		ctx := c.r.Context()
		before, err := opportunity.Get(ctx, tx, opportunity.Viewer{}, id)
		if err != nil {
			return err
		}
		if o, err = opportunity.Decide(ctx, tx, c.p.UserID, c.p.Username, id, d); err != nil {
			return err
		}
		after := soAuditOpportunity(o)
		after["checklist"], after["reason"], after["comment"] = strings.Join(o.Checklist, ","), o.DecisionReason, o.ReviewerComment
		return audit.Record(ctx, tx, audit.Change{PartnerID: o.PartnerID, Action: "opportunity.decide", ObjectType: "opportunity",
			ObjectID: o.ID, Before: soAuditOpportunity(before), After: after})
	})
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return err
		}
		status, err := soRefused(c, f, err)
		if err != nil {
			return err
		}
		return h.soRenderDetail(c, status, f, nil)
	}
	return c.done("opportunity_staff.decided."+o.ReviewStatus, soPath+"/"+o.ID, o.Code)
}

func (h *handler) soReportProspect(c *call) error {
	id := c.r.PathValue("id")
	f := newForm(c.postForm())
	until, ok := soParseDay(f.Get("crm_lock_until"))
	if !ok {
		f.fieldError("crm_lock_until", c.t("opportunity_staff.date_invalid"))
		return h.soRenderDetail(c, http.StatusUnprocessableEntity, nil, f)
	}
	var o *opportunity.Opportunity
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if o, err = opportunity.ReportProspect(ctx, tx, c.p.Username, id, until); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: o.PartnerID, Action: "opportunity.prospect_report", ObjectType: "opportunity",
			ObjectID: o.ID, After: map[string]any{"code": o.Code, "prospect_name": o.ProspectName, "crm_lock_until": soDay(o.CRMLockUntil)}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.soRenderDetail(c, http.StatusUnprocessableEntity, nil, f)
	}
	return c.done("opportunity_staff.prospect_reported", soPath+"/"+o.ID, o.Code)
}
