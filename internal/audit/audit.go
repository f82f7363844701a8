// Package audit owns the append-only audit log: who changed what, in which
// tenant, when, with a summary of the object before and after and the id of
// the request that did it. Entries are written in the same transaction as the
// change, so the log never claims a change that did not happen or misses one
// that did.
package audit

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/platform/requestid"
	"partnercenter/internal/store"
)

// Entry is one recorded change.
type Entry struct {
	ID         string
	At         time.Time
	ActorID    string
	ActorName  string
	PartnerID  string // the tenant the change belongs to; empty for provider-wide changes
	Action     string // e.g. "partner.create", "user.roles"
	ObjectType string
	ObjectID   string
	Summary    string // JSON {"before":...,"after":...}
	RequestID  string
}

// Change describes a state change to record.
type Change struct {
	PartnerID  string
	Action     string
	ObjectType string
	ObjectID   string
	Before     any // nil for a creation
	After      any // nil for a deletion
}

// Record writes an entry for a change made in tx by the principal of ctx.
func Record(ctx context.Context, tx *store.Tx, c Change) error {
	p := auth.From(ctx)
	summary, err := json.Marshal(map[string]any{"before": c.Before, "after": c.After})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor_id, actor_name, partner_id, action, object_type, object_id, summary, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ids.New(), store.Micros(tx.Now), p.ActorID(), p.ActorName(), nullable(c.PartnerID), c.Action, c.ObjectType, c.ObjectID,
		string(summary), requestid.From(ctx))
	return err
}

// Filter selects entries. PartnerID scopes to one tenant; AllTenants (for
// provider staff) lifts the scope.
type Filter struct {
	PartnerID  string
	AllTenants bool
	Action     string
	Actor      string
	ObjectID   string
	From, To   time.Time
	Offset     int
	Limit      int
}

// List returns a page of entries, newest first, and the total that match.
func List(ctx context.Context, q store.Queryer, f Filter) ([]Entry, int, error) {
	where, args := []string{"1=1"}, []any{}
	if !f.AllTenants || f.PartnerID != "" {
		where = append(where, "partner_id = ?")
		args = append(args, f.PartnerID)
	}
	if f.Action != "" {
		where = append(where, "action LIKE ?"+store.LikeEscape)
		args = append(args, store.LikePrefix(f.Action))
	}
	if f.Actor != "" {
		where = append(where, "actor_name = ?")
		args = append(args, f.Actor)
	}
	if f.ObjectID != "" {
		where = append(where, "object_id = ?")
		args = append(args, f.ObjectID)
	}
	if !f.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, store.Micros(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < ?")
		args = append(args, store.Micros(f.To))
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	rows, err := q.QueryContext(ctx, `SELECT id, at, actor_id, actor_name, COALESCE(partner_id, ''), action, object_type, object_id, summary, request_id
		FROM audit_log WHERE `+w+` ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.PartnerID, &e.Action, &e.ObjectType, &e.ObjectID, &e.Summary, &e.RequestID); err != nil {
			return nil, 0, err
		}
		e.At = store.Time(at)
		out = append(out, e)
	}
	return out, total, rows.Err()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
