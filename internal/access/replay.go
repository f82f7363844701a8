package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"time"

	"partnercenter/internal/store"
)

// RecordSignature notes a mutation's signature until the moment its date
// stops being accepted and reports whether it is new. A signature seen
// before and not yet expired is a replay. An expired row left by a sweep
// not yet run is taken over, so a sweep's delay never refuses a request.
func RecordSignature(ctx context.Context, tx *store.Tx, ak, signature string, until time.Time) (bool, error) {
	sum := sha256.Sum256([]byte(ak + "\x00" + signature))
	res, err := tx.ExecContext(ctx, `INSERT INTO api_signatures (signature_hash, expires_at) VALUES (?, ?)
		ON CONFLICT (signature_hash) DO UPDATE SET expires_at = excluded.expires_at WHERE api_signatures.expires_at <= ?`,
		hex.EncodeToString(sum[:]), store.Micros(until), store.Micros(tx.Now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SweepSignatures removes expired signatures, a bounded number per run, and
// logs a failure rather than failing the housekeeping that calls it.
func SweepSignatures(ctx context.Context, db *store.DB, log *slog.Logger) {
	err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM api_signatures WHERE signature_hash IN
			(SELECT signature_hash FROM api_signatures WHERE expires_at <= ? LIMIT 10000)`, store.Micros(tx.Now))
		return err
	})
	if err != nil {
		log.Warn("housekeeping: sweeping API signatures", "err", err)
	}
}
