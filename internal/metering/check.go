package metering

import (
	"context"
	"fmt"

	"partnercenter/internal/ledger"
	"partnercenter/internal/store"
)

func init() { ledger.RegisterCheck("metering", Check) }

// Check verifies that the usage fee records agree with the ledger, per
// customer:
//   - each record's amount is its coupon, balance and debt parts;
//   - the balance parts sum to the DEDEUCT transfers metering made;
//   - the coupon parts sum to the coupon uses metering made;
//   - the debt parts sum to the debt still owed plus the debt settled, and
//     the settled debt to the DEDEUCT transfers that settled it.
func Check(ctx context.Context, q store.Queryer) ([]ledger.Violation, error) {
	var out []ledger.Violation
	add := func(format string, args ...any) {
		out = append(out, ledger.Violation{Invariant: "metering = ledger", Detail: fmt.Sprintf(format, args...)})
	}
	var bad int64
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fee_records WHERE source = 'usage'
		AND amount <> coupon_amount + balance_amount + debt_amount`).Scan(&bad); err != nil {
		return nil, err
	}
	if bad > 0 {
		add("%d usage fee records whose parts do not add up to their amount", bad)
	}
	type sums struct{ balance, coupons, debt, charged, couponUses, owed, settled, settledCharges int64 }
	by := map[string]*sums{}
	get := func(id string) *sums {
		s := by[id]
		if s == nil {
			s = &sums{}
			by[id] = s
		}
		return s
	}
	scan := func(query string, set func(s *sums, a, b int64)) error {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var a, b int64
			if err := rows.Scan(&id, &a, &b); err != nil {
				return err
			}
			set(get(id), a, b)
		}
		return rows.Err()
	}
	steps := []struct {
		query string
		set   func(s *sums, a, b int64)
	}{
		{`SELECT customer_id, SUM(balance_amount), SUM(coupon_amount) FROM fee_records WHERE source = 'usage' GROUP BY customer_id`,
			func(s *sums, a, b int64) { s.balance, s.coupons = a, b }},
		{`SELECT customer_id, SUM(debt_amount), 0 FROM fee_records WHERE source = 'usage' GROUP BY customer_id`,
			func(s *sums, a, _ int64) { s.debt = a }},
		{`SELECT a.owner_id, SUM(t.amount), 0 FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id
			WHERE t.client_id LIKE 'meter:%' GROUP BY a.owner_id`,
			func(s *sums, a, _ int64) { s.charged = a }},
		{`SELECT a.owner_id, SUM(t.amount), 0 FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id
			WHERE t.client_id LIKE 'arrears:%' GROUP BY a.owner_id`,
			func(s *sums, a, _ int64) { s.settledCharges = a }},
		{`SELECT c.customer_id, SUM(u.amount), 0 FROM coupon_usages u JOIN coupons c ON c.id = u.coupon_id
			WHERE u.reference LIKE 'usage:%' GROUP BY c.customer_id`,
			func(s *sums, a, _ int64) { s.couponUses = a }},
		{`SELECT customer_id, debt, settled FROM customer_arrears`,
			func(s *sums, a, b int64) { s.owed, s.settled = a, b }},
	}
	for _, st := range steps {
		if err := scan(st.query, st.set); err != nil {
			return nil, err
		}
	}
	for id, s := range by {
		if s.balance != s.charged {
			add("customer %s: usage paid from the balance %d, metering charged %d", id, s.balance, s.charged)
		}
		if s.coupons != s.couponUses {
			add("customer %s: usage paid by coupons %d, coupon uses %d", id, s.coupons, s.couponUses)
		}
		if s.debt != s.owed+s.settled {
			add("customer %s: usage debt %d, owed %d + settled %d", id, s.debt, s.owed, s.settled)
		}
		if s.settled != s.settledCharges {
			add("customer %s: debt settled %d, settlement charges %d", id, s.settled, s.settledCharges)
		}
	}
	return out, nil
}
