package coupon

import (
	"context"
	"strings"
	"time"

	"partnercenter/internal/store"
)

// Filter selects issued coupons (已发放代金券 / 已发放现金券, ListIssuedPartnerCoupons).
type Filter struct {
	PartnerID     string
	Type          int // TypeVoucher or TypeCash; 0: both
	Status        int // 0: any
	CustomerID    string
	QuotaID       string
	CouponID      string
	CreatedFrom   time.Time
	CreatedTo     time.Time
	Offset, Limit int
}

// List returns a page of issued coupons, newest first, and the total.
func List(ctx context.Context, q store.Queryer, f Filter) ([]*Coupon, int, error) {
	where, args := []string{"c.partner_id = ?"}, []any{f.PartnerID}
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Type != 0 {
		add("c.coupon_type = ?", f.Type)
	}
	if f.Status != 0 {
		add("c.status = ?", f.Status)
	}
	if f.CustomerID != "" {
		add("c.customer_id = ?", f.CustomerID)
	}
	if f.QuotaID != "" {
		add("c.quota_id = ?", f.QuotaID)
	}
	if f.CouponID != "" {
		add("c.id = ?", f.CouponID)
	}
	if !f.CreatedFrom.IsZero() {
		add("c.created_at >= ?", store.Micros(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		add("c.created_at <= ?", store.Micros(f.CreatedTo))
	}
	w := strings.Join(where, " AND ")
	var total int
	var err error
	if f.countable() {
		total, err = countFromTable(ctx, q, f)
	} else {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM coupons c WHERE `+w, args...).Scan(&total)
	}
	if err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 10
	}
	if total == 0 || f.Offset >= total {
		return nil, total, nil
	}
	// The page's ids first, through the index alone; then their rows.
	rows, err := q.QueryContext(ctx, `SELECT `+couponColumns+couponFrom+` WHERE c.id IN (SELECT c.id FROM coupons c WHERE `+w+
		` ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?) ORDER BY c.created_at DESC, c.id DESC`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Coupon
	for rows.Next() {
		c, err := scanCoupon(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// Records returns a page of operation records, newest first, and the total.
func Records(ctx context.Context, q store.Queryer, f RecordFilter) ([]Record, int, error) {
	where, args := []string{"partner_id = ?"}, []any{f.PartnerID}
	if f.QuotaType != nil {
		where = append(where, "quota_type = ?")
		args = append(args, *f.QuotaType)
	}
	if len(f.Operations) > 0 {
		where = append(where, "operation IN (?"+strings.Repeat(", ?", len(f.Operations)-1)+")")
		for _, o := range f.Operations {
			args = append(args, o)
		}
	}
	if f.CouponID != "" {
		where = append(where, "coupon_id = ?")
		args = append(args, f.CouponID)
	}
	if !f.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, store.Micros(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at <= ?")
		args = append(args, store.Micros(f.To))
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM coupon_records WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT id, quota_type, quota_id, COALESCE(coupon_id, ''), COALESCE(customer_id, ''),
		COALESCE(indirect_partner_id, ''), operation, amount, result, reason, operator, at FROM coupon_records WHERE `+w+`
		ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var at int64
		if err := rows.Scan(&r.ID, &r.QuotaType, &r.QuotaID, &r.CouponID, &r.CustomerID, &r.IndirectPartnerID, &r.Operation, &r.Amount,
			&r.Result, &r.Reason, &r.Operator, &at); err != nil {
			return nil, 0, err
		}
		r.At = store.Time(at)
		out = append(out, r)
	}
	return out, total, rows.Err()
}
