package api

import (
	"slices"
	"unicode/utf8"

	"partnercenter/internal/coupon"
	"partnercenter/internal/store"
)

// The coupon operations: a partner's voucher and cash-coupon quotas, coupons
// issued from them to resale customers and reclaimed, and the operation
// records. Coupons are money, so they answer to the funds permissions. Face
// values come and go in yuan with two decimals and are int64 fen inside.

// couponQuotaV2 is the SDK's model.CouponQuotaV2.
type couponQuotaV2 struct {
	QuotaID        string           `json:"quota_id"`
	QuotaType      int              `json:"quota_type"`
	CreateTime     string           `json:"create_time"`
	LastUpdateTime string           `json:"last_update_time"`
	QuotaValue     yuan             `json:"quota_value"`
	QuotaStatus    int              `json:"quota_status"`
	Balance        yuan             `json:"balance"`
	MeasureID      int              `json:"measure_id"`
	Currency       string           `json:"currency"`
	EffectiveTime  string           `json:"effective_time"`
	ExpireTime     string           `json:"expire_time"`
	LimitInfos     []quotaLimitInfo `json:"limit_infos"`
}

// quotaLimitInfo is the SDK's model.QuotaLimitInfo.
type quotaLimitInfo struct {
	LimitKey    string       `json:"limit_key"`
	LimitValues []limitValue `json:"limit_values"`
}

// limitValue is the SDK's model.LimitValue.
type limitValue struct {
	Value1 string `json:"value1"`
	Value2 string `json:"value2,omitempty"`
}

// Limit keys of a quota's limit_infos and a coupon's use_limits.
const (
	limitMaxFaceValue = "MAX_FACE_VALUE"     // value1: yuan
	limitServiceType  = "CLOUD_SERVICE_TYPE" // one value1 per service type
	limitProduct      = "PRODUCT_ID"         // one value1 per product
)

// scopeLimits lists a scope's restrictions by key, each with its values;
// an unrestricted scope has none.
func scopeLimits(services, products []string) map[string][]string {
	out := map[string][]string{}
	if len(services) > 0 {
		out[limitServiceType] = services
	}
	if len(products) > 0 {
		out[limitProduct] = products
	}
	return out
}

func quotaLimits(q *coupon.Quota) []quotaLimitInfo {
	out := []quotaLimitInfo{}
	if q.MaxFaceValue > 0 {
		out = append(out, quotaLimitInfo{LimitKey: limitMaxFaceValue, LimitValues: []limitValue{{Value1: yuanText(q.MaxFaceValue)}}})
	}
	scope := scopeLimits(q.ServiceTypes, q.ProductIDs)
	for _, key := range []string{limitServiceType, limitProduct} {
		values := scope[key]
		if len(values) == 0 {
			continue
		}
		info := quotaLimitInfo{LimitKey: key}
		for _, v := range values {
			info.LimitValues = append(info.LimitValues, limitValue{Value1: v})
		}
		out = append(out, info)
	}
	return out
}

func couponQuota(q *coupon.Quota) couponQuotaV2 {
	return couponQuotaV2{QuotaID: q.ID, QuotaType: q.Type, CreateTime: formatTime(q.CreatedAt), LastUpdateTime: formatTime(q.UpdatedAt),
		QuotaValue: yuan(q.Granted), QuotaStatus: q.Status, Balance: yuan(q.Balance), MeasureID: measureYuan, Currency: currencyCNY,
		EffectiveTime: formatTime(q.EffectiveAt), ExpireTime: formatTime(q.ExpiresAt), LimitInfos: quotaLimits(q)}
}

// queryCouponQuotasReq is the SDK's model.QueryCouponQuotasReqExt.
type queryCouponQuotasReq struct {
	QuotaIDs           []string `json:"quota_ids"`
	QuotaStatusList    []int    `json:"quota_status_list"`
	QuotaType          *int     `json:"quota_type"`
	CreateTimeBegin    *string  `json:"create_time_begin"`
	CreateTimeEnd      *string  `json:"create_time_end"`
	EffectiveTimeBegin *string  `json:"effective_time_begin"`
	EffectiveTimeEnd   *string  `json:"effective_time_end"`
	ExpireTimeBegin    *string  `json:"expire_time_begin"`
	ExpireTimeEnd      *string  `json:"expire_time_end"`
	Offset             *int64   `json:"offset"`
	Limit              *int64   `json:"limit"`
	IndirectPartnerID  *string  `json:"indirect_partner_id"`
}

