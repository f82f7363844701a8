package solution

import (
	"context"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Statuses.
const (
	Draft           = "draft"            // 草稿
	JointApproval   = "joint_approval"   // 联合立项审批中: submitted, the PSA decides
	Returned        = "returned"         // 已退回: the partner edits and resubmits
	JointDesign     = "joint_design"     // 联合设计中
	JointValidation = "joint_validation" // 联合验证中
	ConfiguratorDev = "configurator_dev" // 配置器开发中
	Published       = "published"        // 已发布
	Offline         = "offline"          // 已下线: withdrawn from the catalogue of solutions
)

// Statuses lists them in their order.
var Statuses = []string{Draft, JointApproval, Returned, JointDesign, JointValidation, ConfiguratorDev, Published, Offline}

// Side is who acts on a solution: its partner or the provider's PSA.
type Side string

// Sides.
const (
	Partner Side = "partner"
	PSA     Side = "psa"
)

// Actor is who makes a change: the side, the partner for the partner's
// side, and the user with the name the timeline shows.
type Actor struct {
	Side      Side
	PartnerID string // the partner side's tenant
	UserID    string
	Name      string
}

// Viewer is the view of solutions the actor has: its partner's, or all.
func (a Actor) Viewer() Viewer {
	if a.Side == Partner {
		return Viewer{PartnerID: a.PartnerID}
	}
	return Viewer{}
}

// Actions: the transitions.
const (
	Submit            = "submit"             // the partner submits for joint approval (again after a return)
	Approve           = "approve"            // the PSA approves the joint approval: joint design starts
	Return            = "return"             // the PSA returns it to the partner with a reason
	StartValidation   = "start_validation"   // joint design done: joint validation
	StartConfigurator = "start_configurator" // validated: the partner builds the configurator
	Publish           = "publish"            // the configurator is signed off: published
	TakeOffline       = "take_offline"       // withdrawn
	Republish         = "republish"          // back online
)

// transition is one move of the table.
type transition struct {
	action string
	side   Side
	from   []string
	to     string
	reason bool // a reason is required (and shown to the partner)
}

// transitions is the one place that decides who may move a solution from
// which status to which.
var transitions = []transition{
	{Submit, Partner, []string{Draft, Returned}, JointApproval, false},
	{Approve, PSA, []string{JointApproval}, JointDesign, false},
	{Return, PSA, []string{JointApproval}, Returned, true},
	{StartValidation, PSA, []string{JointDesign}, JointValidation, false},
	{StartConfigurator, PSA, []string{JointValidation}, ConfiguratorDev, false},
	{Publish, PSA, []string{ConfiguratorDev}, Published, false},
	{TakeOffline, PSA, []string{Published}, Offline, true},
	{Republish, PSA, []string{Offline}, Published, false},
}

// Actions lists what the side may do to a solution in the status, in the
// table's order (the console's buttons). Publish is left out: it happens
// through the configurator's sign-off (PublishSignedOff), not by a button
// of its own.
func Actions(side Side, status string) []string {
	var out []string
	for _, t := range transitions {
		if t.side == side && t.action != Publish && slices.Contains(t.from, status) {
			out = append(out, t.action)
		}
	}
	return out
}

// Editable says whether the partner may edit a solution (and its files)
// in the status.
func Editable(status string) bool { return status == Draft || status == Returned }

// AllowsConfiguratorDevelopment says whether a solution's status lets its
// partner build the configurator in 解决方案配置中心: only 配置器开发中.
func AllowsConfiguratorDevelopment(status string) bool { return status == ConfiguratorDev }

// ReasonRequired says whether the action needs a reason.
func ReasonRequired(action string) bool {
	i := slices.IndexFunc(transitions, func(t transition) bool { return t.action == action })
	return i >= 0 && transitions[i].reason
}

var (
	errWrongSide     = apperr.New(apperr.Forbidden, "solution.wrong_side", "this change is not yours to make")
	errUnknownAction = apperr.Field("action", "solution.action_invalid", "unknown action")
)

func errWrongStatus(action, status string) *apperr.Error {
	return apperr.New(apperr.Conflict, "solution.wrong_status", "a solution in status %s cannot %s", status, action)
}

// Move makes a transition of the table: the actor's side must be the
// action's, the solution in one of its statuses (and, for the partner,
// its own: another partner's answers not found), a reason given where the
// action needs one. Submitting needs every field and file
// (MissingForSubmission; the first missing one is the error). The
// transition is timestamped in the timeline, and the other side notified.
func Move(ctx context.Context, tx *store.Tx, a Actor, id, action, reason string) (*Solution, error) {
	i := slices.IndexFunc(transitions, func(t transition) bool { return t.action == action })
	if i < 0 {
		return nil, errUnknownAction
	}
	t := transitions[i]
	if a.Side != Partner && a.Side != PSA || (a.Side == Partner && a.PartnerID == "") {
		return nil, errWrongSide
	}
	s, err := lock(ctx, tx, a.Viewer(), id)
	if err != nil {
		return nil, err
	}
	if a.Side != t.side {
		return nil, errWrongSide
	}
	if !slices.Contains(t.from, s.Status) {
		return nil, errWrongStatus(action, s.Status)
	}
	reason = strings.TrimSpace(reason)
	if t.reason && reason == "" {
		return nil, apperr.Field("reason", "solution.reason_required", "give the reason")
	}
	if len([]rune(reason)) > 1000 {
		return nil, apperr.Field("reason", "solution.too_long", "at most %d characters", 1000)
	}
	if action == Submit {
		missing, err := MissingForSubmission(ctx, tx, s)
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			return nil, missing[0]
		}
	}
	now := store.Micros(tx.Now)
	set := `status = ?, updated_at = ?`
	args := []any{t.to, now}
	switch action {
	case Submit:
		set += `, submitted_at = ?`
		args = append(args, now)
	case Approve:
		set += `, approved_at = ?, psa_user_id = ?`
		args = append(args, now, nullable(a.UserID))
	case Return:
		set += `, return_reason = ?`
		args = append(args, reason)
	case Publish, Republish:
		set += `, published_at = ?`
		args = append(args, now)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE solutions SET `+set+` WHERE id = ?`, append(args, id)...); err != nil {
		return nil, err
	}
	if err := record(ctx, tx, id, a.Name, action, s.Status, t.to, reason); err != nil {
		return nil, err
	}
	if a.Side == PSA {
		err = notifyPartner(ctx, tx, s.PartnerID, "solution.moved."+t.to, id, map[string]string{"code": s.Name})
	} else {
		err = notifyPSA(ctx, tx, s, "solution.submitted")
	}
	if err != nil {
		return nil, err
	}
	return Get(ctx, tx, a.Viewer(), id)
}

// PublishSignedOff publishes a solution in 配置器开发中 whose configurator
// the PSA signed off; the configurator package calls it in the transaction
// that records the sign-off. psa must be the PSA side.
func PublishSignedOff(ctx context.Context, tx *store.Tx, psa Actor, id string) (*Solution, error) {
	return Move(ctx, tx, psa, id, Publish, "")
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Event is one entry of a solution's timeline.
type Event struct {
	At       time.Time
	Actor    string
	Action   string // created, edited, file_added, file_removed, or a transition
	From, To string
	Comment  string
}

// Timeline returns a solution's events, oldest first. The caller has
// checked that the viewer may see the solution (Get).
func Timeline(ctx context.Context, q store.Queryer, id string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT at, actor, action, from_status, to_status, comment FROM solution_events
		WHERE solution_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.From, &e.To, &e.Comment); err != nil {
			return nil, err
		}
		e.At = store.Time(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

func record(ctx context.Context, tx *store.Tx, id, actor, action, from, to, comment string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO solution_events (id, solution_id, at, actor, action, from_status, to_status, comment)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ids.New(), id, store.Micros(tx.Now), actor, action, from, to, comment)
	return err
}
