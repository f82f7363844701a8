package opportunity

import (
	"context"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Checklist is what a reviewer confirms before approving a PO.
var Checklist = []string{"customer_real", "project_real", "cloud_related", "not_duplicate", "own_solution"}

// Review outcomes.
const (
	Approve       = "approve"
	Reject        = "reject"
	RequireAction = "action_required"
)

// Decision is a reviewer's answer.
type Decision struct {
	Outcome   string
	Checklist []string // the items confirmed; approval needs all of them
	Comment   string   // shown to the partner
	Reason    string   // required to reject or ask for action
}

var errNotYourReview = apperr.New(apperr.Forbidden, "opportunity.not_your_review", "this opportunity is not assigned to you for review")

// lockForReview reads a PO the user may review: its assigned PSM.
func lockForReview(ctx context.Context, tx *store.Tx, userID, id string) (*Opportunity, error) {
	o, err := lock(ctx, tx, Viewer{}, id)
	if err != nil {
		return nil, err
	}
	if o.Origin != PO || o.PSMUserID != userID {
		return nil, errNotYourReview
	}
	return o, nil
}

// StartReview marks a submitted PO as being reviewed by its PSM.
func StartReview(ctx context.Context, tx *store.Tx, userID, actor, id string) (*Opportunity, error) {
	o, err := lockForReview(ctx, tx, userID, id)
	if err != nil {
		return nil, err
	}
	if o.ReviewStatus != Submitted {
		return nil, apperr.New(apperr.Conflict, "opportunity.not_submitted", "only submitted opportunities can be taken into review")
	}
	if err := setReviewStatus(ctx, tx, o, InReview, actor, "review_started", ""); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{}, id)
}

func setReviewStatus(ctx context.Context, tx *store.Tx, o *Opportunity, status, actor, action, comment string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET review_status = ?, updated_at = ? WHERE id = ?`,
		status, store.Micros(tx.Now), o.ID); err != nil {
		return err
	}
	return record(ctx, tx, o.ID, actor, action, map[string][2]string{"review_status": {o.ReviewStatus, status}}, comment)
}

// Decide records the assigned PSM's decision on a PO under review (or
// still only submitted). Approval needs every checklist item and is
// refused when an earlier opportunity for the same customer and project
// already holds the deal (Duplicates); rejecting or asking for action needs
// a reason. The partner is notified.
func Decide(ctx context.Context, tx *store.Tx, userID, actor, id string, d Decision) (*Opportunity, error) {
	o, err := lockForReview(ctx, tx, userID, id)
	if err != nil {
		return nil, err
	}
	if o.ReviewStatus != Submitted && o.ReviewStatus != InReview {
		return nil, apperr.New(apperr.Conflict, "opportunity.not_in_review", "only opportunities under review can be decided")
	}
	d.Reason, d.Comment = strings.TrimSpace(d.Reason), strings.TrimSpace(d.Comment)
	if len([]rune(d.Comment)) > 1000 || len([]rune(d.Reason)) > 500 {
		return nil, apperr.Field("comment", "opportunity.too_long", "at most %d characters", 1000)
	}
	for _, item := range d.Checklist {
		if !slices.Contains(Checklist, item) {
			return nil, apperr.Field("checklist", "opportunity.checklist_invalid", "unknown checklist item")
		}
	}
	var status string
	switch d.Outcome {
	case Approve:
		for _, item := range Checklist {
			if !slices.Contains(d.Checklist, item) {
				return nil, apperr.Field("checklist", "opportunity.checklist_incomplete", "confirm every checklist item before approving")
			}
		}
		dup, err := earlierHolder(ctx, tx, o)
		if err != nil {
			return nil, err
		}
		if dup != nil {
			return nil, apperr.New(apperr.Conflict, "opportunity.duplicate", "opportunity %s already holds this customer's project", dup.Code)
		}
		status = Approved
	case Reject, RequireAction:
		if d.Reason == "" {
			return nil, apperr.Field("reason", "opportunity.reason_required", "give the reason")
		}
		status = Rejected
		if d.Outcome == RequireAction {
			status = ActionRequired
		}
	default:
		return nil, apperr.Field("outcome", "opportunity.outcome_invalid", "approve, reject or ask for action")
	}
	approved := any(nil)
	if status == Approved {
		approved = store.Micros(tx.Now)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET review_status = ?, checklist = ?, reviewer_comment = ?, decision_reason = ?,
		decided_at = ?, approved_at = COALESCE(?, approved_at), updated_at = ? WHERE id = ?`,
		status, strings.Join(d.Checklist, ","), d.Comment, d.Reason, store.Micros(tx.Now), approved, store.Micros(tx.Now), o.ID); err != nil {
		return nil, err
	}
	if err := record(ctx, tx, o.ID, actor, "decided", map[string][2]string{"review_status": {o.ReviewStatus, status}},
		strings.TrimSpace(d.Reason+" "+d.Comment)); err != nil {
		return nil, err
	}
	if err := notifyPartner(ctx, tx, o.PartnerID, "opportunity.decided", o.ID, map[string]string{"code": o.Code, "status": status}); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{}, id)
}

