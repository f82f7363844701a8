package ledger

import (
	"context"
	"fmt"

	"partnercenter/internal/store"
)

// Violation is one broken invariant.
type Violation struct {
	Invariant string
	Detail    string
}

func (v Violation) String() string { return v.Invariant + ": " + v.Detail }

// Checker verifies an invariant of data kept beside the ledger (for
// instance, that every voucher quota's grant equals issued − reclaimed +
// balance). Capability packages register theirs with RegisterCheck.
type Checker func(ctx context.Context, q store.Queryer) ([]Violation, error)

var extraChecks []namedCheck

type namedCheck struct {
	name string
	fn   Checker
}

// RegisterCheck adds an invariant to Check; call it from an init function.
func RegisterCheck(name string, fn Checker) { extraChecks = append(extraChecks, namedCheck{name, fn}) }

// Check verifies every invariant of the ledger and the registered ones, and
// returns what is broken (nothing when all hold):
//   - total debits equal total credits, posted and pending;
//   - each account's posted balance is the sum of its entries, its entry
//     count and sequence are contiguous, and its last entry's balance_after
//     is its balance;
//   - each account's pending amounts are the sum of its open holds;
//   - no bounded account is beyond its limit;
//   - each posted movement has exactly its two entries;
//   - the daily sums agree with the entries.
func Check(ctx context.Context, q store.Queryer) ([]Violation, error) {
	var out []Violation
	add := func(inv, format string, args ...any) { out = append(out, Violation{inv, fmt.Sprintf(format, args...)}) }

	var dp, cp, dpend, cpend int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(debits_posted), 0), COALESCE(SUM(credits_posted), 0),
		COALESCE(SUM(debits_pending), 0), COALESCE(SUM(credits_pending), 0) FROM ledger_accounts`).Scan(&dp, &cp, &dpend, &cpend); err != nil {
		return nil, err
	}
	if dp != cp {
		add("debits = credits", "posted debits %d != posted credits %d", dp, cp)
	}
	if dpend != cpend {
		add("debits = credits", "pending debits %d != pending credits %d", dpend, cpend)
	}

	rows, err := q.QueryContext(ctx, `SELECT a.id, a.credits_posted - a.debits_posted, a.entry_count,
		COALESCE(e.total, 0), COALESCE(e.n, 0), COALESCE(e.maxseq, 0), COALESCE(e.minseq, 0)
		FROM ledger_accounts a LEFT JOIN (SELECT account_id, SUM(amount) AS total, COUNT(*) AS n, MAX(seq) AS maxseq, MIN(seq) AS minseq
			FROM ledger_entries GROUP BY account_id) e ON e.account_id = a.id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var balance, count, total, n, maxSeq, minSeq int64
		if err := rows.Scan(&id, &balance, &count, &total, &n, &maxSeq, &minSeq); err != nil {
			rows.Close()
			return nil, err
		}
		if balance != total {
			add("balance = sum of entries", "account %s: balance %d, entries sum to %d", id, balance, total)
		}
		if count != n || (n > 0 && (maxSeq != n || minSeq != 1)) {
			add("entry sequence", "account %s: entry_count %d, %d entries, seq %d..%d", id, count, n, minSeq, maxSeq)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q.QueryContext(ctx, `SELECT a.id, a.credits_posted - a.debits_posted, e.balance_after
		FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id AND e.seq = a.entry_count
		WHERE e.balance_after <> a.credits_posted - a.debits_posted`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var balance, after int64
		if err := rows.Scan(&id, &balance, &after); err != nil {
			rows.Close()
			return nil, err
		}
		add("last balance_after = balance", "account %s: balance %d, last entry says %d", id, balance, after)
	}
	rows.Close()

	// Open holds: pending transfers with no post or void.
	rows, err = q.QueryContext(ctx, `SELECT a.id, a.debits_pending, a.credits_pending, COALESCE(d.s, 0), COALESCE(c.s, 0)
		FROM ledger_accounts a
		LEFT JOIN (SELECT debit_account_id AS id, SUM(amount) AS s FROM ledger_transfers t WHERE kind = 'pending'
			AND NOT EXISTS (SELECT 1 FROM ledger_transfers x WHERE x.pending_id = t.id) GROUP BY debit_account_id) d ON d.id = a.id
		LEFT JOIN (SELECT credit_account_id AS id, SUM(amount) AS s FROM ledger_transfers t WHERE kind = 'pending'
			AND NOT EXISTS (SELECT 1 FROM ledger_transfers x WHERE x.pending_id = t.id) GROUP BY credit_account_id) c ON c.id = a.id
		WHERE a.debits_pending <> COALESCE(d.s, 0) OR a.credits_pending <> COALESCE(c.s, 0)`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var dpend, cpend, dopen, copen int64
		if err := rows.Scan(&id, &dpend, &cpend, &dopen, &copen); err != nil {
			rows.Close()
			return nil, err
		}
		add("pending = open holds", "account %s: pending %d/%d, open holds %d/%d", id, dpend, cpend, dopen, copen)
	}
	rows.Close()

	rows, err = q.QueryContext(ctx, `SELECT id, credits_posted - debits_posted - debits_pending + credit_limit FROM ledger_accounts
		WHERE NOT unbounded AND credits_posted - debits_posted - debits_pending + credit_limit < 0`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var avail int64
		if err := rows.Scan(&id, &avail); err != nil {
			rows.Close()
			return nil, err
		}
		add("within limit", "account %s is %d fen beyond its limit", id, -avail)
	}
	rows.Close()

	rows, err = q.QueryContext(ctx, `SELECT t.id, COUNT(e.id) FROM ledger_transfers t LEFT JOIN ledger_entries e ON e.transfer_id = t.id
		WHERE t.kind IN ('posted', 'post') GROUP BY t.id HAVING COUNT(e.id) <> 2`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		add("two entries per movement", "transfer %s has %d entries", id, n)
	}
	rows.Close()

	rows, err = q.QueryContext(ctx, `SELECT a.id, a.entry_count, a.credits_posted - a.debits_posted, COALESCE(d.n, 0), COALESCE(d.net, 0)
		FROM ledger_accounts a LEFT JOIN (SELECT account_id, SUM(n) AS n, SUM(credits) - SUM(debits) AS net FROM ledger_daily
			GROUP BY account_id) d ON d.account_id = a.id
		WHERE a.entry_count <> COALESCE(d.n, 0) OR a.credits_posted - a.debits_posted <> COALESCE(d.net, 0)`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var count, balance, n, net int64
		if err := rows.Scan(&id, &count, &balance, &n, &net); err != nil {
			rows.Close()
			return nil, err
		}
		add("daily sums = entries", "account %s: %d entries and balance %d, daily sums say %d and %d", id, count, balance, n, net)
	}
	rows.Close()

	for _, c := range extraChecks {
		vs, err := c.fn(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		out = append(out, vs...)
	}
	return out, nil
}
