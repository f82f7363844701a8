package storetest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"partnercenter/internal/store"
)

// Bookkeeping are the tables that a refused request may still write to
// without changing anything a partner owns: the audit trail, signatures
// kept against replay, idempotency records, sessions and sign-in failures,
// single-use form tokens, rate-limit buckets, the job queue and the
// migrations' own record. Snapshot leaves them out unless told otherwise.
var Bookkeeping = []string{
	"audit_log", "api_signatures", "idempotency_keys", "sessions", "signin_failures",
	"form_submissions", "rate_buckets", "goose_db_version",
	"river_job", "river_leader", "river_migration", "river_notification", "river_queue",
}

// Snapshot is every table's row count and a checksum of its rows, by table.
type Snapshot map[string]TableSum

// TableSum is one table's row count and the checksum of its rows, which
// does not depend on the order the database returns them in.
type TableSum struct {
	Rows int
	Sum  string
}

// SnapshotOptions says what a snapshot leaves out: whole tables (on top of
// Bookkeeping) and single columns, as "table.column", that a permitted
// request touches without changing data, such as an access key's time of
// last use.
type SnapshotOptions struct {
	SkipTables  []string
	SkipColumns []string
	// Rows limits a table to the rows a condition selects (an SQL
	// expression over its columns), for a table where the requests may
	// rightly change some rows, such as the caller's own.
	Rows map[string]string
}

// TakeSnapshot counts and hashes every row of every table of db but the
// bookkeeping ones and those opts names.
func TakeSnapshot(t testing.TB, db *store.DB, opts SnapshotOptions) Snapshot {
	t.Helper()
	ctx := context.Background()
	skip := map[string]bool{}
	for _, name := range slices.Concat(Bookkeeping, opts.SkipTables) {
		skip[name] = true
	}
	skipCol := map[string]bool{}
	for _, c := range opts.SkipColumns {
		skipCol[c] = true
	}
	tables, err := tableNames(ctx, db)
	if err != nil {
		t.Fatalf("snapshot: listing the tables: %v", err)
	}
	if len(tables) == 0 {
		t.Fatal("snapshot: the database has no tables")
	}
	out := Snapshot{}
	for _, table := range tables {
		if skip[table] {
			continue
		}
		sum, err := tableSum(ctx, db, table, skipCol, opts.Rows[table])
		if err != nil {
			t.Fatalf("snapshot of %s: %v", table, err)
		}
		out[table] = sum
	}
	return out
}

// Diff names every table whose count or checksum differs between s and
// later, with the counts, sorted; nil when the two are the same.
func (s Snapshot) Diff(later Snapshot) []string {
	var out []string
	for _, table := range slices.Sorted(maps.Keys(s)) {
		a, b := s[table], later[table]
		if a != b {
			out = append(out, fmt.Sprintf("%s: %d rows before, %d after, checksum changed %v", table, a.Rows, b.Rows, a.Sum != b.Sum))
		}
	}
	for _, table := range slices.Sorted(maps.Keys(later)) {
		if _, ok := s[table]; !ok {
			out = append(out, table+": a new table")
		}
	}
	return out
}

func tableNames(ctx context.Context, db *store.DB) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.Dialect == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := db.ReaderPool().QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out, rows.Err()
}

// tableSum hashes each row's columns (but those skipped) and then the
// sorted row hashes, so that the order of the rows does not matter.
func tableSum(ctx context.Context, db *store.DB, table string, skipCol map[string]bool, where string) (TableSum, error) {
	q := `SELECT * FROM ` + table
	if where != "" {
		q += ` WHERE ` + where
	}
	rows, err := db.ReaderPool().QueryContext(ctx, q)
	if err != nil {
		return TableSum{}, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return TableSum{}, err
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var hashes []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return TableSum{}, err
		}
		h := sha256.New()
		for i, v := range vals {
			if skipCol[table+"."+cols[i]] {
				continue
			}
			if v == nil {
				fmt.Fprintf(h, "%s=NULL;", cols[i])
			} else {
				fmt.Fprintf(h, "%s=%d:%s;", cols[i], len(v), v)
			}
		}
		hashes = append(hashes, hex.EncodeToString(h.Sum(nil)))
	}
	if err := rows.Err(); err != nil {
		return TableSum{}, err
	}
	slices.SortFunc(hashes, cmp.Compare)
	all := sha256.Sum256([]byte(strings.Join(hashes, "\n")))
	return TableSum{Rows: len(hashes), Sum: hex.EncodeToString(all[:])}, nil
}
