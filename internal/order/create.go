package order

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// MaxLines is how many products one order may hold.
const MaxLines = 20

// LineRequest is one product to order.
type LineRequest struct {
	ProductID  string
	Region     string
	PeriodType int
	PeriodNum  int
	Quantity   int
	Name       string // of the resources it creates; empty: generated
}

// NewOrder asks for a new-purchase order (type 1) for one customer.
type NewOrder struct {
	Scope      customer.Scope // the customers the caller may act on
	CustomerID string
	Lines      []LineRequest
	CreatedBy  string
}

// tradableCustomer returns the customer an order is placed for, after the
// rules of 代客下单: visible, resale, not frozen, and authorised.
func tradableCustomer(ctx context.Context, tx *store.Tx, scope customer.Scope, customerID string) (*customer.Customer, error) {
	c, err := customer.Get(ctx, tx, scope, customerID)
	if err != nil {
		return nil, err
	}
	if c.AssociationType != customer.Resale {
		return nil, ErrNotResale
	}
	if err := c.CanTrade(); err != nil {
		return nil, err
	}
	ok, err := Authorised(ctx, tx, c.PartnerID, c.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotAuthorised
	}
	return c, nil
}

// Create places a new-purchase order pending payment. Prices are the
// catalogue's at creation and do not change afterwards.
func Create(ctx context.Context, tx *store.Tx, n NewOrder) (*Order, error) {
	if len(n.Lines) == 0 || len(n.Lines) > MaxLines {
		return nil, apperr.Field("lines", "order.lines_count", "choose 1 to %d products", MaxLines).WithAPICode("CBC.0100")
	}
	c, err := tradableCustomer(ctx, tx, n.Scope, n.CustomerID)
	if err != nil {
		return nil, err
	}
	o := newOrder(c, TypeNew, n.CreatedBy, tx)
	for i, lr := range n.Lines {
		field := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		p, err := catalogue.Get(ctx, tx, lr.ProductID)
		if errors.Is(err, catalogue.ErrProductNotFound) {
			return nil, apperr.Field(field("product_id"), "catalogue.product_not_found", "the product does not exist").WithAPICode("CBC.0100")
		}
		if err != nil {
			return nil, err
		}
		if !p.OnSale {
			return nil, apperr.Field(field("product_id"), "catalogue.not_on_sale", "the product is not on sale").WithAPICode("CBC.0100")
		}
		if !p.SoldIn(lr.Region) {
			return nil, apperr.Field(field("region"), "order.region_not_sold", "the product is not sold in this region").WithAPICode("CBC.0100")
		}
		price, err := p.LinePrice(lr.PeriodType, lr.PeriodNum, lr.Quantity)
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Field != "" {
				e2 := *e
				e2.Field = field(e.Field)
				return nil, &e2
			}
			return nil, err
		}
		if len(strings.TrimSpace(lr.Name)) > 64 {
			return nil, apperr.Field(field("name"), "order.resource_name_length", "the name can have at most 64 characters").WithAPICode("CBC.0100")
		}
		o.Lines = append(o.Lines, &Line{No: i + 1, ProductID: p.ID, ServiceTypeCode: p.ServiceTypeCode, RegionCode: lr.Region,
			PeriodType: lr.PeriodType, PeriodNum: lr.PeriodNum, Quantity: lr.Quantity, OfficialAmount: price, Amount: price,
			ResourceName: strings.TrimSpace(lr.Name), SpecCode: p.SpecCode, SpecZh: p.SpecZh, SpecEn: p.SpecEn})
	}
	return o, insertOrder(ctx, tx, o)
}

func newOrder(c *customer.Customer, orderType int, by string, tx *store.Tx) *Order {
	return &Order{ID: newOrderID(tx.Now), PartnerID: c.PartnerID, CustomerID: c.ID, CustomerName: c.DomainName, Type: orderType,
		Status: StatusPendingPayment, SourceType: SourcePartner, CreatedBy: by, CreatedAt: tx.Now, PaymentDeadline: tx.Now.Add(PaymentWindow)}
}

