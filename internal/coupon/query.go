package coupon

import (
	"context"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/store"
)

// The partner API's quota and coupon queries filter on more than the
// console's lists: several ids or statuses at once and ranges of creation,
// effective and expiry time. They page the same way, newest first.

// TimeRange is an inclusive range of times; a zero end is open.
type TimeRange struct{ From, To time.Time }

// QuotaQuery selects a partner's quotas (ListQuotaCoupons) or the quotas
// a total distributor issued to its resellers (ListIssuedCouponQuotas).
type QuotaQuery struct {
	PartnerID                    string // the holder; may be empty with IssuedBy
	IssuedBy                     string // the distributor whose quotas are the parents
	ParentQuotaID                string
	Type                         *int
	IDs                          []string // empty: any
	Statuses                     []int    // empty: any
	Created, Effective, Expiring TimeRange
	Offset, Limit                int
}

// CouponQuery selects the coupons a partner issued (ListIssuedPartnerCoupons).
type CouponQuery struct {
	Filter
	OrderID                     string // coupons an order used
	Effective, Expiring, Active TimeRange
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
	if f.PartnerID == "" && f.IssuedBy == "" {
		return nil, 0, errors.New("coupon: a quota query needs a partner scope")
	}
	if f.PartnerID != "" {
		w.add("q.partner_id = ?", f.PartnerID)
	}
	if f.IssuedBy != "" {
		w.add("q.parent_quota_id IN (SELECT id FROM coupon_quotas WHERE partner_id = ?)", f.IssuedBy)
	}
	if f.ParentQuotaID != "" {
		w.add("q.parent_quota_id = ?", f.ParentQuotaID)
	}
	if f.Type != nil {
		w.add("q.quota_type = ?", *f.Type)
	}
	in(w, "q.id", f.IDs)
	in(w, "q.status", f.Statuses)
	w.between("q.created_at", f.Created)
	w.between("q.effective_at", f.Effective)
	w.between("q.expires_at", f.Expiring)
	return findPage(ctx, q, "coupon_quotas q", quotaColumns+quotaFrom, newestQuotas, w, f.Offset, f.Limit, scanQuota)
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
	} {
		if c.set {
			w.add(c.cond, c.v)
		}
	}
	if f.OrderID != "" {
		// An order's payment uses a coupon once per line it pays, with the
		// reference "<order id>/<line no>"; other charges use the bare id.
		// The range keeps the reference index usable.
		w.add("c.id IN (SELECT coupon_id FROM coupon_usages WHERE reference = ? OR (reference >= ? AND reference < ?))",
			f.OrderID, f.OrderID+"/", f.OrderID+"0")
	}
	w.between("c.created_at", TimeRange{f.CreatedFrom, f.CreatedTo})
	w.between("c.effective_at", f.Effective)
	w.between("c.expires_at", f.Expiring)
	w.between("c.active_at", f.Active)
	return findPage(ctx, q, "coupons c", couponColumns+couponFrom, newestCoupons, w, f.Offset, f.Limit, scanCoupon)
}

// Orders of the lists, newest first; the id makes the order total, so that
// pages neither repeat nor skip a row.
const (
	newestQuotas  = "q.created_at DESC, q.id DESC"
	newestCoupons = "c.created_at DESC, c.id DESC"
	newestRecords = "r.at DESC, r.id DESC"
)

// findPage counts the rows of table that match w and reads one page of them
// in order: selectFrom is the columns and joins a row is scanned from.
func findPage[T any](ctx context.Context, q store.Queryer, table, selectFrom, order string, w *where, offset, limit int,
	scan func(interface{ Scan(...any) error }) (T, error)) ([]T, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if total == 0 || offset >= total {
		return nil, total, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT `+selectFrom+` WHERE `+w.String()+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(w.args, pageLimit(limit), offset)...)
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

// RecordQuery selects operation records: a partner's coupon records
// (ListPartnerCouponsRecord) or a distributor's quota records
// (ListCouponQuotasRecords).
type RecordQuery struct {
	PartnerID       string
	Operations      []string // empty: any
	QuotaID         string   // the quota the record is about (for quota records, the distributor's)
	ResellerQuotaID string   // quota records: the reseller's quota
	QuotaType       *int
	CouponIDs       []string // empty: any
	CustomerID      string
	ResellerID      string
	Succeeded       *bool
	At              TimeRange
	Offset, Limit   int
}

// RecordRow is an operation record with, for a quota issued to or reclaimed
// from a reseller, the reseller's quota.
type RecordRow struct {
	Record
	ResellerQuotaID string
}

// resellerQuota finds the reseller's quota of a quota record: records keep
// the distributor's quota, and the reseller's is the child of it that was
// created (issue) or set reclaimed (reclaim) in the record's transaction.
const resellerQuota = `COALESCE((SELECT k.id FROM coupon_quotas k WHERE k.parent_quota_id = r.quota_id AND k.partner_id = r.indirect_partner_id
	AND ((r.operation = 'quota_issue' AND k.created_at = r.at) OR (r.operation = 'quota_reclaim' AND k.updated_at = r.at AND k.status = 6))
	ORDER BY k.id LIMIT 1), '')`

const recordColumns = `r.id, r.quota_type, r.quota_id, COALESCE(r.coupon_id, ''), COALESCE(r.customer_id, ''),
	COALESCE(r.indirect_partner_id, ''), r.operation, r.amount, r.result, r.reason, r.operator, r.at, ` + resellerQuota + ` FROM coupon_records r`

func scanRecord(row interface{ Scan(...any) error }) (RecordRow, error) {
	var r RecordRow
	var at int64
	err := row.Scan(&r.ID, &r.QuotaType, &r.QuotaID, &r.CouponID, &r.CustomerID, &r.IndirectPartnerID, &r.Operation, &r.Amount,
		&r.Result, &r.Reason, &r.Operator, &at, &r.ResellerQuotaID)
	r.At = store.Time(at)
	return r, err
}

// FindRecords returns a page of a partner's operation records, newest
// first, and the total.
func FindRecords(ctx context.Context, q store.Queryer, f RecordQuery) ([]RecordRow, int, error) {
	w := &where{}
	w.add("r.partner_id = ?", f.PartnerID)
	in(w, "r.operation", f.Operations)
	in(w, "r.coupon_id", f.CouponIDs)
	for _, c := range []struct {
		cond string
		v    string
	}{{"r.quota_id = ?", f.QuotaID}, {resellerQuota + " = ?", f.ResellerQuotaID}, {"r.customer_id = ?", f.CustomerID},
		{"r.indirect_partner_id = ?", f.ResellerID}} {
		if c.v != "" {
			w.add(c.cond, c.v)
		}
	}
	if f.QuotaType != nil {
		w.add("r.quota_type = ?", *f.QuotaType)
	}
	if f.Succeeded != nil && *f.Succeeded {
		w.add("r.result = 'success'")
	} else if f.Succeeded != nil {
		w.add("r.result <> 'success'")
	}
	w.between("r.at", f.At)
	return findPage(ctx, q, "coupon_records r", recordColumns, newestRecords, w, f.Offset, f.Limit, scanRecord)
}
