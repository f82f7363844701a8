package console

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/exports"
	"partnercenter/internal/jobs"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// 机会点管理 (销售 > 机会点管理, seed snippet 4): the partner's own
// opportunities (商机报备 / 创建商机 / 查询商机) with query conditions,
// paging, the funnel of its pipeline and an export of the query's results;
// the HOs the provider shared with it (HO 共享), to accept or decline; and
// the exports it started. The main account holds the permission, a
// sub-account gets it with the role 机会点管理. Another partner's
// opportunity answers not found: every read goes through the partner's
// opportunity.Viewer.

const oppsPath = "/console/opportunities"

func init() {
	// 我的导出 of 资金管理 names these exports too.
	exportTitles[opportunity.ExportKind] = "export.opportunities.title"
}

// opportunityRoutes registers the pages' routes.
func (h *handler) opportunityRoutes() {
	need := perms(auth.PermOpportunity)
	h.page("GET "+oppsPath, need, h.opportunitiesPage)
	h.page("GET "+oppsPath+"/offers", need, h.offersPage)
	h.page("GET "+oppsPath+"/exports", need, h.opportunityExports)
	h.page("POST "+oppsPath+"/exports", need, h.createOpportunityExport)
	h.page("GET "+oppsPath+"/exports/{id}/download", need, h.downloadOpportunityExport)
	h.pageAndForm(oppsPath+"/new", need, h.newOpportunityPage)
	h.page("GET "+oppsPath+"/{id}", need, h.opportunityPage)
	h.pageAndForm(oppsPath+"/{id}/edit", need, h.editOpportunityPage)
	h.page("POST "+oppsPath+"/{id}/submit", need, h.submitOpportunity)
	h.page("POST "+oppsPath+"/{id}/stage", need, h.setOpportunityStage)
	h.page("POST "+oppsPath+"/{id}/delivered", need, h.markOpportunityDelivered)
	h.page("GET "+oppsPath+"/{id}/offer", need, h.offerPage)
	h.page("POST "+oppsPath+"/{id}/accept", need, h.acceptOffer)
	h.pageAndForm(oppsPath+"/{id}/decline", need, h.declineOfferPage)
}

// oppsView is what opportunities.html shows on each tab.
type oppsView struct {
	Tab  string
	Tabs []tab

	Reviews, Stages, Industries, OfferStatuses []option
	Reset                                      string

	// 我的商机.
	Rows   []oppRow
	Funnel *funnelChart
	Export *exportForm
	Pager  pager

	// HO 共享.
	Offers []offerRow

	// 导出记录.
	Exports *exportsView
}

// oppRow is one opportunity of the list with its labels.
type oppRow struct {
	*opportunity.Opportunity
	Origin, Review, Stage, Industry string
	Href                            string
}

// offerRow is one HO offered to the partner.
type offerRow struct {
	*opportunity.Offer
	Industry, StatusText string
	Href                 string
}

func (c *call) oppsTabs(active string) []tab {
	return []tab{
		{Label: "opps.tab.mine", Href: oppsPath, Active: active == "mine"},
		{Label: "opps.tab.offers", Href: oppsPath + "/offers", Active: active == "offers"},
		{Label: "opps.tab.exports", Href: oppsPath + "/exports", Active: active == "exports"},
	}
}

func (c *call) renderOpps(status int, v *oppsView, f *form) error {
	v.Tabs = c.oppsTabs(v.Tab)
	if f == nil {
		f = newForm(nil)
	}
	return c.render(status, "opportunities", &view{Title: "opps.title", Active: oppsPath, Form: f, Data: v})
}

// Label keys of the domain's values.
func reviewKey(s string) string      { return "opportunity.review." + s }
func oppStageKey(s string) string    { return "opportunity.stage." + s }
func industryKey(s string) string    { return "opportunity.industry." + s }
func lostKey(s string) string        { return "opportunity.lost." + s }
func offerStatusKey(s string) string { return "opps.offer.status." + s }
func originKey(s string) string      { return "opps.origin." + strings.ToLower(s) }

