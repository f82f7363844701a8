package order

import (
	"context"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/coupon"
	"partnercenter/internal/store"
)

// Queries the partner API needs beyond the console's: what coupons paid each
// line of an order by coupon type (ShowCustomerOrderDetails), and the
// coupons that could pay a pending order (ListOrderCouponsByOrderId).

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
