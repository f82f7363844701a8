package metering_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/metering"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestStoredClockAdvances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := metering.UseStoredClock(ctx, db); err != nil {
			t.Fatal(err)
		}
		if d := db.Now().Sub(time.Now()); d < -time.Second || d > time.Second {
			t.Fatalf("a fresh deployment's clock is off by %s", d)
		}
		if _, err := metering.AdvanceClock(ctx, db, -time.Hour); err == nil {
			t.Fatal("the clock moved backwards")
		}
		off, err := metering.AdvanceClock(ctx, db, 3*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if off != 3*24*time.Hour {
			t.Fatalf("offset %s", off)
		}
		if d := db.Now().Sub(time.Now().Add(off)); d < -time.Second || d > time.Second {
			t.Fatalf("the clock is %s away from the wall clock + 3 days", d)
		}
		var at int64
		if err := db.InTx(ctx, func(tx *store.Tx) error { at = store.Micros(tx.Now); return nil }); err != nil {
			t.Fatal(err)
		}
		if time.Until(store.Time(at)) < 71*time.Hour {
			t.Fatal("transactions do not run on the simulated clock")
		}
	})
}

// Two runs at once (two nodes, or a simulation beside the job) charge each
// hour once.
func TestConcurrentRunsChargeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		if _, err := metering.Load(ctx, db, metering.LoadSpec{Partner: "both", Customers: 12, Resources: 5, Funding: 1000_00, Start: start}); err != nil {
			t.Fatal(err)
		}
		at := start.Add(30 * time.Hour)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = metering.Run(ctx, db, at, metering.Options{Customers: 3, Window: 6 * time.Hour})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var n, distinct int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT ref) FROM fee_records`).Scan(&n, &distinct); err != nil {
			t.Fatal(err)
		}
		if n != 12*5*30 || distinct != n {
			t.Fatalf("%d records (%d distinct), want %d", n, distinct, 12*5*30)
		}
		checkLedger(t, db)
	})
}
