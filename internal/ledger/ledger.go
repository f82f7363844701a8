// Package ledger is the double-entry core that every movement of money (and
// of voucher quota) goes through. It knows accounts and transfers, nothing of
// partners or customers: an account is named by its owner and kind, a
// transfer moves an amount in fen from one account to another under a code
// (the trade type). Transfers are immutable and idempotent by a client id;
// holds reserve (pending) and are later posted in full or in part, or
// voided. Mistakes are corrected by new transfers, never by rewriting.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Account is a ledger account. Its balance is credits minus debits: money
// held for the owner is a credit balance.
type Account struct {
	ID             string
	Kind           string
	OwnerType      string
	OwnerID        string
	PartnerID      string // the tenant, for scoping; empty for provider accounts
	Unbounded      bool   // may go negative without limit (outside-world accounts)
	CreditLimit    int64  // how far below zero the balance may go
	DebitsPosted   int64
	CreditsPosted  int64
	DebitsPending  int64
	CreditsPending int64
	EntryCount     int64
	CreatedAt      time.Time
}

// Balance is the posted balance.
func (a *Account) Balance() int64 { return a.CreditsPosted - a.DebitsPosted }

// Available is what may still be debited: the balance less what holds
// reserve, plus the credit limit. Meaningless for unbounded accounts.
func (a *Account) Available() int64 { return a.Balance() - a.DebitsPending + a.CreditLimit }

// AccountSpec names an account to open.
type AccountSpec struct {
	Kind        string
	OwnerType   string
	OwnerID     string
	PartnerID   string
	Unbounded   bool
	CreditLimit int64
}

const accountColumns = `id, kind, owner_type, owner_id, COALESCE(partner_id, ''), unbounded, credit_limit,
	debits_posted, credits_posted, debits_pending, credits_pending, entry_count, created_at`

func scanAccount(row interface{ Scan(...any) error }) (*Account, error) {
	var a Account
	var created int64
	err := row.Scan(&a.ID, &a.Kind, &a.OwnerType, &a.OwnerID, &a.PartnerID, &a.Unbounded, &a.CreditLimit,
		&a.DebitsPosted, &a.CreditsPosted, &a.DebitsPending, &a.CreditsPending, &a.EntryCount, &created)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	a.CreatedAt = store.Time(created)
	return &a, nil
}

// ErrAccountNotFound answers for an account id that does not exist.
var ErrAccountNotFound = apperr.NotFoundf("ledger.account_not_found", "account not found")

// Open returns the account of an owner and kind, creating it on first use.
func Open(ctx context.Context, tx *store.Tx, spec AccountSpec) (*Account, error) {
	a, err := Find(ctx, tx, spec.OwnerType, spec.OwnerID, spec.Kind)
	if err == nil || !errors.Is(err, ErrAccountNotFound) {
		return a, err
	}
	a = &Account{ID: ids.New(), Kind: spec.Kind, OwnerType: spec.OwnerType, OwnerID: spec.OwnerID, PartnerID: spec.PartnerID,
		Unbounded: spec.Unbounded, CreditLimit: spec.CreditLimit, CreatedAt: tx.Now}
	var partner any
	if a.PartnerID != "" {
		partner = a.PartnerID
	}
	// Two transactions may open the same account at once: the loser's insert
	// does nothing and it reads the winner's row.
	_, err = tx.ExecContext(ctx, `INSERT INTO ledger_accounts (id, kind, owner_type, owner_id, partner_id, unbounded, credit_limit, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner_type, owner_id, kind) DO NOTHING`,
		a.ID, a.Kind, a.OwnerType, a.OwnerID, partner, a.Unbounded, a.CreditLimit, store.Micros(tx.Now))
	if err != nil {
		return nil, err
	}
	return Find(ctx, tx, spec.OwnerType, spec.OwnerID, spec.Kind)
}

// Find returns the account of an owner and kind.
func Find(ctx context.Context, q store.Queryer, ownerType, ownerID, kind string) (*Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM ledger_accounts
		WHERE owner_type = ? AND owner_id = ? AND kind = ?`, ownerType, ownerID, kind))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrAccountNotFound
	}
	return a, err
}

// FindKinds returns an owner's accounts of the given kinds in one query, by
// kind; a kind not opened yet is missing from the map.
func FindKinds(ctx context.Context, q store.Queryer, ownerType, ownerID string, kinds ...string) (map[string]*Account, error) {
	if len(kinds) == 0 {
		return map[string]*Account{}, nil
	}
	in, args := store.InList(kinds)
	return findBy(ctx, q, func(a *Account) string { return a.Kind }, `owner_type = ? AND owner_id = ? AND kind IN `+in,
		append([]any{ownerType, ownerID}, args...))
}

// Get returns an account by id.
func Get(ctx context.Context, q store.Queryer, id string) (*Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM ledger_accounts WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrAccountNotFound
	}
	return a, err
}

// SetCreditLimit changes how far an account may go below zero. Lowering it
// below what is already used is refused.
func SetCreditLimit(ctx context.Context, tx *store.Tx, accountID string, limit int64) (before int64, err error) {
	if limit < 0 {
		return 0, apperr.Field("credit_limit", "ledger.limit_negative", "the credit limit cannot be negative")
	}
	accounts, err := lock(ctx, tx, []string{accountID})
	if err != nil {
		return 0, err
	}
	a := accounts[accountID]
	if a.Balance()-a.DebitsPending+limit < 0 {
		return 0, apperr.New(apperr.Conflict, "ledger.limit_below_used", "the credit limit cannot be lower than the credit already used")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE ledger_accounts SET credit_limit = ? WHERE id = ?`, limit, accountID); err != nil {
		return 0, err
	}
	return a.CreditLimit, nil
}

