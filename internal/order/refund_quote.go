package order

import (
	"context"

	"partnercenter/internal/customer"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// RefundQuote is what unsubscribing one resource now would return to its
// customer's balance, or why it cannot be unsubscribed.
type RefundQuote struct {
	ResourceID string
	Resource   *Resource // nil when the resource is not visible
	Refund     int64     // fen
	Err        error     // the refusal Unsubscribe would give
}

// QuoteRefunds tells, for each resource, the refund Unsubscribe would give
// at tx.Now, with the same pro-rata rule, and changes nothing: the 退订
// confirmation shows it before the user confirms. Resources whose customer
// is out of scope answer not found.
func QuoteRefunds(ctx context.Context, tx *store.Tx, scope customer.Scope, resourceIDs []string) ([]RefundQuote, error) {
	if err := checkResourceIDs(resourceIDs); err != nil {
		return nil, err
	}
	out := make([]RefundQuote, 0, len(resourceIDs))
	for _, id := range resourceIDs {
		q := RefundQuote{ResourceID: id}
		res, err := GetResource(ctx, tx, scope, id)
		if err == nil && res.Status == ResourceClosed {
			err = ErrResourceClosed
		}
		if err == nil {
			q.Resource = res
			q.Refund, err = refundDue(ctx, tx, res)
		} else if res != nil {
			q.Resource = res
		}
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				return nil, err
			}
			q.Err = err
		}
		out = append(out, q)
	}
	return out, nil
}
