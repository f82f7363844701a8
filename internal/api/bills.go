package api

import (
	"strconv"
	"strings"

	"partnercenter/internal/bill"
	"partnercenter/internal/customer"
)

// The bills operations: a customer's fee records of a month (resource-level
// bill details), the customers that consumed in a month, and a month's
// bills per customer, service type, charging mode and direction. Amounts are
// yuan with two decimals; months are "2026-12" in the billing calendar
// (UTC+8). Coupons of both kinds are reported as coupon_amount, the balance
// as cash: the simulated cloud keeps no other means of payment, discounts
// or write-offs.

// Months and their ranges the bills operations read.
func (c *Call) billMonth(field, v string) (bill.Month, error) {
	if v == "" {
		return 0, fieldError("CBC.0100", field, "bill.month_required", "is required: a month such as 2026-12")
	}
	m, err := bill.ParseMonth(field, v)
	if err != nil {
		return 0, err
	}
	return m, bill.CheckWindow(field, m, c.s.app.DB.Now())
}

// billScope is the customers a bills call sees: the acting partner's (a
// total distributor's reseller with indirect_partner_id), narrowed to its
// own customers for a manager-only caller.
func (c *Call) billScope(indirect string) (customer.Scope, error) {
	return customer.ScopeFor(c.ctx(), c.reader(), c.Principal, customer.OwnCustomers, indirect)
}

// billNames are the catalogue's names in the caller's X-Language (zh_cn by
// default, en_us).
func (c *Call) billNames() (*bill.Names, error) {
	lang := "zh"
	if strings.HasPrefix(strings.ToLower(c.Request.Header.Get("X-Language")), "en") {
		lang = "en"
	}
	return bill.LoadNames(c.ctx(), c.reader(), lang)
}

// feeRecord is the SDK's model.SubCustomerMonthlyBillDetail.
type feeRecord struct {
	BillCycle              string  `json:"bill_cycle"`
	CustomerID             string  `json:"customer_id"`
	AssociationType        string  `json:"association_type,omitempty"`
	ServiceTypeCode        string  `json:"service_type_code"`
	ResourceTypeCode       string  `json:"resource_type_code"`
	ServiceTypeName        string  `json:"service_type_name"`
	ResourceTypeName       string  `json:"resource_type_name"`
	ChargingMode           int     `json:"charging_mode"`
	TradeTime              string  `json:"trade_time"`
	TradeID                string  `json:"trade_id"`
	ID                     string  `json:"id"`
	BillDetailType         int     `json:"bill_detail_type"`
	ResourceID             string  `json:"resource_id,omitempty"`
	ResourceName           string  `json:"resource_name,omitempty"`
	ProductSpecDesc        string  `json:"product_spec_desc,omitempty"`
	RegionCode             string  `json:"region_code"`
	RegionName             string  `json:"region_name"`
	ProductID              string  `json:"product_id"`
	ProductName            string  `json:"product_name,omitempty"`
	ConsumeTime            string  `json:"consume_time"`
	UsageAmount            *string `json:"usage_amount,omitempty"`
	OfficialAmount         yuan    `json:"official_amount"`
	OfficialDiscountAmount yuan    `json:"official_discount_amount"`
	PaymentAmount          yuan    `json:"payment_amount"`
	CashAmount             yuan    `json:"cash_amount"`
	CreditAmount           yuan    `json:"credit_amount"`
	CouponAmount           yuan    `json:"coupon_amount"`
	DebtAmount             yuan    `json:"debt_amount"`
	PeriodType             int     `json:"period_type,omitempty"`
	AccountManagerID       string  `json:"account_manager_id,omitempty"`
	PartnerID              string  `json:"partner_id"`
	OrderType              int     `json:"order_type,omitempty"`
}