// listQuotaCouponsResponse is the SDK's model.ListQuotaCouponsResponse.
type listQuotaCouponsResponse struct {
	TotalCount int             `json:"total_count"`
	Quotas     []couponQuotaV2 `json:"quotas"`
}

// quotaStatuses are the statuses a quota may have.
var quotaStatuses = []int{coupon.QuotaNormal, coupon.QuotaInvalid, coupon.QuotaAdjusting, coupon.QuotaFrozen, coupon.QuotaReclaimed}

// listQuotaCoupons is ListQuotaCoupons (代金券额度 / 现金券额度): one page of
// the caller's (or a reseller's) quotas of one type, voucher unless
// quota_type says cash, newest first, with the count of all that match.
func listQuotaCoupons(c *Call) (any, error) {
	var req queryCouponQuotasReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	q := coupon.QuotaQuery{Type: new(coupon.VoucherQuota), Statuses: req.QuotaStatusList}
	if req.QuotaType != nil {
		if *req.QuotaType != coupon.VoucherQuota && *req.QuotaType != coupon.CashQuota {
			return nil, fieldError("CBC.0100", "quota_type", "api.quota_type", "must be 0 (voucher) or 1 (cash coupon), not %d", *req.QuotaType)
		}
		q.Type = req.QuotaType
	}
	var err error
	if q.IDs, err = idList("quota_ids", req.QuotaIDs, 100); err != nil {
		return nil, err
	}
	for _, s := range req.QuotaStatusList {
		if !slices.Contains(quotaStatuses, s) {
			return nil, fieldError("CBC.0100", "quota_status_list", "api.quota_status", "must hold 0, 3, 4, 5 or 6, not %d", s)
		}
	}
	if err := timeRanges([]timeRangeParam{
		{&q.Created, "create_time_begin", req.CreateTimeBegin, "create_time_end", req.CreateTimeEnd},
		{&q.Effective, "effective_time_begin", req.EffectiveTimeBegin, "effective_time_end", req.EffectiveTimeEnd},
		{&q.Expiring, "expire_time_begin", req.ExpireTimeBegin, "expire_time_end", req.ExpireTimeEnd},
	}); err != nil {
		return nil, err
	}
	p, err := paging(req.Offset, req.Limit, 10, 1000)
	if err != nil {
		return nil, err
	}
	q.Offset, q.Limit = p.Offset, p.Limit
	if q.PartnerID, err = c.actingFor("indirect_partner_id", req.IndirectPartnerID); err != nil {
		return nil, err
	}
	list, total, err := coupon.FindQuotas(c.ctx(), c.reader(), q)
	if err != nil {
		return nil, err
	}
	out := listQuotaCouponsResponse{TotalCount: total, Quotas: make([]couponQuotaV2, len(list))}
	for i, quota := range list {
		out.Quotas[i] = couponQuota(quota)
	}
	return out, nil
}

// timeRangeParam is a begin/end pair of time parameters and where it goes.
type timeRangeParam struct {
	dst        *coupon.TimeRange
	beginField string
	begin      *string
	endField   string
	end        *string
}

func timeRanges(params []timeRangeParam) error {
	for _, p := range params {
		var err error
		if p.dst.From, p.dst.To, err = timeRange(p.beginField, p.begin, p.endField, p.end); err != nil {
			return err
		}
	}
	return nil
}

// idList checks a list of ids: at most max, each 1 to 64 characters.
func idList(field string, ids []string, maxLen int) ([]string, error) {
	if len(ids) > maxLen {
		return nil, fieldError("CBC.0100", field, "api.too_many", "must hold at most %d values", maxLen)
	}
	for _, id := range ids {
		if id == "" || utf8.RuneCountInString(id) > 64 {
			return nil, fieldError("CBC.0100", field, "api.id_length", "must hold ids of 1 to 64 characters")
		}
	}
	return ids, nil
}

// createPartnerCouponsReq is the SDK's model.CreatePartnerCouponsReq.
type createPartnerCouponsReq struct {
	QuotaID           string   `json:"quota_id"`
	CustomerIDs       []string `json:"customer_ids"`
	FaceValue         amount   `json:"face_value"`
	ValidTime         *string  `json:"valid_time"`
	ExpireTime        *string  `json:"expire_time"`
	CloudServiceTypes []string `json:"cloud_service_types"`
	ProductIDs        []string `json:"product_ids"`
	Memo              *string  `json:"memo"`
	IndirectPartnerID *string  `json:"indirect_partner_id"`
}

// errorDetail is the SDK's model.ErrorDetail: why one item of a batch failed.
type errorDetail struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	ID        string `json:"id"`
}

