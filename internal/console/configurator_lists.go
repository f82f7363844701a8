package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/configurator"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// Configuration lists (配置单) in 解决方案配置中心: the landing page with the
// partner's configurators and lists, a list's priced bill with its export
// to .xlsx, the link to one of the partner's opportunities and the
// submission (under the 15-day rule of the configurator package), the
// import template, and making a list from the configurator page (with the
// preview's values, or from a sheet).

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func configuratorListPath(id string) string { return configuratorCenterPath + "/lists/" + id }

func (h *handler) configuratorListRoutes() {
	need := perms(auth.PermSolution)
	h.page("GET "+configuratorCenterPath+"/lists/{id}", need, h.configurationListPage)
	h.page("GET "+configuratorCenterPath+"/lists/{id}/export", need, h.exportConfigurationList)
	h.page("POST "+configuratorCenterPath+"/lists/{id}/link", need, h.linkConfigurationList)
	h.page("POST "+configuratorCenterPath+"/lists/{id}/submit", need, h.submitConfigurationList)
}

// listRow is one configuration list of a table.
type listRow struct {
	*configurator.List
	Href   string
	Source string
	Status string
	Total  string
}

func (c *call) listRow(l *configurator.List) listRow {
	return listRow{List: l, Href: configuratorListPath(l.ID), Source: c.t("configurator.source." + l.Source),
		Status: c.t("configurator.list_status." + l.Status), Total: money.Format(l.Bill.Total)}
}

func (h *handler) listRows(c *call, configuratorID string) ([]listRow, error) {
	lists, err := configurator.Lists(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, configuratorID)
	if err != nil {
		return nil, err
	}
	out := make([]listRow, len(lists))
	for i, l := range lists {
		out[i] = c.listRow(l)
	}
	return out, nil
}

// centerView is the landing page of 解决方案配置中心.
type centerView struct {
	Page          string
	Configurators []centerRow
	Lists         []listRow
	Template      string
}

type centerRow struct {
	*configurator.Configurator
	Status string
	Href   string
}

func (h *handler) configuratorCenterPage(c *call) error {
	all, err := configurator.Configurators(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, "")
	if err != nil {
		return err
	}
	v := &centerView{Page: "center", Template: configuratorCenterPath + "/template.xlsx"}
	for _, cfg := range all {
		v.Configurators = append(v.Configurators, centerRow{Configurator: cfg, Status: c.t(configuratorStatusKey(cfg.Status)),
			Href: solutionConfiguratorPath(cfg.SolutionID)})
	}
	if v.Lists, err = h.listRows(c, ""); err != nil {
		return err
	}
	return c.render(http.StatusOK, "configurator", &view{Title: "configurator.center_title", Active: solutionsPath, Data: v})
}

// listHeader reads a new list's name and date from the form's fields
// prefix+"name" and prefix+"date".
func (c *call) listHeader(f *form, prefix string) configurator.ListHeader {
	h := configurator.ListHeader{Name: f.Get(prefix + "name"), Date: c.billingDay(f, prefix+"date")}
	if !h.Date.IsZero() {
		// The day's noon: any time of the day names the same billing day.
		h.Date = h.Date.Add(12 * time.Hour)
	}
	return h
}

// headerFieldError puts a refusal about the list's name or date on the
// form's prefixed field.
func headerFieldError(err error, prefix string) error {
	if e, ok := apperr.As(err); ok && (e.Field == "name" || e.Field == "date") {
		moved := *e
		moved.Field = prefix + e.Field
		return &moved
	}
	return err
}

