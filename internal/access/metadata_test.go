package access_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"partnercenter/internal/access"
	"partnercenter/internal/platform/apperr"
)

func readMetadata(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/idp-metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseIdPMetadata(t *testing.T) {
	good := readMetadata(t)
	md, err := access.ParseIdPMetadata([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if md.EntityID != "https://idp.platform.example/saml" || md.SSOURL != "https://idp.platform.example/saml/sso" || len(md.Certs) != 1 {
		t.Fatalf("parsed %+v", md)
	}
	if cn := md.Certs[0].Subject.CommonName; cn != "idp.platform.example" {
		t.Errorf("certificate subject %q", cn)
	}

	for name, c := range map[string]struct{ doc, key string }{
		"empty":             {"  ", "access.metadata_empty"},
		"not xml":           {"<md:EntityDescriptor", "access.metadata_not_xml"},
		"dtd":               {`<!DOCTYPE x [<!ENTITY e "boom">]>` + good[strings.Index(good, "<md:"):], "access.metadata_dtd"},
		"other root":        {`<root xmlns="urn:x"/>`, "access.metadata_no_entity"},
		"no entityID":       {strings.Replace(good, `entityID="https://idp.platform.example/saml"`, "", 1), "access.metadata_no_entity_id"},
		"an SP, not an IdP": {strings.ReplaceAll(good, "IDPSSODescriptor", "SPSSODescriptor"), "access.metadata_no_idp"},
		"http SSO":          {strings.Replace(good, `Location="https://`, `Location="http://`, 1), "access.metadata_no_sso"},
		"no certificate": {good[:strings.Index(good, "<md:KeyDescriptor")] + good[strings.Index(good, "</md:KeyDescriptor>")+len("</md:KeyDescriptor>"):],
			"access.metadata_no_cert"},
		"broken certificate": {strings.Replace(good, "<ds:X509Certificate>MII", "<ds:X509Certificate>AAAMII", 1), "access.metadata_cert_invalid"},
		"too large":          {good + strings.Repeat(" ", access.MaxMetadataBytes), "access.metadata_too_large"},
	} {
		_, err := access.ParseIdPMetadata([]byte(c.doc))
		e, ok := apperr.As(err)
		if !ok || e.Key != c.key || e.Field != "idp_metadata" {
			t.Errorf("%s: got %v, want %s on idp_metadata", name, err, c.key)
		}
	}
}

// FuzzParseIdPMetadata feeds the parser arbitrary documents: it must never
// panic, and what it accepts must have everything single sign-on needs.
func FuzzParseIdPMetadata(f *testing.F) {
	good := readMetadata(f)
	f.Add(good)
	f.Add(`<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>`)
	f.Add(strings.ReplaceAll(good, "IDPSSODescriptor", "SPSSODescriptor"))
	f.Add(`<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`)
	f.Add("")
	f.Fuzz(func(t *testing.T, doc string) {
		md, err := access.ParseIdPMetadata([]byte(doc))
		if err != nil {
			var e *apperr.Error
			if !errors.As(err, &e) || e.Field != "idp_metadata" {
				t.Fatalf("an error that names no field: %v", err)
			}
			return
		}
		if md.EntityID == "" || !strings.HasPrefix(md.SSOURL, "https://") || len(md.Certs) == 0 {
			t.Fatalf("accepted incomplete metadata: %+v", md)
		}
	})
}
