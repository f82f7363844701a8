package store

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Write-behind: on PostgreSQL every statement is a round trip, and the
// writes a transaction makes after it has locked a hot row (a partner's
// recharge account) are round trips that every other transaction wanting
// that row waits through. A batch of money movements writes its transfers,
// entries, daily sums, account totals, 调账记录, callback events and
// Idempotency-Keys after the lock: seven round trips before the commit.
// With write-behind they wait in the transaction and go to the database in
// one round trip, as one multi-statement query, just before the next
// statement or the commit; the lock is then held for the lock itself, that
// one round trip and the commit.
//
// The price is where errors surface: a write that fails (a unique
// violation, say) fails the flush, so its error comes back from whatever
// statement or commit sent it, and the transaction is then aborted. Callers
// that turn a particular write's error into a meaning of their own (a
// conflicting client id into ErrIdempotencyConflict) do not see it at that
// write. Write-behind is therefore only for transactions whose every
// failure is handled as a failure of the whole (the API's batch of customer
// moves runs each move again alone, where each error has its meaning).
//
// The statements go in PostgreSQL's simple query protocol, the only one
// that carries several statements in one message; pgx writes the
// arguments into the text as literals (its simple-protocol quoting, with
// standard_conforming_strings on, as PostgreSQL defaults to). On SQLite
// there is no round trip to save: WriteBehind does nothing there.

// pendingWrites are the statements waiting in a write-behind transaction.
type pendingWrites struct {
	sql  strings.Builder // statements with '?' placeholders, ';'-separated
	args []any
	err  error // the failed flush's error: the transaction is aborted
}

// WriteBehind makes ExecRows in this transaction wait and go to the
// database with the transaction's next statement or its commit (on
// PostgreSQL; elsewhere it does nothing). See the comment above for what
// this costs.
func (t *Tx) WriteBehind() {
	if t.dialect == Postgres && t.behind == nil {
		t.behind = &pendingWrites{}
	}
}

// queue adds a statement to the pending writes; it reports false when the
// transaction is not write-behind.
func (t *Tx) queue(q string, args []any) bool {
	if t.behind == nil {
		return false
	}
	t.noteWrite(q)
	if t.behind.sql.Len() > 0 {
		t.behind.sql.WriteString(";\n")
	}
	t.behind.sql.WriteString(q)
	t.behind.args = append(t.behind.args, args...)
	return true
}

// flush sends the pending writes, if any, in one round trip. After a failed
// flush every later flush returns the same error.
func (t *Tx) flush(ctx context.Context) error {
	b := t.behind
	if b == nil {
		return nil
	}
	if b.err != nil || b.sql.Len() == 0 {
		return b.err
	}
	q, args := rebind(t.dialect, b.sql.String()), b.args
	b.sql.Reset()
	b.args = nil
	_, err := t.tx.ExecContext(ctx, q, append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...)
	b.err = translate(err)
	return b.err
}
