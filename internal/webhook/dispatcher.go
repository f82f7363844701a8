package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook/signature"
)

// Why a delivery was given up (Delivery.GaveUpReason).
const (
	GaveUpRetryWindow = "retry_window" // no 2xx answer within RetryWindow of the event (or the re-send)
	GaveUpGone        = "gone"         // the endpoint answered 410 Gone, which also disabled it
	GaveUpDisabled    = "disabled"     // the endpoint was disabled before the delivery was sent
)

// DefaultSchedule is the wait before each retry: exponential, then every
// few hours until the retry window closes. Each wait is jittered by ±20 %
// so that deliveries failed together do not retry together.
var DefaultSchedule = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute,
	30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 6 * time.Hour}

// Config tunes a Dispatcher; zero fields take the defaults.
type Config struct {
	Workers     int           // concurrent requests of this node; default 32
	PerEndpoint int           // concurrent requests to one endpoint, so a slow one cannot take every worker; default 8
	Timeout     time.Duration // one request, connection included; default 10 s
	Poll        time.Duration // how often to look for due deliveries when not woken; default 1 s
	Schedule    []time.Duration
	// Now is the clock of the delivery log and of the schedule; default the
	// database's clock.
	Now    func() time.Time
	Client *http.Client // default: Timeout, no redirects followed
}

// Environment variables that tune the dispatcher of serve.
const (
	EnvWorkers     = "PARTNERCENTER_WEBHOOK_WORKERS"      // concurrent requests per node
	EnvPerEndpoint = "PARTNERCENTER_WEBHOOK_PER_ENDPOINT" // concurrent requests per endpoint
	EnvTimeout     = "PARTNERCENTER_WEBHOOK_TIMEOUT"      // one request, a Go duration such as 10s
)

// ConfigFromEnv reads the overrides; an unparsable value is an error.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	for _, n := range []struct {
		name string
		dst  *int
	}{{EnvWorkers, &c.Workers}, {EnvPerEndpoint, &c.PerEndpoint}} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 1 {
				return c, fmt.Errorf("%s: %q is not a positive integer", n.name, v)
			}
			*n.dst = i
		}
	}
	if v := getenv(EnvTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%s: %q is not a positive duration", EnvTimeout, v)
		}
		c.Timeout = d
	}
	return c, nil
}

