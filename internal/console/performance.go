package console

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/bill"
	"partnercenter/internal/exports"
	"partnercenter/internal/jobs"
	"partnercenter/internal/performance"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// 业绩 (销售 > 业绩): a month range's consumption, new customers and
// incentives per customer manager, the months in a chart, the report
// exported in the background; 导出记录 lists those exports. A customer
// manager sub-account sees only its own figures. The partner home page
// shows the last six months in the same chart.

const performancePath = "/console/performance"

// Colours of the chart's series.
const (
	consumptionColor = "#1f6feb"
	incentiveColor   = "#00b42a"
)

func init() {
	exportTitles[performance.ExportKind] = "performance.export.title"
}

// performanceRoutes registers the pages of this area.
func (h *handler) performanceRoutes() {
	view := perms(auth.PermPerformanceView)
	h.page("GET "+performancePath, view, h.performancePage)
	h.page("GET "+performancePath+"/exports", view, h.performanceExports)
	h.page("POST "+performancePath+"/exports", view, h.createPerformanceExport)
	h.page("GET "+performancePath+"/exports/{id}/download", view, func(c *call) error { return h.sendExport(c, performance.ExportKind) })
}

// performanceView is what performance.html shows.
type performanceView struct {
	Tab    string
	Tabs   []tab
	Months []option
	Reset  string

	Report   *performance.Report
	Managers []managerRow
	Chart    template.HTML
	Export   *exportForm
	// OwnOnly says the figures are the signed-in manager's own.
	OwnOnly bool

	Exports *exportsView
}

type managerRow struct {
	performance.ManagerTotal
	Name string
	// Months are the manager's figures in each month of the range.
	Months []performance.Cell
}

var performanceTabs = []struct{ name, label, path string }{
	{"report", "performance.tab.report", performancePath},
	{"exports", "performance.tab.exports", performancePath + "/exports"},
}

func (c *call) renderPerformance(status int, v *performanceView, f *form) error {
	for _, t := range performanceTabs {
		v.Tabs = append(v.Tabs, tab{Label: t.label, Href: t.path, Active: t.name == v.Tab})
	}
	if f == nil {
		f = newForm(nil)
	}
	return c.render(status, "performance", &view{Title: "performance.title", Active: performancePath, Form: f, Data: v})
}

// performanceRange reads the month range of f, leaving a refused month's
// message next to its field and writing the range applied back, so that
// the user sees the defaults.
func (c *call) performanceRange(f *form, v *performanceView) (first, last bill.Month) {
	now := time.Now()
	for _, m := range bill.Months(now) {
		v.Months = append(v.Months, option{Value: m.String(), Label: m.String()})
	}
	first, last, err := performance.ParseRange(f.Get("from"), f.Get("to"), now)
	if err := f.take(c, err); err != nil || !f.ok() {
		return first, last
	}
	f.Values.Set("from", first.String())
	f.Values.Set("to", last.String())
	return first, last
}

func (h *handler) performancePage(c *call) error {
	return h.renderPerformanceReport(c, http.StatusOK, newForm(c.r.URL.Query()))
}

func (h *handler) renderPerformanceReport(c *call, status int, f *form) error {
	scope, err := performance.ScopeFor(c.p)
	if err != nil {
		return err
	}
	v := &performanceView{Tab: "report", Reset: performancePath, OwnOnly: scope.ManagerUserID != ""}
	first, last := c.performanceRange(f, v)
	if f.ok() {
		r, err := performance.Query(c.r.Context(), h.app.DB.Reader(), scope, first, last)
		if err != nil {
			return err
		}
		v.Report = r
		for _, m := range r.Managers {
			row := managerRow{ManagerTotal: m, Name: performance.ManagerLabel(c.lang, m.Manager)}
			for _, cell := range r.Cells {
				if cell.ManagerUserID == m.UserID {
					row.Months = append(row.Months, cell)
				}
			}
			v.Managers = append(v.Managers, row)
		}
		if v.Chart, err = performanceChart(c, "performance-chart", c.t("performance.chart.title", first.String(), last.String()), r); err != nil {
			return err
		}
		v.Export = exportOf(performancePath+"/exports", f, "from", "to")
	}
	return c.renderPerformance(status, v, f)
}

