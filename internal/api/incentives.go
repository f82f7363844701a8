package api

import (
	"partnercenter/internal/bill"
	"partnercenter/internal/incentive"
)

// incentiveAndDiscountPolicy is the SDK's model.IncentiveAndDiscountPolicy.
type incentiveAndDiscountPolicy struct {
	ServiceTypeCode string `json:"service_type_code"`
	ServiceTypeName string `json:"service_type_name"`
	IncentivePolicy string `json:"incentive_policy"`
	AllowDiscount   string `json:"allow_discount"`
}

// listIncentiveDiscountPoliciesResponse is the SDK's
// model.ListIncentiveDiscountPoliciesResponse.
type listIncentiveDiscountPoliciesResponse struct {
	Policies   []incentiveAndDiscountPolicy `json:"policies"`
	TotalCount int                          `json:"total_count"`
}

// listIncentiveDiscountPolicies is ListIncentiveDiscountPolicies: the
// incentive policy of every service type for the caller's partner type in
// the month named by time (YYYY-MM, UTC+8), as incentive.DiscountPolicies
// decides it. service_type_code filters when it is sent at all: sent empty,
// it matches no service type, as the provider documents.
func listIncentiveDiscountPolicies(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "time", "service_type_code")
	if err != nil {
		return nil, err
	}
	if vals[0] == "" {
		return nil, fieldError("CBC.0100", "time", "api.incentive_time_required", "is required: a month such as 2026-12")
	}
	month, err := bill.ParseMonth("time", vals[0])
	if err != nil {
		return nil, err
	}
	var service *string
	if c.Request.URL.Query().Has("service_type_code") {
		service = &vals[1]
	}
	p, err := c.queryPaging(10, 100)
	if err != nil {
		return nil, err
	}
	list, err := incentive.DiscountPolicies(c.ctx(), c.reader(), c.Partner.Type, month, service)
	if err != nil {
		return nil, err
	}
	lang := c.lang()
	out := listIncentiveDiscountPoliciesResponse{TotalCount: len(list), Policies: []incentiveAndDiscountPolicy{}}
	for _, d := range list[min(p.Offset, len(list)):min(p.Offset+p.Limit, len(list))] {
		allow := "NO"
		if d.AllowDiscount {
			allow = "YES"
		}
		name := d.ServiceType.NameZh
		if lang == "en" {
			name = d.ServiceType.NameEn
		}
		out.Policies = append(out.Policies, incentiveAndDiscountPolicy{ServiceTypeCode: d.ServiceType.Code, ServiceTypeName: name,
			IncentivePolicy: d.Policy, AllowDiscount: allow})
	}
	return out, nil
}
