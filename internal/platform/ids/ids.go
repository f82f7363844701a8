// Package ids makes identifiers: UUIDv7 for rows (time-ordered, so indexes
// stay compact), random tokens for secrets.
package ids

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"

	"github.com/google/uuid"
)

// New returns a new UUIDv7 as text.
func New() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Compact returns a new UUIDv7 without dashes, for ids shown to users and
// used in URLs where dashes are a nuisance (domain ids, partner ids in the API).
func Compact() string {
	u := uuid.Must(uuid.NewV7())
	return hex.EncodeToString(u[:])
}

// Token returns n random bytes, URL-safe base64 encoded.
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness failing is not recoverable
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
