package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Transfer kinds.
const (
	KindPosted  = "posted"  // moves money now
	KindPending = "pending" // reserves money: a hold
	KindPost    = "post"    // settles a hold, in full or in part
	KindVoid    = "void"    // releases a hold
)

// Request asks for one transfer. Several requests given to one Apply call
// are linked: they succeed or fail together.
type Request struct {
	// ClientID makes the request idempotent: the same id with the same
	// request answers with the first result and moves nothing again.
	ClientID string
	Debit    string // account id
	Credit   string // account id
	// Amount in fen. For a post, 0 posts the whole hold.
	Amount int64
	Code   string // trade type
	// Pending makes the transfer a hold; Timeout ends it automatically
	// (VoidExpired) when not posted in time. Zero means no timeout.
	Pending bool
	Timeout time.Duration
	// PostPendingID or VoidPendingID settle an earlier hold; Debit and Credit
	// are then taken from the hold.
	PostPendingID string
	VoidPendingID string
	// Meta is kept with the transfer for the statements (customer, memo, ...).
	Meta map[string]string
}

// Transfer is an applied, immutable transfer.
type Transfer struct {
	ID        string
	ClientID  string
	Debit     string
	Credit    string
	Amount    int64
	Kind      string
	PendingID string
	Code      string
	LinkedID  string
	TimeoutAt time.Time
	Meta      map[string]string
	CreatedAt time.Time
	// Replayed is set when the transfer was applied by an earlier request
	// with the same client id.
	Replayed bool
	// DebitBalanceAfter and CreditBalanceAfter are the posted balances after
	// this transfer (for posted and post transfers).
	DebitBalanceAfter  int64
	CreditBalanceAfter int64
}

// Errors of Apply.
var (
	ErrIdempotencyConflict = apperr.New(apperr.Conflict, "ledger.idempotency_conflict", "this request id was already used for a different request")
	ErrPendingNotFound     = apperr.New(apperr.NotFound, "ledger.pending_not_found", "the hold does not exist")
	ErrPendingSettled      = apperr.New(apperr.Conflict, "ledger.pending_settled", "the hold has already been posted, voided or timed out")
	ErrPendingExpired      = apperr.New(apperr.Conflict, "ledger.pending_expired", "the hold has timed out")
)

// InsufficientError reports an account that a transfer would take beyond its limit.
type InsufficientError struct {
	AccountID string
	Available int64
	Wanted    int64
}

func (e *InsufficientError) Error() string {
	return fmt.Sprintf("insufficient balance in account %s: available %d, wanted %d", e.AccountID, e.Available, e.Wanted)
}

// AsAppErr presents the error as a domain error.
func (e *InsufficientError) AsAppErr() *apperr.Error {
	return apperr.New(apperr.Insufficient, "ledger.insufficient", "the balance is insufficient")
}

// Unwrap lets errors.As find the domain error.
func (e *InsufficientError) Unwrap() error { return e.AsAppErr() }

func (r *Request) kind() string {
	switch {
	case r.PostPendingID != "":
		return KindPost
	case r.VoidPendingID != "":
		return KindVoid
	case r.Pending:
		return KindPending
	}
	return KindPosted
}

func (r *Request) validate() error {
	if r.ClientID == "" || len(r.ClientID) > 200 {
		return apperr.Field("client_id", "ledger.client_id_required", "a request id of at most 200 characters is required")
	}
	if r.Code == "" {
		return apperr.Field("code", "ledger.code_required", "a trade type is required")
	}
	if r.PostPendingID != "" && r.VoidPendingID != "" {
		return apperr.Field("pending_id", "ledger.post_and_void", "a transfer cannot both post and void a hold")
	}
	switch r.kind() {
	case KindPosted, KindPending:
		if r.Amount <= 0 {
			return apperr.Field("amount", "ledger.amount_positive", "the amount must be greater than zero")
		}
		if r.Debit == "" || r.Credit == "" || r.Debit == r.Credit {
			return apperr.Field("account", "ledger.accounts_invalid", "a transfer needs two different accounts")
		}
	case KindPost:
		if r.Amount < 0 {
			return apperr.Field("amount", "ledger.amount_positive", "the amount must be greater than zero")
		}
	}
	if r.Timeout < 0 || (r.Timeout > 0 && !r.Pending) {
		return apperr.Field("timeout", "ledger.timeout_invalid", "only a hold can time out, after a positive duration")
	}
	return nil
}

