package console

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"partnercenter/internal/audit"
	"partnercenter/internal/coupon"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 支付 and 取消订单 of an order pending payment. Payment takes up to
// coupon.MaxCouponsPerPayment of the customer's usable coupons that cover
// one of the order's lines, then the customer's balance, in one
// transaction (order.Pay); a refusal shows on the form and changes nothing.

// payView is the 支付 page.
type payView struct {
	O         *order.Order
	Coupons   []option // the customer's coupons that can pay part of the order
	Balance   string   // the customer's available balance
	Enough    bool     // the balance alone covers the order
	MaxCoupon int
	Pending   bool // the order can still be paid
	Back      string
}

// payableCoupons are the customer's coupons usable now that cover a line
// of the order, as check-box choices.
func (c *call) payableCoupons(ctx context.Context, q store.Queryer, o *order.Order) ([]option, error) {
	list, _, err := coupon.List(ctx, q, coupon.Filter{PartnerID: o.PartnerID, CustomerID: o.CustomerID, Status: coupon.Usable, Limit: 100})
	if err != nil {
		return nil, err
	}
	now := c.h.app.DB.Now()
	var out []option
	for _, cp := range list {
		if cp.UsableAt(now) != nil || cp.Balance <= 0 || !slices.ContainsFunc(o.Lines, func(l *order.Line) bool { return covers(cp, l) }) {
			continue
		}
		kind := "orders.coupon_voucher"
		if cp.Type == coupon.TypeCash {
			kind = "orders.coupon_cash"
		}
		out = append(out, option{Value: cp.ID, Label: c.t("orders.coupon_choice", c.t(kind), cp.Code, money.Format(cp.Balance),
			i18n.Date(cp.ExpiresAt, c.loc))})
	}
	return out, nil
}

// covers is the coupon's scope as order.Pay checks it.
func covers(cp *coupon.Coupon, l *order.Line) bool {
	return (len(cp.ServiceTypes) == 0 || slices.Contains(cp.ServiceTypes, l.ServiceTypeCode)) &&
		(len(cp.ProductIDs) == 0 || slices.Contains(cp.ProductIDs, l.ProductID))
}

func (h *handler) payOrderPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	o, scope, err := c.visibleOrder()
	if err != nil {
		return err
	}
	v := payView{O: o, MaxCoupon: coupon.MaxCouponsPerPayment, Pending: o.Status == order.StatusPendingPayment, Back: ordersPath + "/" + o.ID}
	_, available, err := funds.CustomerBalance(ctx, q, o.CustomerID)
	if err != nil {
		return err
	}
	v.Balance, v.Enough = money.Format(available), available >= o.Amount
	if v.Coupons, err = c.payableCoupons(ctx, q, o); err != nil {
		return err
	}
	f := newForm(nil)
	if c.r.Method == http.MethodPost {
		f = newForm(c.postForm())
	}
	// The form's token makes a second submit of the same form (a double
	// click, a reload) pay nothing, and say so.
	c.formToken(f)
	status := http.StatusOK
	if c.r.Method == http.MethodGet {
		if !v.Pending {
			f.Error = c.errText(order.ErrNotPending)
			status = http.StatusConflict
		}
		return c.render(status, "orders_pay", &view{Title: "orders.pay", Active: ordersPath, Form: f, Data: v})
	}
	chosen := f.Values["coupons"]
	if len(chosen) > coupon.MaxCouponsPerPayment {
		f.fieldError("coupons", c.t("order.too_many_coupons", coupon.MaxCouponsPerPayment))
	}
	var paid *order.Order
	repeated := false
	err = c.applyOrder(f, "coupons", func(ctx context.Context, tx *store.Tx) error {
		var err error
		if repeated, err = c.submittedBefore(ctx, tx, f); err != nil || repeated {
			return err
		}
		if paid, err = order.Pay(ctx, tx, order.PayRequest{Scope: scope, OrderID: o.ID, CouponIDs: chosen}); err != nil {
			return err
		}
		used, err := order.Coupons(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		codes := make([]string, len(used))
		for i, u := range used {
			codes[i] = u.Code
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "order.pay", ObjectType: "order", ObjectID: o.ID,
			After: map[string]any{"customer": o.CustomerName, "amount": money.Format(paid.Amount), "coupons": codes,
				"coupon_amount": money.Format(paid.CouponAmount), "balance_amount": money.Format(paid.BalanceAmount), "trans_id": paid.TransID}})
	})
	switch {
	case err != nil:
		return err
	case repeated:
		return c.done("funds.submitted_before", v.Back)
	case f.ok():
		return c.done("orders.paid_ok", v.Back, o.ID)
	}
	// A refusal: the page as it is now, with the choices made.
	status = http.StatusUnprocessableEntity
	if !v.Pending {
		status = http.StatusConflict
	}
	return c.render(status, "orders_pay", &view{Title: "orders.pay", Active: ordersPath, Form: f, Data: v})
}

