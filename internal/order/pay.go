package order

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

func init() {
	// A customer with orders waiting for the partner's payment cannot be
	// unbound: the partner would leave an unpaid debt behind.
	funds.RegisterUnbindGuard(func(ctx context.Context, tx *store.Tx, partnerID, customerID string) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customer_orders WHERE partner_id = ? AND customer_id = ? AND status = ?`,
			partnerID, customerID, StatusPendingPayment).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "order.unbind_unpaid_orders", "the customer has orders pending payment; pay or cancel them first")
		}
		return nil
	})
}

// lockOrder reads an order of a customer in scope for a change.
func lockOrder(ctx context.Context, tx *store.Tx, scope customer.Scope, id string) (*Order, error) {
	cond, args := scope.Condition(tx)
	suffix := ""
	if tx.Dialect() == store.Postgres {
		suffix = " FOR UPDATE OF o"
	}
	o, err := scanOrder(tx.QueryRowContext(ctx, `SELECT `+orderColumns+orderFrom+` WHERE o.id = ? AND o.partner_id = c.partner_id AND `+cond+suffix,
		append([]any{id}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrOrderNotFound
	}
	if err != nil {
		return nil, err
	}
	o.Lines, err = lines(ctx, tx, o.ID)
	return o, err
}

// PayRequest pays an order pending payment.
type PayRequest struct {
	Scope     customer.Scope
	OrderID   string
	CouponIDs []string // at most coupon.MaxCouponsPerPayment, issued to the order's customer
}

// Pay settles an order from its customer's coupons and balance in one
// ledger transaction, then delivers it: a new order creates its resources,
// a renewal extends them, a change switches their spec. Coupons pay first,
// each the lines in its scope in line order; the balance pays the rest. Any
// refusal leaves everything as it was.
func Pay(ctx context.Context, tx *store.Tx, r PayRequest) (*Order, error) {
	coupons := slices.Compact(slices.Sorted(slices.Values(r.CouponIDs)))
	if len(coupons) > coupon.MaxCouponsPerPayment {
		return nil, apperr.Field("coupon_infos", "order.too_many_coupons", "an order can use at most %d coupons", coupon.MaxCouponsPerPayment).WithAPICode("CBC.0100")
	}
	o, err := lockOrder(ctx, tx, r.Scope, r.OrderID)
	if err != nil {
		return nil, err
	}
	if o.Status != StatusPendingPayment {
		return nil, ErrNotPending
	}
	if !tx.Now.Before(o.PaymentDeadline) {
		return nil, ErrPaymentTimedOut
	}
	if _, err := tradableCustomer(ctx, tx, customer.PartnerScope(o.PartnerID), o.CustomerID); err != nil {
		return nil, err
	}
	if err := settle(ctx, tx, o, coupons); err != nil {
		return nil, err
	}
	return o, nil
}

// payFromBalanceIfEnough pays an order from the balance alone when the
// balance covers it (auto-pay of renewals); otherwise it stays pending.
func payFromBalanceIfEnough(ctx context.Context, tx *store.Tx, o *Order) error {
	available, err := funds.CustomerAvailable(ctx, tx, o.CustomerID)
	if err != nil || available < o.Amount {
		return err
	}
	return settle(ctx, tx, o, nil)
}

func settle(ctx context.Context, tx *store.Tx, o *Order, couponIDs []string) error {
	left := make([]int64, len(o.Lines)) // what each line still needs
	for i, l := range o.Lines {
		left[i] = l.Amount
	}
	var couponTotal int64
	for _, id := range couponIDs {
		used, err := payWithCoupon(ctx, tx, o, id, left)
		if err != nil {
			return err
		}
		couponTotal += used
	}
	rest := o.Amount - couponTotal
	if rest > 0 {
		t, err := funds.ChargeCustomer(ctx, tx, funds.Charge{PartnerID: o.PartnerID, CustomerID: o.CustomerID, Amount: rest,
			ClientID: "order-pay:" + o.ID, Meta: map[string]string{"order_id": o.ID}})
		if err != nil {
			return err
		}
		o.TransID = t.ID
	}
	if err := deliver(ctx, tx, o); err != nil {
		return err
	}
	couponByLine := make([]int64, len(o.Lines))
	for i, l := range o.Lines {
		couponByLine[i] = l.Amount - left[i]
	}
	if err := recordOrderFees(ctx, tx, o, couponByLine); err != nil {
		return err
	}
	o.Status, o.PaidAt, o.CouponAmount, o.BalanceAmount = StatusCompleted, tx.Now, couponTotal, rest
	_, err := tx.ExecContext(ctx, `UPDATE customer_orders SET status = ?, paid_at = ?, coupon_amount = ?, balance_amount = ?, trans_id = ?
		WHERE id = ?`, o.Status, store.Micros(o.PaidAt), o.CouponAmount, o.BalanceAmount, o.TransID, o.ID)
	if err != nil {
		return err
	}
	return webhook.Emit(ctx, tx, o.PartnerID, webhook.OrderPaid, map[string]any{"order_id": o.ID, "customer_id": o.CustomerID,
		"amount": webhook.Money(o.Amount), "coupon_amount": webhook.Money(o.CouponAmount), "balance_amount": webhook.Money(o.BalanceAmount),
		"trans_id": o.TransID, "paid_at": webhook.Time(o.PaidAt)})
}

// payWithCoupon uses one coupon on the lines in its scope, never more than
// its balance, and records it on the order.
func payWithCoupon(ctx context.Context, tx *store.Tx, o *Order, couponID string, left []int64) (int64, error) {
	c, err := coupon.Get(ctx, tx, o.PartnerID, couponID)
	if err != nil || c.CustomerID != o.CustomerID {
		return 0, apperr.Field("coupon_infos", "coupon.not_found", "coupon not found").WithAPICode("CBC.0101")
	}
	if err := c.UsableAt(tx.Now); err != nil {
		return 0, err
	}
	balance := c.Balance
	var used int64
	inScope := false
	for i, l := range o.Lines {
		if !couponCovers(c, l) {
			continue
		}
		inScope = true
		amount := min(balance, left[i])
		if amount == 0 {
			continue
		}
		if _, err := coupon.Redeem(ctx, tx, coupon.Redemption{CouponID: c.ID, CustomerID: o.CustomerID, Amount: amount,
			Reference: o.ID + "/" + strconv.Itoa(l.No), ServiceType: l.ServiceTypeCode, ProductID: l.ProductID}); err != nil {
			return 0, err
		}
		balance -= amount
		left[i] -= amount
		used += amount
	}
	switch {
	case !inScope:
		return 0, apperr.New(apperr.Conflict, "coupon.out_of_scope", "the coupon does not cover this service or product")
	case used == 0:
		return 0, apperr.New(apperr.Conflict, "order.coupon_not_needed", "the other coupons already pay the lines this coupon covers")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO customer_order_coupons (order_id, coupon_id, amount) VALUES (?, ?, ?)`, o.ID, c.ID, used)
	return used, err
}

