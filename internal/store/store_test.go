package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
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

// Transactions committed together stay independent: a failing or panicking
// one leaves no trace, the others all commit.
func TestConcurrentTransactionsFailIndependently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 200
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func(i int) {
				errs <- db.InTx(ctx, func(tx *store.Tx) error {
					id := fmt.Sprintf("p%03d", i)
					if _, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
						VALUES (?, ?, ?, 'reseller', 'registered', ?, ?, 0)`, id, id, id, "d"+id, "dn"+id); err != nil {
						return err
					}
					switch i % 10 {
					case 3:
						return errors.New("refused")
					case 7:
						panic("boom")
					}
					return nil
				})
			}(i)
		}
		failed := 0
		for i := 0; i < n; i++ {
			if err := <-errs; err != nil {
				failed++
			}
		}
		var count int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM partners`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if failed != n/5 || count != n-n/5 {
			t.Fatalf("failed %d, committed %d; want %d and %d", failed, count, n/5, n-n/5)
		}
	})
}

// BenchmarkConcurrentCommits runs small write transactions from 32
// goroutines, as 32 API clients would.
func BenchmarkConcurrentCommits(b *testing.B) {
	db := storetest.SQLite(&testing.T{})
	ctx := context.Background()
	var seq atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			err := db.InTx(ctx, func(tx *store.Tx) error {
				id := fmt.Sprintf("b%09d", i)
				_, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
					VALUES (?, ?, ?, 'reseller', 'registered', ?, ?, 0)`, id, id, id, "d"+id, "dn"+id)
				return err
			})
			if err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}
