package order

import (
	"context"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/coupon"
	"partnercenter/internal/store"
)

// Queries the partner API needs beyond the console's: resources by when they
// took effect (ListCustomerOnDemandResources), what coupons paid each line
// of an order by coupon type (ShowCustomerOrderDetails), and the coupons
// that could pay a pending order (ListOrderCouponsByOrderId).

// ResourceQuery is a ResourceFilter with an effective-time range.
type ResourceQuery struct {
	ResourceFilter
	EffectiveFrom time.Time
	EffectiveTo   time.Time
}

// FindResources is ListResources with the effective-time range applied too.
func FindResources(ctx context.Context, q store.Queryer, f ResourceQuery) ([]*Resource, int, error) {
	if f.EffectiveFrom.IsZero() && f.EffectiveTo.IsZero() {
		return ListResources(ctx, q, f.ResourceFilter)
	}
	cond, args := f.Scope.Condition(q)
	where := []string{cond, "r.partner_id = c.partner_id"}
	add := func(c string, a ...any) { where, args = append(where, c), append(args, a...) }
	if f.CustomerID != "" {
		add("r.customer_id = ?", f.CustomerID)
	}
	if f.ChargingMode != 0 {
		add("r.charging_mode = ?", f.ChargingMode)
	}
	if len(f.ResourceIDs) > 0 {
		add("r.id IN ("+placeholders(len(f.ResourceIDs))+")", anys(f.ResourceIDs)...)
	}
	if s := strings.TrimSpace(f.Name); s != "" {
		add("LOWER(r.name) LIKE ?", "%"+strings.ToLower(s)+"%")
	}
	if f.ServiceTypeCode != "" {
		add("r.service_type_code = ?", f.ServiceTypeCode)
	}
	if f.SpecCode != "" {
		add("r.spec_code = ?", f.SpecCode)
	}
	if f.RegionCode != "" {
		add("r.region_code = ?", f.RegionCode)
	}
	if len(f.Statuses) > 0 {
		add("r.status IN ("+placeholders(len(f.Statuses))+")", anys(f.Statuses)...)
	}
	if f.OrderID != "" {
		add("r.order_id = ?", f.OrderID)
	}
	if !f.ExpiresFrom.IsZero() {
		add("r.expires_at >= ?", store.Micros(f.ExpiresFrom))
	}
	if !f.ExpiresTo.IsZero() {
		add("r.expires_at <= ?", store.Micros(f.ExpiresTo))
	}
	if f.AutoRenew != nil {
		add("r.auto_renew = ?", *f.AutoRenew)
	}
	if !f.EffectiveFrom.IsZero() {
		add("r.effective_at >= ?", store.Micros(f.EffectiveFrom))
	}
	if !f.EffectiveTo.IsZero() {
		add("r.effective_at <= ?", store.Micros(f.EffectiveTo))
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+resourceFrom+` WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPage {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+resourceColumns+resourceFrom+` WHERE `+w+` ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Resource
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// LineCoupons is what coupons paid of one order line, by coupon type.
type LineCoupons struct {
	Voucher int64 // 代金券
	Cash    int64 // 现金券
}

// CouponsByLine returns what coupons paid of each line of an order, by line
// number; lines no coupon paid are absent.
func CouponsByLine(ctx context.Context, q store.Queryer, o *Order) (map[int]LineCoupons, error) {
	out := map[int]LineCoupons{}
	if len(o.Lines) == 0 || o.CouponAmount == 0 {
		return out, nil
	}
	refs := make([]string, len(o.Lines))
	for i, l := range o.Lines {
		refs[i] = o.ID + "/" + strconv.Itoa(l.No)
	}
	rows, err := q.QueryContext(ctx, `SELECT u.reference, c.coupon_type, SUM(u.amount) FROM coupon_usages u JOIN coupons c ON c.id = u.coupon_id
		WHERE u.reference IN (`+placeholders(len(refs))+`) GROUP BY u.reference, c.coupon_type`, anys(refs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ref string
		var typ int
		var amount int64
		if err := rows.Scan(&ref, &typ, &amount); err != nil {
			return nil, err
		}
		no, err := strconv.Atoi(ref[strings.LastIndex(ref, "/")+1:])
		if err != nil {
			continue
		}
		lc := out[no]
		if typ == coupon.TypeCash {
			lc.Cash += amount
		} else {
			lc.Voucher += amount
		}
		out[no] = lc
	}
	return out, rows.Err()
}

// UsableCoupons lists the coupons of an order's customer that could pay
// part of it now: issued by the order's partner, usable, with balance left,
// and covering at least one of its lines. Only an order pending payment has
// any.
func UsableCoupons(ctx context.Context, q store.Queryer, o *Order, now time.Time) ([]*coupon.Coupon, error) {
	if o.Status != StatusPendingPayment {
		return nil, nil
	}
	var out []*coupon.Coupon
	for offset := 0; ; offset += MaxPage {
		page, total, err := coupon.FindCoupons(ctx, q, coupon.CouponQuery{Filter: coupon.Filter{PartnerID: o.PartnerID,
			CustomerID: o.CustomerID, Status: coupon.Usable, Offset: offset, Limit: MaxPage}})
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if c.Balance <= 0 || c.UsableAt(now) != nil {
				continue
			}
			for _, l := range o.Lines {
				if couponCovers(c, l) {
					out = append(out, c)
					break
				}
			}
		}
		if offset+MaxPage >= total || len(page) == 0 {
			return out, nil
		}
	}
}
