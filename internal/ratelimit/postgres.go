package ratelimit

import (
	"context"
	"database/sql"
	"errors"
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
// written as one number. One INSERT … ON CONFLICT DO UPDATE … RETURNING
// decides and records: one round trip per request, and the row lock of the
// upsert serialises a key's concurrent requests, from whichever node. Time
// is the database's clock_timestamp(), read after the row lock is held, so
// the nodes' clocks do not matter.
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
	p.failed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "partnercenter_api_rate_limit_errors_total",
		Help: "API rate-limit checks that could not reach the database; each let its request through.",
	})
	if m != nil {
		if err := m.Registry.Register(p.failed); err != nil {
			// A second API on the same registry (tests mount several)
			// counts on the first one's counter.
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				p.failed = are.ExistingCollector.(prometheus.Counter)
			}
		}
	}
	return p
}

// takeSQL is the whole decision. $3 is T and $4 the capacity burst·T, both
// in microseconds; it returns the decision and tat − now.
const takeSQL = `INSERT INTO api_rate_buckets AS b (key_id, operation, tat, allowed)
VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint + $3, true)
ON CONFLICT (key_id, operation) DO UPDATE SET (tat, allowed) = (
    SELECT CASE WHEN n.next - n.now <= $4 THEN n.next ELSE b.tat END, n.next - n.now <= $4
    FROM (SELECT greatest(b.tat, c.now) + $3 AS next, c.now
          FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now) c) n)
RETURNING allowed, tat - (extract(epoch FROM clock_timestamp()) * 1000000)::bigint`

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
	var ahead int64 // tat − now, microseconds
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
	// Allowed again once tat + T − capacity is reached.
	wait := ahead + interval - capacity
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
	const now = `(extract(epoch FROM clock_timestamp()) * 1000000)::bigint`
	_, err := db.WriterPool().ExecContext(ctx, `DELETE FROM api_rate_buckets WHERE (key_id, operation) IN
		(SELECT key_id, operation FROM api_rate_buckets WHERE tat < `+now+` LIMIT 10000) AND tat < `+now)
	if err != nil {
		log.Warn("housekeeping: sweeping API rate-limit buckets", "err", err)
	}
}