// insertOrder stores an order and its lines, totalling the lines.
func insertOrder(ctx context.Context, tx *store.Tx, o *Order) error {
	o.OfficialAmount, o.Amount = 0, 0
	for _, l := range o.Lines {
		o.OfficialAmount += l.OfficialAmount
		o.Amount += l.Amount
	}
	o.DiscountAmount = o.OfficialAmount - o.Amount
	o.ServiceTypeCode = o.Lines[0].ServiceTypeCode
	var paid any
	if !o.PaidAt.IsZero() {
		paid = store.Micros(o.PaidAt)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO customer_orders (id, partner_id, customer_id, order_type, status, source_type,
		service_type_code, official_amount, discount_amount, amount, coupon_amount, balance_amount, created_by, created_at, payment_deadline,
		paid_at, trans_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.PartnerID, o.CustomerID, o.Type, o.Status, o.SourceType, o.ServiceTypeCode, o.OfficialAmount, o.DiscountAmount, o.Amount,
		o.CouponAmount, o.BalanceAmount, o.CreatedBy, store.Micros(o.CreatedAt), store.Micros(o.PaymentDeadline), paid, o.TransID); err != nil {
		return err
	}
	for _, l := range o.Lines {
		l.ID, l.OrderID = ids.New(), o.ID
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_order_lines (id, order_id, line_no, product_id, service_type_code, region_code,
			period_type, period_num, quantity, official_amount, amount, resource_id, resource_name, effective_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.ID, o.ID, l.No, l.ProductID, l.ServiceTypeCode, l.RegionCode, l.PeriodType, l.PeriodNum, l.Quantity, l.OfficialAmount,
			l.Amount, l.ResourceID, l.ResourceName, store.NullMicros(l.EffectiveAt), store.NullMicros(l.ExpiresAt)); err != nil {
			return err
		}
	}
	return nil
}

// ResourceFailure is a resource an action could not apply to, and why.
type ResourceFailure struct {
	ResourceID string
	Err        error
}

// RenewRequest asks to renew 包年/包月 resources.
type RenewRequest struct {
	PartnerID   string
	ResourceIDs []string
	PeriodType  int
	PeriodNum   int
	AutoPay     bool // pay from the customer's balance at once
	CreatedBy   string
}

// MaxResourcesPerAction is how many resources one renewal or unsubscription may name.
const MaxResourcesPerAction = 100

func checkResourceIDs(list []string) error {
	if len(list) == 0 || len(list) > MaxResourcesPerAction {
		return apperr.Field("resource_ids", "order.resource_ids_count", "name 1 to %d resources", MaxResourcesPerAction).WithAPICode("CBC.0100")
	}
	return nil
}

// Renew creates one renewal order (type 2) per customer for the resources
// that may be renewed, and reports the others. With AutoPay each order is
// paid from the customer's balance at once; an order the balance cannot
// cover stays pending payment.
func Renew(ctx context.Context, tx *store.Tx, r RenewRequest) ([]*Order, []ResourceFailure, error) {
	if err := checkResourceIDs(r.ResourceIDs); err != nil {
		return nil, nil, err
	}
	var failures []ResourceFailure
	byCustomer := map[string]*Order{}
	var orders []*Order
	for _, id := range r.ResourceIDs {
		line, c, err := renewalLine(ctx, tx, r, id)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				return nil, nil, err
			}
			failures = append(failures, ResourceFailure{ResourceID: id, Err: err})
			continue
		}
		o := byCustomer[c.ID]
		if o == nil {
			o = newOrder(c, TypeRenew, r.CreatedBy, tx)
			byCustomer[c.ID] = o
			orders = append(orders, o)
		}
		line.No = len(o.Lines) + 1
		o.Lines = append(o.Lines, line)
	}
	for _, o := range orders {
		if err := insertOrder(ctx, tx, o); err != nil {
			return nil, nil, err
		}
		if r.AutoPay {
			if err := payFromBalanceIfEnough(ctx, tx, o); err != nil {
				return nil, nil, err
			}
		}
	}
	return orders, failures, nil
}

func renewalLine(ctx context.Context, tx *store.Tx, r RenewRequest, resourceID string) (*Line, *customer.Customer, error) {
	res, err := lockResource(ctx, tx, r.PartnerID, resourceID)
	if err != nil {
		return nil, nil, err
	}
	if res.ChargingMode != ChargingPeriodic {
		return nil, nil, apperr.New(apperr.Conflict, "order.renew_periodic_only", "only yearly/monthly resources can be renewed").WithAPICode("CBC.0100")
	}
	if res.Status == ResourceClosed {
		return nil, nil, ErrResourceClosed
	}
	c, err := tradableCustomer(ctx, tx, customer.PartnerScope(r.PartnerID), res.CustomerID)
	if err != nil {
		return nil, nil, err
	}
	p, err := catalogue.Get(ctx, tx, res.ProductID)
	if err != nil {
		return nil, nil, err
	}
	price, err := p.LinePrice(r.PeriodType, r.PeriodNum, res.Quantity)
	if err != nil {
		return nil, nil, err
	}
	return &Line{ProductID: p.ID, ServiceTypeCode: p.ServiceTypeCode, RegionCode: res.RegionCode, PeriodType: r.PeriodType,
		PeriodNum: r.PeriodNum, Quantity: res.Quantity, OfficialAmount: price, Amount: price, ResourceID: res.ID, ResourceName: res.Name,
		SpecCode: p.SpecCode, SpecZh: p.SpecZh, SpecEn: p.SpecEn}, c, nil
}

