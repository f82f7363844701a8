package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// heard collects what a listener was told.
type heard struct {
	mu       sync.Mutex
	payloads []string
	resets   int
}

func (h *heard) handler() store.ListenHandler {
	return store.ListenHandler{
		Notify: func(p string) { h.mu.Lock(); h.payloads = append(h.payloads, p); h.mu.Unlock() },
		Reset:  func() { h.mu.Lock(); h.resets++; h.mu.Unlock() },
	}
}

func (h *heard) snapshot() ([]string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.payloads...), h.resets
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
	}
}

// One node hears what another commits, in order, and nothing of what it
// rolls back; when its connection is cut it stops claiming to hear, tells
// its handler to forget, and hears again once reconnected.
func TestListenerHearsOtherNodes(t *testing.T) {
	if storetest.DSNs(t)["postgres"] == "" {
		t.Skip("notifications are PostgreSQL's")
	}
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	open := func() *store.DB {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	// A channel of this test's own: other tests' nodes may be listening in
	// the same database at the same time.
	channel := storetest.Name("partnercenter_test_listen_")
	var h heard
	l := a.Listen(channel, h.handler())
	eventually(t, "the listener hears its heartbeat", l.Hearing)

	notify := func(payload string, commit bool) {
		t.Helper()
		err := b.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, channel, payload); err != nil {
				return err
			}
			if !commit {
				return context.Canceled
			}
			return nil
		})
		if commit && err != nil {
			t.Fatal(err)
		}
	}
	notify("key one", true)
	notify("key rolled-back", false)
	notify("partner two", true)
	eventually(t, "both committed notifications arrive", func() bool { p, _ := h.snapshot(); return len(p) >= 2 })
	time.Sleep(50 * time.Millisecond)
	if p, _ := h.snapshot(); len(p) != 2 || p[0] != "key one" || p[1] != "partner two" {
		t.Fatalf("heard %q, want the two committed payloads in order", p)
	}

	_, resetsBefore := h.snapshot()
	var cut int
	if err := b.Reader().QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = ? AND pid <> pg_backend_pid()`, `LISTEN "`+channel+`"`).Scan(&cut); err != nil || cut != 1 {
		t.Fatalf("cutting the listener's connection: %d cut, %v", cut, err)
	}
	eventually(t, "the cut is noticed (Reset)", func() bool { _, r := h.snapshot(); return r > resetsBefore })
	eventually(t, "the listener hears again", l.Hearing)
	notify("key after", true)
	eventually(t, "a notification after reconnecting arrives", func() bool { p, _ := h.snapshot(); return len(p) == 3 && p[2] == "key after" })
}

// On SQLite there is nothing to hear: no listener, which never hears.
func TestListenerSQLite(t *testing.T) {
	db := storetest.SQLite(t)
	if l := db.Listen("x", store.ListenHandler{Notify: func(string) {}, Reset: func() {}}); l != nil || l.Hearing() {
		t.Fatalf("SQLite: listener %v", l)
	}
}