// listSubCustomerBillDetailResponse is the SDK's
// model.ListSubCustomerBillDetailResponse.
type listSubCustomerBillDetailResponse struct {
	TotalCount int64       `json:"total_count"`
	Currency   string      `json:"currency"`
	FeeRecords []feeRecord `json:"fee_records"`
}

// periodHour is the API's period_type of an hour of pay-per-use.
const periodHour = 25

// listSubCustomerBillDetail is ListSubCustomerBillDetail: one customer's fee
// records of a month (an hour of a pay-per-use resource, a line of a paid or
// refunded order), filtered and paged, with the count of all that match.
func listSubCustomerBillDetail(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "bill_cycle", "customer_id", "service_type_code", "region_code", "resource_id", "resource_name",
		"trade_id", "account_manager_id", "association_type", "indirect_partner_id", "bill_date_begin", "bill_date_end")
	if err != nil {
		return nil, err
	}
	month, err := c.billMonth("bill_cycle", vals[0])
	if err != nil {
		return nil, err
	}
	if vals[1] == "" {
		return nil, fieldError("CBC.0100", "customer_id", "api.customer_id", "is required (at most 64 characters)")
	}
	f := bill.Filter{Month: month, CustomerID: vals[1], ServiceTypeCode: vals[2], RegionCode: vals[3], ResourceID: vals[4],
		ResourceName: vals[5], TradeID: vals[6], ManagerUserID: vals[7]}
	switch vals[8] {
	case "":
	case "1", "2":
		f.AssociationType, _ = strconv.Atoi(vals[8])
	default:
		return nil, fieldError("CBC.0100", "association_type", "bill.association_type_invalid", "must be 1 (referral) or 2 (resale)")
	}
	mode, err := c.queryInt("charging_mode")
	if err != nil {
		return nil, err
	}
	if mode != nil {
		f.ChargingMode = int(*mode)
		if f.ChargingMode <= 0 {
			return nil, fieldError("CBC.0100", "charging_mode", "bill.charge_mode_invalid", "must be 1, 3, 10 or 11")
		}
	}
	detail, err := c.queryInt("bill_detail_type")
	if err != nil {
		return nil, err
	}
	if detail != nil {
		if *detail <= 0 {
			return nil, fieldError("CBC.0100", "bill_detail_type", "bill.detail_type_invalid", "is not a bill detail type")
		}
		f.DetailType = int(*detail)
	}
	// The two dates go together, inside the month; alone they are ignored.
	if vals[10] != "" && vals[11] != "" {
		from, err := billingDate("bill_date_begin", vals[10])
		if err != nil {
			return nil, err
		}
		to, err := billingDate("bill_date_end", vals[11])
		if err != nil {
			return nil, err
		}
		if bill.MonthOf(from) != month || bill.MonthOf(to) != month || to.Before(from) {
			return nil, fieldError("CBC.0100", "bill_date_end", "bill.date_range", "bill_date_begin and bill_date_end must be in bill_cycle, in order")
		}
		f.From, f.To = from, to.AddDate(0, 0, 1)
	}
	p, err := c.queryPaging(10, 1000)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = p.Offset, p.Limit
	if f.Scope, err = c.billScope(vals[9]); err != nil {
		return nil, err
	}
	records, total, err := bill.Details(c.ctx(), c.reader(), f)
	if err != nil {
		return nil, err
	}
	names, err := c.billNames()
	if err != nil {
		return nil, err
	}
	out := listSubCustomerBillDetailResponse{TotalCount: total.Count, Currency: currencyCNY, FeeRecords: make([]feeRecord, len(records))}
	for i, r := range records {
		fr := feeRecord{BillCycle: r.Month.String(), CustomerID: r.CustomerID, ServiceTypeCode: r.ServiceTypeCode,
			ResourceTypeCode: r.ResourceTypeCode, ServiceTypeName: names.Service(r.ServiceTypeCode), ResourceTypeName: names.ResourceType(r),
			ChargingMode: r.ChargingMode, TradeTime: formatTime(r.CreatedAt), TradeID: r.TradeID(), ID: r.ID, BillDetailType: r.DetailType,
			ResourceID: r.ResourceID, ResourceName: r.ResourceName, ProductSpecDesc: names.Spec(r), RegionCode: r.RegionCode,
			RegionName: names.Region(r.RegionCode), ProductID: r.ProductID, ProductName: names.Spec(r), ConsumeTime: formatTime(r.FeeAt),
			OfficialAmount: yuan(r.Amount), PaymentAmount: yuan(r.Amount), CashAmount: yuan(r.BalanceAmount),
			CouponAmount: yuan(r.CouponAmount), DebtAmount: yuan(r.DebtAmount), AccountManagerID: r.ManagerUserID, PartnerID: r.PartnerID}
		if r.AssociationType != 0 {
			fr.AssociationType = strconv.Itoa(r.AssociationType)
		}
		if r.Source == "usage" {
			q := strconv.FormatInt(r.UsageQuantity, 10)
			fr.UsageAmount, fr.PeriodType = &q, periodHour
		} else {
			fr.OrderType = orderTypeOf(r.DetailType)
		}
		out.FeeRecords[i] = fr
	}
	return out, nil
}

