package opportunity

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

// ExportKind is the export of an opportunity query's results.
const ExportKind = "opportunities"

// ExportParams is what an opportunity export remembers of its query; the
// viewer comes from the export's tenant.
type ExportParams struct {
	Origin       string    `json:"origin,omitempty"`
	ReviewStatus string    `json:"review_status,omitempty"`
	SalesStage   string    `json:"sales_stage,omitempty"`
	Industry     string    `json:"industry,omitempty"`
	OfficeID     string    `json:"office_id,omitempty"`
	Query        string    `json:"query,omitempty"`
	CreatedFrom  time.Time `json:"created_from,omitzero"`
	CreatedTo    time.Time `json:"created_to,omitzero"`
}

func exportFilter(raw json.RawMessage, partnerID string) (Filter, error) {
	var p ExportParams
	if err := json.Unmarshal(raw, &p); err != nil {
		return Filter{}, err
	}
	return Filter{Viewer: Viewer{PartnerID: partnerID}, Origin: p.Origin, ReviewStatus: p.ReviewStatus, SalesStage: p.SalesStage,
		Industry: p.Industry, OfficeID: p.OfficeID, Query: p.Query, CreatedFrom: p.CreatedFrom, CreatedTo: p.CreatedTo}, nil
}

func texts(locale string, keys ...string) []string {
	l, _ := i18n.Parse(locale)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = i18n.T(l, k)
	}
	return out
}

func init() {
	exports.Register(ExportKind, exports.Source{
		Title: func(locale string) string { return texts(locale, "export.opportunities.title")[0] },
		Header: func(locale string) []string {
			return texts(locale, "export.col.opportunity_code", "export.col.origin", "export.col.partner", "export.col.customer",
				"export.col.project", "export.col.industry", "export.col.review_status", "export.col.sales_stage", "export.col.estimated_amount",
				"export.col.expected_close", "export.col.created_at")
		},
		NumericColumns: []int{8},
		Validate: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) error {
			_, err := exportFilter(raw, partnerID)
			return err
		},
		Count: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage) (int64, error) {
			f, err := exportFilter(raw, partnerID)
			if err != nil {
				return 0, err
			}
			w, args := f.where()
			var n int64
			err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunities o WHERE `+w, args...).Scan(&n)
			return n, err
		},
		Each: func(ctx context.Context, q store.Queryer, partnerID string, raw json.RawMessage, locale string, row func([]string) error) error {
			f, err := exportFilter(raw, partnerID)
			if err != nil {
				return err
			}
			l, _ := i18n.Parse(locale)
			w, args := f.where()
			rows, err := q.QueryContext(ctx, `SELECT `+columns+from+` WHERE `+w+` ORDER BY o.created_at DESC, o.id DESC`, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				o, err := scan(rows)
				if err != nil {
					return err
				}
				closeDay := ""
				if !o.ExpectedClose.IsZero() {
					closeDay = o.ExpectedClose.In(ledger.BillingZone).Format("2006-01-02")
				}
				if err := row([]string{o.Code, o.Origin, o.PartnerName, o.CustomerName, o.ProjectName,
					i18n.T(l, "opportunity.industry."+o.Industry), i18n.T(l, "opportunity.review."+o.ReviewStatus),
					i18n.T(l, "opportunity.stage."+o.SalesStage), money.Plain(o.Amount), closeDay,
					o.CreatedAt.In(ledger.BillingZone).Format("2006-01-02 15:04:05")}); err != nil {
					return err
				}
			}
			return rows.Err()
		},
	})
}
