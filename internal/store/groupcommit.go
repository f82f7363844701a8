package store

import (
	"context"
	"fmt"
	"time"
)

// Group commit for SQLite. SQLite has one writer, and with synchronous=FULL
// every commit waits for the disk: one transaction per commit caps writes at
// a few thousand a second whatever the number of cores. The committer runs
// the transactions that arrive while a commit is in progress together in the
// next one, each inside a savepoint: a transaction that fails is rolled back
// to its savepoint and the others go on, and none is acknowledged before the
// shared commit is durable. Serialisation is unchanged, since the
// transactions still run one after another on the one connection.

// maxGroup bounds how many transactions share one commit, so one commit's
// latency stays bounded under any load.
const maxGroup = 64

type groupReq struct {
	ctx  context.Context
	now  func() time.Time
	fn   func(tx *Tx) error
	done chan error
}

type committer struct {
	db   *DB
	reqs chan *groupReq
	stop chan struct{}
	quit chan struct{}
}

func newCommitter(db *DB) *committer {
	c := &committer{db: db, reqs: make(chan *groupReq, 1024), stop: make(chan struct{}), quit: make(chan struct{})}
	go c.loop()
	return c
}

func (c *committer) close() {
	close(c.stop)
	<-c.quit
}

func (c *committer) submit(ctx context.Context, now func() time.Time, fn func(tx *Tx) error) error {
	r := &groupReq{ctx: ctx, now: now, fn: fn, done: make(chan error, 1)}
	select {
	case c.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stop:
		return fmt.Errorf("store: database closed")
	}
	// Once submitted, the request is waited for even if ctx ends, so the
	// caller never returns while its transaction may still commit.
	return <-r.done
}

func (c *committer) loop() {
	defer close(c.quit)
	batch := make([]*groupReq, 0, maxGroup)
	for {
		select {
		case <-c.stop:
			return
		case r := <-c.reqs:
			batch = append(batch[:0], r)
		}
	drain:
		for len(batch) < maxGroup {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		c.run(batch)
		c.db.writeStmts.preparePending(context.Background())
	}
}

// run executes one group in one transaction and answers every request.
func (c *committer) run(batch []*groupReq) {
	ctx := context.Background()
	results := make([]error, len(batch))
	txs := make([]*Tx, len(batch))
	sqlTx, err := c.db.write.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.done <- translate(err)
		}
		return
	}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT grp"); err != nil {
			results[i] = translate(err)
			continue
		}
		tx := &Tx{tx: sqlTx, dialect: SQLite, Now: r.now().UTC(), stmts: c.db.writeStmts, watches: &c.db.watches}
		err := runGuarded(r.fn, tx)
		if err != nil {
			if _, rbErr := sqlTx.ExecContext(ctx, "ROLLBACK TO grp"); rbErr != nil {
				// The transaction is unusable: fail the whole group.
				_ = sqlTx.Rollback()
				for _, r := range batch {
					r.done <- translate(rbErr)
				}
				return
			}
		}
		if _, relErr := sqlTx.ExecContext(ctx, "RELEASE grp"); relErr != nil && err == nil {
			err = translate(relErr)
		}
		results[i], txs[i] = err, tx
	}
	if err := sqlTx.Commit(); err != nil {
		err = translate(err)
		for i, r := range batch {
			if results[i] == nil {
				results[i] = err
			}
			r.done <- results[i]
		}
		return
	}
	for i, r := range batch {
		if results[i] == nil && txs[i] != nil {
			for _, f := range txs[i].after {
				f()
			}
		}
		r.done <- results[i]
	}
}

// runGuarded turns a panic in a transaction into its error: the transaction
// is rolled back (on SQLite, without taking the committer and the other
// transactions of its group down with it) and the caller sees an error.
func runGuarded(fn func(tx *Tx) error, tx *Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("store: transaction panicked: %v", v)
		}
	}()
	return fn(tx)
}