// orderTypeOf is the order type behind an order's detail type.
func orderTypeOf(detailType int) int {
	if detailType == bill.DetailChangeRefund {
		return bill.DetailChange
	}
	return detailType
}

// listConsumeSubCustomersReq is the SDK's model.ListConsumeSubCustomersReq.
type listConsumeSubCustomersReq struct {
	BillCycle string `json:"bill_cycle"`
	Offset    *int64 `json:"offset"`
	Limit     *int64 `json:"limit"`
}

type subCustomerID struct {
	CustomerID string `json:"customer_id"`
}

// listConsumeSubCustomersResponse is the SDK's
// model.ListConsumeSubCustomersResponse.
type listConsumeSubCustomersResponse struct {
	SubCustomers []subCustomerID `json:"sub_customers"`
	TotalCount   int             `json:"total_count"`
}

// listConsumeSubCustomers is ListConsumeSubCustomers: the caller's customers
// with fee records in a month, in id order.
func listConsumeSubCustomers(c *Call) (any, error) {
	var req listConsumeSubCustomersReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	month, err := c.billMonth("bill_cycle", req.BillCycle)
	if err != nil {
		return nil, err
	}
	p, err := paging(req.Offset, req.Limit, 10, 1000)
	if err != nil {
		return nil, err
	}
	scope, err := c.billScope("")
	if err != nil {
		return nil, err
	}
	ids, total, err := bill.ConsumingCustomers(c.ctx(), c.reader(), bill.Filter{Scope: scope, Month: month, Offset: p.Offset, Limit: p.Limit})
	if err != nil {
		return nil, err
	}
	out := listConsumeSubCustomersResponse{TotalCount: total, SubCustomers: make([]subCustomerID, len(ids))}
	for i, id := range ids {
		out.SubCustomers[i] = subCustomerID{CustomerID: id}
	}
	return out, nil
}

// billSum is the SDK's model.BillSumInfoV2.
type billSum struct {
	CustomerID           string          `json:"customer_id"`
	CloudServiceType     string          `json:"cloud_service_type"`
	CloudServiceTypeName string          `json:"cloud_service_type_name"`
	BillType             string          `json:"bill_type"`
	ChargeMode           string          `json:"charge_mode"`
	Amount               yuan            `json:"amount"`
	DebtAmount           yuan            `json:"debt_amount"`
	AdjustmentAmount     yuan            `json:"adjustment_amount"`
	DiscountAmount       yuan            `json:"discount_amount"`
	MeasureID            int             `json:"measure_id"`
	AccountDetails       []balanceDeduct `json:"account_details"`
	ResourceTypeCode     string          `json:"resource_type_code"`
	ResourceTypeName     string          `json:"resource_type_name"`
}

