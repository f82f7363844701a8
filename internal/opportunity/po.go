package opportunity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Fields are what a partner fills in on a PO.
type Fields struct {
	CustomerID      string // a customer associated with the partner or a registered account of no partner...
	ProspectName    string // ...or a prospect without a cloud account
	ProjectName     string
	Industry        string
	OfficeID        string
	Products        []string // service type codes
	Amount          int64    // estimated, fen
	ExpectedClose   time.Time
	PartnerSolution string
	CustomerConsent bool
	ContactName     string
	ContactPhone    string
	Description     string
}

// ActionRequiredEditable is the whitelist of fields a partner may change
// while the reviewer asks for action: the details of the deal, never whose
// deal it is or who reviews it.
var ActionRequiredEditable = []string{"products", "amount", "expected_close", "partner_solution", "customer_consent",
	"contact_name", "contact_phone", "description"}

// limits checks lengths and formats of whatever is filled in; a draft may be
// incomplete, a submission may not (missing).
func (f *Fields) limits() error {
	type text struct {
		field, value string
		max          int
	}
	for _, t := range []text{{"prospect_name", f.ProspectName, 100}, {"project_name", f.ProjectName, 100},
		{"partner_solution", f.PartnerSolution, 200}, {"contact_name", f.ContactName, 50}, {"contact_phone", f.ContactPhone, 30},
		{"description", f.Description, 2000}} {
		if len([]rune(t.value)) > t.max {
			return apperr.Field(t.field, "opportunity.too_long", "at most %d characters", t.max)
		}
	}
	if f.Industry != "" && !slices.Contains(Industries, f.Industry) {
		return apperr.Field("industry", "opportunity.industry_invalid", "choose an industry from the list")
	}
	if f.Amount < 0 || f.Amount > 100_000_000_000_00 {
		return apperr.Field("amount", "opportunity.amount_range", "the amount must be from 0 to 100 billion yuan")
	}
	if len(f.Products) > 20 {
		return apperr.Field("products", "opportunity.products_count", "choose at most 20 products")
	}
	if f.CustomerID != "" && strings.TrimSpace(f.ProspectName) != "" {
		return apperr.Field("prospect_name", "opportunity.customer_or_prospect", "name either a customer or a prospect, not both")
	}
	return nil
}

// missing lists the fields a submission lacks, each with its message, in
// form order, so the console can show every one at once.
func (f *Fields) missing(now time.Time) []*apperr.Error {
	var out []*apperr.Error
	req := func(ok bool, field, key, msg string) {
		if !ok {
			out = append(out, &apperr.Error{Code: apperr.Invalid, Field: field, Key: key, Msg: msg})
		}
	}
	req(f.CustomerID != "" || strings.TrimSpace(f.ProspectName) != "", "customer_id", "opportunity.customer_required", "choose the customer or name the prospect")
	req(strings.TrimSpace(f.ProjectName) != "", "project_name", "opportunity.project_required", "name the project")
	req(f.Industry != "", "industry", "opportunity.industry_required", "choose the industry")
	req(f.OfficeID != "", "office_id", "opportunity.office_required", "choose the office")
	req(len(f.Products) > 0, "products", "opportunity.products_required", "choose at least one product")
	req(f.Amount > 0, "amount", "opportunity.amount_required", "estimate the amount")
	req(!f.ExpectedClose.IsZero() && ledger.DayOf(f.ExpectedClose) > ledger.DayOf(now), "expected_close", "opportunity.close_future",
		"the expected close date must be after today")
	req(strings.TrimSpace(f.PartnerSolution) != "", "partner_solution", "opportunity.solution_required", "describe your solution")
	req(f.CustomerConsent, "customer_consent", "opportunity.consent_required", "the customer must consent to the registration")
	return out
}

// MissingForSubmission lists what an opportunity still lacks before it can
// be submitted (empty when it is complete).
func MissingForSubmission(o *Opportunity, now time.Time) []*apperr.Error {
	f := o.fields()
	return f.missing(now)
}

func (o *Opportunity) fields() Fields {
	return Fields{CustomerID: o.CustomerID, ProspectName: o.ProspectName, ProjectName: o.ProjectName, Industry: o.Industry,
		OfficeID: o.OfficeID, Products: o.Products, Amount: o.Amount, ExpectedClose: o.ExpectedClose, PartnerSolution: o.PartnerSolution,
		CustomerConsent: o.CustomerConsent, ContactName: o.ContactName, ContactPhone: o.ContactPhone, Description: o.Description}
}