// ChangeRequest asks to change a 包年/包月 resource to another spec of the
// same resource type.
type ChangeRequest struct {
	PartnerID  string
	ResourceID string
	ProductID  string
	CreatedBy  string
}

// CanChangeTo reports whether a resource of product from in region may
// change to product to: another spec of the same resource type, on sale by
// the month in that region.
func CanChangeTo(from, to *catalogue.Product, region string) bool {
	return to.ID != from.ID && to.ResourceTypeCode == from.ResourceTypeCode && to.OnSale && to.MonthlyPrice > 0 && to.SoldIn(region)
}

// Change creates a change order (type 3): the price difference for the time
// left until expiry, pro rata by the second. An upgrade waits for payment;
// a downgrade completes at once and refunds the difference to the balance.
func Change(ctx context.Context, tx *store.Tx, r ChangeRequest) (*Order, error) {
	res, err := lockResource(ctx, tx, r.PartnerID, r.ResourceID)
	if err != nil {
		return nil, err
	}
	if res.ChargingMode != ChargingPeriodic || res.Status != ResourceActive {
		return nil, apperr.New(apperr.Conflict, "order.change_active_only", "only yearly/monthly resources in use can be changed").WithAPICode("CBC.0100")
	}
	c, err := tradableCustomer(ctx, tx, customer.PartnerScope(r.PartnerID), res.CustomerID)
	if err != nil {
		return nil, err
	}
	from, err := catalogue.Get(ctx, tx, res.ProductID)
	if err != nil {
		return nil, err
	}
	to, err := catalogue.Get(ctx, tx, r.ProductID)
	if errors.Is(err, catalogue.ErrProductNotFound) {
		return nil, apperr.Field("product_id", "catalogue.product_not_found", "the product does not exist").WithAPICode("CBC.0100")
	}
	if err != nil {
		return nil, err
	}
	if !CanChangeTo(from, to, res.RegionCode) {
		return nil, apperr.Field("product_id", "order.change_target", "choose another spec of the same resource type, on sale in the resource's region").WithAPICode("CBC.0100")
	}
	left := res.ExpiresAt.Sub(tx.Now)
	if left <= 0 {
		return nil, apperr.New(apperr.Conflict, "order.change_active_only", "only yearly/monthly resources in use can be changed").WithAPICode("CBC.0100")
	}
	// Monthly prices over a 30-day month, by the second, rounded toward zero.
	diff := (to.MonthlyPrice - from.MonthlyPrice) * int64(res.Quantity) * int64(left.Seconds()) / (30 * 24 * 3600)
	o := newOrder(c, TypeChange, r.CreatedBy, tx)
	o.Lines = []*Line{{No: 1, ProductID: to.ID, ServiceTypeCode: to.ServiceTypeCode, RegionCode: res.RegionCode, PeriodType: catalogue.PeriodMonth,
		PeriodNum: 0, Quantity: res.Quantity, OfficialAmount: diff, Amount: diff, ResourceID: res.ID, ResourceName: res.Name,
		EffectiveAt: tx.Now, ExpiresAt: res.ExpiresAt, SpecCode: to.SpecCode, SpecZh: to.SpecZh, SpecEn: to.SpecEn}}
	if diff > 0 {
		return o, insertOrder(ctx, tx, o)
	}
	o.Status, o.PaidAt = StatusCompleted, tx.Now
	if diff < 0 {
		t, err := funds.RefundCustomer(ctx, tx, funds.Charge{PartnerID: c.PartnerID, CustomerID: c.ID, Amount: -diff,
			ClientID: "order-refund:" + o.ID, Meta: map[string]string{"order_id": o.ID}})
		if err != nil {
			return nil, err
		}
		o.TransID, o.BalanceAmount = t.ID, diff
	}
	if err := insertOrder(ctx, tx, o); err != nil {
		return nil, err
	}
	if err := recordOrderFees(ctx, tx, o, nil); err != nil {
		return nil, err
	}
	return o, applyChange(ctx, tx, res.ID, to)
}

