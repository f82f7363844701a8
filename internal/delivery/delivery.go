// Package delivery owns project delivery evaluation (交付 > 基线解决方案 >
// 项目交付评价): the projects registered (已登记) when an opportunity is won,
// the partner's delivery feedback (已验收 accepted or 中止交易 terminated),
// the provider's reproducible sampling of accepted projects, and the
// evidence rounds of sampled projects with their evaluation.
//
// A project's life:
//
//	registered ──feedback──▶ terminated                        (the flow ends)
//	registered ──feedback──▶ accepted, evaluation awaiting_sampling
//	    ──sampling run──▶ not_sampled                          (the flow ends)
//	    ──sampling run──▶ evidence_required ──submit──▶ evaluating
//	        ──evaluate──▶ passed | rejected ──submit again──▶ evaluating ...
//
// Sampling (sampling.go) stores its seed, rate, ordered candidate set and
// draw, and Verify recomputes the draw from them. Evidence files are uploads
// (internal/upload) of kind EvidenceKind, owned by the project's partner.
package delivery

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Delivery statuses, fed back by the partner.
const (
	Registered = "registered" // 已登记
	Accepted   = "accepted"   // 已验收
	Terminated = "terminated" // 中止交易
)

// Statuses lists the delivery statuses in their order.
var Statuses = []string{Registered, Accepted, Terminated}

// Evaluation states of an accepted project.
const (
	AwaitingSampling = "awaiting_sampling" // 待抽样
	NotSampled       = "not_sampled"       // 未抽中: the flow ends
	EvidenceRequired = "evidence_required" // 已抽中, 待提交举证材料
	Evaluating       = "evaluating"        // 评估中
	Passed           = "passed"            // 评估通过
	Rejected         = "rejected"          // 评估驳回: evidence may be submitted again
)

// Evaluations lists the evaluation states in their order.
var Evaluations = []string{AwaitingSampling, NotSampled, EvidenceRequired, Evaluating, Passed, Rejected}

// Project is a delivery project registered from a won opportunity.
type Project struct {
	ID            string
	OpportunityID string
	PartnerID     string
	PartnerName   string
	Code          string
	ProjectName   string
	CustomerName  string
	Amount        int64 // fen
	Status        string
	StatusDate    time.Time // the acceptance or termination date (start of its billing day)
	StatusNote    string
	StatusBy      string
	StatusAt      time.Time
	Evaluation    string
	SamplingRunID string
	EvidenceRound int
	RegisteredAt  time.Time
	UpdatedAt     time.Time
}

// Sampled reports whether a sampling run drew the project.
func (p *Project) Sampled() bool {
	return slices.Contains([]string{EvidenceRequired, Evaluating, Passed, Rejected}, p.Evaluation)
}

// CanFeedback reports whether the partner may still feed back its status.
func (p *Project) CanFeedback() bool { return p.Status == Registered }

// CanSubmitEvidence reports whether the partner may submit evidence now.
func (p *Project) CanSubmitEvidence() bool {
	return p.Evaluation == EvidenceRequired || p.Evaluation == Rejected
}

// ErrNotFound answers for a missing project or another partner's.
var ErrNotFound = apperr.NotFoundf("delivery.not_found", "the project does not exist")

const columns = `d.id, d.opportunity_id, d.partner_id, COALESCE(p.name, ''), d.code, d.project_name, d.customer_name, d.amount,
	d.status, COALESCE(d.status_day, 0), d.status_note, d.status_by, COALESCE(d.status_at, 0), d.evaluation,
	COALESCE(d.sampling_run_id, ''), d.evidence_round, d.registered_at, d.updated_at`

const from = ` FROM delivery_projects d LEFT JOIN partners p ON p.id = d.partner_id`

