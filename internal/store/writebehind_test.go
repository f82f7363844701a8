package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// A write-behind transaction's rows arrive exactly as written (the simple
// protocol writes arguments into the text: quotes, backslashes, NULLs,
// negative numbers, named string types), its own reads see them, and a
// write that fails fails the whole transaction at its commit, leaving
// nothing.
func TestWriteBehind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `CREATE TABLE wb (id TEXT PRIMARY KEY, note TEXT, n BIGINT)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		type kind string
		notes := []any{`it's "quoted" \ and \\ back; -- not a comment`, nil, kind("第二行\n$1 ?"), "", "x'); DROP TABLE wb; --"}
		nums := []int64{-1, 0, 1 << 62, -(1 << 62), 42}
		var rows [][]any
		for i := range notes {
			rows = append(rows, []any{string(rune('a' + i)), notes[i], nums[i]})
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			tx.WriteBehind()
			if err := store.ExecRows(ctx, tx, `INSERT INTO wb (id, note, n) VALUES `, `(?, ?, ?)`, "", rows[:2]); err != nil {
				return err
			}
			if err := store.ExecRows(ctx, tx, `INSERT INTO wb (id, note, n) VALUES `, `(?, ?, ?)`, "", rows[2:]); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM wb`).Scan(&n); err != nil || n != len(rows) {
				t.Errorf("the transaction's own read sees %d rows (%v), want %d", n, err, len(rows))
			}
			// Queued after the read: sent with the commit.
			return store.ExecRows(ctx, tx, `UPDATE wb SET n = n + 1 WHERE id IN `, `(?)`, "", [][]any{{"e"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range rows {
			var note *string
			var n int64
			if err := db.Reader().QueryRowContext(ctx, `SELECT note, n FROM wb WHERE id = ?`, want[0]).Scan(&note, &n); err != nil {
				t.Fatal(err)
			}
			wantN := nums[i]
			if want[0] == "e" {
				wantN++
			}
			switch w := want[1].(type) {
			case nil:
				if note != nil {
					t.Errorf("row %s: note %q, want NULL", want[0], *note)
				}
			default:
				if note == nil || *note != toString(w) {
					t.Errorf("row %s: note %v, want %q", want[0], note, w)
				}
			}
			if n != wantN {
				t.Errorf("row %s: n = %d, want %d", want[0], n, wantN)
			}
		}

		// A duplicate among the waiting writes: on PostgreSQL ExecRows
		// cannot know yet (the writes have not been sent), the commit
		// fails with the conflict and nothing of the transaction stays.
		var atExec error
		err = db.InTx(ctx, func(tx *store.Tx) error {
			tx.WriteBehind()
			if err := store.ExecRows(ctx, tx, `INSERT INTO wb (id, note, n) VALUES `, `(?, ?, ?)`, "", [][]any{{"f", "new", 1}}); err != nil {
				return err
			}
			atExec = store.ExecRows(ctx, tx, `INSERT INTO wb (id, note, n) VALUES `, `(?, ?, ?)`, "", [][]any{{"a", "again", 1}})
			return atExec
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate: InTx = %v, want ErrConflict", err)
		}
		if db.Dialect == store.Postgres && atExec != nil {
			t.Errorf("PostgreSQL: the duplicate failed at ExecRows (%v): the writes were not held back", atExec)
		}
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM wb WHERE id = 'f' OR note = 'again'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("after the failed transaction: %d of its rows (%v), want none", n, err)
		}
	})
}

func toString(v any) string {
	return reflect.ValueOf(v).String()
}