func (c *call) oppRow(o *opportunity.Opportunity) oppRow {
	return oppRow{Opportunity: o, Origin: c.t(originKey(o.Origin)), Review: c.t(reviewKey(o.ReviewStatus)),
		Stage: c.t(oppStageKey(o.SalesStage)), Industry: c.industryName(o.Industry), Href: oppsPath + "/" + o.ID}
}

func (c *call) industryName(s string) string {
	if s == "" {
		return "-"
	}
	return c.t(industryKey(s))
}

func (h *handler) opportunitiesPage(c *call) error {
	return h.renderOpportunities(c, http.StatusOK, newForm(c.r.URL.Query()))
}

// oppFilter reads the query conditions of 我的商机, putting a bad one's
// message next to its field.
func (c *call) oppFilter(f *form) (opportunity.Filter, error) {
	filter := opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: c.p.PartnerID}, Query: f.Get("q"), Limit: pageSize}
	choose := func(field string, allowed []string) string {
		v := f.Get(field)
		if v != "" && !slices.Contains(allowed, v) {
			f.fieldError(field, c.t("form.invalid"))
			return ""
		}
		return v
	}
	filter.ReviewStatus = choose("review_status", opportunity.ReviewStatuses)
	filter.SalesStage = choose("sales_stage", opportunity.SalesStages)
	filter.Industry = choose("industry", opportunity.Industries)
	var err error
	if filter.CreatedFrom, filter.CreatedTo, err = dateRange(c, f); err != nil {
		return filter, err
	}
	return filter, nil
}

func (c *call) oppOptions(v *oppsView) {
	v.Reviews = optionsOf(c.lang, opportunity.ReviewStatuses, reviewKey)
	v.Stages = optionsOf(c.lang, opportunity.SalesStages, oppStageKey)
	v.Industries = optionsOf(c.lang, opportunity.Industries, industryKey)
}

func (h *handler) renderOpportunities(c *call, status int, f *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	v := &oppsView{Tab: "mine", Reset: oppsPath}
	c.oppOptions(v)
	filter, err := c.oppFilter(f)
	if err != nil {
		return err
	}
	page, offset := pageOf(c.r)
	filter.Offset = offset
	var list []*opportunity.Opportunity
	total := 0
	if f.ok() {
		if list, total, err = opportunity.List(ctx, q, filter); err != nil {
			return err
		}
		v.Export = exportOf(oppsPath+"/exports", f, "q", "review_status", "sales_stage", "industry", "from", "to")
	}
	v.Pager = newPager(c.r, page, total)
	for _, o := range list {
		v.Rows = append(v.Rows, c.oppRow(o))
	}
	stages, err := opportunity.Funnel(ctx, q, opportunity.Viewer{PartnerID: c.p.PartnerID}, "", "")
	if err != nil {
		return err
	}
	v.Funnel = c.funnel(stages)
	return c.renderOpps(status, v, f)
}

// offersPage is HO 共享: the HOs offered to the partner, the customer's
// contact hidden until it accepts.
func (h *handler) offersPage(c *call) error {
	f := newForm(c.r.URL.Query())
	v := &oppsView{Tab: "offers", Reset: oppsPath + "/offers"}
	statuses := []string{opportunity.ShareOffered, opportunity.ShareAccepted, opportunity.ShareRejected, opportunity.ShareExpired,
		opportunity.ShareWithdrawn}
	v.OfferStatuses = optionsOf(c.lang, statuses, offerStatusKey)
	status := f.Get("status")
	if status != "" && !slices.Contains(statuses, status) {
		f.fieldError("status", c.t("form.invalid"))
		status = ""
	}
	offers, err := h.offers(c, status)
	if err != nil {
		return err
	}
	for _, o := range offers {
		v.Offers = append(v.Offers, c.offerRow(o))
	}
	return c.renderOpps(http.StatusOK, v, f)
}

