package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 产品目录 in the provider's back office: the service types and regions of
// the simulated cloud, and its products (one resource spec each) with their
// 包年/包月 prices in yuan, pay-per-use rates in yuan with up to 8 decimals
// per unit, the incentive flag and whether they are on sale. Each change is
// one catalogue call and its audit entry in one transaction; a refused one
// shows its messages next to the fields and changes nothing. Prices changed
// here apply to orders placed afterwards only.

const (
	cataloguePath    = "/console/staff/catalogue"
	serviceTypesPath = cataloguePath + "/service-types"
	regionsPath      = cataloguePath + "/regions"
)

// catalogueRoutes registers the 产品目录 pages.
func (h *handler) catalogueRoutes() {
	need := perms(auth.PermStaffCatalogue)
	h.page("GET "+cataloguePath, need, h.productsPage)
	h.pageAndForm(cataloguePath+"/new", need, h.productPage)
	h.pageAndForm(cataloguePath+"/products/{id}", need, h.productPage)
	h.page("GET "+serviceTypesPath, need, h.serviceTypesPage)
	h.page("POST "+serviceTypesPath, need, h.saveServiceType)
	h.page("GET "+regionsPath, need, h.regionsPage)
	h.page("POST "+regionsPath, need, h.saveRegion)
}

// The refusals of parseRate.
var (
	errRateNotNumber  = errors.New("not a number")
	errRateTooPrecise = errors.New("more than 8 decimals")
	errRateRange      = errors.New("out of range")
)

// maxRateYuan bounds a pay-per-use rate: a million yuan per unit and hour.
const maxRateYuan = 1_000_000

