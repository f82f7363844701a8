package store

import (
	"context"
	"strings"
)

// Multi-row statements. A statement per row costs a round trip each on
// PostgreSQL and time on the one writer on SQLite, both while the
// transaction holds its locks; writing many rows in one statement is how
// the ledger keeps a batch of movements short.
//
// On SQLite the rows go in chunks whose sizes are powers of two (at most
// 64), so that a statement takes one of seven shapes whatever the count:
// the store keeps each distinct statement prepared (stmtcache.go), and a
// shape per count would fill its cache, while an extra statement costs
// little on the writer. On PostgreSQL every statement is a round trip, so
// up to 64 rows go in one; the driver's statement cache is an LRU and a
// shape it dropped is only prepared again.

// maxChunk bounds the rows of one statement, well within both databases'
// limits on parameters.
const maxChunk = 64

func rowChunks(d Dialect, n int) []int {
	var out []int
	if d == Postgres {
		for ; n > 0; n -= maxChunk {
			out = append(out, min(n, maxChunk))
		}
		return out
	}
	for size := maxChunk; n > 0; size /= 2 {
		for n >= size {
			out = append(out, size)
			n -= size
		}
	}
	return out
}

// ExecRows runs head followed by one tuple per row (the rows' arguments in
// order) and then tail (an ON CONFLICT clause, say), chunk by chunk. In a
// write-behind transaction (writebehind.go) the statements wait and their
// errors come later.
func ExecRows(ctx context.Context, tx *Tx, head, tuple, tail string, rows [][]any) error {
	at := 0
	for _, size := range rowChunks(tx.Dialect(), len(rows)) {
		var q strings.Builder
		q.WriteString(head)
		args := make([]any, 0, size*len(rows[at]))
		for i := 0; i < size; i++ {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(tuple)
			args = append(args, rows[at+i]...)
		}
		q.WriteString(tail)
		at += size
		if tx.queue(q.String(), args) {
			continue // write-behind: sent with the next statement or the commit
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// InList returns "(?, ?, ...)" and its arguments for values, padded with
// the last value to a power of two (harmless in IN) for the same reason as
// ExecRows' chunks. values must not be empty.
func InList(values []string) (string, []any) {
	n := 1
	for n < len(values) {
		n *= 2
	}
	args := make([]any, n)
	for i := range args {
		args[i] = values[min(i, len(values)-1)]
	}
	return "(?" + strings.Repeat(", ?", n-1) + ")", args
}
