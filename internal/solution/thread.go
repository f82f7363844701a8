package solution

import (
	"context"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// PSA assistance (申请PSA协助): the partner asks on its solution, the PSA
// answers in the back office, and each side sees the whole thread. A
// thread is open in every status but 已下线; the list shows which
// solutions wait for the PSA's answer (Solution.AwaitingPSA).

// Message is one message of a solution's assistance thread.
type Message struct {
	ID        string
	Side      Side
	Author    string
	Body      string
	CreatedAt time.Time
}

// MaxMessage is the longest message, in characters.
const MaxMessage = 2000

// Post adds a message of the actor's side to a solution's thread: the
// partner's asks the PSA for help (and notifies the PSA), the PSA's
// answers (and notifies the partner's users).
func Post(ctx context.Context, tx *store.Tx, a Actor, id, body string) (*Message, error) {
	if a.Side != PSA && (a.Side != Partner || a.PartnerID == "") {
		return nil, errWrongSide
	}
	s, err := lock(ctx, tx, a.Viewer(), id)
	if err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, apperr.Field("body", "solution.message_required", "write the message")
	}
	if len([]rune(body)) > MaxMessage {
		return nil, apperr.Field("body", "solution.too_long", "at most %d characters", MaxMessage)
	}
	if s.Status == Offline {
		return nil, apperr.New(apperr.Conflict, "solution.thread_closed", "the solution is offline: its thread is closed")
	}
	m := &Message{ID: ids.New(), Side: a.Side, Author: a.Name, Body: body, CreatedAt: tx.Now}
	if _, err := tx.ExecContext(ctx, `INSERT INTO solution_messages (id, solution_id, side, author_id, author, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ID, id, string(m.Side), a.UserID, a.Name, body, store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	// The thread's activity counts as the solution's: the lists sort by it.
	if _, err := tx.ExecContext(ctx, `UPDATE solutions SET updated_at = ? WHERE id = ?`, store.Micros(tx.Now), id); err != nil {
		return nil, err
	}
	if a.Side == PSA {
		err = notifyPartner(ctx, tx, s.PartnerID, "solution.answered", id, map[string]string{"code": s.Name})
	} else {
		err = notifyPSA(ctx, tx, s, "solution.assistance_requested")
	}
	return m, err
}

// Thread returns a solution's messages, oldest first. The caller has
// checked that the viewer may see the solution (Get).
func Thread(ctx context.Context, q store.Queryer, id string) ([]Message, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, side, author, body, created_at FROM solution_messages WHERE solution_id = ?
		ORDER BY created_at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var side string
		var at int64
		if err := rows.Scan(&m.ID, &side, &m.Author, &m.Body, &at); err != nil {
			return nil, err
		}
		m.Side, m.CreatedAt = Side(side), store.Time(at)
		out = append(out, m)
	}
	return out, rows.Err()
}
