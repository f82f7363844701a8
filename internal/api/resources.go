package api

import (
	"fmt"
	"slices"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/order"
	"partnercenter/internal/store"
)

// The resource operations: the 包年/包月 resources of a customer
// (ListPayPerUseCustomerResources, named so by the provider although it
// lists yearly/monthly resources), its pay-per-use resources
// (ListCustomerOnDemandResources), renewal, unsubscription and auto-renewal.

// queryResourcesReq is the SDK's model.QueryResourcesReq.
type queryResourcesReq struct {
	ResourceIDs      []string `json:"resource_ids"`
	OrderID          *string  `json:"order_id"`
	OnlyMainResource *int64   `json:"only_main_resource"`
	StatusList       []int    `json:"status_list"`
	Offset           *int64   `json:"offset"`
	Limit            *int64   `json:"limit"`
	ExpireTimeBegin  *string  `json:"expire_time_begin"`
	ExpireTimeEnd    *string  `json:"expire_time_end"`
	ServiceTypeCode  *string  `json:"service_type_code"`
	CustomerID       *string  `json:"customer_id"`
}

// listPayPerUseCustomerResourcesResponse is the SDK's
// model.ListPayPerUseCustomerResourcesResponse.
type listPayPerUseCustomerResourcesResponse struct {
	Data       []orderInstanceV2 `json:"data"`
	TotalCount int               `json:"total_count"`
}

// orderInstanceV2 is the SDK's model.OrderInstanceV2. Every resource here
// is a main resource of its own, so id is the resource id.
type orderInstanceV2 struct {
	ID               string `json:"id"`
	ResourceID       string `json:"resource_id"`
	ResourceName     string `json:"resource_name"`
	RegionCode       string `json:"region_code"`
	ServiceTypeCode  string `json:"service_type_code"`
	ResourceTypeCode string `json:"resource_type_code"`
	ResourceTypeName string `json:"resource_type_name"`
	ServiceTypeName  string `json:"service_type_name"`
	ResourceSpecCode string `json:"resource_spec_code"`
	ProductID        string `json:"product_id"`
	IsMainResource   int    `json:"is_main_resource"`
	Status           int    `json:"status"`
	EffectiveTime    string `json:"effective_time"`
	ExpireTime       string `json:"expire_time,omitempty"`
	ExpirePolicy     int    `json:"expire_policy"`
	ProductSpecDesc  string `json:"product_spec_desc"`
	UpdateTime       string `json:"update_time"`
}

// Expiry policies of OrderInstanceV2: 0 the resource enters the retention
// period at expiry, 3 it renews itself.
const (
	expireToGrace   = 0
	expireAutoRenew = 3
)

// periodicStatuses are the status_list values of 包年/包月 resources.
var periodicStatuses = []int{2, 3, 4, 5}

// maxResourceIDs is how many resource ids a query may name.
const maxResourceIDs = 50