func couponCovers(c *coupon.Coupon, l *Line) bool {
	return (len(c.ServiceTypes) == 0 || slices.Contains(c.ServiceTypes, l.ServiceTypeCode)) &&
		(len(c.ProductIDs) == 0 || slices.Contains(c.ProductIDs, l.ProductID))
}

// deliver does what a paid order bought.
func deliver(ctx context.Context, tx *store.Tx, o *Order) error {
	for _, l := range o.Lines {
		switch o.Type {
		case TypeNew:
			p, err := catalogue.Get(ctx, tx, l.ProductID)
			if err != nil {
				return err
			}
			res := &Resource{PartnerID: o.PartnerID, CustomerID: o.CustomerID, Name: resourceName(l.ResourceName, p), ProductID: p.ID,
				ServiceTypeCode: p.ServiceTypeCode, ResourceTypeCode: p.ResourceTypeCode, SpecCode: p.SpecCode, RegionCode: l.RegionCode,
				ChargingMode: ChargingPeriodic, Quantity: l.Quantity, Status: ResourceActive, OrderID: o.ID, EffectiveAt: tx.Now,
				ExpiresAt: catalogue.PeriodEnd(tx.Now, l.PeriodType, l.PeriodNum)}
			if err := insertResource(ctx, tx, res); err != nil {
				return err
			}
			l.ResourceID, l.ResourceName, l.EffectiveAt, l.ExpiresAt = res.ID, res.Name, res.EffectiveAt, res.ExpiresAt
		case TypeRenew:
			res, err := lockResource(ctx, tx, o.PartnerID, l.ResourceID)
			if err != nil {
				return err
			}
			if res.Status == ResourceClosed {
				return ErrResourceClosed
			}
			// A renewal continues from the old expiry, also for a resource
			// in its retention period, so no time is given away twice.
			l.EffectiveAt = res.ExpiresAt
			l.ExpiresAt = catalogue.PeriodEnd(res.ExpiresAt, l.PeriodType, l.PeriodNum)
			status := res.Status
			if status == ResourceGrace && l.ExpiresAt.After(tx.Now) {
				status = ResourceActive
			}
			if _, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET expires_at = ?, status = ?, updated_at = ? WHERE id = ?`,
				store.Micros(l.ExpiresAt), status, store.Micros(tx.Now), res.ID); err != nil {
				return err
			}
		case TypeChange:
			res, err := lockResource(ctx, tx, o.PartnerID, l.ResourceID)
			if err != nil {
				return err
			}
			if res.Status != ResourceActive {
				return apperr.New(apperr.Conflict, "order.change_active_only", "only yearly/monthly resources in use can be changed")
			}
			p, err := catalogue.Get(ctx, tx, l.ProductID)
			if err != nil {
				return err
			}
			if err := applyChange(ctx, tx, res.ID, p); err != nil {
				return err
			}
			l.EffectiveAt, l.ExpiresAt = tx.Now, res.ExpiresAt
		default:
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer_order_lines SET resource_id = ?, resource_name = ?, effective_at = ?, expires_at = ?
			WHERE id = ?`, l.ResourceID, l.ResourceName, store.Micros(l.EffectiveAt), store.Micros(l.ExpiresAt), l.ID); err != nil {
			return err
		}
	}
	return nil
}

