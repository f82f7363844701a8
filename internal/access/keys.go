package access

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// MaxKeys is how many live keys (neither deleted nor rotated out past their
// window) a partner may hold: enough for a key per environment and a
// rotation in progress, few enough to keep track of.
const MaxKeys = 5

// MaxAllowList caps the entries of one key's allow-list.
const MaxAllowList = 50

// Overlap windows a partner may choose when rotating a key: both keys work
// until the window ends, time enough to deploy the new one.
var Windows = []time.Duration{time.Hour, 24 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour}

// DefaultWindow is the window offered first.
const DefaultWindow = 24 * time.Hour

// Key states as lists show them; a key's state is derived from its columns
// and the time (a rotated-out key expires without a write).
const (
	StateActive   = "active"
	StateDisabled = "disabled"
	StateExpired  = "expired"
	StateRevoked  = "revoked"
	StateDeleted  = "deleted"
)

// States lists the states in the order filters offer them.
var States = []string{StateActive, StateDisabled, StateExpired, StateRevoked, StateDeleted}

// State is a key's state at a moment.
func State(k *auth.AccessKey, now time.Time) string {
	switch {
	case !k.DeletedAt.IsZero():
		return StateDeleted
	case k.Status == auth.KeyRevoked:
		return StateRevoked
	case k.Status == auth.KeyDisabled:
		return StateDisabled
	case k.Expired(now):
		return StateExpired
	}
	return StateActive
}

// KeyInput is what a partner sets on a key: what it is for, which
// operations it may call and from which addresses.
type KeyInput struct {
	Description string
	Scope       []string
	AllowList   []string
}

// Validate checks the input against the operations that exist (known) and
// normalises it: the scope sorted without repeats, each address canonical.
func (in *KeyInput) Validate(known []string) error {
	in.Description = strings.TrimSpace(in.Description)
	if len([]rune(in.Description)) > 100 {
		return apperr.Field("description", "access.key_description_long", "the description may be at most 100 characters")
	}
	scope := []string{}
	for _, op := range in.Scope {
		if op = strings.TrimSpace(op); op == "" {
			continue
		}
		if !slices.Contains(known, op) {
			return apperr.Field("scope", "access.scope_unknown", "%s is not an operation of the API", op)
		}
		scope = append(scope, op)
	}
	slices.Sort(scope)
	in.Scope = slices.Compact(scope)
	allow := []string{}
	for _, e := range in.AllowList {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		norm, err := normaliseAddress(e)
		if err != nil {
			return apperr.Field("allow_list", "access.allow_list_invalid", "%s is not an IP address or CIDR block", e)
		}
		allow = append(allow, norm)
	}
	slices.Sort(allow)
	in.AllowList = slices.Compact(allow)
	if len(in.AllowList) > MaxAllowList {
		return apperr.Field("allow_list", "access.allow_list_long", "an allow-list may hold at most %d entries", MaxAllowList)
	}
	return nil
}

// normaliseAddress accepts an address or a CIDR block and returns its
// canonical form (a block with its host bits cleared).
func normaliseAddress(s string) (string, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return "", err
		}
		return p.Masked().String(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return "", errors.New("not an address")
	}
	return a.Unmap().String(), nil
}

// SplitAllowList reads an allow-list as a partner types it: entries
// separated by commas, spaces or lines.
func SplitAllowList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

var (
	errKeyNotFound = apperr.NotFoundf("access.key_not_found", "access key not found")
	errTooManyKeys = apperr.New(apperr.Conflict, "access.too_many_keys", "a partner may hold at most %d access keys; delete one you no longer use first", MaxKeys)
)

func errRevoked(k *auth.AccessKey) error {
	return apperr.New(apperr.Conflict, "access.key_revoked", "the provider revoked this key (%s); it cannot be used again", k.RevokeReason)
}

// keyColumns read a key from access_keys k without its secret.
const keyColumns = auth.AccessKeyColumns

// ListKeys returns a partner's keys that are not deleted, newest first.
func ListKeys(ctx context.Context, q store.Queryer, partnerID string) ([]*auth.AccessKey, error) {
	return listKeys(ctx, q, `SELECT `+keyColumns+` FROM access_keys k WHERE k.partner_id = ? AND k.deleted_at IS NULL
		ORDER BY k.created_at DESC, k.id`, partnerID)
}

