package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"partnercenter/internal/delivery"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/store"
)

// DeliveryEvery is how often the delivery job looks whether a sampling run is
// due; the run itself follows the interval configured in the back office
// (delivery.Settings, 30 days by default).
const DeliveryEvery = time.Hour

// DeliveryArgs is the periodic delivery job: register the projects of won
// opportunities that have none, then sample accepted projects when due.
type DeliveryArgs struct{}

func (DeliveryArgs) Kind() string { return "delivery" }

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	db      *store.DB
	log     *slog.Logger
	metrics *metrics.Metrics
}

func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) (err error) {
	defer count(w.metrics, job.Kind, &err)
	return runDelivery(ctx, w.db, w.log)
}

func runDelivery(ctx context.Context, db *store.DB, log *slog.Logger) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		registered, err := delivery.RegisterWon(ctx, tx)
		if err != nil {
			return err
		}
		run, err := delivery.SampleIfDue(ctx, tx)
		if err != nil {
			return err
		}
		if registered > 0 {
			log.Info("delivery projects registered", "count", registered)
		}
		if run != nil {
			log.Info("delivery sampling run", "run", run.Code, "seed", run.Seed, "candidates", run.CandidateCount(), "drawn", run.DrawnCount())
		}
		return nil
	})
}
