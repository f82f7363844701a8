// Package opportunity owns co-selling (机会点管理): partner-originated
// deal registrations (PO) from draft through the provider's review, and
// provider-originated opportunities (HO) shared with eligible partners;
// both then move through the sales stages. It decides who reviews (routing
// to an office's PSM and the partner's PDM), the review SLA in working
// days, duplicates, HO eligibility, and keeps the timeline of every change
// and the console inbox.
//
// Two independent axes describe an opportunity, as the best peers do: the
// review status (is the registration accepted?) and the sales stage (how
// far is the deal?).
package opportunity

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// Origins.
const (
	PO = "PO" // partner-originated: the partner registers the deal
	HO = "HO" // provider-originated: the provider shares it with partners
)

// Review statuses.
const (
	Draft          = "draft"
	Submitted      = "submitted"
	InReview       = "in_review"
	ActionRequired = "action_required"
	Approved       = "approved"
	Rejected       = "rejected"
	Expired        = "expired"
)

// ReviewStatuses lists them in their order.
var ReviewStatuses = []string{Draft, Submitted, InReview, ActionRequired, Approved, Rejected, Expired}

// Sales stages.
const (
	StageIdentify = "identify"
	StageShare    = "share"
	StageConfirm  = "confirm"
	StageWon      = "won"  // 达成销售
	StageLost     = "lost" // with a reason from LostReasons
)

// SalesStages lists them in their order.
var SalesStages = []string{StageIdentify, StageShare, StageConfirm, StageWon, StageLost}

// LostReasons is the fixed list a lost opportunity picks from.
var LostReasons = []string{"price", "competitor", "budget", "requirement_changed", "no_decision", "customer_lost", "other"}

// Industries is the list opportunities and PSMs are classified by.
var Industries = []string{"finance", "government", "manufacturing", "internet", "retail", "education", "healthcare", "energy",
	"transport", "media", "other"}