// checkRefs checks the customer and the office. A PO's customer is one
// associated with the partner or a registered cloud account associated
// with no partner yet; another partner's customer answers as unknown, so
// registering reveals nothing of other tenants.
func checkRefs(ctx context.Context, tx *store.Tx, partnerID string, f *Fields) error {
	if f.CustomerID != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE id = ? AND (partner_id = ? OR partner_id IS NULL)`,
			f.CustomerID, partnerID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field("customer_id", "customer.not_found", "customer not found")
		}
	}
	if f.OfficeID != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM offices WHERE id = ?`, f.OfficeID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field("office_id", "opportunity.office_unknown", "the office does not exist")
		}
	}
	f.Products = slices.Compact(slices.Sorted(slices.Values(f.Products)))
	f.ProspectName, f.ProjectName = strings.TrimSpace(f.ProspectName), strings.TrimSpace(f.ProjectName)
	return nil
}

// CreateDraft registers a PO as a draft of the partner.
func CreateDraft(ctx context.Context, tx *store.Tx, partnerID, by string, f Fields) (*Opportunity, error) {
	if err := f.limits(); err != nil {
		return nil, err
	}
	if err := checkRefs(ctx, tx, partnerID, &f); err != nil {
		return nil, err
	}
	id := ids.New()
	now := store.Micros(tx.Now)
	_, err := tx.ExecContext(ctx, `INSERT INTO opportunities (id, code, origin, partner_id, customer_id, prospect_name, customer_key,
		project_name, project_key, industry, office_id, products, amount, expected_close, partner_solution, customer_consent, contact_name,
		contact_phone, description, review_status, sales_stage, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, newCode(PO, tx.Now), PO, partnerID, nullable(f.CustomerID), f.ProspectName, customerKey(f.CustomerID, f.ProspectName),
		f.ProjectName, normalise(f.ProjectName), f.Industry, nullable(f.OfficeID), strings.Join(f.Products, ","), f.Amount,
		store.NullMicros(f.ExpectedClose), f.PartnerSolution, f.CustomerConsent, f.ContactName, f.ContactPhone, f.Description,
		Draft, StageIdentify, by, now, now)
	if err != nil {
		return nil, err
	}
	if err := record(ctx, tx, id, by, "created", nil, ""); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{PartnerID: partnerID}, id)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ErrNotEditable answers an edit in a status that allows none.
var ErrNotEditable = apperr.New(apperr.Conflict, "opportunity.not_editable", "the opportunity cannot be edited in its current status")

// Update edits a PO: every field of a draft; only ActionRequiredEditable
// while the reviewer asks for action (any other change is refused, naming
// the field). Each change is kept in the timeline.
func Update(ctx context.Context, tx *store.Tx, partnerID, by, id string, f Fields) (*Opportunity, error) {
	return Edit(ctx, tx, partnerID, by, id, func(stored *Fields) error { *stored = f; return nil })
}

// Edit is Update for a caller that changes only some fields: edit gets the
// stored fields, read under the opportunity's lock so that no concurrent
// edit is lost, and changes what it means to; the rules are Update's.
func Edit(ctx context.Context, tx *store.Tx, partnerID, by, id string, edit func(*Fields) error) (*Opportunity, error) {
	o, err := lock(ctx, tx, Viewer{PartnerID: partnerID}, id)
	if err != nil {
		return nil, err
	}
	if o.Origin != PO || (o.ReviewStatus != Draft && o.ReviewStatus != ActionRequired) {
		return nil, ErrNotEditable
	}
	f := o.fields()
	if err := edit(&f); err != nil {
		return nil, err
	}
	if err := f.limits(); err != nil {
		return nil, err
	}
	if err := checkRefs(ctx, tx, partnerID, &f); err != nil {
		return nil, err
	}
	changes := diff(o.fields(), f)
	if o.ReviewStatus == ActionRequired {
		for field := range changes {
			if !slices.Contains(ActionRequiredEditable, field) {
				return nil, apperr.Field(field, "opportunity.field_locked", "this field cannot be changed while action is required")
			}
		}
	}
	if len(changes) == 0 {
		return o, nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE opportunities SET customer_id = ?, prospect_name = ?, customer_key = ?, project_name = ?,
		project_key = ?, industry = ?, office_id = ?, products = ?, amount = ?, expected_close = ?, partner_solution = ?, customer_consent = ?,
		contact_name = ?, contact_phone = ?, description = ?, updated_at = ? WHERE id = ?`,
		nullable(f.CustomerID), f.ProspectName, customerKey(f.CustomerID, f.ProspectName), f.ProjectName, normalise(f.ProjectName),
		f.Industry, nullable(f.OfficeID), strings.Join(f.Products, ","), f.Amount, store.NullMicros(f.ExpectedClose), f.PartnerSolution,
		f.CustomerConsent, f.ContactName, f.ContactPhone, f.Description, store.Micros(tx.Now), o.ID)
	if err != nil {
		return nil, err
	}
	if err := record(ctx, tx, o.ID, by, "edited", changes, ""); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{PartnerID: partnerID}, id)
}

