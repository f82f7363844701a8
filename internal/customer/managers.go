package customer

import (
	"context"
	"errors"
	"slices"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// mayManage tells whether a partner user can be put in charge of customers.
func mayManage(u *auth.User) bool {
	return !u.Disabled && (u.IsMain || slices.Contains(u.Roles, auth.PartnerManager))
}

// AssignManager puts a manager in charge of a customer from a moment on. The
// current period, if any, ends at that moment; earlier periods are never
// changed, so past consumption stays with the manager who had it. from may be
// now or later, never earlier: the past is not rewritten. An empty
// managerUserID only ends the current period.
func AssignManager(ctx context.Context, tx *store.Tx, partnerID, customerID, managerUserID string, from time.Time) (before, after *Manager, err error) {
	c, err := getForUpdate(ctx, tx, partnerID, customerID)
	if err != nil {
		return nil, nil, err
	}
	if from.IsZero() {
		from = tx.Now
	}
	// A minute of tolerance for a form submitted "from now".
	if from.Before(tx.Now.Add(-time.Minute)) {
		return nil, nil, apperr.Field("from", "customer.manager_from_past", "the assignment cannot start in the past")
	}
	var manager *auth.User
	if managerUserID != "" {
		manager, err = auth.GetTenantUser(ctx, tx, partnerID, managerUserID)
		if err != nil {
			return nil, nil, apperr.Field("manager", "customer.manager_not_found", "the customer manager does not exist in your organisation")
		}
		if !mayManage(manager) {
			return nil, nil, apperr.Field("manager", "customer.manager_not_manager", "this user is not an active customer manager")
		}
	}
	var openID string
	var openStart int64
	var openManager string
	err = store.ScanErr(tx.QueryRowContext(ctx, `SELECT id, starts_at, manager_user_id FROM customer_manager_periods
		WHERE customer_id = ? AND ends_at IS NULL`, c.ID).Scan(&openID, &openStart, &openManager))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, nil, err
	default:
		if from.Before(store.Time(openStart)) {
			return nil, nil, apperr.Field("from", "customer.manager_from_overlap", "the assignment cannot start before the current manager's period")
		}
		if openManager == managerUserID {
			return nil, nil, apperr.Field("manager", "customer.manager_same", "this manager is already in charge of the customer")
		}
		if before, err = managerOf(ctx, tx, openManager, store.Time(openStart)); err != nil {
			return nil, nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer_manager_periods SET ends_at = ? WHERE id = ?`, store.Micros(from), openID); err != nil {
			return nil, nil, err
		}
	}
	if manager == nil {
		if before == nil {
			return nil, nil, apperr.Field("manager", "customer.manager_none", "the customer has no manager to remove")
		}
		return before, nil, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO customer_manager_periods (id, customer_id, partner_id, manager_user_id, starts_at, assigned_by, assigned_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, ids.New(), c.ID, partnerID, manager.ID, store.Micros(from), actor(ctx), store.Micros(tx.Now))
	if err != nil {
		return nil, nil, err
	}
	return before, &Manager{UserID: manager.ID, Username: manager.Username, DisplayName: manager.DisplayName, Since: from}, nil
}

func managerOf(ctx context.Context, q store.Queryer, userID string, since time.Time) (*Manager, error) {
	u, err := auth.GetUser(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	return &Manager{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Since: since}, nil
}

// ManagerAt returns the manager in charge of a customer at a moment, or nil.
// Consumption and performance are attributed with it.
func ManagerAt(ctx context.Context, q store.Queryer, customerID string, at time.Time) (*Manager, error) {
	var userID string
	var since int64
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT manager_user_id, starts_at FROM customer_manager_periods
		WHERE customer_id = ? AND starts_at <= ? AND (ends_at IS NULL OR ends_at > ?)`, customerID, store.Micros(at), store.Micros(at)).Scan(&userID, &since))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return managerOf(ctx, q, userID, store.Time(since))
}

// Period is one stretch of a manager's charge of a customer.
type Period struct {
	Manager Manager
	Starts  time.Time
	Ends    time.Time // zero: open
}

// ManagerHistory lists a customer's manager periods, oldest first.
func ManagerHistory(ctx context.Context, q store.Queryer, customerID string) ([]Period, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.manager_user_id, u.username, u.display_name, m.starts_at, COALESCE(m.ends_at, 0)
		FROM customer_manager_periods m JOIN users u ON u.id = m.manager_user_id
		WHERE m.customer_id = ? ORDER BY m.starts_at, m.assigned_at`, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Period
	for rows.Next() {
		var p Period
		var starts, ends int64
		if err := rows.Scan(&p.Manager.UserID, &p.Manager.Username, &p.Manager.DisplayName, &starts, &ends); err != nil {
			return nil, err
		}
		p.Starts, p.Ends, p.Manager.Since = store.Time(starts), store.Time(ends), store.Time(starts)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Managers lists the partner users who can be put in charge of customers.
func Managers(ctx context.Context, q store.Queryer, partnerID string) ([]*auth.User, error) {
	users, err := auth.ListPartnerUsers(ctx, q, partnerID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(users, func(u *auth.User) bool { return !mayManage(u) }), nil
}