// failed is the error detail of one item, coded as the error table answers
// its error alone.
func failed(id string, err error) errorDetail {
	code, msg := classify(err)
	return errorDetail{ErrorCode: code.Code, ErrorMsg: msg, ID: id}
}

// split sorts a batch's per-item results into the error details of those
// that failed and the answers of those that succeeded (which may need a
// read of their own, hence the error).
func split[R, S any](results []R, outcome func(R) (string, error), answer func(R) (S, error)) ([]errorDetail, []S, error) {
	failures, successes := []errorDetail{}, []S{}
	for _, r := range results {
		if id, err := outcome(r); err != nil {
			failures = append(failures, failed(id, err))
			continue
		}
		s, err := answer(r)
		if err != nil {
			return nil, nil, err
		}
		successes = append(successes, s)
	}
	return failures, successes, nil
}

// couponSimpleInfo is the SDK's model.CouponSimpleInfo.
type couponSimpleInfo struct {
	ID       string `json:"id"`
	CouponID string `json:"coupon_id"`
}

// createPartnerCouponsResponse is the SDK's model.CreatePartnerCouponsResponse.
type createPartnerCouponsResponse struct {
	ErrorDetails []errorDetail      `json:"error_details"`
	CouponInfos  []couponSimpleInfo `json:"coupon_infos"`
}

// createPartnerCoupons is CreatePartnerCoupons (发放优惠券): one coupon of
// the face value from a quota of the caller's (or, with
// indirect_partner_id, a reseller's) to each of up to 100 resale customers.
// A fault of the request refuses it all; then each customer succeeds, in
// coupon_infos, or fails, in error_details, on its own.
func createPartnerCoupons(c *Call) (any, error) {
	var req createPartnerCouponsReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.QuotaID == "" || len(req.QuotaID) > 64 {
		return nil, fieldError("CBC.0100", "quota_id", "api.quota_id", "is required (at most 64 characters)")
	}
	ids, err := idList("customer_ids", req.CustomerIDs, coupon.MaxCustomersPerIssue)
	if err != nil {
		return nil, err
	}
	face, err := req.FaceValue.fen("face_value")
	if err != nil {
		return nil, err
	}
	r := coupon.IssueRequest{QuotaID: req.QuotaID, CustomerIDs: ids, FaceValue: face, ServiceTypes: req.CloudServiceTypes,
		ProductIDs: req.ProductIDs, Memo: strOr(req.Memo), Operator: c.Principal.ActorName()}
	if r.EffectiveAt, err = utcTime("valid_time", req.ValidTime); err != nil {
		return nil, err
	}
	if r.ExpiresAt, err = utcTime("expire_time", req.ExpireTime); err != nil {
		return nil, err
	}
	if r.PartnerID, err = c.actingFor("indirect_partner_id", req.IndirectPartnerID); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		results, err := coupon.Issue(c.ctx(), tx, r)
		if err != nil {
			return nil, err
		}
		var out createPartnerCouponsResponse
		out.ErrorDetails, out.CouponInfos, err = split(results, func(r coupon.IssueResult) (string, error) { return r.CustomerID, r.Err },
			func(r coupon.IssueResult) (couponSimpleInfo, error) {
				return couponSimpleInfo{ID: r.CustomerID, CouponID: r.CouponID}, nil
			})
		return out, err
	})
}

// userCoupon is the SDK's model.IQueryUserPartnerCouponsResultV2.
type userCoupon struct {
	CouponID      string         `json:"coupon_id"`
	Status        int            `json:"status"`
	CustomerID    string         `json:"customer_id"`
	CouponType    int            `json:"coupon_type"`
	MeasureID     int            `json:"measure_id"`
	FaceValue     yuan           `json:"face_value"`
	EffectiveTime string         `json:"effective_time"`
	ExpireTime    string         `json:"expire_time"`
	UseLimits     []useLimitInfo `json:"use_limits"`
	ActiveTime    string         `json:"active_time,omitempty"`
	LastUsedTime  string         `json:"last_used_time,omitempty"`
	CreateTime    string         `json:"create_time"`
	Balance       yuan           `json:"balance"`
	IsFrozen      string         `json:"is_frozen"`
}

// useLimitInfo is the SDK's model.ICouponUseLimitInfoV2.
type useLimitInfo struct {
	LimitKey string `json:"limit_key"`
	Value1   string `json:"value1"`
}

func useLimits(c *coupon.Coupon) []useLimitInfo {
	out := []useLimitInfo{}
	limits := scopeLimits(c.ServiceTypes, c.ProductIDs)
	for _, key := range []string{limitServiceType, limitProduct} {
		for _, v := range limits[key] {
			out = append(out, useLimitInfo{LimitKey: key, Value1: v})
		}
	}
	return out
}

