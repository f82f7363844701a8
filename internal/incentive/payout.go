package incentive

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"partnercenter/internal/coupon"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// Payout is the payout (激励申付) of one confirmed statement.
type Payout struct {
	ID            string
	StatementID   string
	PartnerID     string
	Month         Month
	Amount        int64
	Status        string
	Method        string // "" until applied; then fixed
	AutoApplied   bool
	AppliedBy     string
	AppliedAt     time.Time
	ApprovedBy    string
	ApprovedAt    time.Time
	InvoiceNumber string
	BankReference string
	QuotaID       string // the voucher quota granted
	TransferID    string // the ledger transfer of a recharge
	ErrorMessage  string // why issuing the voucher quota failed (for staff)
	Attempts      int
	PaidBy        string
	CompletedAt   time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Outcome is what the payout row says, as the seed's table of payout
// statuses does: how it was paid (or what went wrong) and what the partner
// must do, as message keys of the i18n catalogue.
func (p *Payout) Outcome() (description, partnerAction string) {
	switch {
	case p.Status == PayoutError:
		return "incentive.outcome.voucher_error", "incentive.action.contact_support"
	case p.Status != PayoutCompleted:
		return "", "incentive.action." + p.Status
	}
	return "incentive.outcome." + p.Method, "incentive.action.none"
}

const payoutColumns = `id, statement_id, partner_id, bill_month, amount, status, method, auto_applied, applied_by, COALESCE(applied_at, 0),
	approved_by, COALESCE(approved_at, 0), invoice_number, bank_reference, quota_id, transfer_id, error_message, attempts, paid_by,
	COALESCE(completed_at, 0), created_at, updated_at`

func scanPayout(row interface{ Scan(...any) error }) (*Payout, error) {
	var p Payout
	var applied, approved, completed, created, updated int64
	err := row.Scan(&p.ID, &p.StatementID, &p.PartnerID, &p.Month, &p.Amount, &p.Status, &p.Method, &p.AutoApplied, &p.AppliedBy,
		&applied, &p.ApprovedBy, &approved, &p.InvoiceNumber, &p.BankReference, &p.QuotaID, &p.TransferID, &p.ErrorMessage,
		&p.Attempts, &p.PaidBy, &completed, &created, &updated)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	p.AppliedAt, p.ApprovedAt, p.CompletedAt = store.Time(applied), store.Time(approved), store.Time(completed)
	p.CreatedAt, p.UpdatedAt = store.Time(created), store.Time(updated)
	return &p, nil
}

// GetPayout returns one of a partner's payouts.
func GetPayout(ctx context.Context, q store.Queryer, partnerID, id string) (*Payout, error) {
	p, err := scanPayout(q.QueryRowContext(ctx, `SELECT `+payoutColumns+` FROM incentive_payouts WHERE id = ? AND partner_id = ?`, id, partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrPayoutNotFound
	}
	return p, err
}

// PayoutByID returns any partner's payout (provider back office).
func PayoutByID(ctx context.Context, q store.Queryer, id string) (*Payout, error) {
	p, err := scanPayout(q.QueryRowContext(ctx, `SELECT `+payoutColumns+` FROM incentive_payouts WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrPayoutNotFound
	}
	return p, err
}

// lockPayout reads a payout for change; partnerID "" is the back office.
func lockPayout(ctx context.Context, tx *store.Tx, partnerID, id string) (*Payout, error) {
	where, args := `id = ?`, []any{id}
	if partnerID != "" {
		where, args = where+` AND partner_id = ?`, append(args, partnerID)
	}
	p, err := scanPayout(tx.QueryRowContext(ctx, `SELECT `+payoutColumns+` FROM incentive_payouts WHERE `+where+forUpdate(tx), args...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrPayoutNotFound
	}
	return p, err
}

// PayoutFilter selects payouts. PartnerID "" lists every partner's (back
// office only).
type PayoutFilter struct {
	PartnerID     string
	Status        string
	Method        string
	From, To      Month
	Offset, Limit int
}

// ListPayouts returns a page of payouts, newest month first, and the total.
func ListPayouts(ctx context.Context, q store.Queryer, f PayoutFilter) ([]*Payout, int, error) {
	where, args := []string{"1=1"}, []any{}
	for _, c := range []struct{ col, v string }{{"partner_id", f.PartnerID}, {"status", f.Status}, {"method", f.Method}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	where, args = monthRange(where, args, "bill_month", f.From, f.To)
	w := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM incentive_payouts WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+payoutColumns+` FROM incentive_payouts WHERE `+w+`
		ORDER BY bill_month DESC, created_at DESC, id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Payout
	for rows.Next() {
		p, err := scanPayout(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// Settings are a partner's payout preferences.
type Settings struct {
	AutoApply bool
	Method    string // the method auto-apply uses
}

// GetSettings returns a partner's settings (off when never saved).
func GetSettings(ctx context.Context, q store.Queryer, partnerID string) (Settings, error) {
	var s Settings
	err := q.QueryRowContext(ctx, `SELECT auto_apply, method FROM incentive_settings WHERE partner_id = ?`, partnerID).Scan(&s.AutoApply, &s.Method)
	if errors.Is(store.ScanErr(err), store.ErrNotFound) {
		return Settings{}, nil
	}
	return s, err
}

// SaveSettings sets a partner's preferences. Turning auto-apply on applies
// the payouts already waiting for an application, with the method given.
func SaveSettings(ctx context.Context, tx *store.Tx, partnerID string, s Settings, by string) ([]*Payout, error) {
	if s.AutoApply && s.Method == "" {
		return nil, ErrMethodRequired
	}
	if s.Method != "" && !validMethod(s.Method) {
		return nil, errMethodUnknown
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO incentive_settings (partner_id, auto_apply, method, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (partner_id) DO UPDATE SET auto_apply = excluded.auto_apply, method = excluded.method,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`, partnerID, s.AutoApply, s.Method, by, store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	if !s.AutoApply {
		return nil, nil
	}
	waiting, _, err := ListPayouts(ctx, tx, PayoutFilter{PartnerID: partnerID, Status: PayoutPendingApplication, Limit: 1000})
	if err != nil {
		return nil, err
	}
	var applied []*Payout
	for _, p := range waiting {
		a, err := apply(ctx, tx, partnerID, p.ID, s.Method, by, true)
		if err != nil {
			return nil, err
		}
		applied = append(applied, a)
	}
	return applied, nil
}

var errMethodUnknown = apperr.Field("method", "incentive.method_unknown", "choose one of the payout methods")

// createPayout opens the payout of a statement just confirmed.
func createPayout(ctx context.Context, tx *store.Tx, st *Statement, by string) (*Payout, error) {
	p := &Payout{ID: ids.New(), StatementID: st.ID, PartnerID: st.PartnerID, Month: st.Month, Amount: st.Payable,
		Status: PayoutPendingApplication, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if _, err := tx.ExecContext(ctx, `INSERT INTO incentive_payouts (id, statement_id, partner_id, bill_month, amount, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.StatementID, p.PartnerID, int(p.Month), p.Amount, p.Status,
		store.Micros(tx.Now), store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	s, err := GetSettings(ctx, tx, st.PartnerID)
	if err != nil || !s.AutoApply {
		return p, err
	}
	return apply(ctx, tx, st.PartnerID, p.ID, s.Method, by, true)
}

// Apply is the partner's application for a payout, choosing its method
// once. Applying again is refused: with the same method as already
// applied, with another method because the method is fixed.
func Apply(ctx context.Context, tx *store.Tx, partnerID, payoutID, method, by string) (*Payout, error) {
	return apply(ctx, tx, partnerID, payoutID, method, by, false)
}

func apply(ctx context.Context, tx *store.Tx, partnerID, payoutID, method, by string, auto bool) (*Payout, error) {
	p, err := lockPayout(ctx, tx, partnerID, payoutID)
	if err != nil {
		return nil, err
	}
	switch {
	case p.Method != "" && method != "" && method != p.Method:
		return nil, ErrMethodFixed
	case p.Status != PayoutPendingApplication:
		return nil, ErrAlreadyApplied
	case method == "":
		return nil, ErrMethodRequired
	case !validMethod(method):
		return nil, errMethodUnknown
	}
	p.Method, p.Status, p.AutoApplied, p.AppliedBy, p.AppliedAt, p.UpdatedAt = method, PayoutProcessing, auto, by, tx.Now, tx.Now
	_, err = tx.ExecContext(ctx, `UPDATE incentive_payouts SET method = ?, status = ?, auto_applied = ?, applied_by = ?, applied_at = ?, updated_at = ?
		WHERE id = ?`, p.Method, p.Status, p.AutoApplied, by, store.Micros(tx.Now), store.Micros(tx.Now), p.ID)
	return p, err
}

// ApprovePayout is provider finance's approval of an application: the
// partner is then asked for its invoice (待开票).
func ApprovePayout(ctx context.Context, tx *store.Tx, payoutID, by string) (*Payout, error) {
	p, err := lockPayout(ctx, tx, "", payoutID)
	if err != nil {
		return nil, err
	}
	if p.Status != PayoutProcessing {
		return nil, ErrPayoutState
	}
	p.Status, p.ApprovedBy, p.ApprovedAt, p.UpdatedAt = PayoutPendingInvoice, by, tx.Now, tx.Now
	_, err = tx.ExecContext(ctx, `UPDATE incentive_payouts SET status = ?, approved_by = ?, approved_at = ?, updated_at = ? WHERE id = ?`,
		p.Status, by, store.Micros(tx.Now), store.Micros(tx.Now), p.ID)
	return p, err
}

func cleanText(field, key, s string, err *apperr.Error) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", err
	}
	if utf8.RuneCountInString(s) > 64 {
		return "", apperr.Field(field, key, "at most 64 characters")
	}
	return s, nil
}

// SubmitInvoice records the number of the invoice the partner issued to
// the provider for a payout waiting for it.
func SubmitInvoice(ctx context.Context, tx *store.Tx, partnerID, payoutID, number, by string) (*Payout, error) {
	number, err := cleanText("invoice_number", "incentive.invoice_long", number, ErrInvoiceRequired)
	if err != nil {
		return nil, err
	}
	p, err := lockPayout(ctx, tx, partnerID, payoutID)
	if err != nil {
		return nil, err
	}
	if p.Status != PayoutPendingInvoice {
		return nil, ErrPayoutState
	}
	p.InvoiceNumber, p.UpdatedAt = number, tx.Now
	_, err = tx.ExecContext(ctx, `UPDATE incentive_payouts SET invoice_number = ?, updated_at = ? WHERE id = ?`, number, store.Micros(tx.Now), p.ID)
	return p, err
}

// Payment is what provider finance enters to pay: the partner's invoice
// number when the partner has not entered it, and for a bank transfer its
// reference.
type Payment struct {
	InvoiceNumber string
	Reference     string
	By            string
}

// QuotaGranter grants a voucher quota; coupon.Grant in production.
type QuotaGranter func(ctx context.Context, tx *store.Tx, n coupon.NewQuota, by string) (*coupon.Quota, error)

// ErrVoucherFailed answers a payment whose voucher quota could not be
// issued; the payout is left in PayoutError for a retry.
var ErrVoucherFailed = apperr.New(apperr.Conflict, "incentive.voucher_failed", "the voucher quota could not be issued; the payout waits for a retry")

// VoucherValidity is how long a voucher quota paid as an incentive is valid.
const VoucherValidity = 365 * 24 * time.Hour

// PayPayout pays a payout waiting for it (pending invoice, or in error for
// a retry) and completes it; paying a completed payout again returns it
// unchanged. See PayPayoutWith.
func PayPayout(ctx context.Context, db *store.DB, payoutID string, pay Payment) (*Payout, error) {
	return PayPayoutWith(ctx, db, payoutID, pay, coupon.Grant)
}

// PayPayoutWith pays with the given voucher quota granter. The money moves
// in the same transaction as the completion, keyed by the payout id, so a
// payout is paid once. When the granter fails, that transaction is undone
// and a second one records the error on the payout (PayoutError, the
// partner is told to contact support) and returns ErrVoucherFailed.
func PayPayoutWith(ctx context.Context, db *store.DB, payoutID string, pay Payment, grant QuotaGranter) (*Payout, error) {
	var out *Payout
	var grantErr error
	var invoice string // kept with the error, so that a retry needs it no more
	err := db.InTx(ctx, func(tx *store.Tx) error {
		grantErr = nil
		p, err := lockPayout(ctx, tx, "", payoutID)
		if err != nil {
			return err
		}
		if p.Status == PayoutCompleted {
			out = p
			return nil
		}
		if p.Status != PayoutPendingInvoice && p.Status != PayoutError {
			return ErrPayoutState
		}
		if pay.InvoiceNumber != "" || p.InvoiceNumber == "" {
			if p.InvoiceNumber, err = cleanText("invoice_number", "incentive.invoice_long", pay.InvoiceNumber, ErrInvoiceRequired); err != nil {
				return err
			}
		}
		invoice = p.InvoiceNumber
		if err := moveMoney(ctx, tx, p, pay, grant); err != nil {
			if p.Method == MethodVoucherQuota && apperr.CodeOf(err) != apperr.Invalid {
				grantErr = err
			}
			return err
		}
		p.Status, p.PaidBy, p.CompletedAt, p.UpdatedAt, p.ErrorMessage = PayoutCompleted, pay.By, tx.Now, tx.Now, ""
		p.Attempts++
		if _, err := tx.ExecContext(ctx, `UPDATE incentive_payouts SET status = ?, invoice_number = ?, bank_reference = ?, quota_id = ?,
			transfer_id = ?, error_message = '', attempts = ?, paid_by = ?, completed_at = ?, updated_at = ? WHERE id = ?`,
			p.Status, p.InvoiceNumber, p.BankReference, p.QuotaID, p.TransferID, p.Attempts, pay.By, store.Micros(tx.Now),
			store.Micros(tx.Now), p.ID); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE incentive_statements SET status = ?, paid_at = ? WHERE id = ?`, StatusPaid, store.Micros(tx.Now), p.StatementID); err != nil {
			return err
		}
		out = p
		return webhook.Emit(ctx, tx, p.PartnerID, webhook.IncentivePaid, map[string]any{"payout_id": p.ID, "statement_id": p.StatementID,
			"month": p.Month.String(), "amount": webhook.Money(p.Amount), "method": p.Method, "quota_id": p.QuotaID,
			"transfer_id": p.TransferID, "paid_at": webhook.Time(tx.Now)})
	})
	if grantErr == nil {
		return out, err
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		p, err := lockPayout(ctx, tx, "", payoutID)
		if err != nil {
			return err
		}
		p.Status, p.ErrorMessage, p.InvoiceNumber, p.UpdatedAt = PayoutError, truncate(grantErr.Error(), 500), invoice, tx.Now
		p.Attempts++
		out = p
		_, err = tx.ExecContext(ctx, `UPDATE incentive_payouts SET status = ?, error_message = ?, invoice_number = ?, attempts = ?, updated_at = ?
			WHERE id = ?`, p.Status, p.ErrorMessage, p.InvoiceNumber, p.Attempts, store.Micros(tx.Now), p.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, ErrVoucherFailed
}

// RetryPayout pays a payout left in error again (provider finance).
func RetryPayout(ctx context.Context, db *store.DB, payoutID, by string) (*Payout, error) {
	return PayPayout(ctx, db, payoutID, Payment{By: by})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Ledger accounts of incentive payouts.
const (
	kindIncentiveFunding = "incentive_funding" // the provider's: pays every incentive
	kindCloudAccount     = "cloud_account"     // the partner's own cloud account (华为云账户)
)

// CodeIncentive is the ledger code (the statement's trade type) of an
// incentive paid into an account. It is not RECHARGE: an incentive is not
// money the partner paid, so it is not invoiceable and is told apart in
// 收支明细.
const CodeIncentive = "INCENTIVE"

// moveMoney pays p by its method.
func moveMoney(ctx context.Context, tx *store.Tx, p *Payout, pay Payment, grant QuotaGranter) error {
	switch p.Method {
	case MethodBankTransfer:
		ref, err := cleanText("reference", "incentive.reference_long", pay.Reference, ErrReferenceRequired)
		if err != nil {
			return err
		}
		p.BankReference = ref
		return nil
	case MethodVoucherQuota:
		q, err := grant(ctx, tx, coupon.NewQuota{PartnerID: p.PartnerID, Type: coupon.VoucherQuota, Value: p.Amount,
			EffectiveAt: tx.Now, ExpiresAt: tx.Now.Add(VoucherValidity)}, pay.By)
		if err != nil {
			return err
		}
		p.QuotaID = q.ID
		return nil
	}
	kind := funds.KindRecharge
	if p.Method == MethodCloudAccount {
		kind = kindCloudAccount
	}
	from, err := ledger.Open(ctx, tx, ledger.AccountSpec{Kind: kindIncentiveFunding, OwnerType: "provider", OwnerID: "provider", Unbounded: true})
	if err != nil {
		return err
	}
	to, err := ledger.Open(ctx, tx, ledger.AccountSpec{Kind: kind, OwnerType: "partner", OwnerID: p.PartnerID, PartnerID: p.PartnerID})
	if err != nil {
		return err
	}
	ts, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: "incentive:" + p.ID, Debit: from.ID, Credit: to.ID, Amount: p.Amount, Code: CodeIncentive,
		Meta: map[string]string{"source": "incentive", "payout_id": p.ID, "month": p.Month.String()}})
	if err != nil {
		return err
	}
	p.TransferID = ts[0].ID
	return nil
}