// hash fingerprints what the request asks, for idempotency.
func (r *Request) hash() string {
	b, _ := json.Marshal(struct {
		D, C, Code, Post, Void string
		A                      int64
		P                      bool
		T                      time.Duration
		M                      map[string]string
	}{r.Debit, r.Credit, r.Code, r.PostPendingID, r.VoidPendingID, r.Amount, r.Pending, r.Timeout, r.Meta})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Apply applies linked transfers in the caller's transaction: all of them or
// none. A request whose client id was used before by the same request is not
// applied again; its first result is returned with Replayed set.
func Apply(ctx context.Context, tx *store.Tx, reqs ...Request) ([]*Transfer, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	for i := range reqs {
		if err := reqs[i].validate(); err != nil {
			return nil, err
		}
	}
	// Fingerprints are taken of the requests as the caller sent them, before
	// settling a hold fills in its accounts, so that a retry matches.
	hashes := make([]string, len(reqs))
	for i := range reqs {
		hashes[i] = reqs[i].hash()
	}
	replayed, err := replays(ctx, tx, reqs, hashes)
	if err != nil || replayed != nil {
		return replayed, err
	}

	// Settling a hold takes its accounts and amount from the hold.
	holds := map[string]*Transfer{}
	for i := range reqs {
		r := &reqs[i]
		pid := r.PostPendingID + r.VoidPendingID
		if pid == "" {
			continue
		}
		h, err := openHold(ctx, tx, pid)
		if err != nil {
			return nil, err
		}
		if r.kind() == KindPost && !h.TimeoutAt.IsZero() && !tx.Now.Before(h.TimeoutAt) {
			return nil, ErrPendingExpired
		}
		if r.kind() == KindPost && r.Amount > h.Amount {
			return nil, apperr.Field("amount", "ledger.post_exceeds_hold", "cannot post more than the hold")
		}
		if _, dup := holds[pid]; dup {
			return nil, ErrPendingSettled
		}
		holds[pid] = h
		r.Debit, r.Credit = h.Debit, h.Credit
		if r.Meta == nil {
			r.Meta = h.Meta
		}
		if r.kind() == KindPost && r.Amount == 0 {
			r.Amount = h.Amount
		}
	}

	var accountIDs []string
	for _, r := range reqs {
		accountIDs = append(accountIDs, r.Debit, r.Credit)
	}
	accounts, err := lock(ctx, tx, accountIDs)
	if err != nil {
		return nil, err
	}
	w := &writeSet{accounts: accounts}
	out, err := w.add(reqs, hashes, holds, tx.Now)
	if err != nil {
		return nil, err
	}
	return out, w.write(ctx, tx)
}

// add decides linked transfers against the accounts in memory and queues
// them for writing: all of them, or, on an error, none (the accounts are
// then as they were).
func (w *writeSet) add(reqs []Request, hashes []string, holds map[string]*Transfer, now time.Time) ([]*Transfer, error) {
	before := make(map[string]Account, 2*len(reqs))
	for _, r := range reqs {
		for _, id := range [2]string{r.Debit, r.Credit} {
			if _, ok := before[id]; !ok {
				before[id] = *w.accounts[id]
			}
		}
	}
	restore := func() {
		for id, a := range before {
			*w.accounts[id] = a
		}
	}
	linked := ids.New()
	out := make([]*Transfer, len(reqs))
	var entries []entry
	for i := range reqs {
		r := &reqs[i]
		d, c := w.accounts[r.Debit], w.accounts[r.Credit]
		t := &Transfer{ID: ids.New(), ClientID: r.ClientID, Debit: r.Debit, Credit: r.Credit, Amount: r.Amount, Kind: r.kind(),
			PendingID: r.PostPendingID + r.VoidPendingID, Code: r.Code, LinkedID: linked, Meta: r.Meta, CreatedAt: now}
		if r.Timeout > 0 {
			t.TimeoutAt = now.Add(r.Timeout)
		}
		switch t.Kind {
		case KindPending:
			if err := checkAvailable(d, r.Amount); err != nil {
				restore()
				return nil, err
			}
			d.DebitsPending += r.Amount
			c.CreditsPending += r.Amount
		case KindVoid, KindPost:
			h := holds[t.PendingID]
			d.DebitsPending -= h.Amount
			c.CreditsPending -= h.Amount
			if t.Kind == KindVoid {
				t.Amount = h.Amount
			}
		}
		if t.Kind == KindPosted || t.Kind == KindPost {
			if err := checkAvailable(d, r.Amount); err != nil {
				restore()
				return nil, err
			}
			d.DebitsPosted += r.Amount
			c.CreditsPosted += r.Amount
			d.EntryCount++
			c.EntryCount++
			t.DebitBalanceAfter, t.CreditBalanceAfter = d.Balance(), c.Balance()
			entries = append(entries,
				entry{transfer: t.ID, account: d.ID, seq: d.EntryCount, amount: -r.Amount, after: d.Balance(), code: t.Code},
				entry{transfer: t.ID, account: c.ID, seq: c.EntryCount, amount: r.Amount, after: c.Balance(), code: t.Code})
		}
		out[i] = t
	}
	w.transfers = append(w.transfers, out...)
	w.hashes = append(w.hashes, hashes...)
	w.entries = append(w.entries, entries...)
	return out, nil
}

type entry struct {
	transfer, account string
	seq, amount       int64
	after             int64
	code              string
}

func checkAvailable(a *Account, amount int64) error {
	if a.Unbounded {
		return nil
	}
	if avail := a.Available(); avail < amount {
		return &InsufficientError{AccountID: a.ID, Available: avail, Wanted: amount}
	}
	return nil
}

// replays answers a call whose client ids were all used before by the same
// requests. A call mixing used and new ids, or reusing an id for another
// request, is refused.
func replays(ctx context.Context, tx *store.Tx, reqs []Request, hashes []string) ([]*Transfer, error) {
	out := make([]*Transfer, len(reqs))
	found := 0
	for i := range reqs {
		var hash string
		t, err := scanTransfer(tx.QueryRowContext(ctx, `SELECT `+transferColumns+`, request_hash FROM ledger_transfers WHERE client_id = ?`,
			reqs[i].ClientID), &hash)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if hash != hashes[i] {
			return nil, ErrIdempotencyConflict
		}
		t.Replayed = true
		out[i] = t
		found++
	}
	switch found {
	case 0:
		return nil, nil
	case len(reqs):
		return out, nil
	}
	return nil, ErrIdempotencyConflict
}

// openHold returns a pending transfer that is still open.
func openHold(ctx context.Context, tx *store.Tx, id string) (*Transfer, error) {
	h, err := scanTransfer(tx.QueryRowContext(ctx, `SELECT `+transferColumns+` FROM ledger_transfers WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) || (err == nil && h.Kind != KindPending) {
		return nil, ErrPendingNotFound
	}
	if err != nil {
		return nil, err
	}
	var settled int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_transfers WHERE pending_id = ?`, id).Scan(&settled); err != nil {
		return nil, err
	}
	if settled > 0 {
		return nil, ErrPendingSettled
	}
	return h, nil
}

const transferColumns = `id, client_id, debit_account_id, credit_account_id, amount, kind, COALESCE(pending_id, ''), code, linked_id,
	COALESCE(timeout_at, 0), meta, created_at`

func scanTransfer(row interface{ Scan(...any) error }, extra ...any) (*Transfer, error) {
	var t Transfer
	var timeout, created int64
	var meta string
	dest := append([]any{&t.ID, &t.ClientID, &t.Debit, &t.Credit, &t.Amount, &t.Kind, &t.PendingID, &t.Code, &t.LinkedID,
		&timeout, &meta, &created}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, store.ScanErr(err)
	}
	t.TimeoutAt, t.CreatedAt = store.Time(timeout), store.Time(created)
	if meta != "" && meta != "{}" {
		_ = json.Unmarshal([]byte(meta), &t.Meta)
	}
	return &t, nil
}

// GetTransfer returns a transfer by id.
func GetTransfer(ctx context.Context, q store.Queryer, id string) (*Transfer, error) {
	t, err := scanTransfer(q.QueryRowContext(ctx, `SELECT `+transferColumns+` FROM ledger_transfers WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, apperr.NotFoundf("ledger.transfer_not_found", "transfer not found")
	}
	return t, err
}

// VoidExpired releases up to limit holds whose timeout has passed, each by a
// void transfer of its own; it returns how many it released.
func VoidExpired(ctx context.Context, tx *store.Tx, limit int) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT t.id FROM ledger_transfers t WHERE t.kind = 'pending' AND t.timeout_at IS NOT NULL
		AND t.timeout_at <= ? AND NOT EXISTS (SELECT 1 FROM ledger_transfers s WHERE s.pending_id = t.id) ORDER BY t.timeout_at LIMIT ?`,
		store.Micros(tx.Now), limit)
	if err != nil {
		return 0, err
	}
	var expired []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		expired = append(expired, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range expired {
		if _, err := Apply(ctx, tx, Request{ClientID: "timeout:" + id, VoidPendingID: id, Code: "HOLD_TIMEOUT"}); err != nil {
			return 0, err
		}
	}
	return len(expired), nil
}

func sortedUnique(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