func (c *Config) defaults(db *store.DB) {
	if c.Workers <= 0 {
		c.Workers = 32
	}
	if c.PerEndpoint <= 0 {
		c.PerEndpoint = 8
	}
	c.PerEndpoint = min(c.PerEndpoint, c.Workers)
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if len(c.Schedule) == 0 {
		c.Schedule = DefaultSchedule
	}
	if c.Now == nil {
		c.Now = func() time.Time { return db.Now() }
	}
	if c.Client == nil {
		c.Client = &http.Client{
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				DialContext:         (&net.Dialer{Timeout: c.Timeout, KeepAlive: 30 * time.Second}).DialContext,
				MaxIdleConns:        c.Workers * 2,
				MaxIdleConnsPerHost: c.PerEndpoint,
				IdleConnTimeout:     90 * time.Second,
				TLSHandshakeTimeout: c.Timeout,
			},
			// A redirect is not a 2xx: the partner fixes its URL.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
}

// lease is how long a claimed delivery stays with its node: longer than a
// request and the recording of its result, so that only a node that died
// (or lost the database) lets its deliveries go to another.
func (c *Config) lease() time.Duration {
	return time.Duration(queueDepth+1)*c.Timeout + time.Minute
}

// Dispatcher sends due deliveries from the outbox: it claims them in
// batches under a lease (several nodes may run one each), POSTs them
// concurrently within its bounds, and records the results in batches.
type Dispatcher struct {
	db     *store.DB
	sealer *auth.Sealer
	log    *slog.Logger
	cfg    Config
	node   string

	wakeCh  chan struct{}
	slots   chan struct{} // one per request in flight on this node
	results chan result

	mu      sync.Mutex
	senders map[string]int   // endpoint id -> goroutines sending its queue, at most PerEndpoint
	queued  map[string][]job // endpoint id -> claimed deliveries not yet sent
	waiting int              // all of queued
	secrets sync.Map         // sealed secret -> secret in clear

	stop       context.CancelFunc
	abortSends context.CancelFunc
	loopDone   chan struct{}
	sends      sync.WaitGroup
	recordDone chan struct{}
}

// NewDispatcher builds a dispatcher; Start runs it.
func NewDispatcher(db *store.DB, sealer *auth.Sealer, log *slog.Logger, cfg Config) *Dispatcher {
	cfg.defaults(db)
	host, _ := os.Hostname()
	return &Dispatcher{db: db, sealer: sealer, log: log, cfg: cfg, node: host + "/" + ids.Token(6),
		wakeCh: make(chan struct{}, 1), slots: make(chan struct{}, cfg.Workers), results: make(chan result, cfg.Workers*4),
		senders: map[string]int{}, queued: map[string][]job{}}
}

func (d *Dispatcher) wake() {
	select {
	case d.wakeCh <- struct{}{}:
	default:
	}
}

// Start runs the dispatcher until Stop.
func (d *Dispatcher) Start(ctx context.Context) {
	ctx, d.stop = context.WithCancel(ctx)
	sendCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	d.abortSends = abort
	d.loopDone, d.recordDone = make(chan struct{}), make(chan struct{})
	wakers.Store(d, struct{}{})
	go d.record()
	go d.loop(ctx, sendCtx)
}

// Stop stops claiming, lets requests in flight finish until ctx ends (then
// aborts them; their deliveries are retried), and records every result.
func (d *Dispatcher) Stop(ctx context.Context) error {
	wakers.Delete(d)
	d.stop()
	<-d.loopDone
	done := make(chan struct{})
	go func() { d.sends.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		d.abortSends()
		<-done
	}
	// What was claimed but not sent goes back to the outbox now rather
	// than when its lease ends.
	d.mu.Lock()
	for ep, q := range d.queued {
		for _, j := range q {
			d.results <- result{job: j, at: d.cfg.Now(), aborted: true}
		}
		delete(d.queued, ep)
	}
	d.waiting = 0
	d.mu.Unlock()
	close(d.results)
	<-d.recordDone
	d.abortSends()
	return nil
}

func (d *Dispatcher) loop(ctx, sendCtx context.Context) {
	defer close(d.loopDone)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		n, err := d.claim(ctx, sendCtx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("webhook: claiming deliveries", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		timer.Reset(d.cfg.Poll)
		select {
		case <-ctx.Done():
			return
		case <-d.wakeCh:
		case <-timer.C:
		}
	}
}

// job is a claimed delivery with what sending it needs.
type job struct {
	id, eventID, endpointID, url string
	attempts                     int
	expires                      int64
	payload                      []byte
	secrets                      []string // the current secret first
	enabled                      bool
	token                        string // the lease owner written at claim
}

// result is the outcome of one job.
type result struct {
	job
	at       time.Time
	status   int
	err      string
	duration time.Duration
	response string
	aborted  bool // the node stopped mid-request: release, do not count
	skipped  bool // not sent: the endpoint is disabled
}

// claim leases due deliveries, as many as fit in this node's queues (four
// times its workers), and hands them to their endpoints' senders.
func (d *Dispatcher) claim(ctx, sendCtx context.Context) (int, error) {
	// Endpoints with a full queue are left out of the claim: what it took
	// of theirs would only go back.
	d.mu.Lock()
	free := min(4*d.cfg.Workers-d.waiting, maxClaim)
	var full []string
	for ep, q := range d.queued {
		if len(q) >= queuePerEndpoint(d.cfg) {
			full = append(full, ep)
		}
	}
	d.mu.Unlock()
	if free <= 0 {
		return 0, nil
	}
	now := d.cfg.Now()
	token := d.node + "/" + ids.Token(6)
	var jobs, kept []job
	err := d.db.InTx(ctx, func(tx *store.Tx) error {
		jobs = jobs[:0]
		skipLocked := ""
		if tx.Dialect() == store.Postgres {
			skipLocked = " FOR UPDATE SKIP LOCKED"
			if err := customPlans(ctx, tx); err != nil {
				return err
			}
		}
		leaseEnd := store.Micros(now.Add(d.cfg.lease()))
		args := []any{leaseEnd, leaseEnd, token, store.Micros(now)}
		exclude := ""
		if len(full) > 0 {
			var in string
			var more []any
			in, more = store.InList(full)
			exclude = " AND endpoint_id NOT IN " + in
			args = append(args, more...)
		}
		// The lease is also the next attempt time: a node that dies leaves
		// the delivery due again when its lease ends.
		rows, err := tx.QueryContext(ctx, `UPDATE webhook_deliveries SET leased_until = ?, next_attempt_at = ?, lease_owner = ?
			WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?`+exclude+`
				ORDER BY next_attempt_at LIMIT ?`+skipLocked+`)
			RETURNING id`, append(args, free)...)
		if err != nil {
			return err
		}
		var claimed []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			claimed = append(claimed, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(claimed) == 0 {
			return err
		}
		in, args := store.InList(claimed)
		rows, err = tx.QueryContext(ctx, `SELECT d.id, d.event_id, d.endpoint_id, d.attempts, d.expires_at, ev.payload,
				e.url, e.secret, e.previous_secret, e.previous_until, e.enabled
			FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.id IN `+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j job
			var payload, secret, previous string
			var previousUntil *int64
			if err := rows.Scan(&j.id, &j.eventID, &j.endpointID, &j.attempts, &j.expires, &payload, &j.url, &secret, &previous, &previousUntil, &j.enabled); err != nil {
				return err
			}
			j.payload, j.token = []byte(payload), token
			// A secret this node cannot open (sealed under another master
			// key) fails its deliveries, not the whole claim.
			if s, err := d.open(secret); err == nil {
				j.secrets = []string{s}
			}
			if previous != "" && previousUntil != nil && *previousUntil > store.Micros(now) {
				if s, err := d.open(previous); err == nil {
					j.secrets = append(j.secrets, s)
				}
			}
			jobs = append(jobs, j)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// An endpoint's queue holds at most queuePerEndpoint deliveries;
		// the rest go back to the outbox as they were, and the endpoint is
		// left out of the claims until its queue has room, so that one slow
		// endpoint holds neither the queues nor its leases too long.
		kept = kept[:0]
		var over []string
		d.mu.Lock()
		adding := map[string]int{}
		for _, j := range jobs {
			if len(d.queued[j.endpointID])+adding[j.endpointID] < queuePerEndpoint(d.cfg) {
				adding[j.endpointID]++
				kept = append(kept, j)
			} else {
				over = append(over, j.id)
			}
		}
		d.mu.Unlock()
		if len(over) > 0 {
			in, args := store.InList(over)
			_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET leased_until = NULL, lease_owner = '', next_attempt_at = ? WHERE id IN `+in,
				append([]any{store.Micros(now)}, args...)...)
			return err
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, j := range kept {
		ep := j.endpointID
		d.queued[ep] = append(d.queued[ep], j)
		d.waiting++
		if d.senders[ep] < d.cfg.PerEndpoint {
			d.senders[ep]++
			d.sends.Add(1)
			go d.send(sendCtx, ep)
		}
	}
	return len(kept), nil
}

// queuePerEndpoint bounds the claimed deliveries of one endpoint waiting
// for a free request: at most a few timeouts' wait, well within the lease.
func queuePerEndpoint(c Config) int { return queueDepth * c.PerEndpoint }

// queueDepth is how many deliveries per sender an endpoint's queue holds:
// enough that a fast endpoint is fed by few, large claims, each a
// transaction; a slow one waits at most this many timeouts, within the
// lease.
const queueDepth = 12

// customPlans has PostgreSQL plan this transaction's statements for their
// arguments: a generic plan made while the outbox was nearly empty scans
// it whole once it holds thousands of deliveries.
func customPlans(ctx context.Context, tx *store.Tx) error {
	_, err := tx.ExecContext(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`)
	return err
}

// maxClaim bounds one claim, within store.InList's padding.
const maxClaim = 128

func (d *Dispatcher) open(sealed string) (string, error) {
	if s, ok := d.secrets.Load(sealed); ok {
		return s.(string), nil
	}
	s, err := d.sealer.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("webhook: opening an endpoint's secret: %w", err)
	}
	d.secrets.Store(sealed, s)
	return s, nil
}

// send is one of an endpoint's senders: it POSTs the endpoint's queued
// deliveries one after the other, each within a node-wide worker slot,
// and hands the results to the recorder.
func (d *Dispatcher) send(ctx context.Context, ep string) {
	defer d.sends.Done()
	for {
		d.mu.Lock()
		q := d.queued[ep]
		if len(q) == 0 || ctx.Err() != nil {
			if d.senders[ep]--; d.senders[ep] <= 0 {
				delete(d.senders, ep)
			}
			if len(q) == 0 {
				delete(d.queued, ep)
			}
			d.mu.Unlock()
			d.wake()
			return
		}
		j := q[0]
		d.queued[ep] = q[1:]
		d.waiting--
		half := len(q)-1 == queuePerEndpoint(d.cfg)/2
		d.mu.Unlock()
		if half {
			// Claim more while this queue still feeds its senders.
			d.wake()
		}
		r := result{job: j}
		select {
		case d.slots <- struct{}{}:
			r.at = d.cfg.Now()
			if !j.enabled {
				r.skipped = true
			} else {
				d.post(ctx, &r)
			}
			<-d.slots
		case <-ctx.Done():
			r.at, r.aborted = d.cfg.Now(), true
		}
		d.results <- r
	}
}

func (d *Dispatcher) post(ctx context.Context, r *result) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	start := time.Now()
	defer func() { r.duration = time.Since(start) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(r.payload))
	if err != nil {
		r.err = err.Error()
		return
	}
	if len(r.secrets) == 0 {
		r.err = "the signing secret cannot be read with this node's master key: rotate the endpoint's secret"
		return
	}
	sigs := make([]string, 0, len(r.secrets))
	for _, s := range r.secrets {
		sig, err := signature.Sign(s, r.eventID, r.at, r.payload)
		if err != nil {
			r.err = err.Error()
			return
		}
		sigs = append(sigs, sig)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "partnercenter-webhook/1")
	req.Header.Set(signature.HeaderID, r.eventID)
	req.Header.Set(signature.HeaderTimestamp, fmt.Sprint(r.at.Unix()))
	req.Header.Set(signature.HeaderSignature, strings.Join(sigs, " "))
	resp, err := d.cfg.Client.Do(req)
	if err != nil {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			r.err = fmt.Sprintf("no answer within %s", d.cfg.Timeout)
		case ctx.Err() != nil:
			r.aborted = true
		default:
			r.err = trimError(err)
		}
		return
	}
	defer resp.Body.Close()
	r.status = resp.StatusCode
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	r.response = strings.ToValidUTF8(string(head), "")
	// Read a little more so the connection can be reused; a receiver that
	// answers megabytes is not waited for.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		r.err = "HTTP " + resp.Status
	}
}

// trimError keeps the part of a transport error a partner can act on
// (connection refused, reset, unknown host) without Go's wrapping.
func trimError(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": dial "); i >= 0 {
		s = s[i+2:]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// record writes results in batches: one transaction for whatever arrived
// while the previous one was written.
func (d *Dispatcher) record() {
	defer close(d.recordDone)
	for r := range d.results {
		batch := []result{r}
	more:
		for len(batch) < 256 {
			select {
			case r, ok := <-d.results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		for attempt := 0; ; attempt++ {
			err := d.write(context.Background(), batch)
			if err == nil {
				break
			}
			// The deliveries stay leased; written later, or retried by
			// whichever node claims them when the lease ends.
			d.log.Error("webhook: recording delivery results", "err", err, "results", len(batch))
			if attempt == 2 {
				break
			}
			time.Sleep(time.Second)
		}
	}
}

// next decides a failed attempt's follow-up: the time of the next attempt,
// or the zero time when the retry window closes first.
func (d *Dispatcher) next(attempts int, at time.Time, expires int64) time.Time {
	wait := d.cfg.Schedule[min(attempts-1, len(d.cfg.Schedule)-1)]
	wait = time.Duration(float64(wait) * (0.8 + 0.4*rand.Float64()))
	t := at.Add(wait)
	if store.Micros(t) > expires {
		return time.Time{}
	}
	return t
}

func (d *Dispatcher) write(ctx context.Context, batch []result) error {
	return d.db.InTx(ctx, func(tx *store.Tx) error {
		if tx.Dialect() == store.Postgres {
			if err := customPlans(ctx, tx); err != nil {
				return err
			}
		}
		var attempts, updates [][]any
		for _, r := range batch {
			now := store.Micros(r.at)
			if r.aborted {
				if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET leased_until = NULL, lease_owner = '', next_attempt_at = ?
					WHERE id = ? AND lease_owner = ?`, now, r.id, r.token); err != nil {
					return err
				}
				continue
			}
			if r.skipped {
				if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, leased_until = NULL, lease_owner = '', gave_up_reason = ?, updated_at = ?
					WHERE id = ? AND lease_owner = ?`, StatusFailed, GaveUpDisabled, now, r.id, r.token); err != nil {
					return err
				}
				continue
			}
			n := r.attempts + 1
			status, reason, next := StatusSucceeded, "", now
			if r.err != "" {
				status = StatusPending
				if r.status == http.StatusGone {
					status, reason = StatusFailed, GaveUpGone
				} else if t := d.next(n, r.at, r.expires); t.IsZero() {
					status, reason = StatusFailed, GaveUpRetryWindow
				} else {
					next = store.Micros(t)
				}
			}
			ms := r.duration.Milliseconds()
			updates = append(updates, []any{r.id, r.token, status, next, r.status, r.err, ms, now, reason})
			// The attempt happened whether or not this node still held the
			// lease: the log shows it either way.
			attempts = append(attempts, []any{ids.New(), r.id, now, r.status, r.err, ms, r.response})
			if r.status == http.StatusGone {
				if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = ?`,
					false, "410 Gone", now, r.endpointID, true); err != nil {
					return err
				}
			}
		}
		if len(attempts) == 0 {
			return nil
		}
		// Only the node holding the lease records the outcome; one that lost
		// it (it outlived its lease) leaves the delivery to the new holder.
		if err := store.ExecRows(ctx, tx, `WITH v (id, token, status, next_at, code, err, ms, at, reason) AS (VALUES `,
			`(?, ?, ?, CAST(? AS BIGINT), CAST(? AS INTEGER), ?, CAST(? AS BIGINT), CAST(? AS BIGINT), ?)`,
			`) UPDATE webhook_deliveries SET status = v.status, attempts = attempts + 1, next_attempt_at = v.next_at, leased_until = NULL,
				lease_owner = '', last_status_code = v.code, last_error = v.err, last_duration_ms = v.ms, last_attempt_at = v.at,
				gave_up_reason = v.reason, updated_at = v.at
			FROM v WHERE webhook_deliveries.id = v.id AND webhook_deliveries.lease_owner = v.token`, updates); err != nil {
			return err
		}
		return store.ExecRows(ctx, tx, `INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, error, duration_ms, response) VALUES `,
			`(?, ?, ?, ?, ?, ?, ?)`, "", attempts)
	})
}
