package incentive

import (
	"context"
	"strings"

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

// CalculateMonth computes the statements of every partner with consumption
// in the month, or a negative remainder carried from the month before, in
// one transaction: a handful of statements over the whole month, each
// reading the month's fee records once, rather than a query per partner
// (a month of a million customers' records is read in seconds that way,
// where a partner at a time reads them scattered). Running it again gives
// the same result. A month's carry comes from the month before: compute
// months in order (the job recomputes last month, then this one).
func CalculateMonth(ctx context.Context, db *store.DB, month Month) (CalcResult, error) {
	var res CalcResult
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		res, err = calculate(ctx, tx, month, "")
		return err
	})
	return res, err
}

// CalculatePartnerMonth computes one partner's statement for a month in the
// caller's transaction, unless it is already confirmed: then it is
// returned as it is.
func CalculatePartnerMonth(ctx context.Context, tx *store.Tx, partnerID string, month Month) (*Statement, error) {
	if _, err := partner.Get(ctx, tx, partnerID); err != nil {
		return nil, err
	}
	if _, err := calculate(ctx, tx, month, partnerID); err != nil {
		return nil, err
	}
	return statementForUpdate(ctx, tx, partnerID, month)
}

// calcScope is the part of every statement of a run that picks its rows:
// the month, and one partner when partnerID is set.
type calcScope struct {
	month     Month
	partnerID string
}

// where is " AND col = ?" for the partner, or nothing, with its arguments
// appended to args.
func (c calcScope) where(col string, args ...any) (string, []any) {
	if c.partnerID == "" {
		return "", args
	}
	return " AND " + col + " = ?", append(args, c.partnerID)
}

// recomputable is the SQL condition on incentive_statements s of the
// statements a run may change.
const recomputable = `s.status IN ('` + StatusEstimated + `', '` + StatusToConfirm + `')`

