package console

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/bill"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/exports"
	"partnercenter/internal/jobs"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// 客户消费 (销售 > 客户业务 > 客户消费): the customers' consumption of a
// month, 18 months back. The 消费汇总 tab sums it per customer with the
// month's totals and a trend chart of the last 18 months (the partner's, or
// one customer's); 消费明细 lists the fee records with filters and exports
// them in the background (CSV or Excel); 导出记录 lists those exports. A
// manager-only user sees the customers in its charge only, as the customer
// list shows them.

const consumptionPath = "/console/consumption"

func init() {
	// 我的导出 of 资金管理 names these exports too.
	exportTitles[bill.ExportDetails] = "bill.export.title"
}

// consumptionRoutes registers the page's routes.
func (h *handler) consumptionRoutes() {
	view := perms(auth.PermCustomerView, auth.PermCustomerAssigned)
	h.page("GET "+consumptionPath, view, h.consumptionSummary)
	h.page("GET "+consumptionPath+"/details", view, h.consumptionDetails)
	h.page("GET "+consumptionPath+"/exports", view, h.consumptionExports)
	h.page("POST "+consumptionPath+"/exports", view, h.createConsumptionExport)
	h.page("GET "+consumptionPath+"/exports/{id}/download", view, h.downloadConsumptionExport)
}

// consumptionView is what consumption.html shows.
type consumptionView struct {
	Tab  string
	Tabs []tab

	Months, Services, Regions, Modes, DetailTypes []option
	Reset                                         string

	// 消费汇总.
	Customers []customerSumRow
	Total     bill.Sums
	Count     int
	Chart     *trendChart

	// 消费明细.
	Records []feeRow
	Export  *exportForm

	// 导出记录.
	Exports *exportsView

	Pager pager
}

type customerSumRow struct {
	bill.CustomerSum
	Association string
	DetailsHref string
	TrendHref   string
}

type feeRow struct {
	*bill.Record
	Type, Service, ResourceType, Spec, Region, Mode string
}

var consumptionTabs = []struct{ name, label, path string }{
	{"summary", "consumption.tab.summary", consumptionPath},
	{"details", "consumption.tab.details", consumptionPath + "/details"},
	{"exports", "consumption.tab.exports", consumptionPath + "/exports"},
}

func (c *call) renderConsumption(status int, v *consumptionView, f *form) error {
	for _, t := range consumptionTabs {
		v.Tabs = append(v.Tabs, tab{Label: t.label, Href: t.path, Active: t.name == v.Tab})
	}
	if f == nil {
		f = newForm(nil)
	}
	return c.render(status, "consumption", &view{Title: "consumption.title", Active: consumptionPath, Form: f, Data: v})
}

// billLang is the language the catalogue's names are read in.
func (c *call) billLang() string {
	if c.lang == i18n.EN {
		return "en"
	}
	return "zh"
}

