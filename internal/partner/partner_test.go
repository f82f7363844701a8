package partner_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func create(t *testing.T, db *store.DB, n partner.NewPartner) *partner.Partner {
	t.Helper()
	var p *partner.Partner
	if err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		p, err = partner.Create(context.Background(), tx, n)
		return err
	}); err != nil {
		t.Fatalf("create %s: %v", n.Name, err)
	}
	return p
}

func TestIndirectResellersAndActingFor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dist := create(t, db, partner.NewPartner{Name: "dist", Type: partner.TotalDistributor, Stage: partner.Differentiated})
		other := create(t, db, partner.NewPartner{Name: "other-dist", Type: partner.TotalDistributor, Stage: partner.Certified})
		a := create(t, db, partner.NewPartner{Name: "res-a", Type: partner.Reseller, Stage: partner.Certified, ParentID: dist.ID})
		b := create(t, db, partner.NewPartner{Name: "res-b", Type: partner.Reseller, Stage: partner.Registered, ParentID: dist.ID})
		foreign := create(t, db, partner.NewPartner{Name: "res-x", Type: partner.Reseller, Stage: partner.Registered, ParentID: other.ID})

		list, total, err := partner.ListIndirect(ctx, db.Reader(), partner.IndirectFilter{DistributorID: dist.ID, Limit: 10})
		if err != nil || total != 2 || len(list) != 2 {
			t.Fatalf("indirect of dist = %d (%d rows), %v; want 2", total, len(list), err)
		}
		for _, p := range list {
			if p.ParentID != dist.ID || p.AssociatedAt.IsZero() {
				t.Errorf("reseller %s: parent %s, associated %v", p.Name, p.ParentID, p.AssociatedAt)
			}
		}
		page2, total, _ := partner.ListIndirect(ctx, db.Reader(), partner.IndirectFilter{DistributorID: dist.ID, Offset: 1, Limit: 1})
		if total != 2 || len(page2) != 1 {
			t.Fatalf("second page: total %d rows %d", total, len(page2))
		}
		byName, _, _ := partner.ListIndirect(ctx, db.Reader(), partner.IndirectFilter{DistributorID: dist.ID, AccountName: b.DomainName})
		if len(byName) != 1 || byName[0].ID != b.ID {
			t.Fatalf("filter by account name: %+v", byName)
		}
		future, _, _ := partner.ListIndirect(ctx, db.Reader(), partner.IndirectFilter{DistributorID: dist.ID, AssociatedFrom: time.Now().Add(time.Hour)})
		if len(future) != 0 {
			t.Fatalf("associated after now: %d rows", len(future))
		}

		if id, err := partner.ActingFor(ctx, db.Reader(), dist.ID, a.ID); err != nil || id != a.ID {
			t.Errorf("distributor acting for its reseller: %q, %v", id, err)
		}
		if id, err := partner.ActingFor(ctx, db.Reader(), dist.ID, ""); err != nil || id != dist.ID {
			t.Errorf("acting for itself: %q, %v", id, err)
		}
		for _, c := range []struct{ caller, target string }{{dist.ID, foreign.ID}, {a.ID, b.ID}, {a.ID, dist.ID}, {dist.ID, "nope"}} {
			if _, err := partner.ActingFor(ctx, db.Reader(), c.caller, c.target); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s acting for %s: err = %v, want not found", c.caller, c.target, err)
			}
		}
	})
}

func TestPartnerValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res := create(t, db, partner.NewPartner{Name: "plain", Type: partner.Reseller, Stage: partner.Registered})
		cases := []struct {
			n     partner.NewPartner
			field string
		}{
			{partner.NewPartner{Name: "X", Type: partner.Reseller, Stage: partner.Registered}, "name"},
			{partner.NewPartner{Name: "ok-name", Type: "bank", Stage: partner.Registered}, "type"},
			{partner.NewPartner{Name: "ok-name", Type: partner.Reseller, Stage: "gold"}, "stage"},
			{partner.NewPartner{Name: "ok-name", Type: partner.TotalDistributor, Stage: partner.Registered, ParentID: res.ID}, "parent_id"},
			{partner.NewPartner{Name: "ok-name", Type: partner.Reseller, Stage: partner.Registered, ParentID: res.ID}, "parent_id"},
			{partner.NewPartner{Name: "plain", Type: partner.Reseller, Stage: partner.Registered}, "name"},
		}
		for _, c := range cases {
			err := db.InTx(ctx, func(tx *store.Tx) error { _, err := partner.Create(ctx, tx, c.n); return err })
			if e, ok := apperr.As(err); !ok || e.Field != c.field {
				t.Errorf("%+v: err = %v, want field %s", c.n, err, c.field)
			}
		}
		_, total, _ := partner.List(ctx, db.Reader(), partner.ListFilter{})
		if total != 1 {
			t.Errorf("partners = %d after refused creations, want 1", total)
		}
		found, total, _ := partner.List(ctx, db.Reader(), partner.ListFilter{Query: "pla"})
		if total != 1 || found[0].ID != res.ID {
			t.Errorf("search: %d", total)
		}
		if _, total, _ := partner.List(ctx, db.Reader(), partner.ListFilter{Query: "%"}); total != 0 {
			t.Errorf("a %% in the search matched %d partners; it must be taken literally", total)
		}
	})
}
