package auth

import (
	"context"
	"errors"
	"strings"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// ErrAmbiguousUser means an identity matches more than one user of the
// partner by email, so none can be chosen.
var ErrAmbiguousUser = apperr.New(apperr.Conflict, "user.ambiguous", "more than one user has that email")

// FindPartnerUser returns the user of one partner that an identity from the
// partner's identity provider names: the first identifier that is a user
// name of the partner's, else the first that is exactly one of its users'
// email (ignoring case). Users of other partners and provider staff never
// match. Disabled users are returned; the caller decides.
func FindPartnerUser(ctx context.Context, q store.Queryer, partnerID string, identifiers []string) (*User, error) {
	if partnerID == "" {
		return nil, errUserNotFound
	}
	for _, id := range identifiers {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE partner_id = ? AND username = ?`,
			partnerID, strings.ToLower(id)))
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	for _, id := range identifiers {
		id = strings.TrimSpace(id)
		if id == "" || !strings.Contains(id, "@") {
			continue
		}
		users, err := listUsers(ctx, q, `WHERE partner_id = ? AND LOWER(email) = ?`, partnerID, strings.ToLower(id))
		if err != nil {
			return nil, err
		}
		switch len(users) {
		case 0:
			continue
		case 1:
			return users[0], nil
		default:
			return nil, ErrAmbiguousUser
		}
	}
	return nil, errUserNotFound
}

// OpenSession starts a new console session for a user whose identity was
// established elsewhere (single sign-on) and returns its token for the
// cookie. The token is new, so a session id planted before sign-in is never
// the one signed in.
func OpenSession(ctx context.Context, tx *store.Tx, userID, ip, userAgent string) (string, error) {
	token := ids.Token(32)
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, HashToken(token), userID, store.Micros(tx.Now), store.Micros(tx.Now.Add(MaxLifetime)),
		store.Micros(tx.Now), ip, truncate(userAgent, 300))
	if err != nil {
		return "", err
	}
	return token, nil
}
