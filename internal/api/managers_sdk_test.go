package api_test

import (
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// ListIndirectPartners names the distributor's manager in charge of each
// reseller now, and leaves the fields out for a reseller without one.
func TestListIndirectPartnersNamesTheManager(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			u, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: storetest.Name("wang"), DisplayName: "客户经理 王敏",
				PartnerID: f.dist.ID, Roles: []auth.Role{auth.PartnerManager}, Password: "Secret-2026"})
			if err != nil {
				return err
			}
			_, _, err = partner.AssignManager(ctx, tx, f.dist.ID, f.resA.ID, u.ID, tx.Now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		_, c := f.sdk(t)
		resp := list(t, c, model.QueryIndirectPartnersReq{})
		byID := map[string]model.IndirectPartnerInfo{}
		for _, p := range *resp.IndirectPartners {
			byID[*p.IndirectPartnerId] = p
		}
		a, b := byID[f.resA.ID], byID[f.resB.ID]
		if a.AccountManagerId == nil || *a.AccountManagerId == "" || a.AccountManagerName == nil || *a.AccountManagerName != "客户经理 王敏" {
			t.Fatalf("reseller A's manager: %v %v", a.AccountManagerId, a.AccountManagerName)
		}
		if b.AccountManagerId != nil || b.AccountManagerName != nil {
			t.Fatalf("reseller B has no manager, got %v %v", *b.AccountManagerId, *b.AccountManagerName)
		}
	})
}
