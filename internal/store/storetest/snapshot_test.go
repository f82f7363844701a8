package storetest_test

import (
	"context"
	"strings"
	"testing"

	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestSnapshotSeesEveryChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		exec := func(q string, args ...any) {
			t.Helper()
			if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		opts := storetest.SnapshotOptions{SkipColumns: []string{"cloud_regions.sort"}}
		before := storetest.TakeSnapshot(t, db, opts)
		if _, ok := before["partners"]; !ok {
			t.Fatalf("the snapshot has no partners table: %v", before)
		}
		if _, ok := before["audit_log"]; ok {
			t.Fatal("the snapshot holds the audit log, a bookkeeping table")
		}
		if d := before.Diff(storetest.TakeSnapshot(t, db, opts)); d != nil {
			t.Fatalf("two snapshots of the same data differ: %v", d)
		}

		// A new row, then a changed value in it: each is a difference.
		exec(`INSERT INTO cloud_regions (code, name_zh, name_en, sort) VALUES ('zz-test-1', '测试', 'Test', 99)`)
		added := storetest.TakeSnapshot(t, db, opts)
		if d := before.Diff(added); len(d) != 1 || !strings.HasPrefix(d[0], "cloud_regions:") {
			t.Fatalf("after an insert: %v", d)
		}
		exec(`UPDATE cloud_regions SET name_en = 'Changed' WHERE code = 'zz-test-1'`)
		if d := added.Diff(storetest.TakeSnapshot(t, db, opts)); len(d) != 1 || !strings.Contains(d[0], "checksum changed true") {
			t.Fatalf("after an update: %v", d)
		}

		// Rows outside a table's condition change nothing; inside, they do.
		only := storetest.SnapshotOptions{Rows: map[string]string{"cloud_regions": "code <> 'zz-test-1'"}}
		limited := storetest.TakeSnapshot(t, db, only)
		exec(`UPDATE cloud_regions SET name_zh = '改' WHERE code = 'zz-test-1'`)
		if d := limited.Diff(storetest.TakeSnapshot(t, db, only)); d != nil {
			t.Fatalf("a row outside the condition counted: %v", d)
		}
		exec(`INSERT INTO cloud_regions (code, name_zh, name_en, sort) VALUES ('zz-test-2', '测试', 'Test', 98)`)
		if d := limited.Diff(storetest.TakeSnapshot(t, db, only)); len(d) != 1 {
			t.Fatalf("a row inside the condition changed: %v", d)
		}

		// A skipped column and a bookkeeping table change nothing.
		changed := storetest.TakeSnapshot(t, db, opts)
		exec(`UPDATE cloud_regions SET sort = 100 WHERE code = 'zz-test-1'`)
		exec(`INSERT INTO signin_failures (id, username, ip, at) VALUES ('zz', 'nobody', '127.0.0.1', 1)`)
		if d := changed.Diff(storetest.TakeSnapshot(t, db, opts)); d != nil {
			t.Fatalf("a skipped column or a bookkeeping table counted: %v", d)
		}
	})
}
