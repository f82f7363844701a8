package webhook

import (
	"context"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Delivery states.
const (
	StatusPending   = "pending"   // waiting for its first or next attempt
	StatusSucceeded = "succeeded" // the endpoint answered 2xx
	StatusFailed    = "failed"    // given up: the reason is in GaveUpReason
)

// Statuses lists the delivery states.
var Statuses = []string{StatusPending, StatusSucceeded, StatusFailed}

// Delivery is one event to one endpoint, with the outcome of its last
// attempt.
type Delivery struct {
	ID             string
	EventID        string
	EndpointID     string
	EndpointURL    string
	EventType      string
	Status         string
	Attempts       int
	NextAttemptAt  time.Time // zero once succeeded or failed
	LastStatusCode int       // 0: none, or no HTTP answer
	LastError      string
	LastDuration   time.Duration
	LastAttemptAt  time.Time
	GaveUpReason   string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Payload is the body sent; filled by GetDelivery only.
	Payload string
	// AttemptLog is every attempt, oldest first; filled by GetDelivery only.
	AttemptLog []Attempt
}

// Attempt is one POST of a delivery.
type Attempt struct {
	At         time.Time
	StatusCode int // 0: no HTTP answer
	Error      string
	Duration   time.Duration
	Response   string // the first 1 KiB of the answer's body
}

// Filter selects a partner's deliveries.
type Filter struct {
	PartnerID  string
	EndpointID string
	EventType  string
	Status     string
	EventID    string
	From, To   time.Time // created at, From inclusive, To exclusive
	Offset     int
	Limit      int
}

func deliveryNotFound() error {
	return apperr.NotFoundf("webhook.delivery_not_found", "the delivery does not exist")
}

const deliveryColumns = `d.id, d.event_id, d.endpoint_id, e.url, d.event_type, d.status, d.attempts, d.next_attempt_at, d.last_status_code,
	d.last_error, d.last_duration_ms, d.last_attempt_at, d.gave_up_reason, d.created_at, d.updated_at`

func scanDelivery(row interface{ Scan(...any) error }, rest ...any) (*Delivery, error) {
	var d Delivery
	var next, created, updated int64
	var last *int64
	var durMS int64
	dst := append([]any{&d.ID, &d.EventID, &d.EndpointID, &d.EndpointURL, &d.EventType, &d.Status, &d.Attempts, &next, &d.LastStatusCode,
		&d.LastError, &durMS, &last, &d.GaveUpReason, &created, &updated}, rest...)
	if err := row.Scan(dst...); err != nil {
		return nil, store.ScanErr(err)
	}
	if d.Status == StatusPending {
		d.NextAttemptAt = store.Time(next)
	}
	d.LastDuration = time.Duration(durMS) * time.Millisecond
	if last != nil {
		d.LastAttemptAt = store.Time(*last)
	}
	d.CreatedAt, d.UpdatedAt = store.Time(created), store.Time(updated)
	return &d, nil
}

// ListDeliveries returns one page of the partner's deliveries, newest first,
// and the count of all that match.
func ListDeliveries(ctx context.Context, q store.Queryer, f Filter) ([]*Delivery, int, error) {
	where := []string{"d.partner_id = ?"}
	args := []any{f.PartnerID}
	for _, c := range []struct {
		col, v string
	}{{"d.endpoint_id", f.EndpointID}, {"d.event_type", f.EventType}, {"d.status", f.Status}, {"d.event_id", f.EventID}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if !f.From.IsZero() {
		where = append(where, "d.created_at >= ?")
		args = append(args, store.Micros(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "d.created_at < ?")
		args = append(args, store.Micros(f.To))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries d WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	rows, err := q.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
		WHERE `+cond+` ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// GetDelivery returns one delivery of the partner with its body and every
// attempt; another partner's answers as not found.
func GetDelivery(ctx context.Context, q store.Queryer, partnerID, id string) (*Delivery, error) {
	var payload string
	d, err := scanDelivery(q.QueryRowContext(ctx, `SELECT `+deliveryColumns+`, ev.payload FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN webhook_events ev ON ev.id = d.event_id
		WHERE d.id = ? AND d.partner_id = ?`, id, partnerID), &payload)
	if err == store.ErrNotFound {
		return nil, deliveryNotFound()
	}
	if err != nil {
		return nil, err
	}
	d.Payload = payload
	rows, err := q.QueryContext(ctx, `SELECT attempted_at, status_code, error, duration_ms, response FROM webhook_attempts
		WHERE delivery_id = ? ORDER BY attempted_at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	d.AttemptLog = []Attempt{}
	for rows.Next() {
		var a Attempt
		var at, ms int64
		if err := rows.Scan(&at, &a.StatusCode, &a.Error, &ms, &a.Response); err != nil {
			return nil, err
		}
		a.At, a.Duration = store.Time(at), time.Duration(ms)*time.Millisecond
		d.AttemptLog = append(d.AttemptLog, a)
	}
	return d, rows.Err()
}

// Resend queues a delivery again now, whatever its state, with the same
// event id (a receiver that already has the event sees a duplicate it
// drops) and a fresh retry window. A delivery being sent right now is
// refused rather than sent twice at once.
func Resend(ctx context.Context, tx *store.Tx, partnerID, id string) (*Delivery, error) {
	var leased *int64
	if err := tx.QueryRowContext(ctx, `SELECT leased_until FROM webhook_deliveries WHERE id = ? AND partner_id = ?`, id, partnerID).Scan(&leased); err != nil {
		if store.ScanErr(err) == store.ErrNotFound {
			return nil, deliveryNotFound()
		}
		return nil, err
	}
	if leased != nil && *leased > store.Micros(tx.Now) {
		return nil, apperr.New(apperr.Conflict, "webhook.in_flight", "the delivery is being sent right now; try again in a minute")
	}
	now := store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, expires_at = ?, gave_up_reason = '', updated_at = ?
		WHERE id = ? AND partner_id = ?`, StatusPending, now, store.Micros(tx.Now.Add(RetryWindow)), now, id, partnerID); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: partnerID, Action: "webhook.delivery.resend", ObjectType: "webhook_delivery", ObjectID: id}); err != nil {
		return nil, err
	}
	tx.AfterCommit(Wake)
	return GetDelivery(ctx, tx, partnerID, id)
}

// TestData is the payload of the test event.
type TestData struct {
	EndpointID string `json:"endpoint_id"`
	Message    string `json:"message"`
}

// SendTest emits a webhook.test event to one endpoint of the partner,
// enabled or not (a partner checks a receiver before switching it on), and
// returns its delivery.
func SendTest(ctx context.Context, tx *store.Tx, partnerID, endpointID string) (*Delivery, error) {
	if _, err := Get(ctx, tx, partnerID, endpointID); err != nil {
		return nil, err
	}
	data := TestData{EndpointID: endpointID, Message: "This is a test event from the partner center."}
	made, err := insert(ctx, tx, map[string][]subscribed{partnerID: {{id: endpointID}}},
		[]PartnerEvent{{PartnerID: partnerID, Event: Event{Type: Test, Data: data}}})
	if err != nil {
		return nil, err
	}
	id := made[0]
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: partnerID, Action: "webhook.endpoint.test", ObjectType: "webhook_endpoint", ObjectID: endpointID,
		After: map[string]any{"delivery_id": id}}); err != nil {
		return nil, err
	}
	return GetDelivery(ctx, tx, partnerID, id)
}

// Sweep removes events older than Retention with their deliveries and
// attempts, at most limit events a call, and reports how many went.
func Sweep(ctx context.Context, tx *store.Tx, limit int) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM webhook_events WHERE created_at < ? ORDER BY created_at LIMIT ?`,
		store.Micros(tx.Now.Add(-Retention)), limit)
	if err != nil {
		return 0, err
	}
	var old []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		old = append(old, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(old) == 0 {
		return 0, err
	}
	for start := 0; start < len(old); start += 64 {
		in, args := store.InList(old[start:min(start+64, len(old))])
		for _, q := range []string{
			`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE event_id IN ` + in + `)`,
			`DELETE FROM webhook_deliveries WHERE event_id IN ` + in,
			`DELETE FROM webhook_events WHERE id IN ` + in,
		} {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return 0, err
			}
		}
	}
	return len(old), nil
}
