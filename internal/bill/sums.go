package bill

import (
	"context"

	"partnercenter/internal/customer"
	"partnercenter/internal/store"
)

// CustomerSum is one customer's consumption in a month.
type CustomerSum struct {
	CustomerID      string
	CustomerName    string
	AssociationType int
	Sums
}

// ByCustomer is a month's consumption per customer (the filter's detail
// fields are ignored): one page in customer name order, the number of
// customers with fee records and what they all add up to.
func ByCustomer(ctx context.Context, q store.Queryer, f Filter) ([]CustomerSum, int, Sums, error) {
	var total Sums
	cond, args, _ := f.where(q, "s")
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT s.customer_id), `+sumColumns+` FROM fee_sums s
		JOIN customers c ON c.id = s.customer_id WHERE `+cond, args...).Scan(append([]any{&n}, total.dest()...)...); err != nil {
		return nil, 0, total, err
	}
	if n == 0 {
		return nil, 0, total, nil
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT s.customer_id, c.domain_name, COALESCE(c.association_type, 0), `+sumColumns+`
		FROM fee_sums s JOIN customers c ON c.id = s.customer_id WHERE `+cond+`
		GROUP BY s.customer_id, c.domain_name, c.association_type ORDER BY c.domain_name, s.customer_id LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, total, err
	}
	defer rows.Close()
	var out []CustomerSum
	for rows.Next() {
		var cs CustomerSum
		if err := rows.Scan(append([]any{&cs.CustomerID, &cs.CustomerName, &cs.AssociationType}, cs.dest()...)...); err != nil {
			return nil, 0, total, err
		}
		out = append(out, cs)
	}
	return out, n, total, rows.Err()
}

// ConsumingCustomers lists the customers with fee records in the filter's
// month (ListConsumeSubCustomers), in id order, and how many there are.
func ConsumingCustomers(ctx context.Context, q store.Queryer, f Filter) ([]string, int, error) {
	cond, args, joinC := f.where(q, "s")
	from := ` FROM fee_sums s` + joinCustomers("s", joinC) + ` WHERE ` + cond
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT s.customer_id)`+from, args...).Scan(&n); err != nil || n == 0 {
		return nil, n, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT s.customer_id`+from+` ORDER BY s.customer_id LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, 0, err
		}
		out = append(out, id)
	}
	return out, n, rows.Err()
}

// MonthlyBill is a customer's month of one service and resource type, one
// charging mode and one direction (the API's bill_sums).
type MonthlyBill struct {
	CustomerID       string
	ServiceTypeCode  string
	ResourceTypeCode string
	ChargingMode     int
	Refund           bool
	Sums
}

// MonthlyBills is a month's bills per customer, service type, resource
// type, charging mode and direction, one page in that order, and how many
// there are.
func MonthlyBills(ctx context.Context, q store.Queryer, f Filter) ([]MonthlyBill, int, error) {
	cond, args, joinC := f.where(q, "s")
	from := ` FROM fee_sums s` + joinCustomers("s", joinC) + ` WHERE ` + cond
	const group = `s.customer_id, s.service_type_code, s.resource_type_code, s.charging_mode, s.refund`
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 AS one`+from+` GROUP BY `+group+`) g`, args...).Scan(&n); err != nil || n == 0 {
		return nil, n, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+group+`, `+sumColumns+from+` GROUP BY `+group+` ORDER BY `+group+` LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []MonthlyBill
	for rows.Next() {
		var b MonthlyBill
		var refund int
		if err := rows.Scan(append([]any{&b.CustomerID, &b.ServiceTypeCode, &b.ResourceTypeCode, &b.ChargingMode, &refund}, b.dest()...)...); err != nil {
			return nil, 0, err
		}
		b.Refund = refund == 1
		out = append(out, b)
	}
	return out, n, rows.Err()
}

// MonthSum is one month of a trend.
type MonthSum struct {
	Month Month
	Sums
}

// Trend is the consumption of the scope (or of one of its customers) in
// each of the n months up to last, oldest first; a month without fee records
// reads zero.
func Trend(ctx context.Context, q store.Queryer, scope customer.Scope, customerID string, last Month, n int) ([]MonthSum, error) {
	first := last.Add(-(n - 1))
	f := Filter{Scope: scope, CustomerID: customerID, Month: first, LastMonth: last}
	cond, args, joinC := f.where(q, "s")
	rows, err := q.QueryContext(ctx, `SELECT s.bill_month, `+sumColumns+` FROM fee_sums s`+joinCustomers("s", joinC)+` WHERE `+cond+`
		GROUP BY s.bill_month`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byMonth := map[Month]Sums{}
	for rows.Next() {
		var m int
		var s Sums
		if err := rows.Scan(append([]any{&m}, s.dest()...)...); err != nil {
			return nil, err
		}
		byMonth[Month(m)] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]MonthSum, n)
	for i := range out {
		m := first.Add(i)
		out[i] = MonthSum{Month: m, Sums: byMonth[m]}
	}
	return out, nil
}

// ManagerMonth is what the fees attributed to one manager add up to in a
// month; an empty manager is the fees of customers nobody was in charge of.
type ManagerMonth struct {
	ManagerUserID string
	Month         Month
	Sums
}

// ManagerSums is a partner's consumption per manager in charge when it
// happened and per month, from first to last, for performance.
func ManagerSums(ctx context.Context, q store.Queryer, partnerID string, first, last Month) ([]ManagerMonth, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.manager_user_id, s.bill_month, `+sumColumns+` FROM fee_sums s
		WHERE s.partner_id = ? AND s.bill_month BETWEEN ? AND ? GROUP BY s.manager_user_id, s.bill_month
		ORDER BY s.manager_user_id, s.bill_month`, partnerID, int(first), int(last))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ManagerMonth
	for rows.Next() {
		var m ManagerMonth
		var month int
		if err := rows.Scan(append([]any{&m.ManagerUserID, &month}, m.dest()...)...); err != nil {
			return nil, err
		}
		m.Month = Month(month)
		out = append(out, m)
	}
	return out, rows.Err()
}
