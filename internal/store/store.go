// Package store owns the connection to the database: opening embedded SQLite or
// PostgreSQL from one URL, applying the migrations, and running transactions
// with retry. Capability packages write their SQL with '?' placeholders against
// the Tx and Reader types here; the dialect seam rewrites them for PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned by lookups that match no row. Capability packages
// translate it to their own not-found error.
var ErrNotFound = errors.New("not found")

// ErrConflict reports a unique-constraint violation.
var ErrConflict = errors.New("conflict")

// ErrRetry asks InTx to run the whole transaction again: a capability
// returns it when a concurrent transaction committed what it was about to do
// (the same idempotency key), so that the retry finds and replays it.
var ErrRetry = errors.New("store: retry the transaction")

// DB is the application's handle on the database. On SQLite it holds one
// writer connection (SQLite serialises writers anyway; one connection with
// BEGIN IMMEDIATE avoids SQLITE_BUSY storms) and a pool of read-only readers.
// On PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	// Now is the clock used for the 'now' of every transaction; tests replace it.
	Now func() time.Time
	// group batches SQLite transactions into shared commits; nil on PostgreSQL.
	group *committer
	// writeStmts and readStmts keep prepared statements; nil on PostgreSQL.
	writeStmts, readStmts *stmtCache
	// checkpoints copies the WAL back into the database file; SQLite only.
	checkpoints *checkpointer
	// dsn is PostgreSQL's URL, for the listeners' own connections (listen.go).
	dsn string
	listenerSet
	watches writeWatches
}

// Open connects to the database named by dsn: "sqlite:PATH" (or "sqlite::memory:"
// for tests, or a plain file path) or a postgres:// URL.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("store: empty sqlite path")
	}
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create data directory: %w", err)
			}
		}
	}
	// synchronous=FULL: an acknowledged money movement survives a power cut.
	// temp_store=MEMORY keeps the statement journal of the group commit's
	// savepoints in memory rather than in temporary files written for each
	// transaction; it only serves rolling back to a savepoint, so durability
	// is unchanged.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=temp_store(2)"
	writeDSN := "file:" + path + "?" + pragmas + "&_txlock=immediate" + fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", writerAutocheckpoint)
	readDSN := "file:" + path + "?" + pragmas + "&_pragma=query_only(1)"
	w, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", readDSN)
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db := &DB{Dialect: SQLite, write: w, read: r, Now: time.Now, writeStmts: newStmtCache(w), readStmts: newStmtCache(r)}
	if path != ":memory:" {
		if db.checkpoints, err = startCheckpointer("file:" + path + "?" + pragmas); err != nil {
			w.Close()
			r.Close()
			return nil, err
		}
	}
	db.group = newCommitter(db)
	return db, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: bad postgres url: %w", err)
	}
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, err
	}
	// As many idle connections as open ones: with fewer, a burst of
	// requests closes the connections beyond the idle limit as they come
	// back and the next burst opens new ones (TCP, authentication, every
	// statement prepared again); under the allocation load test that churn
	// cost more than half the throughput.
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect postgres: %w", err)
	}
	return &DB{Dialect: Postgres, write: db, read: db, Now: time.Now, dsn: u.String()}, nil
}

// Close releases every connection.
func (db *DB) Close() error {
	db.closeListeners()
	if db.group != nil {
		db.group.close()
	}
	for _, c := range []*stmtCache{db.writeStmts, db.readStmts} {
		if c != nil {
			c.close()
		}
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if db.checkpoints != nil {
		err = errors.Join(err, db.checkpoints.close())
	}
	return err
}

// WriterPool is the pool that may write; the job queue shares it so that its
// writes are serialised with ours on SQLite.
func (db *DB) WriterPool() *sql.DB { return db.write }

// ReaderPool is the pool used for reads that need no transaction.
func (db *DB) ReaderPool() *sql.DB { return db.read }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Rebind rewrites '?' placeholders to the dialect's form.
func (db *DB) Rebind(query string) string { return rebind(db.Dialect, query) }

func rebind(d Dialect, query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	inString := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inString = !inString
			b.WriteByte(c)
		case c == '?' && !inString:
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Queryer is what both a Tx and a Reader offer: queries with '?' placeholders.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	Dialect() Dialect
}

// Tx is a read-write transaction. It carries the moment it started, so that
// every row written in it shares one 'now' and tests can fix time.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	Now     time.Time
	after   []func()
	stmts   *stmtCache     // nil: every statement is prepared afresh
	behind  *pendingWrites // nil unless WriteBehind (writebehind.go)
	watches *writeWatches  // the DB's write watches (watch.go)
	watched map[*writeWatch]bool
}

func (t *Tx) Dialect() Dialect { return t.dialect }

// SQL is the underlying transaction, for libraries (the job queue) that
// enqueue in the same transaction as the business write. Writes waiting in
// a write-behind transaction are sent first, so the library's statements
// see them; their error, if any, comes back from the commit.
func (t *Tx) SQL() *sql.Tx {
	_ = t.flush(context.Background())
	return t.tx
}

