package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"slices"
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

// Access key statuses. A revoked key was switched off by the provider; only
// the provider's revocation sets it and nothing turns it back.
const (
	KeyActive   = "active"
	KeyDisabled = "disabled"
	KeyRevoked  = "revoked"
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

	// Scope lists the operation ids the key may call; empty is all.
	Scope []string
	// AllowList holds the addresses and CIDRs the key may call from; empty
	// is anywhere.
	AllowList []string
	// ExpiresAt is set on a key rotated out: the end of the window in which
	// it still works beside its successor.
	ExpiresAt    time.Time
	DeletedAt    time.Time
	RevokedAt    time.Time
	RevokedBy    string
	RevokeReason string
	RotatedFrom  string
}

// Expired reports whether a rotated-out key's overlap window has ended.
func (k *AccessKey) Expired(now time.Time) bool {
	return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)
}

// InScope reports whether the key may call an operation.
func (k *AccessKey) InScope(operationID string) bool {
	return len(k.Scope) == 0 || slices.Contains(k.Scope, operationID)
}

// Allows reports whether the key may be used from an address. Entries are
// validated when saved; one that no longer parses matches nothing.
func (k *AccessKey) Allows(addr netip.Addr) bool {
	if len(k.AllowList) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, e := range k.AllowList {
		if strings.Contains(e, "/") {
			if p, err := netip.ParsePrefix(e); err == nil && p.Contains(addr) {
				return true
			}
		} else if a, err := netip.ParseAddr(e); err == nil && a.Unmap() == addr {
			return true
		}
	}
	return false
}

// joinList and splitList store a list of words in one text column.
func joinList(l []string) string { return strings.Join(l, " ") }

func splitList(s string) []string { return strings.Fields(s) }

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

// CreateAccessKey makes a new key for a partner, callable from anywhere for
// every operation. The secret is returned once, here; afterwards it is only
// ever read sealed.
func CreateAccessKey(ctx context.Context, tx *store.Tx, sealer *Sealer, partnerID, description, createdBy string) (*AccessKey, error) {
	return InsertAccessKey(ctx, tx, sealer, NewAccessKey{PartnerID: partnerID, Description: description, CreatedBy: createdBy})
}

// NewAccessKey is a key to insert. The rules on what a partner may create
// (how many keys, valid scopes and addresses) are package access's.
type NewAccessKey struct {
	PartnerID   string
	Description string
	CreatedBy   string
	Scope       []string
	AllowList   []string
	RotatedFrom string
}

// InsertAccessKey writes a new active key and returns it with its secret.
func InsertAccessKey(ctx context.Context, tx *store.Tx, sealer *Sealer, n NewAccessKey) (*AccessKey, error) {
	k := &AccessKey{ID: "PC" + randomString(akAlphabet, 18), PartnerID: n.PartnerID, Secret: randomString(skAlphabet, 40),
		Status: KeyActive, Description: n.Description, CreatedAt: tx.Now, Scope: n.Scope, AllowList: n.AllowList, RotatedFrom: n.RotatedFrom}
	_, err := tx.ExecContext(ctx, `INSERT INTO access_keys (id, partner_id, secret_sealed, status, description, created_by, created_at,
		scope, allow_list, rotated_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, n.PartnerID, sealer.Seal(k.Secret), k.Status, n.Description, n.CreatedBy, store.Micros(tx.Now),
		joinList(n.Scope), joinList(n.AllowList), n.RotatedFrom)
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
const AccessKeyColumns = `k.id, k.partner_id, k.secret_sealed, k.status, k.description, k.created_at, COALESCE(k.last_used_at, 0), k.last_used_ip,
	k.scope, k.allow_list, COALESCE(k.expires_at, 0), COALESCE(k.deleted_at, 0), COALESCE(k.revoked_at, 0), k.revoked_by, k.revoke_reason, k.rotated_from`

// ScanAccessKey scans AccessKeyColumns, then rest (the joined columns), and
// opens the key's secret (unless sealer is nil: lists never show it). No row
// is ErrUnknownKey.
func ScanAccessKey(row interface{ Scan(...any) error }, sealer *Sealer, rest ...any) (*AccessKey, error) {
	var k AccessKey
	var sealed, scope, allow string
	var created, lastUsed, expires, deleted, revoked int64
	dest := append([]any{&k.ID, &k.PartnerID, &sealed, &k.Status, &k.Description, &created, &lastUsed, &k.LastUsedIP,
		&scope, &allow, &expires, &deleted, &revoked, &k.RevokedBy, &k.RevokeReason, &k.RotatedFrom}, rest...)
	err := store.ScanErr(row.Scan(dest...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownKey
	}
	if err != nil {
		return nil, err
	}
	k.CreatedAt, k.LastUsedAt = store.Time(created), store.Time(lastUsed)
	k.ExpiresAt, k.DeletedAt, k.RevokedAt = store.Time(expires), store.Time(deleted), store.Time(revoked)
	k.Scope, k.AllowList = splitList(scope), splitList(allow)
	if sealer == nil {
		return &k, nil
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
