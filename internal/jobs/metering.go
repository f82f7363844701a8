package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"partnercenter/internal/metering"
	"partnercenter/internal/order"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/store"
)

// MeteringEvery is how often the metering job runs: each run charges the
// pay-per-use hours that ended since the last one, so an hour is charged
// at most this long after it ends.
const MeteringEvery = 15 * time.Minute

// MeteringArgs is the periodic metering of pay-per-use resources
// (metering.Run up to the current hour, arrears settled and frozen).
type MeteringArgs struct{}

func (MeteringArgs) Kind() string { return "metering" }

type meteringWorker struct {
	river.WorkerDefaults[MeteringArgs]
	db      *store.DB
	log     *slog.Logger
	metrics *metrics.Metrics
}

// Timeout is generous: a node that was down for days catches up on every
// hour in one run (it resumes where it stopped if interrupted).
func (w *meteringWorker) Timeout(*river.Job[MeteringArgs]) time.Duration { return 2 * time.Hour }

func (w *meteringWorker) Work(ctx context.Context, job *river.Job[MeteringArgs]) (err error) {
	defer count(w.metrics, job.Kind, &err)
	// A simulation run by `partnercenter simulate` moves the clock; follow it.
	if err := metering.RefreshClock(ctx, w.db); err != nil {
		return err
	}
	grace, err := metering.GraceFromEnv()
	if err != nil {
		return err
	}
	res, err := metering.Run(ctx, w.db, w.db.Now(), metering.Options{Grace: grace})
	if res.ResourceHours+res.Settled > 0 || res.Frozen+res.Unfrozen > 0 {
		w.log.Info("metering", "resource_hours", res.ResourceHours, "amount", res.Amount, "debt", res.Debt,
			"settled", res.Settled, "frozen", res.Frozen, "unfrozen", res.Unfrozen)
	}
	return err
}

// cloudLifecycle is the cloud's part of housekeeping: unpaid orders past
// their deadline are cancelled, yearly/monthly resources renewed, expired
// and released on time.
func cloudLifecycle(ctx context.Context, db *store.DB, log *slog.Logger) error {
	var cancelled int
	var lc order.LifecycleResult
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if cancelled, err = order.CancelOverdue(ctx, tx, 1000); err != nil {
			return err
		}
		lc, err = order.RunLifecycle(ctx, tx, 1000)
		return err
	})
	if err == nil && cancelled+lc.Renewed+lc.Expired+lc.Released > 0 {
		log.Info("cloud lifecycle", "orders_cancelled", cancelled, "renewed", lc.Renewed, "expired", lc.Expired, "released", lc.Released)
	}
	return err
}
