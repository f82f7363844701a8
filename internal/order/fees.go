package order

import (
	"context"
	"strconv"
	"time"

	"partnercenter/internal/customer"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// recordOrderFees writes one fee record per line of a paid or refunded
// order, so bills and consumption read orders and pay-per-use hours from
// one table. couponByLine is what coupons paid of each line (nil: none);
// the balance paid the rest. The record is attributed to the customer
// manager in charge at the moment of payment.
func recordOrderFees(ctx context.Context, tx *store.Tx, o *Order, couponByLine []int64) error {
	m, err := customer.ManagerAt(ctx, tx, o.CustomerID, tx.Now)
	if err != nil {
		return err
	}
	manager := ""
	if m != nil {
		manager = m.UserID
	}
	month := BillMonth(tx.Now)
	for i, l := range o.Lines {
		if l.Amount == 0 {
			continue
		}
		var coupons int64
		if couponByLine != nil {
			coupons = couponByLine[i]
		}
		var resourceType string
		if err := tx.QueryRowContext(ctx, `SELECT resource_type_code FROM cloud_products WHERE id = ?`, l.ProductID).Scan(&resourceType); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO fee_records (id, ref, source, partner_id, customer_id, charging_mode, resource_id,
			order_id, service_type_code, resource_type_code, product_id, region_code, fee_at, bill_month, usage_quantity, rated_amount,
			amount, coupon_amount, balance_amount, debt_amount, manager_user_id, created_at)
			VALUES (?, ?, 'order', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 0, ?, ?)`,
			ids.New(), "order:"+o.ID+"/"+strconv.Itoa(l.No), o.PartnerID, o.CustomerID, ChargingPeriodic, l.ResourceID, o.ID,
			l.ServiceTypeCode, resourceType, l.ProductID, l.RegionCode, store.Micros(tx.Now), month, l.Quantity,
			l.Amount, coupons, l.Amount-coupons, manager, store.Micros(tx.Now)); err != nil {
			return err
		}
	}
	return nil
}

// BillMonth is the bill month of a moment (202612), by the billing day in
// UTC+8 like every statement.
func BillMonth(t time.Time) int {
	local := t.In(ledger.BillingZone)
	return local.Year()*100 + int(local.Month())
}
