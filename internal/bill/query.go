package bill

import (
	"context"
	"strings"
	"time"

	"partnercenter/internal/customer"
	"partnercenter/internal/store"
)

// Charging modes of fee records, as the API's charging_mode.
const (
	ChargingPeriodic  = 1 // 包年/包月
	ChargingPayPerUse = 3 // 按需
)

// Filter selects fee records. The zero value of a field does not filter.
type Filter struct {
	Scope customer.Scope
	Month Month // required
	// LastMonth, when set, makes the filter the months Month to LastMonth.
	LastMonth        Month
	CustomerID       string
	ServiceTypeCode  string
	ResourceTypeCode string
	RegionCode       string
	ChargingMode     int
	// ManagerUserID keeps the fees attributed to this manager (in charge
	// when they were charged), whoever is in charge now.
	ManagerUserID string
	// Refund keeps refunds (true) or charges (false) only.
	Refund *bool
	// AssociationType keeps the customers associated so now (1 referral,
	// 2 resale).
	AssociationType int

	// Details only: these are not kept in the monthly sums.
	ResourceID   string
	ResourceName string
	// TradeID is an order's id, or a usage record's own id (the API's
	// trade_id).
	TradeID    string
	DetailType int // the API's bill_detail_type
	// From and To bound the fee time (To exclusive). They are read from
	// the records, not the sums: give them with a CustomerID (as the API
	// does), whose index finds the range; over a whole partner's month
	// they scan it (29 s for 7.2 million records: BenchmarkBillQueries).
	From, To time.Time

	Offset, Limit int
}

// sumsOnly reports whether the filter can be answered from fee_sums.
func (f *Filter) sumsOnly() bool {
	return f.ResourceID == "" && f.ResourceName == "" && f.TradeID == "" && (f.DetailType == 0 || f.DetailType == DetailUsage) &&
		f.From.IsZero() && f.To.IsZero()
}

// where is the filter as a condition on a table aliased a (fee_records or
// fee_sums, which share these columns) and customers c; joinC says whether
// the condition reads c, which the caller then joins.
func (f *Filter) where(q store.Queryer, a string) (cond string, args []any, joinC bool) {
	var b strings.Builder
	addRaw := func(s string, v ...any) {
		if b.Len() > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(s)
		args = append(args, v...)
	}
	add := func(s string, v ...any) { addRaw(replaceAlias(s, a), v...) }
	ids := f.Scope.PartnerIDs
	switch len(ids) {
	case 0:
		add("1=0")
	case 1:
		add("a.partner_id = ?", ids[0])
	default:
		add("a.partner_id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", anys(ids)...)
	}
	if f.LastMonth != 0 {
		add("a.bill_month BETWEEN ? AND ?", int(f.Month), int(f.LastMonth))
	} else {
		add("a.bill_month = ?", int(f.Month))
	}
	if f.Scope.ManagerUserID != "" {
		// A manager sees the customers in its charge, as the customer list
		// shows them.
		c, cargs := f.Scope.Condition(q)
		addRaw(c, cargs...)
		joinC = true
	}
	if f.AssociationType != 0 {
		addRaw("c.association_type = ?", f.AssociationType)
		joinC = true
	}
	if f.CustomerID != "" {
		add("a.customer_id = ?", f.CustomerID)
	}
	if f.ServiceTypeCode != "" {
		add("a.service_type_code = ?", f.ServiceTypeCode)
	}
	if f.ResourceTypeCode != "" {
		add("a.resource_type_code = ?", f.ResourceTypeCode)
	}
	if f.RegionCode != "" {
		add("a.region_code = ?", f.RegionCode)
	}
	if f.ChargingMode != 0 {
		add("a.charging_mode = ?", f.ChargingMode)
	}
	if f.ManagerUserID != "" {
		add("a.manager_user_id = ?", f.ManagerUserID)
	}
	if f.Refund != nil {
		if a == "s" {
			add("a.refund = ?", boolInt(*f.Refund))
		} else if *f.Refund {
			add("a.amount < 0")
		} else {
			add("a.amount >= 0")
		}
	}
	if a == "s" && f.DetailType == DetailUsage {
		// Usage is exactly the pay-per-use records: orders are 包年/包月.
		add("a.charging_mode = ?", ChargingPayPerUse)
	}
	if a == "f" {
		if f.ResourceID != "" {
			add("a.resource_id = ?", f.ResourceID)
		}
		if f.ResourceName != "" {
			add("a.resource_id IN (SELECT r2.id FROM cloud_resources r2 WHERE r2.name = ?)", f.ResourceName)
		}
		if f.TradeID != "" {
			add("(a.order_id = ? OR (a.order_id = '' AND a.id = ?))", f.TradeID, f.TradeID)
		}
		if f.DetailType != 0 {
			add(detailTypeSQL+" = ?", f.DetailType)
		}
		if !f.From.IsZero() {
			add("a.fee_at >= ?", store.Micros(f.From))
		}
		if !f.To.IsZero() {
			add("a.fee_at < ?", store.Micros(f.To))
		}
	}
	return b.String(), args, joinC
}

// replaceAlias writes a condition on the table aliased "a" for the alias.
func replaceAlias(s, alias string) string { return strings.ReplaceAll(s, "a.", alias+".") }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Sums are what a set of fee records adds up to, in fen.
type Sums struct {
	Count   int64 // fee records
	Amount  int64 // due: charges less refunds
	Coupon  int64 // paid by coupons
	Balance int64 // paid from (or refunded to) the customer's balance
	Debt    int64 // what the balance could not cover (arrears)
}

// Add adds other sums to these.
func (s *Sums) Add(o Sums) {
	s.Count += o.Count
	s.Amount += o.Amount
	s.Coupon += o.Coupon
	s.Balance += o.Balance
	s.Debt += o.Debt
}

const sumColumns = `COALESCE(SUM(s.n), 0), COALESCE(SUM(s.amount), 0), COALESCE(SUM(s.coupon_amount), 0),
	COALESCE(SUM(s.balance_amount), 0), COALESCE(SUM(s.debt_amount), 0)`

const recordSumColumns = `COUNT(*), COALESCE(SUM(f.amount), 0), COALESCE(SUM(f.coupon_amount), 0),
	COALESCE(SUM(f.balance_amount), 0), COALESCE(SUM(f.debt_amount), 0)`

func (s *Sums) dest() []any { return []any{&s.Count, &s.Amount, &s.Coupon, &s.Balance, &s.Debt} }

// Total is what the records the filter selects add up to, from the monthly
// sums when the filter allows it.
func Total(ctx context.Context, q store.Queryer, f Filter) (Sums, error) {
	var s Sums
	if f.sumsOnly() {
		cond, args, joinC := f.where(q, "s")
		err := q.QueryRowContext(ctx, `SELECT `+sumColumns+` FROM fee_sums s`+joinCustomers("s", joinC)+` WHERE `+cond, args...).Scan(s.dest()...)
		return s, err
	}
	cond, args, joinC := f.where(q, "f")
	err := q.QueryRowContext(ctx, `SELECT `+recordSumColumns+` FROM fee_records f`+joinCustomers("f", joinC)+` WHERE `+cond, args...).Scan(s.dest()...)
	return s, err
}

func joinCustomers(a string, join bool) string {
	if !join {
		return ""
	}
	return ` JOIN customers c ON c.id = ` + a + `.customer_id`
}