// listPayPerUseCustomerResources is ListPayPerUseCustomerResources: one
// page of a customer's 包年/包月 resources, newest first, with the count of
// all that match. The customer must be one of the caller's; another
// partner's answers not found.
func listPayPerUseCustomerResources(c *Call) (any, error) {
	var req queryResourcesReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	f := order.ResourceFilter{ChargingMode: order.ChargingPeriodic}
	var err error
	if f.ResourceIDs, err = idList("resource_ids", req.ResourceIDs, maxResourceIDs); err != nil {
		return nil, err
	}
	if f.OrderID, err = optionalString("order_id", req.OrderID, 64); err != nil {
		return nil, err
	}
	if v := req.OnlyMainResource; v != nil && *v != 0 && *v != 1 {
		return nil, fieldError("CBC.0100", "only_main_resource", "api.enum", "must be 0 or 1, not %d", *v)
	}
	for _, s := range req.StatusList {
		if !slices.Contains(periodicStatuses, s) {
			return nil, fieldError("CBC.0100", "status_list", "api.enum", "must hold values of %v, not %d", periodicStatuses, s)
		}
		f.Statuses = append(f.Statuses, order.PeriodicStatusOf(s))
	}
	if f.ExpiresFrom, f.ExpiresTo, err = timeRange("expire_time_begin", req.ExpireTimeBegin, "expire_time_end", req.ExpireTimeEnd); err != nil {
		return nil, err
	}
	if req.ServiceTypeCode != nil {
		if *req.ServiceTypeCode == "" || len(*req.ServiceTypeCode) > 64 {
			return nil, fieldError("CBC.0100", "service_type_code", "api.service_type_code", "must be 1 to 64 characters when sent")
		}
		f.ServiceTypeCode = *req.ServiceTypeCode
	}
	p, err := paging(req.Offset, req.Limit, 10, 500)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = p.Offset, p.Limit
	if f.Scope, err = c.customerScope(nil); err != nil {
		return nil, err
	}
	cust, err := c.customerOf(f.Scope, "customer_id", strOr(req.CustomerID))
	if err != nil {
		return nil, err
	}
	f.CustomerID = cust.ID
	list, total, err := order.ListResources(c.ctx(), c.reader(), f)
	if err != nil {
		return nil, err
	}
	names, err := c.serviceTypeNames()
	if err != nil {
		return nil, err
	}
	products, lang := c.products(), c.lang()
	out := listPayPerUseCustomerResourcesResponse{TotalCount: total, Data: []orderInstanceV2{}}
	for _, r := range list {
		prod, err := products(r.ProductID)
		if err != nil {
			return nil, err
		}
		row := orderInstanceV2{ID: r.ID, ResourceID: r.ID, ResourceName: r.Name, RegionCode: r.RegionCode,
			ServiceTypeCode: r.ServiceTypeCode, ResourceTypeCode: r.ResourceTypeCode, ResourceTypeName: resourceTypeName(prod, lang),
			ServiceTypeName: names(r.ServiceTypeCode), ResourceSpecCode: r.SpecCode, ProductID: r.ProductID, IsMainResource: 1,
			Status: r.APIStatus(), EffectiveTime: formatTime(r.EffectiveAt), ExpireTime: formatTime(r.ExpiresAt),
			ExpirePolicy: expireToGrace, ProductSpecDesc: specDesc(prod, lang), UpdateTime: formatTime(r.UpdatedAt)}
		if r.AutoRenew {
			row.ExpirePolicy = expireAutoRenew
		}
		out.Data = append(out.Data, row)
	}
	return out, nil
}

func resourceTypeName(p *catalogue.Product, lang string) string {
	switch {
	case p == nil:
		return ""
	case lang == "en":
		return p.ResourceTypeEn
	}
	return p.ResourceTypeZh
}

// queryCustomerOnDemandResourcesReq is the SDK's
// model.QueryCustomerOnDemandResourcesReq.
type queryCustomerOnDemandResourcesReq struct {
	CustomerID         string   `json:"customer_id"`
	RegionCode         *string  `json:"region_code"`
	ServiceTypeCode    *string  `json:"service_type_code"`
	ResourceIDs        []string `json:"resource_ids"`
	EffectiveTimeBegin *string  `json:"effective_time_begin"`
	EffectiveTimeEnd   *string  `json:"effective_time_end"`
	Offset             *int64   `json:"offset"`
	Limit              *int64   `json:"limit"`
	Status             *int64   `json:"status"`
	IndirectPartnerID  *string  `json:"indirect_partner_id"`
}

// listCustomerOnDemandResourcesResponse is the SDK's
// model.ListCustomerOnDemandResourcesResponse.
type listCustomerOnDemandResourcesResponse struct {
	Resources  []customerOnDemandResource `json:"resources"`
	TotalCount int                        `json:"total_count"`
}

// customerOnDemandResource is the SDK's model.CustomerOnDemandResource.
type customerOnDemandResource struct {
	CustomerID       string `json:"customer_id"`
	RegionCode       string `json:"region_code"`
	ServiceTypeCode  string `json:"service_type_code"`
	ResourceTypeCode string `json:"resource_type_code"`
	ServiceTypeName  string `json:"service_type_name"`
	ResourceTypeName string `json:"resource_type_name"`
	ResourceID       string `json:"resource_id"`
	ResourceName     string `json:"resource_name"`
	EffectiveTime    string `json:"effective_time"`
	ExpireTime       string `json:"expire_time,omitempty"`
	Status           int    `json:"status"`
	ResourceSpecCode string `json:"resource_spec_code"`
	ResourceInfo     string `json:"resource_info"`
	ProductSpecDesc  string `json:"product_spec_desc"`
}

