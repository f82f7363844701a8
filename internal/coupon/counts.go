package coupon

import (
	"context"
	"fmt"

	"partnercenter/internal/ledger"
	"partnercenter/internal/store"
)

// countChange moves one coupon between statuses in coupon_counts; from 0
// means a new coupon.
func countChange(ctx context.Context, tx *store.Tx, c *Coupon, from, to int) error {
	return countMove(ctx, tx, c.PartnerID, c.QuotaID, c.Type, from, to, 1)
}

func countMove(ctx context.Context, tx *store.Tx, partnerID, quotaID string, couponType, from, to int, n int64) error {
	if from == to || n == 0 {
		return nil
	}
	if from != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE coupon_counts SET n = n - ? WHERE partner_id = ? AND quota_id = ? AND coupon_type = ? AND status = ?`,
			n, partnerID, quotaID, couponType, from); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO coupon_counts (partner_id, quota_id, coupon_type, status, n) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (partner_id, quota_id, coupon_type, status) DO UPDATE SET n = coupon_counts.n + excluded.n`,
		partnerID, quotaID, couponType, to, n)
	return err
}

// countable reports whether a filter's total can be read from coupon_counts.
func (f Filter) countable() bool {
	return f.CustomerID == "" && f.CouponID == "" && f.CreatedFrom.IsZero() && f.CreatedTo.IsZero()
}

// countFromTable sums coupon_counts for a countable filter.
func countFromTable(ctx context.Context, q store.Queryer, f Filter) (int, error) {
	where, args := "partner_id = ?", []any{f.PartnerID}
	if f.Type != 0 {
		where += " AND coupon_type = ?"
		args = append(args, f.Type)
	}
	if f.Status != 0 {
		where += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.QuotaID != "" {
		where += " AND quota_id = ?"
		args = append(args, f.QuotaID)
	}
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM coupon_counts WHERE `+where, args...).Scan(&n)
	return int(n), err
}

// checkCounts verifies coupon_counts against the coupons themselves.
func checkCounts(ctx context.Context, q store.Queryer) ([]ledger.Violation, error) {
	rows, err := q.QueryContext(ctx, `SELECT k.partner_id, k.quota_id, k.coupon_type, k.status, k.n, COALESCE(c.n, 0)
		FROM coupon_counts k LEFT JOIN (SELECT partner_id, quota_id, coupon_type, status, COUNT(*) AS n FROM coupons
			GROUP BY partner_id, quota_id, coupon_type, status) c
		ON c.partner_id = k.partner_id AND c.quota_id = k.quota_id AND c.coupon_type = k.coupon_type AND c.status = k.status
		WHERE k.n <> COALESCE(c.n, 0)
		UNION ALL
		SELECT c.partner_id, c.quota_id, c.coupon_type, c.status, 0, COUNT(*) FROM coupons c
		WHERE NOT EXISTS (SELECT 1 FROM coupon_counts k WHERE k.partner_id = c.partner_id AND k.quota_id = c.quota_id
			AND k.coupon_type = c.coupon_type AND k.status = c.status)
		GROUP BY c.partner_id, c.quota_id, c.coupon_type, c.status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Violation
	for rows.Next() {
		var partnerID, quotaID string
		var typ, status int
		var kept, actual int64
		if err := rows.Scan(&partnerID, &quotaID, &typ, &status, &kept, &actual); err != nil {
			return nil, err
		}
		out = append(out, ledger.Violation{Invariant: "coupon counts", Detail: fmt.Sprintf(
			"quota %s, type %d, status %d: counted %d, there are %d", quotaID, typ, status, kept, actual)})
	}
	return out, rows.Err()
}
