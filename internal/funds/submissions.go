package funds

import (
	"context"
	"errors"
	"time"

	"partnercenter/internal/store"
)

// ClaimSubmission records the one-time token of a money form in the
// transaction that carries out the form's change. It reports true the first
// time; false when the token was already claimed (a second click, a
// reloaded confirmation), and the caller then changes nothing, so that a
// double submit moves money once.
func ClaimSubmission(ctx context.Context, tx *store.Tx, token, userID string) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM form_submissions WHERE token = ?`, token).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO form_submissions (token, user_id, at) VALUES (?, ?, ?)`, token, userID, store.Micros(tx.Now))
	if errors.Is(err, store.ErrConflict) {
		// A concurrent submit of the same form committed first: the retry
		// finds its token and changes nothing.
		return false, store.ErrRetry
	}
	return err == nil, err
}

// GetWithdrawal returns one withdrawal, for provider finance to decide.
func GetWithdrawal(ctx context.Context, q store.Queryer, id string) (*Withdrawal, error) {
	var holdID string
	return getWithdrawal(ctx, q, "id = ?", id, &holdID)
}

// SubmissionRetention is how long a claimed form token is remembered: far
// longer than any session (a form cannot be submitted after its session
// ends), so a double submit is always caught.
const SubmissionRetention = 7 * 24 * time.Hour

// DeleteOldSubmissions forgets form tokens older than the retention; the
// housekeeping job calls it.
func DeleteOldSubmissions(ctx context.Context, tx *store.Tx) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM form_submissions WHERE at < ?`, store.Micros(tx.Now.Add(-SubmissionRetention)))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
