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
func newCustomersByManager(ctx context.Context, q store.Queryer, partnerID string, first, last bill.Month) (map[Cell]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.associated_at, COALESCE(m.manager_user_id, ''), COALESCE(m.starts_at, 0), COALESCE(m.ends_at, 0)
		FROM customers c LEFT JOIN customer_manager_periods m ON m.customer_id = c.id AND m.partner_id = c.partner_id
		WHERE c.partner_id = ? AND c.associated_at >= ? AND c.associated_at < ?
		ORDER BY c.id, m.starts_at, m.assigned_at`, partnerID, store.Micros(first.Start()), store.Micros(last.End()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Cell]int64{}
	var current string // the customer whose periods are being read
	var decided bool
	var month bill.Month
	for rows.Next() {
		var id, manager string
		var associated, starts, ends int64
		if err := rows.Scan(&id, &associated, &manager, &starts, &ends); err != nil {
			return nil, err
		}
		if id != current {
			if current != "" && !decided {
				out[Cell{Month: month}]++
			}
			current, decided, month = id, false, bill.MonthOf(store.Time(associated))
		}
		if decided || manager == "" {
			continue
		}
		// Periods come oldest first: the first one in charge at some moment
		// between the association and the month's end takes it.
		if starts < store.Micros(month.End()) && (ends == 0 || ends > associated) {
			out[Cell{ManagerUserID: manager, Month: month}]++
			decided = true
		}
	}
	if current != "" && !decided {
		out[Cell{Month: month}]++
	}
	return out, rows.Err()
}
