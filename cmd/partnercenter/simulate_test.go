package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/metering"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// simulate advances the stored clock, meters the demo's pay-per-use
// resources over the days passed and leaves the ledger check passing; the
// next command runs on the advanced clock.
func TestSimulateCommand(t *testing.T) {
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			key := filepath.Join(t.TempDir(), "master.key")
			if err := run(ctx, []string{"demo", "--db", dsn, "--key-file", key}, io.Discard, io.Discard); err != nil {
				t.Fatalf("demo: %v", err)
			}
			if err := run(ctx, []string{"simulate", "--days", "0", "--db", dsn}, io.Discard, io.Discard); err == nil {
				t.Fatal("--days 0 accepted")
			}
			var out bytes.Buffer
			if err := run(ctx, []string{"simulate", "--days", "2", "--check", "--db", dsn}, &out, io.Discard); err != nil {
				t.Fatalf("simulate: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "every invariant holds") || !strings.Contains(out.String(), " steps in ") {
				t.Fatalf("simulate printed:\n%s", out.String())
			}
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			off, err := metering.ClockOffset(ctx, db.Reader())
			if err != nil {
				t.Fatal(err)
			}
			if off != 48*time.Hour {
				t.Fatalf("clock offset %s after 2 days", off)
			}
			var behind int
			if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM cloud_resources WHERE charging_mode = 3 AND status = 'active'
				AND COALESCE(metered_until, 0) < ?`, store.Micros(time.Now().Add(off).Truncate(time.Hour).Add(-time.Hour))).Scan(&behind); err != nil {
				t.Fatal(err)
			}
			if behind != 0 {
				t.Fatalf("%d active pay-per-use resources not metered up to the simulated hour", behind)
			}
		})
	}
}