// BalanceAt returns an account's posted balance at a past moment.
func BalanceAt(ctx context.Context, q store.Queryer, accountID string, at time.Time) (int64, error) {
	var b int64
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT balance_after FROM ledger_entries WHERE account_id = ? AND at <= ?
		ORDER BY seq DESC LIMIT 1`, accountID, store.Micros(at)).Scan(&b))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	return b, err
}

// Lock reads accounts and holds them until the transaction ends, for a
// caller that decides an amount from a balance (taking a whole balance
// back, say): no concurrent transfer can change it in between. Name every
// account the coming transfers will touch, so that all are locked at once
// in the one order every transaction uses, which keeps transactions from
// deadlocking.
func Lock(ctx context.Context, tx *store.Tx, accountIDs ...string) (map[string]*Account, error) {
	return lock(ctx, tx, accountIDs)
}

// Owned names an account by its owner and kind.
type Owned struct{ OwnerType, OwnerID, Kind string }

// LockOwned locks the named accounts in the caller's transaction, found by
// owner and kind in the same statement (in id order, as lock does), and
// returns them by name; a name with no account yet is missing from the
// map. It saves a caller that knows its accounts by owner the round trip
// of finding their ids before locking them, which matters where the lock
// is contended: every statement before it is time the batch of a hot
// account takes to come round again.
func LockOwned(ctx context.Context, tx *store.Tx, names []Owned) (map[Owned]*Account, error) {
	out := make(map[Owned]*Account, len(names))
	if len(names) == 0 {
		return out, nil
	}
	tuples := make([]string, len(names))
	args := make([]any, 0, 3*len(names))
	for i, n := range names {
		tuples[i] = "(?, ?, ?)"
		args = append(args, n.OwnerType, n.OwnerID, n.Kind)
	}
	return findBy(ctx, tx, func(a *Account) Owned { return Owned{a.OwnerType, a.OwnerID, a.Kind} },
		`(owner_type, owner_id, kind) IN (`+strings.Join(tuples, ", ")+`) ORDER BY id`+forUpdate(tx), args)
}

// lock reads accounts for update, in one statement. On PostgreSQL the rows
// are locked in id order (the lock is taken as the sorted rows come out), so
// two transactions touching the same accounts cannot deadlock; on SQLite the
// single writer already serialises transactions.
func lock(ctx context.Context, tx *store.Tx, accountIDs []string) (map[string]*Account, error) {
	ids := sortedUnique(accountIDs)
	if len(ids) == 0 {
		return map[string]*Account{}, nil
	}
	in, args := store.InList(ids)
	out, err := findBy(ctx, tx, func(a *Account) string { return a.ID }, `id IN `+in+` ORDER BY id`+forUpdate(tx), args)
	if err != nil {
		return nil, err
	}
	if len(out) != len(ids) {
		return nil, ErrAccountNotFound
	}
	return out, nil
}

// forUpdate is the clause that locks the rows a query reads: on PostgreSQL
// in the order they come out; SQLite's single writer needs none.
func forUpdate(tx *store.Tx) string {
	if tx.Dialect() == store.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Shard names one of n accounts that together stand for one hot account
// of an owner (the provider's revenue): every transfer locks the accounts
// it moves until its transaction commits, so one account credited by every
// customer's payment would make concurrent payments queue on one row.
// A key (a customer, a coupon) always maps to the same shard.
func Shard(owner, key string, n uint32) string {
	h := fnv.New32a()
	h.Write([]byte(key))
	return fmt.Sprintf("%s-%02d", owner, h.Sum32()%n)
}

// FindMany returns the accounts of one kind of several owners, by owner id;
// owners without one are absent.
func FindMany(ctx context.Context, q store.Queryer, ownerType, kind string, ownerIDs []string) (map[string]*Account, error) {
	if len(ownerIDs) == 0 {
		return map[string]*Account{}, nil
	}
	in, args := store.InList(ownerIDs)
	return findBy(ctx, q, func(a *Account) string { return a.OwnerID }, `owner_type = ? AND kind = ? AND owner_id IN `+in,
		append([]any{ownerType, kind}, args...))
}

// findBy returns the accounts a condition selects, keyed as key says.
func findBy[K comparable](ctx context.Context, q store.Queryer, key func(*Account) K, where string, args []any) (map[K]*Account, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+accountColumns+` FROM ledger_accounts WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[K]*Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out[key(a)] = a
	}
	return out, rows.Err()
}
