package metering

import (
	"context"
	"errors"
	"strconv"
	"time"

	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Ref is the fee record reference of a resource's hour: unique, so an hour
// is never charged twice.
func Ref(resourceID string, hour time.Time) string {
	return "usage:" + resourceID + ":" + strconv.FormatInt(hour.UnixMicro(), 10)
}

// Arrears is a customer's debt from metering.
type Arrears struct {
	CustomerID string
	PartnerID  string
	Debt       int64     // still owed, fen
	Settled    int64     // paid over time, fen
	Since      time.Time // first unpaid hour of the open debt; zero when none
	FrozenAt   time.Time // when its pay-per-use resources were frozen for it; zero when not
}

// GetArrears returns a customer's arrears (a zero debt when it never had any).
func GetArrears(ctx context.Context, q store.Queryer, customerID string) (*Arrears, error) {
	a := &Arrears{CustomerID: customerID}
	var since, frozen int64
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT partner_id, debt, settled, COALESCE(since, 0), COALESCE(frozen_at, 0)
		FROM customer_arrears WHERE customer_id = ?`, customerID).Scan(&a.PartnerID, &a.Debt, &a.Settled, &since, &frozen))
	if errors.Is(err, store.ErrNotFound) {
		return a, nil
	}
	if err != nil {
		return nil, err
	}
	a.Since, a.FrozenAt = store.Time(since), store.Time(frozen)
	return a, nil
}

// addDebt records debt of metered hours from the hour since, and freezes
// the customer's pay-per-use resources once the grace period is over. It
// reports whether it froze them.
func addDebt(ctx context.Context, tx *store.Tx, customerID, partnerID string, debt int64, since time.Time, grace time.Duration) (bool, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO customer_arrears (customer_id, partner_id, debt, settled, since, updated_at)
		VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET debt = customer_arrears.debt + excluded.debt,
		since = COALESCE(customer_arrears.since, excluded.since), updated_at = excluded.updated_at`,
		customerID, partnerID, debt, store.Micros(since), store.Micros(tx.Now)); err != nil {
		return false, err
	}
	a, err := GetArrears(ctx, tx, customerID)
	if err != nil {
		return false, err
	}
	return freezeIfDue(ctx, tx, a, grace)
}

// freezeIfDue freezes the pay-per-use resources of a customer whose debt
// has outlived the grace period (again, if a lifted customer freeze
// restarted them meanwhile).
func freezeIfDue(ctx context.Context, tx *store.Tx, a *Arrears, grace time.Duration) (bool, error) {
	if a.Debt <= 0 || a.Since.IsZero() || tx.Now.Before(a.Since.Add(grace)) {
		return false, nil
	}
	n, err := order.SetCustomerResourcesFrozen(ctx, tx, a.CustomerID, order.ChargingPayPerUse, true)
	if err != nil {
		return false, err
	}
	if !a.FrozenAt.IsZero() {
		return false, nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE customer_arrears SET frozen_at = ?, updated_at = ? WHERE customer_id = ?`,
		store.Micros(tx.Now), store.Micros(tx.Now), a.CustomerID)
	return err == nil && n >= 0, err
}

// Settle goes through the customers in arrears at tx.Now: one with money
// pays its debt (as much as it can), and once the debt is paid its
// pay-per-use resources are restarted, metered again from the current
// hour; one still owing past the grace period is frozen.
func Settle(ctx context.Context, tx *store.Tx, grace time.Duration) (Result, error) {
	return settle(ctx, tx, grace, true)
}

// settle pays debts and, when freeze is set, freezes the customers past
// their grace period.
func settle(ctx context.Context, tx *store.Tx, grace time.Duration, freeze bool) (Result, error) {
	var out Result
	rows, err := tx.QueryContext(ctx, `SELECT customer_id FROM customer_arrears WHERE debt > 0 ORDER BY since, customer_id`)
	if err != nil {
		return out, err
	}
	var list []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return out, err
		}
		list = append(list, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	for _, id := range list {
		a, err := GetArrears(ctx, tx, id)
		if err != nil {
			return out, err
		}
		avail, err := funds.CustomerAvailable(ctx, tx, id)
		if err != nil {
			return out, err
		}
		if pay := min(avail, a.Debt); pay > 0 {
			a.Debt -= pay
			a.Settled += pay
			if _, err := funds.ChargeCustomer(ctx, tx, funds.Charge{PartnerID: a.PartnerID, CustomerID: id, Amount: pay,
				ClientID: "arrears:" + id + ":" + strconv.FormatInt(a.Settled, 10), Meta: map[string]string{"arrears": "settled"}}); err != nil {
				return out, err
			}
			out.Settled += pay
			var since any = store.Micros(a.Since)
			if a.Debt == 0 {
				since = nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE customer_arrears SET debt = ?, settled = ?, since = ?, updated_at = ? WHERE customer_id = ?`,
				a.Debt, a.Settled, since, store.Micros(tx.Now), id); err != nil {
				return out, err
			}
		}
		if a.Debt == 0 {
			if !a.FrozenAt.IsZero() {
				restarted, err := unfreeze(ctx, tx, id)
				if err != nil {
					return out, err
				}
				if restarted {
					out.Unfrozen++
				}
			}
			continue
		}
		if !freeze {
			continue
		}
		frozen, err := freezeIfDue(ctx, tx, a, grace)
		if err != nil {
			return out, err
		}
		if frozen {
			out.Frozen++
		}
	}
	return out, nil
}

