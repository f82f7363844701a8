package api

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/order"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// The order operations: ListCustomerOrders, ShowCustomerOrderDetails,
// PayOrders, CancelCustomerOrder and ListOrderCouponsByOrderId. Orders are
// placed in the console (代客下单) or by renewals; the API lists, pays and
// cancels them. Amounts are yuan; refunds (unsubscriptions, downgrades) are
// negative.

// amountInfo is the SDK's model.AmountInfomationV2: how coupons paid an
// order or a line. commission_amount and consumed_amount are written for
// unsubscription orders only.
type amountInfo struct {
	Discounts                 []discountItem `json:"discounts"`
	FlexipurchaseCouponAmount yuan           `json:"flexipurchase_coupon_amount"`
	CouponAmount              yuan           `json:"coupon_amount"`
	StoredCardAmount          yuan           `json:"stored_card_amount"`
	CommissionAmount          *yuan          `json:"commission_amount,omitempty"`
	ConsumedAmount            *yuan          `json:"consumed_amount,omitempty"`
}

// discountItem is the SDK's model.DiscountItemV2.
type discountItem struct {
	DiscountType   string `json:"discount_type"`
	DiscountAmount yuan   `json:"discount_amount"`
}

// discountPartnerOrder is discount_type 500 (代理订购指定折扣): the
// difference between the list price and the order's price.
const discountPartnerOrder = "500"

// customerOrderV2 is the SDK's model.CustomerOrderV2, the rows of
// ListCustomerOrders.
type customerOrderV2 struct {
	OrderID             string     `json:"order_id"`
	CustomerID          string     `json:"customer_id"`
	ServiceTypeCode     string     `json:"service_type_code"`
	ServiceTypeName     string     `json:"service_type_name"`
	SourceType          int        `json:"source_type"`
	Status              int        `json:"status"`
	OrderType           int        `json:"order_type"`
	AmountAfterDiscount yuan       `json:"amount_after_discount"`
	OfficialAmount      yuan       `json:"official_amount"`
	MeasureID           int        `json:"measure_id"`
	CreateTime          string     `json:"create_time"`
	PaymentTime         string     `json:"payment_time,omitempty"`
	Currency            string     `json:"currency"`
	AmountInfo          amountInfo `json:"amount_info"`
}

// customerOrderV3 is the SDK's model.CustomerOrderV3, the order of
// ShowCustomerOrderDetails.
type customerOrderV3 struct {
	customerOrderV2
	UserName              string `json:"user_name"`
	PendingPaymentEndTime string `json:"pending_payment_end_time,omitempty"`
}

// listCustomerOrdersResponse is the SDK's model.ListCustomerOrdersResponse.
type listCustomerOrdersResponse struct {
	TotalCount int               `json:"total_count"`
	OrderInfos []customerOrderV2 `json:"order_infos"`
}

// Order types and statuses the provider defines; those the simulated cloud
// never produces are valid filters that match nothing.
var (
	orderTypes    = []int{1, 2, 3, 4, 10, 11, 13, 14, 15}
	orderStatuses = []int{1, 3, 4, 5, 6, 9}
)

// listCustomerOrders is ListCustomerOrders: one page of the orders of the
// caller's customers (or a reseller's, with indirect_partner_id), newest
// first unless order_by says createTime, with the count of all that match.
func listCustomerOrders(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "order_id", "customer_id", "create_time_begin", "create_time_end", "service_type_code",
		"order_type", "order_by", "payment_time_begin", "payment_time_end", "indirect_partner_id", "method")
	if err != nil {
		return nil, err
	}
	f := order.Filter{OrderID: strings.ToUpper(vals[0]), CustomerID: vals[1], ServiceTypeCode: strings.ToLower(vals[4])}
	if f.CreatedFrom, f.CreatedTo, err = yearRange("create_time_begin", &vals[2], "create_time_end", &vals[3]); err != nil {
		return nil, err
	}
	if f.PaidFrom, f.PaidTo, err = yearRange("payment_time_begin", &vals[7], "payment_time_end", &vals[8]); err != nil {
		return nil, err
	}
	if f.Status, err = c.queryEnum("status", orderStatuses); err != nil {
		return nil, err
	}
	if vals[5] != "" {
		n, err := strconv.Atoi(vals[5])
		if err != nil || !slices.Contains(orderTypes, n) {
			return nil, fieldError("CBC.0100", "order_type", "api.enum", "must be one of %v, not %q", orderTypes, vals[5])
		}
		f.Type = n
	}
	switch strings.ToLower(vals[6]) {
	case "", "-createtime":
	case "createtime":
		f.OldestFirst = true
	default:
		return nil, fieldError("CBC.0100", "order_by", "api.enum", "must be createTime or -createTime, not %q", vals[6])
	}
	switch vals[10] {
	case "", "oneself", "sub_customer":
	default:
		return nil, fieldError("CBC.0100", "method", "api.enum", "must be oneself or sub_customer, not %q", vals[10])
	}
	p, err := c.queryPaging(10, 100)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = p.Offset, p.Limit
	if f.Scope, err = c.customerScope(&vals[9]); err != nil {
		return nil, err
	}
	out := listCustomerOrdersResponse{OrderInfos: []customerOrderV2{}}
	if vals[10] == "sub_customer" {
		return out, nil // no enterprise sub-accounts order here
	}
	list, total, err := order.List(c.ctx(), c.reader(), f)
	if err != nil {
		return nil, err
	}
	names, err := c.serviceTypeNames()
	if err != nil {
		return nil, err
	}
	out.TotalCount = total
	for _, o := range list {
		row, err := orderRow(c.ctx(), c.reader(), o, names)
		if err != nil {
			return nil, err
		}
		out.OrderInfos = append(out.OrderInfos, row)
	}
	return out, nil
}

