// Package performance owns 业绩: what a partner's business adds up to per
// customer manager and per month: the consumption attributed to the manager
// in charge of the customer when it was charged (fee records carry that
// manager, written with customer.ManagerAt, and bill.ManagerSums adds them
// up), the customers newly associated that month with the manager who took
// charge of them in it, and the incentives the month's calculation credited
// to the manager's customers (incentive.ManagerTotals: its details carry the
// same manager as the fee records they come from).
//
// A partner user who may see all customers sees every manager's figures and
// the unattributed ones; a customer manager sub-account (it sees only the
// customers in its charge) sees only its own. Reassigning a customer never
// moves past figures: they follow the periods, as the fee records do.
package performance

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/bill"
	"partnercenter/internal/incentive"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Scope is whose figures a caller sees.
type Scope struct {
	PartnerID string
	// ManagerUserID, when set, narrows the figures to one manager's own.
	ManagerUserID string
}

var errForbidden = apperr.New(apperr.Forbidden, "performance.forbidden", "you have no permission to see performance")

// ScopeFor decides what the principal may see: the whole partner for a user
// who sees all customers, its own figures for a customer manager.
func ScopeFor(p *auth.Principal) (Scope, error) {
	if p == nil || p.PartnerID == "" || !p.Can(auth.PermPerformanceView) {
		return Scope{}, errForbidden
	}
	switch {
	case p.Can(auth.PermCustomerView):
		return Scope{PartnerID: p.PartnerID}, nil
	case p.Can(auth.PermCustomerAssigned):
		return Scope{PartnerID: p.PartnerID, ManagerUserID: p.UserID}, nil
	}
	return Scope{}, errForbidden
}

// Figures are one cell of performance.
type Figures struct {
	// Consumption is the fees attributed, charges less refunds, in fen.
	Consumption int64
	// Records is how many fee records they are.
	Records int64
	// NewCustomers is how many customers were associated.
	NewCustomers int64
	// Incentive is what the month's incentive calculation credited: the
	// rebate of the consumption and the new-customer bonus, in fen.
	Incentive int64
}

func (f *Figures) add(o Figures) {
	f.Consumption += o.Consumption
	f.Records += o.Records
	f.NewCustomers += o.NewCustomers
	f.Incentive += o.Incentive
}

// Manager names whom figures are attributed to; the zero Manager is "nobody
// in charge".
type Manager struct {
	UserID      string
	Username    string
	DisplayName string
}

// Cell is one manager's figures in one month.
type Cell struct {
	ManagerUserID string
	Month         bill.Month
	Figures
}

// ManagerTotal is one manager's figures over the range.
type ManagerTotal struct {
	Manager
	Figures
}

// MonthTotal is one month's figures, all managers in the scope together.
type MonthTotal struct {
	Month bill.Month
	Figures
}

// Report is the performance of a scope from First to Last.
type Report struct {
	First, Last bill.Month
	// Cells are the non-empty manager-months, by manager then month.
	Cells []Cell
	// Managers are the managers with figures, by name; nobody in charge
	// last.
	Managers []ManagerTotal
	// Months are every month of the range, oldest first.
	Months []MonthTotal
	Total  Figures
}

// ParseRange reads a month range as the console writes it ("2026-07",
// "2026-12"); empty ends default to the last six months up to now's. The
// range must lie in the queryable window (bill.Window).
func ParseRange(from, to string, now time.Time) (first, last bill.Month, err error) {
	_, newest := bill.Window(now)
	first, last = newest.Add(-5), newest
	var errs []error
	if from != "" {
		if first, err = bill.ParseMonth("from", from); err == nil {
			err = bill.CheckWindow("from", first, now)
		}
		errs = append(errs, err)
	}
	if to != "" {
		if last, err = bill.ParseMonth("to", to); err == nil {
			err = bill.CheckWindow("to", last, now)
		}
		errs = append(errs, err)
	}
	for _, e := range errs {
		if e != nil {
			return first, last, e
		}
	}
	if first > last {
		return first, last, apperr.Field("to", "performance.range_order", "the last month cannot be before the first")
	}
	return first, last, nil
}

