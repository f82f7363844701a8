package api

import (
	"slices"
	"strings"

	"partnercenter/internal/coupon"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
)

// Operation records (操作记录) of coupons and of the quotas a total
// distributor passes on to its resellers.

// Record results, as the BSS API writes them.
const (
	resultSuccess = "0"
	resultFailed  = "-1"
)

func recordResult(r coupon.Record) string {
	if r.Result == "success" {
		return resultSuccess
	}
	return resultFailed
}

// couponOperationTypes maps the BSS API's coupon operation types to the
// records' operations. Types 5 to 9 (unsubscribe, refund, association,
// switching, transfer) are valid filters that nothing here produces.
var couponOperationTypes = map[string]string{
	"1": coupon.OpIssue, "2": coupon.OpReclaim, "3": coupon.OpUnbindReclaim, "4": coupon.OpExpire,
	"5": "", "6": "", "7": "", "8": "", "9": "",
}

// operationTypeOf is a coupon record's operation type.
func operationTypeOf(op string) string {
	for t, o := range couponOperationTypes {
		if o == op && o != "" {
			return t
		}
	}
	return ""
}

// queryList reads a query parameter sent as repeated parameters (as the SDK
// sends a list) or comma-separated, each value at most 64 characters.
func (c *Call) queryList(name string, maxItems int) ([]string, error) {
	var out []string
	for _, v := range c.Request.URL.Query()[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return idList(name, out, maxItems)
}

// couponRecordV2 is the SDK's model.CouponRecordV2.
type couponRecordV2 struct {
	ID              string `json:"id"`
	OperationType   string `json:"operation_type"`
	QuotaID         string `json:"quota_id"`
	QuotaType       int    `json:"quota_type"`
	CouponID        string `json:"coupon_id,omitempty"`
	CustomerID      string `json:"customer_id"`
	OperationAmount yuan   `json:"operation_amount"`
	OperationTime   string `json:"operation_time"`
	Result          string `json:"result"`
	Remark          string `json:"remark,omitempty"`
}

// listPartnerCouponsRecordResponse is the SDK's
// model.ListPartnerCouponsRecordResponse.
type listPartnerCouponsRecordResponse struct {
	TotalCount int              `json:"total_count"`
	Records    []couponRecordV2 `json:"records"`
}

// recordFilters reads the filters both record lists share: the result
// (0 success, -1 failure; any other value does not filter, as the provider
// documents), the operation time range and paging.
func (c *Call) recordFilters(q *coupon.RecordQuery) error {
	switch c.Request.URL.Query().Get("result") {
	case resultSuccess:
		q.Succeeded = new(true)
	case resultFailed:
		q.Succeeded = new(false)
	}
	vals, err := c.queryStrings(64, "operation_time_begin", "operation_time_end")
	if err != nil {
		return err
	}
	if q.At.From, q.At.To, err = timeRange("operation_time_begin", &vals[0], "operation_time_end", &vals[1]); err != nil {
		return err
	}
	p, err := c.queryPaging(10, 100)
	q.Offset, q.Limit = p.Offset, p.Limit
	return err
}

// listPartnerCouponsRecord is ListPartnerCouponsRecord (操作记录): one page
// of the issue, reclaim and expiry records of the caller's coupons (or a
// reseller's), newest first, with the count of all that match.
func listPartnerCouponsRecord(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "quota_id", "customer_id", "indirect_partner_id")
	if err != nil {
		return nil, err
	}
	q := coupon.RecordQuery{QuotaID: vals[0], CustomerID: vals[1]}
	types, err := c.queryList("operation_types", 9)
	if err != nil {
		return nil, err
	}
	if len(types) == 0 {
		types = []string{"1", "2", "3", "4"}
	}
	for _, t := range types {
		op, ok := couponOperationTypes[t]
		if !ok {
			return nil, fieldError("CBC.0100", "operation_types", "api.enum", "must hold values 1 to 9, not %q", t)
		}
		if op != "" && !slices.Contains(q.Operations, op) {
			q.Operations = append(q.Operations, op)
		}
	}
	if q.QuotaType, err = c.queryQuotaType(); err != nil {
		return nil, err
	}
	if q.CouponIDs, err = c.queryList("coupon_ids", 100); err != nil {
		return nil, err
	}
	if err := c.recordFilters(&q); err != nil {
		return nil, err
	}
	if q.PartnerID, err = c.actingFor("indirect_partner_id", &vals[2]); err != nil {
		return nil, err
	}
	out := listPartnerCouponsRecordResponse{Records: []couponRecordV2{}}
	if len(q.Operations) == 0 {
		return out, nil // only types nothing here produces
	}
	list, total, err := coupon.FindRecords(c.ctx(), c.reader(), q)
	if err != nil {
		return nil, err
	}
	out.TotalCount = total
	for _, r := range list {
		out.Records = append(out.Records, couponRecordV2{ID: r.ID, OperationType: operationTypeOf(r.Operation), QuotaID: r.QuotaID,
			QuotaType: r.QuotaType, CouponID: r.CouponID, CustomerID: r.CustomerID, OperationAmount: yuan(r.Amount),
			OperationTime: formatTime(r.At), Result: recordResult(r.Record), Remark: r.Reason})
	}
	return out, nil
}

