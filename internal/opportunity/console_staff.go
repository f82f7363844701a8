package opportunity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// The provider's back office reads opportunities in ways the partner never
// does: a reviewer's queue, the share states of HOs, the calendar's
// exceptions by year.

// QueueFilter selects the POs of the back office's review queue. A user who
// is both PSM and PDM sees both parts; All shows every submitted PO.
type QueueFilter struct {
	PSMUserID    string // the POs routed to this PSM
	PDMUserID    string // the POs whose PDM this user is, and the central PDM queue
	All          bool   // every PO past its draft
	ReviewStatus string
	OfficeID     string
	Industry     string
	Query        string // part of the code, project or prospect name
	Now          time.Time
	Offset       int
	Limit        int
}

// QueueCountCap is how far the review queue counts: beyond it the queue
// reports that there are more rather than how many.
const QueueCountCap = 10_000

// ReviewQueue returns a page of the queue and how many match: overdue
// reviews first, then by due date, the newest last decided ones after.
// Drafts are the partner's own and never show. The count stops at
// QueueCountCap; more reports that there are more than that.
//
// The order depends on now (a review becomes overdue), so no index holds it
// as such. The queue is read as its three parts instead (overdue; the
// other open reviews; the decided ones), each status of each part taken
// in order from the index on (origin, review_status, due date, created_at,
// id) and stopped after the rows the page needs, and the page cut from their union: the cost is the page's depth,
// not the queue's length (900,000 POs were counted and sorted on every
// view, 4.6 s).
func ReviewQueue(ctx context.Context, q store.Queryer, f QueueFilter) (list []*Opportunity, total int, more bool, err error) {
	where := []string{"o.origin = ?", "o.review_status <> ?"}
	args := []any{PO, Draft}
	if !f.All {
		var who []string
		if f.PSMUserID != "" {
			who, args = append(who, "o.psm_user_id = ?"), append(args, f.PSMUserID)
		}
		if f.PDMUserID != "" {
			who, args = append(who, "o.pdm_user_id = ?", "o.pdm_queue = ?"), append(args, f.PDMUserID, true)
		}
		if len(who) == 0 {
			return nil, 0, false, nil
		}
		where = append(where, "("+strings.Join(who, " OR ")+")")
	}
	add := func(c string, a ...any) { where, args = append(where, c), append(args, a...) }
	if f.ReviewStatus != "" {
		add("o.review_status = ?", f.ReviewStatus)
	}
	if f.OfficeID != "" {
		add("o.office_id = ?", f.OfficeID)
	}
	if f.Industry != "" {
		add("o.industry = ?", f.Industry)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := store.LikeContains(strings.ToLower(s))
		add("(LOWER(o.code) LIKE ?"+store.LikeEscape+" OR LOWER(o.project_name) LIKE ?"+store.LikeEscape+" OR LOWER(o.prospect_name) LIKE ?"+store.LikeEscape+")", like, like, like)
	}
	w := strings.Join(where, " AND ")
	// A reviewer needs the page and a sense of the size of the work, not
	// an exact figure for a queue of hundreds of thousands: counting those
	// reads every one of them.
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM opportunities o WHERE `+w+` LIMIT ?) t`,
		append(args, QueueCountCap+1)...).Scan(&total); err != nil {
		return nil, 0, false, err
	}
	if total > QueueCountCap {
		total, more = QueueCountCap, true
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPage {
		limit = 20
	}
	offset := max(f.Offset, 0)
	now := store.Micros(f.Now)
	// Each part of the queue, and each status within it, is one range of
	// the opportunities_review_queue index, read in the queue's order.
	type arm struct {
		part   int
		status string
		cond   string
		args   []any
	}
	arms := []arm{
		{0, Submitted, "o.review_due_at IS NOT NULL AND COALESCE(o.review_due_at, 0) <= ?", []any{now}},
		{0, InReview, "o.review_due_at IS NOT NULL AND COALESCE(o.review_due_at, 0) <= ?", []any{now}},
		{1, ActionRequired, "", nil},
		{1, Submitted, "o.review_due_at IS NULL", nil},
		{1, Submitted, "COALESCE(o.review_due_at, 0) > ?", []any{now}},
		{1, InReview, "o.review_due_at IS NULL", nil},
		{1, InReview, "COALESCE(o.review_due_at, 0) > ?", []any{now}},
		{2, Approved, "", nil},
		{2, Rejected, "", nil},
		{2, Expired, "", nil},
	}
	var union []string
	var uargs []any
	for i, a := range arms {
		if f.ReviewStatus != "" && f.ReviewStatus != a.status {
			continue
		}
		cond := "o.review_status = ?"
		if a.cond != "" {
			cond += " AND " + a.cond
		}
		union = append(union, fmt.Sprintf(`SELECT * FROM (SELECT %d AS part, COALESCE(o.review_due_at, 0) AS due, o.created_at, o.id
			FROM opportunities o WHERE %s AND %s
			ORDER BY COALESCE(o.review_due_at, 0), o.created_at DESC, o.id LIMIT ?) q%d`, a.part, w, cond, i))
		uargs = append(append(append(append(uargs, args...), a.status), a.args...), offset+limit)
	}
	if len(union) == 0 { // a status the queue never holds
		return nil, total, more, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM (`+strings.Join(union, " UNION ALL ")+`
			ORDER BY part, due, created_at DESC, id LIMIT ? OFFSET ?) page
		JOIN opportunities o ON o.id = page.id`+strings.TrimPrefix(from, " FROM opportunities o")+`
		ORDER BY page.part, page.due, page.created_at DESC, page.id`,
		append(uargs, limit, offset)...)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scan(rows)
		if err != nil {
			return nil, 0, false, err
		}
		list = append(list, o)
	}
	return list, total, more, rows.Err()
}