// unfreeze lifts the arrears freeze of a customer with no debt left: its
// pay-per-use resources restart (unless the partner froze the customer with
// its resources, whose unfreezing restarts them) and are metered from the
// current hour, the frozen hours being free.
func unfreeze(ctx context.Context, tx *store.Tx, customerID string) (bool, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE customer_arrears SET frozen_at = NULL, updated_at = ? WHERE customer_id = ?`,
		store.Micros(tx.Now), customerID); err != nil {
		return false, err
	}
	var frozen int
	if err := tx.QueryRowContext(ctx, `SELECT frozen FROM customers WHERE id = ?`, customerID).Scan(&frozen); err != nil {
		return false, store.ScanErr(err)
	}
	if frozen == customer.FrozenAccountAndResource {
		return false, nil
	}
	if err := skipFrozenHours(ctx, tx, customerID); err != nil {
		return false, err
	}
	n, err := order.SetCustomerResourcesFrozen(ctx, tx, customerID, order.ChargingPayPerUse, false)
	return n > 0, err
}

// skipFrozenHours moves the cursors of a customer's frozen pay-per-use
// resources to the current hour as they restart.
func skipFrozenHours(ctx context.Context, tx *store.Tx, customerID string) error {
	hour := store.Micros(tx.Now.Truncate(time.Hour))
	_, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET metered_until = ? WHERE customer_id = ? AND charging_mode = ? AND status = ?
		AND COALESCE(metered_until, effective_at) < ?`, hour, customerID, order.ChargingPayPerUse, order.ResourceFrozen, hour)
	return err
}

func init() {
	// Freezing a customer with its resources stops metering them; lifting
	// the freeze restarts them, metered from the current hour. This package
	// imports order, so its hook runs after order's has restarted the
	// resources: the cursors of the customer's active pay-per-use resources
	// move on to the current hour.
	customer.RegisterFreezeHook(func(ctx context.Context, tx *store.Tx, customerID string, from, to int) error {
		if from != customer.FrozenAccountAndResource || to == customer.FrozenAccountAndResource {
			return nil
		}
		hour := store.Micros(tx.Now.Truncate(time.Hour))
		_, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET metered_until = ? WHERE customer_id = ? AND charging_mode = ?
			AND status = ? AND COALESCE(metered_until, effective_at) < ?`, hour, customerID, order.ChargingPayPerUse, order.ResourceActive, hour)
		return err
	})
}

// ErrNotPayPerUse refuses to release a resource that is not pay-per-use.
var ErrNotPayPerUse = apperr.Field("resource_id", "metering.not_pay_per_use", "only pay-per-use resources are released this way")

// Release closes a customer's pay-per-use resource (as the customer does in
// the cloud's console): metering charges it up to the hour of release.
func Release(ctx context.Context, tx *store.Tx, scope customer.Scope, resourceID string) (*order.Resource, error) {
	r, err := order.GetResource(ctx, tx, scope, resourceID)
	if err != nil {
		return nil, err
	}
	if r.ChargingMode != order.ChargingPayPerUse {
		return nil, ErrNotPayPerUse
	}
	if r.Status == order.ResourceClosed {
		return nil, order.ErrResourceClosed
	}
	if r.Status == order.ResourceFrozen {
		// Its frozen hours are free: nothing is left to charge.
		if _, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET metered_until = ? WHERE id = ?`,
			store.Micros(ceilHour(tx.Now)), r.ID); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET status = ?, closed_at = ?, updated_at = ? WHERE id = ? AND status <> ?`,
		order.ResourceClosed, store.Micros(tx.Now), store.Micros(tx.Now), r.ID, order.ResourceClosed); err != nil {
		return nil, err
	}
	return order.GetResource(ctx, tx, scope, resourceID)
}
