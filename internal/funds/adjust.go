package funds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/customer"
	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Adjustment is one 调账记录 row.
type Adjustment struct {
	TransID         string
	PartnerID       string
	CustomerID      string
	CustomerName    string
	IndirectPartner string
	OperationType   string
	Amount          int64
	Memo            string
	Operator        string
	At              time.Time
}

var (
	// ErrReferral refuses money for a referral customer.
	ErrReferral = apperr.New(apperr.Conflict, "funds.referral_customer", "referral customers pay the provider themselves and cannot be funded").WithAPICode("CBC.0100")
	errMemoLong = apperr.Field("memo", "funds.memo_long", "the memo must be at most 200 characters")
)

// Allocate (拨款) moves money from a partner to one of its resale customers:
// from the recharge account first and, when that is not enough, the rest
// from the credit line. client makes the operation idempotent.
func Allocate(ctx context.Context, tx *store.Tx, partnerID, customerID string, amount int64, memo, operator, client string) (*Result, error) {
	return MoveCustomer(ctx, tx, CustomerMove{PartnerID: partnerID, CustomerID: customerID, Op: OpAllocate, Amount: amount, Memo: memo,
		Operator: operator, Client: client})
}

// Reclaim (回收) returns money from a resale customer to its partner, never
// more than the customer's available balance; used credit is repaid first.
func Reclaim(ctx context.Context, tx *store.Tx, partnerID, customerID string, amount int64, memo, operator, client string) (*Result, error) {
	return MoveCustomer(ctx, tx, CustomerMove{PartnerID: partnerID, CustomerID: customerID, Op: OpReclaim, Amount: amount, Memo: memo,
		Operator: operator, Client: client})
}

// AllocateToReseller moves money from a total distributor's accounts to one
// of its indirect resellers' recharge account.
func AllocateToReseller(ctx context.Context, tx *store.Tx, distributorID, resellerID string, amount int64, operator, client string) (*Result, error) {
	return resellerAdjust(ctx, tx, distributorID, resellerID, OpAllocate, amount, operator, client)
}

// ReclaimFromReseller takes money back from an indirect reseller's recharge
// account, never more than its available balance.
func ReclaimFromReseller(ctx context.Context, tx *store.Tx, distributorID, resellerID string, amount int64, operator, client string) (*Result, error) {
	return resellerAdjust(ctx, tx, distributorID, resellerID, OpReclaim, amount, operator, client)
}

// resellerAdjust moves money between a distributor and one of its
// resellers' recharge account: out of the distributor for OpAllocate, back
// to it for OpReclaim.
func resellerAdjust(ctx context.Context, tx *store.Tx, distributorID, resellerID, op string, amount int64, operator, client string) (*Result, error) {
	if err := isReseller(ctx, tx, distributorID, resellerID); err != nil {
		return nil, err
	}
	return adjust(ctx, tx, adjustment{partnerID: distributorID, indirect: resellerID, op: op, amount: amount, operator: operator, client: client},
		func(*ledger.Account) ([]ledger.Request, error) {
			reseller, err := rechargeAccount(ctx, tx, resellerID)
			if err != nil {
				return nil, err
			}
			if op == OpAllocate {
				return fromPartner(ctx, tx, distributorID, reseller.ID, amount, TradeAllocate)
			}
			return toPartner(ctx, tx, distributorID, reseller.ID, amount, TradeReclaim)
		})
}

func isReseller(ctx context.Context, tx *store.Tx, distributorID, resellerID string) error {
	if resellerID == "" || resellerID == distributorID {
		return apperr.Field("indirect_partner_id", "funds.reseller_required", "choose one of your indirect resellers").WithAPICode("CBC.0100")
	}
	_, err := partner.ActingFor(ctx, tx, distributorID, resellerID)
	return err
}

// fundable refuses a customer that may not receive funds.
func fundable(c *customer.Customer) error {
	if c.AssociationType != customer.Resale {
		return ErrReferral
	}
	return nil
}