// performanceChart draws a report's months: consumption, and incentives.
func performanceChart(c *call, id, title string, r *performance.Report) (template.HTML, error) {
	months := make([]bill.Month, len(r.Months))
	consumption := make([]int64, len(r.Months))
	incentives := make([]int64, len(r.Months))
	for i, m := range r.Months {
		months[i], consumption[i], incentives[i] = m.Month, m.Consumption, m.Incentive
	}
	return newBarChart(c, id, title, months, seriesOf{Name: c.t("performance.consumption"), Color: consumptionColor, Values: consumption},
		seriesOf{Name: c.t("performance.incentive"), Color: incentiveColor, Values: incentives}).html(c)
}

func (h *handler) performanceExports(c *call) error {
	v, err := h.exportList(c, performancePath+"/exports", performance.ExportKind)
	if err != nil {
		return err
	}
	return c.renderPerformance(http.StatusOK, &performanceView{Tab: "exports", Exports: v}, nil)
}

// createPerformanceExport starts the export of the report the range
// selects, checked as the page checks it; a refused range shows the page
// again with its messages.
func (h *handler) createPerformanceExport(c *call) error {
	scope, err := performance.ScopeFor(c.p)
	if err != nil {
		return err
	}
	f := newForm(c.postForm())
	first, last := c.performanceRange(f, &performanceView{})
	if err := h.startExport(c, f, performance.ExportKind, performance.ParamsOf(scope, first, last)); err != nil {
		return err
	}
	if !f.ok() {
		c.r.URL = &url.URL{Path: performancePath, RawQuery: f.Values.Encode()}
		return h.renderPerformanceReport(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("exports.created", performancePath+"/exports")
}

// startExport records an export of the signed-in user in the format the
// form chose and runs it in the background, audited; a refusal is left on
// the form.
func (h *handler) startExport(c *call, f *form, kind string, params any) error {
	return c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		e, err := exports.Create(ctx, tx, c.p.PartnerID, c.p.UserID, kind, f.Get("format"), string(c.lang), params)
		if err != nil {
			return err
		}
		if err := h.background(ctx, tx, jobs.ExportArgs{ID: e.ID}, func(ctx context.Context) error { return exports.Run(ctx, h.app.DB, e.ID) }); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "export.create", ObjectType: "export", ObjectID: e.ID,
			After: map[string]any{"kind": kind, "format": e.Format}})
	})
}

// sendExport sends the signed-in user's finished export named in the path,
// when it is of one of the kinds the page exports.
func (h *handler) sendExport(c *call, kinds ...string) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	e, err := exports.Get(ctx, q, c.p.PartnerID, c.p.UserID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if !slices.Contains(kinds, e.Kind) {
		return apperr.NotFoundf("exports.not_found", "export not found")
	}
	if e.Status != exports.Done {
		return apperr.New(apperr.Conflict, "exports.not_ready", "the file is not ready yet")
	}
	return c.attachment(e.FileName, e.ContentType(), e.Size, func(w io.Writer) error { return exports.WriteFile(ctx, q, e, w) })
}

// homePerformance is the home page's 业绩 card: the last six months, for a
// user who may see performance.
type homePerformance struct {
	Total performance.Figures
	Chart template.HTML
}

func (c *call) homePerformance() (*homePerformance, error) {
	scope, err := performance.ScopeFor(c.p)
	if err != nil {
		return nil, nil // a user without 业绩 sees no card
	}
	first, last, err := performance.ParseRange("", "", time.Now())
	if err != nil {
		return nil, err
	}
	r, err := performance.Query(c.r.Context(), c.h.app.DB.Reader(), scope, first, last)
	if err != nil {
		return nil, err
	}
	chart, err := performanceChart(c, "home-performance-chart", c.t("performance.home.chart", first.String(), last.String()), r)
	if err != nil {
		return nil, err
	}
	return &homePerformance{Total: r.Total, Chart: chart}, nil
}
