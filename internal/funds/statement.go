package funds

import (
	"context"
	"errors"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Account tabs of 收支明细, as the API's balance_type.
const (
	BalanceTypeDebit  = "BALANCE_TYPE_DEBIT"  // 充值账户 (cash)
	BalanceTypeCredit = "BALANCE_TYPE_CREDIT" // 信用账户
)

// MaxStatementDays is the longest range, in days, a statement query may span.
const MaxStatementDays = 366

// StatementQuery selects a partner's 收支明细.
type StatementQuery struct {
	PartnerID   string
	BalanceType string
	From, To    time.Time // billing days (dates in UTC+8), inclusive; zero: the last year
	TradeType   string
	Offset      int
	Limit       int
}

// StatementLine is one 收支明细 row.
type StatementLine struct {
	ID              string // account_change_id
	TradeDetailType string
	TradeType       string
	TradeTime       time.Time
	TradeID         string
	Amount          int64 // signed: income positive
	BalanceAfter    int64
	CustomerID      string
	AccountName     string
}

// Income reports whether the line is income (type 1) rather than expense (2).
func (l StatementLine) Income() bool { return l.Amount > 0 }

// Normalize applies the defaults (the last year, up to today) and the rules
// (at most a year, From not after To, a known account and trade type).
func (q *StatementQuery) Normalize(now time.Time) error {
	if q.BalanceType == "" {
		q.BalanceType = BalanceTypeDebit
	}
	if q.BalanceType != BalanceTypeDebit && q.BalanceType != BalanceTypeCredit {
		return apperr.Field("balance_type", "funds.balance_type_invalid", "balance_type must be BALANCE_TYPE_DEBIT or BALANCE_TYPE_CREDIT").WithAPICode("CBC.0100")
	}
	if q.TradeType != "" && !validTradeType(q.TradeType) {
		return apperr.Field("trade_type", "funds.trade_type_invalid", "unknown trade type").WithAPICode("CBC.0100")
	}
	today := now.In(ledger.BillingZone)
	if q.To.IsZero() {
		q.To = today
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(-1, 0, 0)
	}
	from, to := ledger.DayOf(q.From), ledger.DayOf(q.To)
	if from > to {
		return apperr.Field("trade_time_begin", "funds.range_reversed", "the start date is after the end date").WithAPICode("CBC.0100")
	}
	if to-from > MaxStatementDays {
		return apperr.Field("trade_time_begin", "funds.range_too_long", "the time range can span at most one year").WithAPICode("CBC.0100")
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	if q.Limit > 1000 || q.Offset < 0 {
		return apperr.Field("limit", "funds.limit_invalid", "limit must be 1 to 1000 and offset not negative").WithAPICode("CBC.0100")
	}
	return nil
}

func validTradeType(t string) bool {
	for _, x := range TradeTypes {
		if x == t {
			return true
		}
	}
	return false
}

func (q *StatementQuery) filter(ctx context.Context, r store.Queryer) (ledger.StatementFilter, bool, error) {
	kind := KindRecharge
	if q.BalanceType == BalanceTypeCredit {
		kind = KindCredit
	}
	acct, err := ledger.Find(ctx, r, ownerPartner, q.PartnerID, kind)
	if errors.Is(err, ledger.ErrAccountNotFound) {
		return ledger.StatementFilter{}, false, nil
	}
	if err != nil {
		return ledger.StatementFilter{}, false, err
	}
	f := ledger.StatementFilter{AccountID: acct.ID, FromDay: ledger.DayOf(q.From), ToDay: ledger.DayOf(q.To), Offset: q.Offset, Limit: q.Limit}
	if q.TradeType != "" {
		f.Codes = []string{q.TradeType}
	}
	return f, true, nil
}

// Statement returns a page of a partner's 收支明细 and the range's totals.
// q must be normalized.
func Statement(ctx context.Context, r store.Queryer, q StatementQuery) ([]StatementLine, ledger.Totals, error) {
	f, ok, err := q.filter(ctx, r)
	if err != nil || !ok {
		return nil, ledger.Totals{}, err
	}
	lines, tot, err := ledger.Statement(ctx, r, f)
	if err != nil {
		return nil, tot, err
	}
	out := make([]StatementLine, len(lines))
	for i, l := range lines {
		out[i] = statementLine(l)
	}
	return out, tot, nil
}

// EachStatementLine streams every line of the range, oldest first (exports).
func EachStatementLine(ctx context.Context, r store.Queryer, q StatementQuery, fn func(StatementLine) error) error {
	f, ok, err := q.filter(ctx, r)
	if err != nil || !ok {
		return err
	}
	return ledger.EachLine(ctx, r, f, func(l ledger.Line) error { return fn(statementLine(l)) })
}

func statementLine(l ledger.Line) StatementLine {
	detail := l.Meta["detail"]
	if detail == "" {
		detail = "SOURCE_OPERATION_" + l.Code
	}
	return StatementLine{ID: l.EntryID, TradeDetailType: detail, TradeType: l.Code, TradeTime: l.At, TradeID: l.TradeID,
		Amount: l.Amount, BalanceAfter: l.BalanceAfter, CustomerID: l.Meta["customer_id"], AccountName: l.Meta["account_name"]}
}
