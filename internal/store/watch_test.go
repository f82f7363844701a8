package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// A write watch runs after the commit of each transaction that wrote its
// table, whichever way the write went (a statement, a batch of rows, a
// write-behind batch), and not for a rolled-back one or for other tables.
func TestWatchWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var calls atomic.Int32
		db.WatchWrites([]string{"watched"}, func() { calls.Add(1) })
		run := func(fn func(tx *store.Tx) error) error { return db.InTx(ctx, fn) }
		exec := func(q string) func(tx *store.Tx) error {
			return func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, q); return err }
		}
		for _, q := range []string{`CREATE TABLE watched (id TEXT PRIMARY KEY)`, `CREATE TABLE watched_not (id TEXT PRIMARY KEY)`} {
			if err := run(exec(q)); err != nil {
				t.Fatal(err)
			}
		}
		calls.Store(0)
		steps := []struct {
			name string
			fn   func(tx *store.Tx) error
			want int32
		}{
			{"insert", exec(`INSERT INTO watched (id) VALUES ('a')`), 1},
			{"update and delete in one transaction", func(tx *store.Tx) error {
				if err := exec(`UPDATE watched SET id = 'b' WHERE id = 'a'`)(tx); err != nil {
					return err
				}
				return exec(`delete   from watched where id = 'zz'`)(tx)
			}, 1},
			{"another table", exec(`INSERT INTO watched_not (id) VALUES ('a')`), 0},
			{"a read", func(tx *store.Tx) error {
				var n int
				return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM watched`).Scan(&n)
			}, 0},
			{"rows, write-behind", func(tx *store.Tx) error {
				tx.WriteBehind()
				return store.ExecRows(ctx, tx, `INSERT INTO watched (id) VALUES `, `(?)`, "", [][]any{{"c"}, {"d"}})
			}, 1},
		}
		for _, s := range steps {
			before := calls.Load()
			if err := run(s.fn); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got := calls.Load() - before; got != s.want {
				t.Errorf("%s: the watch ran %d times after the commit, want %d", s.name, got, s.want)
			}
		}
		before := calls.Load()
		rollback := errors.New("rolled back")
		if err := run(func(tx *store.Tx) error {
			if err := exec(`INSERT INTO watched (id) VALUES ('e')`)(tx); err != nil {
				return err
			}
			return rollback
		}); !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if calls.Load() != before {
			t.Errorf("the watch ran for a rolled-back transaction")
		}
	})
}
