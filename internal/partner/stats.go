package partner

import (
	"context"

	"partnercenter/internal/store"
)

// Count is how many partners share a type, a stage and being indirect.
type Count struct {
	Type     Type
	Stage    Stage
	Indirect bool
	N        int
}

// Counts returns the partner population by type, stage and tier, for the
// provider's overview.
func Counts(ctx context.Context, q store.Queryer) ([]Count, error) {
	rows, err := q.QueryContext(ctx, `SELECT partner_type, stage, CASE WHEN parent_id IS NULL THEN 0 ELSE 1 END, COUNT(*)
		FROM partners GROUP BY partner_type, stage, CASE WHEN parent_id IS NULL THEN 0 ELSE 1 END`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		var indirect int
		if err := rows.Scan(&c.Type, &c.Stage, &indirect, &c.N); err != nil {
			return nil, err
		}
		c.Indirect = indirect == 1
		out = append(out, c)
	}
	return out, rows.Err()
}
