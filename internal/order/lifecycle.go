package order

import (
	"context"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/store"
)

// LifecycleResult counts what one lifecycle pass did.
type LifecycleResult struct {
	Renewed  int // auto-renewed and paid
	Expired  int // entered the retention period
	Released int // released after the retention period
}

// RunLifecycle moves 包年/包月 resources along at tx.Now, up to limit of
// each kind: at expiry a resource with auto-renewal is renewed for one
// month and paid from the balance (when the balance is short it expires
// like the others, with the renewal order left pending); an expired
// resource is kept for RetentionPeriod, then released.
func RunLifecycle(ctx context.Context, tx *store.Tx, limit int) (LifecycleResult, error) {
	var out LifecycleResult
	due, err := idsWhere(ctx, tx, `SELECT id FROM cloud_resources WHERE charging_mode = ? AND status = ? AND expires_at <= ?
		ORDER BY expires_at LIMIT ?`, ChargingPeriodic, ResourceActive, store.Micros(tx.Now), limit)
	if err != nil {
		return out, err
	}
	for _, id := range due {
		renewed, err := autoRenew(ctx, tx, id)
		if err != nil {
			return out, err
		}
		if renewed {
			out.Renewed++
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET status = ?, updated_at = ? WHERE id = ? AND status = ?`,
			ResourceGrace, store.Micros(tx.Now), id, ResourceActive); err != nil {
			return out, err
		}
		out.Expired++
	}
	release, err := idsWhere(ctx, tx, `SELECT id FROM cloud_resources WHERE charging_mode = ? AND status = ? AND expires_at <= ?
		ORDER BY expires_at LIMIT ?`, ChargingPeriodic, ResourceGrace, store.Micros(tx.Now.Add(-RetentionPeriod)), limit)
	if err != nil {
		return out, err
	}
	for _, id := range release {
		if err := closeResource(ctx, tx, id); err != nil {
			return out, err
		}
		out.Released++
	}
	return out, nil
}

// autoRenew renews an expiring resource with auto-renewal on; it reports
// whether the resource is now paid beyond now.
func autoRenew(ctx context.Context, tx *store.Tx, id string) (bool, error) {
	var partnerID string
	var on bool
	if err := tx.QueryRowContext(ctx, `SELECT partner_id, auto_renew FROM cloud_resources WHERE id = ?`, id).Scan(&partnerID, &on); err != nil || !on {
		return false, err
	}
	var pending int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customer_order_lines l JOIN customer_orders o ON o.id = l.order_id
		WHERE l.resource_id = ? AND o.status = ? AND o.order_type = ?`, id, StatusPendingPayment, TypeRenew).Scan(&pending); err != nil {
		return false, err
	}
	if pending > 0 {
		return false, nil // a renewal already waits for payment
	}
	orders, failures, err := Renew(ctx, tx, RenewRequest{PartnerID: partnerID, ResourceIDs: []string{id}, PeriodType: catalogue.PeriodMonth,
		PeriodNum: 1, AutoPay: true, CreatedBy: "system"})
	if err != nil {
		return false, err
	}
	if len(failures) > 0 || len(orders) == 0 {
		return false, nil // e.g. the customer is frozen or withdrew its authorisation
	}
	return orders[0].Status == StatusCompleted, nil
}

func idsWhere(ctx context.Context, tx *store.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
