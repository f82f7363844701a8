// Package idemkeys owns the stored answers to requests made under an
// Idempotency-Key (table idempotency_keys): storing one in the operation's
// own transaction, reading it back for a retry, and sweeping away those older
// than a day. It is apart from package api so that the background jobs can
// sweep without depending on the HTTP layer.
package idemkeys

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"partnercenter/internal/store"
)

// TTL is how long an answer is kept for retries. Money operations stay safe
// past it: they also derive their ledger client id from the key.
const TTL = 24 * time.Hour

// Answer is a stored answer and the fingerprint of the request it answered.
type Answer struct {
	RequestHash string
	Status      int
	Body        []byte
}

// ErrExists reports that a concurrent request with the same key stored its
// answer first.
var ErrExists = errors.New("idempotency key stored concurrently")

// Insert stores an answer under scope and key in the caller's transaction.
func Insert(ctx context.Context, tx *store.Tx, scope, key string, a Answer) error {
	return InsertMany(ctx, tx, []Row{{Scope: scope, Key: key, Answer: a}})
}

// Row is one answer to store, under its scope and key.
type Row struct {
	Scope, Key string
	Answer
}

// InsertMany stores several answers in the caller's transaction; a key
// stored before fails it with ErrExists.
func InsertMany(ctx context.Context, tx *store.Tx, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	values := make([][]any, len(rows))
	for i, r := range rows {
		values[i] = []any{r.Scope, r.Key, r.RequestHash, r.Status, string(r.Body), store.Micros(tx.Now)}
	}
	err := store.ExecRows(ctx, tx, `INSERT INTO idempotency_keys (scope, idem_key, request_hash, status_code, body, created_at) VALUES `,
		`(?, ?, ?, ?, ?, ?)`, "", values)
	if errors.Is(err, store.ErrConflict) {
		return ErrExists
	}
	return err
}

// Get returns the answer stored under scope and key, or store.ErrNotFound.
func Get(ctx context.Context, q store.Queryer, scope, key string) (*Answer, error) {
	var a Answer
	var body string
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT request_hash, status_code, body FROM idempotency_keys
		WHERE scope = ? AND idem_key = ?`, scope, key).Scan(&a.RequestHash, &a.Status, &body))
	if err != nil {
		return nil, err
	}
	a.Body = []byte(body)
	return &a, nil
}

// DeleteBefore removes at most limit answers stored before a moment and says
// how many it removed.
func DeleteBefore(ctx context.Context, tx *store.Tx, before time.Time, limit int) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE (scope, idem_key) IN
		(SELECT scope, idem_key FROM idempotency_keys WHERE created_at < ? LIMIT ?)`, store.Micros(before), limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Batches of the sweep: each is a short transaction of its own, so that on
// SQLite the one writer is never held for long, and one sweep removes at
// most maxBatches of them (the next sweep goes on).
const (
	batchSize  = 1000
	maxBatches = 200
)

// Sweep removes the answers older than TTL. It is housekeeping that the next
// run repeats, so it logs a failure rather than failing its caller.
func Sweep(ctx context.Context, db *store.DB, log *slog.Logger) {
	before := db.Now().Add(-TTL)
	var total int64
	for range maxBatches {
		var n int64
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			n, err = DeleteBefore(ctx, tx, before, batchSize)
			return err
		})
		if err != nil {
			log.Warn("removing old idempotency keys", "err", err, "removed", total)
			return
		}
		if total += n; n < batchSize {
			break
		}
	}
	if total > 0 {
		log.Info("old idempotency keys removed", "count", total)
	}
}
