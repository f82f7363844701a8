package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"partnercenter/internal/auth"
	"partnercenter/internal/bill"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/exports"
	"partnercenter/internal/incentive"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 激励明细: a partner's incentive details per month, customer, product
// category and customer manager, with filters, paging and the export of
// what the filters select (CSV or Excel, through the exports machinery).

// incentiveDetailsExport is the export kind of 激励明细.
const incentiveDetailsExport = "incentive_details"

func init() {
	exportTitles[incentiveDetailsExport] = "incentives.export.title"
	exports.Register(incentiveDetailsExport, exports.Source{
		Title: func(locale string) string { return i18n.T(exportLang(locale), "incentives.export.title") },
		Header: func(locale string) []string {
			l := exportLang(locale)
			return texts(l, "incentives.col.month", "incentives.col.customer", "incentives.col.customer_id", "incentives.col.kind",
				"incentives.col.service_type", "incentives.col.manager", "incentives.col.consumption", "incentives.col.refunds",
				"incentives.col.rate", "incentives.col.amount")
		},
		NumericColumns: []int{6, 7, 9},
		Validate: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) error {
			_, err := decodeDetailsExport(raw, partnerID)
			return err
		},
		Count: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) (int64, error) {
			f, err := decodeDetailsExport(raw, partnerID)
			if err != nil {
				return 0, err
			}
			f.Limit = 1
			_, n, err := incentive.ListDetails(ctx, q, f)
			return int64(n), err
		},
		Each: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage, locale string, row func([]string) error) error {
			f, err := decodeDetailsExport(raw, partnerID)
			if err != nil {
				return err
			}
			l := exportLang(locale)
			names, err := loadDetailNames(ctx, q, partnerID, l)
			if err != nil {
				return err
			}
			list, _, err := incentive.ListDetails(ctx, q, f)
			if err != nil {
				return err
			}
			for _, d := range list {
				r := names.row(l, d)
				if err := row([]string{d.Month.String(), d.CustomerName, d.CustomerID, r.KindText, r.Service, r.Manager,
					money.Plain(d.Consumption), money.Plain(d.Refunds), r.Rate, money.Plain(d.Amount)}); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

func exportLang(locale string) i18n.Lang {
	l, _ := i18n.Parse(locale)
	return l
}

func texts(l i18n.Lang, keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = i18n.T(l, k)
	}
	return out
}

// detailsExportParams is what a 激励明细 export remembers of its filters;
// the partner comes from the export itself.
type detailsExportParams struct {
	From            string `json:"from,omitempty"`
	To              string `json:"to,omitempty"`
	CustomerID      string `json:"customer_id,omitempty"`
	ServiceTypeCode string `json:"service_type_code,omitempty"`
	ManagerUserID   string `json:"manager_user_id,omitempty"`
	Kind            string `json:"kind,omitempty"`
}

func decodeDetailsExport(raw json.RawMessage, partnerID string) (incentive.DetailFilter, error) {
	var p detailsExportParams
	if err := json.Unmarshal(raw, &p); err != nil {
		return incentive.DetailFilter{}, err
	}
	f := incentive.DetailFilter{PartnerID: partnerID, CustomerID: p.CustomerID, ServiceTypeCode: p.ServiceTypeCode,
		ManagerUserID: p.ManagerUserID, Kind: p.Kind}
	var err error
	if p.From != "" {
		if f.From, err = bill.ParseMonth("from", p.From); err != nil {
			return f, err
		}
	}
	if p.To != "" {
		f.To, err = bill.ParseMonth("to", p.To)
	}
	return f, err
}

// detailNames names what details refer to by id: product categories and
// customer managers.
type detailNames struct {
	services []catalogue.ServiceType
	managers map[string]string
	lang     string
}

func loadDetailNames(ctx context.Context, q store.Queryer, partnerID string, l i18n.Lang) (*detailNames, error) {
	n := &detailNames{managers: map[string]string{}, lang: "zh"}
	if l == i18n.EN {
		n.lang = "en"
	}
	var err error
	if n.services, err = catalogue.ServiceTypes(ctx, q); err != nil {
		return nil, err
	}
	users, err := auth.ListPartnerUsers(ctx, q, partnerID)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		n.managers[u.ID] = u.DisplayName + " (" + u.Username + ")"
	}
	return n, nil
}

// detailRow is a detail as the list and the export read it.
type detailRow struct {
	*incentive.Detail
	KindText, Service, Manager, Rate string
}