// balanceDeduct is the SDK's model.BalanceTypeDeductSumV2.
type balanceDeduct struct {
	BalanceType string `json:"balance_type"`
	Amount      yuan   `json:"amount"`
	BillType    string `json:"bill_type"`
}

// listSubcustomerMonthlyBillsResponse is the SDK's
// model.ListSubcustomerMonthlyBillsResponse.
type listSubcustomerMonthlyBillsResponse struct {
	BillSums []billSum `json:"bill_sums"`
	Count    int       `json:"count"`
	Currency string    `json:"currency"`
}

// Bill types of the monthly sums.
const (
	billTypeNormal   = "0"
	billTypeRefund   = "1"
	billTypeWriteOff = "2" // 华为核销: the simulated cloud writes nothing off
)

// listSubcustomerMonthlyBills is ListSubcustomerMonthlyBills: a month's
// bills of the caller's customers (or of one) per service and resource type,
// for one charging mode, consumption and refunds apart, with what the
// balance and coupons paid.
func listSubcustomerMonthlyBills(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "customer_id", "cycle", "cloud_service_type", "charge_mode", "bill_type", "indirect_partner_id")
	if err != nil {
		return nil, err
	}
	month, err := c.billMonth("cycle", vals[1])
	if err != nil {
		return nil, err
	}
	f := bill.Filter{Month: month, CustomerID: vals[0], ServiceTypeCode: vals[2]}
	empty := false
	switch vals[3] {
	case "1":
		f.ChargingMode = bill.ChargingPeriodic
	case "3":
		f.ChargingMode = bill.ChargingPayPerUse
	case "11":
		empty = true // savings plans: none sold
	default:
		return nil, fieldError("CBC.0100", "charge_mode", "bill.charge_mode_invalid", "must be 1 (yearly/monthly), 3 (pay-per-use) or 11")
	}
	switch vals[4] {
	case "":
	case billTypeNormal, billTypeRefund:
		refund := vals[4] == billTypeRefund
		f.Refund = &refund
	case billTypeWriteOff:
		empty = true
	default:
		return nil, fieldError("CBC.0100", "bill_type", "bill.bill_type_invalid", "must be 0, 1 or 2")
	}
	p, err := c.queryPaging(10, 1000)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = p.Offset, p.Limit
	if f.Scope, err = c.billScope(vals[5]); err != nil {
		return nil, err
	}
	out := listSubcustomerMonthlyBillsResponse{Currency: currencyCNY, BillSums: []billSum{}}
	if empty {
		return out, nil
	}
	bills, total, err := bill.MonthlyBills(c.ctx(), c.reader(), f)
	if err != nil {
		return nil, err
	}
	names, err := c.billNames()
	if err != nil {
		return nil, err
	}
	out.Count = total
	for _, b := range bills {
		typ := billTypeNormal
		if b.Refund {
			typ = billTypeRefund
		}
		s := billSum{CustomerID: b.CustomerID, CloudServiceType: b.ServiceTypeCode, CloudServiceTypeName: names.Service(b.ServiceTypeCode),
			BillType: typ, ChargeMode: strconv.Itoa(b.ChargingMode), Amount: yuan(b.Amount), DebtAmount: yuan(b.Debt),
			MeasureID: measureYuan, ResourceTypeCode: b.ResourceTypeCode, ResourceTypeName: names.ResourceTypeCode(b.ResourceTypeCode),
			AccountDetails: []balanceDeduct{{BalanceType: "BALANCE_TYPE_DEBIT", Amount: yuan(b.Balance), BillType: typ}}}
		if b.Coupon != 0 {
			s.AccountDetails = append(s.AccountDetails, balanceDeduct{BalanceType: "BALANCE_TYPE_COUPON", Amount: yuan(b.Coupon), BillType: typ})
		}
		out.BillSums = append(out.BillSums, s)
	}
	return out, nil
}
