package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"partnercenter/internal/api/signing"
	"partnercenter/internal/auth"
	"partnercenter/internal/store"
)

// headerDomainID carries the caller's account (domain) id; the SDK's global
// credentials send it on every request.
const headerDomainID = "X-Domain-Id"

// readBody reads the whole body, which the signature covers, refusing one
// larger than the configured limit.
func (s *service) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	tooLarge := func() error {
		return apiError("APIGW.0201", "api.body_too_large", "request entity too large: the body may be at most %d bytes", s.cfg.MaxBodyBytes)
	}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return nil, tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return nil, tooLarge()
	}
	if err != nil {
		return nil, apiError("CBC.0101", "api.body_unreadable", "the request body could not be read")
	}
	return body, nil
}

// authenticate verifies the request's SDK-HMAC-SHA256 signature and returns
// the call with its principal: the access key acting for its partner. Each
// fault has its own error code; the checks that need no database come first.
func (s *service) authenticate(r *http.Request, body []byte) (*Call, error) {
	h := r.Header.Get(signing.HeaderAuthorization)
	if h == "" {
		return nil, apiError("PC.0300", "api.auth_missing", "Incorrect IAM authentication information: the Authorization header is missing; sign the request with SDK-HMAC-SHA256")
	}
	a, err := signing.ParseAuthorization(h)
	if err != nil {
		return nil, apiError("PC.0300", "api.auth_malformed", "Incorrect IAM authentication information: the Authorization header is not 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'")
	}
	signedAt, err := signing.RequestTime(r.Header)
	if err != nil {
		return nil, apiError("PC.0303", "api.date_malformed", "Incorrect IAM authentication information: X-Sdk-Date is missing or not of the form 20060102T150405Z")
	}
	now := s.app.DB.Now()
	if signing.CheckTime(signedAt, now, s.cfg.DateSkew) != nil {
		return nil, apiError("PC.0303", "api.signature_expired", "Incorrect IAM authentication information: signature expired, signature time:%s, server time:%s",
			signedAt.UTC().Format(signing.DateFormat), now.UTC().Format(signing.DateFormat))
	}
	ctx := r.Context()
	key, p, err := s.keys.lookup(ctx, s.app.DB.Reader(), s.app.Sealer, a.Access)
	if errors.Is(err, auth.ErrUnknownKey) {
		return nil, apiError("PC.0302", "api.ak_unknown", "Incorrect IAM authentication information: ak %s not exist", a.Access)
	}
	if err != nil {
		return nil, err
	}
	signed, err := signing.Verify(r, body, a, key.Secret)
	switch {
	case errors.Is(err, signing.ErrPayload):
		return nil, apiError("PC.0305", "api.payload_mismatch", "Incorrect IAM authentication information: the body does not match X-Sdk-Content-Sha256")
	case errors.Is(err, signing.ErrMalformed):
		return nil, apiError("PC.0300", "api.auth_unsigned_header", "Incorrect IAM authentication information: SignedHeaders must include x-sdk-date, and x-sdk-content-sha256 when it is sent")
	case errors.Is(err, signing.ErrSignature):
		return nil, apiError("APIGW.0301", "api.signature_mismatch", "Incorrect IAM authentication information: verify aksk signature fail")
	case err != nil:
		return nil, err
	}
	// A deleted key answers as one that never existed; the row stays only
	// for the audit log.
	if !key.DeletedAt.IsZero() {
		return nil, apiError("PC.0302", "api.ak_unknown", "Incorrect IAM authentication information: ak %s not exist", a.Access)
	}
	switch key.Status {
	case auth.KeyActive:
	case auth.KeyRevoked:
		return nil, apiError("PC.0304", "api.ak_revoked", "Incorrect IAM authentication information: ak %s was revoked by the provider: %s", key.ID, key.RevokeReason)
	default:
		return nil, apiError("PC.0304", "api.ak_disabled", "Incorrect IAM authentication information: ak %s is disabled", key.ID)
	}
	if key.Expired(now) {
		return nil, apiError("PC.0306", "api.ak_rotated_out", "Incorrect IAM authentication information: ak %s was rotated out; its overlap window ended at %s, use its successor",
			key.ID, key.ExpiresAt.UTC().Format(signing.DateFormat))
	}
	ip := s.clientAddr(r)
	if !key.Allows(ip) {
		return nil, apiError("PC.0307", "api.ip_not_allowed", "Access denied: address %s is not in the allow-list of access key %s", ip, key.ID)
	}
	switch domain := r.Header.Get(headerDomainID); {
	case domain == "":
		return nil, apiError("CBC.0150", "api.domain_missing", "Access denied: the X-Domain-Id header is required")
	case domain != p.DomainID:
		return nil, apiError("CBC.0150", "api.domain_mismatch", "Access denied: X-Domain-Id %s is not the account of access key %s", domain, key.ID)
	}
	principal := &auth.Principal{Kind: auth.KindAccessKey, PartnerID: p.ID, AccessKeyID: key.ID}
	s.touch(ctx, key, ip)
	return &Call{s: s, Request: r.WithContext(auth.WithPrincipal(ctx, principal)), Body: body,
		Principal: principal, Partner: p, bodySigned: signed, key: key, signature: a.Signature, signedAt: signedAt}, nil
}

// touch records a key's last use at most once per TouchEvery, judged by what
// the database says (so a cluster writes it about once per interval) and by
// what this node last wrote (so concurrent requests do not all write).
func (s *service) touch(ctx context.Context, key *auth.AccessKey, ip netip.Addr) {
	now := s.app.DB.Now()
	s.touchMu.Lock()
	last := s.touched[key.ID]
	if key.LastUsedAt.After(last) {
		last = key.LastUsedAt
	}
	due := now.Sub(last) >= s.cfg.TouchEvery
	if due {
		s.touched[key.ID] = now
	}
	s.touchMu.Unlock()
	if !due {
		return
	}
	ctx = context.WithoutCancel(ctx)
	err := s.app.DB.InTx(ctx, func(tx *store.Tx) error { return auth.TouchAccessKey(ctx, tx, key.ID, ip.String()) })
	if err != nil {
		s.app.Log.Warn("api: recording access key use", "ak", key.ID, "err", err)
	}
}

// clientAddr is the address the request came from: the connection's peer,
// or, when the peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one (entries further left are the client's
// own claims and could be forged).
func (s *service) clientAddr(r *http.Request) netip.Addr {
	addr := peerAddr(r.RemoteAddr)
	if len(s.cfg.TrustedProxies) == 0 || !s.trusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = hop.Unmap()
		if !s.trusted(addr) {
			break
		}
	}
	return addr
}

func (s *service) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr parses a connection's remote address; one that does not parse
// (a test's fake) is the unspecified address, which no allow-list holds.
func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return a.Unmap()
}