// produceList makes a list with the preview's values.
func (h *handler) produceList(c *call) error {
	f := newForm(c.postForm())
	var l *configurator.List
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		w, err := configurator.Open(ctx, tx, c.p.PartnerID, c.r.PathValue("id"))
		if err != nil {
			return err
		}
		if w.Configurator == nil {
			return configurator.ErrNotPublished
		}
		values := map[string]string{}
		for _, p := range w.Configurator.Def.Parameters {
			values[p.Name] = f.Get(valueField(p.Name))
		}
		l, err = configurator.Produce(ctx, tx, c.configuratorActor(), w.Configurator.ID, c.listHeader(f, "list_"), values)
		if e, ok := apperr.As(err); ok && slices.ContainsFunc(w.Configurator.Def.Parameters, func(p configurator.Parameter) bool { return p.Name == e.Field }) {
			// A value refused: shown next to its field of the preview.
			moved := *e
			moved.Field = valueField(e.Field)
			return &moved
		}
		if e, ok := apperr.As(err); ok && strings.HasPrefix(e.Field, "lines.") {
			// A quantity formula failing for these values: the message
			// names the formula, shown above the form.
			moved := *e
			moved.Field = ""
			return &moved
		}
		return headerFieldError(err, "list_")
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderConfigurator(c, http.StatusUnprocessableEntity, f, nil)
	}
	return c.done("configurator.list_created", configuratorListPath(l.ID), l.Code)
}

// importList makes a list from an uploaded sheet; a sheet with bad rows
// imports nothing, and the page lists every bad row with its reason.
func (h *handler) importList(c *call) error {
	f := newForm(nil)
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, configurator.MaxSheetBytes+64<<10)
	err := c.r.ParseMultipartForm(1 << 20)
	if c.r.MultipartForm != nil {
		defer func() { _ = c.r.MultipartForm.RemoveAll() }()
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		f.fieldError("import_file", c.t("configurator.sheet_too_large", configurator.MaxLines))
	case err != nil:
		f.fieldError("import_file", c.t("configurator.sheet_missing"))
	default:
		f.Values = c.r.PostForm
	}
	var rows []configurator.SheetRow
	if f.ok() {
		file, _, err := c.r.FormFile("import_file")
		if err != nil {
			f.fieldError("import_file", c.t("configurator.sheet_missing"))
		} else {
			defer file.Close()
			rows, err = configurator.ReadSheet(file)
			if e, ok := apperr.As(err); ok && e.Field == "file" {
				f.fieldError("import_file", c.errText(e))
			} else if err != nil {
				return err
			}
		}
	}
	var l *configurator.List
	var bad *configurator.ImportError
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		w, err := configurator.Open(ctx, tx, c.p.PartnerID, c.r.PathValue("id"))
		if err != nil {
			return err
		}
		if w.Configurator == nil {
			return configurator.ErrNotPublished
		}
		l, err = configurator.Import(ctx, tx, c.configuratorActor(), w.Configurator.ID, c.listHeader(f, "import_"), rows)
		if errors.As(err, &bad) {
			f.Error = c.t("configurator.import_refused", len(bad.Rows))
			return nil
		}
		return headerFieldError(err, "import_")
	})
	if err != nil {
		return err
	}
	if bad != nil || !f.ok() {
		var badRows []badRow
		if bad != nil {
			for _, r := range bad.Rows {
				badRows = append(badRows, badRow{Row: r.Row, Column: c.t("configurator.col." + r.Err.Field), Reason: c.errText(r.Err)})
			}
		}
		return h.renderConfigurator(c, http.StatusUnprocessableEntity, f, badRows)
	}
	return c.done("configurator.list_created", configuratorListPath(l.ID), l.Code)
}

// sheetLabels are a sheet's words in the user's language.
func (c *call) sheetLabels() configurator.SheetLabels {
	l := configurator.SheetLabels{Modes: map[string]string{}, Total: c.t("configurator.bill.total")}
	for _, col := range []string{"spec_code", "mode", "period", "quantity"} {
		l.Header = append(l.Header, c.t("configurator.col."+col))
	}
	for _, m := range configurator.BillingModes {
		l.Modes[m] = c.t("configurator.mode." + m)
	}
	for _, col := range []string{"no", "spec_code", "spec_name", "mode", "period", "quantity", "unit", "list", "rate", "discount", "amount"} {
		l.BillHeader = append(l.BillHeader, c.t("configurator.bill."+col))
	}
	return l
}