func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	t.noteWrite(q) // INSERT ... RETURNING
	q = rebind(t.dialect, q)
	if s := t.txStmt(ctx, q); s != nil {
		rows, err := s.QueryContext(ctx, args...)
		return rows, translate(err)
	}
	rows, err := t.tx.QueryContext(ctx, q, args...)
	return rows, translate(err)
}

// QueryCustomPlan is QueryContext for a query PostgreSQL must plan for
// these arguments' values every time: it is sent as the protocol's unnamed
// statement, planned, bound and run in one round trip, where a prepared
// statement would after five runs settle on a generic plan made from what
// the table looked like then (a plan chosen while a table was small keeps
// scanning it as it grows, until an ANALYZE happens to replan it). All
// arguments must be of types that say their own PostgreSQL type (strings,
// integers, booleans, times). On SQLite it is QueryContext.
func (t *Tx) QueryCustomPlan(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if t.dialect != Postgres {
		return t.QueryContext(ctx, q, args...)
	}
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	rows, err := t.tx.QueryContext(ctx, rebind(t.dialect, q), append([]any{pgx.QueryExecModeExec}, args...)...)
	return rows, translate(err)
}

// QueryRowContext sends writes waiting in a write-behind transaction first;
// if that fails, the row's error is the aborted transaction's and the
// commit returns the writes' own error.
func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	_ = t.flush(ctx)
	t.noteWrite(q) // INSERT ... RETURNING
	q = rebind(t.dialect, q)
	if s := t.txStmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	t.noteWrite(q)
	q = rebind(t.dialect, q)
	if s := t.txStmt(ctx, q); s != nil {
		res, err := s.ExecContext(ctx, args...)
		return res, translate(err)
	}
	res, err := t.tx.ExecContext(ctx, q, args...)
	return res, translate(err)
}

// AfterCommit registers work to run once the transaction has committed
// (for instance, waking a background worker). It does not run on rollback.
func (t *Tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

// Reader runs single statements on the read pool.
type Reader struct {
	db      *sql.DB
	dialect Dialect
	stmts   *stmtCache
}

// Reader returns a handle for reads outside any transaction.
func (db *DB) Reader() Reader { return Reader{db: db.read, dialect: db.Dialect, stmts: db.readStmts} }

func (r Reader) Dialect() Dialect { return r.dialect }

func (r Reader) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = rebind(r.dialect, q)
	if s := r.readStmt(ctx, q); s != nil {
		rows, err := s.QueryContext(ctx, args...)
		return rows, translate(err)
	}
	rows, err := r.db.QueryContext(ctx, q, args...)
	return rows, translate(err)
}

func (r Reader) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q = rebind(r.dialect, q)
	if s := r.readStmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return r.db.QueryRowContext(ctx, q, args...)
}

func (r Reader) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return nil, errors.New("store: write through a Reader")
}

const maxAttempts = 8

// InTx runs fn in a read-write transaction and commits it. On a serialization
// failure or deadlock (PostgreSQL 40001/40P01) or a busy database (SQLite) the
// whole of fn is run again, so fn must not have effects outside the
// transaction other than through AfterCommit.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.inTx(ctx, db.Now, fn)
}

func (db *DB) inTx(ctx context.Context, now func() time.Time, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = db.inTxOnceAt(ctx, now, fn)
		if err == nil || !retryable(err) {
			return err
		}
		backoff := time.Duration(1<<attempt)*time.Millisecond + time.Duration(rand.IntN(1000))*time.Microsecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
	return err
}

// InTxAt runs a transaction whose 'now' is the given moment instead of the
// clock's: for loading history (the demo data set, imports), never for live
// requests.
func (db *DB) InTxAt(ctx context.Context, at time.Time, fn func(tx *Tx) error) error {
	return db.inTx(ctx, func() time.Time { return at }, fn)
}

func (db *DB) inTxOnceAt(ctx context.Context, now func() time.Time, fn func(tx *Tx) error) error {
	if db.group != nil {
		return db.group.submit(ctx, now, fn)
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	tx := &Tx{tx: sqlTx, dialect: db.Dialect, Now: now().UTC(), watches: &db.watches}
	err = runGuarded(fn, tx)
	switch {
	case err == nil:
		err = tx.flush(ctx) // writes still waiting go before the commit
	case tx.behind != nil && tx.behind.err != nil:
		err = tx.behind.err // a failed flush is the cause of what fn saw after it
	}
	if err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return translate(err)
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

// retryable reports whether a whole transaction may be run again.
func retryable(err error) bool {
	if errors.Is(err, ErrRetry) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		code := sqliteErr.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

// translate turns driver errors that callers act on into store errors; all
// others pass through unchanged (and never reach a user: the HTTP layers log
// them and answer with a generic internal error).
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("%w: %s", ErrConflict, pgErr.ConstraintName)
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", ErrConflict, sqliteErr.Error())
		}
	}
	return err
}

// ScanErr translates the error of a QueryRow().Scan into a store error.
func ScanErr(err error) error { return translate(err) }