// onDemandStatuses maps the status filter of pay-per-use resources: 1
// normal, 2 grace period, 3 frozen, 6 closed; 4 (changing) and 5 (closing)
// are never reported, as every change here is immediate.
var onDemandStatuses = map[int64]string{1: order.ResourceActive, 2: order.ResourceGrace, 3: order.ResourceFrozen, 4: "", 5: "", 6: order.ResourceClosed}

// listCustomerOnDemandResources is ListCustomerOnDemandResources: one page
// of a customer's pay-per-use resources, newest first, with the count of
// all that match. The customer must be the caller's (or, with
// indirect_partner_id, a reseller's); any other answers not found.
func listCustomerOnDemandResources(c *Call) (any, error) {
	var req queryCustomerOnDemandResourcesReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	f := order.ResourceFilter{ChargingMode: order.ChargingPayPerUse}
	var err error
	if f.RegionCode, err = optionalString("region_code", req.RegionCode, 64); err != nil {
		return nil, err
	}
	if f.ServiceTypeCode, err = optionalString("service_type_code", req.ServiceTypeCode, 64); err != nil {
		return nil, err
	}
	if f.ResourceIDs, err = idList("resource_ids", req.ResourceIDs, maxResourceIDs); err != nil {
		return nil, err
	}
	if f.EffectiveFrom, f.EffectiveTo, err = timeRange("effective_time_begin", req.EffectiveTimeBegin, "effective_time_end", req.EffectiveTimeEnd); err != nil {
		return nil, err
	}
	matchNothing := false
	if req.Status != nil {
		s, ok := onDemandStatuses[*req.Status]
		if !ok {
			return nil, fieldError("CBC.0100", "status", "api.enum", "must be one of 1 to 6, not %d", *req.Status)
		}
		if s == "" {
			matchNothing = true
		}
		f.Statuses = []string{s}
	}
	p, err := paging(req.Offset, req.Limit, 10, 100)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = p.Offset, p.Limit
	if f.Scope, err = c.customerScope(req.IndirectPartnerID); err != nil {
		return nil, err
	}
	cust, err := c.customerOf(f.Scope, "customer_id", req.CustomerID)
	if err != nil {
		return nil, err
	}
	f.CustomerID = cust.ID
	out := listCustomerOnDemandResourcesResponse{Resources: []customerOnDemandResource{}}
	if matchNothing {
		return out, nil
	}
	list, total, err := order.ListResources(c.ctx(), c.reader(), f)
	if err != nil {
		return nil, err
	}
	names, err := c.serviceTypeNames()
	if err != nil {
		return nil, err
	}
	products, lang := c.products(), c.lang()
	out.TotalCount = total
	for _, r := range list {
		prod, err := products(r.ProductID)
		if err != nil {
			return nil, err
		}
		out.Resources = append(out.Resources, customerOnDemandResource{CustomerID: r.CustomerID, RegionCode: r.RegionCode,
			ServiceTypeCode: r.ServiceTypeCode, ResourceTypeCode: r.ResourceTypeCode, ServiceTypeName: names(r.ServiceTypeCode),
			ResourceTypeName: resourceTypeName(prod, lang), ResourceID: r.ID, ResourceName: r.Name, EffectiveTime: formatTime(r.EffectiveAt),
			ExpireTime: formatTime(r.ClosedAt), Status: r.APIStatus(), ResourceSpecCode: r.SpecCode,
			ResourceInfo: fmt.Sprintf(`{"specSize":%d.0}`, r.Quantity), ProductSpecDesc: specDesc(prod, lang)})
	}
	return out, nil
}

// maxResourcesPerRequest is how many resources one renewal or
// unsubscription may name, as the provider allows.
const maxResourcesPerRequest = 10

// failResourceInfo is the SDK's model.FailResourceInfo: a resource an
// action could not apply to, with the code its error alone would answer.
type failResourceInfo struct {
	ErrorCode  string `json:"error_code"`
	ErrorMsg   string `json:"error_msg"`
	ResourceID string `json:"resource_id"`
}

// orderIDsResponse is the SDK's model.RenewalResourcesResponse and
// model.CancelResourcesSubscriptionResponse.
type orderIDsResponse struct {
	OrderIDs          []string           `json:"order_ids"`
	FailResourceInfos []failResourceInfo `json:"fail_resource_infos,omitempty"`
}

