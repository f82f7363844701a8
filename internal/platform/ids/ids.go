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

// Letters returns n random upper-case letters without I and O (which read
// as digits), for codes people read out: order ids, opportunity codes.
func Letters(n int) string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}