// consumptionFilter reads the filters of f into a bill filter scoped to
// what the caller may see. A refused filter leaves its message next to its
// field; the month applied is written back, so the user sees the default.
func (c *call) consumptionFilter(f *form, v *consumptionView) (bill.Filter, error) {
	ctx, q := c.r.Context(), c.h.app.DB.Reader()
	scope, err := customer.ScopeFor(ctx, q, c.p, customer.OwnCustomers, "")
	if err != nil {
		return bill.Filter{}, err
	}
	now := time.Now()
	bf := bill.Filter{Scope: scope, Month: bill.MonthOf(now)}
	for _, m := range bill.Months(now) {
		v.Months = append(v.Months, option{Value: m.String(), Label: m.String()})
	}
	if s := f.Get("month"); s != "" {
		m, err := bill.ParseMonth("month", s)
		if err == nil {
			err = bill.CheckWindow("month", m, now)
		}
		if err := f.take(c, err); err != nil {
			return bf, err
		}
		bf.Month = m
	}
	if f.ok() {
		f.Values.Set("month", bf.Month.String())
	}
	services, regions, err := catalogueOptions(ctx, q, c.billLang())
	if err != nil {
		return bf, err
	}
	v.Services, v.Regions = services, regions
	v.Modes = []option{{strconv.Itoa(bill.ChargingPeriodic), c.t(bill.ChargingModeKey(bill.ChargingPeriodic))},
		{strconv.Itoa(bill.ChargingPayPerUse), c.t(bill.ChargingModeKey(bill.ChargingPayPerUse))}}
	for _, t := range bill.DetailTypes {
		v.DetailTypes = append(v.DetailTypes, option{strconv.Itoa(t), c.t(bill.DetailTypeKey(t))})
	}
	bf.ServiceTypeCode = oneOf(f, "service_type", services, c.t("consumption.choice_invalid"))
	bf.RegionCode = oneOf(f, "region", regions, c.t("consumption.choice_invalid"))
	bf.ChargingMode, _ = strconv.Atoi(oneOf(f, "charging_mode", v.Modes, c.t("consumption.choice_invalid")))
	bf.DetailType, _ = strconv.Atoi(oneOf(f, "detail_type", v.DetailTypes, c.t("consumption.choice_invalid")))
	bf.ResourceID = f.Get("resource_id")
	if ref := f.Get("customer"); ref != "" {
		bf.CustomerID = ref
		// An account name stands for its customer.
		var id string
		if err := q.QueryRowContext(ctx, `SELECT id FROM customers WHERE domain_name = ?`, ref).Scan(&id); err == nil {
			bf.CustomerID = id
		}
	}
	return bf, nil
}

// oneOf returns a select's value when it is one of its options.
func oneOf(f *form, field string, options []option, invalid string) string {
	v := f.Get(field)
	if v == "" {
		return ""
	}
	for _, o := range options {
		if o.Value == v {
			return v
		}
	}
	f.fieldError(field, invalid)
	return ""
}

