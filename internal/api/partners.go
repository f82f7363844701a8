package api

import (
	"partnercenter/internal/partner"
)

// queryIndirectPartnersReq is the SDK's model.QueryIndirectPartnersReq.
type queryIndirectPartnersReq struct {
	AccountName       *string `json:"account_name"`
	AssociatedOnBegin *string `json:"associated_on_begin"`
	AssociatedOnEnd   *string `json:"associated_on_end"`
	Offset            *int64  `json:"offset"`
	Limit             *int64  `json:"limit"`
	IndirectPartnerID *string `json:"indirect_partner_id"`
}

// listIndirectPartnersResponse is the SDK's model.ListIndirectPartnersResponse.
type listIndirectPartnersResponse struct {
	Count            int                   `json:"count"`
	IndirectPartners []indirectPartnerInfo `json:"indirect_partners"`
}

// indirectPartnerInfo is the SDK's model.IndirectPartnerInfo. The account
// manager fields name the distributor's user in charge of the reseller now
// (partner.AssignManager), and are absent while there is none.
type indirectPartnerInfo struct {
	IndirectPartnerID  string `json:"indirect_partner_id"`
	Name               string `json:"name"`
	AccountName        string `json:"account_name"`
	AssociatedOn       string `json:"associated_on,omitempty"`
	MobilePhone        string `json:"mobile_phone,omitempty"`
	Email              string `json:"email,omitempty"`
	AccountManagerID   string `json:"account_manager_id,omitempty"`
	AccountManagerName string `json:"account_manager_name,omitempty"`
}

// listIndirectPartners is ListIndirectPartners: a total distributor's
// indirect resellers, most recently associated first. Only a total
// distributor may call it (as the provider documents); anyone else is
// refused with CBC.0151 rather than shown an empty list, so that a
// misconfigured platform learns why. A reseller id of another distributor
// matches nothing.
func listIndirectPartners(c *Call) (any, error) {
	var req queryIndirectPartnersReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if c.Partner.Type != partner.TotalDistributor {
		return nil, apiError("CBC.0151", "api.not_distributor", "Access denied: only a total distributor has indirect partners")
	}
	f := partner.IndirectFilter{DistributorID: c.Partner.ID}
	var err error
	if f.AccountName, err = optionalString("account_name", req.AccountName, 64); err != nil {
		return nil, err
	}
	if f.IndirectPartnerID, err = optionalString("indirect_partner_id", req.IndirectPartnerID, 64); err != nil {
		return nil, err
	}
	if f.AssociatedFrom, f.AssociatedTo, err = timeRange("associated_on_begin", req.AssociatedOnBegin, "associated_on_end", req.AssociatedOnEnd); err != nil {
		return nil, err
	}
	p, err := paging(req.Offset, req.Limit, 10, 100)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = p.Offset, p.Limit
	ctx := c.Request.Context()
	list, total, err := partner.ListIndirect(ctx, c.s.app.DB.Reader(), f)
	if err != nil {
		return nil, err
	}
	resellerIDs := make([]string, len(list))
	for i, p := range list {
		resellerIDs[i] = p.ID
	}
	managers, err := partner.ManagersAt(ctx, c.s.app.DB.Reader(), c.Partner.ID, resellerIDs, c.s.app.DB.Now())
	if err != nil {
		return nil, err
	}
	out := listIndirectPartnersResponse{Count: total, IndirectPartners: make([]indirectPartnerInfo, 0, len(list))}
	for _, p := range list {
		info := indirectPartnerInfo{IndirectPartnerID: p.ID, Name: p.DisplayName, AccountName: p.DomainName,
			AssociatedOn: formatTime(p.AssociatedAt), MobilePhone: p.Mobile, Email: p.Email}
		if m := managers[p.ID]; m != nil {
			info.AccountManagerID, info.AccountManagerName = m.Username, m.DisplayName
		}
		out.IndirectPartners = append(out.IndirectPartners, info)
	}
	return out, nil
}
