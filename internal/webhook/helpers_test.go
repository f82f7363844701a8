package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// testSealer seals with a fixed key.
func testSealer(t testing.TB) *auth.Sealer {
	t.Helper()
	s, err := auth.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// addPartners inserts partners p1 and p2.
func addPartners(t testing.TB, db *store.DB) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		for _, id := range []string{"p1", "p2"} {
			if _, err := tx.ExecContext(context.Background(), `INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
				VALUES (?, ?, ?, 'reseller', 'registered', ?, ?, 0)`, id, id, id, "d"+id, "dn"+id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// createEndpoint adds an endpoint of partnerID for url and events.
func createEndpoint(t testing.TB, db *store.DB, sealer *auth.Sealer, partnerID, url string, events ...string) *webhook.Endpoint {
	t.Helper()
	var e *webhook.Endpoint
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		e, err = webhook.Create(context.Background(), tx, sealer, partnerID, webhook.Fields{URL: &url, Events: &events})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// clock is a settable time for the database and the dispatcher.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
	webhook.Wake()
}

// start runs a dispatcher until the test ends.
func start(t testing.TB, db *store.DB, sealer *auth.Sealer, cfg webhook.Config) *webhook.Dispatcher {
	t.Helper()
	if cfg.Poll == 0 {
		cfg.Poll = 10 * time.Millisecond
	}
	d := webhook.NewDispatcher(db, sealer, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	d.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = d.Stop(ctx)
	})
	return d
}

// eventually waits up to 60 s for cond.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// countWhere counts deliveries matching a condition.
func countWhere(t testing.TB, db *store.DB, cond string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM webhook_deliveries WHERE `+cond, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// emit commits events of partnerID in one transaction.
func emit(t testing.TB, db *store.DB, partnerID string, events ...webhook.Event) {
	t.Helper()
	if err := db.InTx(context.Background(), func(tx *store.Tx) error {
		return webhook.EmitMany(context.Background(), tx, partnerID, events)
	}); err != nil {
		t.Fatal(err)
	}
}