// listIssuedPartnerCouponsResponse is the SDK's
// model.ListIssuedPartnerCouponsResponse.
type listIssuedPartnerCouponsResponse struct {
	TotalCount  int          `json:"total_count"`
	UserCoupons []userCoupon `json:"user_coupons"`
}

// Coupon statuses and types as the BSS API filters them.
var (
	couponStatuses = []int{coupon.NotActive, coupon.Usable, coupon.UsedUp, coupon.Expired, coupon.Reclaimed}
	couponTypes    = []int{coupon.TypeVoucher, coupon.TypeCash}
)

// queryEnum reads an optional integer query parameter that must be one of
// allowed; 0 when absent.
func (c *Call) queryEnum(name string, allowed []int) (int, error) {
	v, err := c.queryInt(name)
	if err != nil || v == nil {
		return 0, err
	}
	if !slices.Contains(allowed, int(*v)) {
		return 0, fieldError("CBC.0100", name, "api.enum", "must be one of %v, not %d", allowed, *v)
	}
	return int(*v), nil
}

// listIssuedPartnerCoupons is ListIssuedPartnerCoupons (已发放代金券 /
// 已发放现金券): one page of the coupons the caller (or a reseller) issued,
// newest first, with the count of all that match. order_id finds the
// coupons an order used.
func listIssuedPartnerCoupons(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "coupon_id", "customer_id", "order_id", "create_time_begin", "create_time_end",
		"effective_time_begin", "effective_time_end", "expire_time_begin", "expire_time_end", "indirect_partner_id")
	if err != nil {
		return nil, err
	}
	q := coupon.CouponQuery{Filter: coupon.Filter{CouponID: vals[0], CustomerID: vals[1]}, OrderID: vals[2]}
	if q.Type, err = c.queryEnum("coupon_type", couponTypes); err != nil {
		return nil, err
	}
	if q.Status, err = c.queryEnum("status", couponStatuses); err != nil {
		return nil, err
	}
	var created coupon.TimeRange
	if err := timeRanges([]timeRangeParam{
		{&created, "create_time_begin", &vals[3], "create_time_end", &vals[4]},
		{&q.Effective, "effective_time_begin", &vals[5], "effective_time_end", &vals[6]},
		{&q.Expiring, "expire_time_begin", &vals[7], "expire_time_end", &vals[8]},
	}); err != nil {
		return nil, err
	}
	q.CreatedFrom, q.CreatedTo = created.From, created.To
	p, err := c.queryPaging(10, 1000)
	if err != nil {
		return nil, err
	}
	q.Offset, q.Limit = p.Offset, p.Limit
	if q.PartnerID, err = c.actingFor("indirect_partner_id", &vals[9]); err != nil {
		return nil, err
	}
	list, total, err := coupon.FindCoupons(c.ctx(), c.reader(), q)
	if err != nil {
		return nil, err
	}
	out := listIssuedPartnerCouponsResponse{TotalCount: total, UserCoupons: make([]userCoupon, len(list))}
	for i, cp := range list {
		out.UserCoupons[i] = userCoupon{CouponID: cp.ID, Status: cp.Status, CustomerID: cp.CustomerID, CouponType: cp.Type,
			MeasureID: measureYuan, FaceValue: yuan(cp.FaceValue), EffectiveTime: formatTime(cp.EffectiveAt),
			ExpireTime: formatTime(cp.ExpiresAt), UseLimits: useLimits(cp), ActiveTime: formatTime(cp.ActiveAt),
			LastUsedTime: formatTime(cp.LastUsedAt), CreateTime: formatTime(cp.CreatedAt), Balance: yuan(cp.Balance), IsFrozen: "0"}
	}
	return out, nil
}

// reclaimPartnerCouponsReq is the SDK's model.ReclaimPartnerCouponsReq.
type reclaimPartnerCouponsReq struct {
	CouponID          string  `json:"coupon_id"`
	IndirectPartnerID *string `json:"indirect_partner_id"`
}

// reclaimPartnerCoupons is ReclaimPartnerCoupons (回收): takes back one
// coupon the caller (or a reseller) issued, not used up, expired or
// reclaimed yet; its whole balance returns to its quota while the quota is
// valid. The answer is empty.
func reclaimPartnerCoupons(c *Call) (any, error) {
	var req reclaimPartnerCouponsReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.CouponID == "" || len(req.CouponID) > 64 {
		return nil, fieldError("CBC.0100", "coupon_id", "api.coupon_id", "is required (at most 64 characters)")
	}
	acting, err := c.actingFor("indirect_partner_id", req.IndirectPartnerID)
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		results, err := coupon.Reclaim(c.ctx(), tx, acting, []string{req.CouponID}, "", c.Principal.ActorName())
		if err != nil {
			return nil, err
		}
		if err := results[0].Err; err != nil {
			return nil, err
		}
		return struct{}{}, nil
	})
}

