package configurator

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Sources and statuses of a configuration list.
const (
	FromConfigurator = "configurator"
	FromImport       = "import"

	ListDraft     = "draft"
	ListSubmitted = "submitted"
)

// LinkDays is how many days after its date a list dated after its
// opportunity's signing may be linked and submitted.
const LinkDays = 15

// List is a configuration list (配置单).
type List struct {
	ID              string
	Code            string
	PartnerID       string
	ConfiguratorID  string
	SolutionName    string
	Name            string
	Source          string
	Day             int64 // the list's date, a billing day (ledger.DayOf)
	Values          map[string]string
	Bill            Bill
	OpportunityID   string
	OpportunityCode string
	OpportunityName string
	LinkedAt        time.Time
	Status          string
	SubmittedAt     time.Time
	CreatedBy       string
	CreatedAt       time.Time
}

// Date is the list's date at midnight UTC+8, in that zone so that it
// formats as the billing day.
func (l *List) Date() time.Time { return ledger.DayStart(l.Day).In(ledger.BillingZone) }

// Errors of lists.
var (
	ErrListNotFound = apperr.NotFoundf("configurator.list_not_found", "the configuration list does not exist")
	ErrSubmitted    = apperr.New(apperr.Conflict, "configurator.list_submitted", "the configuration list is submitted and cannot change")
	ErrNotLinked    = apperr.New(apperr.Conflict, "configurator.list_not_linked", "link the list to an opportunity before submitting it")
)

const listColumns = `l.id, l.code, l.partner_id, l.configurator_id, COALESCE(s.name, ''), l.name, l.source, l.list_day, l.param_values, l.bill,
	COALESCE(l.opportunity_id, ''), COALESCE(o.code, ''), COALESCE(o.project_name, ''), COALESCE(l.linked_at, 0), l.status,
	COALESCE(l.submitted_at, 0), l.created_by, l.created_at`

const listFrom = ` FROM configuration_lists l JOIN configurators c ON c.id = l.configurator_id LEFT JOIN solutions s ON s.id = c.solution_id
	LEFT JOIN opportunities o ON o.id = l.opportunity_id`

func scanList(row interface{ Scan(...any) error }) (*List, error) {
	var l List
	var values, bill string
	var linked, submitted, created int64
	err := row.Scan(&l.ID, &l.Code, &l.PartnerID, &l.ConfiguratorID, &l.SolutionName, &l.Name, &l.Source, &l.Day, &values, &bill,
		&l.OpportunityID, &l.OpportunityCode, &l.OpportunityName, &linked, &l.Status, &submitted, &l.CreatedBy, &created)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	if err := json.Unmarshal([]byte(values), &l.Values); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(bill), &l.Bill); err != nil {
		return nil, err
	}
	l.LinkedAt, l.SubmittedAt, l.CreatedAt = store.Time(linked), store.Time(submitted), store.Time(created)
	return &l, nil
}