// queryQuotaType reads an optional quota_type query parameter: 0 voucher,
// 1 cash coupon.
func (c *Call) queryQuotaType() (*int, error) {
	v, err := c.queryInt("quota_type")
	if err != nil || v == nil {
		return nil, err
	}
	if *v != coupon.VoucherQuota && *v != coupon.CashQuota {
		return nil, fieldError("CBC.0100", "quota_type", "api.quota_type", "must be 0 (voucher) or 1 (cash coupon), not %d", *v)
	}
	return new(int(*v)), nil
}

// Quota record operation types.
var quotaOperationTypes = map[string]string{"10": coupon.OpQuotaIssue, "11": coupon.OpQuotaReclaim}

// quotaRecord is the SDK's model.QuotaRecord.
type quotaRecord struct {
	ID                         string `json:"id"`
	Operator                   string `json:"operator"`
	OperationType              string `json:"operation_type"`
	QuotaID                    string `json:"quota_id"`
	ParentQuotaID              string `json:"parent_quota_id"`
	Amount                     yuan   `json:"amount"`
	OperationTime              string `json:"operation_time"`
	Result                     string `json:"result"`
	IndirectPartnerAccountName string `json:"indirect_partner_account_name"`
	IndirectPartnerID          string `json:"indirect_partner_id"`
	IndirectPartnerName        string `json:"indirect_partner_name"`
	Remark                     string `json:"remark,omitempty"`
}

// listCouponQuotasRecordsResponse is the SDK's
// model.ListCouponQuotasRecordsResponse.
type listCouponQuotasRecordsResponse struct {
	TotalCount int           `json:"total_count"`
	Records    []quotaRecord `json:"records"`
}

// listCouponQuotasRecords is ListCouponQuotasRecords: one page of a total
// distributor's issues of quota to its resellers and reclaims, newest
// first, with the count of all that match. quota_id is the reseller's
// quota, parent_quota_id the distributor's; an operation_type other than
// 10 (issue) or 11 (reclaim) does not filter, as the provider documents.
func listCouponQuotasRecords(c *Call) (any, error) {
	if err := c.requireDistributor(); err != nil {
		return nil, err
	}
	vals, err := c.queryStrings(64, "indirect_partner_id", "quota_id", "parent_quota_id", "operation_type")
	if err != nil {
		return nil, err
	}
	q := coupon.RecordQuery{PartnerID: c.Partner.ID, ResellerQuotaID: vals[1], QuotaID: vals[2],
		Operations: []string{coupon.OpQuotaIssue, coupon.OpQuotaReclaim}}
	if op, ok := quotaOperationTypes[vals[3]]; ok {
		q.Operations = []string{op}
	}
	if vals[0] != "" {
		if q.ResellerID, err = c.actingFor("indirect_partner_id", &vals[0]); err != nil {
			return nil, err
		}
	}
	if err := c.recordFilters(&q); err != nil {
		return nil, err
	}
	list, total, err := coupon.FindRecords(c.ctx(), c.reader(), q)
	if err != nil {
		return nil, err
	}
	names := c.resellerNames()
	out := listCouponQuotasRecordsResponse{TotalCount: total, Records: make([]quotaRecord, len(list))}
	for i, r := range list {
		p, err := names.get(r.IndirectPartnerID)
		if err != nil {
			return nil, err
		}
		typ := "10"
		if r.Operation == coupon.OpQuotaReclaim {
			typ = "11"
		}
		out.Records[i] = quotaRecord{ID: r.ID, Operator: r.Operator, OperationType: typ, QuotaID: r.ResellerQuotaID,
			ParentQuotaID: r.QuotaID, Amount: yuan(r.Amount), OperationTime: formatTime(r.At), Result: recordResult(r.Record),
			IndirectPartnerAccountName: p.DomainName, IndirectPartnerID: p.ID, IndirectPartnerName: p.DisplayName, Remark: r.Reason}
	}
	return out, nil
}

// resellerNames reads each reseller of a list once.
func (c *Call) resellerNames() resellerNames {
	return resellerNames{c: c, byID: map[string]*partner.Partner{}}
}

// resellerNames caches the resellers a list names.
type resellerNames struct {
	c    *Call
	byID map[string]*partner.Partner
}

func (n resellerNames) get(id string) (*partner.Partner, error) {
	if p, ok := n.byID[id]; ok {
		return p, nil
	}
	p, err := partner.Get(n.c.ctx(), n.c.reader(), id)
	if e, ok := apperr.As(err); (ok && e.Code == apperr.NotFound) || (err == nil && p.ParentID != n.c.Partner.ID) {
		// A failed issue records the id it was given, which may name no
		// partner or another distributor's reseller: the record stands with
		// the id alone, naming nobody else's.
		p, err = &partner.Partner{ID: id}, nil
	}
	if err != nil {
		return nil, err
	}
	n.byID[id] = p
	return p, nil
}