func calculate(ctx context.Context, tx *store.Tx, month Month, partnerID string) (CalcResult, error) {
	res := CalcResult{Month: month}
	sc := calcScope{month: month, partnerID: partnerID}
	m := int(month)
	if tx.Dialect() == store.Postgres && partnerID == "" {
		// A month's lines are grouped and sorted in memory rather than in
		// temporary files: a million customers' take about 200 MB, far
		// above the 4 MB default for one operation.
		if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '512MB'`); err != nil {
			return res, err
		}
	}
	partnerIDs, err := partnersToCalculate(ctx, tx, sc)
	if err != nil {
		return res, err
	}
	for _, id := range partnerIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO incentive_statements (id, partner_id, bill_month, status, computed_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (partner_id, bill_month) DO NOTHING`,
			ids.New(), id, m, StatusEstimated, store.Micros(tx.Now)); err != nil {
			return res, err
		}
	}
	// Lock the month's statements: a confirmation waits for the run, and a
	// run does not change a statement confirmed meanwhile.
	where, args := sc.where("s.partner_id", m)
	rows, err := tx.QueryContext(ctx, `SELECT s.status FROM incentive_statements s WHERE s.bill_month = ?`+where+forUpdate(tx), args...)
	if err != nil {
		return res, err
	}
	for rows.Next() {
		var status string
		if err := rows.Scan(&status); err != nil {
			rows.Close()
			return res, err
		}
		if status == StatusEstimated || status == StatusToConfirm {
			res.Computed++
		} else {
			res.Frozen++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || res.Computed == 0 {
		return res, err
	}
	where, args = sc.where("s.partner_id", m, m)
	if _, err := tx.ExecContext(ctx, `DELETE FROM incentive_details WHERE bill_month = ? AND partner_id IN
		(SELECT s.partner_id FROM incentive_statements s WHERE s.bill_month = ? AND `+recomputable+where+`)`, args...); err != nil {
		return res, err
	}
	fwhere, fargs := sc.where("f.partner_id", m, m, m)
	swhere, sargs := sc.where("s.partner_id", append(fargs, m, m)...)
	if _, err := tx.ExecContext(ctx, byteOrder(tx.Dialect(), rebateDetailsPrefix+fwhere+rebateDetailsSuffix+swhere), sargs...); err != nil {
		return res, err
	}
	where, args = sc.where("s.partner_id", m, m, m, m)
	if _, err := tx.ExecContext(ctx, bonusDetails+where+bonusGroup, args...); err != nil {
		return res, err
	}
	return res, totalStatements(ctx, tx, sc)
}

// partnersToCalculate lists the partners with consumption in the month, or
// a remainder carried from the month before, that have no statement yet.
func partnersToCalculate(ctx context.Context, q store.Queryer, sc calcScope) ([]string, error) {
	where, args := sc.where("p.id", int(sc.month), int(sc.month), int(sc.month.Add(-1)))
	rows, err := q.QueryContext(ctx, `SELECT p.id FROM partners p
		WHERE NOT EXISTS (SELECT 1 FROM incentive_statements t WHERE t.partner_id = p.id AND t.bill_month = ?)
		  AND (EXISTS (SELECT 1 FROM fee_sums s WHERE s.partner_id = p.id AND s.bill_month = ?)
		   OR EXISTS (SELECT 1 FROM incentive_statements t WHERE t.partner_id = p.id AND t.bill_month = ? AND t.carry_out < 0))`+where+`
		ORDER BY p.id`, args...)
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

// rebateDetails writes the rebate rows of the recomputable statements: per
// partner, customer, service type and manager, the net consumption of
// incentive products times the rate valid for the partner's type, split by
// largest remainder so that a partner's rows sum to its month's exact total
// rounded half up. Ties go to the earlier customer, service type and
// manager, so a re-run splits alike. The partner condition goes between
// the prefix and the suffix, and after the suffix.
var rebateDetailsPrefix = `INSERT INTO incentive_details (statement_id, partner_id, bill_month, customer_id, service_type_code, manager_user_id,
	kind, consumption, refunds, rate_bp, amount)
WITH lines AS (
	SELECT f.partner_id, f.customer_id, f.service_type_code, f.manager_user_id, SUM(f.amount) AS consumption,
		SUM(CASE WHEN f.amount < 0 THEN f.amount ELSE 0 END) AS refunds, MAX(r.rate_bp) AS rate_bp,
		CAST(SUM(f.amount) AS BIGINT) * MAX(r.rate_bp) AS x
	FROM fee_records f
	JOIN cloud_products cp ON cp.id = f.product_id AND cp.incentive = TRUE
	JOIN partners p ON p.id = f.partner_id
	JOIN incentive_policies r ON r.kind = 'rebate' AND r.partner_type = p.partner_type AND r.service_type_code = f.service_type_code
		AND r.valid_from <= ? AND (r.valid_to = 0 OR r.valid_to >= ?)
	WHERE f.bill_month = ?`

var rebateDetailsSuffix = `
	GROUP BY f.partner_id, f.customer_id, f.service_type_code, f.manager_user_id
), split AS (
	SELECT partner_id, customer_id, service_type_code, manager_user_id, consumption, refunds, rate_bp, ` + floorDiv("x") + ` AS base,
		ROW_NUMBER() OVER (PARTITION BY partner_id ORDER BY (((x % 10000) + 10000) % 10000) DESC, customer_id COLLATE_BYTES,
			service_type_code COLLATE_BYTES, manager_user_id COLLATE_BYTES) AS rn,
		` + floorDiv("SUM(x) OVER (PARTITION BY partner_id) + 5000") + ` - SUM(` + floorDiv("x") + `) OVER (PARTITION BY partner_id) AS extra
	FROM lines
)
SELECT s.id, l.partner_id, s.bill_month, l.customer_id, l.service_type_code, l.manager_user_id, 'rebate', l.consumption, l.refunds,
	l.rate_bp, l.base + CASE WHEN l.rn <= l.extra THEN 1 ELSE 0 END
FROM split l JOIN incentive_statements s ON s.partner_id = l.partner_id AND s.bill_month = ?
WHERE ` + recomputable + ` AND s.bill_month = ?`

// byteOrder makes the COLLATE_BYTES marks of q order text by its bytes:
// ids are ASCII, and PostgreSQL's default collation sorts a month's million
// lines several times slower than bytes (SQLite compares bytes already).
func byteOrder(d store.Dialect, q string) string {
	collate := ""
	if d == store.Postgres {
		collate = ` COLLATE "C"`
	}
	return strings.ReplaceAll(q, " COLLATE_BYTES", collate)
}

// bonusDetails writes one new_customer row per customer whose first
// consumption with its partner (charges, not refunds) is in this month,
// attributed to the manager of its consumption that month (the greatest
// user id when several shared it), with the bonus of the partner's type
// (0 without a policy: the row still counts the customer for 业绩).
const bonusDetails = `INSERT INTO incentive_details (statement_id, partner_id, bill_month, customer_id, service_type_code,
	manager_user_id, kind, consumption, refunds, rate_bp, amount)
SELECT s.id, f.partner_id, f.bill_month, f.customer_id, '', MAX(f.manager_user_id), 'new_customer', SUM(f.amount), 0, 0,
	COALESCE(MAX(b.bonus_fen), 0)
FROM fee_sums f
JOIN incentive_statements s ON s.partner_id = f.partner_id AND s.bill_month = f.bill_month
JOIN partners p ON p.id = f.partner_id
LEFT JOIN incentive_policies b ON b.kind = 'new_customer' AND b.partner_type = p.partner_type AND b.valid_from <= ?
	AND (b.valid_to = 0 OR b.valid_to >= ?)
WHERE f.bill_month = ? AND s.bill_month = ? AND f.refund = 0 AND ` + recomputable + `
	AND NOT EXISTS (SELECT 1 FROM fee_sums e WHERE e.customer_id = f.customer_id AND e.bill_month < f.bill_month
		AND e.partner_id = f.partner_id AND e.refund = 0 AND e.amount > 0)`

const bonusGroup = `
GROUP BY s.id, f.partner_id, f.bill_month, f.customer_id
HAVING SUM(f.amount) > 0`

// totalStatements sums the details of the recomputable statements into
// them and applies the carry: negative items are already inside the rebate
// (deducted first); the bonus is added; the month before's negative
// remainder is deducted; what stays below zero is carried on. A month that
// has ended is to confirm, one still running estimated.
func totalStatements(ctx context.Context, tx *store.Tx, sc calcScope) error {
	status := StatusEstimated
	if !tx.Now.Before(sc.month.End()) {
		status = StatusToConfirm
	}
	m := int(sc.month)
	where, args := sc.where("s.partner_id", m, int(sc.month.Add(-1)), m)
	rows, err := tx.QueryContext(ctx, `SELECT s.id, COALESCE(d.consumption, 0), COALESCE(d.refunds, 0), COALESCE(d.rebate, 0),
			COALESCE(d.new_customers, 0), COALESCE(d.bonus, 0), COALESCE(prev.carry_out, 0)
		FROM incentive_statements s
		LEFT JOIN (SELECT partner_id,
				SUM(CASE WHEN kind = 'rebate' THEN consumption - refunds ELSE 0 END) AS consumption,
				SUM(CASE WHEN kind = 'rebate' THEN refunds ELSE 0 END) AS refunds,
				SUM(CASE WHEN kind = 'rebate' THEN amount ELSE 0 END) AS rebate,
				SUM(CASE WHEN kind = 'new_customer' THEN 1 ELSE 0 END) AS new_customers,
				SUM(CASE WHEN kind = 'new_customer' THEN amount ELSE 0 END) AS bonus
			FROM incentive_details WHERE bill_month = ? GROUP BY partner_id) d ON d.partner_id = s.partner_id
		LEFT JOIN incentive_statements prev ON prev.partner_id = s.partner_id AND prev.bill_month = ?
		WHERE s.bill_month = ? AND `+recomputable+where, args...)
	if err != nil {
		return err
	}
	var sts []Statement
	for rows.Next() {
		var st Statement
		if err := rows.Scan(&st.ID, &st.Consumption, &st.Refunds, &st.Rebate, &st.NewCustomers, &st.Bonus, &st.CarryIn); err != nil {
			rows.Close()
			return err
		}
		sts = append(sts, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, st := range sts {
		sum := st.Rebate + st.Bonus + st.CarryIn
		if _, err := tx.ExecContext(ctx, `UPDATE incentive_statements SET status = ?, consumption = ?, refunds = ?, rebate = ?,
			new_customers = ?, bonus = ?, carry_in = ?, payable = ?, carry_out = ?, computed_at = ? WHERE id = ?`,
			status, st.Consumption, st.Refunds, st.Rebate, st.NewCustomers, st.Bonus, st.CarryIn, max(sum, 0), min(sum, 0),
			store.Micros(tx.Now), st.ID); err != nil {
			return err
		}
	}
	return nil
}
