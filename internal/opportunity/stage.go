package opportunity

import (
	"context"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// StageChange moves an opportunity along the sales stages.
type StageChange struct {
	Stage      string
	LostReason string    // required for lost, from LostReasons
	SignedAt   time.Time // for won: the contract's signing date (default: now)
	Comment    string    // a progress update kept in the timeline
}

var errNotWorkable = apperr.New(apperr.Conflict, "opportunity.not_workable",
	"only approved opportunities (or accepted HOs) move through the sales stages")

// SetStage moves an approved PO or an accepted HO of the partner to another
// sales stage, or records a progress update on the same stage. Won and lost
// are final; won records the signing date.
func SetStage(ctx context.Context, tx *store.Tx, partnerID, actor, id string, c StageChange) (*Opportunity, error) {
	o, err := lock(ctx, tx, Viewer{PartnerID: partnerID}, id)
	if err != nil {
		return nil, err
	}
	if o.ReviewStatus != Approved {
		return nil, errNotWorkable
	}
	if o.SalesStage == StageWon || o.SalesStage == StageLost {
		return nil, apperr.New(apperr.Conflict, "opportunity.stage_final", "the opportunity is already won or lost")
	}
	if !slices.Contains(SalesStages, c.Stage) {
		return nil, apperr.Field("stage", "opportunity.stage_invalid", "choose a sales stage")
	}
	c.Comment = strings.TrimSpace(c.Comment)
	if len([]rune(c.Comment)) > 1000 {
		return nil, apperr.Field("comment", "opportunity.too_long", "at most %d characters", 1000)
	}
	signed := any(nil)
	reason := ""
	switch c.Stage {
	case StageLost:
		if !slices.Contains(LostReasons, c.LostReason) {
			return nil, apperr.Field("lost_reason", "opportunity.lost_reason_required", "choose why the deal was lost")
		}
		reason = c.LostReason
	case StageWon:
		at := c.SignedAt
		if at.IsZero() {
			at = tx.Now
		}
		if at.After(tx.Now) {
			return nil, apperr.Field("signed_at", "opportunity.signed_future", "the signing date cannot be in the future")
		}
		signed = store.Micros(at)
	}
	if c.Stage == o.SalesStage && c.Comment == "" {
		return o, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET sales_stage = ?, lost_reason = ?, signed_at = COALESCE(?, signed_at),
		updated_at = ? WHERE id = ?`, c.Stage, reason, signed, store.Micros(tx.Now), o.ID); err != nil {
		return nil, err
	}
	var changes map[string][2]string
	action := "progress"
	if c.Stage != o.SalesStage {
		changes, action = map[string][2]string{"sales_stage": {o.SalesStage, c.Stage}}, "stage_changed"
	}
	if err := record(ctx, tx, o.ID, actor, action, changes, c.Comment); err != nil {
		return nil, err
	}
	after, err := Get(ctx, tx, Viewer{PartnerID: partnerID}, id)
	if err == nil && c.Stage == StageWon && o.SalesStage != StageWon {
		err = runWonHooks(ctx, tx, after)
	}
	return after, err
}

// WonHook lets another capability follow an opportunity that was just won,
// in the same transaction (delivery evaluation registers its project).
type WonHook func(ctx context.Context, tx *store.Tx, o *Opportunity) error

var wonHooks []WonHook

// RegisterWonHook adds a hook; call it from an init function.
func RegisterWonHook(h WonHook) { wonHooks = append(wonHooks, h) }

func runWonHooks(ctx context.Context, tx *store.Tx, o *Opportunity) error {
	for _, hook := range wonHooks {
		if err := hook(ctx, tx, o); err != nil {
			return err
		}
	}
	return nil
}

// MarkDelivered records that a won opportunity's project was delivered
// (it counts for HO eligibility, and later for delivery evaluation).
func MarkDelivered(ctx context.Context, tx *store.Tx, partnerID, actor, id string, at time.Time) (*Opportunity, error) {
	o, err := lock(ctx, tx, Viewer{PartnerID: partnerID}, id)
	if err != nil {
		return nil, err
	}
	if o.SalesStage != StageWon {
		return nil, apperr.New(apperr.Conflict, "opportunity.not_won", "only won opportunities can be delivered")
	}
	if !o.DeliveredAt.IsZero() {
		return nil, apperr.New(apperr.Conflict, "opportunity.already_delivered", "the delivery is already recorded")
	}
	if at.IsZero() {
		at = tx.Now
	}
	// Dates are compared by billing day: a delivery dated the signing day
	// counts, and is recorded no earlier than the signing itself.
	if ledger.DayOf(at) > ledger.DayOf(tx.Now) || ledger.DayOf(at) < ledger.DayOf(o.SignedAt) {
		return nil, apperr.Field("delivered_at", "opportunity.delivered_date", "the delivery date must be between the signing date and today")
	}
	if at.Before(o.SignedAt) {
		at = o.SignedAt
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET delivered_at = ?, updated_at = ? WHERE id = ?`,
		store.Micros(at), store.Micros(tx.Now), o.ID); err != nil {
		return nil, err
	}
	if err := record(ctx, tx, o.ID, actor, "delivered", nil, ""); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{PartnerID: partnerID}, id)
}

// Filter selects opportunities for List.
type Filter struct {
	Viewer        Viewer
	Origin        string
	ReviewStatus  string
	SalesStage    string
	Industry      string
	OfficeID      string
	PSMUserID     string
	Query         string // part of the code, project or customer name
	CreatedFrom   time.Time
	CreatedTo     time.Time
	Offset, Limit int
}

// MaxPage is the largest page List returns.
const MaxPage = 100

// where renders the filter as a condition on opportunities o.
func (f Filter) where() (string, []any) {
	cond, args := f.Viewer.condition()
	where := []string{cond}
	add := func(c string, a ...any) { where, args = append(where, c), append(args, a...) }
	if f.Origin != "" {
		add("o.origin = ?", f.Origin)
	}
	if f.ReviewStatus != "" {
		add("o.review_status = ?", f.ReviewStatus)
	}
	if f.SalesStage != "" {
		add("o.sales_stage = ?", f.SalesStage)
	}
	if f.Industry != "" {
		add("o.industry = ?", f.Industry)
	}
	if f.OfficeID != "" {
		add("o.office_id = ?", f.OfficeID)
	}
	if f.PSMUserID != "" {
		add("o.psm_user_id = ?", f.PSMUserID)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := store.LikeContains(strings.ToLower(s))
		add("(LOWER(o.code) LIKE ?"+store.LikeEscape+" OR LOWER(o.project_name) LIKE ?"+store.LikeEscape+" OR LOWER(o.prospect_name) LIKE ?"+store.LikeEscape+")", like, like, like)
	}
	if !f.CreatedFrom.IsZero() {
		add("o.created_at >= ?", store.Micros(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		add("o.created_at < ?", store.Micros(f.CreatedTo))
	}
	return strings.Join(where, " AND "), args
}

// List returns a page of opportunities, newest first, and the total matching.
func List(ctx context.Context, q store.Queryer, f Filter) ([]*Opportunity, int, error) {
	w, args := f.where()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunities o WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPage {
		limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+from+` WHERE `+w+` ORDER BY o.created_at DESC, o.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Opportunity
	for rows.Next() {
		o, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, o)
	}
	return out, total, rows.Err()
}
