package funds

import (
	"context"
	"encoding/json"
	"time"

	"partnercenter/internal/exports"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// Export kinds of this package.
const (
	ExportStatement   = "statement"
	ExportAdjustments = "adjustments"
)

// StatementExport is what a 收支明细 export remembers of its query.
type StatementExport struct {
	BalanceType string    `json:"balance_type"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	TradeType   string    `json:"trade_type,omitempty"`
}

func (p StatementExport) query(partnerID string) StatementQuery {
	return StatementQuery{PartnerID: partnerID, BalanceType: p.BalanceType, From: p.From, To: p.To, TradeType: p.TradeType, Limit: 1}
}

func decodeStatement(raw json.RawMessage, partnerID string) (StatementQuery, error) {
	var p StatementExport
	if err := json.Unmarshal(raw, &p); err != nil {
		return StatementQuery{}, err
	}
	q := p.query(partnerID)
	return q, q.Normalize(time.Now())
}

// AdjustmentsExport is what a 调账记录 export remembers of its query.
type AdjustmentsExport struct {
	CustomerID    string    `json:"customer_id,omitempty"`
	OperationType string    `json:"operation_type,omitempty"`
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
}

func header(locale string, keys ...string) []string {
	l, _ := i18n.Parse(locale)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = i18n.T(l, k)
	}
	return out
}

func init() {
	exports.Register(ExportStatement, exports.Source{
		Title: func(locale string) string { return header(locale, "export.statement.title")[0] },
		Header: func(locale string) []string {
			return header(locale, "export.col.trade_id", "export.col.trade_time", "export.col.trade_type", "export.col.trade_detail",
				"export.col.direction", "export.col.amount", "export.col.balance_after", "export.col.customer_id", "export.col.account_name")
		},
		NumericColumns: []int{5, 6},
		Validate: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) error {
			_, err := decodeStatement(raw, partnerID)
			return err
		},
		Count: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) (int64, error) {
			sq, err := decodeStatement(raw, partnerID)
			if err != nil {
				return 0, err
			}
			_, tot, err := Statement(ctx, q, sq)
			return tot.Count, err
		},
		Each: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage, locale string, row func([]string) error) error {
			sq, err := decodeStatement(raw, partnerID)
			if err != nil {
				return err
			}
			in, out := header(locale, "export.income")[0], header(locale, "export.expense")[0]
			return EachStatementLine(ctx, q, sq, func(l StatementLine) error {
				dir := out
				if l.Income() {
					dir = in
				}
				return row([]string{l.TradeID, l.TradeTime.In(ledger.BillingZone).Format("2006-01-02 15:04:05"), l.TradeType,
					l.TradeDetailType, dir, money.Plain(abs(l.Amount)), money.Plain(l.BalanceAfter), l.CustomerID, l.AccountName})
			})
		},
	})
	exports.Register(ExportAdjustments, exports.Source{
		Title: func(locale string) string { return header(locale, "export.adjustments.title")[0] },
		Header: func(locale string) []string {
			return header(locale, "export.col.trans_id", "export.col.operation_time", "export.col.operation_type", "export.col.customer_id",
				"export.col.account_name", "export.col.amount", "export.col.memo", "export.col.operator")
		},
		NumericColumns: []int{5},
		Count: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) (int64, error) {
			f, err := decodeAdjustments(raw, partnerID)
			if err != nil {
				return 0, err
			}
			f.Limit = 1
			_, total, err := Adjustments(ctx, q, f)
			return int64(total), err
		},
		Each: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage, locale string, row func([]string) error) error {
			f, err := decodeAdjustments(raw, partnerID)
			if err != nil {
				return err
			}
			// Records are only ever added, at the current time: bounding the
			// range at the start keeps the pages from shifting under
			// adjustments made while the export runs.
			if now := time.Now(); f.To.IsZero() || f.To.After(now) {
				f.To = now
			}
			// Pages of 1,000, newest first, as the page lists them.
			for f.Limit = 1000; ; f.Offset += f.Limit {
				page, _, err := Adjustments(ctx, q, f)
				if err != nil {
					return err
				}
				for _, a := range page {
					if err := row([]string{a.TransID, a.At.In(ledger.BillingZone).Format("2006-01-02 15:04:05"), a.OperationType,
						a.CustomerID, a.CustomerName, money.Plain(a.Amount), a.Memo, a.Operator}); err != nil {
						return err
					}
				}
				if len(page) < f.Limit {
					return nil
				}
			}
		},
	})
}

func decodeAdjustments(raw json.RawMessage, partnerID string) (AdjustmentFilter, error) {
	var p AdjustmentsExport
	if err := json.Unmarshal(raw, &p); err != nil {
		return AdjustmentFilter{}, err
	}
	return AdjustmentFilter{PartnerID: partnerID, CustomerID: p.CustomerID, OperationType: p.OperationType, From: p.From, To: p.To}, nil
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
