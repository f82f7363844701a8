// Package jobs owns background work: the job queue (River, on the same
// database as the business data, so a job can be enqueued in the same
// transaction as the change that calls for it) and the periodic jobs every
// node schedules. River elects one leader across nodes, so a periodic job
// runs once however many nodes there are.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"partnercenter/internal/access"
	"partnercenter/internal/api/idemkeys"
	"partnercenter/internal/auth"
	"partnercenter/internal/coupon"
	"partnercenter/internal/exports"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/ratelimit"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// Runner is one node's job client.
type Runner struct {
	client *river.Client[*sql.Tx]
	log    *slog.Logger
}

func driver(db *store.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect == store.Postgres {
		return riverdatabasesql.New(db.WriterPool())
	}
	return riversqlite.New(db.WriterPool())
}

// Migrate creates or updates the job queue's tables.
func Migrate(ctx context.Context, db *store.DB) error {
	m, err := rivermigrate.New(driver(db), nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// Options tune a runner; zero values take the defaults.
type Options struct {
	// SessionCleanupEvery is how often expired sessions are removed.
	SessionCleanupEvery time.Duration
	// PollInterval is how often a node looks for new jobs.
	PollInterval time.Duration
}

// New builds a runner with every worker and periodic job of the partner
// center registered. Call Start to begin working.
func New(db *store.DB, log *slog.Logger, m *metrics.Metrics, opts Options) (*Runner, error) {
	if opts.SessionCleanupEvery == 0 {
		opts.SessionCleanupEvery = 10 * time.Minute
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = time.Second
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &sessionCleanupWorker{db: db, log: log, metrics: m})
	river.AddWorker(workers, &byIDWorker[ExportArgs]{db: db, metrics: m, run: exports.Run, timeout: 30 * time.Minute})
	river.AddWorker(workers, &byIDWorker[FundBatchArgs]{db: db, metrics: m, run: funds.RunBatch, timeout: 30 * time.Minute})
	river.AddWorker(workers, &byIDWorker[CouponBatchArgs]{db: db, metrics: m, run: coupon.RunBatch, timeout: 30 * time.Minute})
	river.AddWorker(workers, &housekeepingWorker{db: db, log: log, metrics: m})
	river.AddWorker(workers, &meteringWorker{db: db, log: log, metrics: m})
	river.AddWorker(workers, &incentivesWorker{db: db, log: log, metrics: m})
	river.AddWorker(workers, &deliveryWorker{db: db, log: log, metrics: m})
	client, err := river.NewClient(driver(db), &river.Config{
		Logger:            log.With("component", "jobs"),
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:           workers,
		FetchPollInterval: opts.PollInterval,
		// Polling works the same on both databases and across nodes; no node
		// depends on LISTEN/NOTIFY reaching it.
		PollOnly: true,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(opts.SessionCleanupEvery),
				func() (river.JobArgs, *river.InsertOpts) { return SessionCleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return HousekeepingArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(MeteringEvery),
				func() (river.JobArgs, *river.InsertOpts) { return MeteringArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(IncentivesEvery),
				func() (river.JobArgs, *river.InsertOpts) { return IncentivesArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(DeliveryEvery),
				func() (river.JobArgs, *river.InsertOpts) { return DeliveryArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
	})
	if err != nil {
		return nil, err
	}
	return &Runner{client: client, log: log}, nil
}

// Start begins fetching and working jobs until Stop.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop lets running jobs finish (until ctx ends) and stops fetching new ones.
func (r *Runner) Stop(ctx context.Context) error { return r.client.Stop(ctx) }

// Enqueue adds a job in the caller's transaction: it exists exactly when the
// business change that asked for it commits.
func (r *Runner) Enqueue(ctx context.Context, tx *store.Tx, args river.JobArgs) error {
	_, err := r.client.InsertTx(ctx, tx.SQL(), args, nil)
	return err
}

// SessionCleanupArgs is the periodic removal of expired sessions and old
// sign-in failures.
type SessionCleanupArgs struct{}

func (SessionCleanupArgs) Kind() string { return "session_cleanup" }

type sessionCleanupWorker struct {
	river.WorkerDefaults[SessionCleanupArgs]
	db      *store.DB
	log     *slog.Logger
	metrics *metrics.Metrics
}

func (w *sessionCleanupWorker) Work(ctx context.Context, job *river.Job[SessionCleanupArgs]) (err error) {
	defer count(w.metrics, job.Kind, &err)
	var removed int64
	err = w.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		removed, err = auth.DeleteExpired(ctx, tx)
		return err
	})
	if err == nil && removed > 0 {
		w.log.Info("expired sessions removed", "count", removed)
	}
	return err
}

// count records a finished job's outcome in the metrics.
func count(m *metrics.Metrics, kind string, err *error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if *err != nil {
		outcome = "error"
	}
	m.Jobs.WithLabelValues(kind, outcome).Inc()
}

// ExportArgs produces one export's file (exports.Run).
type ExportArgs struct {
	ID string `json:"id"`
}

func (ExportArgs) Kind() string    { return "export" }
func (a ExportArgs) runID() string { return a.ID }

// FundBatchArgs applies one confirmed batch 拨款/回收 (funds.RunBatch).
type FundBatchArgs struct {
	ID string `json:"id"`
}

func (FundBatchArgs) Kind() string    { return "fund_batch" }
func (a FundBatchArgs) runID() string { return a.ID }

// CouponBatchArgs issues one batch 发放 of coupons (coupon.RunBatch).
type CouponBatchArgs struct {
	ID string `json:"id"`
}

func (CouponBatchArgs) Kind() string    { return "coupon_batch" }
func (a CouponBatchArgs) runID() string { return a.ID }

// byIDArgs are the jobs that carry out one piece of work recorded in the
// database (an export, a batch) by its id.
type byIDArgs interface {
	river.JobArgs
	runID() string
}

// byIDWorker runs such a job with the capability's own Run function.
type byIDWorker[T byIDArgs] struct {
	river.WorkerDefaults[T]
	db      *store.DB
	metrics *metrics.Metrics
	run     func(ctx context.Context, db *store.DB, id string) error
	// timeout is generous: a million-row spreadsheet, or ten thousand
	// batch lines each in a transaction of its own, takes a while.
	timeout time.Duration
}

func (w *byIDWorker[T]) Work(ctx context.Context, job *river.Job[T]) (err error) {
	defer count(w.metrics, job.Kind, &err)
	return w.run(ctx, w.db, job.Args.runID())
}

func (w *byIDWorker[T]) Timeout(*river.Job[T]) time.Duration { return w.timeout }

// HousekeepingArgs is the minutely sweep: holds past their timeout are
// released, coupons activate and expire on time (quotas too), expired
// export files, old form tokens and refilled API rate-limit buckets are
// removed, unpaid orders time out and resources expire, reviews past their
// SLA are rejected and HO offers expire.
type HousekeepingArgs struct{}

func (HousekeepingArgs) Kind() string { return "housekeeping" }

type housekeepingWorker struct {
	river.WorkerDefaults[HousekeepingArgs]
	db      *store.DB
	log     *slog.Logger
	metrics *metrics.Metrics
}

func (w *housekeepingWorker) Work(ctx context.Context, job *river.Job[HousekeepingArgs]) (err error) {
	defer count(w.metrics, job.Kind, &err)
	var voided, coupons int
	var removed int64
	err = w.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if voided, err = ledger.VoidExpired(ctx, tx, 1000); err != nil {
			return err
		}
		if coupons, err = coupon.Sweep(ctx, tx, 1000); err != nil {
			return err
		}
		if _, err = funds.DeleteOldSubmissions(ctx, tx); err != nil {
			return err
		}
		if _, err = webhook.Sweep(ctx, tx, 1000); err != nil {
			return err
		}
		removed, err = exports.DeleteExpired(ctx, tx)
		return err
	})
	if err == nil {
		err = cloudLifecycle(ctx, w.db, w.log)
	}
	if err == nil {
		err = opportunityDeadlines(ctx, w.db, w.log)
	}
	idemkeys.Sweep(ctx, w.db, w.log)
	access.SweepSignatures(ctx, w.db, w.log)
	ratelimit.Sweep(ctx, w.db, w.log)
	if err == nil && voided+coupons+int(removed) > 0 {
		w.log.Info("housekeeping", "holds_released", voided, "coupon_changes", coupons, "exports_removed", removed)
	}
	return err
}
