package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func openTestSQLite(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, path
}

const insertPartner = `INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
	VALUES (?, ?, ?, 'reseller', 'registered', ?, ?, 0)`

// Statements are prepared once and reused: by transactions once the writer
// has been free to prepare them, by reads at once; the answers are those of
// unprepared statements, faults included.
func TestPreparedStatementsOnSQLite(t *testing.T) {
	db, _ := openTestSQLite(t)
	ctx := context.Background()
	for i := range 5 {
		err := db.InTx(ctx, func(tx *Tx) error {
			id := fmt.Sprintf("p%d", i)
			_, err := tx.ExecContext(ctx, insertPartner, id, id, id, "d"+id, "dn"+id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !db.writeStmts.has(insertPartner) {
		t.Fatal("the insert was not prepared for the writer")
	}
	// A unique violation through a prepared statement is still a conflict,
	// and its transaction leaves nothing.
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, insertPartner, "p9", "p0", "p9", "dp9", "dnp9")
		return err
	})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate through a prepared statement: %v", err)
	}
	const count = `SELECT COUNT(*) FROM partners WHERE name LIKE ?`
	for range 3 {
		var n int
		if err := db.Reader().QueryRowContext(ctx, count, "p%").Scan(&n); err != nil || n != 5 {
			t.Fatalf("count: %d %v", n, err)
		}
	}
	if !db.readStmts.has(count) {
		t.Fatal("the read was not prepared")
	}
	var n int
	if err := db.InTx(ctx, func(tx *Tx) error { return tx.QueryRowContext(ctx, count, "p%").Scan(&n) }); err != nil || n != 5 {
		t.Fatalf("count in a transaction: %d %v", n, err)
	}
	// A query that does not prepare answers its error where it is run.
	if err := db.Reader().QueryRowContext(ctx, `SELECT nope FROM partners`).Scan(&n); err == nil {
		t.Fatal("a bad query answered")
	}
	rows, err := db.Reader().QueryContext(ctx, `SELECT id FROM partners ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	if fmt.Sprint(ids) != "[p0 p1 p2 p3 p4]" {
		t.Fatalf("rows: %v", ids)
	}
}

// The cache stops growing at its bound; queries past it still run.
func TestPreparedStatementsAreBounded(t *testing.T) {
	db, _ := openTestSQLite(t)
	ctx := context.Background()
	for i := range maxCachedStatements + 20 {
		var n int
		if err := db.Reader().QueryRowContext(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d: %d %v", i, n, err)
		}
	}
	db.readStmts.mu.Lock()
	got := len(db.readStmts.stmts)
	db.readStmts.mu.Unlock()
	if got != maxCachedStatements {
		t.Fatalf("%d statements cached, want %d", got, maxCachedStatements)
	}
}

// The WAL is copied back into the database file in the background, well
// before the writer's own threshold.
func TestBackgroundCheckpoints(t *testing.T) {
	db, path := openTestSQLite(t)
	ctx := context.Background()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	for i := range 300 {
		err := db.InTx(ctx, func(tx *Tx) error {
			id := fmt.Sprintf("c%04d-%0400d", i, i) // wide rows: a few hundred pages in all
			_, err := tx.ExecContext(ctx, insertPartner, id, id, id, "d"+id, "dn"+id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes: no checkpoint", before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *stmtCache) has(q string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[q] != nil
}