// resourceIDs checks the resource_ids of a renewal or unsubscription.
func resourceIDs(ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, fieldError("CBC.0100", "resource_ids", "api.resource_ids_required", "is required: 1 to %d resource ids", maxResourcesPerRequest)
	}
	return idList("resource_ids", ids, maxResourcesPerRequest)
}

// visibleResources splits ids into those of the caller's customers and
// failures for the others, which answer as resources that do not exist.
func (c *Call) visibleResources(tx *store.Tx, ids []string) ([]string, []order.ResourceFailure, error) {
	scope, err := customer.ScopeFor(c.ctx(), tx, c.Principal, customer.OwnCustomers, "")
	if err != nil {
		return nil, nil, err
	}
	var ok []string
	var failures []order.ResourceFailure
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, err := order.GetResource(c.ctx(), tx, scope, id); err != nil {
			failures = append(failures, order.ResourceFailure{ResourceID: id, Err: err})
			continue
		}
		ok = append(ok, id)
	}
	return ok, failures, nil
}

// resourceAnswer answers a renewal or unsubscription: the orders made and
// the resources refused. When no order was made, the first refusal is the
// answer, so that a call naming one resource fails as that resource does.
func resourceAnswer(orders []*order.Order, failures []order.ResourceFailure) (any, error) {
	out := orderIDsResponse{OrderIDs: []string{}}
	for _, o := range orders {
		out.OrderIDs = append(out.OrderIDs, o.ID)
	}
	if len(orders) == 0 && len(failures) > 0 {
		return nil, failures[0].Err
	}
	for _, f := range failures {
		code, msg := classify(f.Err)
		out.FailResourceInfos = append(out.FailResourceInfos, failResourceInfo{ErrorCode: code.Code, ErrorMsg: msg, ResourceID: f.ResourceID})
	}
	return out, nil
}

// resourceAction runs a renewal or unsubscription on the named resources
// the caller may see, the others refused as not found, and answers with
// the orders made and every refusal.
func (c *Call) resourceAction(ids []string, act func(tx *store.Tx, visible []string) ([]*order.Order, []order.ResourceFailure, error)) (any, error) {
	return c.InTx(func(tx *store.Tx) (any, error) {
		visible, failures, err := c.visibleResources(tx, ids)
		if err != nil {
			return nil, err
		}
		var orders []*order.Order
		if len(visible) > 0 {
			var more []order.ResourceFailure
			if orders, more, err = act(tx, visible); err != nil {
				return nil, err
			}
			failures = append(failures, more...)
		}
		return resourceAnswer(orders, failures)
	})
}

// renewalResourcesReq is the SDK's model.RenewalResourcesReq.
type renewalResourcesReq struct {
	ResourceIDs []string `json:"resource_ids"`
	PeriodType  *int64   `json:"period_type"`
	PeriodNum   *int64   `json:"period_num"`
	IsAutoPay   *int64   `json:"is_auto_pay"`
}

// renewalResources is RenewalResources: one renewal order per customer for
// the caller's customers' 包年/包月 resources named, continuing from their
// expiry. With is_auto_pay 1 each order is paid from the customer's balance
// at once; an order the balance cannot cover stays pending payment for
// PayOrders.
func renewalResources(c *Call) (any, error) {
	var req renewalResourcesReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	ids, err := resourceIDs(req.ResourceIDs)
	if err != nil {
		return nil, err
	}
	if req.PeriodType == nil || (*req.PeriodType != catalogue.PeriodMonth && *req.PeriodType != catalogue.PeriodYear) {
		return nil, fieldError("CBC.0100", "period_type", "api.period_type", "must be 2 (months) or 3 (years)")
	}
	maxNum := int64(catalogue.MaxPeriods)
	if *req.PeriodType == catalogue.PeriodYear {
		maxNum = catalogue.MaxYears
	}
	if req.PeriodNum == nil || *req.PeriodNum < 1 || *req.PeriodNum > maxNum {
		return nil, fieldError("CBC.0100", "period_num", "api.period_num", "must be from 1 to %d", maxNum)
	}
	if v := req.IsAutoPay; v != nil && *v != 0 && *v != 1 {
		return nil, fieldError("CBC.0100", "is_auto_pay", "api.enum", "must be 0 or 1, not %d", *v)
	}
	return c.resourceAction(ids, func(tx *store.Tx, visible []string) ([]*order.Order, []order.ResourceFailure, error) {
		return order.Renew(c.ctx(), tx, order.RenewRequest{PartnerID: c.Partner.ID, ResourceIDs: visible,
			PeriodType: int(*req.PeriodType), PeriodNum: int(*req.PeriodNum), AutoPay: req.IsAutoPay != nil && *req.IsAutoPay == 1,
			CreatedBy: c.Principal.ActorName()})
	})
}

