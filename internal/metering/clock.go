package metering

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// The simulated clock: a deployment may run ahead of the wall clock by a
// stored offset (`partnercenter simulate --days N` advances it), so that a
// demo shows months of consumption. Every transaction's 'now' (store.DB.Now)
// is the wall clock plus the offset, on every node and command alike.

// ClockOffset reads the stored offset.
func ClockOffset(ctx context.Context, q store.Queryer) (time.Duration, error) {
	var us int64
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT offset_micros FROM sim_clock WHERE id = 1`).Scan(&us))
	if err == store.ErrNotFound {
		return 0, nil
	}
	return time.Duration(us) * time.Microsecond, err
}

// AdvanceClock moves the simulated clock forward by d and returns the new
// offset; the database's clock follows at once. The clock never runs
// backwards.
func AdvanceClock(ctx context.Context, db *store.DB, d time.Duration) (time.Duration, error) {
	if d <= 0 {
		return 0, apperr.Field("days", "metering.advance_positive", "the clock can only move forward")
	}
	var off time.Duration
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sim_clock SET offset_micros = offset_micros + ? WHERE id = 1`, d.Microseconds()); err != nil {
			return err
		}
		var err error
		off, err = ClockOffset(ctx, tx)
		return err
	})
	if err != nil {
		return 0, err
	}
	return off, RefreshClock(ctx, db)
}

// clocks keeps, per database handle, the offset its Now adds; refreshed by
// the metering job and by AdvanceClock, so a long-running server follows a
// simulate run without restarting.
var clocks sync.Map // *store.DB -> *atomic.Int64

// UseStoredClock makes the database's clock the wall clock plus the stored
// offset. Call it once, right after opening the database.
func UseStoredClock(ctx context.Context, db *store.DB) error {
	off, err := ClockOffset(ctx, db.Reader())
	if err != nil {
		return err
	}
	v := &atomic.Int64{}
	v.Store(int64(off))
	clocks.Store(db, v)
	db.Now = func() time.Time { return time.Now().Add(time.Duration(v.Load())) }
	return nil
}

// RefreshClock rereads the stored offset for a database using the stored clock.
func RefreshClock(ctx context.Context, db *store.DB) error {
	v, ok := clocks.Load(db)
	if !ok {
		return nil
	}
	off, err := ClockOffset(ctx, db.Reader())
	if err != nil {
		return err
	}
	v.(*atomic.Int64).Store(int64(off))
	return nil
}
