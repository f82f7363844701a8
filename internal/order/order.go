// Package order owns what partners buy for their resale customers from the
// provider's cloud: on-behalf orders (代客下单) of the types new, renew,
// change and unsubscribe with their payment from the customer's balance and
// coupons, the customer's authorisation to order on its behalf, and the
// 包年/包月 and pay-per-use resources orders create (查看资源) with their
// renewal, unsubscription, auto-renewal, expiry and release. Hourly rating of
// pay-per-use resources is the metering package's.
package order

import (
	"context"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/customer"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Order types, as the API's order_type.
const (
	TypeNew         = 1
	TypeRenew       = 2
	TypeChange      = 3
	TypeUnsubscribe = 4
)

// Order statuses, as the API's status.
const (
	StatusCancelled      = 4
	StatusCompleted      = 5
	StatusPendingPayment = 6
)

// SourcePartner is the API's source_type of orders a partner places.
const SourcePartner = 2

// PaymentWindow is how long an order waits for payment before the
// housekeeping job cancels it.
const PaymentWindow = 7 * 24 * time.Hour

// Order is a customer order.
type Order struct {
	ID              string
	PartnerID       string
	CustomerID      string
	CustomerName    string
	Type            int
	Status          int
	SourceType      int
	ServiceTypeCode string
	OfficialAmount  int64 // list price, fen; negative for refunds
	DiscountAmount  int64
	Amount          int64 // what is paid; negative: refunded
	CouponAmount    int64
	BalanceAmount   int64
	CreatedBy       string
	CreatedAt       time.Time
	PaymentDeadline time.Time
	PaidAt          time.Time
	CancelledAt     time.Time
	CancelReason    string
	TransID         string
	Lines           []*Line // filled by Get
}

// Line is one product of an order.
type Line struct {
	ID              string
	OrderID         string
	No              int
	ProductID       string
	ServiceTypeCode string
	RegionCode      string
	PeriodType      int
	PeriodNum       int
	Quantity        int
	OfficialAmount  int64
	Amount          int64
	ResourceID      string
	ResourceName    string
	EffectiveAt     time.Time
	ExpiresAt       time.Time
	// From the catalogue, for display.
	SpecCode string
	SpecZh   string
	SpecEn   string
}

// CouponUse is a coupon that paid part of an order.
type CouponUse struct {
	CouponID string
	Code     string
	Type     int
	Amount   int64
}

// Errors.
var (
	ErrOrderNotFound   = apperr.NotFoundf("order.not_found", "the order does not exist").WithAPICode("CBC.0101")
	ErrNotPending      = apperr.New(apperr.Conflict, "order.not_pending", "only orders pending payment can be paid or cancelled").WithAPICode("CBC.30000009")
	ErrPaymentTimedOut = apperr.New(apperr.Conflict, "order.payment_timed_out", "the order's payment deadline has passed")
	ErrNotResale       = apperr.New(apperr.Conflict, "order.referral_customer", "orders can be placed only for resale customers")
	ErrNotAuthorised   = apperr.New(apperr.Forbidden, "order.not_authorised", "the customer has not authorised ordering on its behalf")
)

const orderColumns = `o.id, o.partner_id, o.customer_id, c.domain_name, o.order_type, o.status, o.source_type, o.service_type_code,
	o.official_amount, o.discount_amount, o.amount, o.coupon_amount, o.balance_amount, o.created_by, o.created_at, o.payment_deadline,
	COALESCE(o.paid_at, 0), COALESCE(o.cancelled_at, 0), o.cancel_reason, o.trans_id`

const orderFrom = ` FROM customer_orders o JOIN customers c ON c.id = o.customer_id`

func scanOrder(row interface{ Scan(...any) error }) (*Order, error) {
	var o Order
	var created, deadline, paid, cancelled int64
	err := row.Scan(&o.ID, &o.PartnerID, &o.CustomerID, &o.CustomerName, &o.Type, &o.Status, &o.SourceType, &o.ServiceTypeCode,
		&o.OfficialAmount, &o.DiscountAmount, &o.Amount, &o.CouponAmount, &o.BalanceAmount, &o.CreatedBy, &created, &deadline,
		&paid, &cancelled, &o.CancelReason, &o.TransID)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	o.CreatedAt, o.PaymentDeadline, o.PaidAt, o.CancelledAt = store.Time(created), store.Time(deadline), store.Time(paid), store.Time(cancelled)
	return &o, nil
}

// Get returns an order with its lines, if its customer is in scope.
func Get(ctx context.Context, q store.Queryer, scope customer.Scope, id string) (*Order, error) {
	cond, args := scope.Condition(q)
	o, err := scanOrder(q.QueryRowContext(ctx, `SELECT `+orderColumns+orderFrom+` WHERE o.id = ? AND o.partner_id = c.partner_id AND `+cond,
		append([]any{id}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrOrderNotFound
	}
	if err != nil {
		return nil, err
	}
	o.Lines, err = lines(ctx, q, o.ID)
	return o, err
}

func lines(ctx context.Context, q store.Queryer, orderID string) ([]*Line, error) {
	rows, err := q.QueryContext(ctx, `SELECT l.id, l.order_id, l.line_no, l.product_id, l.service_type_code, l.region_code, l.period_type,
		l.period_num, l.quantity, l.official_amount, l.amount, l.resource_id, l.resource_name, COALESCE(l.effective_at, 0),
		COALESCE(l.expires_at, 0), p.spec_code, p.spec_zh, p.spec_en
		FROM customer_order_lines l JOIN cloud_products p ON p.id = l.product_id WHERE l.order_id = ? ORDER BY l.line_no`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Line
	for rows.Next() {
		var l Line
		var eff, exp int64
		if err := rows.Scan(&l.ID, &l.OrderID, &l.No, &l.ProductID, &l.ServiceTypeCode, &l.RegionCode, &l.PeriodType, &l.PeriodNum,
			&l.Quantity, &l.OfficialAmount, &l.Amount, &l.ResourceID, &l.ResourceName, &eff, &exp, &l.SpecCode, &l.SpecZh, &l.SpecEn); err != nil {
			return nil, err
		}
		l.EffectiveAt, l.ExpiresAt = store.Time(eff), store.Time(exp)
		out = append(out, &l)
	}
	return out, rows.Err()
}

// Coupons lists the coupons that paid an order.
func Coupons(ctx context.Context, q store.Queryer, orderID string) ([]CouponUse, error) {
	rows, err := q.QueryContext(ctx, `SELECT oc.coupon_id, c.code, c.coupon_type, oc.amount FROM customer_order_coupons oc
		JOIN coupons c ON c.id = oc.coupon_id WHERE oc.order_id = ? ORDER BY oc.coupon_id`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CouponUse
	for rows.Next() {
		var u CouponUse
		if err := rows.Scan(&u.CouponID, &u.Code, &u.Type, &u.Amount); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Filter selects orders for List.
type Filter struct {
	Scope           customer.Scope
	OrderID         string
	CustomerID      string
	ServiceTypeCode string
	Status          int // 0: any
	Type            int // 0: any
	CreatedFrom     time.Time
	CreatedTo       time.Time
	PaidFrom        time.Time
	PaidTo          time.Time
	OldestFirst     bool
	Offset, Limit   int
}

// MaxPage is the largest page a list returns.
const MaxPage = 1000

// List returns a page of orders, newest first unless asked otherwise, and
// the total matching.
func List(ctx context.Context, q store.Queryer, f Filter) ([]*Order, int, error) {
	cond, args := f.Scope.Condition(q)
	where := []string{cond, "o.partner_id = c.partner_id"}
	add := func(c string, a ...any) { where, args = append(where, c), append(args, a...) }
	if f.OrderID != "" {
		add("o.id = ?", f.OrderID)
	}
	if f.CustomerID != "" {
		add("o.customer_id = ?", f.CustomerID)
	}
	if f.ServiceTypeCode != "" {
		add("o.service_type_code = ?", f.ServiceTypeCode)
	}
	if f.Status != 0 {
		add("o.status = ?", f.Status)
	}
	if f.Type != 0 {
		add("o.order_type = ?", f.Type)
	}
	if !f.CreatedFrom.IsZero() {
		add("o.created_at >= ?", store.Micros(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		add("o.created_at <= ?", store.Micros(f.CreatedTo))
	}
	if !f.PaidFrom.IsZero() {
		add("o.paid_at >= ?", store.Micros(f.PaidFrom))
	}
	if !f.PaidTo.IsZero() {
		add("o.paid_at <= ?", store.Micros(f.PaidTo))
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+orderFrom+` WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPage {
		limit = 10
	}
	order := "o.created_at DESC, o.id DESC"
	if f.OldestFirst {
		order = "o.created_at, o.id"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+orderColumns+orderFrom+` WHERE `+w+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, o)
	}
	return out, total, rows.Err()
}

// newOrderID makes an order id in the provider's shape: CS, the creation
// time to the minute (UTC+8) and eight random letters, e.g. CS2612042230KQXABMNP.
func newOrderID(now time.Time) string {
	return "CS" + now.In(chinaTime).Format("0601021504") + ids.Letters(8)
}

var chinaTime = time.FixedZone("UTC+8", 8*3600)