// Opportunity is a PO or an HO.
type Opportunity struct {
	ID              string
	Code            string
	Origin          string
	PartnerID       string
	PartnerName     string
	CustomerID      string
	CustomerName    string // the customer's account name, or the prospect's name
	ProspectName    string
	ProjectName     string
	Industry        string
	OfficeID        string
	Products        []string
	Amount          int64
	ExpectedClose   time.Time
	PartnerSolution string
	CustomerConsent bool
	ContactName     string
	ContactPhone    string
	Description     string
	ReviewStatus    string
	SalesStage      string
	LostReason      string
	PSMUserID       string
	PDMUserID       string
	PDMQueue        bool
	Checklist       []string
	ReviewerComment string
	DecisionReason  string
	DuplicateOf     string
	SubmittedAt     time.Time
	ReviewDueAt     time.Time
	DecidedAt       time.Time
	ApprovedAt      time.Time
	SignedAt        time.Time
	DeliveredAt     time.Time
	BDReportedAt    time.Time
	CRMLockUntil    time.Time
	CreatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// ErrNotFound answers for an opportunity that does not exist or is not the caller's.
var ErrNotFound = apperr.NotFoundf("opportunity.not_found", "the opportunity does not exist")

const columns = `o.id, o.code, o.origin, COALESCE(o.partner_id, ''), COALESCE(p.name, ''), COALESCE(o.customer_id, ''),
	COALESCE(c.domain_name, o.prospect_name), o.prospect_name, o.project_name, o.industry, COALESCE(o.office_id, ''), o.products, o.amount,
	COALESCE(o.expected_close, 0), o.partner_solution, o.customer_consent, o.contact_name, o.contact_phone, o.description,
	o.review_status, o.sales_stage, o.lost_reason, COALESCE(o.psm_user_id, ''), COALESCE(o.pdm_user_id, ''), o.pdm_queue, o.checklist,
	o.reviewer_comment, o.decision_reason, o.duplicate_of, COALESCE(o.submitted_at, 0), COALESCE(o.review_due_at, 0),
	COALESCE(o.decided_at, 0), COALESCE(o.approved_at, 0), COALESCE(o.signed_at, 0), COALESCE(o.delivered_at, 0),
	COALESCE(o.bd_reported_at, 0), COALESCE(o.crm_lock_until, 0), o.created_by, o.created_at, o.updated_at`

const from = ` FROM opportunities o LEFT JOIN partners p ON p.id = o.partner_id LEFT JOIN customers c ON c.id = o.customer_id`

func scan(row interface{ Scan(...any) error }) (*Opportunity, error) { return scanWith(row) }

// scanWith reads an opportunity followed by extra columns.
func scanWith(row interface{ Scan(...any) error }, extra ...any) (*Opportunity, error) {
	var o Opportunity
	var products, checklist string
	var closeDay, submitted, due, decided, approved, signed, delivered, reported, lock, created, updated int64
	dest := []any{&o.ID, &o.Code, &o.Origin, &o.PartnerID, &o.PartnerName, &o.CustomerID, &o.CustomerName, &o.ProspectName,
		&o.ProjectName, &o.Industry, &o.OfficeID, &products, &o.Amount, &closeDay, &o.PartnerSolution, &o.CustomerConsent,
		&o.ContactName, &o.ContactPhone, &o.Description, &o.ReviewStatus, &o.SalesStage, &o.LostReason, &o.PSMUserID, &o.PDMUserID,
		&o.PDMQueue, &checklist, &o.ReviewerComment, &o.DecisionReason, &o.DuplicateOf, &submitted, &due, &decided, &approved,
		&signed, &delivered, &reported, &lock, &o.CreatedBy, &created, &updated}
	err := row.Scan(append(dest, extra...)...)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	o.Products, o.Checklist = splitList(products), splitList(checklist)
	o.ExpectedClose = store.Time(closeDay)
	o.SubmittedAt, o.ReviewDueAt, o.DecidedAt, o.ApprovedAt = store.Time(submitted), store.Time(due), store.Time(decided), store.Time(approved)
	o.SignedAt, o.DeliveredAt, o.BDReportedAt, o.CRMLockUntil = store.Time(signed), store.Time(delivered), store.Time(reported), store.Time(lock)
	o.CreatedAt, o.UpdatedAt = store.Time(created), store.Time(updated)
	return &o, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Viewer is who looks at opportunities: a partner (its own POs and the HOs
// it accepted) or provider staff (all of them).
type Viewer struct {
	PartnerID string // empty: provider staff
}

func (v Viewer) condition() (string, []any) {
	if v.PartnerID == "" {
		return "1=1", nil
	}
	return "o.partner_id = ?", []any{v.PartnerID}
}

// Get returns an opportunity the viewer may see.
func Get(ctx context.Context, q store.Queryer, v Viewer, id string) (*Opportunity, error) {
	cond, args := v.condition()
	o, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+from+` WHERE o.id = ? AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return o, err
}

// lock reads an opportunity for a change.
func lock(ctx context.Context, tx *store.Tx, v Viewer, id string) (*Opportunity, error) {
	cond, args := v.condition()
	suffix := ""
	if tx.Dialect() == store.Postgres {
		suffix = " FOR UPDATE OF o"
	}
	o, err := scan(tx.QueryRowContext(ctx, `SELECT `+columns+from+` WHERE o.id = ? AND `+cond+suffix, append([]any{id}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return o, err
}

// Event is one entry of an opportunity's timeline.
type Event struct {
	At      time.Time
	Actor   string
	Action  string
	Changes map[string][2]string
	Comment string
}

// Timeline returns an opportunity's events, oldest first.
func Timeline(ctx context.Context, q store.Queryer, id string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT at, actor, action, changes, comment FROM opportunity_events WHERE opportunity_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var changes string
		if err := rows.Scan(&at, &e.Actor, &e.Action, &changes, &e.Comment); err != nil {
			return nil, err
		}
		e.At = store.Time(at)
		_ = json.Unmarshal([]byte(changes), &e.Changes)
		out = append(out, e)
	}
	return out, rows.Err()
}

func record(ctx context.Context, tx *store.Tx, id, actor, action string, changes map[string][2]string, comment string) error {
	b, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	if changes == nil {
		b = []byte("{}")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO opportunity_events (id, opportunity_id, at, actor, action, changes, comment) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ids.New(), id, store.Micros(tx.Now), actor, action, string(b), comment)
	if err != nil {
		return err
	}
	return statusEvent(ctx, tx, id, action, changes)
}

// statusEvent emits opportunity.status_changed when a recorded change
// moves the review status or the sales stage; every such change is
// recorded here, so this is the one place that sees them all.
func statusEvent(ctx context.Context, tx *store.Tx, id, action string, changes map[string][2]string) error {
	moved := map[string]map[string]string{}
	for _, field := range []string{"review_status", "sales_stage"} {
		if c, ok := changes[field]; ok && c[0] != c[1] {
			moved[field] = map[string]string{"from": c[0], "to": c[1]}
		}
	}
	if len(moved) == 0 {
		return nil
	}
	var partnerID *string
	var code, review, stage string
	if err := tx.QueryRowContext(ctx, `SELECT partner_id, code, review_status, sales_stage FROM opportunities WHERE id = ?`, id).Scan(&partnerID, &code, &review, &stage); err != nil {
		return store.ScanErr(err)
	}
	if partnerID == nil {
		return nil // an HO not yet shared with a partner
	}
	return webhook.Emit(ctx, tx, *partnerID, webhook.OpportunityStatusChanged, map[string]any{"opportunity_id": id, "code": code,
		"action": action, "changes": moved, "review_status": review, "sales_stage": stage, "changed_at": webhook.Time(tx.Now)})
}

// normalise makes names comparable for duplicate detection: lower case,
// letters and digits only.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func customerKey(customerID, prospect string) string {
	if customerID != "" {
		return "customer:" + customerID
	}
	return "prospect:" + normalise(prospect)
}

// newCode makes the code users see: the origin, the day (UTC+8) and eight
// random letters, e.g. PO261204KQXABMNP.
func newCode(origin string, now time.Time) string {
	return origin + now.In(time.FixedZone("UTC+8", 8*3600)).Format("060102") + ids.Letters(8)
}
