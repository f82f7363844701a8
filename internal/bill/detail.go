package bill

import (
	"context"
	"time"

	"partnercenter/internal/store"
)

// Detail types, as the API's bill_detail_type.
const (
	DetailNew          = 1  // 消费-新购
	DetailRenew        = 2  // 消费-续订
	DetailChange       = 3  // 消费-变更
	DetailUnsubscribe  = 4  // 退款-退订
	DetailUsage        = 5  // 消费-使用
	DetailChangeRefund = 20 // 退款-变更
)

// DetailTypes are the detail types fee records have.
var DetailTypes = []int{DetailNew, DetailRenew, DetailChange, DetailUnsubscribe, DetailUsage, DetailChangeRefund}

// detailTypeSQL derives a fee record's detail type from its source and its
// order's type (customer_orders o, left-joined): the order types 1 to 4 are
// the detail types 1 to 4, except a change that refunds.
const detailTypeSQL = `(CASE WHEN a.source = 'usage' THEN 5
	WHEN a.order_id = '' THEN 0
	WHEN (SELECT o.order_type FROM customer_orders o WHERE o.id = a.order_id) = 3 AND a.amount < 0 THEN 20
	ELSE COALESCE((SELECT o.order_type FROM customer_orders o WHERE o.id = a.order_id), 0) END)`

// Record is one fee record with what a bill shows of it.
type Record struct {
	ID               string
	Source           string // usage | order
	PartnerID        string
	CustomerID       string
	CustomerName     string
	AssociationType  int
	ChargingMode     int
	ResourceID       string
	ResourceName     string
	OrderID          string
	DetailType       int
	ServiceTypeCode  string
	ResourceTypeCode string
	ResourceTypeZh   string
	ResourceTypeEn   string
	ProductID        string
	SpecCode         string
	SpecZh           string
	SpecEn           string
	RegionCode       string
	FeeAt            time.Time
	Month            Month
	UsageQuantity    int64
	RatedAmount      int64 // before rounding, 1e-8 yuan
	Amount           int64
	CouponAmount     int64
	BalanceAmount    int64
	DebtAmount       int64
	ManagerUserID    string
	CreatedAt        time.Time // when it was charged
}

// TradeID is the order's id, or for usage the record's own.
func (r *Record) TradeID() string {
	if r.OrderID != "" {
		return r.OrderID
	}
	return r.ID
}

var recordColumns = `f.id, f.source, f.partner_id, f.customer_id, c.domain_name, COALESCE(c.association_type, 0), f.charging_mode,
	f.resource_id, COALESCE(r.name, ''), f.order_id, ` + detailTypeF + `, f.service_type_code, f.resource_type_code,
	COALESCE(p.resource_type_zh, ''), COALESCE(p.resource_type_en, ''), f.product_id, COALESCE(p.spec_code, ''), COALESCE(p.spec_zh, ''),
	COALESCE(p.spec_en, ''), f.region_code, f.fee_at, f.bill_month, f.usage_quantity, f.rated_amount, f.amount, f.coupon_amount,
	f.balance_amount, f.debt_amount, f.manager_user_id, f.created_at`

// detailTypeF is detailTypeSQL on fee_records f.
var detailTypeF = replaceAlias(detailTypeSQL, "f")

const recordFrom = ` FROM fee_records f JOIN customers c ON c.id = f.customer_id
	LEFT JOIN cloud_resources r ON r.id = f.resource_id
	LEFT JOIN cloud_products p ON p.id = f.product_id`

func scanRecord(row interface{ Scan(...any) error }) (*Record, error) {
	var r Record
	var at, created int64
	var month int
	if err := row.Scan(&r.ID, &r.Source, &r.PartnerID, &r.CustomerID, &r.CustomerName, &r.AssociationType, &r.ChargingMode,
		&r.ResourceID, &r.ResourceName, &r.OrderID, &r.DetailType, &r.ServiceTypeCode, &r.ResourceTypeCode, &r.ResourceTypeZh,
		&r.ResourceTypeEn, &r.ProductID, &r.SpecCode, &r.SpecZh, &r.SpecEn, &r.RegionCode, &at, &month, &r.UsageQuantity,
		&r.RatedAmount, &r.Amount, &r.CouponAmount, &r.BalanceAmount, &r.DebtAmount, &r.ManagerUserID, &created); err != nil {
		return nil, err
	}
	r.FeeAt, r.Month, r.CreatedAt = store.Time(at), Month(month), store.Time(created)
	return &r, nil
}

// Details returns one page of the fee records a filter selects, by customer
// and then in time order, with what all of them add up to.
func Details(ctx context.Context, q store.Queryer, f Filter) ([]*Record, Sums, error) {
	total, err := Total(ctx, q, f)
	if err != nil || total.Count == 0 {
		return nil, total, err
	}
	cond, args, _ := f.where(q, "f") // recordFrom joins customers c
	limit := f.Limit
	if limit <= 0 {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+recordColumns+recordFrom+` WHERE `+cond+`
		ORDER BY f.customer_id, f.fee_at, f.id LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, total, err
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, total, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// EachDetail calls fn for every fee record the filter selects, in the order
// of Details, reading a thousand at a time from where the last page ended,
// so a month of millions of records is read in constant memory and time
// per row. Offset and Limit are ignored.
func EachDetail(ctx context.Context, q store.Queryer, f Filter, fn func(*Record) error) error {
	const page = 1000
	cond, args, _ := f.where(q, "f")
	var after *Record
	for {
		where, a := cond, args
		if after != nil {
			where += ` AND (f.customer_id, f.fee_at, f.id) > (?, ?, ?)`
			a = append(append([]any(nil), args...), after.CustomerID, store.Micros(after.FeeAt), after.ID)
		}
		rows, err := q.QueryContext(ctx, `SELECT `+recordColumns+recordFrom+` WHERE `+where+`
			ORDER BY f.customer_id, f.fee_at, f.id LIMIT ?`, append(a, page)...)
		if err != nil {
			return err
		}
		var batch []*Record
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range batch {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(batch) < page {
			return nil
		}
		after = batch[len(batch)-1]
	}
}
