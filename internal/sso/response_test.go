package sso_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"partnercenter/internal/sso"
	"partnercenter/internal/sso/ssotest"
)

const (
	spEntity = "https://pc.example/console/sso/pc_acme/metadata"
	acsURL   = "https://pc.example/console/sso/pc_acme/acs"
)

var testIdP *ssotest.IdP

func idp(t testing.TB) *ssotest.IdP {
	if testIdP == nil {
		testIdP = ssotest.New(t, "https://idp.acme.example/saml", "https://idp.acme.example/saml/sso")
	}
	return testIdP
}

func verifier(t testing.TB, now time.Time) *sso.Verifier {
	return &sso.Verifier{IdPEntityID: idp(t).EntityID, Certs: []*x509.Certificate{idp(t).Cert}, SPEntityID: spEntity, ACSURL: acsURL, Now: now}
}

// good is a response the verifier accepts: both signed, addressed to us.
func good(now time.Time) ssotest.Response {
	return ssotest.Response{Now: now, InResponseTo: "_req1", Destination: acsURL, Recipient: acsURL, Audience: spEntity,
		NameID: "ops@acme.example", Email: "ops@acme.example", SignResponse: true, SignAssertion: true}
}

func TestVerifyAcceptsSignedResponses(t *testing.T) {
	now := time.Now()
	for name, change := range map[string]func(*ssotest.Response){
		"both signed":          func(*ssotest.Response) {},
		"only the response":    func(r *ssotest.Response) { r.SignAssertion = false },
		"only the assertion":   func(r *ssotest.Response) { r.SignResponse = false },
		"no Destination":       func(r *ssotest.Response) { r.SignResponse, r.Destination = false, "-" },
		"issued 2 minutes ago": func(r *ssotest.Response) { r.Now = now.Add(-2 * time.Minute) },
	} {
		t.Run(name, func(t *testing.T) {
			r := good(now)
			change(&r)
			a, err := verifier(t, now).Verify(idp(t).Build(t, r))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if a.NameID != "ops@acme.example" || a.InResponseTo != "_req1" || a.Issuer != idp(t).EntityID || a.ID == "" {
				t.Fatalf("assertion %+v", a)
			}
			if got := a.Identifiers(); len(got) != 1 || got[0] != "ops@acme.example" {
				t.Fatalf("identifiers %q", got)
			}
			if !a.Expires.After(now) {
				t.Fatalf("expires %v", a.Expires)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	now := time.Now()
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherIdP := ssotest.New(t, "https://idp.acme.example/saml", "https://idp.acme.example/saml/sso")
	for name, tc := range map[string]struct {
		change func(*ssotest.Response)
		want   error
	}{
		"unsigned": {func(r *ssotest.Response) { r.SignResponse, r.SignAssertion = false, false }, sso.ErrUnsigned},
		"signed by another key with our certificate": {func(r *ssotest.Response) { r.Key = other }, sso.ErrSignature},
		"signed by another key and its own certificate": {func(r *ssotest.Response) { r.Key, r.Cert = otherIdP.Key, otherIdP.CertDER },
			sso.ErrSignature},
		"the NameID changed after signing": {func(r *ssotest.Response) {
			r.Tamper = func(d *etree.Document) {
				d.FindElement("//NameID").SetText("admin@acme.example")
			}
		}, sso.ErrSignature},
		"the assertion changed after signing, response unsigned": {func(r *ssotest.Response) {
			r.SignResponse = false
			r.Tamper = func(d *etree.Document) { d.FindElement("//Audience").SetText(spEntity + "x") }
		}, sso.ErrSignature},
		"wrong audience":         {func(r *ssotest.Response) { r.Audience = "https://other-sp.example/metadata" }, sso.ErrAudience},
		"wrong recipient":        {func(r *ssotest.Response) { r.Recipient = "https://evil.example/acs" }, sso.ErrRecipient},
		"wrong destination":      {func(r *ssotest.Response) { r.Destination = "https://evil.example/acs" }, sso.ErrRecipient},
		"signed, no Destination": {func(r *ssotest.Response) { r.Destination = "-" }, sso.ErrRecipient},
		"wrong issuer":           {func(r *ssotest.Response) { r.Issuer = "https://idp.evil.example" }, sso.ErrIssuer},
		"expired":                {func(r *ssotest.Response) { r.Now = now.Add(-time.Hour) }, sso.ErrExpired},
		"not yet valid":          {func(r *ssotest.Response) { r.NotBefore = now.Add(10 * time.Minute) }, sso.ErrExpired},
		"no InResponseTo":        {func(r *ssotest.Response) { r.InResponseTo = "" }, sso.ErrNoRequest},
		"SHA-1":                  {func(r *ssotest.Response) { r.SHA1 = true }, sso.ErrAlgorithm},
		"a failed status":        {func(r *ssotest.Response) { r.Status = "urn:oasis:names:tc:SAML:2.0:status:Requester" }, sso.ErrStatus},
		"no user named":          {func(r *ssotest.Response) { r.NameID, r.Email = "", "" }, sso.ErrNoSubject},
	} {
		t.Run(name, func(t *testing.T) {
			r := good(now)
			tc.change(&r)
			a, err := verifier(t, now).Verify(idp(t).Build(t, r))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v (%+v), want %v", err, a, tc.want)
			}
		})
	}
}

// A signed assertion moved into a forged response, next to a forged
// assertion (signature wrapping): only what the signature covers is read.
func TestVerifyIgnoresWrappedAssertions(t *testing.T) {
	now := time.Now()
	r := good(now)
	r.SignResponse = false
	signed := idp(t).Build(t, r)

	d := etree.NewDocument()
	if err := d.ReadFromBytes(signed); err != nil {
		t.Fatal(err)
	}
	orig := d.FindElement("//Assertion")
	forged := orig.Copy()
	forged.CreateAttr("ID", "_forged")
	forged.FindElement("./Subject/NameID").SetText("admin@acme.example")
	forged.RemoveChild(forged.FindElement("./Signature"))
	// The forged assertion first, the genuine one hidden in its extensions.
	root := d.Root()
	root.RemoveChild(orig)
	forged.FindElement("./Subject").AddChild(orig)
	root.AddChild(forged)
	doc, _ := d.WriteToBytes()
	if a, err := verifier(t, now).Verify(doc); err == nil {
		t.Fatalf("a wrapped assertion was accepted: %+v", a)
	}

	// Two assertions side by side: refused outright.
	d = etree.NewDocument()
	_ = d.ReadFromBytes(signed)
	root = d.Root()
	extra := root.FindElement("./Assertion").Copy()
	extra.CreateAttr("ID", "_second")
	root.AddChild(extra)
	doc, _ = d.WriteToBytes()
	if _, err := verifier(t, now).Verify(doc); err == nil {
		t.Fatal("two assertions were accepted")
	}
}

// A comment inside the NameID of a signed response does not change the
// identity read: the signed value is what counts, whole.
func TestVerifyCommentInNameID(t *testing.T) {
	now := time.Now()
	r := good(now)
	r.NameID = "ops@acme.example.evil.example"
	r.Email = ""
	r.SignResponse = false
	signed := idp(t).Build(t, r)
	// Insert a comment after signing: exclusive c14n drops comments, so the
	// signature still verifies, and the identity must be the whole text.
	doc := bytes.Replace(signed, []byte("ops@acme.example.evil.example"), []byte("ops@acme.example<!---->.evil.example"), 1)
	a, err := verifier(t, now).Verify(doc)
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if a.NameID != "ops@acme.example.evil.example" {
		t.Fatalf("NameID read as %q", a.NameID)
	}
}

func TestVerifyRefusesBadXML(t *testing.T) {
	now := time.Now()
	v := verifier(t, now)
	for name, doc := range map[string]string{
		"empty":                  "",
		"not XML":                "hello",
		"a DTD":                  `<!DOCTYPE r [<!ENTITY x "y">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>`,
		"other root":             `<x/>`,
		"encrypted":              `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1" Version="2.0"><saml:EncryptedAssertion/></samlp:Response>`,
		"processing instruction": `<?xml-stylesheet href="x"?><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`,
	} {
		if _, err := v.Verify([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := v.Verify(bytes.Repeat([]byte(" "), sso.MaxResponseBytes+1)); !errors.Is(err, sso.ErrTooLarge) {
		t.Errorf("oversized: %v", err)
	}
	if _, err := sso.DecodeResponse(strings.Repeat("A", sso.MaxResponseBytes*2)); !errors.Is(err, sso.ErrTooLarge) {
		t.Errorf("oversized field: %v", err)
	}
	if _, err := sso.DecodeResponse("!!!"); !errors.Is(err, sso.ErrBadEncoding) {
		t.Errorf("bad base64: %v", err)
	}
}

func TestSPMetadata(t *testing.T) {
	sp := sso.SPFor("https://pc.example", "pc_acme")
	if sp.EntityID != spEntity || sp.ACSURL != acsURL || sp.LoginURL != "https://pc.example/console/sso/pc_acme/login" {
		t.Fatalf("%+v", sp)
	}
	md := string(sp.Metadata())
	for _, want := range []string{`entityID="` + spEntity + `"`, `Location="` + acsURL + `"`,
		`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"`, "nameid-format:emailAddress", "nameid-format:unspecified",
		`WantAssertionsSigned="true"`} {
		if !strings.Contains(md, want) {
			t.Errorf("metadata lacks %s:\n%s", want, md)
		}
	}
}

// FuzzSAMLResponse: no input makes the verifier panic, and no input it did
// not sign is accepted (the fuzzer has no key).
func FuzzSAMLResponse(f *testing.F) {
	now := time.Now()
	i := idp(f)
	r := good(now)
	f.Add(i.Build(f, r))
	r.SignResponse = false
	f.Add(i.Build(f, r))
	f.Add([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="2.0"/>`))
	f.Add([]byte(`<!DOCTYPE x><x/>`))
	v := verifier(f, now)
	f.Fuzz(func(t *testing.T, doc []byte) {
		a, err := v.Verify(doc)
		if err != nil {
			return
		}
		// Accepted: it must be one of the seeds' genuine assertions,
		// reformatted at most.
		if a.NameID != "ops@acme.example" || a.InResponseTo != "_req1" {
			t.Fatalf("accepted an assertion it was not given: %+v", a)
		}
	})
}