// Cancel cancels an order pending payment.
func Cancel(ctx context.Context, tx *store.Tx, scope customer.Scope, orderID, reason string) (*Order, error) {
	o, err := lockOrder(ctx, tx, scope, orderID)
	if err != nil {
		return nil, err
	}
	if o.Status != StatusPendingPayment {
		return nil, ErrNotPending
	}
	return o, cancel(ctx, tx, o, reason)
}

func cancel(ctx context.Context, tx *store.Tx, o *Order, reason string) error {
	o.Status, o.CancelledAt, o.CancelReason = StatusCancelled, tx.Now, reason
	_, err := tx.ExecContext(ctx, `UPDATE customer_orders SET status = ?, cancelled_at = ?, cancel_reason = ? WHERE id = ? AND status = ?`,
		StatusCancelled, store.Micros(tx.Now), reason, o.ID, StatusPendingPayment)
	if err != nil {
		return err
	}
	return webhook.Emit(ctx, tx, o.PartnerID, webhook.OrderCancelled, cancelledEvent(o.ID, o.CustomerID, reason, tx.Now))
}

// cancelledEvent is the payload of order.cancelled.
func cancelledEvent(orderID, customerID, reason string, at time.Time) map[string]any {
	return map[string]any{"order_id": orderID, "customer_id": customerID, "reason": reason, "cancelled_at": webhook.Time(at)}
}

// CancelOverdue cancels up to limit orders whose payment deadline has
// passed (housekeeping) and returns how many.
func CancelOverdue(ctx context.Context, tx *store.Tx, limit int) (int, error) {
	rows, err := tx.QueryContext(ctx, `UPDATE customer_orders SET status = ?, cancelled_at = ?, cancel_reason = 'payment_timeout'
		WHERE id IN (SELECT id FROM customer_orders WHERE status = ? AND payment_deadline <= ? ORDER BY payment_deadline LIMIT ?)
		RETURNING id, partner_id, customer_id`,
		StatusCancelled, store.Micros(tx.Now), StatusPendingPayment, store.Micros(tx.Now), limit)
	if err != nil {
		return 0, err
	}
	var events []webhook.PartnerEvent
	for rows.Next() {
		var id, partnerID, customerID string
		if err := rows.Scan(&id, &partnerID, &customerID); err != nil {
			rows.Close()
			return 0, err
		}
		events = append(events, webhook.PartnerEvent{PartnerID: partnerID,
			Event: webhook.Event{Type: webhook.OrderCancelled, Data: cancelledEvent(id, customerID, "payment_timeout", tx.Now)}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return len(events), webhook.EmitBatch(ctx, tx, events)
}