func (n *detailNames) row(l i18n.Lang, d *incentive.Detail) detailRow {
	r := detailRow{Detail: d, KindText: i18n.T(l, incentiveKindKey(d.Kind)), Service: "-", Manager: i18n.T(l, "performance.unattributed"), Rate: "-"}
	if d.ServiceTypeCode != "" {
		r.Service = catalogue.ServiceTypeName(n.services, d.ServiceTypeCode, n.lang)
	}
	if name, ok := n.managers[d.ManagerUserID]; ok {
		r.Manager = name
	}
	if d.Kind == incentive.KindRebate {
		r.Rate = incentive.FormatRate(d.RateBP)
	}
	return r
}

// detailFilter reads the filters of 激励明细; a refused one leaves its
// message next to its field. The options of the selects are set on v.
func (c *call) detailFilter(f *form, v *incentivesView) (incentive.DetailFilter, *detailNames, error) {
	ctx, q := c.r.Context(), c.h.app.DB.Reader()
	names, err := loadDetailNames(ctx, q, c.p.PartnerID, c.lang)
	if err != nil {
		return incentive.DetailFilter{}, nil, err
	}
	v.Months = monthOptions()
	v.Services = serviceOptions(c, names.services)
	managers, err := customer.Managers(ctx, q, c.p.PartnerID)
	if err != nil {
		return incentive.DetailFilter{}, nil, err
	}
	for _, u := range managers {
		v.Managers = append(v.Managers, option{Value: u.ID, Label: names.managers[u.ID]})
	}
	v.Kind = keyOptions(c.lang, []string{incentive.KindRebate, incentive.KindNewCustomer}, incentiveKindKey)
	invalid := c.t("consumption.choice_invalid")
	df := incentive.DetailFilter{PartnerID: c.p.PartnerID, From: c.monthFilter(f, "from"), To: c.monthFilter(f, "to"),
		ServiceTypeCode: oneOf(f, "service_type", v.Services, invalid), ManagerUserID: oneOf(f, "manager", v.Managers, invalid),
		Kind: oneOf(f, "kind", v.Kind, invalid)}
	if df.From != 0 && df.To != 0 && df.From > df.To {
		f.fieldError("to", c.t("performance.range_order"))
	}
	if ref := f.Get("customer"); ref != "" {
		df.CustomerID = ref
		// An account name of the partner's stands for its customer.
		var id string
		if err := q.QueryRowContext(ctx, `SELECT id FROM customers WHERE domain_name = ? AND partner_id = ?`, ref, c.p.PartnerID).Scan(&id); err == nil {
			df.CustomerID = id
		}
	}
	return df, names, nil
}

func (h *handler) incentiveDetails(c *call) error {
	return h.renderIncentiveDetails(c, http.StatusOK, newForm(c.r.URL.Query()))
}

func (h *handler) renderIncentiveDetails(c *call, status int, f *form) error {
	v := &incentivesView{Tab: "details", Reset: incentivesPath + "/details"}
	df, names, err := c.detailFilter(f, v)
	if err != nil {
		return err
	}
	err = listPage(c, f, &v.Pager, func(offset, limit int) ([]*incentive.Detail, int, error) {
		df.Offset, df.Limit = offset, limit
		return incentive.ListDetails(c.r.Context(), h.app.DB.Reader(), df)
	}, func(d *incentive.Detail) error {
		v.Details = append(v.Details, names.row(c.lang, d))
		return nil
	})
	if err != nil {
		return err
	}
	if f.ok() {
		v.Export = exportOf(incentivesPath+"/exports", f, "from", "to", "customer", "service_type", "manager", "kind")
	}
	return c.renderIncentives(status, v, f)
}

// createIncentiveExport starts the export of the details the filters
// select, checked as the details tab checks them.
func (h *handler) createIncentiveExport(c *call) error {
	f := newForm(c.postForm())
	df, _, err := c.detailFilter(f, &incentivesView{})
	if err != nil {
		return err
	}
	params := detailsExportParams{CustomerID: df.CustomerID, ServiceTypeCode: df.ServiceTypeCode, ManagerUserID: df.ManagerUserID, Kind: df.Kind}
	if df.From != 0 {
		params.From = df.From.String()
	}
	if df.To != 0 {
		params.To = df.To.String()
	}
	if err := h.startExport(c, f, incentiveDetailsExport, params); err != nil {
		return err
	}
	if !f.ok() {
		c.r.URL = &url.URL{Path: incentivesPath + "/details", RawQuery: f.Values.Encode()}
		return h.renderIncentiveDetails(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("exports.created", incentivesPath+"/exports")
}

func (h *handler) incentiveExports(c *call) error {
	v, err := h.exportList(c, incentivesPath+"/exports", incentiveDetailsExport)
	if err != nil {
		return err
	}
	return c.renderIncentives(http.StatusOK, &incentivesView{Tab: "exports", Exports: v}, nil)
}