// earlierHolder returns the opportunity that holds o's customer and
// project before o, if any: the earlier wins, a PO by its approval time,
// an HO by its creation time. Rejected, expired and lost ones hold nothing.
func earlierHolder(ctx context.Context, tx *store.Tx, o *Opportunity) (*Opportunity, error) {
	if o.ProjectName == "" {
		return nil, nil
	}
	list, err := Duplicates(ctx, tx, o)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// Duplicates lists the opportunities that hold the same customer's same
// project ahead of o, earliest first: approved POs and HOs created before
// now (an HO counts from its creation, a PO from its approval).
func Duplicates(ctx context.Context, q store.Queryer, o *Opportunity) ([]*Opportunity, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+columns+from+` WHERE o.customer_key = ? AND o.project_key = ? AND o.id <> ?
		AND o.sales_stage <> ? AND ((o.origin = ? AND o.review_status = ?) OR (o.origin = ? AND o.review_status NOT IN (?, ?)))
		ORDER BY CASE WHEN o.origin = ? THEN o.approved_at ELSE o.created_at END, o.id`,
		customerKey(o.CustomerID, o.ProspectName), normalise(o.ProjectName), o.ID, StageLost, PO, Approved, HO, Rejected, Expired, PO)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Opportunity
	for rows.Next() {
		d, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ExpireOverdueReviews rejects, with the reason review_overdue, up to limit
// POs whose review SLA has passed without a decision (the housekeeping
// job), and returns how many.
func ExpireOverdueReviews(ctx context.Context, tx *store.Tx, limit int) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM opportunities WHERE review_status IN (?, ?) AND review_due_at <= ?
		ORDER BY review_due_at LIMIT ?`, Submitted, InReview, store.Micros(tx.Now), limit)
	if err != nil {
		return 0, err
	}
	var due []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range due {
		o, err := lock(ctx, tx, Viewer{}, id)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET review_status = ?, decision_reason = 'review_overdue', decided_at = ?,
			updated_at = ? WHERE id = ?`, Rejected, store.Micros(tx.Now), store.Micros(tx.Now), id); err != nil {
			return 0, err
		}
		if err := record(ctx, tx, id, "system", "review_overdue", map[string][2]string{"review_status": {o.ReviewStatus, Rejected}}, ""); err != nil {
			return 0, err
		}
		if err := notifyPartner(ctx, tx, o.PartnerID, "opportunity.decided", id, map[string]string{"code": o.Code, "status": Rejected}); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// RegistrationGrace is how long past its expected close date an approved PO
// keeps its registration (the partner's protection on the customer's
// project) without being won or lost; after it the registration expires.
const RegistrationGrace = 90 * 24 * time.Hour

// ExpireRegistrations expires, up to limit, approved POs still open
// RegistrationGrace after their expected close date (housekeeping), and
// returns how many. An expired PO holds nothing against duplicates.
func ExpireRegistrations(ctx context.Context, tx *store.Tx, limit int) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM opportunities WHERE origin = ? AND review_status = ? AND sales_stage NOT IN (?, ?)
		AND expected_close <= ? ORDER BY expected_close LIMIT ?`, PO, Approved, StageWon, StageLost,
		store.Micros(tx.Now.Add(-RegistrationGrace)), limit)
	if err != nil {
		return 0, err
	}
	var due []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range due {
		o, err := lock(ctx, tx, Viewer{}, id)
		if err != nil {
			return 0, err
		}
		if err := setReviewStatus(ctx, tx, o, Expired, "system", "registration_expired", ""); err != nil {
			return 0, err
		}
		if err := notifyPartner(ctx, tx, o.PartnerID, "opportunity.decided", id, map[string]string{"code": o.Code, "status": Expired}); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}
