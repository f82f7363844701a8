package incentive_test

import (
	"context"
	"testing"

	"partnercenter/internal/incentive"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// TestPolicyValidation: rates out of range, an unknown category or partner
// type, months in the wrong order and overlapping validity are refused
// with the field at fault, and change nothing; an edit that does not
// overlap is kept.
func TestPolicyValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		ok := incentive.PolicyInput{Kind: incentive.KindRebate, ServiceTypeCode: svcRDS, PartnerType: partner.SolutionProvider, RateBP: 500, ValidFrom: 202701}
		bad := []struct {
			field string
			edit  func(in *incentive.PolicyInput)
		}{
			{"rate", func(in *incentive.PolicyInput) { in.RateBP = 10001 }},
			{"rate", func(in *incentive.PolicyInput) { in.RateBP = -1 }},
			{"service_type_code", func(in *incentive.PolicyInput) { in.ServiceTypeCode = "hws.service.type.nope" }},
			{"service_type_code", func(in *incentive.PolicyInput) { in.ServiceTypeCode = "" }},
			{"partner_type", func(in *incentive.PolicyInput) { in.PartnerType = "vendor" }},
			{"kind", func(in *incentive.PolicyInput) { in.Kind = "discount" }},
			{"valid_from", func(in *incentive.PolicyInput) { in.ValidFrom = 202613 }},
			{"valid_to", func(in *incentive.PolicyInput) { in.ValidTo = 202612 }},
			// ECS for distributors is open-ended from 2026-01.
			{"valid_from", func(in *incentive.PolicyInput) {
				in.ServiceTypeCode, in.PartnerType, in.ValidFrom, in.ValidTo = svcECS, partner.TotalDistributor, 202501, 202601
			}},
			// Resellers' ECS runs to 2026-11, then from 2026-12.
			{"valid_from", func(in *incentive.PolicyInput) {
				in.ServiceTypeCode, in.PartnerType, in.ValidFrom, in.ValidTo = svcECS, partner.Reseller, 202611, 202611
			}},
			{"bonus", func(in *incentive.PolicyInput) { in.Kind, in.BonusFen = incentive.KindNewCustomer, -1 }},
			{"valid_from", func(in *incentive.PolicyInput) {
				in.Kind, in.PartnerType, in.BonusFen = incentive.KindNewCustomer, partner.TotalDistributor, 10_00
			}},
		}
		for _, b := range bad {
			in := ok
			b.edit(&in)
			before := snapshot(t, db)
			_, err := inTx(t, db, func(ctx context.Context, tx *store.Tx) (*incentive.Policy, error) {
				return incentive.CreatePolicy(ctx, tx, in, "admin")
			})
			e, isApp := apperr.As(err)
			if !isApp || e.Code != apperr.Invalid || e.Field != b.field {
				t.Errorf("%+v: error %v, want one about %s", in, err, b.field)
			}
			if snapshot(t, db) != before {
				t.Fatalf("a refused policy %+v changed something", in)
			}
		}
		p, err := inTx(t, db, func(ctx context.Context, tx *store.Tx) (*incentive.Policy, error) {
			return incentive.CreatePolicy(ctx, tx, ok, "admin")
		})
		if err != nil {
			t.Fatal(err)
		}
		// Editing into an overlap is refused; a change of rate is kept.
		list, _, err := incentive.ListPolicies(ctx, db.Reader(), incentive.PolicyFilter{Kind: incentive.KindRebate, PartnerType: partner.Reseller, ServiceTypeCode: svcECS})
		if err != nil || len(list) != 2 {
			t.Fatalf("resellers' ECS policies: %v %v", list, err)
		}
		overlap := incentive.PolicyInput{Kind: incentive.KindRebate, ServiceTypeCode: svcECS, PartnerType: partner.Reseller, RateBP: 175, ValidFrom: 202601, ValidTo: 202612}
		before := snapshot(t, db)
		if _, err := inTx(t, db, func(ctx context.Context, tx *store.Tx) (*incentive.Policy, error) {
			_, after, err := incentive.UpdatePolicy(ctx, tx, list[1].ID, overlap, "admin")
			return after, err
		}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("overlapping edit: %v", err)
		}
		if snapshot(t, db) != before {
			t.Fatal("a refused edit changed something")
		}
		edit := ok
		edit.RateBP = 650
		if _, err := inTx(t, db, func(ctx context.Context, tx *store.Tx) (*incentive.Policy, error) {
			_, after, err := incentive.UpdatePolicy(ctx, tx, p.ID, edit, "admin2")
			return after, err
		}); err != nil {
			t.Fatal(err)
		}
		got, err := incentive.GetPolicy(ctx, db.Reader(), p.ID)
		if err != nil || got.RateBP != 650 || got.UpdatedBy != "admin2" || incentive.FormatRate(got.RateBP) != "6.50%" {
			t.Fatalf("edited policy %+v %v", got, err)
		}
		for _, c := range []struct {
			in   string
			want int
			ok   bool
		}{{"2.5", 250, true}, {"2.5%", 250, true}, {"100", 10000, true}, {"0", 0, true}, {"100.01", 0, false}, {"-1", 0, false}, {"1.234", 0, false}, {"x", 0, false}} {
			bp, err := incentive.ParseRate("rate", c.in)
			if (err == nil) != c.ok || bp != c.want {
				t.Errorf("ParseRate(%q) = %d, %v", c.in, bp, err)
			}
		}
		_ = w
	})
}

