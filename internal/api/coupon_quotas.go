package api

import (
	"partnercenter/internal/coupon"
	"partnercenter/internal/store"
)

// A total distributor's voucher quotas passed on to its resellers (已发放额度):
// issue, reclaim and the list of what it issued.

// adjustCouponQuotasReq is the SDK's model.AdjustCouponQuotasReq.
type adjustCouponQuotasReq struct {
	QuotaID            string   `json:"quota_id"`
	IndirectPartnerIDs []string `json:"indirect_partner_ids"`
	QuotaAmount        amount   `json:"quota_amount"`
}

// quotaSimpleInfo is the SDK's model.QuotaSimpleInfo.
type quotaSimpleInfo struct {
	ID      string `json:"id"`
	QuotaID string `json:"quota_id"`
}

// updateCouponQuotasResponse is the SDK's model.UpdateCouponQuotasResponse.
type updateCouponQuotasResponse struct {
	ErrorDetails     []errorDetail     `json:"error_details"`
	SimpleQuotaInfos []quotaSimpleInfo `json:"simple_quota_infos"`
}

// updateCouponQuotas is UpdateCouponQuotas: quota_amount of one of the
// distributor's quotas to each of up to 100 of its resellers, each as a
// quota of its own with the parent's type, validity and limits. A fault of
// the request refuses it all; then each reseller succeeds or fails on its
// own.
func updateCouponQuotas(c *Call) (any, error) {
	var req adjustCouponQuotasReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if err := c.requireDistributor(); err != nil {
		return nil, err
	}
	if req.QuotaID == "" || len(req.QuotaID) > 64 {
		return nil, fieldError("CBC.0100", "quota_id", "api.quota_id", "is required (at most 64 characters)")
	}
	ids, err := idList("indirect_partner_ids", req.IndirectPartnerIDs, coupon.MaxResellersPerQuotaIssue)
	if err != nil {
		return nil, err
	}
	fen, err := req.QuotaAmount.fen("quota_amount")
	if err != nil {
		return nil, err
	}
	grants := make([]coupon.QuotaGrant, len(ids))
	for i, id := range ids {
		grants[i] = coupon.QuotaGrant{ResellerID: id, Amount: fen}
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		results, err := coupon.IssueQuotas(c.ctx(), tx, c.Partner.ID, req.QuotaID, grants, c.Principal.ActorName())
		if err != nil {
			return nil, err
		}
		var out updateCouponQuotasResponse
		out.ErrorDetails, out.SimpleQuotaInfos, err = split(results, func(r coupon.QuotaIssueResult) (string, error) { return r.ResellerID, r.Err },
			func(r coupon.QuotaIssueResult) (quotaSimpleInfo, error) {
				return quotaSimpleInfo{ID: r.ResellerID, QuotaID: r.QuotaID}, nil
			})
		return out, err
	})
}

// reclaimCouponQuotasReq is the SDK's model.ReclaimCouponQuotasReq.
type reclaimCouponQuotasReq struct {
	QuotaIDs []string `json:"quota_ids"`
	Remark   *string  `json:"remark"`
}

// quotaReclaim is the SDK's model.QuotaReclaim.
type quotaReclaim struct {
	QuotaID      string `json:"quota_id"`
	QuotaBalance yuan   `json:"quota_balance"`
}

// reclaimCouponQuotasResponse is the SDK's model.ReclaimCouponQuotasResponse.
type reclaimCouponQuotasResponse struct {
	ErrorDetails     []errorDetail  `json:"error_details"`
	SimpleQuotaInfos []quotaReclaim `json:"simple_quota_infos"`
}

