package customer

import (
	"context"
	"errors"

	"partnercenter/internal/store"
)

// ByXAccount returns the customer that a partner platform registered under
// its own user id (xaccount_type, xaccount_id), if it is visible in scope.
// CreateSubCustomer answers a duplicate xaccount_id with that customer's id,
// as the provider does, so that a platform which lost the first answer can
// carry on; a customer now outside the scope answers not found.
func ByXAccount(ctx context.Context, q store.Queryer, scope Scope, xaccountType, xaccountID string) (*Customer, error) {
	where, args := scope.where(q, scope.now(q))
	c, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM customers c WHERE c.xaccount_type = ? AND c.xaccount_id = ? AND `+where,
		append([]any{xaccountType, xaccountID}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return c, err
}