// diff names the fields that differ, with their before and after values.
func diff(a, b Fields) map[string][2]string {
	out := map[string][2]string{}
	cmp := func(field, x, y string) {
		if x != y {
			out[field] = [2]string{x, y}
		}
	}
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return ledger.DayStart(ledger.DayOf(t)).In(ledger.BillingZone).Format("2006-01-02")
	}
	cmp("customer_id", a.CustomerID, b.CustomerID)
	cmp("prospect_name", a.ProspectName, b.ProspectName)
	cmp("project_name", a.ProjectName, b.ProjectName)
	cmp("industry", a.Industry, b.Industry)
	cmp("office_id", a.OfficeID, b.OfficeID)
	cmp("products", strings.Join(a.Products, ","), strings.Join(b.Products, ","))
	cmp("amount", fmt.Sprint(a.Amount), fmt.Sprint(b.Amount))
	cmp("expected_close", day(a.ExpectedClose), day(b.ExpectedClose))
	cmp("partner_solution", a.PartnerSolution, b.PartnerSolution)
	cmp("customer_consent", fmt.Sprint(a.CustomerConsent), fmt.Sprint(b.CustomerConsent))
	cmp("contact_name", a.ContactName, b.ContactName)
	cmp("contact_phone", a.ContactPhone, b.ContactPhone)
	cmp("description", a.Description, b.Description)
	return out
}

// ReviewSLA is how many working days the provider has to decide.
const ReviewSLA = 10

// Submit sends a draft for review, or a PO the reviewer asked action on
// back to its reviewer. A first submission is routed (Route); every
// submission restarts the SLA of ReviewSLA working days. Missing fields are
// refused with the first one's message (MissingForSubmission lists all).
func Submit(ctx context.Context, tx *store.Tx, partnerID, by, id string) (*Opportunity, error) {
	o, err := lock(ctx, tx, Viewer{PartnerID: partnerID}, id)
	if err != nil {
		return nil, err
	}
	if o.Origin != PO || (o.ReviewStatus != Draft && o.ReviewStatus != ActionRequired) {
		return nil, apperr.New(apperr.Conflict, "opportunity.not_submittable", "only drafts and opportunities awaiting your action can be submitted")
	}
	if missing := MissingForSubmission(o, tx.Now); len(missing) > 0 {
		return nil, missing[0]
	}
	cal, err := LoadCalendar(ctx, tx)
	if err != nil {
		return nil, err
	}
	due := cal.AddWorkingDays(tx.Now, ReviewSLA)
	action := "resubmitted"
	if o.ReviewStatus == Draft {
		action = "submitted"
		r, err := Route(ctx, tx, o.OfficeID, o.Industry, partnerID)
		if err != nil {
			return nil, err
		}
		o.PSMUserID, o.PDMUserID, o.PDMQueue = r.PSMUserID, r.PDMUserID, r.PDMQueue
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET review_status = ?, psm_user_id = ?, pdm_user_id = ?, pdm_queue = ?,
		submitted_at = ?, review_due_at = ?, updated_at = ? WHERE id = ?`, Submitted, o.PSMUserID, nullable(o.PDMUserID), o.PDMQueue,
		store.Micros(tx.Now), store.Micros(due), store.Micros(tx.Now), o.ID); err != nil {
		return nil, err
	}
	if err := record(ctx, tx, o.ID, by, action, map[string][2]string{"review_status": {o.ReviewStatus, Submitted}}, ""); err != nil {
		return nil, err
	}
	if err := notifyUser(ctx, tx, o.PSMUserID, "opportunity.assigned", o.ID, map[string]string{"code": o.Code}); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{PartnerID: partnerID}, id)
}
