package webhook

import (
	"context"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook/signature"
)

// Endpoint is a URL of a partner that receives callbacks.
type Endpoint struct {
	ID             string
	PartnerID      string
	URL            string
	Events         []string // subscribed types, in Types order; empty: none
	Enabled        bool
	DisabledReason string // set when a 410 Gone answer disabled it
	Description    string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Secret is the signing secret in clear: filled only in the answer to
	// Create and RotateSecret, the one time the partner sees it.
	Secret string
	// PreviousUntil is when the secret replaced by the last rotation stops
	// signing; zero when none does.
	PreviousUntil time.Time
}

// Fields are what a partner sets on an endpoint. On Update a nil field keeps
// its value.
type Fields struct {
	URL         *string
	Events      *[]string
	Enabled     *bool
	Description *string
}

// MaxEndpoints is how many endpoints a partner may have.
const MaxEndpoints = 10

// RotationOverlap is how long the replaced secret keeps signing after a
// rotation, so that a receiver can switch secrets without dropping events.
const RotationOverlap = 24 * time.Hour

func notFound() error {
	return apperr.NotFoundf("webhook.endpoint_not_found", "the callback endpoint does not exist")
}

// CheckURL validates an endpoint's address: https, or http to the local
// machine only (localhost, 127.0.0.1, ::1), so that events never cross a
// network in clear; no user information, at most 1,024 characters.
func CheckURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", apperr.Field("url", "webhook.url_required", "enter the callback URL")
	}
	if utf8.RuneCountInString(raw) > 1024 {
		return "", apperr.Field("url", "webhook.url_too_long", "must be at most 1024 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return "", apperr.Field("url", "webhook.url_invalid", "must be an absolute http(s) URL without user information or fragment")
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); !(host == "localhost" || ip != nil && ip.IsLoopback()) {
			return "", apperr.Field("url", "webhook.url_https", "must use https (http is allowed only for localhost and 127.0.0.1)")
		}
	default:
		return "", apperr.Field("url", "webhook.url_invalid", "must be an absolute http(s) URL without user information or fragment")
	}
	return u.String(), nil
}

