package incentive

import (
	"context"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
)

// Incentive policy codes of ListIncentiveDiscountPolicies.
const (
	PolicyWholeService  = "0"  // 非特定产品: every product of the service counts
	PolicySomeProducts  = "1"  // 特定产品: only the products with the incentive flag
	PolicyNoPerformance = "2"  // 无业绩无返点: no policy for the service
	PolicyNoRebate      = "13" // 有业绩无返点: a policy with no rate, or no flagged product
)

// DiscountPolicy is one service type's policy for a partner type in a month.
type DiscountPolicy struct {
	ServiceType   catalogue.ServiceType
	Policy        string // one of the Policy* codes
	AllowDiscount bool
}

// DiscountPolicies answers ListIncentiveDiscountPolicies: for every service
// type of the catalogue (or the one named by serviceTypeCode, when not
// nil), the policy a partner of type t has in the month. A service type
// without a rebate policy earns nothing; one whose rate is zero, or whose
// products carry no incentive flag, counts for performance only.
func DiscountPolicies(ctx context.Context, q store.Queryer, t partner.Type, month Month, serviceTypeCode *string) ([]DiscountPolicy, error) {
	types, err := catalogue.ServiceTypes(ctx, q)
	if err != nil {
		return nil, err
	}
	rates, _, err := ListPolicies(ctx, q, PolicyFilter{Kind: KindRebate, PartnerType: t, ValidIn: month})
	if err != nil {
		return nil, err
	}
	byService := map[string]*Policy{}
	for _, p := range rates {
		byService[p.ServiceTypeCode] = p
	}
	flagged, all, err := incentiveProducts(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []DiscountPolicy
	for _, st := range types {
		if serviceTypeCode != nil && *serviceTypeCode != st.Code {
			continue
		}
		d := DiscountPolicy{ServiceType: st, Policy: PolicyNoPerformance}
		if p := byService[st.Code]; p != nil {
			d.AllowDiscount = p.AllowDiscount
			switch {
			case p.RateBP == 0 || flagged[st.Code] == 0:
				d.Policy = PolicyNoRebate
			case flagged[st.Code] == all[st.Code]:
				d.Policy = PolicyWholeService
			default:
				d.Policy = PolicySomeProducts
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// incentiveProducts counts, per service type, the products with the
// incentive flag and all products.
func incentiveProducts(ctx context.Context, q store.Queryer) (flagged, all map[string]int, err error) {
	rows, err := q.QueryContext(ctx, `SELECT service_type_code, SUM(CASE WHEN incentive THEN 1 ELSE 0 END), COUNT(*)
		FROM cloud_products GROUP BY service_type_code`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	flagged, all = map[string]int{}, map[string]int{}
	for rows.Next() {
		var code string
		var f, n int
		if err := rows.Scan(&code, &f, &n); err != nil {
			return nil, nil, err
		}
		flagged[code], all[code] = f, n
	}
	return flagged, all, rows.Err()
}
