// Package ssotest is a SAML identity provider for tests: a key and a
// self-signed certificate made at test time, its metadata, the decoding of
// the AuthnRequests the console sends, and signed responses built to order
// (including the wrong ones the console must refuse). Only tests import it.
package ssotest

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// IdP is a test identity provider.
type IdP struct {
	EntityID string
	SSOURL   string
	Key      *rsa.PrivateKey
	Cert     *x509.Certificate
	CertDER  []byte
}

// New makes an IdP with a fresh 2048-bit RSA key and a certificate valid
// from an hour ago for a year.
func New(t testing.TB, entityID, ssoURL string) *IdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: entityID},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &IdP{EntityID: entityID, SSOURL: ssoURL, Key: key, Cert: cert, CertDER: der}
}

// Metadata is the IdP's SAML metadata, as a partner would upload it.
func (i *IdP) Metadata() string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + esc(i.EntityID) + `">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>` + base64.StdEncoding.EncodeToString(i.CertDER) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="` + esc(i.SSOURL) + `"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// AuthnRequest is what the IdP reads of a request sent by redirect.
type AuthnRequest struct {
	ID          string `xml:"ID,attr"`
	Version     string `xml:"Version,attr"`
	Destination string `xml:"Destination,attr"`
	ACSURL      string `xml:"AssertionConsumerServiceURL,attr"`
	Binding     string `xml:"ProtocolBinding,attr"`
	Issuer      string `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
	RelayState  string `xml:"-"`
}

// DecodeRequest reads the AuthnRequest of an HTTP-Redirect binding URL:
// base64 of the deflated XML in SAMLRequest, and RelayState.
func DecodeRequest(location string) (*AuthnRequest, error) {
	u, err := url.Parse(location)
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
	if err != nil {
		return nil, fmt.Errorf("SAMLRequest: %w", err)
	}
	doc, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, fmt.Errorf("inflate: %w", err)
	}
	var r AuthnRequest
	if err := xml.Unmarshal(doc, &r); err != nil {
		return nil, fmt.Errorf("AuthnRequest: %w", err)
	}
	r.RelayState = u.Query().Get("RelayState")
	return &r, nil
}

// Response describes a response to build. Zero times are filled from Now.
type Response struct {
	Now          time.Time
	ID           string
	AssertionID  string
	InResponseTo string
	Destination  string // the Response's Destination attribute; "-" leaves it out
	Recipient    string // SubjectConfirmationData's Recipient
	Audience     string
	Issuer       string // empty: the IdP's entity ID
	NameID       string
	Email        string // an "email" attribute when not empty
	NotBefore    time.Time
	NotOnOrAfter time.Time
	Status       string // empty: Success

	SignResponse  bool
	SignAssertion bool
	SHA1          bool // sign with RSA-SHA1 and SHA-1 digests
	// Tamper changes the document after it was signed.
	Tamper func(doc *etree.Document)
	// Key signs instead of the IdP's key (with its own certificate in
	// KeyInfo when Cert is set).
	Key  *rsa.PrivateKey
	Cert []byte
}

const (
	nsP = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsA = "urn:oasis:names:tc:SAML:2.0:assertion"
)

// Build returns the response's XML, signed as asked.
func (i *IdP) Build(t testing.TB, r Response) []byte {
	t.Helper()
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	if r.NotBefore.IsZero() {
		r.NotBefore = r.Now.Add(-30 * time.Second)
	}
	if r.NotOnOrAfter.IsZero() {
		r.NotOnOrAfter = r.Now.Add(5 * time.Minute)
	}
	if r.ID == "" {
		r.ID = "_r" + randomHex()
	}
	if r.AssertionID == "" {
		r.AssertionID = "_a" + randomHex()
	}
	if r.Issuer == "" {
		r.Issuer = i.EntityID
	}
	if r.Status == "" {
		r.Status = "urn:oasis:names:tc:SAML:2.0:status:Success"
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

	resp := etree.NewElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", nsP)
	resp.CreateAttr("xmlns:saml", nsA)
	resp.CreateAttr("ID", r.ID)
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", ts(r.Now))
	if r.Destination != "-" {
		resp.CreateAttr("Destination", r.Destination)
	}
	if r.InResponseTo != "" {
		resp.CreateAttr("InResponseTo", r.InResponseTo)
	}
	resp.CreateElement("saml:Issuer").SetText(r.Issuer)
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", r.Status)

	as := etree.NewElement("saml:Assertion")
	as.CreateAttr("xmlns:saml", nsA)
	as.CreateAttr("ID", r.AssertionID)
	as.CreateAttr("Version", "2.0")
	as.CreateAttr("IssueInstant", ts(r.Now))
	as.CreateElement("saml:Issuer").SetText(r.Issuer)
	subj := as.CreateElement("saml:Subject")
	nid := subj.CreateElement("saml:NameID")
	nid.CreateAttr("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
	nid.SetText(r.NameID)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	if r.InResponseTo != "" {
		scd.CreateAttr("InResponseTo", r.InResponseTo)
	}
	scd.CreateAttr("NotOnOrAfter", ts(r.NotOnOrAfter))
	scd.CreateAttr("Recipient", r.Recipient)
	cond := as.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", ts(r.NotBefore))
	cond.CreateAttr("NotOnOrAfter", ts(r.NotOnOrAfter))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(r.Audience)
	st := as.CreateElement("saml:AuthnStatement")
	st.CreateAttr("AuthnInstant", ts(r.Now))
	st.CreateAttr("SessionIndex", "_s"+randomHex())
	st.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	if r.Email != "" {
		attr := as.CreateElement("saml:AttributeStatement").CreateElement("saml:Attribute")
		attr.CreateAttr("Name", "email")
		attr.CreateElement("saml:AttributeValue").SetText(r.Email)
	}

	if r.SignAssertion {
		as = i.sign(t, r, as)
	}
	resp.AddChild(as)
	if r.SignResponse {
		resp = i.sign(t, r, resp)
	}
	doc := etree.NewDocument()
	doc.SetRoot(resp)
	if r.Tamper != nil {
		r.Tamper(doc)
	}
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Encode is the SAMLResponse form value of a document.
func Encode(doc []byte) string { return base64.StdEncoding.EncodeToString(doc) }

// sign signs el enveloped and moves the signature after its Issuer, where
// the SAML schema has it.
func (i *IdP) sign(t testing.TB, r Response, el *etree.Element) *etree.Element {
	t.Helper()
	key, cert := i.Key, i.CertDER
	if r.Key != nil {
		key = r.Key
		if r.Cert != nil {
			cert = r.Cert
		}
	}
	ctx, err := dsig.NewSigningContext(key, [][]byte{cert})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if r.SHA1 {
		ctx.Hash = crypto.SHA1
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		t.Fatal(err)
	}
	// SignEnveloped appends the signature without indexing it as a child;
	// take it off the end and insert it properly.
	sig := signed.Child[len(signed.Child)-1]
	signed.Child = signed.Child[:len(signed.Child)-1]
	signed.InsertChildAt(1, sig) // after the Issuer, the first child
	return signed.Copy()
}

func randomHex() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}
