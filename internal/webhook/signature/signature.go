// Package signature implements the Standard Webhooks signature scheme
// (https://www.standardwebhooks.com) that the partner center's callbacks
// carry: HMAC-SHA256, keyed with the decoded bytes of a "whsec_" secret, over
// "{webhook-id}.{webhook-timestamp}.{body}", sent base64-encoded as
// "v1,<signature>" in the webhook-signature header (several, separated by
// spaces, while a rotated secret still signs). It is its own package so
// that the Go client's receivers verify with exactly the code that signs,
// without the server's dependencies.
package signature

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers a delivery carries.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Prefix starts every secret.
const Prefix = "whsec_"

// NewSecret returns a fresh secret: the prefix and 32 random bytes in
// standard base64.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness failing is not recoverable
	}
	return Prefix + base64.StdEncoding.EncodeToString(b)
}

// key decodes a secret to the HMAC key. Standard Webhooks secrets hold 24
// to 64 bytes; shorter ones are refused as too weak.
func key(secret string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, Prefix))
	if err != nil {
		return nil, fmt.Errorf("webhook secret: not base64 after %q: %w", Prefix, err)
	}
	if len(b) < 24 || len(b) > 64 {
		return nil, fmt.Errorf("webhook secret: %d bytes, want 24 to 64", len(b))
	}
	return b, nil
}

// Sign returns "v1,<base64 HMAC>" of one message under one secret.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(k, id, ts.Unix(), body)), nil
}

func mac(k []byte, id string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, k)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(strconv.FormatInt(unix, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Errors Verify answers with.
var (
	ErrMissingHeaders = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature header")
	ErrTimestamp      = errors.New("webhook: timestamp outside the tolerance (a replay, or a clock off)")
	ErrNoMatch        = errors.New("webhook: no signature matches")
)

// Verify checks a received delivery: the timestamp within tolerance of now
// (0 disables the check) and at least one v1 signature made with secret.
func Verify(secret string, h http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	unix, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: timestamp %q is not unix seconds", tsText)
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
			return ErrTimestamp
		}
	}
	k, err := key(secret)
	if err != nil {
		return err
	}
	want := mac(k, id, unix, body)
	for _, s := range strings.Fields(sigs) {
		version, encoded, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(encoded)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoMatch
}