// userCouponV2 is the SDK's model.IQueryUserCouponsResultV2, whose amounts
// are float64: yuan with two decimals read back exactly.
type userCouponV2 struct {
	CouponID      string         `json:"coupon_id"`
	CouponCode    string         `json:"coupon_code"`
	Status        int            `json:"status"`
	CustomerID    string         `json:"customer_id"`
	CouponType    int            `json:"coupon_type"`
	MeasureID     int            `json:"measure_id"`
	FaceValue     yuan           `json:"face_value"`
	ValidTime     string         `json:"valid_time"`
	ExpireTime    string         `json:"expire_time"`
	UseLimits     []useLimitInfo `json:"use_limits"`
	ActiveTime    string         `json:"active_time,omitempty"`
	ReserveTime   string         `json:"reserve_time,omitempty"`
	CreateTime    string         `json:"create_time"`
	CouponVersion int            `json:"coupon_version"`
	Balance       yuan           `json:"balance"`
	IsFrozen      string         `json:"is_frozen"`
	Currency      string         `json:"currency"`
	SourceID      string         `json:"source_id"`
}

// listSubCustomerCouponsResponse is the SDK's
// model.ListSubCustomerCouponsResponse.
type listSubCustomerCouponsResponse struct {
	Count       int            `json:"count"`
	UserCoupons []userCouponV2 `json:"user_coupons"`
}

// couponVersionReusable is coupon_version 2: a coupon pays many times until
// its balance is used up, as every coupon here does.
const couponVersionReusable = 2

// listSubCustomerCoupons is ListSubCustomerCoupons: one page of the coupons
// the caller's (or a reseller's) customers hold, newest first, with the
// count of all that match. Every coupon here is issued by a partner, which
// is its source_id; coupon types 2 (discount) and 3 (product) are valid
// filters that match nothing, as are a promotion plan and another source.
func listSubCustomerCoupons(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "coupon_id", "order_id", "promotion_plan_id", "active_start_time", "active_end_time", "source_id",
		"indirect_partner_id")
	if err != nil {
		return nil, err
	}
	q := coupon.CouponQuery{Filter: coupon.Filter{CouponID: vals[0]}, OrderID: vals[1]}
	if q.Type, err = c.queryEnum("coupon_type", []int{coupon.TypeVoucher, 2, 3, coupon.TypeCash}); err != nil {
		return nil, err
	}
	if q.Status, err = c.queryEnum("status", couponStatuses); err != nil {
		return nil, err
	}
	if q.Active.From, q.Active.To, err = timeRange("active_start_time", &vals[3], "active_end_time", &vals[4]); err != nil {
		return nil, err
	}
	p, err := c.queryPaging(10, 1000)
	if err != nil {
		return nil, err
	}
	q.Offset, q.Limit = p.Offset, p.Limit
	if q.PartnerID, err = c.actingFor("indirect_partner_id", &vals[6]); err != nil {
		return nil, err
	}
	out := listSubCustomerCouponsResponse{UserCoupons: []userCouponV2{}}
	if vals[2] != "" || (vals[5] != "" && vals[5] != q.PartnerID) || q.Type == 2 || q.Type == 3 {
		return out, nil
	}
	list, total, err := coupon.FindCoupons(c.ctx(), c.reader(), q)
	if err != nil {
		return nil, err
	}
	out.Count = total
	for _, cp := range list {
		out.UserCoupons = append(out.UserCoupons, userCouponV2{CouponID: cp.ID, CouponCode: cp.Code, Status: cp.Status, CustomerID: cp.CustomerID,
			CouponType: cp.Type, MeasureID: measureYuan, FaceValue: yuan(cp.FaceValue), ValidTime: formatTime(cp.EffectiveAt),
			ExpireTime: formatTime(cp.ExpiresAt), UseLimits: useLimits(cp), ActiveTime: formatTime(cp.ActiveAt),
			ReserveTime: formatTime(cp.LastUsedAt), CreateTime: formatTime(cp.CreatedAt), CouponVersion: couponVersionReusable,
			Balance: yuan(cp.Balance), IsFrozen: "0", Currency: currencyCNY, SourceID: cp.PartnerID})
	}
	return out, nil
}
