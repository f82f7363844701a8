package ratelimit

import (
	"context"
	"database/sql"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/store"
)

// Postgres keeps the buckets in api_rate_buckets, shared by every node.
//
// A bucket is stored as GCRA's theoretical arrival time (tat): with an
// emission interval T = 1/rate and a capacity of burst·T, a request at now
// is allowed when max(tat, now) + T − now ≤ burst·T, and then moves tat to
// max(tat, now) + T; a refused request leaves tat alone. This is the token
// bucket of golang.org/x/time/rate (full at burst, refilled at rate),
// written as one number. One statement decides and records: one round trip
// per request, and the row lock of its upsert serialises a key's
// concurrent requests, from whichever node. Time is the database's
// clock_timestamp(), read once the row lock is held, so the nodes' clocks
// do not matter.
//
// A refused request writes nothing (the upsert's WHERE fails; the row is
// only locked): a client hammering past its limit makes no new row
// versions, so the versions a long transaction elsewhere keeps from being
// cleaned up grow at most at the allowed rate.
type Postgres struct {
	db      *sql.DB
	timeout time.Duration
	log     *slog.Logger
	failed  prometheus.Counter
	// lastLog limits the warnings while the database is unreachable to
	// one a minute (unix nanoseconds of the last one).
	lastLog atomic.Int64
}

// Timeout bounds one check; past it the request is let through.
const Timeout = time.Second

// NewPostgres returns the shared limiter on db, which must be PostgreSQL.
func NewPostgres(db *store.DB, m *metrics.Metrics, log *slog.Logger) *Postgres {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Postgres{db: db.WriterPool(), timeout: Timeout, log: log}
	p.failed = metrics.Register(m, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "partnercenter_api_rate_limit_errors_total",
		Help: "API rate-limit checks that could not reach the database; each let its request through.",
	}))
	return p
}

// takeSQL is the whole decision. $3 is T and $4 the capacity burst·T, both
// in microseconds. A new bucket is allowed; an existing one when
// tat − now ≤ capacity − T, the condition above. It returns whether the
// request was allowed and, when not, tat − now as the statement's snapshot
// has it (NULL if the row is newer than the snapshot): only the wait
// reported is approximate, never the decision.
const takeSQL = `WITH up AS (
    INSERT INTO api_rate_buckets AS b (key_id, operation, tat)
    VALUES ($1, $2, ` + nowMicros + ` + $3)
    ON CONFLICT (key_id, operation) DO UPDATE SET tat = greatest(b.tat, ` + nowMicros + `) + $3
    WHERE b.tat - ` + nowMicros + ` <= $4 - $3
    RETURNING 1)
SELECT EXISTS (SELECT FROM up), CASE WHEN EXISTS (SELECT FROM up) THEN NULL
    ELSE (SELECT tat - ` + nowMicros + ` FROM api_rate_buckets WHERE key_id = $1 AND operation = $2) END`

// nowMicros is the database's clock in microseconds since the epoch.
const nowMicros = `(extract(epoch FROM clock_timestamp()) * 1000000)::bigint`

// Allow implements Limiter. When the database does not answer within
// Timeout the request is allowed and counted: an outage of the shared state
// must not refuse every call of every partner.
func (p *Postgres) Allow(ctx context.Context, key, operation string, l Limit) (bool, time.Duration) {
	if l.Rate <= 0 {
		return true, 0
	}
	interval, capacity := intervals(l)
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var ok bool
	var ahead sql.NullInt64 // tat − now, microseconds
	if err := p.db.QueryRowContext(ctx, takeSQL, key, operation, interval, capacity).Scan(&ok, &ahead); err != nil {
		p.failed.Inc()
		now := time.Now().UnixNano()
		if last := p.lastLog.Load(); now-last > int64(time.Minute) && p.lastLog.CompareAndSwap(last, now) {
			p.log.Warn("api rate limit: the shared state is unreachable; requests are let through", "err", err)
		}
		return true, 0
	}
	if ok {
		return true, 0
	}
	// Allowed again once tat + T − capacity is reached; without tat, after
	// one interval.
	wait := interval
	if ahead.Valid {
		wait = ahead.Int64 + interval - capacity
	}
	return false, time.Duration(min(max(wait, 1), int64(maxWait/time.Microsecond))) * time.Microsecond
}

// maxWait caps the wait reported for a rate so low it is a refusal.
const maxWait = 24 * time.Hour

// intervals converts a limit to GCRA's emission interval and capacity in
// microseconds.
func intervals(l Limit) (interval, capacity int64) {
	interval = int64(math.Round(1e6 / l.Rate))
	interval = max(interval, 1)
	burst := int64(max(l.Burst, 1))
	if interval > math.MaxInt64/4/burst {
		// A rate so low it is a refusal: keep the arithmetic in range.
		interval = math.MaxInt64 / 4 / burst
	}
	return interval, interval * burst
}

// Sweep deletes buckets that have filled up again (tat in the past), a
// bounded number per run; such a row means the same as no row, so nothing
// changes for any key. A bucket updated meanwhile is kept: the DELETE
// checks tat again on the row it locks. The housekeeping job calls it and
// a failure is logged rather than failing the housekeeping. SQLite keeps
// no buckets in the table.
func Sweep(ctx context.Context, db *store.DB, log *slog.Logger) {
	if db.Dialect != store.Postgres {
		return
	}
	_, err := db.WriterPool().ExecContext(ctx, `DELETE FROM api_rate_buckets WHERE (key_id, operation) IN
		(SELECT key_id, operation FROM api_rate_buckets WHERE tat < `+nowMicros+` LIMIT 10000) AND tat < `+nowMicros)
	if err != nil {
		log.Warn("housekeeping: sweeping API rate-limit buckets", "err", err)
	}
}