// Query is the scope's performance from first to last.
func Query(ctx context.Context, q store.Queryer, s Scope, first, last bill.Month) (*Report, error) {
	cells := map[Cell]Figures{}
	key := func(manager string, m bill.Month) Cell { return Cell{ManagerUserID: manager, Month: m} }
	sums, err := bill.ManagerSums(ctx, q, s.PartnerID, first, last)
	if err != nil {
		return nil, err
	}
	for _, m := range sums {
		k := key(m.ManagerUserID, m.Month)
		f := cells[k]
		f.Consumption += m.Amount
		f.Records += m.Count
		cells[k] = f
	}
	newCustomers, err := newCustomersByManager(ctx, q, s.PartnerID, first, last)
	if err != nil {
		return nil, err
	}
	for k, n := range newCustomers {
		f := cells[k]
		f.NewCustomers += n
		cells[k] = f
	}
	incentives, err := incentive.ManagerTotals(ctx, q, s.PartnerID, s.ManagerUserID, first, last)
	if err != nil {
		return nil, err
	}
	for _, t := range incentives {
		k := key(t.ManagerUserID, t.Month)
		f := cells[k]
		f.Incentive += t.Rebate + t.Bonus
		cells[k] = f
	}
	return assemble(ctx, q, s, first, last, cells)
}

// assemble orders the cells the scope may see into a report, with the
// totals per manager and per month.
func assemble(ctx context.Context, q store.Queryer, s Scope, first, last bill.Month, cells map[Cell]Figures) (*Report, error) {
	r := &Report{First: first, Last: last}
	byMonth := map[bill.Month]*Figures{}
	for m := first; m <= last; m = m.Add(1) {
		r.Months = append(r.Months, MonthTotal{Month: m})
	}
	for i := range r.Months {
		byMonth[r.Months[i].Month] = &r.Months[i].Figures
	}
	byManager := map[string]*Figures{}
	for k, f := range cells {
		if s.ManagerUserID != "" && k.ManagerUserID != s.ManagerUserID {
			continue
		}
		k.Figures = f
		r.Cells = append(r.Cells, k)
		byMonth[k.Month].add(f)
		r.Total.add(f)
		if byManager[k.ManagerUserID] == nil {
			byManager[k.ManagerUserID] = &Figures{}
		}
		byManager[k.ManagerUserID].add(f)
	}
	for id, f := range byManager {
		m := Manager{UserID: id}
		if id != "" {
			u, err := auth.GetUser(ctx, q, id)
			if err != nil {
				return nil, err
			}
			m.Username, m.DisplayName = u.Username, u.DisplayName
		}
		r.Managers = append(r.Managers, ManagerTotal{Manager: m, Figures: *f})
	}
	sort.Slice(r.Managers, func(i, j int) bool {
		a, b := r.Managers[i], r.Managers[j]
		if (a.UserID == "") != (b.UserID == "") {
			return b.UserID == ""
		}
		return strings.ToLower(a.Username) < strings.ToLower(b.Username)
	})
	rank := map[string]int{}
	for i, m := range r.Managers {
		rank[m.UserID] = i
	}
	sort.Slice(r.Cells, func(i, j int) bool {
		a, b := r.Cells[i], r.Cells[j]
		if a.ManagerUserID != b.ManagerUserID {
			return rank[a.ManagerUserID] < rank[b.ManagerUserID]
		}
		return a.Month < b.Month
	})
	return r, nil
}

