package performance

import (
	"context"
	"encoding/json"
	"strconv"

	"partnercenter/internal/bill"
	"partnercenter/internal/exports"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// ExportKind is the export kind of a performance report (业绩), one row per
// manager and month.
const ExportKind = "performance"

// ExportParams is what a performance export remembers of its report. The
// partner comes from the export itself; ScopeManager narrows it to one
// manager's own figures, as the page it was started from did.
type ExportParams struct {
	First        string `json:"first"`
	Last         string `json:"last"`
	ScopeManager string `json:"scope_manager,omitempty"`
}

// ParamsOf is the export of a report of the scope.
func ParamsOf(s Scope, first, last bill.Month) ExportParams {
	return ExportParams{First: first.String(), Last: last.String(), ScopeManager: s.ManagerUserID}
}

func decodeExport(raw json.RawMessage, partnerID string) (Scope, bill.Month, bill.Month, error) {
	var p ExportParams
	if err := json.Unmarshal(raw, &p); err != nil {
		return Scope{}, 0, 0, err
	}
	first, err := bill.ParseMonth("from", p.First)
	if err != nil {
		return Scope{}, 0, 0, err
	}
	last, err := bill.ParseMonth("to", p.Last)
	if err != nil {
		return Scope{}, 0, 0, err
	}
	return Scope{PartnerID: partnerID, ManagerUserID: p.ScopeManager}, first, last, nil
}

// ManagerLabel is how a manager reads in a report: its display name and
// account, or the "nobody in charge" text.
func ManagerLabel(lang i18n.Lang, m Manager) string {
	switch {
	case m.UserID == "":
		return i18n.T(lang, "performance.unattributed")
	case m.DisplayName != "" && m.DisplayName != m.Username:
		return m.DisplayName + " (" + m.Username + ")"
	}
	return m.Username
}

func exportReport(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) (*Report, error) {
	s, first, last, err := decodeExport(raw, partnerID)
	if err != nil {
		return nil, err
	}
	return Query(ctx, q, s, first, last)
}

func init() {
	exports.Register(ExportKind, exports.Source{
		Title: func(locale string) string { return i18n.T(lang(locale), "performance.export.title") },
		Header: func(locale string) []string {
			l := lang(locale)
			return []string{i18n.T(l, "performance.col.month"), i18n.T(l, "performance.col.manager"),
				i18n.T(l, "performance.col.consumption"), i18n.T(l, "performance.col.records"), i18n.T(l, "performance.col.new_customers"),
				i18n.T(l, "performance.col.incentive")}
		},
		NumericColumns: []int{2, 5},
		Validate: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) error {
			_, _, _, err := decodeExport(raw, partnerID)
			return err
		},
		Count: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) (int64, error) {
			r, err := exportReport(ctx, q, partnerID, raw)
			if err != nil {
				return 0, err
			}
			return int64(len(r.Cells)), nil
		},
		Each: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage, locale string, row func([]string) error) error {
			r, err := exportReport(ctx, q, partnerID, raw)
			if err != nil {
				return err
			}
			l := lang(locale)
			names := map[string]string{}
			for _, m := range r.Managers {
				names[m.UserID] = ManagerLabel(l, m.Manager)
			}
			for _, c := range r.Cells {
				if err := row([]string{c.Month.String(), names[c.ManagerUserID], money.Plain(c.Consumption),
					strconv.FormatInt(c.Records, 10), strconv.FormatInt(c.NewCustomers, 10), money.Plain(c.Incentive)}); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

func lang(locale string) i18n.Lang {
	l, _ := i18n.Parse(locale)
	return l
}
