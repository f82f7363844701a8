package configurator

import (
	"context"

	"partnercenter/internal/store"
)

// ListFilter selects a partner's configuration lists for a page.
type ListFilter struct {
	PartnerID      string
	ConfiguratorID string // empty: every configurator's
	Status         string // ListDraft, ListSubmitted or empty
	Offset, Limit  int
}

// MaxListPage is the largest page ListPage returns.
const MaxListPage = 100

// ListPage returns a page of a partner's lists, the newest first, and how
// many the filter selects: Lists reads them all, which a page of the API
// need not.
func ListPage(ctx context.Context, q store.Queryer, f ListFilter) ([]*List, int, error) {
	cond, args := "l.partner_id = ?", []any{f.PartnerID}
	if f.ConfiguratorID != "" {
		cond, args = cond+" AND l.configurator_id = ?", append(args, f.ConfiguratorID)
	}
	if f.Status != "" {
		cond, args = cond+" AND l.status = ?", append(args, f.Status)
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM configuration_lists l WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxListPage {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+listColumns+listFrom+` WHERE `+cond+` ORDER BY l.created_at DESC, l.id LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	list, err := collect(rows, err, scanList)
	return list, total, err
}
