package invoice

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// Request statuses.
const (
	PendingReview  = "pending_review"  // 待审核
	Issuing        = "issuing"         // 开票中
	PendingReceipt = "pending_receipt" // 待签收
	Issued         = "issued"          // 已开票
	Rejected       = "rejected"        // 已驳回
	Returned       = "returned"        // 已退票
)

// Statuses lists them in their order.
var Statuses = []string{PendingReview, Issuing, PendingReceipt, Issued, Rejected, Returned}

// releasing are the statuses whose amount is invoiceable again.
var releasing = []string{Rejected, Returned}

// Request is an invoice request (开票申请) and, once issued, its invoice.
type Request struct {
	ID            string
	Code          string
	PartnerID     string
	PartnerName   string
	InfoID        string
	InfoFields    // as they were when the request was made
	Amount        int64
	Status        string
	Reason        string // why it was rejected or returned
	InvoiceNumber string
	RequestedBy   string
	RequestedAt   time.Time
	ReviewedAt    time.Time
	IssuedAt      time.Time
	SignedAt      time.Time
	ReturnedAt    time.Time
	UpdatedAt     time.Time
}

// HasInvoice reports whether the electronic invoice can be downloaded: it
// has been issued and not returned.
func (r *Request) HasInvoice() bool { return r.Status == PendingReceipt || r.Status == Issued }

const requestColumns = `r.id, r.code, r.partner_id, p.display_name, r.info_id, r.title_type, r.invoice_type, r.title, r.taxpayer_id,
	r.bank_name, r.bank_account, r.address, r.phone, r.amount, r.status, r.reason, COALESCE(r.invoice_number, ''), r.requested_by,
	r.requested_at, COALESCE(r.reviewed_at, 0), COALESCE(r.issued_at, 0), COALESCE(r.signed_at, 0), COALESCE(r.returned_at, 0), r.updated_at`

const requestFrom = ` FROM invoice_requests r JOIN partners p ON p.id = r.partner_id`

func scanRequest(row interface{ Scan(...any) error }) (*Request, error) {
	var r Request
	var requested, reviewed, issued, signed, returned, updated int64
	err := row.Scan(&r.ID, &r.Code, &r.PartnerID, &r.PartnerName, &r.InfoID, &r.TitleType, &r.InvoiceType, &r.Title, &r.TaxpayerID,
		&r.BankName, &r.BankAccount, &r.Address, &r.Phone, &r.Amount, &r.Status, &r.Reason, &r.InvoiceNumber, &r.RequestedBy,
		&requested, &reviewed, &issued, &signed, &returned, &updated)
	if err = store.ScanErr(err); errors.Is(err, store.ErrNotFound) {
		return nil, ErrRequestNotFound
	}
	if err != nil {
		return nil, err
	}
	r.RequestedAt, r.ReviewedAt, r.IssuedAt = store.Time(requested), store.Time(reviewed), store.Time(issued)
	r.SignedAt, r.ReturnedAt, r.UpdatedAt = store.Time(signed), store.Time(returned), store.Time(updated)
	return &r, nil
}

