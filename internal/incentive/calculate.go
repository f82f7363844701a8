package incentive

import (
	"context"
	"errors"
	"sync"

	"partnercenter/internal/partner"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// CalcResult is what one run of a month did.
type CalcResult struct {
	Month    Month
	Computed int // statements (re)computed
	Frozen   int // statements left alone: already confirmed
}

// calcWorkers is how many partners are computed at once on PostgreSQL;
// SQLite has one writer, so there partners go one after another.
const calcWorkers = 4

// CalculateMonth computes the statement of every partner with consumption
// in the month, or a negative remainder carried from the month before, each
// partner in a transaction of its own. Running it again gives the same
// result. A month's carry comes from the month before: compute months in
// order (the job recomputes last month, then this one).
func CalculateMonth(ctx context.Context, db *store.DB, month Month) (CalcResult, error) {
	res := CalcResult{Month: month}
	partnerIDs, err := partnersToCalculate(ctx, db.Reader(), month)
	if err != nil {
		return res, err
	}
	workers := 1
	if db.Dialect == store.Postgres {
		workers = calcWorkers
	}
	var mu sync.Mutex
	var firstErr error
	next := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				var st *Statement
				err := db.InTx(ctx, func(tx *store.Tx) error {
					var err error
					st, err = CalculatePartnerMonth(ctx, tx, id, month)
					return err
				})
				mu.Lock()
				switch {
				case err != nil && firstErr == nil:
					firstErr = err
				case err == nil && st.recomputable():
					res.Computed++
				case err == nil:
					res.Frozen++
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range partnerIDs {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop {
			break
		}
		next <- id
	}
	close(next)
	wg.Wait()
	return res, firstErr
}

// partnersToCalculate lists the partners with consumption in the month, a
// statement for it already, or a remainder carried from the month before.
func partnersToCalculate(ctx context.Context, q store.Queryer, month Month) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id FROM partners p
		WHERE EXISTS (SELECT 1 FROM fee_sums s WHERE s.partner_id = p.id AND s.bill_month = ?)
		   OR EXISTS (SELECT 1 FROM incentive_statements t WHERE t.partner_id = p.id AND t.bill_month = ?)
		   OR EXISTS (SELECT 1 FROM incentive_statements t WHERE t.partner_id = p.id AND t.bill_month = ? AND t.carry_out < 0)
		ORDER BY p.id`, int(month), int(month), int(month.Add(-1)))
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

// floorDiv is SQL for expr divided by RateScale rounded towards minus
// infinity (SQL's integer division truncates towards zero, which would round
// refunds the other way).
func floorDiv(expr string) string {
	return "((" + expr + ") - ((((" + expr + ") % 10000) + 10000) % 10000)) / 10000"
}

// rebateDetails writes the rebate rows of one statement: per customer,
// service type and manager, the net consumption of incentive products times
// the rate valid for the partner type, split by largest remainder so that
// the rows sum to the month's exact total rounded half up. Ties go to the
// earlier customer, service type and manager, so a re-run splits alike.
var rebateDetails = `WITH lines AS (
	SELECT f.customer_id, f.service_type_code, f.manager_user_id, SUM(f.amount) AS consumption,
		SUM(CASE WHEN f.amount < 0 THEN f.amount ELSE 0 END) AS refunds, MAX(p.rate_bp) AS rate_bp,
		SUM(f.amount) * MAX(p.rate_bp) AS x
	FROM fee_records f
	JOIN cloud_products cp ON cp.id = f.product_id AND cp.incentive = TRUE
	JOIN incentive_policies p ON p.kind = 'rebate' AND p.partner_type = ? AND p.service_type_code = f.service_type_code
		AND p.valid_from <= ? AND (p.valid_to = 0 OR p.valid_to >= ?)
	WHERE f.partner_id = ? AND f.bill_month = ?
	GROUP BY f.customer_id, f.service_type_code, f.manager_user_id
), split AS (
	SELECT customer_id, service_type_code, manager_user_id, consumption, refunds, rate_bp, ` + floorDiv("x") + ` AS base,
		ROW_NUMBER() OVER (ORDER BY (((x % 10000) + 10000) % 10000) DESC, customer_id, service_type_code, manager_user_id) AS rn
	FROM lines
), total AS (
	SELECT ` + floorDiv("SUM(x) + 5000") + ` - SUM(` + floorDiv("x") + `) AS extra FROM lines
)
INSERT INTO incentive_details (statement_id, partner_id, bill_month, customer_id, service_type_code, manager_user_id, kind,
	consumption, refunds, rate_bp, amount)
SELECT ?, ?, CAST(? AS INTEGER), s.customer_id, s.service_type_code, s.manager_user_id, 'rebate', s.consumption, s.refunds, s.rate_bp,
	s.base + CASE WHEN s.rn <= t.extra THEN 1 ELSE 0 END
FROM split s CROSS JOIN total t`

// bonusDetails writes one new_customer row per customer whose first
// consumption with the partner (charges, not refunds) is in this month,
// attributed to the manager of its consumption that month (the greatest
// user id when several shared it). The row counts the customer for 业绩
// even when no bonus is set (amount 0).
const bonusDetails = `INSERT INTO incentive_details (statement_id, partner_id, bill_month, customer_id, service_type_code,
	manager_user_id, kind, consumption, refunds, rate_bp, amount)
SELECT ?, s.partner_id, s.bill_month, s.customer_id, '', MAX(s.manager_user_id), 'new_customer', SUM(s.amount), 0, 0, CAST(? AS BIGINT)
FROM fee_sums s
WHERE s.partner_id = ? AND s.bill_month = ? AND s.refund = 0
	AND NOT EXISTS (SELECT 1 FROM fee_sums e WHERE e.customer_id = s.customer_id AND e.bill_month < s.bill_month
		AND e.partner_id = s.partner_id AND e.refund = 0 AND e.amount > 0)
GROUP BY s.partner_id, s.bill_month, s.customer_id
HAVING SUM(s.amount) > 0`

// CalculatePartnerMonth computes one partner's statement for a month in the
// caller's transaction, unless it is already confirmed: then it is returned
// as it is.
func CalculatePartnerMonth(ctx context.Context, tx *store.Tx, partnerID string, month Month) (*Statement, error) {
	p, err := partner.Get(ctx, tx, partnerID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO incentive_statements (id, partner_id, bill_month, status, computed_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (partner_id, bill_month) DO NOTHING`,
		ids.New(), partnerID, int(month), StatusEstimated, store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	st, err := statementForUpdate(ctx, tx, partnerID, month)
	if err != nil {
		return nil, err
	}
	if !st.recomputable() {
		return st, nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM incentive_details WHERE statement_id = ?`, st.ID); err != nil {
		return nil, err
	}
	m := int(month)
	if _, err := tx.ExecContext(ctx, rebateDetails, string(p.Type), m, m, partnerID, m, st.ID, partnerID, m); err != nil {
		return nil, err
	}
	bonus, err := bonusAt(ctx, tx, p.Type, month)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, bonusDetails, st.ID, bonus, partnerID, m); err != nil {
		return nil, err
	}
	if err := st.total(ctx, tx); err != nil {
		return nil, err
	}
	st.Status = StatusEstimated
	if !tx.Now.Before(month.End()) {
		st.Status = StatusToConfirm
	}
	st.ComputedAt = tx.Now
	_, err = tx.ExecContext(ctx, `UPDATE incentive_statements SET status = ?, consumption = ?, refunds = ?, rebate = ?, new_customers = ?,
		bonus = ?, carry_in = ?, payable = ?, carry_out = ?, computed_at = ? WHERE id = ?`,
		st.Status, st.Consumption, st.Refunds, st.Rebate, st.NewCustomers, st.Bonus, st.CarryIn, st.Payable, st.CarryOut,
		store.Micros(tx.Now), st.ID)
	return st, err
}

// total sums the statement's details and applies the carry: negative items
// are already inside the rebate (deducted first); the bonus is added; the
// month before's negative remainder is deducted; what stays below zero is
// carried on.
func (st *Statement) total(ctx context.Context, tx *store.Tx) error {
	err := tx.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN kind = 'rebate' THEN consumption - refunds ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN kind = 'rebate' THEN refunds ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN kind = 'rebate' THEN amount ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN kind = 'new_customer' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN kind = 'new_customer' THEN amount ELSE 0 END), 0)
		FROM incentive_details WHERE statement_id = ?`, st.ID).Scan(&st.Consumption, &st.Refunds, &st.Rebate, &st.NewCustomers, &st.Bonus)
	if err != nil {
		return err
	}
	st.CarryIn = 0
	err = tx.QueryRowContext(ctx, `SELECT carry_out FROM incentive_statements WHERE partner_id = ? AND bill_month = ?`,
		st.PartnerID, int(st.Month.Add(-1))).Scan(&st.CarryIn)
	if err != nil && !errors.Is(store.ScanErr(err), store.ErrNotFound) {
		return err
	}
	sum := st.Rebate + st.Bonus + st.CarryIn
	st.Payable, st.CarryOut = max(sum, 0), min(sum, 0)
	return nil
}

// bonusAt is the new-customer bonus for a partner type in a month, 0 when
// no policy sets one.
func bonusAt(ctx context.Context, q store.Queryer, t partner.Type, month Month) (int64, error) {
	var bonus int64
	err := q.QueryRowContext(ctx, `SELECT bonus_fen FROM incentive_policies WHERE kind = 'new_customer' AND partner_type = ?
		AND valid_from <= ? AND (valid_to = 0 OR valid_to >= ?)`, string(t), int(month), int(month)).Scan(&bonus)
	if errors.Is(store.ScanErr(err), store.ErrNotFound) {
		return 0, nil
	}
	return bonus, err
}