// parseRate reads a rate in yuan with up to 8 decimals, exactly, into
// units of 1e-8 yuan (catalogue.RateScale a yuan). It never goes through a
// float; more decimals are refused rather than rounded.
func parseRate(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasDot := strings.Cut(s, ".")
	if s == "" || (whole == "" && frac == "") || (hasDot && frac == "") || !digits(whole) || !digits(frac) {
		return 0, errRateNotNumber
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 8 {
		return 0, errRateTooPrecise
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 7 {
		return 0, errRateRange
	}
	var yuan int64
	if whole != "" {
		yuan, _ = strconv.ParseInt(whole, 10, 64)
	}
	if yuan > maxRateYuan {
		return 0, errRateRange
	}
	units, _ := strconv.ParseInt(frac+strings.Repeat("0", 8-len(frac)), 10, 64)
	rate := yuan*catalogue.RateScale + units
	if rate > maxRateYuan*catalogue.RateScale {
		return 0, errRateRange
	}
	return rate, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var rateKeys = map[error]string{
	errRateNotNumber:  "catalogue.rate_number",
	errRateTooPrecise: "catalogue.rate_precision",
	errRateRange:      "catalogue.rate_range",
}

// priceField reads an optional price in yuan (2 decimals) into fen; empty
// is 0, not sold that way.
func (c *call) priceField(f *form, field string) int64 {
	s := f.Get(field)
	if s == "" {
		return 0
	}
	fen, err := money.Parse(s)
	if err == nil && fen < 0 {
		f.fieldError(field, c.t("catalogue.price_negative"))
		return 0
	}
	if err != nil {
		key, ok := amountKeys[err]
		if !ok {
			key = "customers.amount_number"
		}
		f.fieldError(field, c.t(key))
	}
	return fen
}

// productsView is the product list.
type productsView struct {
	ServiceTypes []option
	Rows         []productRow
	Reset        string
}

type productRow struct {
	*catalogue.Product
	Service, Spec, ResourceType, Regions string
	Monthly, Yearly, Rate                string
}

func (h *handler) productsPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	names, err := loadCatalogueNames(ctx, q, c.lang)
	if err != nil {
		return err
	}
	f := newForm(c.r.URL.Query())
	list, err := catalogue.List(ctx, q, catalogue.ProductFilter{ServiceTypeCode: f.Get("service_type"), Query: f.Get("q"),
		OnSaleOnly: f.Get("on_sale") == "1", PayPerUseOnly: f.Get("pay_per_use") == "1"})
	if err != nil {
		return err
	}
	v := productsView{ServiceTypes: names.serviceOptions(), Reset: cataloguePath}
	for _, p := range list {
		row := productRow{Product: p, Service: names.service(p.ServiceTypeCode), Spec: names.pick(p.SpecZh, p.SpecEn),
			ResourceType: names.pick(p.ResourceTypeZh, p.ResourceTypeEn), Monthly: "-", Yearly: "-", Rate: "-"}
		if p.MonthlyPrice > 0 {
			row.Monthly = money.Format(p.MonthlyPrice)
		}
		if p.YearlyPrice > 0 {
			row.Yearly = money.Format(p.YearlyPrice)
		}
		if p.PayPerUse() {
			row.Rate = catalogue.FormatRate(p.UsageRate) + " / " + p.UsageUnit
		}
		if len(p.Regions) == 0 {
			row.Regions = c.t("catalogue.all_regions")
		} else {
			var rs []string
			for _, r := range p.Regions {
				rs = append(rs, names.region(r))
			}
			row.Regions = strings.Join(rs, "、")
		}
		v.Rows = append(v.Rows, row)
	}
	return c.render(http.StatusOK, "catalogue", &view{Title: "catalogue.title", Active: cataloguePath, Form: f, Data: v})
}

// productView is the product editor.
type productView struct {
	New          bool
	ID           string
	ServiceTypes []option
	Regions      []option
	Action       string
}

// productForm is a product's fields as the form shows them.
func productForm(p *catalogue.Product) url.Values {
	v := url.Values{"service_type_code": {p.ServiceTypeCode}, "resource_type_code": {p.ResourceTypeCode}, "resource_type_zh": {p.ResourceTypeZh},
		"resource_type_en": {p.ResourceTypeEn}, "spec_code": {p.SpecCode}, "spec_zh": {p.SpecZh}, "spec_en": {p.SpecEn}, "regions": p.Regions,
		"usage_unit": {p.UsageUnit}}
	if p.MonthlyPrice > 0 {
		v.Set("monthly_price", money.Plain(p.MonthlyPrice))
	}
	if p.YearlyPrice > 0 {
		v.Set("yearly_price", money.Plain(p.YearlyPrice))
	}
	if p.UsageRate > 0 {
		v.Set("usage_rate", catalogue.FormatRate(p.UsageRate))
	}
	if p.Incentive {
		v.Set("incentive", "1")
	}
	if p.OnSale {
		v.Set("on_sale", "1")
	}
	return v
}

// productSummary is how a product appears in the audit log.
func productSummary(p *catalogue.Product) map[string]any {
	return map[string]any{"service_type_code": p.ServiceTypeCode, "resource_type_code": p.ResourceTypeCode, "spec_code": p.SpecCode,
		"spec_zh": p.SpecZh, "spec_en": p.SpecEn, "regions": strings.Join(p.Regions, ","), "monthly_price": money.Format(p.MonthlyPrice),
		"yearly_price": money.Format(p.YearlyPrice), "usage_unit": p.UsageUnit, "usage_rate": catalogue.FormatRate(p.UsageRate),
		"incentive": p.Incentive, "on_sale": p.OnSale}
}

// productPage creates a product (…/new) or edits one (…/products/{id}).
func (h *handler) productPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	id := c.r.PathValue("id")
	var before *catalogue.Product
	if id != "" {
		var err error
		if before, err = catalogue.Get(ctx, q, id); err != nil {
			return err
		}
	}
	names, err := loadCatalogueNames(ctx, q, c.lang)
	if err != nil {
		return err
	}
	v := productView{New: before == nil, ID: id, ServiceTypes: names.serviceOptions(), Regions: names.regionOptions(), Action: c.r.URL.Path}
	title := "catalogue.new_product"
	if before != nil {
		title = "catalogue.edit_product"
	}
	show := func(status int, f *form) error {
		return c.render(status, "catalogue_product", &view{Title: title, Active: cataloguePath, Form: f, Data: v})
	}
	if c.r.Method == http.MethodGet {
		if before == nil {
			return show(http.StatusOK, newForm(url.Values{"on_sale": {"1"}}))
		}
		return show(http.StatusOK, newForm(productForm(before)))
	}
	f := newForm(c.postForm())
	p := &catalogue.Product{ID: id, ServiceTypeCode: f.Get("service_type_code"), ResourceTypeCode: f.Get("resource_type_code"),
		ResourceTypeZh: f.Get("resource_type_zh"), ResourceTypeEn: f.Get("resource_type_en"), SpecCode: f.Get("spec_code"),
		SpecZh: f.Get("spec_zh"), SpecEn: f.Get("spec_en"), UsageUnit: f.Get("usage_unit"),
		Incentive: f.Get("incentive") == "1", OnSale: f.Get("on_sale") == "1"}
	for _, r := range f.Values["regions"] {
		if r = strings.TrimSpace(r); r != "" {
			p.Regions = append(p.Regions, r)
		}
	}
	p.MonthlyPrice = c.priceField(f, "monthly_price")
	p.YearlyPrice = c.priceField(f, "yearly_price")
	if s := f.Get("usage_rate"); s != "" {
		rate, err := parseRate(s)
		if err != nil {
			f.fieldError("usage_rate", c.t(rateKeys[err]))
		}
		p.UsageRate = rate
	}
	if len(p.UsageUnit) > 32 {
		f.fieldError("usage_unit", c.t("catalogue.unit_long"))
	}
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if err := catalogue.Save(ctx, tx, p); err != nil {
			return err
		}
		change := audit.Change{Action: "catalogue.product_create", ObjectType: "cloud_product", ObjectID: p.ID, After: productSummary(p)}
		if before != nil {
			change.Action, change.Before = "catalogue.product_update", productSummary(before)
		}
		return audit.Record(ctx, tx, change)
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return show(http.StatusUnprocessableEntity, f)
	}
	key := "catalogue.product_created"
	if before != nil {
		key = "catalogue.product_saved"
	}
	return c.done(key, cataloguePath, p.SpecCode)
}

