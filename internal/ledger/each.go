package ledger

import (
	"context"
	"fmt"
	"time"

	"partnercenter/internal/store"
)

// Plan decides one operation's linked transfers from the locked accounts,
// as they stand after the operations planned before it (a 拨款 that takes
// the recharge account's balance first and the credit line for the rest,
// say). It must only read the accounts: ApplyEach moves the money.
type Plan func(locked map[string]*Account) ([]Request, error)

// Outcome is what became of one plan: its transfers, or why it failed.
type Outcome struct {
	Transfers []*Transfer
	Err       error
}

// ApplyEach applies several independent operations in the caller's
// transaction, each all-or-nothing on its own: it locks the accounts once,
// plans and applies the operations one after another in memory (an
// operation that fails, for want of balance say, leaves the balances as
// they were and the next one goes on), and writes every transfer in a few
// statements. This is what lets many movements of one hot account (a
// partner's recharge account) share one lock and one commit.
//
// Only posted transfers: holds go through Apply. lockIDs must name every
// account a plan may use. Client ids must be new: callers check their own
// idempotency first; an id used before fails the whole call with
// ErrIdempotencyConflict, and the caller should then redo the operations
// one by one through Apply, which replays.
func ApplyEach(ctx context.Context, tx *store.Tx, lockIDs []string, plans []Plan) ([]Outcome, error) {
	accounts, err := lock(ctx, tx, lockIDs)
	if err != nil {
		return nil, err
	}
	return ApplyLocked(ctx, tx, accounts, plans)
}

// ApplyLocked is ApplyEach on accounts the caller has locked in this
// transaction (LockOwned), by id: every account a plan may use. It takes
// the accounts over: they hold the new balances afterwards.
func ApplyLocked(ctx context.Context, tx *store.Tx, accounts map[string]*Account, plans []Plan) ([]Outcome, error) {
	w := &writeSet{accounts: accounts}
	out := make([]Outcome, len(plans))
	for i, plan := range plans {
		out[i].Transfers, out[i].Err = w.plan(plan, tx.Now)
	}
	return out, w.write(ctx, tx)
}

// plan runs one plan of ApplyEach.
func (w *writeSet) plan(plan Plan, now time.Time) ([]*Transfer, error) {
	reqs, err := plan(w.accounts)
	if err != nil || len(reqs) == 0 {
		return nil, err
	}
	hashes := make([]string, len(reqs))
	for i := range reqs {
		r := &reqs[i]
		if err := r.validate(); err != nil {
			return nil, err
		}
		if r.kind() != KindPosted {
			return nil, fmt.Errorf("ledger: ApplyEach takes posted transfers only, not %s", r.kind())
		}
		if w.accounts[r.Debit] == nil || w.accounts[r.Credit] == nil {
			return nil, fmt.Errorf("ledger: a plan used an account it did not lock")
		}
		hashes[i] = r.hash()
	}
	return w.add(reqs, hashes, nil, now)
}