// GetList returns a list of the partner (empty: staff).
func GetList(ctx context.Context, q store.Queryer, partnerID, id string) (*List, error) {
	cond, args := "l.id = ?", []any{id}
	if partnerID != "" {
		cond, args = cond+" AND l.partner_id = ?", append(args, partnerID)
	}
	l, err := scanList(q.QueryRowContext(ctx, `SELECT `+listColumns+listFrom+` WHERE `+cond, args...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrListNotFound
	}
	return l, err
}

// Lists returns a partner's lists, of one configurator when configuratorID
// is set, the newest first.
func Lists(ctx context.Context, q store.Queryer, partnerID, configuratorID string) ([]*List, error) {
	cond, args := "l.partner_id = ?", []any{partnerID}
	if configuratorID != "" {
		cond, args = cond+" AND l.configurator_id = ?", append(args, configuratorID)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+listColumns+listFrom+` WHERE `+cond+` ORDER BY l.created_at DESC, l.id`, args...)
	return collect(rows, err, scanList)
}

// ListHeader is what a user names a new list with.
type ListHeader struct {
	Name string
	Date time.Time // zero: today
}

// newList opens a partner's published configurator for a new list and
// checks the list's header, returning its billing day.
func newList(ctx context.Context, tx *store.Tx, a Actor, configuratorID string, h *ListHeader) (*Configurator, int64, error) {
	if a.PartnerID == "" {
		return nil, 0, ErrNotFound
	}
	c, err := Get(ctx, tx, a.PartnerID, configuratorID)
	if err != nil {
		return nil, 0, err
	}
	if c.Status != Published {
		return nil, 0, ErrNotPublished
	}
	day, err := h.check(tx.Now)
	return c, day, err
}

func (h *ListHeader) check(now time.Time) (int64, error) {
	h.Name = strings.TrimSpace(h.Name)
	if h.Name == "" || len([]rune(h.Name)) > 100 {
		return 0, apperr.Field("name", "configurator.list_name", "name the list in at most 100 characters")
	}
	if h.Date.IsZero() {
		h.Date = now
	}
	day := ledger.DayOf(h.Date)
	if day > ledger.DayOf(now) {
		return 0, apperr.Field("date", "configurator.list_date_future", "the list's date cannot be in the future")
	}
	return day, nil
}

// Produce makes a list with a published configurator and parameter values:
// the values and the priced bill are stored with it.
func Produce(ctx context.Context, tx *store.Tx, a Actor, configuratorID string, h ListHeader, values map[string]string) (*List, error) {
	c, day, err := newList(ctx, tx, a, configuratorID, &h)
	if err != nil {
		return nil, err
	}
	compiled, err := c.Compile(ctx, tx)
	if err != nil {
		return nil, err
	}
	bill, err := compiled.Evaluate(values)
	if err != nil {
		return nil, err
	}
	used := compiled.Defaults()
	for name := range used {
		if v, ok := values[name]; ok {
			used[name] = strings.TrimSpace(v)
		}
	}
	return insertList(ctx, tx, a, c, h.Name, FromConfigurator, day, used, bill)
}

func insertList(ctx context.Context, tx *store.Tx, a Actor, c *Configurator, name, source string, day int64, values map[string]string, bill *Bill) (*List, error) {
	vb, err := json.Marshal(values)
	if err != nil {
		return nil, err
	}
	bb, err := json.Marshal(bill)
	if err != nil {
		return nil, err
	}
	id, now := ids.New(), store.Micros(tx.Now)
	code := "PZ" + tx.Now.In(time.FixedZone("UTC+8", 8*3600)).Format("060102") + ids.Letters(8)
	if _, err := tx.ExecContext(ctx, `INSERT INTO configuration_lists (id, code, partner_id, configurator_id, name, source, list_day, param_values,
		bill, list_amount, discount, total, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, code, a.PartnerID, c.ID, name, source, day, string(vb), string(bb), bill.List, bill.Discount, bill.Total, ListDraft, a.Name, now, now); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: a.PartnerID, Action: "configuration_list.create", ObjectType: "configuration_list",
		ObjectID: id, After: map[string]any{"code": code, "source": source, "total": bill.Total}}); err != nil {
		return nil, err
	}
	return GetList(ctx, tx, a.PartnerID, id)
}

// LinkDeadline is the last billing day on which a list may be linked to o
// and submitted, and whether there is one (see the package doc).
func LinkDeadline(l *List, o *opportunity.Opportunity) (int64, bool) {
	if o.SignedAt.IsZero() || l.Day <= ledger.DayOf(o.SignedAt) {
		return 0, false
	}
	return l.Day + LinkDays, true
}

func lockList(ctx context.Context, tx *store.Tx, a Actor, id string) (*List, error) {
	if a.PartnerID == "" {
		return nil, ErrListNotFound
	}
	if tx.Dialect() == store.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT id FROM configuration_lists WHERE id = ? FOR UPDATE`, id); err != nil {
			return nil, err
		}
	}
	l, err := GetList(ctx, tx, a.PartnerID, id)
	if err != nil {
		return nil, err
	}
	if l.Status == ListSubmitted {
		return nil, ErrSubmitted
	}
	return l, nil
}

func errPastDeadline(last int64) error {
	return apperr.New(apperr.Conflict, "configurator.list_past_deadline",
		"the list is dated after the opportunity's signing: it had to be linked and submitted by %s", ledger.DayStart(last).In(ledger.BillingZone).Format("2006-01-02"))
}

// Link links a draft list to an opportunity of the same partner (another
// partner's answers not found), within the 15-day rule.
func Link(ctx context.Context, tx *store.Tx, a Actor, listID, opportunityID string) (*List, error) {
	l, err := lockList(ctx, tx, a, listID)
	if err != nil {
		return nil, err
	}
	o, err := opportunity.Get(ctx, tx, opportunity.Viewer{PartnerID: a.PartnerID}, opportunityID)
	if errors.Is(err, opportunity.ErrNotFound) {
		return nil, apperr.Field("opportunity_id", "configurator.opportunity_unknown", "choose one of your opportunities")
	}
	if err != nil {
		return nil, err
	}
	if last, ok := LinkDeadline(l, o); ok && ledger.DayOf(tx.Now) > last {
		return nil, errPastDeadline(last)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE configuration_lists SET opportunity_id = ?, linked_at = ?, updated_at = ? WHERE id = ?`,
		o.ID, store.Micros(tx.Now), store.Micros(tx.Now), l.ID); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: a.PartnerID, Action: "configuration_list.link", ObjectType: "configuration_list",
		ObjectID: l.ID, Before: map[string]any{"opportunity": l.OpportunityCode}, After: map[string]any{"opportunity": o.Code}}); err != nil {
		return nil, err
	}
	return GetList(ctx, tx, a.PartnerID, l.ID)
}

// Submit makes a linked draft list final, within the 15-day rule.
func Submit(ctx context.Context, tx *store.Tx, a Actor, listID string) (*List, error) {
	l, err := lockList(ctx, tx, a, listID)
	if err != nil {
		return nil, err
	}
	if l.OpportunityID == "" {
		return nil, ErrNotLinked
	}
	o, err := opportunity.Get(ctx, tx, opportunity.Viewer{PartnerID: a.PartnerID}, l.OpportunityID)
	if err != nil {
		return nil, err
	}
	if last, ok := LinkDeadline(l, o); ok && (ledger.DayOf(tx.Now) > last || ledger.DayOf(l.LinkedAt) > last) {
		return nil, errPastDeadline(last)
	}
	now := store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE configuration_lists SET status = ?, submitted_at = ?, updated_at = ? WHERE id = ?`,
		ListSubmitted, now, now, l.ID); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: a.PartnerID, Action: "configuration_list.submit", ObjectType: "configuration_list",
		ObjectID: l.ID, Before: map[string]any{"status": l.Status}, After: map[string]any{"status": ListSubmitted}}); err != nil {
		return nil, err
	}
	return GetList(ctx, tx, a.PartnerID, l.ID)
}