// catalogueOptions are the service types and regions to filter by, named
// in a language ("zh" or "en").
func catalogueOptions(ctx context.Context, q store.Queryer, lang string) (services, regions []option, err error) {
	types, err := catalogue.ServiceTypes(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range types {
		services = append(services, option{Value: t.Code, Label: catalogue.ServiceTypeName(types, t.Code, lang)})
	}
	list, err := catalogue.Regions(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range list {
		name := r.NameZh
		if lang == "en" {
			name = r.NameEn
		}
		regions = append(regions, option{Value: r.Code, Label: name})
	}
	return services, regions, nil
}

func (h *handler) consumptionSummary(c *call) error {
	f := newForm(c.r.URL.Query())
	v := &consumptionView{Tab: "summary", Reset: consumptionPath}
	bf, err := c.consumptionFilter(f, v)
	if err != nil {
		return err
	}
	ctx, q := c.r.Context(), h.app.DB.Reader()
	page, offset := pageOf(c.r)
	v.Pager = newPager(c.r, 1, 0)
	if f.ok() {
		bf.Offset, bf.Limit = offset, pageSize
		rows, n, total, err := bill.ByCustomer(ctx, q, bf)
		if err != nil {
			return err
		}
		v.Total, v.Count, v.Pager = total, n, newPager(c.r, page, n)
		for _, r := range rows {
			link := url.Values{"month": {bf.Month.String()}, "customer": {r.CustomerID}}
			v.Customers = append(v.Customers, customerSumRow{CustomerSum: r, Association: c.t(associationKey(customer.AssociationType(r.AssociationType))),
				DetailsHref: consumptionPath + "/details?" + link.Encode(),
				TrendHref:   consumptionPath + "?" + link.Encode() + "#trend"})
		}
		trend, err := bill.Trend(ctx, q, bf.Scope, bf.CustomerID, bill.MonthOf(time.Now()), bill.HistoryMonths)
		if err != nil {
			return err
		}
		title := c.t("consumption.trend.title")
		if bf.CustomerID != "" {
			name := bf.CustomerID
			_ = q.QueryRowContext(ctx, `SELECT domain_name FROM customers WHERE id = ?`, bf.CustomerID).Scan(&name)
			title = c.t("consumption.trend.title_customer", name)
		}
		v.Chart = newTrendChart(c, title, trend)
	}
	return c.renderConsumption(http.StatusOK, v, f)
}

func (h *handler) consumptionDetails(c *call) error {
	return h.renderConsumptionDetails(c, http.StatusOK, newForm(c.r.URL.Query()))
}

func (h *handler) renderConsumptionDetails(c *call, status int, f *form) error {
	v := &consumptionView{Tab: "details", Reset: consumptionPath + "/details"}
	bf, err := c.consumptionFilter(f, v)
	if err != nil {
		return err
	}
	ctx, q := c.r.Context(), h.app.DB.Reader()
	page, offset := pageOf(c.r)
	v.Pager = newPager(c.r, 1, 0)
	if f.ok() {
		bf.Offset, bf.Limit = offset, pageSize
		records, total, err := bill.Details(ctx, q, bf)
		if err != nil {
			return err
		}
		names, err := bill.LoadNames(ctx, q, c.billLang())
		if err != nil {
			return err
		}
		v.Total, v.Pager = total, newPager(c.r, page, int(total.Count))
		for _, r := range records {
			v.Records = append(v.Records, feeRow{Record: r, Type: c.t(bill.DetailTypeKey(r.DetailType)),
				Service: names.Service(r.ServiceTypeCode), ResourceType: names.ResourceType(r), Spec: names.Spec(r),
				Region: names.Region(r.RegionCode), Mode: c.t(bill.ChargingModeKey(r.ChargingMode))})
		}
		v.Export = exportOf("/console/consumption/exports", f, "month", "customer", "service_type", "region", "charging_mode", "detail_type", "resource_id")
	}
	return c.renderConsumption(status, v, f)
}

func (h *handler) consumptionExports(c *call) error {
	v, err := h.exportList(c, "/console/consumption/exports", bill.ExportDetails)
	if err != nil {
		return err
	}
	return c.renderConsumption(http.StatusOK, &consumptionView{Tab: "exports", Exports: v}, nil)
}

// createConsumptionExport starts the export of the details the filters
// select, checked as the details tab checks them; a refused filter shows
// the tab again with its messages.
func (h *handler) createConsumptionExport(c *call) error {
	f := newForm(c.postForm())
	bf, err := c.consumptionFilter(f, &consumptionView{})
	if err != nil {
		return err
	}
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		e, err := exports.Create(ctx, tx, c.p.PartnerID, c.p.UserID, bill.ExportDetails, f.Get("format"), string(c.lang), bill.ExportParams(bf))
		if err != nil {
			return err
		}
		if err := h.background(ctx, tx, jobs.ExportArgs{ID: e.ID}, func(ctx context.Context) error { return exports.Run(ctx, h.app.DB, e.ID) }); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "export.create", ObjectType: "export", ObjectID: e.ID,
			After: map[string]any{"kind": bill.ExportDetails, "format": e.Format}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		c.r.URL = &url.URL{Path: consumptionPath + "/details", RawQuery: f.Values.Encode()}
		return h.renderConsumptionDetails(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("consumption.export_created", consumptionPath+"/exports")
}

func (h *handler) downloadConsumptionExport(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	e, err := exports.Get(ctx, q, c.p.PartnerID, c.p.UserID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if e.Kind != bill.ExportDetails {
		return apperr.NotFoundf("exports.not_found", "export not found")
	}
	if e.Status != exports.Done {
		return apperr.New(apperr.Conflict, "exports.not_ready", "the file is not ready yet")
	}
	return c.attachment(e.FileName, e.ContentType(), e.Size, func(w io.Writer) error { return exports.WriteFile(ctx, q, e, w) })
}