// yearRange is timeRange for the pairs the provider limits to a year apart.
func yearRange(beginField string, begin *string, endField string, end *string) (from, to time.Time, err error) {
	if from, to, err = timeRange(beginField, begin, endField, end); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && to.After(from.AddDate(1, 0, 0)) {
		err = fieldError("CBC.0100", endField, "api.time_span_year", "must be at most a year after %s", beginField)
	}
	return
}

// orderRow is an order as CustomerOrderV2.
func orderRow(ctx context.Context, q store.Queryer, o *order.Order, names func(string) string) (customerOrderV2, error) {
	info, err := orderAmounts(ctx, q, o)
	if err != nil {
		return customerOrderV2{}, err
	}
	return customerOrderV2{OrderID: o.ID, CustomerID: o.CustomerID, ServiceTypeCode: o.ServiceTypeCode,
		ServiceTypeName: names(o.ServiceTypeCode), SourceType: o.SourceType, Status: o.Status, OrderType: o.Type,
		AmountAfterDiscount: yuan(o.Amount), OfficialAmount: yuan(o.OfficialAmount), MeasureID: measureYuan,
		CreateTime: formatTime(o.CreatedAt), PaymentTime: formatTime(o.PaidAt), Currency: currencyCNY, AmountInfo: info}, nil
}

// orderAmounts splits what coupons paid of an order by coupon type.
func orderAmounts(ctx context.Context, q store.Queryer, o *order.Order) (amountInfo, error) {
	info := newAmountInfo(o.Type, o.OfficialAmount-o.Amount)
	if o.CouponAmount == 0 {
		return info, nil
	}
	uses, err := order.Coupons(ctx, q, o.ID)
	if err != nil {
		return info, err
	}
	for _, u := range uses {
		if u.Type == coupon.TypeCash {
			info.FlexipurchaseCouponAmount += yuan(u.Amount)
		} else {
			info.CouponAmount += yuan(u.Amount)
		}
	}
	return info, nil
}

func newAmountInfo(orderType int, discount int64) amountInfo {
	info := amountInfo{Discounts: []discountItem{}}
	if discount != 0 {
		info.Discounts = append(info.Discounts, discountItem{DiscountType: discountPartnerOrder, DiscountAmount: yuan(discount)})
	}
	if orderType == order.TypeUnsubscribe {
		var zero yuan
		info.CommissionAmount, info.ConsumedAmount = &zero, &zero
	}
	return info
}

// serviceTypeNames names service types in the caller's language.
func (c *Call) serviceTypeNames() (func(string) string, error) {
	types, err := catalogue.ServiceTypes(c.ctx(), c.reader())
	if err != nil {
		return nil, err
	}
	lang := c.lang()
	return func(code string) string { return catalogue.ServiceTypeName(types, code, lang) }, nil
}

// lang is the language of names in answers: the X-Language header's
// en_US for English, Chinese otherwise (the provider's default, zh_CN).
func (c *Call) lang() string {
	if strings.HasPrefix(strings.ToLower(c.Request.Header.Get("X-Language")), "en") {
		return "en"
	}
	return "zh"
}

// showCustomerOrderDetailsResponse is the SDK's
// model.ShowCustomerOrderDetailsResponse.
type showCustomerOrderDetailsResponse struct {
	TotalCount     int                  `json:"total_count"`
	OrderInfo      customerOrderV3      `json:"order_info"`
	OrderLineItems []orderLineItemEntry `json:"order_line_items"`
}

