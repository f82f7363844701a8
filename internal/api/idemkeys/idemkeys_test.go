package idemkeys_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"partnercenter/internal/api/idemkeys"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestStoreReplayAndSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		put := func(at time.Time, scope, key string) error {
			db.Now = func() time.Time { return at }
			return db.InTx(ctx, func(tx *store.Tx) error {
				return idemkeys.Insert(ctx, tx, scope, key, idemkeys.Answer{RequestHash: "h-" + key, Status: 200, Body: []byte(`{"k":"` + key + `"}`)})
			})
		}
		// 1,500 answers from two days ago (more than one batch), one just
		// inside the day, one fresh.
		for i := range 1500 {
			if err := put(now.Add(-48*time.Hour), "p/ak", fmt.Sprintf("old-%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := put(now.Add(-idemkeys.TTL+time.Minute), "p/ak", "recent"); err != nil {
			t.Fatal(err)
		}
		if err := put(now, "p/ak", "fresh"); err != nil {
			t.Fatal(err)
		}
		if err := put(now, "p/ak", "fresh"); !errors.Is(err, idemkeys.ErrExists) {
			t.Fatalf("storing a key twice: %v, want ErrExists", err)
		}
		a, err := idemkeys.Get(ctx, db.Reader(), "p/ak", "fresh")
		if err != nil || a.RequestHash != "h-fresh" || a.Status != 200 || string(a.Body) != `{"k":"fresh"}` {
			t.Fatalf("get: %+v %v", a, err)
		}
		if _, err := idemkeys.Get(ctx, db.Reader(), "other/ak", "fresh"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another scope's key: %v", err)
		}

		idemkeys.Sweep(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM idempotency_keys`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("after the sweep %d answers remain (%v), want 2", n, err)
		}
		for _, key := range []string{"recent", "fresh"} {
			if _, err := idemkeys.Get(ctx, db.Reader(), "p/ak", key); err != nil {
				t.Errorf("%s swept: %v", key, err)
			}
		}
	})
}