func scan(row interface{ Scan(...any) error }) (*Project, error) {
	var p Project
	var statusDay, statusAt, registered, updated int64
	err := row.Scan(&p.ID, &p.OpportunityID, &p.PartnerID, &p.PartnerName, &p.Code, &p.ProjectName, &p.CustomerName, &p.Amount,
		&p.Status, &statusDay, &p.StatusNote, &p.StatusBy, &statusAt, &p.Evaluation,
		&p.SamplingRunID, &p.EvidenceRound, &registered, &updated)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	if statusDay != 0 {
		p.StatusDate = ledger.DayStart(statusDay)
	}
	p.StatusAt, p.RegisteredAt, p.UpdatedAt = store.Time(statusAt), store.Time(registered), store.Time(updated)
	return &p, nil
}

// Viewer is who looks at projects: a partner (its own) or provider staff
// (all of them, PartnerID empty).
type Viewer struct {
	PartnerID string
}

func (v Viewer) condition() (string, []any) {
	if v.PartnerID == "" {
		return "1=1", nil
	}
	return "d.partner_id = ?", []any{v.PartnerID}
}

// Get returns a project the viewer may see.
func Get(ctx context.Context, q store.Queryer, v Viewer, id string) (*Project, error) {
	return get(ctx, q, v, id, "")
}