// orderLineItemEntry is the SDK's model.OrderLineItemEntityV2.
type orderLineItemEntry struct {
	OrderLineItemID     string     `json:"order_line_item_id"`
	ServiceTypeCode     string     `json:"service_type_code"`
	ServiceTypeName     string     `json:"service_type_name"`
	ProductID           string     `json:"product_id"`
	ProductSpecDesc     string     `json:"product_spec_desc"`
	PeriodType          int        `json:"period_type"`
	PeriodNum           *int       `json:"period_num"`
	EffectiveTime       string     `json:"effective_time,omitempty"`
	ExpireTime          string     `json:"expire_time,omitempty"`
	SubscriptionNum     int        `json:"subscription_num"`
	AmountAfterDiscount yuan       `json:"amount_after_discount"`
	OfficialAmount      yuan       `json:"official_amount"`
	AmountInfo          amountInfo `json:"amount_info"`
	Currency            string     `json:"currency"`
	ProductOwnerService string     `json:"product_owner_service"`
	CommercialResource  string     `json:"commercial_resource,omitempty"`
	OrderID             string     `json:"order_id"`
}

// showCustomerOrderDetails is ShowCustomerOrderDetails: an order of one of
// the caller's customers (or a reseller's, with indirect_partner_id) with
// one page of its lines; total_count counts the lines. Another partner's
// order answers exactly as one that does not exist.
func showCustomerOrderDetails(c *Call) (any, error) {
	id, err := optionalString("order_id", ptr(c.Request.PathValue("order_id")), 64)
	if err != nil {
		return nil, err
	}
	indirect, err := c.queryString("indirect_partner_id", 64)
	if err != nil {
		return nil, err
	}
	p, err := c.queryPaging(10, 100)
	if err != nil {
		return nil, err
	}
	scope, err := c.customerScope(&indirect)
	if err != nil {
		return nil, err
	}
	o, err := order.Get(c.ctx(), c.reader(), scope, strings.ToUpper(id))
	if err != nil {
		return nil, err
	}
	names, err := c.serviceTypeNames()
	if err != nil {
		return nil, err
	}
	row, err := orderRow(c.ctx(), c.reader(), o, names)
	if err != nil {
		return nil, err
	}
	out := showCustomerOrderDetailsResponse{TotalCount: len(o.Lines), OrderInfo: customerOrderV3{customerOrderV2: row,
		UserName: o.CreatedBy}, OrderLineItems: []orderLineItemEntry{}}
	if o.Status == order.StatusPendingPayment {
		out.OrderInfo.PendingPaymentEndTime = formatTime(o.PaymentDeadline)
	}
	byLine, err := order.CouponsByLine(c.ctx(), c.reader(), o)
	if err != nil {
		return nil, err
	}
	products := c.products()
	lang := c.lang()
	for _, l := range o.Lines[min(p.Offset, len(o.Lines)):min(p.Offset+p.Limit, len(o.Lines))] {
		prod, err := products(l.ProductID)
		if err != nil {
			return nil, err
		}
		item := orderLineItemEntry{OrderLineItemID: l.ID, ServiceTypeCode: l.ServiceTypeCode, ServiceTypeName: names(l.ServiceTypeCode),
			ProductID: l.ProductID, ProductSpecDesc: specDesc(prod, lang), PeriodType: l.PeriodType, EffectiveTime: formatTime(l.EffectiveAt),
			ExpireTime: formatTime(l.ExpiresAt), SubscriptionNum: l.Quantity, AmountAfterDiscount: yuan(l.Amount),
			OfficialAmount: yuan(l.OfficialAmount), AmountInfo: newAmountInfo(o.Type, l.OfficialAmount-l.Amount), Currency: currencyCNY,
			ProductOwnerService: l.ServiceTypeCode, OrderID: o.ID}
		if prod != nil {
			item.CommercialResource = prod.ResourceTypeCode
		}
		if o.Type != order.TypeUnsubscribe {
			item.PeriodNum = ptr(l.PeriodNum)
		}
		if lc, ok := byLine[l.No]; ok {
			item.AmountInfo.CouponAmount, item.AmountInfo.FlexipurchaseCouponAmount = yuan(lc.Voucher), yuan(lc.Cash)
		}
		out.OrderLineItems = append(out.OrderLineItems, item)
	}
	return out, nil
}

