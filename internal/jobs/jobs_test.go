package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/exports"
	"partnercenter/internal/funds"
	"partnercenter/internal/jobs"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The periodic cleanup removes sessions that have ended and keeps live ones.
func TestSessionCleanupRemovesExpiredSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "ops", Roles: []auth.Role{auth.StaffAdmin}, Password: "Secret#2026"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := auth.SignIn(ctx, db, "ops", "Secret#2026", "127.0.0.1", "test"); err != nil {
			t.Fatal(err)
		}
		// Move the clock past the idle timeout for the old session, then sign
		// in again: one ended session and one live one.
		real := db.Now
		db.Now = func() time.Time { return real().Add(-auth.IdleTimeout - time.Hour) }
		if _, _, err := auth.SignIn(ctx, db, "ops", "Secret#2026", "127.0.0.1", "test"); err != nil {
			t.Fatal(err)
		}
		db.Now = real
		if got := countSessions(t, db); got != 2 {
			t.Fatalf("sessions before cleanup = %d, want 2", got)
		}

		m := metrics.New()
		r, err := jobs.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), m,
			jobs.Options{SessionCleanupEvery: time.Hour, PollInterval: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := r.Stop(stopCtx); err != nil {
				t.Errorf("stop: %v", err)
			}
		}()
		deadline := time.Now().Add(20 * time.Second)
		for countSessions(t, db) != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("sessions after cleanup = %d, want 1 (the live one)", countSessions(t, db))
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func countSessions(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An export enqueued in a business transaction is produced by the runner.
func TestExportJobRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		r, err := jobs.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New(),
			jobs.Options{SessionCleanupEvery: time.Hour, PollInterval: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		var e *exports.Export
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
				VALUES ('p1', 'p1', 'p1', 'reseller', 'registered', 'd1', 'dn1', 0)`); err != nil {
				return err
			}
			var err error
			if e, err = exports.Create(ctx, tx, "p1", "u1", funds.ExportAdjustments, exports.CSV, "en", funds.AdjustmentsExport{}); err != nil {
				return err
			}
			return r.Enqueue(ctx, tx, jobs.ExportArgs{ID: e.ID})
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_ = r.Stop(stopCtx)
		}()
		deadline := time.Now().Add(20 * time.Second)
		for {
			got, err := exports.Get(ctx, db.Reader(), "p1", "u1", e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == exports.Done {
				break
			}
			if got.Status == exports.Failed || time.Now().After(deadline) {
				t.Fatalf("export status %s, error %q", got.Status, got.Error)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