func listKeys(ctx context.Context, q store.Queryer, query string, args ...any) ([]*auth.AccessKey, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*auth.AccessKey
	for rows.Next() {
		k, err := auth.ScanAccessKey(rows, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// GetKey returns one of a partner's keys; another partner's key, or a
// deleted one, is not found.
func GetKey(ctx context.Context, q store.Queryer, partnerID, id string) (*auth.AccessKey, error) {
	k, err := auth.ScanAccessKey(q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM access_keys k
		WHERE k.id = ? AND k.partner_id = ? AND k.deleted_at IS NULL`, id, partnerID), nil)
	if errors.Is(err, auth.ErrUnknownKey) {
		return nil, errKeyNotFound
	}
	return k, err
}

// checkRoom refuses a new key when the partner holds MaxKeys live ones.
func checkRoom(ctx context.Context, tx *store.Tx, partnerID string) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM access_keys WHERE partner_id = ? AND deleted_at IS NULL
		AND (expires_at IS NULL OR expires_at > ?)`, partnerID, store.Micros(tx.Now)).Scan(&n)
	if err != nil {
		return err
	}
	if n >= MaxKeys {
		return errTooManyKeys
	}
	return nil
}

// keyAudit is what the audit log keeps of a key.
func keyAudit(k *auth.AccessKey, now time.Time) map[string]any {
	m := map[string]any{"state": State(k, now), "description": k.Description, "scope": k.Scope, "allow_list": k.AllowList}
	if !k.ExpiresAt.IsZero() {
		m["expires_at"] = k.ExpiresAt
	}
	if k.RevokeReason != "" {
		m["revoke_reason"] = k.RevokeReason
	}
	return m
}

func record(ctx context.Context, tx *store.Tx, action string, before, after *auth.AccessKey) error {
	c := audit.Change{Action: action, ObjectType: "access_key"}
	if before != nil {
		c.PartnerID, c.ObjectID, c.Before = before.PartnerID, before.ID, keyAudit(before, tx.Now)
	}
	if after != nil {
		c.PartnerID, c.ObjectID, c.After = after.PartnerID, after.ID, keyAudit(after, tx.Now)
	}
	return audit.Record(ctx, tx, c)
}

// CreateKey makes a key for a partner and returns it with its secret, the
// only time the secret is shown. known lists the API's operation ids.
func CreateKey(ctx context.Context, tx *store.Tx, sealer *auth.Sealer, partnerID string, in KeyInput, known []string) (*auth.AccessKey, error) {
	if err := in.Validate(known); err != nil {
		return nil, err
	}
	if err := checkRoom(ctx, tx, partnerID); err != nil {
		return nil, err
	}
	k, err := auth.InsertAccessKey(ctx, tx, sealer, auth.NewAccessKey{PartnerID: partnerID, Description: in.Description,
		CreatedBy: auth.From(ctx).ActorID(), Scope: in.Scope, AllowList: in.AllowList})
	if err != nil {
		return nil, err
	}
	return k, record(ctx, tx, "access_key.create", nil, k)
}

// SetKeyLists replaces a key's description, scope and allow-list.
func SetKeyLists(ctx context.Context, tx *store.Tx, partnerID, id string, in KeyInput, known []string) error {
	if err := in.Validate(known); err != nil {
		return err
	}
	k, err := GetKey(ctx, tx, partnerID, id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE access_keys SET description = ?, scope = ?, allow_list = ? WHERE id = ?`,
		in.Description, strings.Join(in.Scope, " "), strings.Join(in.AllowList, " "), k.ID); err != nil {
		return err
	}
	after := *k
	after.Description, after.Scope, after.AllowList = in.Description, in.Scope, in.AllowList
	return record(ctx, tx, "access_key.update", k, &after)
}

// SetKeyDisabled disables an active key or enables a disabled one. A key
// the provider revoked stays revoked; a rotated-out key past its window
// cannot come back.
func SetKeyDisabled(ctx context.Context, tx *store.Tx, partnerID, id string, disable bool) error {
	k, err := GetKey(ctx, tx, partnerID, id)
	if err != nil {
		return err
	}
	switch state := State(k, tx.Now); {
	case state == StateRevoked:
		return errRevoked(k)
	case state == StateExpired:
		return apperr.New(apperr.Conflict, "access.key_expired", "this key was rotated out and its overlap window has ended")
	case disable && state == StateDisabled, !disable && state == StateActive:
		return nil
	}
	status, action := auth.KeyActive, "access_key.enable"
	if disable {
		status, action = auth.KeyDisabled, "access_key.disable"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE access_keys SET status = ? WHERE id = ?`, status, k.ID); err != nil {
		return err
	}
	after := *k
	after.Status = status
	return record(ctx, tx, action, k, &after)
}

// DeleteKey removes a key from use and from lists. The row stays, so that
// the audit log and the API's records still name it; a deleted key never
// authenticates.
func DeleteKey(ctx context.Context, tx *store.Tx, partnerID, id string) error {
	k, err := GetKey(ctx, tx, partnerID, id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE access_keys SET deleted_at = ? WHERE id = ?`, store.Micros(tx.Now), k.ID); err != nil {
		return err
	}
	return record(ctx, tx, "access_key.delete", k, nil)
}

// RotateKey replaces an active key by a new one with the same description,
// scope and allow-list. The old key keeps working until now + window, so
// that the platform can switch without an outage, and then answers as
// rotated out. It returns the new key with its secret.
func RotateKey(ctx context.Context, tx *store.Tx, sealer *auth.Sealer, partnerID, id string, window time.Duration) (*auth.AccessKey, error) {
	if !slices.Contains(Windows, window) {
		return nil, apperr.Field("window", "access.window_invalid", "choose one of the offered overlap windows (at most 7 days)")
	}
	old, err := GetKey(ctx, tx, partnerID, id)
	if err != nil {
		return nil, err
	}
	switch State(old, tx.Now) {
	case StateRevoked:
		return nil, errRevoked(old)
	case StateActive:
	default:
		return nil, apperr.New(apperr.Conflict, "access.rotate_inactive", "only an active key can be rotated")
	}
	if !old.ExpiresAt.IsZero() {
		return nil, apperr.New(apperr.Conflict, "access.rotate_twice", "this key is already being rotated out; rotate its successor instead")
	}
	if err := checkRoom(ctx, tx, partnerID); err != nil {
		return nil, err
	}
	k, err := auth.InsertAccessKey(ctx, tx, sealer, auth.NewAccessKey{PartnerID: partnerID, Description: old.Description,
		CreatedBy: auth.From(ctx).ActorID(), Scope: old.Scope, AllowList: old.AllowList, RotatedFrom: old.ID})
	if err != nil {
		return nil, err
	}
	expires := tx.Now.Add(window)
	if _, err := tx.ExecContext(ctx, `UPDATE access_keys SET expires_at = ? WHERE id = ?`, store.Micros(expires), old.ID); err != nil {
		return nil, err
	}
	after := *old
	after.ExpiresAt = expires
	if err := record(ctx, tx, "access_key.rotate", old, &after); err != nil {
		return nil, err
	}
	return k, record(ctx, tx, "access_key.create", nil, k)
}

// StaffKey is a key in the provider's list, with its partner's names.
type StaffKey struct {
	*auth.AccessKey
	PartnerName        string
	PartnerDisplayName string
}

// StaffFilter selects keys for the provider's list; empty fields select all.
type StaffFilter struct {
	Partner string // the partner's handle or display name, in part
	State   string
	Offset  int
	Limit   int
}

// ListAllKeys is the provider's view of every partner's keys, newest first,
// with the number that match. Deleted keys show only when asked for.
func ListAllKeys(ctx context.Context, q store.Queryer, f StaffFilter, now time.Time) ([]StaffKey, int, error) {
	where, args := []string{"1=1"}, []any{}
	if f.Partner != "" {
		where = append(where, "(p.name LIKE ?"+store.LikeEscape+" OR p.display_name LIKE ?"+store.LikeEscape+")")
		like := store.LikeContains(f.Partner)
		args = append(args, like, like)
	}
	t := store.Micros(now)
	switch f.State {
	case StateDeleted:
		where = append(where, "k.deleted_at IS NOT NULL")
	case StateRevoked, StateDisabled:
		where = append(where, "k.deleted_at IS NULL AND k.status = ?")
		args = append(args, f.State)
	case StateExpired:
		where = append(where, "k.deleted_at IS NULL AND k.status = ? AND k.expires_at <= ?")
		args = append(args, auth.KeyActive, t)
	case StateActive:
		where = append(where, "k.deleted_at IS NULL AND k.status = ? AND (k.expires_at IS NULL OR k.expires_at > ?)")
		args = append(args, auth.KeyActive, t)
	default:
		where = append(where, "k.deleted_at IS NULL")
	}
	from := ` FROM access_keys k JOIN partners p ON p.id = k.partner_id WHERE ` + strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	rows, err := q.QueryContext(ctx, `SELECT `+keyColumns+`, p.name, p.display_name`+from+` ORDER BY k.created_at DESC, k.id LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []StaffKey
	for rows.Next() {
		var s StaffKey
		if s.AccessKey, err = auth.ScanAccessKey(rows, nil, &s.PartnerName, &s.PartnerDisplayName); err != nil {
			return nil, 0, err
		}
		out = append(out, s)
	}
	return out, total, rows.Err()
}

// RevokeKey is the provider switching a partner's key off for good, with a
// reason the partner sees. A deleted key is not found.
func RevokeKey(ctx context.Context, tx *store.Tx, id, reason string) error {
	reason = strings.TrimSpace(reason)
	switch n := len([]rune(reason)); {
	case n == 0:
		return apperr.Field("reason", "access.revoke_reason_required", "say why the key is revoked; the partner sees the reason")
	case n > 200:
		return apperr.Field("reason", "access.revoke_reason_long", "the reason may be at most 200 characters")
	}
	k, err := auth.ScanAccessKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM access_keys k WHERE k.id = ? AND k.deleted_at IS NULL`, id), nil)
	if errors.Is(err, auth.ErrUnknownKey) {
		return errKeyNotFound
	}
	if err != nil {
		return err
	}
	if k.Status == auth.KeyRevoked {
		return apperr.New(apperr.Conflict, "access.key_already_revoked", "this key is already revoked")
	}
	by := auth.From(ctx).ActorName()
	if _, err := tx.ExecContext(ctx, `UPDATE access_keys SET status = ?, revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ?`,
		auth.KeyRevoked, store.Micros(tx.Now), by, reason, k.ID); err != nil {
		return err
	}
	after := *k
	after.Status, after.RevokedAt, after.RevokedBy, after.RevokeReason = auth.KeyRevoked, tx.Now, by, reason
	return record(ctx, tx, "access_key.revoke", k, &after)
}
