package store

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Notifications between nodes. A node that keeps a copy of rows another
// node may change (the API's access keys) learns of each change from
// PostgreSQL's NOTIFY, which a trigger sends in the changing transaction
// and PostgreSQL delivers when it commits. The copy is only as good as the
// delivery, so a Listener says whether it is known to be hearing
// everything: it sends itself a heartbeat through the ordinary connection
// pool every heartbeatEvery and counts itself deaf when one has not come
// back within deafAfter (a lost connection, a PostgreSQL restart, a
// transaction-pooling proxy that cannot carry LISTEN). Whatever it may have
// missed, it tells its handler to forget everything (Reset) when it starts
// hearing again.

const (
	heartbeatEvery = time.Second
	deafAfter      = 3 * time.Second
	heartbeatTag   = "heartbeat " // heartbeat payloads; other payloads never contain a space
)

// ListenHandler receives a channel's notifications.
type ListenHandler struct {
	// Notify is called with each notification's payload, in order.
	Notify func(payload string)
	// Reset is called when notifications may have been missed: every copy
	// must be dropped.
	Reset func()
}

// Listener hears one channel on a connection of its own.
type Listener struct {
	db      *DB
	channel string
	h       ListenHandler
	nonce   string
	heard   atomic.Int64 // unix nanoseconds of the last heartbeat heard; 0: deaf
	stop    context.CancelFunc
	done    chan struct{}
}

// Listen starts hearing channel on PostgreSQL; it returns nil on SQLite,
// where one process is the only writer and there is nobody to hear. The
// listener stops when the DB closes.
func (db *DB) Listen(channel string, h ListenHandler) *Listener {
	if db.Dialect != Postgres || db.dsn == "" {
		return nil
	}
	ctx, stop := context.WithCancel(context.Background())
	l := &Listener{db: db, channel: channel, h: h, nonce: strconv.FormatInt(time.Now().UnixNano(), 36), stop: stop, done: make(chan struct{})}
	db.listenersMu.Lock()
	db.listeners = append(db.listeners, l)
	db.listenersMu.Unlock()
	go l.run(ctx)
	return l
}

// Hearing reports whether every notification sent since the last Reset has
// been delivered: a heartbeat came back within deafAfter. A nil Listener
// hears nothing.
func (l *Listener) Hearing() bool {
	if l == nil {
		return false
	}
	last := l.heard.Load()
	return last != 0 && time.Since(time.Unix(0, last)) < deafAfter
}

func (l *Listener) close() {
	l.stop()
	<-l.done
}

func (l *Listener) run(ctx context.Context) {
	defer close(l.done)
	for backoff := 100 * time.Millisecond; ctx.Err() == nil; backoff = min(2*backoff, 5*time.Second) {
		if err := l.session(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("store: listening for notifications", "channel", l.channel, "err", err)
		}
		l.deaf()
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
	}
}

// deaf marks the listener as not hearing and drops every copy.
func (l *Listener) deaf() {
	l.heard.Store(0)
	l.h.Reset()
}

// session listens on one connection until it fails or ctx ends.
func (l *Listener) session(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, l.db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize()); err != nil {
		return err
	}
	var sent time.Time
	for {
		if time.Since(sent) >= heartbeatEvery {
			sent = time.Now()
			if err := l.heartbeat(ctx); err != nil {
				return err
			}
		}
		if time.Since(time.Unix(0, l.heard.Load())) >= deafAfter && l.heard.Load() != 0 {
			// Heartbeats stopped coming back on a connection that still
			// answers: something between drops notifications.
			return errors.New("heartbeats are not coming back")
		}
		wait, cancel := context.WithTimeout(ctx, heartbeatEvery)
		n, err := conn.WaitForNotification(wait)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) {
				continue
			}
			return err
		}
		if tag, ok := strings.CutPrefix(n.Payload, heartbeatTag); ok {
			if tag == l.nonce {
				if l.heard.Load() == 0 {
					// Hearing again: whatever changed while deaf is
					// forgotten before anyone may rely on a copy.
					l.h.Reset()
				}
				l.heard.Store(time.Now().UnixNano())
			}
			continue
		}
		l.h.Notify(n.Payload)
	}
}

// heartbeat sends this listener's heartbeat through the ordinary pool, the
// way other nodes' notifications travel.
func (l *Listener) heartbeat(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, deafAfter)
	defer cancel()
	_, err := l.db.write.ExecContext(ctx, "SELECT pg_notify($1, $2)", l.channel, heartbeatTag+l.nonce)
	return err
}

// listenerSet is the DB's listeners, closed with it.
type listenerSet struct {
	listenersMu sync.Mutex
	listeners   []*Listener
}

func (s *listenerSet) closeListeners() {
	s.listenersMu.Lock()
	ls := s.listeners
	s.listeners = nil
	s.listenersMu.Unlock()
	for _, l := range ls {
		l.close()
	}
}
