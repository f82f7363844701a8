package store_test

import (
	"context"
	"errors"
	"testing"

	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestMigrateAndTransactions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pending, err := db.Pending(ctx)
		if err != nil || pending != 0 {
			t.Fatalf("pending migrations = %d, %v; want 0", pending, err)
		}
		insert := func(tx *store.Tx, id, name string) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
				VALUES (?, ?, ?, 'reseller', 'registered', ?, ?, ?)`, id, name, name, "d-"+id, "dn-"+id, store.Micros(tx.Now))
			return err
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return insert(tx, "p1", "one") }); err != nil {
			t.Fatal(err)
		}
		// A duplicate name is a conflict, and the failed transaction leaves nothing.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if err := insert(tx, "p2", "two"); err != nil {
				return err
			}
			return insert(tx, "p3", "one")
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate name: err = %v, want ErrConflict", err)
		}
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM partners`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("partners = %d after a rolled-back transaction, want 1", n)
		}
		var name string
		err = store.ScanErr(db.Reader().QueryRowContext(ctx, `SELECT name FROM partners WHERE id = ?`, "nope").Scan(&name))
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing row: err = %v, want ErrNotFound", err)
		}
	})
}
