package opportunity

import (
	"context"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// FunnelStage is one bar of the pipeline: how many opportunities are at a
// sales stage and their estimated amount.
type FunnelStage struct {
	Stage  string
	Count  int
	Amount int64
}

// Funnel sums the approved opportunities (and accepted HOs) the viewer sees
// by sales stage, in stage order, every stage present. Group narrows it
// for the provider's views (an office, a PSM).
func Funnel(ctx context.Context, q store.Queryer, v Viewer, officeID, psmUserID string) ([]FunnelStage, error) {
	cond, args := v.condition()
	where := []string{cond, "o.review_status = ?", "o.partner_id IS NOT NULL"}
	args = append(args, Approved)
	if officeID != "" {
		where, args = append(where, "o.office_id = ?"), append(args, officeID)
	}
	if psmUserID != "" {
		where, args = append(where, "o.psm_user_id = ?"), append(args, psmUserID)
	}
	rows, err := q.QueryContext(ctx, `SELECT o.sales_stage, COUNT(*), COALESCE(SUM(o.amount), 0) FROM opportunities o WHERE `+
		strings.Join(where, " AND ")+` GROUP BY o.sales_stage`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byStage := map[string]FunnelStage{}
	for rows.Next() {
		var s FunnelStage
		if err := rows.Scan(&s.Stage, &s.Count, &s.Amount); err != nil {
			return nil, err
		}
		byStage[s.Stage] = s
	}
	out := make([]FunnelStage, len(SalesStages))
	for i, st := range SalesStages {
		out[i] = byStage[st]
		out[i].Stage = st
	}
	return out, rows.Err()
}

// GroupTotal is the pipeline of one office or PSM, for the provider.
type GroupTotal struct {
	Key    string // office id or PSM user id
	Name   string
	Open   int // not yet won or lost
	Won    int
	Amount int64 // estimated amount of the open ones
}

// PipelineBy sums the provider's approved opportunities by office
// (by "office") or by reviewing PSM (by "psm").
func PipelineBy(ctx context.Context, q store.Queryer, by string) ([]GroupTotal, error) {
	var key, name, join string
	switch by {
	case "office":
		key, name, join = "o.office_id", "COALESCE(g.name_zh, '')", " LEFT JOIN offices g ON g.id = o.office_id"
	case "psm":
		key, name, join = "o.psm_user_id", "COALESCE(g.username, '')", " LEFT JOIN users g ON g.id = o.psm_user_id"
	default:
		return nil, apperr.Field("by", "opportunity.group_invalid", "group by office or PSM")
	}
	rows, err := q.QueryContext(ctx, `SELECT COALESCE(`+key+`, ''), `+name+`,
		SUM(CASE WHEN o.sales_stage IN (?, ?) THEN 0 ELSE 1 END), SUM(CASE WHEN o.sales_stage = ? THEN 1 ELSE 0 END),
		COALESCE(SUM(CASE WHEN o.sales_stage IN (?, ?) THEN 0 ELSE o.amount END), 0)
		FROM opportunities o`+join+` WHERE o.review_status = ? AND o.partner_id IS NOT NULL
		GROUP BY `+key+`, `+name+` ORDER BY 5 DESC, 1`, StageWon, StageLost, StageWon, StageWon, StageLost, Approved)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GroupTotal
	for rows.Next() {
		var g GroupTotal
		if err := rows.Scan(&g.Key, &g.Name, &g.Open, &g.Won, &g.Amount); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// ReportProspect records that a BD reported a PO's prospect, which has no
// cloud account yet, to the provider's CRM: the CRM locks the prospect until
// lockUntil, after which it is released to the partner (ProspectReleased).
func ReportProspect(ctx context.Context, tx *store.Tx, actor, id string, lockUntil time.Time) (*Opportunity, error) {
	o, err := lock(ctx, tx, Viewer{}, id)
	if err != nil {
		return nil, err
	}
	if o.Origin != PO || o.CustomerID != "" {
		return nil, apperr.New(apperr.Conflict, "opportunity.not_prospect", "only POs of prospects without a cloud account are reported")
	}
	if !o.BDReportedAt.IsZero() {
		return nil, apperr.New(apperr.Conflict, "opportunity.already_reported", "the prospect is already reported")
	}
	if !lockUntil.After(tx.Now) {
		return nil, apperr.Field("crm_lock_until", "opportunity.lock_future", "the lock must end in the future")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET bd_reported_at = ?, crm_lock_until = ?, updated_at = ? WHERE id = ?`,
		store.Micros(tx.Now), store.Micros(lockUntil), store.Micros(tx.Now), o.ID); err != nil {
		return nil, err
	}
	if err := record(ctx, tx, o.ID, actor, "prospect_reported", nil, ""); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{}, id)
}

// ProspectReleased reports whether a reported prospect's CRM lock is over,
// so the prospect is the partner's to pursue.
func (o *Opportunity) ProspectReleased(now time.Time) bool {
	return !o.BDReportedAt.IsZero() && !now.Before(o.CRMLockUntil)
}
