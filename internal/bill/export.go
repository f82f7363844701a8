package bill

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/exports"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// ExportDetails is the export kind of consumption details (客户消费明细).
const ExportDetails = "consumption"

// DetailsExport is what a details export remembers of its query. The
// partner comes from the export itself; ScopeManager narrows it to the
// customers a manager-only user is in charge of, as the page it was started
// from did.
type DetailsExport struct {
	Month           string `json:"month"`
	CustomerID      string `json:"customer_id,omitempty"`
	ServiceTypeCode string `json:"service_type_code,omitempty"`
	RegionCode      string `json:"region_code,omitempty"`
	ChargingMode    int    `json:"charging_mode,omitempty"`
	ResourceID      string `json:"resource_id,omitempty"`
	DetailType      int    `json:"bill_detail_type,omitempty"`
	ScopeManager    string `json:"scope_manager,omitempty"`
}

// ExportParams is the export of the records a filter selects.
func ExportParams(f Filter) DetailsExport {
	return DetailsExport{Month: f.Month.String(), CustomerID: f.CustomerID, ServiceTypeCode: f.ServiceTypeCode, RegionCode: f.RegionCode,
		ChargingMode: f.ChargingMode, ResourceID: f.ResourceID, DetailType: f.DetailType, ScopeManager: f.Scope.ManagerUserID}
}

func decodeExport(raw json.RawMessage, partnerID string) (Filter, error) {
	var p DetailsExport
	if err := json.Unmarshal(raw, &p); err != nil {
		return Filter{}, err
	}
	m, err := ParseMonth("month", p.Month)
	if err != nil {
		return Filter{}, err
	}
	scope := customer.PartnerScope(partnerID)
	scope.ManagerUserID = p.ScopeManager
	return Filter{Scope: scope, Month: m, CustomerID: p.CustomerID, ServiceTypeCode: p.ServiceTypeCode, RegionCode: p.RegionCode,
		ChargingMode: p.ChargingMode, ResourceID: p.ResourceID, DetailType: p.DetailType}, nil
}

func texts(locale string, keys ...string) []string {
	l, _ := i18n.Parse(locale)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = i18n.T(l, k)
	}
	return out
}

// DetailTypeKey is the message key naming a detail type.
func DetailTypeKey(t int) string { return "bill.detail_type." + strconv.Itoa(t) }

// ChargingModeKey is the message key naming a charging mode.
func ChargingModeKey(m int) string { return "bill.charging_mode." + strconv.Itoa(m) }

// Names are the catalogue's names of service types and regions in one
// language, for showing codes.
type Names struct {
	lang     string
	services []catalogue.ServiceType
	regions  map[string]catalogue.Region
	rtypes   map[string][2]string // resource type code: zh, en
}

// LoadNames reads the names of the catalogue; lang is "zh" or "en".
func LoadNames(ctx context.Context, q store.Queryer, lang string) (*Names, error) {
	services, err := catalogue.ServiceTypes(ctx, q)
	if err != nil {
		return nil, err
	}
	regions, err := catalogue.Regions(ctx, q)
	if err != nil {
		return nil, err
	}
	n := &Names{lang: lang, services: services, regions: map[string]catalogue.Region{}, rtypes: map[string][2]string{}}
	for _, r := range regions {
		n.regions[r.Code] = r
	}
	rows, err := q.QueryContext(ctx, `SELECT resource_type_code, MIN(resource_type_zh), MIN(resource_type_en) FROM cloud_products
		GROUP BY resource_type_code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var names [2]string
		if err := rows.Scan(&code, &names[0], &names[1]); err != nil {
			return nil, err
		}
		n.rtypes[code] = names
	}
	return n, rows.Err()
}

// Service names a service type (its code when unknown).
func (n *Names) Service(code string) string {
	return catalogue.ServiceTypeName(n.services, code, n.lang)
}

// Region names a region (its code when unknown).
func (n *Names) Region(code string) string {
	r, ok := n.regions[code]
	switch {
	case !ok:
		return code
	case n.lang == "en":
		return r.NameEn
	}
	return r.NameZh
}

// ResourceTypeCode names a resource type by its code (the code when
// unknown).
func (n *Names) ResourceTypeCode(code string) string {
	names, ok := n.rtypes[code]
	switch {
	case !ok:
		return code
	case n.lang == "en" && names[1] != "":
		return names[1]
	case names[0] != "":
		return names[0]
	}
	return code
}

// ResourceType names a record's resource type.
func (n *Names) ResourceType(r *Record) string {
	if n.lang == "en" && r.ResourceTypeEn != "" {
		return r.ResourceTypeEn
	}
	if r.ResourceTypeZh != "" {
		return r.ResourceTypeZh
	}
	return r.ResourceTypeCode
}

// Spec names a record's product spec.
func (n *Names) Spec(r *Record) string {
	if n.lang == "en" && r.SpecEn != "" {
		return r.SpecEn
	}
	if r.SpecZh != "" {
		return r.SpecZh
	}
	return r.SpecCode
}

func init() {
	exports.Register(ExportDetails, exports.Source{
		Title: func(locale string) string { return texts(locale, "bill.export.title")[0] },
		Header: func(locale string) []string {
			return texts(locale, "bill.col.month", "bill.col.customer", "bill.col.customer_id", "bill.col.detail_type",
				"bill.col.service_type", "bill.col.resource_type", "bill.col.spec", "bill.col.region", "bill.col.charging_mode",
				"bill.col.resource_id", "bill.col.resource_name", "bill.col.order_id", "bill.col.fee_at", "bill.col.usage",
				"bill.col.amount", "bill.col.coupon", "bill.col.balance", "bill.col.debt")
		},
		NumericColumns: []int{14, 15, 16, 17},
		Validate: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) error {
			_, err := decodeExport(raw, partnerID)
			return err
		},
		Count: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) (int64, error) {
			f, err := decodeExport(raw, partnerID)
			if err != nil {
				return 0, err
			}
			s, err := Total(ctx, q, f)
			return s.Count, err
		},
		Each: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage, locale string, row func([]string) error) error {
			f, err := decodeExport(raw, partnerID)
			if err != nil {
				return err
			}
			lang, _ := i18n.Parse(locale)
			names, err := LoadNames(ctx, q, string(lang))
			if err != nil {
				return err
			}
			types := map[int]string{}
			for _, t := range DetailTypes {
				types[t] = i18n.T(lang, DetailTypeKey(t))
			}
			modes := map[int]string{ChargingPeriodic: i18n.T(lang, ChargingModeKey(ChargingPeriodic)),
				ChargingPayPerUse: i18n.T(lang, ChargingModeKey(ChargingPayPerUse))}
			return EachDetail(ctx, q, f, func(r *Record) error {
				return row([]string{r.Month.String(), r.CustomerName, r.CustomerID, types[r.DetailType], names.Service(r.ServiceTypeCode),
					names.ResourceType(r), names.Spec(r), names.Region(r.RegionCode), modes[r.ChargingMode], r.ResourceID, r.ResourceName,
					r.OrderID, r.FeeAt.In(ledger.BillingZone).Format(time.DateTime), strconv.FormatInt(r.UsageQuantity, 10),
					money.Plain(r.Amount), money.Plain(r.CouponAmount), money.Plain(r.BalanceAmount), money.Plain(r.DebtAmount)})
			})
		},
	})
}
