package partner

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Managers of indirect resellers (分配客户经理 on a 二级经销商): a total
// distributor puts one of its own users in charge of one of its resellers
// from a moment on. Each assignment is a period, as for customer managers:
// reassigning ends the open period where the new one starts and never
// rewrites earlier ones, so what happened under a manager stays theirs.

// Manager is the distributor's user in charge of a reseller.
type Manager struct {
	UserID      string
	Username    string // the sign-in name: the API's account_manager_id
	DisplayName string
	Since       time.Time
}

// ManagerPeriod is one stretch of a manager's charge of a reseller.
type ManagerPeriod struct {
	Manager Manager
	Ends    time.Time // zero: still in charge
}

var (
	errManagerNotFound = apperr.Field("manager", "partner.manager_not_found", "the manager is not a user of your organisation")
	errManagerInvalid  = apperr.Field("manager", "partner.manager_not_manager",
		"the manager must be your main account or an active sub-account with the customer manager role")
	errManagerPast    = apperr.Field("from", "partner.manager_from_past", "the assignment cannot start in the past")
	errManagerOverlap = apperr.Field("from", "partner.manager_from_overlap", "the assignment cannot start before the current manager's period")
	errManagerSame    = apperr.Field("manager", "partner.manager_same", "this manager is already in charge of the reseller")
	errManagerNone    = apperr.Field("manager", "partner.manager_none", "the reseller has no manager to remove")
)

// MayManageResellers tells whether a distributor's user can be put in charge
// of resellers: its main account, or an active sub-account with the customer
// manager role.
func MayManageResellers(u *auth.User) bool {
	return !u.Disabled && (u.IsMain || slices.Contains(u.Roles, auth.PartnerManager))
}

// AssignManager puts managerUserID in charge of one of the distributor's
// resellers from `from` on (zero: now; never in the past, with a minute's
// tolerance for a form sent "from now"). An empty managerUserID only ends the
// current period. A reseller of another distributor answers not found, a
// user of another partner is a fault of the manager field.
func AssignManager(ctx context.Context, tx *store.Tx, distributorID, resellerID, managerUserID string, from time.Time) (before, after *Manager, err error) {
	if resellerID == "" || resellerID == distributorID {
		return nil, nil, errIndirectNotFound
	}
	if err := lockReseller(ctx, tx, distributorID, resellerID); err != nil {
		return nil, nil, err
	}
	if from.IsZero() {
		from = tx.Now
	}
	if from.Before(tx.Now.Add(-time.Minute)) {
		return nil, nil, errManagerPast
	}
	var manager *auth.User
	if managerUserID != "" {
		if manager, err = auth.GetTenantUser(ctx, tx, distributorID, managerUserID); err != nil {
			return nil, nil, errManagerNotFound
		}
		if !MayManageResellers(manager) {
			return nil, nil, errManagerInvalid
		}
	}
	var open struct {
		id, userID string
		starts     int64
	}
	err = store.ScanErr(tx.QueryRowContext(ctx, `SELECT id, manager_user_id, starts_at FROM reseller_manager_periods
		WHERE reseller_id = ? AND ends_at IS NULL`, resellerID).Scan(&open.id, &open.userID, &open.starts))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, nil, err
	case from.Before(store.Time(open.starts)):
		return nil, nil, errManagerOverlap
	case open.userID == managerUserID:
		return nil, nil, errManagerSame
	default:
		u, err := auth.GetUser(ctx, tx, open.userID)
		if err != nil {
			return nil, nil, err
		}
		before = &Manager{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Since: store.Time(open.starts)}
		if _, err := tx.ExecContext(ctx, `UPDATE reseller_manager_periods SET ends_at = ? WHERE id = ?`, store.Micros(from), open.id); err != nil {
			return nil, nil, err
		}
	}
	if manager == nil {
		if before == nil {
			return nil, nil, errManagerNone
		}
		return before, nil, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO reseller_manager_periods (id, reseller_id, distributor_id, manager_user_id, starts_at,
		assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ids.New(), resellerID, distributorID, manager.ID, store.Micros(from), auth.From(ctx).ActorID(), store.Micros(tx.Now))
	if err != nil {
		return nil, nil, err
	}
	return before, &Manager{UserID: manager.ID, Username: manager.Username, DisplayName: manager.DisplayName, Since: from}, nil
}

var errIndirectNotFound = apperr.NotFoundf("partner.indirect_not_found", "indirect partner not found")

// lockReseller checks that the reseller is the distributor's and, on
// PostgreSQL, holds its row until the transaction ends, so that concurrent
// assignments of one reseller run one after the other (SQLite's single
// writer already does that).
func lockReseller(ctx context.Context, tx *store.Tx, distributorID, resellerID string) error {
	lock := ""
	if tx.Dialect() == store.Postgres {
		lock = " FOR UPDATE"
	}
	var id string
	err := store.ScanErr(tx.QueryRowContext(ctx, `SELECT id FROM partners WHERE id = ? AND parent_id = ?`+lock,
		resellerID, distributorID).Scan(&id))
	if errors.Is(err, store.ErrNotFound) {
		return errIndirectNotFound
	}
	return err
}

// periodColumns read a period of reseller_manager_periods m joined to its
// user u.
const periodColumns = `m.reseller_id, m.manager_user_id, u.username, u.display_name, m.starts_at, COALESCE(m.ends_at, 0)`

func scanPeriod(row interface{ Scan(...any) error }) (resellerID string, p ManagerPeriod, err error) {
	var starts, ends int64
	err = row.Scan(&resellerID, &p.Manager.UserID, &p.Manager.Username, &p.Manager.DisplayName, &starts, &ends)
	p.Manager.Since, p.Ends = store.Time(starts), store.Time(ends)
	return resellerID, p, err
}

// ManagersAt returns who of the distributor's users was in charge of each of
// the given resellers at a moment; resellers without a manager then are left
// out. Periods recorded under another distributor (before the reseller moved)
// do not count.
func ManagersAt(ctx context.Context, q store.Queryer, distributorID string, resellerIDs []string, at time.Time) (map[string]*Manager, error) {
	out := make(map[string]*Manager, len(resellerIDs))
	if len(resellerIDs) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(resellerIDs)+3)
	args = append(args, distributorID, store.Micros(at), store.Micros(at))
	for _, id := range resellerIDs {
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+periodColumns+` FROM reseller_manager_periods m JOIN users u ON u.id = m.manager_user_id
		WHERE m.distributor_id = ? AND m.starts_at <= ? AND (m.ends_at IS NULL OR m.ends_at > ?)
		AND m.reseller_id IN (?`+strings.Repeat(", ?", len(resellerIDs)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		id, p, err := scanPeriod(rows)
		if err != nil {
			return nil, err
		}
		out[id] = &p.Manager
	}
	return out, rows.Err()
}

// ManagerHistory lists the periods of a distributor's managers of one of its
// resellers, oldest first.
func ManagerHistory(ctx context.Context, q store.Queryer, distributorID, resellerID string) ([]ManagerPeriod, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+periodColumns+` FROM reseller_manager_periods m JOIN users u ON u.id = m.manager_user_id
		WHERE m.distributor_id = ? AND m.reseller_id = ? ORDER BY m.starts_at, m.assigned_at`, distributorID, resellerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ManagerPeriod
	for rows.Next() {
		_, p, err := scanPeriod(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
