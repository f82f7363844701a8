// Package ratelimit owns the partner API's request rate limits: a token
// bucket per access key and operation. On PostgreSQL the buckets live in the
// database (table api_rate_buckets), so every node of a cluster draws on the
// same ones and a key gets its limit whichever node its requests reach; on
// SQLite, which serves a single node, they live in the node's memory.
package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/store"
)

// Limit is one operation's limit: a sustained rate and the number of
// requests that may come at once.
type Limit struct {
	Rate  float64 // requests per second; 0 or less: no limit
	Burst int     // at least 1
}

// Limiter decides whether a request may go on.
type Limiter interface {
	// Allow takes one request from the bucket of the access key and
	// operation. When the bucket is empty it answers false and how long
	// until a request would be allowed.
	Allow(ctx context.Context, key, operation string, l Limit) (ok bool, retryAfter time.Duration)
}

// New returns the limiter for db: shared through the database on
// PostgreSQL, in memory on SQLite. m (may be nil) counts the checks that
// could not reach the database; log (may be nil) reports them.
func New(db *store.DB, m *metrics.Metrics, log *slog.Logger) Limiter {
	if db.Dialect == store.Postgres {
		return NewPostgres(db, m, log)
	}
	return NewMemory()
}

// Memory keeps the buckets in this process; a node on its own.
type Memory struct {
	m sync.Map // key "\x00" operation → *rate.Limiter
}

// NewMemory returns an empty in-memory limiter.
func NewMemory() *Memory { return &Memory{} }

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key, operation string, l Limit) (bool, time.Duration) {
	if l.Rate <= 0 {
		return true, 0
	}
	burst := max(l.Burst, 1)
	id := key + "\x00" + operation
	v, ok := m.m.Load(id)
	if !ok {
		v, _ = m.m.LoadOrStore(id, rate.NewLimiter(rate.Limit(l.Rate), burst))
	}
	lim := v.(*rate.Limiter)
	if lim.Limit() != rate.Limit(l.Rate) || lim.Burst() != burst {
		lim.SetLimit(rate.Limit(l.Rate))
		lim.SetBurst(burst)
	}
	now := time.Now()
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		// Not taken: a refused request does not push the next one back.
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
