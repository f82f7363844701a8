package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Sealer encrypts secrets that must be read back (API secret keys) with
// AES-256-GCM under the server's master key.
type Sealer struct{ aead cipher.AEAD }

// NewSealer builds a sealer from a 32-byte master key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("auth: master key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext; the result is printable.
func (s *Sealer) Seal(plaintext string) string {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	out := s.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return "v1:" + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts what Seal produced.
func (s *Sealer) Open(sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", errors.New("auth: unknown sealed format")
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("auth: malformed sealed secret")
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], nil)
	if err != nil {
		return "", errors.New("auth: sealed secret does not open with this master key")
	}
	return string(plain), nil
}

// Access key statuses.
const (
	KeyActive   = "active"
	KeyDisabled = "disabled"
)

// AccessKey is an API credential of a partner platform.
type AccessKey struct {
	ID          string // the AK
	PartnerID   string
	Secret      string // the SK; filled only by LookupAccessKey and CreateAccessKey
	Status      string
	Description string
	CreatedAt   time.Time
	LastUsedAt  time.Time
	LastUsedIP  string
}

const akAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const skAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// CreateAccessKey makes a new key for a partner. The secret is returned once,
// here; afterwards it is only ever read sealed.
func CreateAccessKey(ctx context.Context, tx *store.Tx, sealer *Sealer, partnerID, description, createdBy string) (*AccessKey, error) {
	k := &AccessKey{ID: "PC" + randomString(akAlphabet, 18), PartnerID: partnerID, Secret: randomString(skAlphabet, 40),
		Status: KeyActive, Description: description, CreatedAt: tx.Now}
	_, err := tx.ExecContext(ctx, `INSERT INTO access_keys (id, partner_id, secret_sealed, status, description, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, k.ID, partnerID, sealer.Seal(k.Secret), k.Status, description, createdBy, store.Micros(tx.Now))
	if err != nil {
		return nil, err
	}
	return k, nil
}

// ErrUnknownKey means no key has that AK.
var ErrUnknownKey = apperr.New(apperr.Unauthorized, "auth.key_unknown", "the access key does not exist")

// AccessKeyColumns are an access key's columns as read from access_keys k.
// A query that joins other tables to a key selects them first and scans its
// row with ScanAccessKey.
const AccessKeyColumns = `k.id, k.partner_id, k.secret_sealed, k.status, k.description, k.created_at, k.last_used_at, k.last_used_ip`

// ScanAccessKey scans AccessKeyColumns, then rest (the joined columns), and
// opens the key's secret. No row is ErrUnknownKey.
func ScanAccessKey(row interface{ Scan(...any) error }, sealer *Sealer, rest ...any) (*AccessKey, error) {
	var k AccessKey
	var sealed string
	var created int64
	var lastUsed *int64
	dest := append([]any{&k.ID, &k.PartnerID, &sealed, &k.Status, &k.Description, &created, &lastUsed, &k.LastUsedIP}, rest...)
	err := store.ScanErr(row.Scan(dest...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownKey
	}
	if err != nil {
		return nil, err
	}
	k.CreatedAt = store.Time(created)
	if lastUsed != nil {
		k.LastUsedAt = store.Time(*lastUsed)
	}
	if k.Secret, err = sealer.Open(sealed); err != nil {
		return nil, err
	}
	return &k, nil
}

// LookupAccessKey returns a key with its secret opened, for signature checks.
func LookupAccessKey(ctx context.Context, q store.Queryer, sealer *Sealer, ak string) (*AccessKey, error) {
	return ScanAccessKey(q.QueryRowContext(ctx, `SELECT `+AccessKeyColumns+` FROM access_keys k WHERE k.id = ?`, ak), sealer)
}

// TouchAccessKey records a key's last use.
func TouchAccessKey(ctx context.Context, tx *store.Tx, ak, ip string) error {
	_, err := tx.ExecContext(ctx, `UPDATE access_keys SET last_used_at = ?, last_used_ip = ? WHERE id = ?`, store.Micros(tx.Now), ip, ak)
	return err
}
