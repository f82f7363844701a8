// Package signing owns the SDK-HMAC-SHA256 request signature of the
// provider's API gateway, as the public Huawei Cloud Go SDK computes it: the
// Authorization header's grammar, the canonical request (method, escaped path
// with a trailing slash, sorted query, signed headers, body hash), the string
// to sign and the HMAC. It knows nothing of access keys or HTTP answers: the
// API verifies requests with it and tests sign requests with it.
package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The names and formats the SDK uses.
const (
	Algorithm           = "SDK-HMAC-SHA256"
	DateFormat          = "20060102T150405Z"
	HeaderDate          = "X-Sdk-Date"
	HeaderContentSHA256 = "X-Sdk-Content-Sha256"
	HeaderAuthorization = "Authorization"
	// UnsignedPayload in X-Sdk-Content-Sha256 leaves the body out of the
	// signature; the SDK sends it for bodies that are neither JSON nor BSON.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
)

// Faults a request's signature can have. The API answers each with its own
// error code.
var (
	ErrMalformed = errors.New("malformed Authorization header")
	ErrDate      = errors.New("missing or malformed X-Sdk-Date")
	ErrExpired   = errors.New("X-Sdk-Date is too far from the server's clock")
	ErrPayload   = errors.New("body does not match X-Sdk-Content-Sha256")
	ErrSignature = errors.New("signature does not match")
)

// Limits on what a parser of outside input accepts, so that a hostile header
// costs little.
const (
	maxAuthorizationLen = 4096
	maxSignedHeaders    = 64
)

// Authorization is a parsed Authorization header.
type Authorization struct {
	Access        string   // the AK
	SignedHeaders []string // lower-case header names, in the order signed
	Signature     string   // lower-case hex HMAC-SHA256
}

// String renders the header as the SDK writes it.
func (a Authorization) String() string {
	return Algorithm + " Access=" + a.Access + ", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ", Signature=" + a.Signature
}

// Signs reports whether name (lower case) is among the signed headers.
func (a Authorization) Signs(name string) bool { return slices.Contains(a.SignedHeaders, name) }

// ParseAuthorization parses "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b,
// Signature=hex". Parameters may come in any order and with any spacing
// around commas; each must appear exactly once.
func ParseAuthorization(h string) (Authorization, error) {
	var a Authorization
	if len(h) > maxAuthorizationLen {
		return a, ErrMalformed
	}
	rest, ok := strings.CutPrefix(h, Algorithm+" ")
	if !ok {
		return a, ErrMalformed
	}
	var seen [3]bool
	for part := range strings.SplitSeq(rest, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || value == "" {
			return a, ErrMalformed
		}
		var i int
		switch key {
		case "Access":
			i, a.Access = 0, value
			if !isToken(value) {
				return a, ErrMalformed
			}
		case "SignedHeaders":
			i = 1
			names, err := parseSignedHeaders(value)
			if err != nil {
				return a, err
			}
			a.SignedHeaders = names
		case "Signature":
			i, a.Signature = 2, value
			if len(value) != 2*sha256.Size || !isLowerHex(value) {
				return a, ErrMalformed
			}
		default:
			return a, ErrMalformed
		}
		if seen[i] {
			return a, ErrMalformed
		}
		seen[i] = true
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return a, ErrMalformed
	}
	return a, nil
}

func parseSignedHeaders(v string) ([]string, error) {
	names := strings.Split(v, ";")
	if len(names) > maxSignedHeaders {
		return nil, ErrMalformed
	}
	for _, n := range names {
		if !isToken(n) || strings.ToLower(n) != n {
			return nil, ErrMalformed
		}
	}
	return names, nil
}

// isToken reports whether s is a non-empty HTTP token (RFC 9110), which also
// covers AKs and header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// RequestTime reads X-Sdk-Date.
func RequestTime(h http.Header) (time.Time, error) {
	v := h.Get(HeaderDate)
	if v == "" {
		return time.Time{}, ErrDate
	}
	t, err := time.Parse(DateFormat, v)
	if err != nil {
		return time.Time{}, ErrDate
	}
	return t, nil
}

// CheckTime refuses a signing time more than skew away from now, either way.
func CheckTime(t, now time.Time, skew time.Duration) error {
	if d := now.Sub(t); d > skew || d < -skew {
		return ErrExpired
	}
	return nil
}

// BodyHash is the hex SHA-256 of body.
func BodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// PayloadHash is the body hash the canonical request carries: the value of
// X-Sdk-Content-Sha256 when the caller sent one (the SDK signs that value
// verbatim), else the hash of the body. A value other than UNSIGNED-PAYLOAD
// must be the body's true hash. signed reports whether the body is covered by
// the signature.
func PayloadHash(h http.Header, body []byte) (hash string, signed bool, err error) {
	v, ok := h[http.CanonicalHeaderKey(HeaderContentSHA256)]
	if !ok || len(v) == 0 {
		return BodyHash(body), true, nil
	}
	if len(v) > 1 {
		return "", false, ErrPayload
	}
	if v[0] == UnsignedPayload {
		return UnsignedPayload, false, nil
	}
	actual := BodyHash(body)
	if !hmac.Equal([]byte(strings.ToLower(v[0])), []byte(actual)) {
		return "", false, ErrPayload
	}
	return v[0], true, nil
}

