package store

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared statements on SQLite. database/sql prepares a statement afresh
// for every call with arguments, and the pure-Go SQLite parses each one: in
// the API's allocation load test parsing took a quarter of the server's CPU,
// most of it on the one writer connection that every write waits for. So on
// SQLite each distinct query is prepared once per connection and reused.
// PostgreSQL's driver (pgx) already keeps prepared statements per
// connection, so there is no cache there.

// maxCachedStatements bounds a cache: queries built with a varying number
// of placeholders (IN lists) would otherwise grow it without end. Past the
// bound, queries run unprepared as before.
const maxCachedStatements = 512

// stmtCache holds the prepared statements of one pool.
type stmtCache struct {
	pool    *sql.DB
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool // writer: seen in a transaction, to prepare once the connection is free
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns q prepared, preparing it now if need be; nil when the cache is
// full or q does not prepare (the caller then runs it unprepared and gets
// the error there). For the read pool only: preparing takes a connection.
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	c.mu.Lock()
	s, ok := c.stmts[q]
	full := len(c.stmts) >= maxCachedStatements
	c.mu.Unlock()
	if ok || full {
		return s
	}
	s, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[q]; ok {
		// Another caller prepared it meanwhile.
		_ = s.Close()
		return prev
	}
	c.stmts[q] = s
	return s
}

// lookup returns q if it is prepared, else notes it for preparePending and
// returns nil. For the writer, whose one connection is busy with the
// transaction asking: preparing on the pool then would wait for itself.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.stmts[q]
	if !ok && len(c.stmts)+len(c.pending) < maxCachedStatements {
		c.pending[q] = true
	}
	return s
}

// preparePending prepares the queries lookup noted; the committer calls it
// between groups, when the writer connection is free.
func (c *stmtCache) preparePending(ctx context.Context) {
	c.mu.Lock()
	pending := c.pending
	c.pending = map[string]bool{}
	c.mu.Unlock()
	for q := range pending {
		s, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		c.stmts[q] = s
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		_ = s.Close()
		delete(c.stmts, q)
	}
}

// txStmt is q as a statement of tx when it is prepared, else nil. The
// statement prepared on the pool is bound to the transaction's connection,
// where database/sql finds it already prepared.
func (t *Tx) txStmt(ctx context.Context, q string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	s := t.stmts.lookup(q)
	if s == nil {
		return nil
	}
	return t.tx.StmtContext(ctx, s)
}

// readStmt is q prepared on the read pool, or nil.
func (r Reader) readStmt(ctx context.Context, q string) *sql.Stmt {
	if r.stmts == nil {
		return nil
	}
	return r.stmts.get(ctx, q)
}