// Get returns a request the viewer may see.
func Get(ctx context.Context, q store.Queryer, v Viewer, id string) (*Request, error) {
	cond, args := v.condition()
	return scanRequest(q.QueryRowContext(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = ? AND `+cond, append([]any{id}, args...)...))
}

// Filter selects requests for a list.
type Filter struct {
	Viewer
	Status    string
	PartnerID string // provider staff: one partner's
	Code      string
	From, To  time.Time // requested from (inclusive) to (exclusive); zero: unbounded
	Offset    int
	Limit     int
}

// List returns a page of requests, newest first, and how many match.
func List(ctx context.Context, q store.Queryer, f Filter) ([]*Request, int, error) {
	cond, args := f.condition()
	where := []string{cond}
	if f.Status != "" {
		where, args = append(where, "r.status = ?"), append(args, f.Status)
	}
	if f.PartnerID != "" {
		where, args = append(where, "r.partner_id = ?"), append(args, f.PartnerID)
	}
	if c := strings.TrimSpace(f.Code); c != "" {
		where, args = append(where, "r.code = ?"), append(args, strings.ToUpper(c))
	}
	if !f.From.IsZero() {
		where, args = append(where, "r.requested_at >= ?"), append(args, store.Micros(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "r.requested_at < ?"), append(args, store.Micros(f.To))
	}
	w := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM invoice_requests r`+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	rows, err := q.QueryContext(ctx, `SELECT `+requestColumns+requestFrom+w+` ORDER BY r.requested_at DESC, r.id DESC LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// Invoiceable is how a partner's invoiceable amount is made up (see the
// package doc).
type Invoiceable struct {
	Paid      int64 // recharges recorded by provider finance
	Withdrawn int64 // withdrawals approved or pending
	Requested int64 // requests not rejected or returned
	Available int64 // Paid - Withdrawn - Requested, never below zero
}

// lastDay bounds the range of billing days summed: all of them.
var lastDay = ledger.DayOf(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC))

// InvoiceableOf computes a partner's invoiceable amount.
func InvoiceableOf(ctx context.Context, q store.Queryer, partnerID string) (*Invoiceable, error) {
	var inv Invoiceable
	bal, err := funds.PartnerBalances(ctx, q, partnerID)
	if err != nil {
		return nil, err
	}
	if bal.RechargeAccountID != "" {
		_, tot, err := ledger.Statement(ctx, q, ledger.StatementFilter{AccountID: bal.RechargeAccountID, FromDay: 0,
			ToDay: lastDay, Codes: []string{funds.TradeRecharge}, Limit: 1})
		if err != nil {
			return nil, err
		}
		inv.Paid = tot.Income
	}
	for _, status := range []string{funds.WithdrawalPending, funds.WithdrawalApproved} {
		for offset := 0; ; {
			list, total, err := funds.Withdrawals(ctx, q, partnerID, status, offset, 100)
			if err != nil {
				return nil, err
			}
			for _, w := range list {
				inv.Withdrawn += w.Amount
			}
			if offset += len(list); len(list) == 0 || offset >= total {
				break
			}
		}
	}
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM invoice_requests WHERE partner_id = ? AND status NOT IN (?, ?)`,
		partnerID, releasing[0], releasing[1]).Scan(&inv.Requested); err != nil {
		return nil, err
	}
	inv.Available = max(0, inv.Paid-inv.Withdrawn-inv.Requested)
	return &inv, nil
}

// Submit makes a request of a partner for amount (fen) under one of its
// information records. The amount may not exceed the invoiceable amount;
// requests of one partner are serialised (touchAccount), so two at once
// cannot both take the same money. A non-empty clientID makes the call
// idempotent: the same token returns the request it made first.
func Submit(ctx context.Context, tx *store.Tx, partnerID, infoID string, amount int64, clientID string) (*Request, error) {
	if amount <= 0 || amount > money.MaxFen {
		return nil, apperr.Field("amount", "invoice.amount_positive", "enter an amount greater than zero")
	}
	if infoID == "" {
		return nil, apperr.Field("info_id", "invoice.info_required", "choose the invoice information to invoice under")
	}
	info, err := GetInfo(ctx, tx, partnerID, infoID)
	if errors.Is(err, ErrInfoNotFound) {
		return nil, apperr.Field("info_id", "invoice.info_required", "choose the invoice information to invoice under")
	}
	if err != nil {
		return nil, err
	}
	if err := touchAccount(ctx, tx, partnerID); err != nil {
		return nil, err
	}
	// The token is looked up under the account's lock: a submission with
	// the same token that committed while this one waited is found, rather
	// than inserted twice.
	if clientID != "" {
		r, err := scanRequest(tx.QueryRowContext(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.client_id = ? AND r.partner_id = ?`,
			clientID, partnerID))
		if !errors.Is(err, ErrRequestNotFound) {
			return r, err
		}
	}
	inv, err := InvoiceableOf(ctx, tx, partnerID)
	if err != nil {
		return nil, err
	}
	if amount > inv.Available {
		return nil, apperr.Field("amount", "invoice.amount_above_invoiceable", "the amount is above the invoiceable amount, %s",
			money.Format(inv.Available))
	}
	by := auth.From(ctx).ActorName()
	r := &Request{ID: ids.New(), Code: newCode(tx.Now), PartnerID: partnerID, InfoID: info.ID, InfoFields: info.InfoFields, Amount: amount,
		Status: PendingReview, RequestedBy: by, RequestedAt: tx.Now, UpdatedAt: tx.Now}
	if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_requests (id, code, client_id, partner_id, info_id, title_type, invoice_type, title,
		taxpayer_id, bank_name, bank_account, address, phone, amount, status, requested_by, requested_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.Code, nullable(clientID), partnerID, info.ID,
		info.TitleType, info.InvoiceType, info.Title, info.TaxpayerID, info.BankName, info.BankAccount, info.Address, info.Phone,
		amount, r.Status, by, store.Micros(tx.Now), store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	if r, err = Get(ctx, tx, Viewer{}, r.ID); err != nil {
		return nil, err
	}
	return r, recordSubmission(ctx, tx, r)
}

// step is one transition of a request: from which status to which, and the
// refusal when the request is elsewhere.
type step struct {
	action     string // audit action suffix
	from, to   string
	refusalKey string
	refusalMsg string
}

var (
	stepApprove = step{"approve", PendingReview, Issuing, "invoice.not_pending_review", "only a request pending review can be approved or rejected"}
	stepReject  = step{"reject", PendingReview, Rejected, "invoice.not_pending_review", "only a request pending review can be approved or rejected"}
	stepIssue   = step{"issue", Issuing, PendingReceipt, "invoice.not_issuing", "only a request being issued can be given its invoice"}
	stepSign    = step{"sign", PendingReceipt, Issued, "invoice.not_pending_receipt", "only an invoice pending receipt can be signed for"}
	stepReturn  = step{"return", Issued, Returned, "invoice.not_issued", "only an issued invoice can be returned"}
)

// Approve accepts a request pending review (provider finance); it goes to
// issuing.
func Approve(ctx context.Context, tx *store.Tx, id string) (*Request, error) {
	return move(ctx, tx, Viewer{}, id, stepApprove, func(r *Request) { r.ReviewedAt = tx.Now })
}

// Reject refuses a request pending review with a reason (provider
// finance); its amount is invoiceable again.
func Reject(ctx context.Context, tx *store.Tx, id, reason string) (*Request, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	return move(ctx, tx, Viewer{}, id, stepReject, func(r *Request) { r.ReviewedAt, r.Reason = tx.Now, reason })
}

// invoiceNumberPattern: an 8-digit number of the paper-era electronic
// invoice or the 20-digit number of the fully digital one (全电发票).
var invoiceNumberPattern = regexp.MustCompile(`^([0-9]{8}|[0-9]{20})$`)

// Issue gives a request being issued its invoice number (provider
// finance); it then waits for the partner's signature.
func Issue(ctx context.Context, tx *store.Tx, id, number string) (*Request, error) {
	number = strings.TrimSpace(number)
	if !invoiceNumberPattern.MatchString(number) {
		return nil, apperr.Field("invoice_number", "invoice.number_invalid", "enter the invoice number: 8 or 20 digits")
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM invoice_requests WHERE invoice_number = ?`, number).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, apperr.Field("invoice_number", "invoice.number_taken", "another invoice has this number")
	}
	return move(ctx, tx, Viewer{}, id, stepIssue, func(r *Request) { r.IssuedAt, r.InvoiceNumber = tx.Now, number })
}

// Sign records the partner's signature (签收) of an invoice pending
// receipt: it is then issued.
func Sign(ctx context.Context, tx *store.Tx, partnerID, id string) (*Request, error) {
	return move(ctx, tx, Viewer{PartnerID: partnerID}, id, stepSign, func(r *Request) { r.SignedAt = tx.Now })
}

// Return sends an issued invoice back (退票) with a reason; its amount is
// invoiceable again.
func Return(ctx context.Context, tx *store.Tx, partnerID, id, reason string) (*Request, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	return move(ctx, tx, Viewer{PartnerID: partnerID}, id, stepReturn, func(r *Request) { r.ReturnedAt, r.Reason = tx.Now, reason })
}

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 {
		return "", apperr.Field("reason", "invoice.reason_required", "give a reason (at most 200 characters)")
	}
	return reason, nil
}

// auditState is what the audit log keeps of a request on each transition,
// and what its timeline shows.
type auditState struct {
	Status        string `json:"status"`
	Amount        int64  `json:"amount"`
	Reason        string `json:"reason,omitempty"`
	InvoiceNumber string `json:"invoice_number,omitempty"`
}

func stateOf(r *Request) auditState {
	return auditState{Status: r.Status, Amount: r.Amount, Reason: r.Reason, InvoiceNumber: r.InvoiceNumber}
}

// move applies a step to a request the viewer may see, under its row lock.
func move(ctx context.Context, tx *store.Tx, v Viewer, id string, s step, set func(*Request)) (*Request, error) {
	cond, args := v.condition()
	r, err := scanRequest(tx.QueryRowContext(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = ? AND `+cond+forUpdate(tx, "r"),
		append([]any{id}, args...)...))
	if err != nil {
		return nil, err
	}
	if r.Status != s.from {
		return nil, &apperr.Error{Code: apperr.Conflict, Key: s.refusalKey, Msg: s.refusalMsg}
	}
	before := stateOf(r)
	set(r)
	r.Status, r.UpdatedAt = s.to, tx.Now
	if _, err := tx.ExecContext(ctx, `UPDATE invoice_requests SET status = ?, reason = ?, invoice_number = ?, reviewed_at = ?, issued_at = ?,
		signed_at = ?, returned_at = ?, updated_at = ? WHERE id = ?`, r.Status, r.Reason, nullable(r.InvoiceNumber),
		store.NullMicros(r.ReviewedAt), store.NullMicros(r.IssuedAt), store.NullMicros(r.SignedAt), store.NullMicros(r.ReturnedAt),
		store.Micros(tx.Now), r.ID); err != nil {
		return nil, err
	}
	return r, audit.Record(ctx, tx, audit.Change{PartnerID: r.PartnerID, Action: "invoice_request." + s.action,
		ObjectType: "invoice_request", ObjectID: r.ID, Before: before, After: stateOf(r)})
}

// recordSubmission writes the audit entry of a new request: the first
// entry of its timeline.
func recordSubmission(ctx context.Context, tx *store.Tx, r *Request) error {
	return audit.Record(ctx, tx, audit.Change{PartnerID: r.PartnerID, Action: "invoice_request.submit", ObjectType: "invoice_request",
		ObjectID: r.ID, After: stateOf(r)})
}

// Event is one entry of a request's timeline.
type Event struct {
	At            time.Time
	Actor         string
	Action        string // submit, approve, reject, issue, sign, return
	Status        string // the status it led to
	Reason        string
	InvoiceNumber string
}

// Timeline lists a request's transitions, oldest first, from the audit log.
func Timeline(ctx context.Context, q store.Queryer, r *Request) ([]Event, error) {
	entries, _, err := audit.List(ctx, q, audit.Filter{PartnerID: r.PartnerID, ObjectID: r.ID, Action: "invoice_request.", Limit: 100})
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(entries))
	for _, e := range slices.Backward(entries) {
		var s struct{ After auditState }
		if err := json.Unmarshal([]byte(e.Summary), &s); err != nil {
			return nil, err
		}
		out = append(out, Event{At: e.At, Actor: e.ActorName, Action: strings.TrimPrefix(e.Action, "invoice_request."),
			Status: s.After.Status, Reason: s.After.Reason, InvoiceNumber: s.After.InvoiceNumber})
	}
	return out, nil
}

// newCode makes the code users see: INV, the day (UTC+8) and eight random
// letters, e.g. INV261205KQXABMNP.
func newCode(now time.Time) string {
	return "INV" + now.In(RuleDate.Location()).Format("060102") + ids.Letters(8)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