// namesView is the service type or region page: the list and the form
// that adds one or renames one (an existing code).
type namesView struct {
	Kind  string // service_types, regions
	Rows  []namedRow
	Total int
}

type namedRow struct {
	Code, NameZh, NameEn string
	Sort                 int
}

func (h *handler) serviceTypesPage(c *call) error {
	return h.renderNames(c, http.StatusOK, "service_types", nil)
}

func (h *handler) regionsPage(c *call) error {
	return h.renderNames(c, http.StatusOK, "regions", nil)
}

func (h *handler) renderNames(c *call, status int, kind string, f *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	v := namesView{Kind: kind}
	title, active := "catalogue.service_types", serviceTypesPath
	if kind == "service_types" {
		list, err := catalogue.ServiceTypes(ctx, q)
		if err != nil {
			return err
		}
		for _, s := range list {
			v.Rows = append(v.Rows, namedRow{s.Code, s.NameZh, s.NameEn, s.Sort})
		}
	} else {
		title, active = "catalogue.regions", regionsPath
		list, err := catalogue.Regions(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range list {
			v.Rows = append(v.Rows, namedRow{r.Code, r.NameZh, r.NameEn, r.Sort})
		}
	}
	v.Total = len(v.Rows)
	if f == nil {
		// 重命名 of a row opens the form filled with it.
		f = newForm(nil)
		for _, r := range v.Rows {
			if r.Code == c.r.URL.Query().Get("code") {
				f.Values = url.Values{"code": {r.Code}, "name_zh": {r.NameZh}, "name_en": {r.NameEn}, "sort": {strconv.Itoa(r.Sort)}}
			}
		}
	}
	return c.render(status, "catalogue_names", &view{Title: title, Active: active, Form: f, Data: v})
}

func (h *handler) saveServiceType(c *call) error { return h.saveNamed(c, "service_types") }
func (h *handler) saveRegion(c *call) error      { return h.saveNamed(c, "regions") }

// saveNamed adds or renames a service type or a region.
func (h *handler) saveNamed(c *call, kind string) error {
	f := newForm(c.postForm())
	code, zh, en := f.Get("code"), f.Get("name_zh"), f.Get("name_en")
	sort, sortGiven := 0, f.Get("sort") != ""
	if s := f.Get("sort"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100_000 {
			f.fieldError("sort", c.t("catalogue.sort_number"))
		}
		sort = n
	}
	if strings.TrimSpace(zh) == "" || strings.TrimSpace(en) == "" {
		field := "name_zh"
		if strings.TrimSpace(zh) != "" {
			field = "name_en"
		}
		f.fieldError(field, c.t("catalogue.name_required"))
	}
	if len([]rune(zh)) > 64 || len([]rune(en)) > 64 {
		f.fieldError("name_zh", c.t("catalogue.name_long"))
	}
	var before *namedRow
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if kind == "service_types" {
			list, err := catalogue.ServiceTypes(ctx, tx)
			if err != nil {
				return err
			}
			for _, s := range list {
				if s.Code == code {
					before = &namedRow{s.Code, s.NameZh, s.NameEn, s.Sort}
				}
			}
			if before != nil && !sortGiven {
				sort = before.Sort // a rename keeps the place
			}
			if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: code, NameZh: zh, NameEn: en, Sort: sort}); err != nil {
				return err
			}
		} else {
			list, err := catalogue.Regions(ctx, tx)
			if err != nil {
				return err
			}
			for _, r := range list {
				if r.Code == code {
					before = &namedRow{r.Code, r.NameZh, r.NameEn, r.Sort}
				}
			}
			if before != nil && !sortGiven {
				sort = before.Sort
			}
			if err := catalogue.SaveRegion(ctx, tx, catalogue.Region{Code: code, NameZh: zh, NameEn: en, Sort: sort}); err != nil {
				return err
			}
		}
		change := audit.Change{Action: "catalogue.service_type_save", ObjectType: "cloud_service_type", ObjectID: code,
			After: map[string]any{"name_zh": zh, "name_en": en, "sort": sort}}
		if kind == "regions" {
			change.Action, change.ObjectType = "catalogue.region_save", "cloud_region"
		}
		if before != nil {
			change.Before = map[string]any{"name_zh": before.NameZh, "name_en": before.NameEn, "sort": before.Sort}
		}
		return audit.Record(ctx, tx, change)
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderNames(c, http.StatusUnprocessableEntity, kind, f)
	}
	target := serviceTypesPath
	if kind == "regions" {
		target = regionsPath
	}
	key := "catalogue.added"
	if before != nil {
		key = "catalogue.renamed"
	}
	return c.done(key, target, code)
}
