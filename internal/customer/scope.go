package customer

import (
	"context"
	"strings"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// View is which customers a list shows: the partner's own (我的客户) or, for a
// total distributor, its indirect resellers' (二级经销商客户).
type View int

const (
	OwnCustomers View = iota
	ResellerCustomers
)

// Scope is the set of customers a caller may see. Every query of this
// package takes one, so the tenant rule is decided in ScopeFor alone.
type Scope struct {
	// PartnerIDs are the partners whose customers are visible.
	PartnerIDs []string
	// ManagerUserID, when set, narrows to the customers this manager is in
	// charge of at At.
	ManagerUserID string
	// At is the moment that decides who is in charge; zero means now.
	At time.Time
}

var errForbidden = apperr.New(apperr.Forbidden, "customer.forbidden", "you have no permission to see customers")

// ScopeFor decides what the principal may see. indirectPartnerID lets a total
// distributor act on one of its resellers' customers (as the API's
// indirect_partner_id); any other partner's id answers not found.
func ScopeFor(ctx context.Context, q store.Queryer, p *auth.Principal, view View, indirectPartnerID string) (Scope, error) {
	if p == nil || p.PartnerID == "" {
		return Scope{}, errForbidden
	}
	var s Scope
	switch {
	case p.Can(auth.PermCustomerView):
	case p.Can(auth.PermCustomerAssigned):
		s.ManagerUserID = p.UserID
	default:
		return Scope{}, errForbidden
	}
	acting, err := partner.ActingFor(ctx, q, p.PartnerID, indirectPartnerID)
	if err != nil {
		return Scope{}, err
	}
	if view == OwnCustomers || acting != p.PartnerID {
		s.PartnerIDs = []string{acting}
		return s, nil
	}
	me, err := partner.Get(ctx, q, p.PartnerID)
	if err != nil {
		return Scope{}, err
	}
	if me.Type != partner.TotalDistributor {
		return Scope{}, apperr.New(apperr.Forbidden, "customer.not_distributor", "only a total distributor has resellers' customers")
	}
	rows, err := q.QueryContext(ctx, `SELECT id FROM partners WHERE parent_id = ? ORDER BY id`, p.PartnerID)
	if err != nil {
		return Scope{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return Scope{}, err
		}
		s.PartnerIDs = append(s.PartnerIDs, id)
	}
	return s, rows.Err()
}

// PartnerScope is the scope of one whole partner, for callers that have
// already decided the partner (back-office tools, jobs).
func PartnerScope(partnerID string) Scope { return Scope{PartnerIDs: []string{partnerID}} }

func (s Scope) now(q store.Queryer) time.Time {
	if !s.At.IsZero() {
		return s.At
	}
	return storeNow(q)
}

// where renders the scope as a condition on customers c.
func (s Scope) where(q store.Queryer, now time.Time) (string, []any) {
	if len(s.PartnerIDs) == 0 {
		return "1=0", nil
	}
	var b strings.Builder
	args := make([]any, 0, len(s.PartnerIDs)+3)
	if len(s.PartnerIDs) == 1 {
		b.WriteString("c.partner_id = ?")
		args = append(args, s.PartnerIDs[0])
	} else {
		b.WriteString("c.partner_id IN (")
		for i, id := range s.PartnerIDs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("?")
			args = append(args, id)
		}
		b.WriteString(")")
	}
	if s.ManagerUserID != "" {
		b.WriteString(` AND ` + managedBy)
		args = append(args, s.ManagerUserID, store.Micros(now), store.Micros(now))
	}
	return b.String(), args
}

// managedBy holds for a customer c whose manager at a moment is the user.
const managedBy = `EXISTS (SELECT 1 FROM customer_manager_periods m WHERE m.customer_id = c.id AND m.manager_user_id = ?
	AND m.starts_at <= ? AND (m.ends_at IS NULL OR m.ends_at > ?))`

// Condition renders the scope as an SQL condition on a customers table
// aliased c, for other capabilities' lists that join their rows to the
// customer (orders, resources, bills), so they show exactly what the
// customer list shows.
func (s Scope) Condition(q store.Queryer) (string, []any) {
	return s.where(q, s.now(q))
}
