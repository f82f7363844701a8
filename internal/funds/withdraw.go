package funds

import (
	"context"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Withdrawal statuses.
const (
	WithdrawalPending  = "pending"
	WithdrawalApproved = "approved"
	WithdrawalRejected = "rejected"
)

// Withdrawal is a partner's request to take money out of its recharge account.
type Withdrawal struct {
	ID          string
	PartnerID   string
	Amount      int64
	BankAccount string
	Status      string
	RequestedBy string
	RequestedAt time.Time
	DecidedBy   string
	DecidedAt   time.Time
	Reason      string
}

// RequestWithdrawal holds the amount on the recharge account until provider
// finance decides; the held money cannot be allocated meanwhile.
func RequestWithdrawal(ctx context.Context, tx *store.Tx, partnerID string, amount int64, bankAccount, by string) (*Withdrawal, error) {
	if err := checkAmount(amount); err != nil {
		return nil, err
	}
	bankAccount = strings.TrimSpace(bankAccount)
	if bankAccount == "" || len(bankAccount) > 64 {
		return nil, apperr.Field("bank_account", "funds.bank_account_required", "enter the bank account to pay to (at most 64 characters)")
	}
	from, err := rechargeAccount(ctx, tx, partnerID)
	if err != nil {
		return nil, err
	}
	bank, err := providerBank(ctx, tx)
	if err != nil {
		return nil, err
	}
	w := &Withdrawal{ID: ids.New(), PartnerID: partnerID, Amount: amount, BankAccount: bankAccount, Status: WithdrawalPending,
		RequestedBy: by, RequestedAt: tx.Now}
	ts, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: "withdraw:" + w.ID, Debit: from.ID, Credit: bank.ID, Amount: amount,
		Code: TradeAdjust, Pending: true, Meta: map[string]string{"detail": "WITHDRAW", "withdrawal_id": w.ID}})
	if err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO withdrawals (id, partner_id, amount, bank_account, status, hold_id, requested_by, requested_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, w.ID, partnerID, amount, bankAccount, w.Status, ts[0].ID, by, store.Micros(tx.Now))
	return w, err
}

// DecideWithdrawal approves (the money leaves) or rejects (the hold is
// released) a pending withdrawal; a rejection needs a reason.
func DecideWithdrawal(ctx context.Context, tx *store.Tx, id string, approve bool, reason, by string) (*Withdrawal, error) {
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return nil, apperr.Field("reason", "funds.reason_required", "a reason is required")
	}
	var holdID string
	w, err := getWithdrawal(ctx, tx, "id = ?", id, &holdID)
	if err != nil {
		return nil, err
	}
	if w.Status != WithdrawalPending {
		return nil, apperr.New(apperr.Conflict, "funds.withdrawal_decided", "this withdrawal has already been decided")
	}
	req := ledger.Request{ClientID: "withdraw-decision:" + w.ID, Code: TradeAdjust}
	if approve {
		req.PostPendingID, w.Status = holdID, WithdrawalApproved
	} else {
		req.VoidPendingID, w.Status = holdID, WithdrawalRejected
	}
	if _, err := ledger.Apply(ctx, tx, req); err != nil {
		return nil, err
	}
	w.DecidedBy, w.DecidedAt, w.Reason = by, tx.Now, reason
	_, err = tx.ExecContext(ctx, `UPDATE withdrawals SET status = ?, decided_by = ?, decided_at = ?, reason = ? WHERE id = ?`,
		w.Status, by, store.Micros(tx.Now), reason, w.ID)
	return w, err
}

// Withdrawals lists withdrawals, newest first: a partner's (partnerID set)
// or, for provider finance, all with a status.
func Withdrawals(ctx context.Context, q store.Queryer, partnerID, status string, offset, limit int) ([]*Withdrawal, int, error) {
	where, args := []string{"1=1"}, []any{}
	if partnerID != "" {
		where = append(where, "partner_id = ?")
		args = append(args, partnerID)
	}
	if status != "" {
		where = append(where, "status = ?")
		args = append(args, status)
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM withdrawals WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = 20
	}
	rows, err := q.QueryContext(ctx, `SELECT `+withdrawalColumns+` FROM withdrawals WHERE `+w+` ORDER BY requested_at DESC, id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Withdrawal
	for rows.Next() {
		wd, err := scanWithdrawal(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, wd)
	}
	return out, total, rows.Err()
}

const withdrawalColumns = `id, partner_id, amount, bank_account, status, requested_by, requested_at, decided_by, COALESCE(decided_at, 0), reason`

func scanWithdrawal(row interface{ Scan(...any) error }, extra ...any) (*Withdrawal, error) {
	var w Withdrawal
	var req, dec int64
	if err := row.Scan(append([]any{&w.ID, &w.PartnerID, &w.Amount, &w.BankAccount, &w.Status, &w.RequestedBy, &req, &w.DecidedBy, &dec, &w.Reason}, extra...)...); err != nil {
		return nil, store.ScanErr(err)
	}
	w.RequestedAt, w.DecidedAt = store.Time(req), store.Time(dec)
	return &w, nil
}

func getWithdrawal(ctx context.Context, q store.Queryer, where string, arg any, holdID *string) (*Withdrawal, error) {
	w, err := scanWithdrawal(q.QueryRowContext(ctx, `SELECT `+withdrawalColumns+`, hold_id FROM withdrawals WHERE `+where, arg), holdID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apperr.NotFoundf("funds.withdrawal_not_found", "withdrawal not found")
	}
	return w, err
}