func applyChange(ctx context.Context, tx *store.Tx, resourceID string, to *catalogue.Product) error {
	_, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET product_id = ?, spec_code = ?, updated_at = ? WHERE id = ?`,
		to.ID, to.SpecCode, store.Micros(tx.Now), resourceID)
	return err
}

// UnsubscribeRequest asks to unsubscribe resources.
type UnsubscribeRequest struct {
	PartnerID   string
	ResourceIDs []string
	Reason      string
	CreatedBy   string
}

// Unsubscribe releases resources at once with one completed unsubscription
// order (type 4) per customer. A 包年/包月 resource in use refunds to the
// customer's balance what was paid from the balance for the time left, pro
// rata by the second (coupons are not refunded); a pay-per-use resource is
// simply released and no longer metered.
func Unsubscribe(ctx context.Context, tx *store.Tx, r UnsubscribeRequest) ([]*Order, []ResourceFailure, error) {
	if err := checkResourceIDs(r.ResourceIDs); err != nil {
		return nil, nil, err
	}
	var failures []ResourceFailure
	byCustomer := map[string]*Order{}
	var orders []*Order
	for _, id := range r.ResourceIDs {
		res, err := lockResource(ctx, tx, r.PartnerID, id)
		if err == nil && res.Status == ResourceClosed {
			err = ErrResourceClosed
		}
		var refund int64
		if err == nil {
			refund, err = refundDue(ctx, tx, res)
		}
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				return nil, nil, err
			}
			failures = append(failures, ResourceFailure{ResourceID: id, Err: err})
			continue
		}
		o := byCustomer[res.CustomerID]
		if o == nil {
			c, err := customer.Get(ctx, tx, customer.PartnerScope(r.PartnerID), res.CustomerID)
			if err != nil {
				return nil, nil, err
			}
			o = newOrder(c, TypeUnsubscribe, r.CreatedBy, tx)
			o.Status, o.PaidAt, o.CancelReason = StatusCompleted, tx.Now, strings.TrimSpace(r.Reason)
			byCustomer[c.ID] = o
			orders = append(orders, o)
		}
		o.Lines = append(o.Lines, &Line{No: len(o.Lines) + 1, ProductID: res.ProductID, ServiceTypeCode: res.ServiceTypeCode,
			RegionCode: res.RegionCode, PeriodType: catalogue.PeriodMonth, Quantity: res.Quantity, OfficialAmount: -refund, Amount: -refund,
			ResourceID: res.ID, ResourceName: res.Name, EffectiveAt: tx.Now, ExpiresAt: tx.Now})
		if err := closeResource(ctx, tx, res.ID); err != nil {
			return nil, nil, err
		}
	}
	sort.Slice(orders, func(i, j int) bool { return orders[i].CustomerID < orders[j].CustomerID })
	for _, o := range orders {
		var refund int64
		for _, l := range o.Lines {
			refund -= l.Amount
		}
		if refund > 0 {
			t, err := funds.RefundCustomer(ctx, tx, funds.Charge{PartnerID: o.PartnerID, CustomerID: o.CustomerID, Amount: refund,
				ClientID: "order-refund:" + o.ID, Meta: map[string]string{"order_id": o.ID}})
			if err != nil {
				return nil, nil, err
			}
			o.TransID, o.BalanceAmount = t.ID, -refund
		}
		if err := insertOrder(ctx, tx, o); err != nil {
			return nil, nil, err
		}
		if err := recordOrderFees(ctx, tx, o, nil); err != nil {
			return nil, nil, err
		}
	}
	return orders, failures, nil
}

// refundDue is what unsubscribing a resource now gives back: for each paid
// line that covers time after now, the part paid from the balance, pro rata
// to the time left of what the line bought.
func refundDue(ctx context.Context, tx *store.Tx, res *Resource) (int64, error) {
	if res.ChargingMode != ChargingPeriodic || res.Status != ResourceActive {
		return 0, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT l.amount, l.effective_at, l.expires_at, o.amount, o.balance_amount
		FROM customer_order_lines l JOIN customer_orders o ON o.id = l.order_id
		WHERE l.resource_id = ? AND o.status = ? AND o.order_type IN (?, ?, ?) AND l.amount > 0 AND l.expires_at > ?`,
		res.ID, StatusCompleted, TypeNew, TypeRenew, TypeChange, store.Micros(tx.Now))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	now := store.Micros(tx.Now)
	var refund int64
	for rows.Next() {
		var lineAmount, eff, exp, orderAmount, orderBalance int64
		if err := rows.Scan(&lineAmount, &eff, &exp, &orderAmount, &orderBalance); err != nil {
			return 0, err
		}
		if exp <= eff || orderAmount <= 0 {
			continue
		}
		// The balance's share of the line, then the share of time left. Big
		// products stay well inside int64: fen × microseconds would not, so
		// the time share is taken in seconds.
		paid := lineAmount * orderBalance / orderAmount
		left := (exp - max(now, eff)) / 1_000_000
		total := (exp - eff) / 1_000_000
		if total > 0 {
			refund += paid * left / total
		}
	}
	return refund, rows.Err()
}

func closeResource(ctx context.Context, tx *store.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET status = ?, auto_renew = ?, closed_at = ?, updated_at = ? WHERE id = ?`,
		ResourceClosed, false, store.Micros(tx.Now), store.Micros(tx.Now), id)
	return err
}