// unsubscribeResourcesReq is the SDK's model.UnsubscribeResourcesReq.
type unsubscribeResourcesReq struct {
	ResourceIDs           []string `json:"resource_ids"`
	UnsubscribeType       *int64   `json:"unsubscribe_type"`
	UnsubscribeReasonType *int64   `json:"unsubscribe_reason_type"`
	UnsubscribeReason     *string  `json:"unsubscribe_reason"`
}

// cancelResourcesSubscription is CancelResourcesSubscription: releases the
// caller's customers' resources named at once, with one completed
// unsubscription order per customer. A 包年/包月 resource in use refunds to
// the customer's balance what the balance paid for the time left, pro rata
// by the second; coupons are not refunded.
func cancelResourcesSubscription(c *Call) (any, error) {
	var req unsubscribeResourcesReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	ids, err := resourceIDs(req.ResourceIDs)
	if err != nil {
		return nil, err
	}
	switch {
	case req.UnsubscribeType == nil || (*req.UnsubscribeType != 1 && *req.UnsubscribeType != 2):
		return nil, fieldError("CBC.0100", "unsubscribe_type", "api.unsubscribe_type", "must be 1 (the resource and its renewals) or 2 (its renewals only)")
	case *req.UnsubscribeType == 2:
		return nil, fieldError("CBC.0100", "unsubscribe_type", "api.unsubscribe_renewals", "2 is not offered: renewals continue the resource's period and are refunded with it; send 1")
	}
	if v := req.UnsubscribeReasonType; v != nil && (*v < 1 || *v > 5) {
		return nil, fieldError("CBC.0100", "unsubscribe_reason_type", "api.enum", "must be from 1 to 5, not %d", *v)
	}
	reason, err := optionalString("unsubscribe_reason", req.UnsubscribeReason, 255)
	if err != nil {
		return nil, err
	}
	return c.resourceAction(ids, func(tx *store.Tx, visible []string) ([]*order.Order, []order.ResourceFailure, error) {
		return order.Unsubscribe(c.ctx(), tx, order.UnsubscribeRequest{PartnerID: c.Partner.ID, ResourceIDs: visible,
			Reason: reason, CreatedBy: c.Principal.ActorName()})
	})
}

// autoRenewalResourcesReq is the SDK's model.AutoRenewalResourcesReq.
type autoRenewalResourcesReq struct {
	AutoRenewTimes *int64  `json:"auto_renew_times"`
	PeriodType     *string `json:"period_type"`
}

// autoRenewalResources is AutoRenewalResources: turns auto-renewal of one
// of the caller's customers' 包年/包月 resources on. At expiry the resource
// renews for one month, paid from the customer's balance.
func autoRenewalResources(c *Call) (any, error) {
	var req autoRenewalResourcesReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if v := req.AutoRenewTimes; v != nil && (*v < 0 || *v > 99) {
		return nil, fieldError("CBC.0100", "auto_renew_times", "api.auto_renew_times", "must be from 0 to 99")
	}
	if v := req.PeriodType; v != nil && *v != "MONTH" && *v != "YEAR" {
		return nil, fieldError("CBC.0100", "period_type", "api.enum", "must be MONTH or YEAR, not %q", *v)
	}
	return setAutoRenew(c, true)
}

// cancelAutoRenewalResources is CancelAutoRenewalResources: turns
// auto-renewal of one of the caller's customers' resources off.
func cancelAutoRenewalResources(c *Call) (any, error) {
	return setAutoRenew(c, false)
}

func setAutoRenew(c *Call, on bool) (any, error) {
	id, err := optionalString("resource_id", ptr(c.Request.PathValue("resource_id")), 64)
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		visible, failures, err := c.visibleResources(tx, []string{id})
		if err != nil {
			return nil, err
		}
		if len(visible) == 0 {
			return nil, failures[0].Err
		}
		if _, err := order.SetAutoRenew(c.ctx(), tx, c.Partner.ID, id, on); err != nil {
			return nil, err
		}
		return struct{}{}, nil
	})
}