// CanonicalRequest builds the text the SDK hashes: method, canonical URI,
// canonical query string, canonical headers, the signed header list and the
// payload hash, one per line.
func CanonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) (string, error) {
	var b strings.Builder
	b.Grow(256 + len(r.URL.RawQuery) + len(r.URL.Path))
	b.WriteString(r.Method)
	b.WriteByte('\n')
	if err := writeCanonicalURI(&b, r.URL); err != nil {
		return "", err
	}
	b.WriteByte('\n')
	if err := writeCanonicalQuery(&b, r.URL.RawQuery); err != nil {
		return "", err
	}
	b.WriteByte('\n')
	writeCanonicalHeaders(&b, r, signedHeaders)
	b.WriteByte('\n')
	for i, n := range signedHeaders {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(n)
	}
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String(), nil
}

// writeCanonicalURI escapes each path segment as the SDK does and ends the
// path with a slash. Segments are taken from the escaped path so that an
// encoded slash inside a segment stays inside it.
func writeCanonicalURI(b *strings.Builder, u *url.URL) error {
	p := u.EscapedPath()
	for i, seg := range strings.Split(p, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		raw, err := url.PathUnescape(seg)
		if err != nil {
			return ErrSignature
		}
		writeEscaped(b, raw)
	}
	if p == "" || p[len(p)-1] != '/' {
		b.WriteByte('/')
	}
	return nil
}

// writeCanonicalQuery sorts parameters by name, and the values of a name,
// before escaping them; a parameter without '=' has the empty value.
func writeCanonicalQuery(b *strings.Builder, raw string) error {
	if raw == "" {
		return nil
	}
	type kv struct{ k, v string }
	var params []kv
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return ErrSignature
		}
		v, err = url.QueryUnescape(v)
		if err != nil {
			return ErrSignature
		}
		params = append(params, kv{k, v})
	}
	slices.SortFunc(params, func(x, y kv) int {
		if c := strings.Compare(x.k, y.k); c != 0 {
			return c
		}
		return strings.Compare(x.v, y.v)
	})
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		writeEscaped(b, p.k)
		b.WriteByte('=')
		writeEscaped(b, p.v)
	}
	return nil
}

// writeCanonicalHeaders writes "name:value" for each value of each signed
// header, values sorted and trimmed, each line ending in a newline. The Host
// header lives in r.Host on a server. A signed header the request lacks
// contributes no line, as in the SDK.
func writeCanonicalHeaders(b *strings.Builder, r *http.Request, signedHeaders []string) {
	lines := 0
	for _, name := range signedHeaders {
		var values []string
		if name == "host" {
			if r.Host != "" {
				values = []string{r.Host}
			}
		} else {
			values = r.Header.Values(name)
			if len(values) > 1 {
				values = slices.Sorted(slices.Values(values))
			}
		}
		for _, v := range values {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(strings.TrimSpace(v))
			b.WriteByte('\n')
			lines++
		}
	}
	if lines == 0 {
		b.WriteByte('\n')
	}
}

// shouldEscape: everything but RFC 3986 unreserved characters is escaped.
func shouldEscape(c byte) bool {
	return !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '~' || c == '.')
}

func writeEscaped(b *strings.Builder, s string) {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if shouldEscape(c) {
			b.WriteByte('%')
			b.WriteByte(hexUpper[c>>4])
			b.WriteByte(hexUpper[c&15])
		} else {
			b.WriteByte(c)
		}
	}
}

// StringToSign is what the HMAC covers.
func StringToSign(canonicalRequest string, t time.Time) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + t.UTC().Format(DateFormat) + "\n" + hex.EncodeToString(sum[:])
}

// Signature is the hex HMAC-SHA256 of stringToSign under secret.
func Signature(secret, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a request's signature under secret. body is the request body
// already read (r.Body is not touched). It does not check the signing time
// against the clock (CheckTime does) nor anything about the key. signed
// reports whether the body is covered by the signature.
func Verify(r *http.Request, body []byte, auth Authorization, secret string) (signed bool, err error) {
	if !auth.Signs("x-sdk-date") {
		// An unsigned date would let a captured request be replayed forever.
		return false, ErrMalformed
	}
	t, err := RequestTime(r.Header)
	if err != nil {
		return false, err
	}
	hash, signed, err := PayloadHash(r.Header, body)
	if err != nil {
		return false, err
	}
	if _, present := r.Header[http.CanonicalHeaderKey(HeaderContentSHA256)]; present && !auth.Signs(strings.ToLower(HeaderContentSHA256)) {
		// An unsigned X-Sdk-Content-Sha256 could be swapped for UNSIGNED-PAYLOAD.
		return false, ErrMalformed
	}
	cr, err := CanonicalRequest(r, auth.SignedHeaders, hash)
	if err != nil {
		return false, err
	}
	want := Signature(secret, StringToSign(cr, t))
	if !hmac.Equal([]byte(want), []byte(auth.Signature)) {
		return false, ErrSignature
	}
	return signed, nil
}

// Sign signs r as the SDK does at time t: it sets X-Sdk-Date, signs every
// header present except Content-Type and names holding an underscore, and
// sets Authorization. body must be what r will send. It serves tests,
// benchmarks and any client of ours (webhook deliveries, tools).
func Sign(r *http.Request, body []byte, ak, sk string, t time.Time) error {
	r.Header.Set(HeaderDate, t.UTC().Format(DateFormat))
	var names []string
	for k := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "content-type") || strings.Contains(k, "_") || lk == "authorization" {
			continue
		}
		names = append(names, lk)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	// As the SDK does, a declared X-Sdk-Content-Sha256 is signed as it is.
	hash := r.Header.Get(HeaderContentSHA256)
	if hash == "" {
		hash = BodyHash(body)
	}
	cr, err := CanonicalRequest(r, names, hash)
	if err != nil {
		return err
	}
	a := Authorization{Access: ak, SignedHeaders: names, Signature: Signature(sk, StringToSign(cr, t))}
	r.Header.Set(HeaderAuthorization, a.String())
	return nil
}