// ByOpportunity returns the project of a won opportunity, for a viewer who
// may see it.
func ByOpportunity(ctx context.Context, q store.Queryer, v Viewer, opportunityID string) (*Project, error) {
	cond, args := v.condition()
	p, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+from+` WHERE d.opportunity_id = ? AND `+cond, append([]any{opportunityID}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return p, err
}

// lock reads a project for a change.
func lock(ctx context.Context, tx *store.Tx, v Viewer, id string) (*Project, error) {
	suffix := ""
	if tx.Dialect() == store.Postgres {
		suffix = " FOR UPDATE OF d"
	}
	return get(ctx, tx, v, id, suffix)
}

func get(ctx context.Context, q store.Queryer, v Viewer, id, suffix string) (*Project, error) {
	cond, args := v.condition()
	p, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+from+` WHERE d.id = ? AND `+cond+suffix, append([]any{id}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return p, err
}

func init() {
	opportunity.RegisterWonHook(func(ctx context.Context, tx *store.Tx, o *opportunity.Opportunity) error {
		_, err := Register(ctx, tx, o)
		return err
	})
}

// Register records the project of a won opportunity, once: a second call for
// the same opportunity changes nothing. Opportunities without a partner (an
// HO nobody accepted) have no project.
func Register(ctx context.Context, tx *store.Tx, o *opportunity.Opportunity) (bool, error) {
	if o.PartnerID == "" || o.SalesStage != opportunity.StageWon {
		return false, nil
	}
	name := o.ProjectName
	if name == "" {
		name = o.Code
	}
	now := store.Micros(tx.Now)
	res, err := tx.ExecContext(ctx, `INSERT INTO delivery_projects (id, opportunity_id, partner_id, code, project_name, customer_name, amount,
		status, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (opportunity_id) DO NOTHING`,
		ids.New(), o.ID, o.PartnerID, o.Code, name, o.CustomerName, o.Amount, Registered, now, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RegisterWon registers the projects of won opportunities that have none
// (opportunities won before this package existed); the delivery job runs it.
func RegisterWon(ctx context.Context, tx *store.Tx) (int, error) {
	missing, err := queryIDs(ctx, tx, `SELECT o.id FROM opportunities o WHERE o.sales_stage = ? AND o.partner_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM delivery_projects d WHERE d.opportunity_id = o.id) ORDER BY o.signed_at, o.id`, opportunity.StageWon)
	if err != nil {
		return 0, err
	}
	registered := 0
	for _, id := range missing {
		o, err := opportunity.Get(ctx, tx, opportunity.Viewer{}, id)
		if err != nil {
			return registered, err
		}
		ok, err := Register(ctx, tx, o)
		if err != nil {
			return registered, err
		}
		if ok {
			registered++
		}
	}
	return registered, nil
}

// Feedback is the partner's report of a project's delivery.
type Feedback struct {
	Status string    // Accepted or Terminated
	Date   time.Time // when the customer accepted, or the deal was terminated
	Note   string    // required for a termination (why)
}

// MaxNote is the longest note or comment kept, in characters.
const MaxNote = 1000

// errClosed is the answer to feedback on a project whose status is final.
var errClosed = apperr.New(apperr.Conflict, "delivery.closed", "the delivery status of this project was already reported")

// SubmitFeedback records the partner's delivery status of one of its
// registered projects. An accepted project waits for sampling; a terminated
// one ends there.
func SubmitFeedback(ctx context.Context, tx *store.Tx, partnerID, actor, id string, f Feedback) (*Project, error) {
	p, err := lock(ctx, tx, Viewer{PartnerID: partnerID}, id)
	if err != nil {
		return nil, err
	}
	if !p.CanFeedback() {
		return nil, errClosed
	}
	if f.Status != Accepted && f.Status != Terminated {
		return nil, apperr.Field("status", "delivery.status_invalid", "choose 已验收 (accepted) or 中止交易 (terminated)")
	}
	if f.Date.IsZero() {
		return nil, apperr.Field("date", "delivery.date_required", "enter the date")
	}
	day := ledger.DayOf(f.Date)
	if day > ledger.DayOf(tx.Now) || day < ledger.DayOf(p.RegisteredAt) {
		return nil, apperr.Field("date", "delivery.date_range", "the date must be between the registration and today")
	}
	f.Note = strings.TrimSpace(f.Note)
	if len([]rune(f.Note)) > MaxNote {
		return nil, apperr.Field("note", "delivery.too_long", "at most %d characters", MaxNote)
	}
	if f.Status == Terminated && f.Note == "" {
		return nil, apperr.Field("note", "delivery.note_required", "say why the deal was terminated")
	}
	evaluation := ""
	if f.Status == Accepted {
		evaluation = AwaitingSampling
	}
	now := store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE delivery_projects SET status = ?, status_day = ?, status_note = ?, status_by = ?, status_at = ?,
		evaluation = ?, updated_at = ? WHERE id = ?`, f.Status, day, f.Note, actor, now, evaluation, now, p.ID); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: p.PartnerID, Action: "delivery.feedback", ObjectType: "delivery_project",
		ObjectID: p.ID, Before: map[string]any{"status": p.Status}, After: map[string]any{"status": f.Status, "day": day, "note": f.Note}}); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{PartnerID: partnerID}, id)
}

// Filter selects projects for List.
type Filter struct {
	Viewer        Viewer
	Status        string
	Evaluation    string
	RunID         string // the projects of one sampling run
	Sampled       bool   // only projects a run drew
	Query         string // part of the code, project or customer name
	Offset, Limit int
}

// MaxPage is the largest page List returns.
const MaxPage = 100

func (f Filter) where() (string, []any) {
	cond, args := f.Viewer.condition()
	where := []string{cond}
	add := func(c string, a ...any) { where, args = append(where, c), append(args, a...) }
	if f.Status != "" {
		add("d.status = ?", f.Status)
	}
	if f.Evaluation != "" {
		add("d.evaluation = ?", f.Evaluation)
	}
	if f.RunID != "" {
		add("d.sampling_run_id = ?", f.RunID)
	}
	if f.Sampled {
		add("d.evaluation IN (?, ?, ?, ?)", EvidenceRequired, Evaluating, Passed, Rejected)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := store.LikeContains(strings.ToLower(s))
		add("(LOWER(d.code) LIKE ?"+store.LikeEscape+" OR LOWER(d.project_name) LIKE ?"+store.LikeEscape+" OR LOWER(d.customer_name) LIKE ?"+store.LikeEscape+")", like, like, like)
	}
	return strings.Join(where, " AND "), args
}

// List returns a page of projects, newest registration first, and the total.
func List(ctx context.Context, q store.Queryer, f Filter) ([]*Project, int, error) {
	w, args := f.where()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM delivery_projects d WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPage {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+from+` WHERE `+w+` ORDER BY d.registered_at DESC, d.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Project
	for rows.Next() {
		p, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}