// products reads catalogue products, each once per call; a product that is
// gone reads as nil.
func (c *Call) products() func(id string) (*catalogue.Product, error) {
	seen := map[string]*catalogue.Product{}
	return func(id string) (*catalogue.Product, error) {
		if p, ok := seen[id]; ok {
			return p, nil
		}
		p, err := catalogue.Get(c.ctx(), c.reader(), id)
		if errors.Is(err, catalogue.ErrProductNotFound) {
			p, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		seen[id] = p
		return p, nil
	}
}

// specDesc describes a product's spec in a language.
func specDesc(p *catalogue.Product, lang string) string {
	if p == nil {
		return ""
	}
	if lang == "en" {
		return p.ResourceTypeEn + "|" + p.SpecEn
	}
	return p.ResourceTypeZh + "|" + p.SpecZh
}

func ptr[T any](v T) *T { return &v }

// payCustomerOrderV3Req is the SDK's model.PayCustomerOrderV3Req.
type payCustomerOrderV3Req struct {
	OrderID       string                `json:"order_id"`
	UseCoupon     string                `json:"use_coupon"`
	UseDiscount   string                `json:"use_discount"`
	CouponInfos   []couponSimpleInfoPay `json:"coupon_infos"`
	DiscountInfos []json.RawMessage     `json:"discount_infos"`
}

// couponSimpleInfoPay is the SDK's model.CouponSimpleInfoOrderPayV3.
type couponSimpleInfoPay struct {
	ID   string `json:"id"`
	Type int    `json:"type"`
}

// Coupon types of PayOrders' coupon_infos: 300 discount coupon, 301
// voucher, 302 cash coupon, 303 stored-value card.
var payCouponTypes = []int{300, 301, 302, 303}

// payOrders is PayOrders: pays an order pending payment of one of the
// caller's customers from the customer's coupons (at most three, each
// issued to the customer and covering a line of the order) and balance, in
// one transaction; any refusal changes nothing. The answer is empty.
func payOrders(c *Call) (any, error) {
	var req payCustomerOrderV3Req
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.OrderID == "" || len(req.OrderID) > 64 {
		return nil, fieldError("CBC.0100", "order_id", "api.order_id", "is required (at most 64 characters)")
	}
	var coupons []string
	switch req.UseCoupon {
	case "YES":
		if len(req.CouponInfos) == 0 {
			return nil, fieldError("CBC.0100", "coupon_infos", "api.coupons_required", "is required when use_coupon is YES")
		}
		for _, ci := range req.CouponInfos {
			if ci.ID == "" || len(ci.ID) > 64 {
				return nil, fieldError("CBC.0100", "coupon_infos", "api.id_length", "must hold ids of 1 to 64 characters")
			}
			if !slices.Contains(payCouponTypes, ci.Type) {
				return nil, fieldError("CBC.0100", "coupon_infos", "api.enum", "type must be one of %v, not %d", payCouponTypes, ci.Type)
			}
			coupons = append(coupons, ci.ID)
		}
	case "NO":
		if len(req.CouponInfos) > 0 {
			return nil, fieldError("CBC.0100", "coupon_infos", "api.coupons_unexpected", "must be left out when use_coupon is NO")
		}
	default:
		return nil, fieldError("CBC.0100", "use_coupon", "api.yes_no", "must be YES or NO, not %q", req.UseCoupon)
	}
	switch req.UseDiscount {
	case "YES":
		return nil, fieldError("CBC.0100", "discount_infos", "api.no_discounts", "no discount applies to orders placed by a partner; send use_discount NO")
	case "NO":
		if len(req.DiscountInfos) > 0 {
			return nil, fieldError("CBC.0100", "discount_infos", "api.discounts_unexpected", "must be left out when use_discount is NO")
		}
	default:
		return nil, fieldError("CBC.0100", "use_discount", "api.yes_no", "must be YES or NO, not %q", req.UseDiscount)
	}
	scope, err := c.customerScope(nil)
	if err != nil {
		return nil, err
	}
	_, err = c.InTx(func(tx *store.Tx) (any, error) {
		_, err := order.Pay(c.ctx(), tx, order.PayRequest{Scope: scope, OrderID: strings.ToUpper(req.OrderID), CouponIDs: coupons})
		if err != nil {
			return nil, err
		}
		return struct{}{}, nil
	})
	if errors.Is(err, order.ErrPaymentTimedOut) {
		return nil, apiError("CBC.99003110", "order.payment_timed_out", "the order's payment deadline has passed; place a new order")
	}
	if err != nil {
		return nil, asCode(err, apperr.Insufficient, "CBC.99005003")
	}
	return struct{}{}, nil
}

// cancelCustomerOrderReq is the SDK's model.CancelCustomerOrderReq.
type cancelCustomerOrderReq struct {
	OrderID string `json:"order_id"`
}

// cancelCustomerOrder is CancelCustomerOrder: cancels an order pending
// payment of one of the caller's customers. The answer is empty.
func cancelCustomerOrder(c *Call) (any, error) {
	var req cancelCustomerOrderReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.OrderID == "" || len(req.OrderID) > 64 {
		return nil, fieldError("CBC.0100", "order_id", "api.order_id", "is required (at most 64 characters)")
	}
	scope, err := c.customerScope(nil)
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		if _, err := order.Cancel(c.ctx(), tx, scope, strings.ToUpper(req.OrderID), "cancelled_by_partner"); err != nil {
			return nil, err
		}
		return struct{}{}, nil
	})
}

