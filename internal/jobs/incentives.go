package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"partnercenter/internal/bill"
	"partnercenter/internal/incentive"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/store"
)

// IncentivesEvery is how often partners' incentives are recomputed: this
// month's estimate follows consumption within the hour, and the month just
// ended turns to confirm soon after it ends.
const IncentivesEvery = time.Hour

// IncentivesArgs is the periodic incentive calculation (incentive.CalculateMonth).
type IncentivesArgs struct{}

func (IncentivesArgs) Kind() string { return "incentives" }

type incentivesWorker struct {
	river.WorkerDefaults[IncentivesArgs]
	db      *store.DB
	log     *slog.Logger
	metrics *metrics.Metrics
}

// Timeout allows a large month (the benchmark's million customers) to finish.
func (w *incentivesWorker) Timeout(*river.Job[IncentivesArgs]) time.Duration { return 30 * time.Minute }

func (w *incentivesWorker) Work(ctx context.Context, job *river.Job[IncentivesArgs]) (err error) {
	defer count(w.metrics, job.Kind, &err)
	return calculateIncentives(ctx, w.db, w.log)
}

// calculateIncentives recomputes last month, then this month: a month's
// carry comes from the one before, and last month's consumption may still
// grow (refunds, late metering) until its partners confirm it. Confirmed
// months are left alone by the calculation itself.
func calculateIncentives(ctx context.Context, db *store.DB, log *slog.Logger) error {
	this := bill.MonthOf(db.Now())
	for _, m := range []bill.Month{this.Add(-1), this} {
		res, err := incentive.CalculateMonth(ctx, db, m)
		if err != nil {
			return err
		}
		if res.Computed+res.Frozen > 0 {
			log.Info("incentives", "month", m.String(), "computed", res.Computed, "confirmed", res.Frozen)
		}
	}
	return nil
}
