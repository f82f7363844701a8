// Package sso owns SAML 2.0 single sign-on to the console through a
// partner's own identity provider, with the partner center as the service
// provider: the SP's metadata, the AuthnRequests it sends (HTTP-Redirect
// binding) and remembers, the verification of the responses it receives
// (HTTP-POST binding) and the choice of the partner's console user they
// sign in. The IdP is the one whose metadata the partner uploaded on 接入配置
// (package access); the session itself is auth's.
package sso

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"net/url"
	"strings"
	"time"

	"partnercenter/internal/access"
	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// RequestLifetime is how long a sign-in may take at the IdP.
const RequestLifetime = 10 * time.Minute

// ErrNoSSO answers a platform identifier that names no partner with single
// sign-on set up, exactly as an unknown one.
var ErrNoSSO = apperr.NotFoundf("sso.not_configured", "no single sign-on is set up for that platform identifier")

// Provider is a partner whose registration has IdP metadata.
type Provider struct {
	PartnerID    string
	Platform     string // the partner's platform identifier (xaccountType)
	PlatformName string
	IdP          *access.IdPMetadata
}

// FindProvider returns the partner with platform identifier platform, when
// its 接入配置 includes IdP metadata.
func FindProvider(ctx context.Context, q store.Queryer, platform string) (*Provider, error) {
	platform = strings.TrimSpace(platform)
	if platform == "" || len(platform) > 100 {
		return nil, ErrNoSSO
	}
	var partnerID string
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT id FROM partners WHERE xaccount_type = ?`, platform).Scan(&partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSSO
	}
	if err != nil {
		return nil, err
	}
	reg, err := access.GetRegistration(ctx, q, partnerID)
	if errors.Is(err, access.ErrNotConfigured) {
		return nil, ErrNoSSO
	}
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(reg.IdPMetadata) == "" {
		return nil, ErrNoSSO
	}
	md, err := access.ParseIdPMetadata([]byte(reg.IdPMetadata))
	if err != nil {
		// Metadata is validated when uploaded; a document that no longer
		// parses (a stricter parser) means no single sign-on, not a crash.
		return nil, ErrNoSSO
	}
	return &Provider{PartnerID: partnerID, Platform: platform, PlatformName: reg.PlatformName, IdP: md}, nil
}

// SP is this service provider's addresses for one partner's platform.
type SP struct {
	EntityID    string
	MetadataURL string
	ACSURL      string
	LoginURL    string
}

// SPFor returns the SP's addresses under base (scheme and host of the
// console, no trailing slash). Each partner has its own entity ID, so that
// an assertion one partner's IdP issued names its audience.
func SPFor(base, platform string) SP {
	prefix := strings.TrimSuffix(base, "/") + "/console/sso/" + url.PathEscape(platform)
	return SP{EntityID: prefix + "/metadata", MetadataURL: prefix + "/metadata", ACSURL: prefix + "/acs", LoginURL: prefix + "/login"}
}

// Metadata is the SP's SAML metadata: who it is, that it wants assertions
// signed, the name formats it reads and its assertion consumer service.
func (sp SP) Metadata() []byte {
	type acs struct {
		Binding  string `xml:"Binding,attr"`
		Location string `xml:"Location,attr"`
		Index    int    `xml:"index,attr"`
		Default  bool   `xml:"isDefault,attr"`
	}
	type spDescriptor struct {
		AuthnRequestsSigned  bool     `xml:"AuthnRequestsSigned,attr"`
		WantAssertionsSigned bool     `xml:"WantAssertionsSigned,attr"`
		Protocols            string   `xml:"protocolSupportEnumeration,attr"`
		NameIDFormats        []string `xml:"md:NameIDFormat"`
		ACS                  acs      `xml:"md:AssertionConsumerService"`
	}
	type entity struct {
		XMLName  xml.Name     `xml:"md:EntityDescriptor"`
		NS       string       `xml:"xmlns:md,attr"`
		EntityID string       `xml:"entityID,attr"`
		SP       spDescriptor `xml:"md:SPSSODescriptor"`
	}
	out, _ := xml.MarshalIndent(entity{NS: "urn:oasis:names:tc:SAML:2.0:metadata", EntityID: sp.EntityID,
		SP: spDescriptor{WantAssertionsSigned: true, Protocols: nsProtocol,
			NameIDFormats: []string{nameIDEmail, nameIDUnspecified},
			ACS:           acs{Binding: bindingPOST, Location: sp.ACSURL, Index: 0, Default: true}}}, "", "  ")
	return append([]byte(xml.Header), out...)
}

const (
	nameIDEmail       = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	nameIDUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	bindingPOST       = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
)

// BrowserHash is how a request row names the browser that started it: the
// hash of a random value kept in that browser's cookie.
func BrowserHash(nonce string) string {
	sum := sha256.Sum256([]byte("sso-browser\x00" + nonce))
	return hex.EncodeToString(sum[:])
}

// StartLogin records an AuthnRequest for the browser holding nonce and
// returns the IdP address to send the browser to (HTTP-Redirect binding:
// the request deflated and base64-encoded, RelayState the local page to
// return to).
func StartLogin(ctx context.Context, tx *store.Tx, p *Provider, sp SP, nonce, next string) (string, error) {
	if nonce == "" {
		return "", errors.New("sso: no browser nonce")
	}
	id := "_" + ids.Compact() + ids.Compact()[:8]
	type nameIDPolicy struct {
		Format      string `xml:"Format,attr"`
		AllowCreate bool   `xml:"AllowCreate,attr"`
	}
	type issuer struct {
		XMLName xml.Name `xml:"saml:Issuer"`
		Value   string   `xml:",chardata"`
	}
	type authnRequest struct {
		XMLName      xml.Name     `xml:"samlp:AuthnRequest"`
		NSP          string       `xml:"xmlns:samlp,attr"`
		NSA          string       `xml:"xmlns:saml,attr"`
		ID           string       `xml:"ID,attr"`
		Version      string       `xml:"Version,attr"`
		IssueInstant string       `xml:"IssueInstant,attr"`
		Destination  string       `xml:"Destination,attr"`
		ACS          string       `xml:"AssertionConsumerServiceURL,attr"`
		Binding      string       `xml:"ProtocolBinding,attr"`
		Issuer       issuer       `xml:"saml:Issuer"`
		Policy       nameIDPolicy `xml:"samlp:NameIDPolicy"`
	}
	doc, err := xml.Marshal(authnRequest{NSP: nsProtocol, NSA: nsAssertion, ID: id, Version: "2.0",
		IssueInstant: tx.Now.UTC().Format("2006-01-02T15:04:05Z"), Destination: p.IdP.SSOURL, ACS: sp.ACSURL,
		Binding: bindingPOST, Issuer: issuer{Value: sp.EntityID}, Policy: nameIDPolicy{Format: nameIDUnspecified, AllowCreate: false}})
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = fw.Write(doc)
	_ = fw.Close()
	if err := sweep(ctx, tx); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sso_requests (id, partner_id, browser_hash, next_path, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id, p.PartnerID, BrowserHash(nonce), next, store.Micros(tx.Now),
		store.Micros(tx.Now.Add(RequestLifetime))); err != nil {
		return "", err
	}
	u, err := url.Parse(p.IdP.SSOURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("SAMLRequest", base64.StdEncoding.EncodeToString(buf.Bytes()))
	if next != "" {
		q.Set("RelayState", next)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Errors of the sign-in after a response verified.
var (
	ErrNoUser       = refuse("sso.user_unknown", "no console user of this partner matches the identity the identity provider sent")
	ErrUserDisabled = refuse("sso.user_disabled", "the console user is disabled")
	ErrAmbiguous    = refuse("sso.user_ambiguous", "more than one console user of this partner has that email; ask the administrator to make it unique")
)

// SignIn is the result of a completed single sign-on.
type SignIn struct {
	User  *auth.User
	Token string // the new session's token
	Next  string // the local page the request asked to return to
}

// Complete finishes a sign-in in tx: the assertion must answer a request
// this browser started for this partner (the request is used up), must not
// have been used before (it is remembered until it expires), and must name
// an enabled console user of this partner. It opens a new session and
// audits the sign-in. On any error the caller rolls tx back, so a refused
// response changes nothing.
func Complete(ctx context.Context, tx *store.Tx, p *Provider, a *Assertion, nonce, ip, userAgent string) (*SignIn, error) {
	if nonce == "" {
		return nil, ErrNoRequest
	}
	var next string
	var expires int64
	err := store.ScanErr(tx.QueryRowContext(ctx, `SELECT next_path, expires_at FROM sso_requests
		WHERE id = ? AND partner_id = ? AND browser_hash = ?`, a.InResponseTo, p.PartnerID, BrowserHash(nonce)).Scan(&next, &expires))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoRequest
	}
	if err != nil {
		return nil, err
	}
	if !tx.Now.Before(store.Time(expires)) {
		return nil, ErrNoRequest
	}
	// Used up here; of two copies posted at once, only the one that deletes
	// the row goes on.
	res, err := tx.ExecContext(ctx, `DELETE FROM sso_requests WHERE id = ?`, a.InResponseTo)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, ErrNoRequest
	}
	fresh, err := recordAssertion(ctx, tx, p, a)
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, ErrReplayed
	}
	u, err := auth.FindPartnerUser(ctx, tx, p.PartnerID, a.Identifiers())
	switch {
	case errors.Is(err, auth.ErrAmbiguousUser):
		return nil, ErrAmbiguous
	case apperr.CodeOf(err) == apperr.NotFound:
		return nil, ErrNoUser
	case err != nil:
		return nil, err
	}
	if u.Disabled {
		return nil, ErrUserDisabled
	}
	token, err := auth.OpenSession(ctx, tx, u.ID, ip, userAgent)
	if err != nil {
		return nil, err
	}
	actx := auth.WithPrincipal(ctx, u.Principal())
	if err := audit.Record(actx, tx, audit.Change{PartnerID: p.PartnerID, Action: "user.sso_signin", ObjectType: "user", ObjectID: u.ID,
		After: map[string]any{"platform": p.Platform, "idp_entity_id": a.Issuer, "name_id": a.NameID, "assertion_id": a.ID}}); err != nil {
		return nil, err
	}
	return &SignIn{User: u, Token: token, Next: next}, nil
}

// recordAssertion remembers an assertion until it expires and reports
// whether it is new. An expired row not yet swept is taken over.
func recordAssertion(ctx context.Context, tx *store.Tx, p *Provider, a *Assertion) (bool, error) {
	sum := sha256.Sum256([]byte(p.PartnerID + "\x00" + a.Issuer + "\x00" + a.ID))
	res, err := tx.ExecContext(ctx, `INSERT INTO sso_assertions (assertion_hash, expires_at) VALUES (?, ?)
		ON CONFLICT (assertion_hash) DO UPDATE SET expires_at = excluded.expires_at WHERE sso_assertions.expires_at <= ?`,
		hex.EncodeToString(sum[:]), store.Micros(a.Expires), store.Micros(tx.Now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// sweep removes expired requests and assertions, a bounded number, when a
// sign-in starts: rows past their time are already ignored (a request) or
// taken over (an assertion), so this only keeps the tables small.
func sweep(ctx context.Context, tx *store.Tx) error {
	now := store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `DELETE FROM sso_requests WHERE id IN
		(SELECT id FROM sso_requests WHERE expires_at <= ? LIMIT 100)`, now); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM sso_assertions WHERE assertion_hash IN
		(SELECT assertion_hash FROM sso_assertions WHERE expires_at <= ? LIMIT 100)`, now)
	return err
}
