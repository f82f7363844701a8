package opportunity

import (
	"context"
	"encoding/json"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Notification is an entry of a user's console inbox.
type Notification struct {
	ID        string
	Kind      string // a message key: opportunity.assigned, opportunity.decided, ...
	SubjectID string // the opportunity
	Args      map[string]string
	CreatedAt time.Time
	ReadAt    time.Time
}

// notifyUser puts a notification in one user's inbox.
func notifyUser(ctx context.Context, tx *store.Tx, userID, kind, subjectID string, args map[string]string) error {
	if userID == "" {
		return nil
	}
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO notifications (id, user_id, kind, subject_id, args, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		ids.New(), userID, kind, subjectID, string(b), store.Micros(tx.Now))
	return err
}

// notifyPartner puts a notification in the inbox of every user of a partner
// who may work on opportunities (the main account and those granted it).
func notifyPartner(ctx context.Context, tx *store.Tx, partnerID, kind, subjectID string, args map[string]string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, is_main, roles FROM users WHERE partner_id = ? AND NOT disabled`, partnerID)
	if err != nil {
		return err
	}
	var users []string
	for rows.Next() {
		var id, roles string
		var main bool
		if err := rows.Scan(&id, &main, &roles); err != nil {
			rows.Close()
			return err
		}
		p := &auth.Principal{Kind: auth.KindPartner, IsMain: main, Roles: auth.ParseRoles(roles), PartnerID: partnerID}
		if p.Can(auth.PermOpportunity) {
			users = append(users, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	for _, u := range users {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, partner_id, user_id, kind, subject_id, args, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, ids.New(), partnerID, u, kind, subjectID, string(b), store.Micros(tx.Now)); err != nil {
			return err
		}
	}
	return nil
}

// Inbox lists a user's latest notifications and how many are unread.
func Inbox(ctx context.Context, q store.Queryer, userID string, limit int) ([]Notification, int, error) {
	var unread int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, userID).Scan(&unread); err != nil {
		return nil, 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, kind, subject_id, args, created_at, COALESCE(read_at, 0) FROM notifications
		WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var args string
		var created, read int64
		if err := rows.Scan(&n.ID, &n.Kind, &n.SubjectID, &args, &created, &read); err != nil {
			return nil, 0, err
		}
		_ = json.Unmarshal([]byte(args), &n.Args)
		n.CreatedAt, n.ReadAt = store.Time(created), store.Time(read)
		out = append(out, n)
	}
	return out, unread, rows.Err()
}

// MarkRead marks a user's notifications read (all of them when id is empty).
func MarkRead(ctx context.Context, tx *store.Tx, userID, id string) error {
	if id == "" {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, store.Micros(tx.Now), userID)
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND id = ? AND read_at IS NULL`,
		store.Micros(tx.Now), userID, id)
	return err
}