// Overdue reports whether a PO awaits a decision past its review SLA.
func (o *Opportunity) Overdue(now time.Time) bool {
	return (o.ReviewStatus == Submitted || o.ReviewStatus == InReview) && !o.ReviewDueAt.IsZero() && !now.Before(o.ReviewDueAt)
}

// ShareState is an HO as offered to one partner, seen from the provider.
type ShareState struct {
	OpportunityID string
	PartnerID     string
	PartnerName   string
	Status        string // an offer past its validity reads expired before the job marks it
	Reason        string
	SharedAt      time.Time
	ExpiresAt     time.Time
	AnsweredAt    time.Time
}

// SharesOf returns the shares of the given HOs by HO, each list by partner name.
func SharesOf(ctx context.Context, q store.Queryer, ids []string, now time.Time) (map[string][]ShareState, error) {
	out := map[string][]ShareState{}
	if len(ids) == 0 {
		return out, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT s.opportunity_id, s.partner_id, COALESCE(p.name, ''), s.status, s.reason, s.shared_at, s.expires_at,
		COALESCE(s.answered_at, 0) FROM opportunity_shares s LEFT JOIN partners p ON p.id = s.partner_id
		WHERE s.opportunity_id IN (`+marks+`) ORDER BY s.opportunity_id, p.name, s.partner_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s ShareState
		var shared, expires, answered int64
		if err := rows.Scan(&s.OpportunityID, &s.PartnerID, &s.PartnerName, &s.Status, &s.Reason, &shared, &expires, &answered); err != nil {
			return nil, err
		}
		s.SharedAt, s.ExpiresAt, s.AnsweredAt = store.Time(shared), store.Time(expires), store.Time(answered)
		if s.Status == ShareOffered && !now.Before(s.ExpiresAt) {
			s.Status = ShareExpired
		}
		out[s.OpportunityID] = append(out[s.OpportunityID], s)
	}
	return out, rows.Err()
}

// CalendarDay is one exception of the working-day calendar.
type CalendarDay struct {
	Day     time.Time // the start of the billing day
	Working bool      // true: a working weekend day; false: a holiday
	Name    string
}

// CalendarDays lists the exceptions of a year (billing days), in date order.
func CalendarDays(ctx context.Context, q store.Queryer, year int) ([]CalendarDay, error) {
	first := ledger.DayOf(time.Date(year, 1, 1, 0, 0, 0, 0, ledger.BillingZone))
	next := ledger.DayOf(time.Date(year+1, 1, 1, 0, 0, 0, 0, ledger.BillingZone))
	rows, err := q.QueryContext(ctx, `SELECT day, working, name FROM working_calendar WHERE day >= ? AND day < ? ORDER BY day`, first, next)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CalendarDay
	for rows.Next() {
		var d CalendarDay
		var day int64
		if err := rows.Scan(&day, &d.Working, &d.Name); err != nil {
			return nil, err
		}
		d.Day = ledger.DayStart(day)
		out = append(out, d)
	}
	return out, rows.Err()
}

// CustomerByAccountName finds a registered customer by its account name,
// for an HO the provider creates (any customer, associated or not).
func CustomerByAccountName(ctx context.Context, q store.Queryer, field, name string) (string, error) {
	var id string
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT id FROM customers WHERE domain_name = ?`, strings.TrimSpace(name)).Scan(&id))
	if errors.Is(err, store.ErrNotFound) {
		return "", apperr.Field(field, "customer.not_found", "customer not found")
	}
	return id, err
}

// CosellingMembers returns the partners in the co-selling programme.
func CosellingMembers(ctx context.Context, q store.Queryer) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM partners WHERE coselling = ?`, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// RegisteredCustomer finds, by account name, a customer a partner may
// register a PO for: its own, or a registered account associated with no
// partner. Others answer not found, like names that do not exist.
func RegisteredCustomer(ctx context.Context, q store.Queryer, partnerID, field, name string) (string, error) {
	var id string
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT id FROM customers WHERE domain_name = ? AND (partner_id = ? OR partner_id IS NULL)`,
		strings.TrimSpace(name), partnerID).Scan(&id))
	if errors.Is(err, store.ErrNotFound) {
		return "", apperr.Field(field, "customer.not_found", "customer not found")
	}
	return id, err
}
