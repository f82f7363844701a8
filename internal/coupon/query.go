package coupon

import (
	"context"
	"strings"
	"time"

	"partnercenter/internal/store"
)

// The partner API's quota and coupon queries filter on more than the
// console's lists: several ids or statuses at once and ranges of creation,
// effective and expiry time. They page the same way, newest first.

// TimeRange is an inclusive range of times; a zero end is open.
type TimeRange struct{ From, To time.Time }

// QuotaQuery selects a partner's quotas (ListQuotaCoupons).
type QuotaQuery struct {
	PartnerID                    string
	Type                         int
	IDs                          []string // empty: any
	Statuses                     []int    // empty: any
	Created, Effective, Expiring TimeRange
	Offset, Limit                int
}

// CouponQuery selects the coupons a partner issued (ListIssuedPartnerCoupons).
type CouponQuery struct {
	Filter
	OrderID             string // coupons an order used
	Effective, Expiring TimeRange
}

// where is a conjunction of conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds column IN (values) unless values is empty.
func in[T any](w *where, column string, values []T) {
	if len(values) == 0 {
		return
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	w.add(column+" IN (?"+strings.Repeat(", ?", len(values)-1)+")", args...)
}

// between adds the range's bounds on a column of microseconds.
func (w *where) between(column string, r TimeRange) {
	if !r.From.IsZero() {
		w.add(column+" >= ?", store.Micros(r.From))
	}
	if !r.To.IsZero() {
		w.add(column+" <= ?", store.Micros(r.To))
	}
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

// FindQuotas returns a page of a partner's quotas of one type, newest first,
// and the total.
func FindQuotas(ctx context.Context, q store.Queryer, f QuotaQuery) ([]*Quota, int, error) {
	w := &where{}
	w.add("q.partner_id = ? AND q.quota_type = ?", f.PartnerID, f.Type)
	in(w, "q.id", f.IDs)
	in(w, "q.status", f.Statuses)
	w.between("q.created_at", f.Created)
	w.between("q.effective_at", f.Effective)
	w.between("q.expires_at", f.Expiring)
	return findPage(ctx, q, "coupon_quotas q", quotaColumns+quotaFrom, "q", w, f.Offset, f.Limit, scanQuota)
}

// FindCoupons returns a page of the coupons a partner issued, newest first,
// and the total.
func FindCoupons(ctx context.Context, q store.Queryer, f CouponQuery) ([]*Coupon, int, error) {
	w := &where{}
	w.add("c.partner_id = ?", f.PartnerID)
	for _, c := range []struct {
		cond string
		set  bool
		v    any
	}{
		{"c.coupon_type = ?", f.Type != 0, f.Type},
		{"c.status = ?", f.Status != 0, f.Status},
		{"c.customer_id = ?", f.CustomerID != "", f.CustomerID},
		{"c.quota_id = ?", f.QuotaID != "", f.QuotaID},
		{"c.id = ?", f.CouponID != "", f.CouponID},
		{"c.id IN (SELECT coupon_id FROM coupon_usages WHERE reference = ?)", f.OrderID != "", f.OrderID},
	} {
		if c.set {
			w.add(c.cond, c.v)
		}
	}
	w.between("c.created_at", TimeRange{f.CreatedFrom, f.CreatedTo})
	w.between("c.effective_at", f.Effective)
	w.between("c.expires_at", f.Expiring)
	return findPage(ctx, q, "coupons c", couponColumns+couponFrom, "c", w, f.Offset, f.Limit, scanCoupon)
}

// findPage counts the rows of table (with its alias) that match w and reads
// one page of them, newest first: selectFrom is the columns and joins a row
// is scanned from.
func findPage[T any](ctx context.Context, q store.Queryer, table, selectFrom, alias string, w *where, offset, limit int,
	scan func(interface{ Scan(...any) error }) (T, error)) ([]T, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if total == 0 || offset >= total {
		return nil, total, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT `+selectFrom+` WHERE `+w.String()+` ORDER BY `+alias+`.created_at DESC, `+alias+
		`.id DESC LIMIT ? OFFSET ?`, append(w.args, pageLimit(limit), offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, rows.Err()
}

// pageLimit is a page's size, 10 unless the caller says.
func pageLimit(n int) int {
	if n <= 0 {
		return 10
	}
	return n
}