type adjustment struct {
	partnerID, customerID, customerName, indirect string
	op                                            string
	amount                                        int64
	memo, operator, client                        string
}

func (a adjustment) hash() string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%s|%s|%d|%s", a.partnerID, a.customerID, a.indirect, a.op, a.amount, a.memo)))
	return hex.EncodeToString(sum[:])
}

// normalise checks an operation's amount and memo and gives it a client id
// when the caller sent none.
func (a *adjustment) normalise() error {
	if err := checkAmount(a.amount); err != nil {
		return err
	}
	a.memo = strings.TrimSpace(a.memo)
	if len([]rune(a.memo)) > 200 {
		return errMemoLong
	}
	if a.client == "" {
		a.client = ids.New()
	}
	return nil
}

// label gives an operation's transfers their client ids (derived from the
// operation's) and the details the statements show.
func (a adjustment) label(reqs []ledger.Request) []ledger.Request {
	meta := map[string]string{"detail": a.op}
	if a.customerID != "" {
		meta["customer_id"], meta["account_name"] = a.customerID, a.customerName
	}
	if a.indirect != "" {
		meta["indirect_partner_id"] = a.indirect
	}
	for i := range reqs {
		reqs[i].ClientID = fmt.Sprintf("%s:%d", a.client, i)
		reqs[i].Meta = meta
	}
	return reqs
}

