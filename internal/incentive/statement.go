package incentive

import (
	"context"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/store"
)

// Statement is one partner's incentive for one bill month (对账).
type Statement struct {
	ID           string
	PartnerID    string
	Month        Month
	Status       string
	Consumption  int64 // charges of incentive products in the month (fen)
	Refunds      int64 // their refunds (<= 0), deducted first
	Rebate       int64 // sum of the rebate details (signed)
	NewCustomers int
	Bonus        int64 // new-customer bonus
	CarryIn      int64 // negative remainder of the month before (<= 0)
	Payable      int64 // max(0, Rebate + Bonus + CarryIn)
	CarryOut     int64 // min(0, Rebate + Bonus + CarryIn): carried to the next month
	ComputedAt   time.Time
	ConfirmedAt  time.Time
	ConfirmedBy  string
	PaidAt       time.Time
}

// Carried reports whether a negative remainder is carried to the next month.
func (st *Statement) Carried() bool { return st.CarryOut < 0 }

const statementColumns = `id, partner_id, bill_month, status, consumption, refunds, rebate, new_customers, bonus, carry_in, payable,
	carry_out, computed_at, COALESCE(confirmed_at, 0), confirmed_by, COALESCE(paid_at, 0)`

func scanStatement(row interface{ Scan(...any) error }) (*Statement, error) {
	var st Statement
	var computed, confirmed, paid int64
	err := row.Scan(&st.ID, &st.PartnerID, &st.Month, &st.Status, &st.Consumption, &st.Refunds, &st.Rebate, &st.NewCustomers,
		&st.Bonus, &st.CarryIn, &st.Payable, &st.CarryOut, &computed, &confirmed, &st.ConfirmedBy, &paid)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	st.ComputedAt, st.ConfirmedAt, st.PaidAt = store.Time(computed), store.Time(confirmed), store.Time(paid)
	return &st, nil
}