// applyOrder runs an order's change like apply, and shows the refusals
// that are about the order's state, the customer's money or its coupons on
// the form too: a coupon's next to field, the others at the top.
func (c *call) applyOrder(f *form, field string, change func(ctx context.Context, tx *store.Tx) error) error {
	if !f.ok() {
		return nil
	}
	ctx := c.r.Context()
	err := c.h.app.DB.InTx(ctx, func(tx *store.Tx) error { return change(ctx, tx) })
	e, ok := apperr.As(err)
	if err == nil || !ok {
		return err
	}
	switch {
	case e.Code == apperr.Invalid && e.Field != "":
		if e.Field == "coupon_infos" {
			e2 := *e
			e2.Field = field
			e = &e2
		}
		f.fieldError(e.Field, c.errText(e))
	case strings.HasPrefix(e.Key, "coupon.") || e.Key == "order.coupon_not_needed":
		f.fieldError(field, c.errText(e))
	case e.Code == apperr.Invalid || e.Code == apperr.Conflict || e.Code == apperr.Insufficient || e.Key == order.ErrNotAuthorised.Key:
		f.Error = c.errText(e)
	default:
		return err
	}
	return nil
}

// cancelView is the 取消订单 page.
type cancelView struct {
	O       *order.Order
	Pending bool
	Back    string
}

func (h *handler) cancelOrderPage(c *call) error {
	o, scope, err := c.visibleOrder()
	if err != nil {
		return err
	}
	v := cancelView{O: o, Pending: o.Status == order.StatusPendingPayment, Back: ordersPath + "/" + o.ID}
	f := newForm(nil)
	if c.r.Method == http.MethodPost {
		f = newForm(c.postForm())
	}
	c.formToken(f)
	status := http.StatusOK
	if c.r.Method == http.MethodGet {
		if !v.Pending {
			f.Error = c.errText(order.ErrNotPending)
			status = http.StatusConflict
		}
		return c.render(status, "orders_cancel", &view{Title: "orders.cancel", Active: ordersPath, Form: f, Data: v})
	}
	reason := f.Get("reason")
	if len([]rune(reason)) > 200 {
		f.fieldError("reason", c.t("orders.reason_long"))
	}
	repeated := false
	err = c.applyOrder(f, "reason", func(ctx context.Context, tx *store.Tx) error {
		var err error
		if repeated, err = c.submittedBefore(ctx, tx, f); err != nil || repeated {
			return err
		}
		if _, err := order.Cancel(ctx, tx, scope, o.ID, reason); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "order.cancel", ObjectType: "order", ObjectID: o.ID,
			After: map[string]any{"customer": o.CustomerName, "amount": money.Format(o.Amount), "reason": reason}})
	})
	switch {
	case err != nil:
		return err
	case repeated:
		return c.done("funds.submitted_before", v.Back)
	case f.ok():
		return c.done("orders.cancelled_ok", v.Back, o.ID)
	}
	status = http.StatusUnprocessableEntity
	if !v.Pending {
		status = http.StatusConflict
	}
	return c.render(status, "orders_cancel", &view{Title: "orders.cancel", Active: ordersPath, Form: f, Data: v})
}