// recordColumns and recordRow write 调账记录 rows (fund_adjustments).
const (
	recordInsert = `INSERT INTO fund_adjustments (trans_id, client_id, request_hash, partner_id, customer_id, indirect_partner,
		operation_type, amount, memo, operator, at) VALUES `
	recordTuple = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

func (a adjustment) recordRow(transID string, at time.Time) []any {
	return []any{transID, a.client, a.hash(), a.partnerID, nullable(a.customerID), nullable(a.indirect), a.op, a.amount, a.memo,
		a.operator, store.Micros(at)}
}

// adjust runs one idempotent 调账 operation: it replays an earlier one with
// the same client id, or applies the transfers plan builds and records the
// operation.
func adjust(ctx context.Context, tx *store.Tx, a adjustment, plan func(customerAccount *ledger.Account) ([]ledger.Request, error)) (*Result, error) {
	if err := a.normalise(); err != nil {
		return nil, err
	}
	var transID, hash string
	err := store.ScanErr(tx.QueryRowContext(ctx, `SELECT trans_id, request_hash FROM fund_adjustments WHERE client_id = ?`, a.client).Scan(&transID, &hash))
	switch {
	case err == nil:
		if hash != a.hash() {
			return nil, ledger.ErrIdempotencyConflict
		}
		return &Result{TransID: transID, Amount: a.amount, Replayed: true}, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	var custAcct *ledger.Account
	if a.customerID != "" {
		if custAcct, err = customerAccount(ctx, tx, a.partnerID, a.customerID); err != nil {
			return nil, err
		}
	}
	reqs, err := plan(custAcct)
	if err != nil {
		return nil, err
	}
	ts, err := ledger.Apply(ctx, tx, a.label(reqs)...)
	if err != nil {
		return nil, err
	}
	transID = ts[0].LinkedID
	err = store.ExecRows(ctx, tx, recordInsert, recordTuple, "", [][]any{a.recordRow(transID, tx.Now)})
	if errors.Is(err, store.ErrConflict) {
		// A concurrent request with the same client id committed first: run
		// again, and the retry replays it.
		return nil, store.ErrRetry
	}
	if err != nil {
		return nil, err
	}
	return &Result{TransID: transID, Amount: a.amount}, nil
}

// fromPartner plans moving amount out of a partner: the recharge account's
// available balance first, then the credit line.
func fromPartner(ctx context.Context, tx *store.Tx, partnerID, to string, amount int64, code string) ([]ledger.Request, error) {
	locked, r, c, err := lockPartner(ctx, tx, partnerID, to)
	if err != nil {
		return nil, err
	}
	return splitOut(locked[r], locked[c], to, amount, code), nil
}

// toPartner plans moving amount back into a partner: repaying used credit
// first, the rest to the recharge account.
func toPartner(ctx context.Context, tx *store.Tx, partnerID, from string, amount int64, code string) ([]ledger.Request, error) {
	locked, r, c, err := lockPartner(ctx, tx, partnerID, from)
	if err != nil {
		return nil, err
	}
	return splitIn(locked[r], locked[c], from, amount, code), nil
}

// lockPartner locks a partner's recharge and credit accounts with the other
// account of a movement, so that the split is decided on balances no
// concurrent movement can make stale before the transfers apply.
func lockPartner(ctx context.Context, tx *store.Tx, partnerID, other string) (locked map[string]*ledger.Account, recharge, credit string, err error) {
	r, c, err := openPartnerAccounts(ctx, tx, partnerID)
	if err != nil {
		return nil, "", "", err
	}
	locked, err = ledger.Lock(ctx, tx, r.ID, c.ID, other)
	return locked, r.ID, c.ID, err
}

// splitOut plans moving amount out of a partner's locked recharge account r
// and credit account c: r's available balance first, then the credit line.
func splitOut(r, c *ledger.Account, to string, amount int64, code string) []ledger.Request {
	fromRecharge := min(max(r.Available(), 0), amount)
	var reqs []ledger.Request
	if fromRecharge > 0 {
		reqs = append(reqs, ledger.Request{Debit: r.ID, Credit: to, Amount: fromRecharge, Code: code})
	}
	if rest := amount - fromRecharge; rest > 0 {
		// The ledger refuses this if the credit line is short, and the whole
		// operation fails.
		reqs = append(reqs, ledger.Request{Debit: c.ID, Credit: to, Amount: rest, Code: code})
	}
	return reqs
}

// splitIn plans moving amount back into a partner: repaying the used credit
// of c first, the rest to the recharge account r.
func splitIn(r, c *ledger.Account, from string, amount int64, code string) []ledger.Request {
	toCredit := min(max(-c.Balance(), 0), amount)
	var reqs []ledger.Request
	if toCredit > 0 {
		reqs = append(reqs, ledger.Request{Debit: from, Credit: c.ID, Amount: toCredit, Code: code})
	}
	if rest := amount - toCredit; rest > 0 {
		reqs = append(reqs, ledger.Request{Debit: from, Credit: r.ID, Amount: rest, Code: code})
	}
	return reqs
}

// AdjustmentFilter selects 调账记录.
type AdjustmentFilter struct {
	PartnerID     string
	CustomerID    string // a customer, or an indirect reseller
	OperationType string
	TransID       string
	From, To      time.Time
	Offset, Limit int
}

// Adjustments lists a partner's 调账记录, newest first, with the total.
func Adjustments(ctx context.Context, q store.Queryer, f AdjustmentFilter) ([]Adjustment, int, error) {
	// rest are the conditions besides the partner's and the customer's.
	var rest []string
	var restArgs []any
	if f.OperationType != "" {
		rest = append(rest, "a.operation_type = ?")
		restArgs = append(restArgs, f.OperationType)
	}
	if f.TransID != "" {
		rest = append(rest, "a.trans_id = ?")
		restArgs = append(restArgs, f.TransID)
	}
	if !f.From.IsZero() {
		rest = append(rest, "a.at >= ?")
		restArgs = append(restArgs, store.Micros(f.From))
	}
	if !f.To.IsZero() {
		rest = append(rest, "a.at <= ?")
		restArgs = append(restArgs, store.Micros(f.To))
	}
	if f.Limit <= 0 {
		f.Limit = 10
	}
	and := func(conds ...string) string { return strings.Join(append(conds, rest...), " AND ") }
	// The API names the indirect reseller of an allocation to a reseller
	// in customer_id, so the customer filter matches either column.
	w, args := and("a.partner_id = ?"), slices.Concat([]any{f.PartnerID}, restArgs)
	source, sourceArgs := "fund_adjustments a", args
	sourceWhere := " WHERE " + w
	if f.CustomerID != "" {
		w, args = and("a.partner_id = ?", "(a.customer_id = ? OR a.indirect_partner = ?)"), slices.Concat([]any{f.PartnerID, f.CustomerID, f.CustomerID}, restArgs)
		// The page is read as the newest records of each column, each from
		// its own index in order, merged: with the OR in one WHERE,
		// PostgreSQL combined two bitmaps and sorted every matching record
		// for the page (or, with a generic plan, walked the partner's
		// records newest first until ten were the customer's), 1.6 to 5.5
		// ms a page in the mixed benchmark, the most expensive statement
		// there. A record naming the id in both columns comes from the
		// first part only.
		newest := func(cond string) string {
			return `SELECT * FROM (SELECT * FROM fund_adjustments a WHERE ` + and("a.partner_id = ?", cond) +
				` ORDER BY a.at DESC, a.trans_id DESC LIMIT ?)`
		}
		n := f.Offset + f.Limit
		source = `(` + newest("a.customer_id = ?") + ` x UNION ALL ` +
			newest("a.indirect_partner = ? AND (a.customer_id IS NULL OR a.customer_id <> ?)") + ` y) a`
		sourceWhere = ""
		sourceArgs = slices.Concat([]any{f.PartnerID, f.CustomerID}, restArgs, []any{n},
			[]any{f.PartnerID, f.CustomerID, f.CustomerID}, restArgs, []any{n})
	}
	count, countArgs := store.CountColumn("fund_adjustments a", w), args
	if len(rest) == 0 {
		// Nothing but the partner and perhaps a customer: the counters know
		// the total.
		count, countArgs = adjustmentsCounted(f.PartnerID, f.CustomerID)
	}
	var total int
	rows, err := q.QueryContext(ctx, `SELECT `+count+`, a.trans_id, a.partner_id, COALESCE(a.customer_id, ''), COALESCE(c.domain_name, ''),
		COALESCE(a.indirect_partner, ''), a.operation_type, a.amount, a.memo, a.operator, a.at
		FROM `+source+` LEFT JOIN customers c ON c.id = a.customer_id`+sourceWhere+` ORDER BY a.at DESC, a.trans_id DESC LIMIT ? OFFSET ?`,
		slices.Concat(countArgs, sourceArgs, []any{f.Limit, f.Offset})...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Adjustment
	for rows.Next() {
		var a Adjustment
		var at int64
		if err := rows.Scan(&total, &a.TransID, &a.PartnerID, &a.CustomerID, &a.CustomerName, &a.IndirectPartner, &a.OperationType,
			&a.Amount, &a.Memo, &a.Operator, &at); err != nil {
			return nil, 0, err
		}
		a.At = store.Time(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		// No row carried the count: nothing matches or the page is past
		// the end.
		err := q.QueryRowContext(ctx, `SELECT `+count, countArgs...).Scan(&total)
		return nil, total, err
	}
	return out, total, nil
}

// adjustmentsCounted is the select-list item that totals a partner's
// 调账记录 from fund_adjustment_counts, which triggers keep exact in the
// transaction of every change (migration 00032), and its arguments:
// the empty subject is all of the partner's records, a customer or reseller id
// those the customer filter matches. Counting the records themselves read
// every one that matches on every call: with a customer, a BitmapOr over
// two indexes and a heap visit a record, 1.3 ms for a customer of 1,100
// records and growing with every movement, more than half of the
// database's time in the mixed benchmark; without, all of the partner's
// records (378,000 for the biggest partner of the large demo set). This
// reads at most 16 rows. It goes in the page's statement, so that the page
// and the total come from one snapshot.
func adjustmentsCounted(partnerID, subject string) (string, []any) {
	return `(SELECT COALESCE(SUM(records), 0) FROM fund_adjustment_counts WHERE partner_id = ? AND subject = ?)`, []any{partnerID, subject}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
