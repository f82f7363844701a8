// Package solution owns partner solutions (解决方案构建): a partner's
// solution from its draft through joint approval (联合立项) by the
// provider's PSA, joint design and joint validation, to configurator
// development (配置器开发中) and publication (已发布); the files it is
// submitted with (立项材料 and 功能清单, stored by the upload package and
// referenced here), the timeline of every transition, and the PSA
// assistance thread (申请PSA协助).
//
// Which side (the partner or the PSA) may make which transition from which
// status is decided in one table, transitions in status.go; the console
// asks Actions for the buttons to show and Move makes a transition.
//
// For the configurator (解决方案配置中心): AllowsConfiguratorDevelopment
// tells whether a solution's status lets its partner build the
// configurator (only 配置器开发中), and Publish moves a solution to 已发布
// once the PSA signed the configurator off, in the caller's transaction.
package solution

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Industries is the list solutions are classified by: the one
// opportunities use, so that a solution and the deals it serves agree.
var Industries = opportunity.Industries

// Solution is a partner's solution.
type Solution struct {
	ID           string
	PartnerID    string
	PartnerName  string
	Name         string
	Industry     string
	Description  string
	Status       string
	ReturnReason string // the PSA's reason of the last return
	PSAUserID    string // the PSA who approved it
	SubmittedAt  time.Time
	ApprovedAt   time.Time
	PublishedAt  time.Time
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// AwaitingPSA says the assistance thread's last message is the
	// partner's: the PSA owes an answer.
	AwaitingPSA bool
}

// ErrNotFound answers for a solution that does not exist or is another partner's.
var ErrNotFound = apperr.NotFoundf("solution.not_found", "the solution does not exist")

const columns = `s.id, s.partner_id, COALESCE(p.name, ''), s.name, s.industry, s.description, s.status, s.return_reason,
	COALESCE(s.psa_user_id, ''), COALESCE(s.submitted_at, 0), COALESCE(s.approved_at, 0), COALESCE(s.published_at, 0),
	s.created_by, s.created_at, s.updated_at,
	COALESCE((SELECT m.side FROM solution_messages m WHERE m.solution_id = s.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1), '')`

const from = ` FROM solutions s LEFT JOIN partners p ON p.id = s.partner_id`

func scan(row interface{ Scan(...any) error }) (*Solution, error) {
	var s Solution
	var submitted, approved, published, created, updated int64
	var lastSide string
	err := row.Scan(&s.ID, &s.PartnerID, &s.PartnerName, &s.Name, &s.Industry, &s.Description, &s.Status, &s.ReturnReason,
		&s.PSAUserID, &submitted, &approved, &published, &s.CreatedBy, &created, &updated, &lastSide)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	s.SubmittedAt, s.ApprovedAt, s.PublishedAt = store.Time(submitted), store.Time(approved), store.Time(published)
	s.CreatedAt, s.UpdatedAt = store.Time(created), store.Time(updated)
	s.AwaitingPSA = lastSide == string(Partner)
	return &s, nil
}

// Viewer is who looks at solutions: a partner (its own) or provider staff
// (all of them).
type Viewer struct {
	PartnerID string // empty: provider staff
}

func (v Viewer) condition() (string, []any) {
	if v.PartnerID == "" {
		return "1=1", nil
	}
	return "s.partner_id = ?", []any{v.PartnerID}
}

// Get returns a solution the viewer may see.
func Get(ctx context.Context, q store.Queryer, v Viewer, id string) (*Solution, error) {
	cond, args := v.condition()
	s, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+from+` WHERE s.id = ? AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return s, err
}

// lock reads a solution the viewer may see for a change.
func lock(ctx context.Context, tx *store.Tx, v Viewer, id string) (*Solution, error) {
	cond, args := v.condition()
	suffix := ""
	if tx.Dialect() == store.Postgres {
		suffix = " FOR UPDATE OF s"
	}
	s, err := scan(tx.QueryRowContext(ctx, `SELECT `+columns+from+` WHERE s.id = ? AND `+cond+suffix, append([]any{id}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return s, err
}

// Filter selects solutions for a list.
type Filter struct {
	Viewer
	Name        string // part of the name
	Status      string
	AwaitingPSA bool // only those whose assistance thread waits for the PSA
	Limit       int
	Offset      int
}

// List returns a page of solutions, most recently updated first, and how
// many the filter selects.
func List(ctx context.Context, q store.Queryer, f Filter) ([]*Solution, int, error) {
	cond, args := f.condition()
	where := ` WHERE ` + cond
	if name := strings.TrimSpace(f.Name); name != "" {
		where += ` AND LOWER(s.name) LIKE ?`
		args = append(args, "%"+strings.ToLower(escapeLike(name))+"%")
		where += ` ESCAPE '\'`
	}
	if f.Status != "" {
		where += ` AND s.status = ?`
		args = append(args, f.Status)
	}
	if f.AwaitingPSA {
		where += ` AND (SELECT m.side FROM solution_messages m WHERE m.solution_id = s.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1) = ?`
		args = append(args, string(Partner))
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM solutions s`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 20
	}
	// The page's ids first, then their columns: the thread's last side is
	// looked up for the rows shown, not for every row sorted.
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM (SELECT s.id FROM solutions s`+where+
		` ORDER BY s.updated_at DESC, s.id DESC LIMIT ? OFFSET ?) page JOIN solutions s ON s.id = page.id
		LEFT JOIN partners p ON p.id = s.partner_id ORDER BY s.updated_at DESC, s.id DESC`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Solution
	for rows.Next() {
		s, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, s)
	}
	return out, total, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Fields are what a partner fills in on a solution.
