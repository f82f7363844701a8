package order

import (
	"context"
	"errors"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Authorisation is whether a resale customer lets its partner order on its
// behalf. The customer decides on its own page, which it reaches by a link
// the partner sends it; the partner cannot grant it.
type Authorisation struct {
	CustomerID   string
	CustomerName string
	PartnerID    string
	PartnerName  string
	Granted      bool
	ChangedAt    time.Time
}

var errAuthorisationLink = apperr.NotFoundf("order.authorisation_link_invalid", "this link is not valid")

// AuthorisationLink returns a fresh token for the customer's authorisation
// page, replacing any earlier link; the grant itself is unchanged.
func AuthorisationLink(ctx context.Context, tx *store.Tx, partnerID, customerID string) (string, error) {
	c, err := customer.Get(ctx, tx, customer.PartnerScope(partnerID), customerID)
	if err != nil {
		return "", err
	}
	if c.AssociationType != customer.Resale {
		return "", ErrNotResale
	}
	token := ids.Token(24)
	_, err = tx.ExecContext(ctx, `INSERT INTO order_authorisations (customer_id, partner_id, token_hash, granted, changed_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET token_hash = excluded.token_hash,
		granted = CASE WHEN order_authorisations.partner_id = excluded.partner_id THEN order_authorisations.granted ELSE excluded.granted END,
		partner_id = excluded.partner_id`,
		customerID, partnerID, auth.HashToken(token), false, store.Micros(tx.Now))
	return token, err
}

// AuthorisationByToken returns what the customer's page shows.
func AuthorisationByToken(ctx context.Context, q store.Queryer, token string) (*Authorisation, error) {
	var a Authorisation
	var changed int64
	err := q.QueryRowContext(ctx, `SELECT a.customer_id, c.domain_name, a.partner_id, p.name, a.granted, a.changed_at
		FROM order_authorisations a JOIN customers c ON c.id = a.customer_id JOIN partners p ON p.id = a.partner_id
		WHERE a.token_hash = ? AND c.partner_id = a.partner_id`, auth.HashToken(token)).
		Scan(&a.CustomerID, &a.CustomerName, &a.PartnerID, &a.PartnerName, &a.Granted, &changed)
	if errors.Is(store.ScanErr(err), store.ErrNotFound) {
		return nil, errAuthorisationLink
	}
	if err != nil {
		return nil, err
	}
	a.ChangedAt = store.Time(changed)
	return &a, nil
}

// SetAuthorisation records the customer's decision from its page.
func SetAuthorisation(ctx context.Context, tx *store.Tx, token string, granted bool) (*Authorisation, error) {
	a, err := AuthorisationByToken(ctx, tx, token)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE order_authorisations SET granted = ?, changed_at = ? WHERE customer_id = ?`,
		granted, store.Micros(tx.Now), a.CustomerID); err != nil {
		return nil, err
	}
	a.Granted, a.ChangedAt = granted, tx.Now
	return a, nil
}

// Authorised reports whether the customer currently lets the partner order for it.
func Authorised(ctx context.Context, q store.Queryer, partnerID, customerID string) (bool, error) {
	var granted bool
	err := q.QueryRowContext(ctx, `SELECT granted FROM order_authorisations WHERE customer_id = ? AND partner_id = ?`,
		customerID, partnerID).Scan(&granted)
	if errors.Is(store.ScanErr(err), store.ErrNotFound) {
		return false, nil
	}
	return granted, err
}

// RecordGrant records a grant without the customer's page, for demo data
// and tests that are not about authorisation.
func RecordGrant(ctx context.Context, tx *store.Tx, partnerID, customerID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO order_authorisations (customer_id, partner_id, token_hash, granted, changed_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET granted = excluded.granted, partner_id = excluded.partner_id`,
		customerID, partnerID, auth.HashToken(ids.Token(24)), true, store.Micros(tx.Now))
	return err
}