// offers lists the partner's offers with the status their expiry gives
// them now: an offer past its validity is expired even before housekeeping
// marks it so.
func (h *handler) offers(c *call, status string) ([]*opportunity.Offer, error) {
	query := status
	if status == opportunity.ShareExpired {
		query = ""
	}
	list, err := opportunity.Offers(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, query)
	if err != nil {
		return nil, err
	}
	now := h.app.DB.Now()
	out := list[:0]
	for _, o := range list {
		if o.Status == opportunity.ShareOffered && !now.Before(o.ExpiresAt) {
			o.Status = opportunity.ShareExpired
		}
		if status == "" || o.Status == status {
			out = append(out, o)
		}
	}
	return out, nil
}

func (c *call) offerRow(o *opportunity.Offer) offerRow {
	href := oppsPath + "/" + o.Opportunity.ID + "/offer"
	if o.Status == opportunity.ShareAccepted {
		href = oppsPath + "/" + o.Opportunity.ID
	}
	return offerRow{Offer: o, Industry: c.industryName(o.Opportunity.Industry), StatusText: c.t(offerStatusKey(o.Status)), Href: href}
}

func (h *handler) opportunityExports(c *call) error {
	v, err := h.exportList(c, "/console/opportunities/exports", opportunity.ExportKind)
	if err != nil {
		return err
	}
	return c.renderOpps(http.StatusOK, &oppsView{Tab: "exports", Exports: v}, nil)
}

// createOpportunityExport starts the export of the opportunities the
// conditions select, checked as the list checks them; refused conditions
// show the list again with their messages.
func (h *handler) createOpportunityExport(c *call) error {
	f := newForm(c.postForm())
	filter, err := c.oppFilter(f)
	if err != nil {
		return err
	}
	params := opportunity.ExportParams{ReviewStatus: filter.ReviewStatus, SalesStage: filter.SalesStage, Industry: filter.Industry,
		Query: filter.Query, CreatedFrom: filter.CreatedFrom, CreatedTo: filter.CreatedTo}
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		e, err := exports.Create(ctx, tx, c.p.PartnerID, c.p.UserID, opportunity.ExportKind, f.Get("format"), string(c.lang), params)
		if err != nil {
			return err
		}
		if err := h.background(ctx, tx, jobs.ExportArgs{ID: e.ID}, func(ctx context.Context) error { return exports.Run(ctx, h.app.DB, e.ID) }); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "export.create", ObjectType: "export", ObjectID: e.ID,
			After: map[string]any{"kind": opportunity.ExportKind, "format": e.Format}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		c.r.URL = &url.URL{Path: oppsPath, RawQuery: f.Values.Encode()}
		return h.renderOpportunities(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("opps.export_created", oppsPath+"/exports")
}

func (h *handler) downloadOpportunityExport(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	e, err := exports.Get(ctx, q, c.p.PartnerID, c.p.UserID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if e.Kind != opportunity.ExportKind {
		return apperr.NotFoundf("exports.not_found", "export not found")
	}
	if e.Status != exports.Done {
		return apperr.New(apperr.Conflict, "exports.not_ready", "the file is not ready yet")
	}
	return c.attachment(e.FileName, e.ContentType(), e.Size, func(w io.Writer) error { return exports.WriteFile(ctx, q, e, w) })
}

// dayText is a day as the date inputs read and write it.
func dayText(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02")
}

// officeOptions are the offices of a select, named in the user's language,
// and their names by id.
func (c *call) officeOptions(ctx context.Context, q store.Queryer) ([]option, map[string]string, error) {
	offices, err := opportunity.Offices(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	var out []option
	for _, o := range offices {
		name := o.NameZh
		if c.lang != i18n.ZH {
			name = o.NameEn
		}
		names[o.ID] = name
		out = append(out, option{Value: o.ID, Label: name})
	}
	return out, names, nil
}
