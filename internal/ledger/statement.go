package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/store"
)

// BillingZone is the zone of the provider's billing day: China Standard Time,
// UTC+8 all year.
var BillingZone = time.FixedZone("CST", 8*3600)

// DayOf numbers the billing day of a moment, counting from 1970-01-01.
func DayOf(t time.Time) int64 {
	_, offset := t.In(BillingZone).Zone()
	return (t.Unix() + int64(offset)) / 86400
}

// DayStart is the first moment of a billing day.
func DayStart(day int64) time.Time { return time.Unix(day*86400-8*3600, 0).UTC() }

// StatementFilter selects the entries of one account over whole billing days.
type StatementFilter struct {
	AccountID string
	FromDay   int64 // inclusive
	ToDay     int64 // inclusive
	Codes     []string
	Offset    int
	Limit     int
}

// Line is one row of a statement (收支明细).
type Line struct {
	EntryID      string
	TransferID   string
	TradeID      string // the operation: the transfers' linked id
	Code         string
	At           time.Time
	Amount       int64 // positive: income, negative: expense
	BalanceAfter int64
	Meta         map[string]string
}

// Totals sum a statement's range.
type Totals struct {
	Count   int64
	Income  int64
	Expense int64
}

// Statement returns one page of an account's entries, newest first, and the
// totals of the whole range (from the daily sums, so a long range costs no
// more than a short one).
func Statement(ctx context.Context, q store.Queryer, f StatementFilter) ([]Line, Totals, error) {
	var tot Totals
	codeWhere, codeArgs := "", []any{}
	if len(f.Codes) > 0 {
		codeWhere = " AND code IN (?" + strings.Repeat(", ?", len(f.Codes)-1) + ")"
		for _, c := range f.Codes {
			codeArgs = append(codeArgs, c)
		}
	}
	args := append([]any{f.AccountID, f.FromDay, f.ToDay}, codeArgs...)
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0), COALESCE(SUM(credits), 0), COALESCE(SUM(debits), 0) FROM ledger_daily
		WHERE account_id = ? AND day >= ? AND day <= ?`+codeWhere, args...).Scan(&tot.Count, &tot.Income, &tot.Expense); err != nil {
		return nil, tot, err
	}
	if f.Limit <= 0 {
		f.Limit = 10
	}
	if tot.Count == 0 || int64(f.Offset) >= tot.Count {
		return nil, tot, nil
	}
	args = append([]any{f.AccountID, store.Micros(DayStart(f.FromDay)), store.Micros(DayStart(f.ToDay + 1))}, codeArgs...)
	args = append(args, f.Limit, f.Offset)
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.transfer_id, t.linked_id, e.code, e.at, e.amount, e.balance_after, t.meta
		FROM ledger_entries e JOIN ledger_transfers t ON t.id = e.transfer_id
		WHERE e.account_id = ? AND e.at >= ? AND e.at < ?`+strings.ReplaceAll(codeWhere, "code", "e.code")+`
		ORDER BY e.at DESC, e.seq DESC LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, tot, err
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		var l Line
		var at int64
		var meta string
		if err := rows.Scan(&l.EntryID, &l.TransferID, &l.TradeID, &l.Code, &at, &l.Amount, &l.BalanceAfter, &meta); err != nil {
			return nil, tot, err
		}
		l.At = store.Time(at)
		l.Meta = decodeMeta(meta)
		out = append(out, l)
	}
	return out, tot, rows.Err()
}

// EachLine calls fn for every entry of a statement range, oldest first,
// reading in pages so memory stays flat however long the range (exports).
// Pages follow the account's entry sequence, whose order is the order the
// entries were applied; the range's first and last sequence numbers are
// found once through the (account, time) index.
func EachLine(ctx context.Context, q store.Queryer, f StatementFilter, fn func(Line) error) error {
	from, to := store.Micros(DayStart(f.FromDay)), store.Micros(DayStart(f.ToDay+1))
	var first, last int64
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT seq FROM ledger_entries WHERE account_id = ? AND at >= ? AND at < ?
		ORDER BY at, seq LIMIT 1`, f.AccountID, from, to).Scan(&first))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := q.QueryRowContext(ctx, `SELECT seq FROM ledger_entries WHERE account_id = ? AND at >= ? AND at < ?
		ORDER BY at DESC, seq DESC LIMIT 1`, f.AccountID, from, to).Scan(&last); err != nil {
		return err
	}
	codeWhere, codeArgs := "", []any{}
	if len(f.Codes) > 0 {
		codeWhere = " AND e.code IN (?" + strings.Repeat(", ?", len(f.Codes)-1) + ")"
		for _, c := range f.Codes {
			codeArgs = append(codeArgs, c)
		}
	}
	const page = 5000
	for next := first; next <= last; next += page {
		args := append([]any{f.AccountID, next, min(next+page-1, last), from, to}, codeArgs...)
		rows, err := q.QueryContext(ctx, `SELECT e.id, e.transfer_id, t.linked_id, e.code, e.at, e.amount, e.balance_after, t.meta
			FROM ledger_entries e JOIN ledger_transfers t ON t.id = e.transfer_id
			WHERE e.account_id = ? AND e.seq BETWEEN ? AND ? AND e.at >= ? AND e.at < ?`+codeWhere+`
			ORDER BY e.seq`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var l Line
			var at int64
			var meta string
			if err := rows.Scan(&l.EntryID, &l.TransferID, &l.TradeID, &l.Code, &at, &l.Amount, &l.BalanceAfter, &meta); err != nil {
				rows.Close()
				return err
			}
			l.At = store.Time(at)
			l.Meta = decodeMeta(meta)
			if err := fn(l); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// decodeMeta reads a transfer's metadata.
func decodeMeta(meta string) map[string]string {
	if meta == "" || meta == "{}" {
		return nil
	}
	var m map[string]string
	_ = json.Unmarshal([]byte(meta), &m)
	return m
}