// forUpdate locks the selected row on PostgreSQL (SQLite's one writer
// serialises anyway).
func forUpdate(tx *store.Tx) string {
	if tx.Dialect() == store.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

func statementForUpdate(ctx context.Context, tx *store.Tx, partnerID string, month Month) (*Statement, error) {
	st, err := scanStatement(tx.QueryRowContext(ctx, `SELECT `+statementColumns+` FROM incentive_statements
		WHERE partner_id = ? AND bill_month = ?`+forUpdate(tx), partnerID, int(month)))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return st, err
}

// GetStatement returns one of a partner's statements by id.
func GetStatement(ctx context.Context, q store.Queryer, partnerID, id string) (*Statement, error) {
	st, err := scanStatement(q.QueryRowContext(ctx, `SELECT `+statementColumns+` FROM incentive_statements
		WHERE id = ? AND partner_id = ?`, id, partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return st, err
}

// StatementFilter selects statements. PartnerID "" lists every partner's
// (back office only).
type StatementFilter struct {
	PartnerID     string
	Status        string
	From, To      Month // 0: unbounded
	Offset, Limit int
}

func monthRange(where []string, args []any, col string, from, to Month) ([]string, []any) {
	if from != 0 {
		where, args = append(where, col+" >= ?"), append(args, int(from))
	}
	if to != 0 {
		where, args = append(where, col+" <= ?"), append(args, int(to))
	}
	return where, args
}

// ListStatements returns a page of statements, newest month first, and the total.
func ListStatements(ctx context.Context, q store.Queryer, f StatementFilter) ([]*Statement, int, error) {
	where, args := []string{"1=1"}, []any{}
	if f.PartnerID != "" {
		where, args = append(where, "partner_id = ?"), append(args, f.PartnerID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	where, args = monthRange(where, args, "bill_month", f.From, f.To)
	w := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM incentive_statements WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+statementColumns+` FROM incentive_statements WHERE `+w+`
		ORDER BY bill_month DESC, partner_id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Statement
	for rows.Next() {
		st, err := scanStatement(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, st)
	}
	return out, total, rows.Err()
}

// Detail is one 激励明细 row.
type Detail struct {
	StatementID     string
	PartnerID       string
	Month           Month
	CustomerID      string
	CustomerName    string
	ServiceTypeCode string // "" for a new-customer row
	ManagerUserID   string // "" when no manager was in charge
	Kind            string // KindRebate or KindNewCustomer
	Consumption     int64  // net, signed
	Refunds         int64  // its negative items (<= 0)
	RateBP          int
	Amount          int64 // incentive, fen (signed)
}

// DetailFilter selects a partner's details. ManagerUserID limits them to
// one customer manager's (what a manager with the permission sees).
type DetailFilter struct {
	PartnerID       string // required
	From, To        Month
	CustomerID      string
	ServiceTypeCode string
	ManagerUserID   string
	Kind            string
	Offset, Limit   int
}

func (f *DetailFilter) where() (string, []any) {
	where, args := []string{"d.partner_id = ?"}, []any{f.PartnerID}
	where, args = monthRange(where, args, "d.bill_month", f.From, f.To)
	for _, c := range []struct{ col, v string }{{"d.customer_id", f.CustomerID}, {"d.service_type_code", f.ServiceTypeCode},
		{"d.manager_user_id", f.ManagerUserID}, {"d.kind", f.Kind}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	return strings.Join(where, " AND "), args
}

// ListDetails returns a page of a partner's details (newest month, then
// customer) and the total; Offset/Limit 0/0 returns all, for exports.
func ListDetails(ctx context.Context, q store.Queryer, f DetailFilter) ([]*Detail, int, error) {
	if f.PartnerID == "" {
		return nil, 0, errors.New("incentive: details need a partner scope")
	}
	w, args := f.where()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM incentive_details d WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := ""
	if f.Limit > 0 {
		limit = " LIMIT ? OFFSET ?"
		args = append(args, f.Limit, f.Offset)
	}
	rows, err := q.QueryContext(ctx, `SELECT d.statement_id, d.partner_id, d.bill_month, d.customer_id, COALESCE(c.domain_name, ''),
		d.service_type_code, d.manager_user_id, d.kind, d.consumption, d.refunds, d.rate_bp, d.amount
		FROM incentive_details d LEFT JOIN customers c ON c.id = d.customer_id WHERE `+w+`
		ORDER BY d.bill_month DESC, d.customer_id, d.kind, d.service_type_code, d.manager_user_id`+limit, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Detail
	for rows.Next() {
		var d Detail
		if err := rows.Scan(&d.StatementID, &d.PartnerID, &d.Month, &d.CustomerID, &d.CustomerName, &d.ServiceTypeCode,
			&d.ManagerUserID, &d.Kind, &d.Consumption, &d.Refunds, &d.RateBP, &d.Amount); err != nil {
			return nil, 0, err
		}
		out = append(out, &d)
	}
	return out, total, rows.Err()
}

// ManagerTotal is one manager's incentives in one month (业绩).
type ManagerTotal struct {
	Month         Month
	ManagerUserID string // "" : consumption no manager was in charge of
	Consumption   int64  // net consumption of incentive products with a rebate policy
	Rebate        int64
	NewCustomers  int
	Bonus         int64
}

// ManagerTotals sums a partner's details per month and customer manager,
// oldest month first. managerUserID "" sums every manager's.
func ManagerTotals(ctx context.Context, q store.Queryer, partnerID, managerUserID string, from, to Month) ([]ManagerTotal, error) {
	f := DetailFilter{PartnerID: partnerID, From: from, To: to, ManagerUserID: managerUserID}
	w, args := f.where()
	rows, err := q.QueryContext(ctx, `SELECT d.bill_month, d.manager_user_id,
		SUM(CASE WHEN d.kind = 'rebate' THEN d.consumption ELSE 0 END), SUM(CASE WHEN d.kind = 'rebate' THEN d.amount ELSE 0 END),
		SUM(CASE WHEN d.kind = 'new_customer' THEN 1 ELSE 0 END), SUM(CASE WHEN d.kind = 'new_customer' THEN d.amount ELSE 0 END)
		FROM incentive_details d WHERE `+w+` GROUP BY d.bill_month, d.manager_user_id ORDER BY d.bill_month, d.manager_user_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ManagerTotal
	for rows.Next() {
		var t ManagerTotal
		if err := rows.Scan(&t.Month, &t.ManagerUserID, &t.Consumption, &t.Rebate, &t.NewCustomers, &t.Bonus); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ConfirmStatement is the partner's confirmation of a month waiting for it.
// Nothing payable: the statement is paid at once and no payout is made.
// Otherwise the statement is paying and its payout is created, applied at
// once when the partner turned auto-apply on.
func ConfirmStatement(ctx context.Context, tx *store.Tx, partnerID, statementID, by string) (*Statement, *Payout, error) {
	st, err := GetStatement(ctx, tx, partnerID, statementID)
	if err != nil {
		return nil, nil, err
	}
	if st, err = statementForUpdate(ctx, tx, partnerID, st.Month); err != nil {
		return nil, nil, err
	}
	if st.Status != StatusToConfirm {
		return nil, nil, ErrNotConfirmable
	}
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incentive_statements WHERE partner_id = ? AND bill_month < ? AND status IN (?, ?)`,
		partnerID, int(st.Month), StatusEstimated, StatusToConfirm).Scan(&open); err != nil {
		return nil, nil, err
	}
	if open > 0 {
		return nil, nil, ErrPreviousOpen
	}
	st.ConfirmedAt, st.ConfirmedBy, st.Status = tx.Now, by, StatusPaying
	var paidAt any
	if st.Payable == 0 {
		st.Status, st.PaidAt, paidAt = StatusPaid, tx.Now, store.Micros(tx.Now)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE incentive_statements SET status = ?, confirmed_at = ?, confirmed_by = ?, paid_at = ? WHERE id = ?`,
		st.Status, store.Micros(tx.Now), by, paidAt, st.ID); err != nil {
		return nil, nil, err
	}
	if st.Payable == 0 {
		return st, nil, nil
	}
	p, err := createPayout(ctx, tx, st, by)
	return st, p, err
}