// configuratorTemplate downloads the import template, with an example row
// per billing mode from the catalogue.
func (h *handler) configuratorTemplate(c *call) error {
	products, err := configurator.Products(c.r.Context(), h.app.DB.Reader())
	if err != nil {
		return err
	}
	var examples [][]string
	for _, m := range configurator.BillingModes {
		for _, p := range sortedProducts(products) {
			sold := m == configurator.Monthly && p.MonthlyPrice > 0 || m == configurator.Yearly && p.YearlyPrice > 0 || m == configurator.PayPerUse && p.PayPerUse()
			if p.OnSale && sold {
				period := map[string]string{configurator.Monthly: "1", configurator.Yearly: "1", configurator.PayPerUse: "720"}[m]
				examples = append(examples, []string{p.SpecCode, c.t("configurator.mode." + m), period, "1"})
				break
			}
		}
	}
	var buf bytes.Buffer
	if err := configurator.WriteTemplate(&buf, c.sheetLabels(), examples); err != nil {
		return err
	}
	return c.attachment(c.t("configurator.template_name")+".xlsx", xlsxType, int64(buf.Len()),
		func(w io.Writer) error { _, err := buf.WriteTo(w); return err })
}

// listView is a configuration list's page.
type listView struct {
	Page          string
	Row           listRow
	Bill          *billView
	Opportunities []option
	CanChange     bool
	Deadline      string // the last day to link and submit, when the rule applies
	Values        []option
}

func (h *handler) configurationListPage(c *call) error {
	return h.renderConfigurationList(c, http.StatusOK, newForm(nil))
}

func (h *handler) renderConfigurationList(c *call, status int, f *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	l, err := configurator.GetList(ctx, q, c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	v := &listView{Page: "list", Row: c.listRow(l), Bill: c.billView(&l.Bill), CanChange: l.Status == configurator.ListDraft}
	for name, value := range l.Values {
		v.Values = append(v.Values, option{name, value})
	}
	slices.SortFunc(v.Values, func(a, b option) int { return strings.Compare(a.Value, b.Value) })
	if v.CanChange {
		opps, _, err := opportunity.List(ctx, q, opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: c.p.PartnerID}, Limit: opportunity.MaxPage})
		if err != nil {
			return err
		}
		for _, o := range opps {
			label := o.Code + " " + o.ProjectName
			if !o.SignedAt.IsZero() {
				label += " (" + c.t("configurator.signed_on", o.SignedAt.In(ledger.BillingZone).Format("2006-01-02")) + ")"
			}
			v.Opportunities = append(v.Opportunities, option{o.ID, label})
		}
		if linked := slices.IndexFunc(opps, func(o *opportunity.Opportunity) bool { return o.ID == l.OpportunityID }); linked >= 0 {
			if last, ok := configurator.LinkDeadline(l, opps[linked]); ok {
				v.Deadline = ledger.DayStart(last).In(ledger.BillingZone).Format("2006-01-02")
			}
		}
		if _, ok := f.Values["opportunity_id"]; !ok {
			f.Values.Set("opportunity_id", l.OpportunityID)
		}
	}
	return c.render(status, "configurator", &view{Title: "configurator.list_title", Active: solutionsPath, Data: v, Form: f})
}

func (h *handler) linkConfigurationList(c *call) error {
	f := newForm(c.postForm())
	id := c.r.PathValue("id")
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		_, err := configurator.Link(ctx, tx, c.configuratorActor(), id, f.Get("opportunity_id"))
		return err
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderConfigurationList(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("configurator.linked", configuratorListPath(id))
}

func (h *handler) submitConfigurationList(c *call) error {
	f := newForm(c.postForm())
	id := c.r.PathValue("id")
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		_, err := configurator.Submit(ctx, tx, c.configuratorActor(), id)
		return err
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderConfigurationList(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("configurator.submitted", configuratorListPath(id))
}

func (h *handler) exportConfigurationList(c *call) error {
	l, err := configurator.GetList(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := configurator.WriteList(&buf, l, c.sheetLabels(), c.billSpecName); err != nil {
		return err
	}
	return c.attachment(l.Code+".xlsx", xlsxType, int64(buf.Len()), func(w io.Writer) error { _, err := buf.WriteTo(w); return err })
}
