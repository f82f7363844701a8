package sso

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"partnercenter/internal/platform/apperr"
)

// Limits on what the assertion consumer service reads.
const (
	// MaxResponseBytes caps the decoded SAMLResponse document. IdPs send a
	// few KiB; a certificate chain and many attributes stay well under this.
	MaxResponseBytes = 128 << 10
	// MaxFormBytes caps the whole POST body of the assertion consumer
	// service: the base64 of MaxResponseBytes and the RelayState.
	MaxFormBytes = MaxResponseBytes*4/3 + 8<<10
	// ClockSkew is how far the IdP's clock may be from ours.
	ClockSkew = 3 * time.Minute
)

// SAML namespaces and values read here.
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	statusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
	bearer        = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// emailAttributes are the attribute names IdPs commonly give a user's email.
var emailAttributes = []string{"email", "mail", "emailaddress", "urn:oid:0.9.2342.19200300.100.1.3",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"}

// Algorithms refused wherever they appear: SHA-1 signatures and digests
// (collisions are practical) and canonicalisations that keep comments (a
// comment inside a NameID is how the text one library reads differs from the
// text another one signed).
var refusedAlgorithms = map[string]bool{
	"http://www.w3.org/2000/09/xmldsig#rsa-sha1":                   true,
	"http://www.w3.org/2000/09/xmldsig#dsa-sha1":                   true,
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1":            true,
	"http://www.w3.org/2000/09/xmldsig#sha1":                       true,
	"http://www.w3.org/2001/10/xml-exc-c14n#WithComments":          true,
	"http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": true,
	"http://www.w3.org/2006/12/xml-c14n11#WithComments":            true,
	"http://www.w3.org/2001/04/xmldsig-more#rsa-md5":               true,
	"http://www.w3.org/2001/04/xmldsig-more#md5":                   true,
	"http://www.w3.org/2001/04/xmldsig-more#hmac-sha1":             true,
	"http://www.w3.org/2000/09/xmldsig#hmac-sha1":                  true,
}

// Verifier checks a SAML response against one partner's IdP and this SP.
type Verifier struct {
	IdPEntityID string
	Certs       []*x509.Certificate // the IdP's signing certificates from its metadata
	SPEntityID  string
	ACSURL      string
	Now         time.Time
}

// Assertion is what a verified response says about the user. Every field
// comes from an element a valid signature covers.
type Assertion struct {
	ID           string
	Issuer       string
	NameID       string
	NameIDFormat string
	Emails       []string
	InResponseTo string
	SessionIndex string
	// Expires is when the assertion stops being acceptable anywhere (its
	// latest NotOnOrAfter plus the clock skew); a used one is remembered
	// until then.
	Expires time.Time
}

// Identifiers are the values the user may be known by here, NameID first.
func (a *Assertion) Identifiers() []string {
	var out []string
	for _, s := range append([]string{a.NameID}, a.Emails...) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func refuse(key, msg string, args ...any) *apperr.Error {
	return apperr.New(apperr.Unauthorized, key, msg, args...)
}

// Errors of the response; the console shows their message keys.
var (
	ErrMalformed   = refuse("sso.response_malformed", "the SAML response is not a well-formed SAML 2.0 Response")
	ErrDTD         = refuse("sso.response_dtd", "the SAML response contains a DTD")
	ErrTooLarge    = refuse("sso.response_too_large", "the SAML response is too large")
	ErrUnsigned    = refuse("sso.response_unsigned", "neither the SAML response nor its assertion is signed")
	ErrSignature   = refuse("sso.signature_invalid", "the signature of the SAML response does not verify against the identity provider's certificate")
	ErrAlgorithm   = refuse("sso.algorithm_refused", "the SAML response uses an algorithm that is not accepted (SHA-1, MD5 or a canonicalisation with comments)")
	ErrEncrypted   = refuse("sso.assertion_encrypted", "encrypted assertions are not supported; configure the identity provider to sign the assertion without encrypting it")
	ErrStatus      = refuse("sso.status_failed", "the identity provider did not sign the user in")
	ErrIssuer      = refuse("sso.issuer_mismatch", "the assertion was not issued by the registered identity provider")
	ErrAudience    = refuse("sso.audience_mismatch", "the assertion is not meant for this service provider")
	ErrRecipient   = refuse("sso.recipient_mismatch", "the SAML response is addressed to another endpoint")
	ErrExpired     = refuse("sso.assertion_expired", "the assertion has expired or is not yet valid")
	ErrNoRequest   = refuse("sso.request_unknown", "the SAML response does not answer a sign-in started in this browser")
	ErrReplayed    = refuse("sso.assertion_replayed", "the assertion has already been used")
	ErrNoSubject   = refuse("sso.subject_missing", "the assertion names no user")
	ErrBadEncoding = refuse("sso.response_encoding", "the SAMLResponse field is not valid base64")
)

// DecodeResponse decodes the SAMLResponse form field of the HTTP-POST
// binding.
func DecodeResponse(field string) ([]byte, error) {
	field = strings.Join(strings.Fields(field), "")
	if field == "" {
		return nil, ErrMalformed
	}
	if base64.StdEncoding.DecodedLen(len(field)) > MaxResponseBytes+3 {
		return nil, ErrTooLarge
	}
	doc, err := base64.StdEncoding.DecodeString(field)
	if err != nil {
		return nil, ErrBadEncoding
	}
	if len(doc) > MaxResponseBytes {
		return nil, ErrTooLarge
	}
	return doc, nil
}

// Verify checks a decoded SAML response: its XML (no DTD), its signature
// (the Response or the Assertion, by a certificate of the IdP's metadata,
// no SHA-1), and then only the elements that signature covers: issuer,
// audience, recipient, validity window and subject. InResponseTo is
// returned for the caller to match against its outstanding requests.
func (v *Verifier) Verify(doc []byte) (*Assertion, error) {
	if len(doc) > MaxResponseBytes {
		return nil, ErrTooLarge
	}
	if err := checkTokens(doc); err != nil {
		return nil, err
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil {
		return nil, ErrMalformed
	}
	root := d.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return nil, ErrMalformed
	}
	for _, el := range root.FindElements("//*") {
		if refusedAlgorithms[strings.TrimSpace(el.SelectAttrValue("Algorithm", ""))] {
			return nil, ErrAlgorithm
		}
		if el.Tag == "EncryptedAssertion" {
			return nil, ErrEncrypted
		}
	}
	if len(v.Certs) == 0 {
		return nil, ErrSignature
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: v.Certs})
	vc.IdAttribute = "ID"
	vc.Clock = dsig.NewFakeClockAt(v.Now)

	// The response, and the assertion in it, as the signatures cover them:
	// each verified element is re-read from the canonical bytes its digest
	// was computed over, so nothing outside a signature is ever read (no
	// signature wrapping).
	resp, responseSigned := root, false
	if hasSignature(root) {
		verified, err := validate(vc, root)
		if err != nil {
			return nil, err
		}
		resp, responseSigned = verified, true
	}
	assertions := children(resp, nsAssertion, "Assertion")
	if len(assertions) != 1 {
		return nil, ErrMalformed
	}
	assertion := assertions[0]
	if hasSignature(assertion) {
		verified, err := validate(vc, assertion)
		if err != nil {
			return nil, err
		}
		assertion = verified
	} else if !responseSigned {
		return nil, ErrUnsigned
	}

	// The response's own fields. Unsigned ones can only lead to a refusal.
	if resp.SelectAttrValue("Version", "") != "2.0" {
		return nil, ErrMalformed
	}
	if dest := resp.SelectAttr("Destination"); dest != nil && dest.Value != v.ACSURL {
		return nil, ErrRecipient
	}
	if responseSigned && resp.SelectAttr("Destination") == nil {
		return nil, ErrRecipient
	}
	if iss := children(resp, nsAssertion, "Issuer"); len(iss) > 0 {
		if t, ok := text(iss[0]); !ok || t != v.IdPEntityID {
			return nil, ErrIssuer
		}
	}
	status := children(resp, nsProtocol, "Status")
	if len(status) != 1 {
		return nil, ErrMalformed
	}
	code := children(status[0], nsProtocol, "StatusCode")
	if len(code) != 1 || code[0].SelectAttrValue("Value", "") != statusSuccess {
		return nil, ErrStatus
	}

	a, err := v.readAssertion(assertion)
	if err != nil {
		return nil, err
	}
	if irt := resp.SelectAttr("InResponseTo"); irt != nil && irt.Value != a.InResponseTo {
		return nil, ErrNoRequest
	}
	return a, nil
}

// readAssertion checks a verified assertion's issuer, conditions and
// subject, and reads the user's identifiers.
func (v *Verifier) readAssertion(as *etree.Element) (*Assertion, error) {
	a := &Assertion{ID: as.SelectAttrValue("ID", "")}
	if as.SelectAttrValue("Version", "") != "2.0" || a.ID == "" {
		return nil, ErrMalformed
	}
	iss := children(as, nsAssertion, "Issuer")
	if len(iss) != 1 {
		return nil, ErrIssuer
	}
	if t, ok := text(iss[0]); !ok || t != v.IdPEntityID {
		return nil, ErrIssuer
	}
	a.Issuer = v.IdPEntityID
	earliest, latest := v.Now.Add(-ClockSkew), v.Now.Add(ClockSkew)

	// Conditions: the validity window and the audience.
	conds := children(as, nsAssertion, "Conditions")
	if len(conds) != 1 {
		return nil, ErrAudience
	}
	var expires time.Time
	if nb, ok, err := timeAttr(conds[0], "NotBefore"); err != nil {
		return nil, err
	} else if ok && nb.After(latest) {
		return nil, ErrExpired
	}
	if na, ok, err := timeAttr(conds[0], "NotOnOrAfter"); err != nil {
		return nil, err
	} else if ok {
		if !na.After(earliest) {
			return nil, ErrExpired
		}
		expires = na
	}
	restrictions := children(conds[0], nsAssertion, "AudienceRestriction")
	if len(restrictions) == 0 {
		return nil, ErrAudience
	}
	// Each restriction must admit us (SAML core 2.5.1.4: the conditions
	// hold only when every one of them does).
	for _, r := range restrictions {
		found := false
		for _, aud := range children(r, nsAssertion, "Audience") {
			if t, ok := text(aud); ok && t == v.SPEntityID {
				found = true
			}
		}
		if !found {
			return nil, ErrAudience
		}
	}

	// Subject: the NameID and a bearer confirmation addressed to our ACS,
	// still valid, answering a request.
	subj := children(as, nsAssertion, "Subject")
	if len(subj) != 1 {
		return nil, ErrNoSubject
	}
	if ids := children(subj[0], nsAssertion, "NameID"); len(ids) == 1 {
		t, ok := text(ids[0])
		if !ok {
			return nil, ErrNoSubject
		}
		a.NameID, a.NameIDFormat = strings.TrimSpace(t), ids[0].SelectAttrValue("Format", "")
	} else if len(ids) > 1 {
		return nil, ErrNoSubject
	}
	var confErr error = ErrRecipient
	confirmed := false
	for _, sc := range children(subj[0], nsAssertion, "SubjectConfirmation") {
		if sc.SelectAttrValue("Method", "") != bearer {
			continue
		}
		scd := children(sc, nsAssertion, "SubjectConfirmationData")
		if len(scd) != 1 {
			continue
		}
		d := scd[0]
		if d.SelectAttrValue("Recipient", "") != v.ACSURL {
			confErr = ErrRecipient
			continue
		}
		na, ok, err := timeAttr(d, "NotOnOrAfter")
		if err != nil {
			return nil, err
		}
		if !ok || !na.After(earliest) {
			confErr = ErrExpired
			continue
		}
		if nb, ok, err := timeAttr(d, "NotBefore"); err != nil {
			return nil, err
		} else if ok && nb.After(latest) {
			confErr = ErrExpired
			continue
		}
		irt := d.SelectAttrValue("InResponseTo", "")
		if irt == "" {
			confErr = ErrNoRequest
			continue
		}
		a.InResponseTo, confirmed = irt, true
		if na.After(expires) {
			expires = na
		}
		break
	}
	if !confirmed {
		return nil, confErr
	}
	a.Expires = expires.Add(ClockSkew)

	for _, st := range children(as, nsAssertion, "AuthnStatement") {
		a.SessionIndex = st.SelectAttrValue("SessionIndex", "")
	}
	for _, st := range children(as, nsAssertion, "AttributeStatement") {
		for _, attr := range children(st, nsAssertion, "Attribute") {
			if !slices.Contains(emailAttributes, strings.ToLower(attr.SelectAttrValue("Name", ""))) {
				continue
			}
			for _, val := range children(attr, nsAssertion, "AttributeValue") {
				if t, ok := text(val); ok && strings.TrimSpace(t) != "" {
					a.Emails = append(a.Emails, strings.TrimSpace(t))
				}
			}
		}
	}
	if a.NameID == "" && len(a.Emails) == 0 {
		return nil, ErrNoSubject
	}
	return a, nil
}

// validate verifies the enveloped signature of el, which must reference el
// by its ID, and returns el as the signature covers it.
func validate(vc *dsig.ValidationContext, el *etree.Element) (*etree.Element, error) {
	id := el.SelectAttrValue("ID", "")
	if id == "" {
		return nil, ErrSignature
	}
	sigs := children(el, nsDSig, "Signature")
	if len(sigs) != 1 {
		return nil, ErrSignature
	}
	var refs []*etree.Element
	for _, si := range children(sigs[0], nsDSig, "SignedInfo") {
		refs = append(refs, children(si, nsDSig, "Reference")...)
	}
	if len(refs) != 1 || refs[0].SelectAttrValue("URI", "") != "#"+id {
		return nil, ErrSignature
	}
	verified, err := vc.Validate(el)
	if err != nil || verified == nil || verified.Tag != el.Tag || verified.NamespaceURI() != el.NamespaceURI() ||
		verified.SelectAttrValue("ID", "") != id {
		return nil, ErrSignature
	}
	return verified, nil
}

func hasSignature(el *etree.Element) bool { return len(children(el, nsDSig, "Signature")) > 0 }

// children are el's child elements of one name in one namespace.
func children(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

// text is an element's character data when that is all it holds: an element
// with a comment or a child element inside is refused rather than read in
// part.
func text(el *etree.Element) (string, bool) {
	var b strings.Builder
	for _, t := range el.Child {
		cd, ok := t.(*etree.CharData)
		if !ok {
			return "", false
		}
		b.WriteString(cd.Data)
	}
	return strings.TrimSpace(b.String()), true
}

// timeAttr reads an xs:dateTime attribute; ok is false when it is absent.
func timeAttr(el *etree.Element, name string) (time.Time, bool, error) {
	attr := el.SelectAttr(name)
	if attr == nil {
		return time.Time{}, false, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(attr.Value))
	if err != nil {
		return time.Time{}, false, ErrMalformed
	}
	return t, true, nil
}

// checkTokens reads the document once with the standard decoder: it must be
// well-formed XML with no DTD (so no entities to expand) and no processing
// instructions but the XML declaration.
func checkTokens(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	dec.Entity = nil
	elements := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ErrMalformed
		}
		switch t := tok.(type) {
		case xml.Directive:
			return ErrDTD
		case xml.ProcInst:
			if t.Target != "xml" {
				return ErrMalformed
			}
		case xml.StartElement:
			if elements++; elements > 10000 {
				return ErrTooLarge
			}
		}
	}
	if elements == 0 {
		return ErrMalformed
	}
	return nil
}