type Fields struct {
	Name        string
	Industry    string
	Description string
}

func (f *Fields) normalise() {
	f.Name, f.Description = strings.TrimSpace(f.Name), strings.TrimSpace(f.Description)
}

// check refuses what no solution may hold, even a draft: a draft needs its
// name, the rest may come later (MissingForSubmission).
func (f *Fields) check() error {
	if f.Name == "" {
		return apperr.Field("name", "solution.name_required", "name the solution")
	}
	if len([]rune(f.Name)) > 100 {
		return apperr.Field("name", "solution.too_long", "at most %d characters", 100)
	}
	if len([]rune(f.Description)) > 4000 {
		return apperr.Field("description", "solution.too_long", "at most %d characters", 4000)
	}
	if f.Industry != "" && !slices.Contains(Industries, f.Industry) {
		return apperr.Field("industry", "solution.industry_invalid", "choose an industry from the list")
	}
	return nil
}

// nameTaken refuses a name the partner already gave another solution.
func nameTaken(ctx context.Context, tx *store.Tx, partnerID, id, name string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM solutions WHERE partner_id = ? AND LOWER(name) = ? AND id <> ?`,
		partnerID, strings.ToLower(name), id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return apperr.Field("name", "solution.name_taken", "you already have a solution of this name")
	}
	return nil
}

// Create makes a draft solution of the partner.
func Create(ctx context.Context, tx *store.Tx, a Actor, f Fields) (*Solution, error) {
	if a.Side != Partner || a.PartnerID == "" {
		return nil, errWrongSide
	}
	f.normalise()
	if err := f.check(); err != nil {
		return nil, err
	}
	if err := nameTaken(ctx, tx, a.PartnerID, "", f.Name); err != nil {
		return nil, err
	}
	id, now := ids.New(), store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `INSERT INTO solutions (id, partner_id, name, industry, description, status, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, a.PartnerID, f.Name, f.Industry, f.Description, Draft, a.Name, now, now); err != nil {
		return nil, err
	}
	if err := record(ctx, tx, id, a.Name, "created", "", Draft, ""); err != nil {
		return nil, err
	}
	return Get(ctx, tx, a.Viewer(), id)
}

// ErrNotEditable answers an edit in a status that allows none.
var ErrNotEditable = apperr.New(apperr.Conflict, "solution.not_editable", "the solution can be edited only as a draft or when returned")

// Update edits a draft or returned solution of the partner.
func Update(ctx context.Context, tx *store.Tx, a Actor, id string, f Fields) (*Solution, error) {
	s, err := lockEditable(ctx, tx, a, id)
	if err != nil {
		return nil, err
	}
	f.normalise()
	if err := f.check(); err != nil {
		return nil, err
	}
	if err := nameTaken(ctx, tx, a.PartnerID, id, f.Name); err != nil {
		return nil, err
	}
	if f == (Fields{Name: s.Name, Industry: s.Industry, Description: s.Description}) {
		return s, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE solutions SET name = ?, industry = ?, description = ?, updated_at = ? WHERE id = ?`,
		f.Name, f.Industry, f.Description, store.Micros(tx.Now), id); err != nil {
		return nil, err
	}
	if err := record(ctx, tx, id, a.Name, "edited", s.Status, s.Status, ""); err != nil {
		return nil, err
	}
	return Get(ctx, tx, a.Viewer(), id)
}

// lockEditable reads for a change a solution of the actor's partner that
// may be edited now.
func lockEditable(ctx context.Context, tx *store.Tx, a Actor, id string) (*Solution, error) {
	if a.Side != Partner || a.PartnerID == "" {
		return nil, errWrongSide
	}
	s, err := lock(ctx, tx, a.Viewer(), id)
	if err != nil {
		return nil, err
	}
	if !Editable(s.Status) {
		return nil, ErrNotEditable
	}
	return s, nil
}

// MissingForSubmission lists what a solution still lacks before it can be
// submitted for joint approval, each with its field and message, in form
// order (empty when it is complete).
func MissingForSubmission(ctx context.Context, q store.Queryer, s *Solution) ([]*apperr.Error, error) {
	files, err := Files(ctx, q, s.ID)
	if err != nil {
		return nil, err
	}
	has := func(kind string) bool { return slices.ContainsFunc(files, func(f File) bool { return f.Kind == kind }) }
	var out []*apperr.Error
	req := func(ok bool, field, key, msg string) {
		if !ok {
			out = append(out, &apperr.Error{Code: apperr.Invalid, Field: field, Key: key, Msg: msg})
		}
	}
	req(s.Industry != "", "industry", "solution.industry_required", "choose the industry")
	req(s.Description != "", "description", "solution.description_required", "describe the solution")
	req(has(ApprovalMaterials), ApprovalMaterials, "solution.approval_required", "upload the project approval materials")
	req(has(FeatureList), FeatureList, "solution.features_required", "upload the feature list")
	return out, nil
}