// TestDiscountPolicies answers ListIncentiveDiscountPolicies: ECS has a
// flagged and an unflagged product (specific products), OBS only a flagged
// one (the whole service), RDS no policy; for resellers OBS's rate is 0.
func TestDiscountPolicies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		newWorld(t, db)
		ctx := context.Background()
		got := func(pt partner.Type, m incentive.Month) map[string]string {
			list, err := incentive.DiscountPolicies(ctx, db.Reader(), pt, m, nil)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, d := range list {
				out[d.ServiceType.Code] = d.Policy
			}
			return out
		}
		d := got(partner.TotalDistributor, dec)
		if d[svcECS] != incentive.PolicySomeProducts || d[svcOBS] != incentive.PolicyWholeService || d[svcRDS] != incentive.PolicyNoPerformance {
			t.Errorf("distributor: %v", d)
		}
		r := got(partner.Reseller, dec)
		if r[svcOBS] != incentive.PolicyNoRebate || r[svcECS] != incentive.PolicySomeProducts {
			t.Errorf("reseller: %v", r)
		}
		if s := got(partner.Reseller, 202501); s[svcECS] != incentive.PolicyNoPerformance {
			t.Errorf("before the policies: %v", s)
		}
		only := svcOBS
		list, err := incentive.DiscountPolicies(ctx, db.Reader(), partner.TotalDistributor, dec, &only)
		if err != nil || len(list) != 1 || list[0].ServiceType.Code != svcOBS {
			t.Errorf("filtered: %+v %v", list, err)
		}
	})
}

// TestManagerTotals sums details per month and manager for 业绩.
func TestManagerTotals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		c := w.distCust
		w.addFees(t,
			fee{p: w.dist, c: c[0], product: w.vmFlagged, month: nov, amount: 1000_00, manager: "m1"}, // 33.30
			fee{p: w.dist, c: c[1], product: w.obs, month: nov, amount: 200_00, manager: "m1"},        // 25.00
			fee{p: w.dist, c: c[2], product: w.vmFlagged, month: nov, amount: 300_00, manager: "m2"},  // 9.99
			fee{p: w.dist, c: c[0], product: w.vmFlagged, month: dec, amount: 100_00, manager: "m2"})  // 3.33
		w.calculate(t, nov, dec)
		all, err := incentive.ManagerTotals(context.Background(), db.Reader(), w.dist.ID, "", nov, dec)
		if err != nil {
			t.Fatal(err)
		}
		want := []incentive.ManagerTotal{
			{Month: nov, ManagerUserID: "m1", Consumption: 1200_00, Rebate: 58_30, NewCustomers: 2, Bonus: 100_00},
			{Month: nov, ManagerUserID: "m2", Consumption: 300_00, Rebate: 9_99, NewCustomers: 1, Bonus: 50_00},
			{Month: dec, ManagerUserID: "m2", Consumption: 100_00, Rebate: 3_33},
		}
		if len(all) != len(want) {
			t.Fatalf("totals %+v", all)
		}
		for i := range want {
			if all[i] != want[i] {
				t.Errorf("row %d: %+v, want %+v", i, all[i], want[i])
			}
		}
		one, err := incentive.ManagerTotals(context.Background(), db.Reader(), w.dist.ID, "m2", nov, dec)
		if err != nil || len(one) != 2 {
			t.Fatalf("m2's totals %+v %v", one, err)
		}
		other, err := incentive.ManagerTotals(context.Background(), db.Reader(), w.resl.ID, "", nov, dec)
		if err != nil || len(other) != 0 {
			t.Fatalf("another partner's totals %+v %v", other, err)
		}
	})
}