// newCustomersByManager counts the partner's customers associated in each
// month of the range, per manager: the first manager put in charge of the
// customer from its association to the end of that month. A customer nobody
// took charge of in its first month counts for nobody; later assignments do
// not move it, as they do not move consumption.
//
// The counting is done by the database, so that a page view costs what the
// result holds rather than what the partner's customers are (a partner with
// 157,000 customers took 0.5-0.8 s when they were read and counted here):
// one count per month of the customers associated in it, read from the
// index on (partner_id, associated_at), and one count per month and manager
// of the customers whose first qualifying period is that manager's. Who
// counts for nobody is the difference.
func newCustomersByManager(ctx context.Context, q store.Queryer, partnerID string, first, last bill.Month) (map[Cell]int64, error) {
	var months []bill.Month
	for m := first; m <= last; m = m.Add(1) {
		months = append(months, m)
	}
	// monthOf maps associated_at to the month's position in the range; the
	// WHERE clause keeps it within the range, so the last month is the ELSE.
	monthOf := func(col string) (string, []any) {
		if len(months) == 1 {
			return "0", nil
		}
		var b strings.Builder
		var args []any
		b.WriteString("CASE")
		for i, m := range months[:len(months)-1] {
			fmt.Fprintf(&b, " WHEN %s < ? THEN %d", col, i)
			args = append(args, store.Micros(m.End()))
		}
		fmt.Fprintf(&b, " ELSE %d END", len(months)-1)
		return b.String(), args
	}
	// endOf is the end of the month associated_at falls in.
	endOf := func(col string) (string, []any) {
		if len(months) == 1 {
			return "CAST(? AS BIGINT)", []any{store.Micros(last.End())}
		}
		var b strings.Builder
		var args []any
		b.WriteString("CASE")
		for _, m := range months[:len(months)-1] {
			fmt.Fprintf(&b, " WHEN %s < ? THEN CAST(? AS BIGINT)", col)
			args = append(args, store.Micros(m.End()), store.Micros(m.End()))
		}
		b.WriteString(" ELSE CAST(? AS BIGINT) END")
		return b.String(), append(args, store.Micros(last.End()))
	}
	from, to := store.Micros(first.Start()), store.Micros(last.End())

	month, margs := monthOf("associated_at")
	rows, err := q.QueryContext(ctx, `SELECT `+month+` AS k, COUNT(*) FROM customers
		WHERE partner_id = ? AND associated_at >= ? AND associated_at < ? GROUP BY k`,
		append(margs, partnerID, from, to)...)
	if err != nil {
		return nil, err
	}
	unattributed := map[int]int64{}
	for rows.Next() {
		var k int
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return nil, err
		}
		unattributed[k] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(unattributed) == 0 {
		return map[Cell]int64{}, nil
	}

	// A period qualifies when it begins before the end of the customer's
	// month of association and has not ended by the association (an open
	// period has no end); of those, the oldest (by start, then by when it
	// was assigned) takes the customer.
	month, margs = monthOf("c.associated_at")
	end, eargs := endOf("c.associated_at")
	args := append(margs, partnerID, from, to, to)
	args = append(args, eargs...)
	rows, err = q.QueryContext(ctx, `SELECT k, manager_user_id, COUNT(*) FROM (
			SELECT `+month+` AS k, m.manager_user_id,
				ROW_NUMBER() OVER (PARTITION BY m.customer_id ORDER BY m.starts_at, m.assigned_at, m.id) AS n
			FROM customers c JOIN customer_manager_periods m ON m.customer_id = c.id AND m.partner_id = c.partner_id
			WHERE c.partner_id = ? AND c.associated_at >= ? AND c.associated_at < ? AND m.starts_at < ?
				AND m.starts_at < `+end+`
				AND (m.ends_at IS NULL OR m.ends_at = 0 OR m.ends_at > c.associated_at)
		) f WHERE n = 1 GROUP BY k, manager_user_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Cell]int64{}
	for rows.Next() {
		var k int
		var manager string
		var n int64
		if err := rows.Scan(&k, &manager, &n); err != nil {
			return nil, err
		}
		out[Cell{ManagerUserID: manager, Month: months[k]}] = n
		unattributed[k] -= n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k, n := range unattributed {
		if n > 0 {
			out[Cell{Month: months[k]}] = n
		}
	}
	return out, nil
}