// checkEvents validates and orders a subscription.
func checkEvents(events []string) ([]string, error) {
	out := make([]string, 0, len(events))
	for _, e := range events {
		if !slices.Contains(Types, e) {
			return nil, apperr.Field("events", "webhook.event_unknown", "unknown event type %q", e)
		}
	}
	for _, t := range Types {
		if slices.Contains(events, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func checkDescription(s string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 200 {
		return "", apperr.Field("description", "webhook.description_too_long", "must be at most 200 characters")
	}
	return s, nil
}

// apply overlays f on e after validating every field set.
func (f Fields) apply(e *Endpoint) error {
	if f.URL != nil {
		u, err := CheckURL(*f.URL)
		if err != nil {
			return err
		}
		e.URL = u
	}
	if f.Events != nil {
		ev, err := checkEvents(*f.Events)
		if err != nil {
			return err
		}
		e.Events = ev
	}
	if f.Description != nil {
		d, err := checkDescription(*f.Description)
		if err != nil {
			return err
		}
		e.Description = d
	}
	if f.Enabled != nil {
		e.Enabled = *f.Enabled
		if e.Enabled {
			e.DisabledReason = ""
		}
	}
	return nil
}

// auditView is what the audit log records of an endpoint: never the secret.
func auditView(e *Endpoint) map[string]any {
	if e == nil {
		return nil
	}
	return map[string]any{"url": e.URL, "events": e.Events, "enabled": e.Enabled, "description": e.Description}
}

func record(ctx context.Context, tx *store.Tx, action string, before, after *Endpoint, id, partnerID string) error {
	var b, a any
	if before != nil {
		b = auditView(before)
	}
	if after != nil {
		a = auditView(after)
	}
	return audit.Record(ctx, tx, audit.Change{PartnerID: partnerID, Action: action, ObjectType: "webhook_endpoint", ObjectID: id, Before: b, After: a})
}

// Create adds an endpoint for the partner, enabled unless f says otherwise;
// the answer carries the new secret in clear, the only time it is shown.
func Create(ctx context.Context, tx *store.Tx, sealer *auth.Sealer, partnerID string, f Fields) (*Endpoint, error) {
	if f.URL == nil {
		return nil, apperr.Field("url", "webhook.url_required", "enter the callback URL")
	}
	e := &Endpoint{ID: ids.New(), PartnerID: partnerID, Enabled: true, Events: []string{}, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if err := f.apply(e); err != nil {
		return nil, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_endpoints WHERE partner_id = ?`, partnerID).Scan(&n); err != nil {
		return nil, err
	}
	if n >= MaxEndpoints {
		return nil, apperr.New(apperr.Conflict, "webhook.too_many", "a partner may have at most %d callback endpoints", MaxEndpoints)
	}
	e.Secret = signature.NewSecret()
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (id, partner_id, url, secret, events, enabled, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, partnerID, e.URL, sealer.Seal(e.Secret), strings.Join(e.Events, ","), e.Enabled,
		e.Description, store.Micros(tx.Now), store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	return e, record(ctx, tx, "webhook.endpoint.create", nil, e, e.ID, partnerID)
}

const endpointColumns = `id, partner_id, url, events, enabled, disabled_reason, description, created_at, updated_at, previous_until`

func scanEndpoint(row interface{ Scan(...any) error }) (*Endpoint, error) {
	var e Endpoint
	var events string
	var created, updated int64
	var prevUntil *int64
	if err := row.Scan(&e.ID, &e.PartnerID, &e.URL, &events, &e.Enabled, &e.DisabledReason, &e.Description, &created, &updated, &prevUntil); err != nil {
		return nil, store.ScanErr(err)
	}
	e.Events = splitTypes(events)
	if e.Events == nil {
		e.Events = []string{}
	}
	e.CreatedAt, e.UpdatedAt = store.Time(created), store.Time(updated)
	if prevUntil != nil {
		e.PreviousUntil = store.Time(*prevUntil)
	}
	return &e, nil
}

// Get returns one endpoint of the partner; another partner's answers as
// not found.
func Get(ctx context.Context, q store.Queryer, partnerID, id string) (*Endpoint, error) {
	e, err := scanEndpoint(q.QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ? AND partner_id = ?`, id, partnerID))
	if err == store.ErrNotFound {
		return nil, notFound()
	}
	return e, err
}

// List returns the partner's endpoints, oldest first.
func List(ctx context.Context, q store.Queryer, partnerID string) ([]*Endpoint, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE partner_id = ? ORDER BY created_at, id`, partnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Endpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Update changes the fields f sets. Enabling clears the reason a 410 Gone
// answer disabled it.
func Update(ctx context.Context, tx *store.Tx, partnerID, id string, f Fields) (*Endpoint, error) {
	before, err := Get(ctx, tx, partnerID, id)
	if err != nil {
		return nil, err
	}
	after := *before
	after.Events = slices.Clone(before.Events)
	if err := f.apply(&after); err != nil {
		return nil, err
	}
	after.UpdatedAt = tx.Now
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET url = ?, events = ?, enabled = ?, disabled_reason = ?, description = ?, updated_at = ?
		WHERE id = ? AND partner_id = ?`, after.URL, strings.Join(after.Events, ","), after.Enabled, after.DisabledReason, after.Description,
		store.Micros(tx.Now), id, partnerID); err != nil {
		return nil, err
	}
	return &after, record(ctx, tx, "webhook.endpoint.update", before, &after, id, partnerID)
}

// Delete removes an endpoint with its deliveries and their log; the events
// stay for the partner's other endpoints until the retention sweep.
func Delete(ctx context.Context, tx *store.Tx, partnerID, id string) error {
	before, err := Get(ctx, tx, partnerID, id)
	if err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)`,
		`DELETE FROM webhook_deliveries WHERE endpoint_id = ?`,
		`DELETE FROM webhook_endpoints WHERE id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	return record(ctx, tx, "webhook.endpoint.delete", before, nil, id, partnerID)
}

// RotateSecret gives the endpoint a new secret, answered in clear once. The
// replaced one keeps signing beside it for RotationOverlap: each delivery
// carries both signatures, and a receiver accepts either.
func RotateSecret(ctx context.Context, tx *store.Tx, sealer *auth.Sealer, partnerID, id string) (*Endpoint, error) {
	e, err := Get(ctx, tx, partnerID, id)
	if err != nil {
		return nil, err
	}
	e.Secret = signature.NewSecret()
	e.PreviousUntil = tx.Now.Add(RotationOverlap)
	e.UpdatedAt = tx.Now
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET previous_secret = secret, previous_until = ?, secret = ?, updated_at = ?
		WHERE id = ? AND partner_id = ?`, store.Micros(e.PreviousUntil), sealer.Seal(e.Secret), store.Micros(tx.Now), id, partnerID); err != nil {
		return nil, err
	}
	return e, audit.Record(ctx, tx, audit.Change{PartnerID: partnerID, Action: "webhook.endpoint.rotate", ObjectType: "webhook_endpoint", ObjectID: id,
		After: map[string]any{"previous_secret_until": e.PreviousUntil}})
}
