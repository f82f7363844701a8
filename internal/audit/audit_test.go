package audit_test

import (
	"context"
	"testing"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/platform/requestid"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestRecordIsScopedByTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Kind: auth.KindPartner, UserID: "u1", Username: "alice", PartnerID: "p1"})
		ctx = requestid.With(ctx, "req-1")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, c := range []audit.Change{
				{PartnerID: "p1", Action: "user.create", ObjectType: "user", ObjectID: "x", After: map[string]string{"name": "x"}},
				{PartnerID: "p1", Action: "user.roles", ObjectType: "user", ObjectID: "x", Before: []string{"sales"}, After: []string{"finance"}},
				{PartnerID: "p2", Action: "user.create", ObjectType: "user", ObjectID: "y"},
			} {
				if err := audit.Record(ctx, tx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A failed transaction leaves no entry.
		_ = db.InTx(ctx, func(tx *store.Tx) error {
			_ = audit.Record(ctx, tx, audit.Change{PartnerID: "p1", Action: "user.delete", ObjectType: "user", ObjectID: "x"})
			return context.Canceled
		})
		entries, total, err := audit.List(ctx, db.Reader(), audit.Filter{PartnerID: "p1"})
		if err != nil || total != 2 {
			t.Fatalf("p1 entries = %d, %v; want 2", total, err)
		}
		e := entries[0]
		if e.ActorName != "alice" || e.RequestID != "req-1" || e.Summary == "" {
			t.Errorf("entry = %+v", e)
		}
		if _, total, _ := audit.List(ctx, db.Reader(), audit.Filter{PartnerID: "p2"}); total != 1 {
			t.Errorf("p2 entries = %d, want 1", total)
		}
		if _, total, _ := audit.List(ctx, db.Reader(), audit.Filter{}); total != 0 {
			t.Errorf("an unscoped partner filter saw %d entries, want 0", total)
		}
		if _, total, _ := audit.List(ctx, db.Reader(), audit.Filter{AllTenants: true}); total != 3 {
			t.Errorf("all tenants = %d, want 3", total)
		}
		if _, total, _ := audit.List(ctx, db.Reader(), audit.Filter{AllTenants: true, Action: "user.roles"}); total != 1 {
			t.Errorf("action filter = %d, want 1", total)
		}
	})
}
