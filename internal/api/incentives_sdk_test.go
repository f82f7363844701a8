package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/incentive"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// ListIncentiveDiscountPolicies through the SDK: the caller's partner type
// decides the policies (a distributor's differ from a reseller's), the
// month picks the valid ones, service_type_code filters, pages page, and a
// missing or malformed month is refused with CBC.0100.
func TestListIncentiveDiscountPoliciesThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		const ecs, obs, evs = "hws.service.type.ec2", "hws.service.type.obs", "hws.service.type.ebs"
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i, s := range []catalogue.ServiceType{{Code: ecs, NameZh: "弹性云服务器", NameEn: "Elastic Cloud Server", Sort: 1},
				{Code: obs, NameZh: "对象存储服务", NameEn: "Object Storage Service", Sort: 2}, {Code: evs, NameZh: "云硬盘", NameEn: "Elastic Volume Service", Sort: 3}} {
				if err := catalogue.SaveServiceType(ctx, tx, s); err != nil {
					return err
				}
				for j, flagged := range []bool{true, i != 0} {
					p := &catalogue.Product{ServiceTypeCode: s.Code, ResourceTypeCode: "x", ResourceTypeZh: "x", ResourceTypeEn: "x",
						SpecCode: storetest.Name("spec"), SpecZh: "x", SpecEn: "x", MonthlyPrice: int64(10_00 * (j + 1)), Incentive: flagged, OnSale: true}
					if err := catalogue.Save(ctx, tx, p); err != nil {
						return err
					}
				}
			}
			for _, in := range []incentive.PolicyInput{
				{Kind: incentive.KindRebate, ServiceTypeCode: ecs, PartnerType: partner.TotalDistributor, RateBP: 300, AllowDiscount: true, ValidFrom: 202601},
				{Kind: incentive.KindRebate, ServiceTypeCode: obs, PartnerType: partner.TotalDistributor, RateBP: 500, ValidFrom: 202601, ValidTo: 202611},
				{Kind: incentive.KindRebate, ServiceTypeCode: obs, PartnerType: partner.TotalDistributor, RateBP: 0, ValidFrom: 202612},
				{Kind: incentive.KindRebate, ServiceTypeCode: ecs, PartnerType: partner.Reseller, RateBP: 200, ValidFrom: 202601},
			} {
				if _, err := incentive.CreatePolicy(ctx, tx, in, "admin"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		srv, c := f.sdk(t)
		get := func(c interface {
			ListIncentiveDiscountPolicies(*model.ListIncentiveDiscountPoliciesRequest) (*model.ListIncentiveDiscountPoliciesResponse, error)
		}, r model.ListIncentiveDiscountPoliciesRequest) map[string]model.IncentiveAndDiscountPolicy {
			t.Helper()
			resp, err := c.ListIncentiveDiscountPolicies(&r)
			if err != nil {
				t.Fatalf("ListIncentiveDiscountPolicies(%+v): %v", r, err)
			}
			out := map[string]model.IncentiveAndDiscountPolicy{}
			for _, p := range *resp.Policies {
				out[*p.ServiceTypeCode] = p
			}
			if resp.TotalCount == nil || int(*resp.TotalCount) < len(out) {
				t.Fatalf("total_count %v for %d policies", resp.TotalCount, len(out))
			}
			return out
		}
		want := func(got map[string]model.IncentiveAndDiscountPolicy, code, policy, allow string) {
			t.Helper()
			p, ok := got[code]
			if !ok || *p.IncentivePolicy != policy || *p.AllowDiscount != allow {
				t.Fatalf("%s: %+v, want policy %s allow %s", code, p, policy, allow)
			}
		}
		nov := get(c, model.ListIncentiveDiscountPoliciesRequest{Time: "2026-11"})
		want(nov, ecs, "1", "YES") // one flagged product of two: specific products
		want(nov, obs, "0", "NO")  // every product flagged: the whole service
		want(nov, evs, "2", "NO")  // no policy
		if *nov[ecs].ServiceTypeName != "弹性云服务器" {
			t.Errorf("name %q", *nov[ecs].ServiceTypeName)
		}
		want(get(c, model.ListIncentiveDiscountPoliciesRequest{Time: "2026-12"}), obs, "13", "NO") // rate 0 from December
		only := get(c, model.ListIncentiveDiscountPoliciesRequest{Time: "2026-12", ServiceTypeCode: ptr(obs)})
		if len(only) != 1 {
			t.Fatalf("filtered: %v", only)
		}
		page := get(c, model.ListIncentiveDiscountPoliciesRequest{Time: "2026-12", Offset: ptr(int32(1)), Limit: ptr(int32(1))})
		if len(page) != 1 || page[obs].ServiceTypeCode == nil {
			t.Fatalf("second page: %v", page)
		}
		// A reseller has its own policies: OBS has none for it.
		reseller := client(t, srv, f.plainKey.ID, f.plainKey.Secret, f.plain.DomainID)
		r := get(reseller, model.ListIncentiveDiscountPoliciesRequest{Time: "2026-12"})
		want(r, ecs, "1", "NO")
		want(r, obs, "2", "NO")

		for _, bad := range []string{"", "2026-13", "202612", "2026-1"} {
			a := call(t, srv, f.distKey, f.dist.DomainID, http.MethodGet, "/v2/products/incentive-discount-policies?time="+bad, nil, nil)
			a.wantError(t, http.StatusBadRequest, "CBC.0100")
		}
	})
}
