package ledger

import (
	"context"
	"encoding/json"
	"errors"

	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// writeSet is what one Apply or ApplyEach call writes once its transfers
// are decided in memory: the transfers, their entries, the daily sums and
// the accounts' new totals. It is written in a few multi-row statements,
// not one per row, because every statement made while an account is locked
// is time another transaction waits for that account (on PostgreSQL a
// round trip each; on SQLite time on the one writer).
type writeSet struct {
	transfers []*Transfer
	hashes    []string // request fingerprints, by transfer
	entries   []entry
	accounts  map[string]*Account // the locked accounts, by id
}

// dailyKey is one row of ledger_daily.
type dailyKey struct {
	account, code string
}

// write stores the set in the transaction.
func (w *writeSet) write(ctx context.Context, tx *store.Tx) error {
	if len(w.transfers) == 0 {
		return nil
	}
	rows := make([][]any, len(w.transfers))
	for i, t := range w.transfers {
		meta := []byte("{}")
		if t.Meta != nil {
			meta, _ = json.Marshal(t.Meta)
		}
		var pending any
		if t.PendingID != "" {
			pending = t.PendingID
		}
		rows[i] = []any{t.ID, t.ClientID, w.hashes[i], t.Debit, t.Credit, t.Amount, t.Kind, pending, t.Code, t.LinkedID,
			store.NullMicros(t.TimeoutAt), string(meta), store.Micros(t.CreatedAt)}
	}
	err := store.ExecRows(ctx, tx, `INSERT INTO ledger_transfers (id, client_id, request_hash, debit_account_id, credit_account_id,
		amount, kind, pending_id, code, linked_id, timeout_at, meta, created_at) VALUES `, `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "", rows)
	if errors.Is(err, store.ErrConflict) {
		// The same client id twice in one call, or a concurrent request
		// with the same id that committed first.
		return ErrIdempotencyConflict
	}
	if err != nil {
		return err
	}

	if len(w.entries) > 0 {
		now := store.Micros(tx.Now)
		rows = rows[:0]
		// One daily row per account and code: PostgreSQL refuses an upsert
		// that touches the same row twice in one statement.
		daily := map[dailyKey]*[3]int64{} // credits, debits, n
		var order []dailyKey
		for _, e := range w.entries {
			rows = append(rows, []any{ids.New(), e.transfer, e.account, e.seq, e.amount, e.after, e.code, now})
			k := dailyKey{e.account, e.code}
			d := daily[k]
			if d == nil {
				d = &[3]int64{}
				daily[k] = d
				order = append(order, k)
			}
			d[0] += max(e.amount, 0)
			d[1] += max(-e.amount, 0)
			d[2]++
		}
		if err := store.ExecRows(ctx, tx, `INSERT INTO ledger_entries (id, transfer_id, account_id, seq, amount, balance_after, code, at) VALUES `,
			`(?, ?, ?, ?, ?, ?, ?, ?)`, "", rows); err != nil {
			return err
		}
		day := DayOf(tx.Now)
		rows = rows[:0]
		for _, k := range order {
			d := daily[k]
			rows = append(rows, []any{k.account, day, k.code, d[0], d[1], d[2]})
		}
		if err := store.ExecRows(ctx, tx, `INSERT INTO ledger_daily (account_id, day, code, credits, debits, n) VALUES `, `(?, ?, ?, ?, ?, ?)`,
			` ON CONFLICT (account_id, day, code) DO UPDATE SET credits = ledger_daily.credits + excluded.credits,
			debits = ledger_daily.debits + excluded.debits, n = ledger_daily.n + excluded.n`, rows); err != nil {
			return err
		}
	}

	rows = rows[:0]
	touched := map[string]bool{}
	for _, t := range w.transfers {
		touched[t.Debit], touched[t.Credit] = true, true
	}
	for _, id := range sortedKeys(touched) {
		a := w.accounts[id]
		rows = append(rows, []any{a.ID, a.DebitsPosted, a.CreditsPosted, a.DebitsPending, a.CreditsPending, a.EntryCount})
	}
	// Both databases name a VALUES list's columns column1, column2, ...;
	// the casts give them their types on PostgreSQL, where parameters in a
	// VALUES list otherwise arrive as text.
	return store.ExecRows(ctx, tx, `UPDATE ledger_accounts SET debits_posted = v.column2, credits_posted = v.column3,
		debits_pending = v.column4, credits_pending = v.column5, entry_count = v.column6 FROM (VALUES `,
		`(CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))`,
		`) AS v WHERE ledger_accounts.id = v.column1`, rows)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return sortedUnique(keys)
}
