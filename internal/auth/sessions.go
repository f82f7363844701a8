package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Session lifetimes: idle sessions end after IdleTimeout; every session ends
// after MaxLifetime.
const (
	IdleTimeout = 2 * time.Hour
	MaxLifetime = 12 * time.Hour
)

// Sign-in throttle: after MaxFailures failed attempts for one user name (or
// from one address) within FailureWindow, further attempts are refused until
// the window has passed.
const (
	MaxFailures       = 5
	MaxFailuresPerIP  = 50
	FailureWindow     = 15 * time.Minute
	lastSeenGranulity = time.Minute
)

// HashToken is how a session token is stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ErrSignIn is the one answer for a wrong user name or password, so that the
// answer does not tell which of the two was wrong.
var ErrSignIn = apperr.New(apperr.Unauthorized, "auth.signin_failed", "the user name or password is incorrect")

// ErrThrottled answers sign-ins after too many failures.
var ErrThrottled = apperr.New(apperr.RateLimited, "auth.signin_throttled", "too many failed sign-ins; try again in 15 minutes")

// SignIn checks a user name and password and opens a session. It returns the
// user and the session token for the cookie. Failures are recorded in their
// own transaction so that the throttle counts them.
func SignIn(ctx context.Context, db *store.DB, username, password, ip, userAgent string) (*User, string, error) {
	now := db.Now().UTC()
	since := store.Micros(now.Add(-FailureWindow))
	var byName, byIP int
	r := db.Reader()
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM signin_failures WHERE username = ? AND at > ?`, username, since).Scan(&byName); err != nil {
		return nil, "", err
	}
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM signin_failures WHERE ip = ? AND at > ?`, ip, since).Scan(&byIP); err != nil {
		return nil, "", err
	}
	if byName >= MaxFailures || byIP >= MaxFailuresPerIP {
		return nil, "", ErrThrottled
	}
	u, err := GetUserByUsername(ctx, r, username)
	if err != nil && !errors.Is(err, errUserNotFound) {
		return nil, "", err
	}
	ok := false
	if u != nil {
		ok = VerifyPassword(u.PasswordHash, password) && !u.Disabled
	} else {
		VerifyPassword(dummyHash, password)
	}
	if !ok {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO signin_failures (id, username, ip, at) VALUES (?, ?, ?, ?)`,
				ids.New(), username, ip, store.Micros(tx.Now))
			return err
		})
		if err != nil {
			return nil, "", err
		}
		return nil, "", ErrSignIn
	}
	token := ids.Token(32)
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM signin_failures WHERE username = ?`, username); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, HashToken(token), u.ID, store.Micros(tx.Now), store.Micros(tx.Now.Add(MaxLifetime)),
			store.Micros(tx.Now), ip, truncate(userAgent, 300))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// ErrNoSession means the token names no live session.
var ErrNoSession = apperr.New(apperr.Unauthorized, "auth.session_expired", "your session has ended; please sign in again")

// Authenticate returns the user of a live session and refreshes its idle
// timer (at most once a minute, to keep reads cheap).
func Authenticate(ctx context.Context, db *store.DB, token string) (*User, error) {
	if token == "" {
		return nil, ErrNoSession
	}
	hash := HashToken(token)
	var userID string
	var expires, lastSeen int64
	err := store.ScanErr(db.Reader().QueryRowContext(ctx,
		`SELECT user_id, expires_at, last_seen_at FROM sessions WHERE token_hash = ?`, hash).Scan(&userID, &expires, &lastSeen))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	now := db.Now().UTC()
	if now.After(store.Time(expires)) || now.Sub(store.Time(lastSeen)) > IdleTimeout {
		_ = SignOut(ctx, db, token)
		return nil, ErrNoSession
	}
	u, err := GetUser(ctx, db.Reader(), userID)
	if err != nil || u.Disabled {
		return nil, ErrNoSession
	}
	if now.Sub(store.Time(lastSeen)) > lastSeenGranulity {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, store.Micros(tx.Now), hash)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return u, nil
}

// SignOut ends the session of a token.
func SignOut(ctx context.Context, db *store.DB, token string) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, HashToken(token))
		return err
	})
}

// DeleteExpired removes ended sessions and old sign-in failures; the periodic
// cleanup job calls it. It returns how many sessions it removed.
func DeleteExpired(ctx context.Context, tx *store.Tx) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`,
		store.Micros(tx.Now), store.Micros(tx.Now.Add(-IdleTimeout)))
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	_, err = tx.ExecContext(ctx, `DELETE FROM signin_failures WHERE at < ?`, store.Micros(tx.Now.Add(-FailureWindow)))
	return n, err
}

func deleteUserSessions(ctx context.Context, tx *store.Tx, userID string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