// listOrderCouponsByOrderIdResponse is the SDK's
// model.ListOrderCouponsByOrderIdResponse.
type listOrderCouponsByOrderIdResponse struct {
	Count                int                `json:"count"`
	UserCoupons          []couponInfoV2     `json:"user_coupons"`
	CouponMaxUseQuantity []couponMaxUseInfo `json:"coupon_max_use_quantity"`
}

// couponInfoV2 is the SDK's model.CouponInfoV2.
type couponInfoV2 struct {
	CouponID      string         `json:"coupon_id"`
	CouponCode    string         `json:"coupon_code"`
	Status        int            `json:"status"`
	CouponType    int            `json:"coupon_type"`
	MeasureID     int            `json:"measure_id"`
	FaceValue     yuan           `json:"face_value"`
	EffectiveTime string         `json:"effective_time"`
	ExpireTime    string         `json:"expire_time"`
	UseLimits     []useLimitInfo `json:"use_limits"`
	ActiveTime    string         `json:"active_time,omitempty"`
	LastUsedTime  string         `json:"last_used_time,omitempty"`
	CreateTime    string         `json:"create_time"`
	CouponVersion int            `json:"coupon_version"`
	Balance       yuan           `json:"balance"`
	CouponGroup   int            `json:"coupon_group"`
}

// couponMaxUseInfo is the SDK's model.CouponMaxUseQuantity.
type couponMaxUseInfo struct {
	CouponType       int `json:"coupon_type"`
	CouponGroup      int `json:"coupon_group"`
	UseQuantityValue int `json:"use_quantity_value"`
}

// listOrderCouponsByOrderId is ListOrderCouponsByOrderId: the coupons that
// could pay part of an order pending payment of one of the caller's
// customers now (usable, with balance, covering one of its lines). Any
// other order has none. One payment uses at most three coupons in all.
func listOrderCouponsByOrderId(c *Call) (any, error) {
	id, err := c.queryString("order_id", 64)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, fieldError("CBC.0100", "order_id", "api.order_id", "is required (at most 64 characters)")
	}
	scope, err := c.customerScope(nil)
	if err != nil {
		return nil, err
	}
	o, err := order.Get(c.ctx(), c.reader(), scope, strings.ToUpper(id))
	if err != nil {
		return nil, err
	}
	list, err := order.UsableCoupons(c.ctx(), c.reader(), o, c.s.app.DB.Now())
	if err != nil {
		return nil, err
	}
	out := listOrderCouponsByOrderIdResponse{Count: len(list), UserCoupons: []couponInfoV2{}, CouponMaxUseQuantity: []couponMaxUseInfo{
		{CouponType: coupon.TypeVoucher, UseQuantityValue: coupon.MaxCouponsPerPayment},
		{CouponType: coupon.TypeCash, UseQuantityValue: coupon.MaxCouponsPerPayment},
	}}
	for _, cp := range list {
		out.UserCoupons = append(out.UserCoupons, couponInfoV2{CouponID: cp.ID, CouponCode: cp.Code, Status: cp.Status,
			CouponType: cp.Type, MeasureID: measureYuan, FaceValue: yuan(cp.FaceValue), EffectiveTime: formatTime(cp.EffectiveAt),
			ExpireTime: formatTime(cp.ExpiresAt), UseLimits: useLimits(cp), ActiveTime: formatTime(cp.ActiveAt),
			LastUsedTime: formatTime(cp.LastUsedAt), CreateTime: formatTime(cp.CreatedAt), CouponVersion: couponVersionReusable,
			Balance: yuan(cp.Balance)})
	}
	return out, nil
}

// customerOf returns a customer in scope, for operations that name one.
func (c *Call) customerOf(scope customer.Scope, field, id string) (*customer.Customer, error) {
	if id == "" || len(id) > 64 {
		return nil, fieldError("CBC.0100", field, "api.customer_id", "is required (at most 64 characters)")
	}
	return customer.Get(c.ctx(), c.reader(), scope, id)
}
