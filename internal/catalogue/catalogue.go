// Package catalogue owns the simulated provider cloud's product catalogue:
// service types, regions and products (one resource spec each) with their
// 包年/包月 prices and pay-per-use rates, and the product incentive flag the
// incentive capability reads. It prices order lines; it moves no money.
//
// This is the seam where a real billing system plugs in: orders and
// metering ask the catalogue for products and prices and nothing else.
package catalogue

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Period types, as the API's period_type.
const (
	PeriodMonth = 2
	PeriodYear  = 3
)

// RateScale is how many rate units make a yuan: pay-per-use rates are kept
// with 8 decimals, so 1 fen is 1,000,000 rate units.
const (
	RateScale   = 100_000_000
	RatePerFen  = RateScale / 100
	MaxPeriods  = 9 // per order line: up to 9 months or 9 years... the provider sells 1-9 months, 1-3 years
	MaxYears    = 3
	MaxQuantity = 100
)

// ServiceType is a cloud service (计算, 云硬盘, ...).
type ServiceType struct {
	Code   string
	NameZh string
	NameEn string
	Sort   int
}

// Region is where resources run.
type Region struct {
	Code   string
	NameZh string
	NameEn string
	Sort   int
}

// Product is one sellable resource spec with its prices.
type Product struct {
	ID               string
	ServiceTypeCode  string
	ResourceTypeCode string
	ResourceTypeZh   string
	ResourceTypeEn   string
	SpecCode         string
	SpecZh           string
	SpecEn           string
	Regions          []string // empty: every region
	MonthlyPrice     int64    // fen per unit and month; 0: not sold by the month
	YearlyPrice      int64    // fen per unit and year; 0: not sold by the year
	UsageUnit        string   // "hour", "GB-hour"...; empty: not sold pay-per-use
	UsageRate        int64    // 1e-8 yuan per usage unit and hour
	Incentive        bool     // counts for product incentives
	OnSale           bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// SoldIn reports whether the product is sold in a region.
func (p *Product) SoldIn(region string) bool {
	return len(p.Regions) == 0 || slices.Contains(p.Regions, region)
}

// PayPerUse reports whether the product can run pay-per-use.
func (p *Product) PayPerUse() bool { return p.UsageUnit != "" && p.UsageRate > 0 }

// PeriodPrice is the list price of one unit for one period, or an error
// when the product is not sold that way.
func (p *Product) PeriodPrice(periodType int) (int64, error) {
	var price int64
	switch periodType {
	case PeriodMonth:
		price = p.MonthlyPrice
	case PeriodYear:
		price = p.YearlyPrice
	default:
		return 0, apperr.Field("period_type", "catalogue.period_type", "the period must be months (2) or years (3)").WithAPICode("CBC.0100")
	}
	if price <= 0 {
		return 0, apperr.Field("period_type", "catalogue.period_not_sold", "the product is not sold for this period").WithAPICode("CBC.0100")
	}
	return price, nil
}

// LinePrice is the list price of quantity units for periodNum periods,
// with the limits of one order line checked.
func (p *Product) LinePrice(periodType, periodNum, quantity int) (int64, error) {
	price, err := p.PeriodPrice(periodType)
	if err != nil {
		return 0, err
	}
	maxNum := MaxPeriods
	if periodType == PeriodYear {
		maxNum = MaxYears
	}
	if periodNum < 1 || periodNum > maxNum {
		return 0, apperr.Field("period_num", "catalogue.period_num", "the number of periods must be from 1 to %d", maxNum).WithAPICode("CBC.0100")
	}
	if quantity < 1 || quantity > MaxQuantity {
		return 0, apperr.Field("quantity", "catalogue.quantity", "the quantity must be from 1 to %d", MaxQuantity).WithAPICode("CBC.0100")
	}
	return price * int64(periodNum) * int64(quantity), nil
}

// PeriodEnd is when a subscription of periodNum periods starting at from
// ends: the same day of the month, or the month's last day when it is
// shorter (a month from 31 January ends on 28 or 29 February, not in March).
func PeriodEnd(from time.Time, periodType, periodNum int) time.Time {
	months := periodNum
	if periodType == PeriodYear {
		months = 12 * periodNum
	}
	end := from.AddDate(0, months, 0)
	if end.Day() != from.Day() {
		// AddDate overflowed into the next month: step back to the last
		// day of the intended one.
		end = end.AddDate(0, 0, -end.Day())
	}
	return end
}

// Errors.
var (
	ErrProductNotFound = apperr.NotFoundf("catalogue.product_not_found", "the product does not exist")
	ErrNotOnSale       = apperr.New(apperr.Conflict, "catalogue.not_on_sale", "the product is not on sale")
)

const productColumns = `id, service_type_code, resource_type_code, resource_type_zh, resource_type_en, spec_code, spec_zh, spec_en,
	regions, monthly_price, yearly_price, usage_unit, usage_rate, incentive, on_sale, created_at, updated_at`

func scanProduct(row interface{ Scan(...any) error }) (*Product, error) {
	var p Product
	var regions string
	var created, updated int64
	err := row.Scan(&p.ID, &p.ServiceTypeCode, &p.ResourceTypeCode, &p.ResourceTypeZh, &p.ResourceTypeEn, &p.SpecCode,
		&p.SpecZh, &p.SpecEn, &regions, &p.MonthlyPrice, &p.YearlyPrice, &p.UsageUnit, &p.UsageRate, &p.Incentive, &p.OnSale,
		&created, &updated)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	if regions != "" {
		p.Regions = strings.Split(regions, ",")
	}
	p.CreatedAt, p.UpdatedAt = store.Time(created), store.Time(updated)
	return &p, nil
}

// Get returns a product.
func Get(ctx context.Context, q store.Queryer, id string) (*Product, error) {
	p, err := scanProduct(q.QueryRowContext(ctx, `SELECT `+productColumns+` FROM cloud_products WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrProductNotFound
	}
	return p, err
}

// ProductFilter selects products for List.
type ProductFilter struct {
	ServiceTypeCode string
	Query           string // part of the spec code or name
	OnSaleOnly      bool
	PayPerUseOnly   bool
}

// List returns the products matching f, by service type and spec.
func List(ctx context.Context, q store.Queryer, f ProductFilter) ([]*Product, error) {
	where, args := []string{"1=1"}, []any{}
	if f.ServiceTypeCode != "" {
		where, args = append(where, "service_type_code = ?"), append(args, f.ServiceTypeCode)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := store.LikeContains(strings.ToLower(s))
		where = append(where, "(LOWER(spec_code) LIKE ?"+store.LikeEscape+" OR LOWER(spec_zh) LIKE ?"+store.LikeEscape+" OR LOWER(spec_en) LIKE ?"+store.LikeEscape+")")
		args = append(args, like, like, like)
	}
	if f.OnSaleOnly {
		where = append(where, "on_sale = ?")
		args = append(args, true)
	}
	if f.PayPerUseOnly {
		where = append(where, "usage_unit <> '' AND usage_rate > 0")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+productColumns+` FROM cloud_products WHERE `+strings.Join(where, " AND ")+
		` ORDER BY service_type_code, spec_code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

func (p *Product) validate() error {
	switch {
	case p.ServiceTypeCode == "":
		return apperr.Field("service_type_code", "catalogue.service_type_required", "choose a service type")
	case !codePattern.MatchString(p.ResourceTypeCode):
		return apperr.Field("resource_type_code", "catalogue.code_format", "use lower-case letters, digits, dots, dashes or underscores")
	case !codePattern.MatchString(p.SpecCode):
		return apperr.Field("spec_code", "catalogue.code_format", "use lower-case letters, digits, dots, dashes or underscores")
	case strings.TrimSpace(p.SpecZh) == "" || strings.TrimSpace(p.SpecEn) == "":
		return apperr.Field("spec_zh", "catalogue.spec_name_required", "enter the spec's description in both languages")
	case p.MonthlyPrice < 0 || p.YearlyPrice < 0 || p.UsageRate < 0:
		return apperr.Field("monthly_price", "catalogue.price_negative", "prices cannot be negative")
	case p.MonthlyPrice == 0 && p.YearlyPrice == 0 && (p.UsageUnit == "" || p.UsageRate == 0):
		return apperr.Field("monthly_price", "catalogue.no_price", "give a monthly or yearly price, or a pay-per-use rate")
	case (p.UsageUnit == "") != (p.UsageRate == 0):
		return apperr.Field("usage_rate", "catalogue.usage_pair", "a pay-per-use rate needs its unit, and a unit its rate")
	}
	return nil
}

// Save creates a product (empty ID) or updates one. Changing prices does not
// touch orders already placed: they keep the price they were created with.
func Save(ctx context.Context, tx *store.Tx, p *Product) error {
	if err := p.validate(); err != nil {
		return err
	}
	var known int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cloud_service_types WHERE code = ?`, p.ServiceTypeCode).Scan(&known); err != nil {
		return err
	}
	if known == 0 {
		return apperr.Field("service_type_code", "catalogue.service_type_unknown", "the service type does not exist")
	}
	for _, r := range p.Regions {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cloud_regions WHERE code = ?`, r).Scan(&known); err != nil {
			return err
		}
		if known == 0 {
			return apperr.Field("regions", "catalogue.region_unknown", "the region %s does not exist", r)
		}
	}
	// Checked before writing: on PostgreSQL a refused insert would end the
	// caller's transaction.
	var taken int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cloud_products WHERE spec_code = ? AND id <> ?`, p.SpecCode, p.ID).Scan(&taken); err != nil {
		return err
	}
	if taken > 0 {
		return apperr.Field("spec_code", "catalogue.spec_taken", "another product has this spec code")
	}
	regions := strings.Join(p.Regions, ",")
	now := store.Micros(tx.Now)
	if p.ID == "" {
		p.ID = ids.New()
		_, err := tx.ExecContext(ctx, `INSERT INTO cloud_products (`+productColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.ServiceTypeCode, p.ResourceTypeCode, p.ResourceTypeZh, p.ResourceTypeEn, p.SpecCode, p.SpecZh, p.SpecEn, regions,
			p.MonthlyPrice, p.YearlyPrice, p.UsageUnit, p.UsageRate, p.Incentive, p.OnSale, now, now)
		if errors.Is(err, store.ErrConflict) {
			return apperr.Field("spec_code", "catalogue.spec_taken", "another product has this spec code")
		}
		p.CreatedAt, p.UpdatedAt = tx.Now, tx.Now
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE cloud_products SET service_type_code = ?, resource_type_code = ?, resource_type_zh = ?,
		resource_type_en = ?, spec_code = ?, spec_zh = ?, spec_en = ?, regions = ?, monthly_price = ?, yearly_price = ?, usage_unit = ?,
		usage_rate = ?, incentive = ?, on_sale = ?, updated_at = ? WHERE id = ?`,
		p.ServiceTypeCode, p.ResourceTypeCode, p.ResourceTypeZh, p.ResourceTypeEn, p.SpecCode, p.SpecZh, p.SpecEn, regions,
		p.MonthlyPrice, p.YearlyPrice, p.UsageUnit, p.UsageRate, p.Incentive, p.OnSale, now, p.ID)
	if errors.Is(err, store.ErrConflict) {
		return apperr.Field("spec_code", "catalogue.spec_taken", "another product has this spec code")
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrProductNotFound
	}
	p.UpdatedAt = tx.Now
	return nil
}

// SaveServiceType creates or renames a service type.
func SaveServiceType(ctx context.Context, tx *store.Tx, s ServiceType) error {
	if !strings.HasPrefix(s.Code, "hws.service.type.") || !codePattern.MatchString(s.Code) {
		return apperr.Field("code", "catalogue.service_type_code", "a service type code looks like hws.service.type.ebs")
	}
	if strings.TrimSpace(s.NameZh) == "" || strings.TrimSpace(s.NameEn) == "" {
		return apperr.Field("name_zh", "catalogue.name_required", "enter the name in both languages")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cloud_service_types (code, name_zh, name_en, sort) VALUES (?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, sort = excluded.sort`,
		s.Code, s.NameZh, s.NameEn, s.Sort)
	return err
}

// SaveRegion creates or renames a region.
func SaveRegion(ctx context.Context, tx *store.Tx, r Region) error {
	if !codePattern.MatchString(r.Code) {
		return apperr.Field("code", "catalogue.code_format", "use lower-case letters, digits, dots, dashes or underscores")
	}
	if strings.TrimSpace(r.NameZh) == "" || strings.TrimSpace(r.NameEn) == "" {
		return apperr.Field("name_zh", "catalogue.name_required", "enter the name in both languages")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cloud_regions (code, name_zh, name_en, sort) VALUES (?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, sort = excluded.sort`,
		r.Code, r.NameZh, r.NameEn, r.Sort)
	return err
}

// ServiceTypes lists the service types in their display order.
func ServiceTypes(ctx context.Context, q store.Queryer) ([]ServiceType, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name_zh, name_en, sort FROM cloud_service_types ORDER BY sort, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ServiceType
	for rows.Next() {
		var s ServiceType
		if err := rows.Scan(&s.Code, &s.NameZh, &s.NameEn, &s.Sort); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Regions lists the regions in their display order.
func Regions(ctx context.Context, q store.Queryer) ([]Region, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name_zh, name_en, sort FROM cloud_regions ORDER BY sort, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Region
	for rows.Next() {
		var r Region
		if err := rows.Scan(&r.Code, &r.NameZh, &r.NameEn, &r.Sort); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ServiceTypeName returns a service type's name in a language ("zh" or "en"),
// or the code when it is unknown.
func ServiceTypeName(types []ServiceType, code, lang string) string {
	for _, s := range types {
		if s.Code == code {
			if lang == "en" {
				return s.NameEn
			}
			return s.NameZh
		}
	}
	return code
}

// FormatRate shows a rate in yuan with its 8 decimals trimmed of zeros.
func FormatRate(rate int64) string {
	s := fmt.Sprintf("%d.%08d", rate/RateScale, rate%RateScale)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
