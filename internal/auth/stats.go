package auth

import (
	"context"

	"partnercenter/internal/store"
)

// CountUsers returns how many provider staff and partner users there are,
// for the provider's overview.
func CountUsers(ctx context.Context, q store.Queryer) (staff, partnerUsers int, err error) {
	err = q.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN partner_id IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN partner_id IS NULL THEN 0 ELSE 1 END), 0) FROM users`).Scan(&staff, &partnerUsers)
	return staff, partnerUsers, err
}
