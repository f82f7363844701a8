package metering

import (
	"context"
	"errors"
	"strings"

	"partnercenter/internal/coupon"
	"partnercenter/internal/funds"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// What a batch reads of its customers, each in one query.

// balances returns what each customer can spend (absent: no account yet).
func balances(ctx context.Context, tx *store.Tx, in string, args []any) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT owner_id, credits_posted - debits_posted - debits_pending + credit_limit FROM ledger_accounts
		WHERE owner_type = 'customer' AND kind = '`+funds.KindCustomer+`' AND owner_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var avail int64
		if err := rows.Scan(&id, &avail); err != nil {
			return nil, err
		}
		out[id] = avail
	}
	return out, rows.Err()
}

// usableCoupons returns each customer's coupons usable at tx.Now with a
// balance, the soonest to expire first.
func usableCoupons(ctx context.Context, tx *store.Tx, in string, args []any) (map[string][]*usableCoupon, error) {
	now := store.Micros(tx.Now)
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.customer_id, c.service_types, c.product_ids, a.credits_posted - a.debits_posted - a.debits_pending
		FROM coupons c JOIN ledger_accounts a ON a.owner_type = 'coupon' AND a.owner_id = c.id AND a.kind = 'coupon_balance'
		WHERE c.customer_id IN (`+in+`) AND c.status = ? AND c.effective_at <= ? AND c.expires_at > ?
		ORDER BY c.customer_id, c.expires_at, c.id`, append(append([]any{}, args...), coupon.Usable, now, now)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]*usableCoupon{}
	for rows.Next() {
		var c usableCoupon
		var customerID, services, products string
		if err := rows.Scan(&c.id, &customerID, &services, &products, &c.balance); err != nil {
			return nil, err
		}
		if c.balance <= 0 {
			continue
		}
		c.services, c.products = split(services), split(products)
		out[customerID] = append(out[customerID], &c)
	}
	return out, rows.Err()
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// managerPeriods returns each customer's manager periods (customer.ManagerAt
// for every hour, read at once).
func managerPeriods(ctx context.Context, tx *store.Tx, in string, args []any) (map[string][]period, error) {
	rows, err := tx.QueryContext(ctx, `SELECT customer_id, manager_user_id, starts_at, COALESCE(ends_at, 0) FROM customer_manager_periods
		WHERE customer_id IN (`+in+`) ORDER BY customer_id, starts_at, assigned_at`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]period{}
	for rows.Next() {
		var id string
		var p period
		if err := rows.Scan(&id, &p.manager, &p.starts, &p.ends); err != nil {
			return nil, err
		}
		out[id] = append(out[id], p)
	}
	return out, rows.Err()
}

// feeColumns are written by insertFees; source, charging mode and order
// are constants of usage records.
const feeInsert = `INSERT INTO fee_records (id, ref, source, partner_id, customer_id, charging_mode, resource_id, order_id,
	service_type_code, resource_type_code, product_id, region_code, fee_at, bill_month, usage_quantity, rated_amount, amount,
	coupon_amount, balance_amount, debt_amount, manager_user_id, created_at) VALUES `

const feeRow = `(?, ?, 'usage', ?, ?, 3, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const feeParams = 19

// chunkSizes are the row counts of the multi-row inserts: a few fixed
// sizes, so that the statements are prepared once.
var chunkSizes = []int{256, 64, 16, 4, 1}

// insertFees writes the fee records, many rows to a statement.
func insertFees(ctx context.Context, tx *store.Tx, fees []fee, months map[int64]int) error {
	created := store.Micros(tx.Now)
	args := make([]any, 0, chunkSizes[0]*feeParams)
	for len(fees) > 0 {
		n := chunk(len(fees))
		args = args[:0]
		for i := range fees[:n] {
			f := &fees[i]
			at := f.hour.UnixMicro()
			// Ids are made in the order of writing: time-ordered ids then
			// append to the primary key's index.
			args = append(args, ids.New(), Ref(f.r.id, f.hour), f.r.partnerID, f.r.customerID, f.r.id, f.r.serviceType, f.r.resourceType,
				f.r.productID, f.r.region, at, months[at], f.r.quantity, f.rated, f.amount, f.coupon, f.bal, f.debt, f.manager, created)
		}
		if _, err := tx.ExecContext(ctx, feeInsert+rowsOf(n), args...); err != nil {
			if errors.Is(err, store.ErrConflict) {
				// Another run charged these hours first: run again, reading
				// the cursors it left.
				return store.ErrRetry
			}
			return err
		}
		fees = fees[n:]
	}
	return nil
}

// moveCursors stores the resources' cursors and carries, many to a statement.
func moveCursors(ctx context.Context, tx *store.Tx, list []*resource) error {
	args := make([]any, 0, chunkSizes[0]*3)
	for len(list) > 0 {
		n := chunk(len(list))
		args = args[:0]
		for _, r := range list[:n] {
			args = append(args, r.id, store.Micros(r.cursor), r.carry)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cloud_resources SET metered_until = v.column2, rate_carry = v.column3
			FROM (VALUES `+cursorLists[n]+`) AS v WHERE cloud_resources.id = v.column1`, args...); err != nil {
			return err
		}
		list = list[n:]
	}
	return nil
}

func chunk(left int) int {
	for _, size := range chunkSizes {
		if left >= size {
			return size
		}
	}
	return 1
}

var rowLists, cursorLists = map[int]string{}, map[int]string{}

func init() {
	for _, n := range chunkSizes {
		rowLists[n] = strings.TrimSuffix(strings.Repeat(feeRow+", ", n), ", ")
		cursorLists[n] = strings.TrimSuffix(strings.Repeat("(?, CAST(? AS BIGINT), CAST(? AS BIGINT)), ", n), ", ")
	}
}

func rowsOf(n int) string { return rowLists[n] }