// reclaimCouponQuotas is ReclaimCouponQuotas: takes back up to 10 quotas
// the distributor issued to its resellers; each one's remaining balance
// returns to the distributor's quota, whose balance after the call each
// success answers, and it becomes reclaimed (status 6). Each quota succeeds
// or fails on its own: another's or unknown (PC.0404), already reclaimed
// (PC.0409).
func reclaimCouponQuotas(c *Call) (any, error) {
	var req reclaimCouponQuotasReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if err := c.requireDistributor(); err != nil {
		return nil, err
	}
	ids, err := idList("quota_ids", req.QuotaIDs, coupon.MaxQuotasPerReclaim)
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		results, err := coupon.ReclaimQuotasWithRemark(c.ctx(), tx, c.Partner.ID, ids, strOr(req.Remark), c.Principal.ActorName())
		if err != nil {
			return nil, err
		}
		var out reclaimCouponQuotasResponse
		out.ErrorDetails, out.SimpleQuotaInfos, err = split(results, func(r coupon.QuotaReclaimResult) (string, error) { return r.QuotaID, r.Err },
			func(r coupon.QuotaReclaimResult) (quotaReclaim, error) {
				parent, err := parentQuota(c, tx, r.QuotaID)
				if err != nil {
					return quotaReclaim{}, err
				}
				return quotaReclaim{QuotaID: r.QuotaID, QuotaBalance: yuan(parent.Balance)}, nil
			})
		return out, err
	})
}

// parentQuota reads the distributor's quota a reseller's quota came from.
func parentQuota(c *Call, q store.Queryer, childID string) (*coupon.Quota, error) {
	children, _, err := coupon.FindQuotas(c.ctx(), q, coupon.QuotaQuery{IssuedBy: c.Partner.ID, IDs: []string{childID}})
	if err != nil {
		return nil, err
	}
	if len(children) == 0 {
		return nil, coupon.ErrQuotaNotFound
	}
	return coupon.GetQuota(c.ctx(), q, c.Partner.ID, children[0].ParentQuotaID)
}

// issuedCouponQuota is the SDK's model.IssuedCouponQuota.
type issuedCouponQuota struct {
	couponQuotaV2
	IndirectPartnerID          string `json:"indirect_partner_id"`
	IndirectPartnerAccountName string `json:"indirect_partner_account_name"`
	IndirectPartnerName        string `json:"indirect_partner_name"`
	ParentQuotaID              string `json:"parent_quota_id"`
}

// listIssuedCouponQuotasResponse is the SDK's
// model.ListIssuedCouponQuotasResponse.
type listIssuedCouponQuotasResponse struct {
	TotalCount int                 `json:"total_count"`
	Quotas     []issuedCouponQuota `json:"quotas"`
}

// listIssuedCouponQuotas is ListIssuedCouponQuotas (已发放额度): one page of
// the quotas the distributor issued to its resellers, newest first, with the
// count of all that match; by reseller, the reseller's quota id or the
// distributor's quota they came from.
func listIssuedCouponQuotas(c *Call) (any, error) {
	if err := c.requireDistributor(); err != nil {
		return nil, err
	}
	vals, err := c.queryStrings(64, "quota_id", "indirect_partner_id", "parent_quota_id")
	if err != nil {
		return nil, err
	}
	q := coupon.QuotaQuery{IssuedBy: c.Partner.ID, ParentQuotaID: vals[2]}
	if vals[0] != "" {
		q.IDs = []string{vals[0]}
	}
	if vals[1] != "" {
		if q.PartnerID, err = c.actingFor("indirect_partner_id", &vals[1]); err != nil {
			return nil, err
		}
	}
	p, err := c.queryPaging(10, 100)
	if err != nil {
		return nil, err
	}
	q.Offset, q.Limit = p.Offset, p.Limit
	list, total, err := coupon.FindQuotas(c.ctx(), c.reader(), q)
	if err != nil {
		return nil, err
	}
	names := c.resellerNames()
	out := listIssuedCouponQuotasResponse{TotalCount: total, Quotas: make([]issuedCouponQuota, len(list))}
	for i, quota := range list {
		r, err := names.get(quota.PartnerID)
		if err != nil {
			return nil, err
		}
		out.Quotas[i] = issuedCouponQuota{couponQuotaV2: couponQuota(quota), IndirectPartnerID: r.ID, IndirectPartnerAccountName: r.DomainName,
			IndirectPartnerName: r.DisplayName, ParentQuotaID: quota.ParentQuotaID}
	}
	return out, nil
}
