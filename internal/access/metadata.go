package access

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"strings"

	"partnercenter/internal/platform/apperr"
)

// MaxMetadataBytes caps an uploaded IdP metadata document.
const MaxMetadataBytes = 256 << 10

// IdPMetadata is what single sign-on needs from a SAML identity provider's
// metadata.
type IdPMetadata struct {
	EntityID string
	SSOURL   string // the first https SingleSignOnService location
	Certs    []*x509.Certificate
}

// The parts of SAML 2.0 metadata read here (namespace
// urn:oasis:names:tc:SAML:2.0:metadata; the signature's is xmldsig).
type mdEntityDescriptor struct {
	XMLName  xml.Name          `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
	EntityID string            `xml:"entityID,attr"`
	IdP      []mdIDPDescriptor `xml:"urn:oasis:names:tc:SAML:2.0:metadata IDPSSODescriptor"`
}

type mdIDPDescriptor struct {
	Keys []mdKeyDescriptor `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
	SSO  []mdEndpoint      `xml:"urn:oasis:names:tc:SAML:2.0:metadata SingleSignOnService"`
}

type mdKeyDescriptor struct {
	Use   string   `xml:"use,attr"`
	Certs []string `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo>X509Data>X509Certificate"`
}

type mdEndpoint struct {
	Binding  string `xml:"Binding,attr"`
	Location string `xml:"Location,attr"`
}

func metadataError(key, msg string, args ...any) error {
	return apperr.Field("idp_metadata", key, msg, args...)
}

// ParseIdPMetadata reads a SAML IdP metadata document strictly: at most
// MaxMetadataBytes, no DTD (so no entities to expand), an EntityDescriptor
// with an entityID, an IDPSSODescriptor with an https SingleSignOnService
// and a signing certificate that parses as X.509. Each fault says what is
// wrong.
func ParseIdPMetadata(doc []byte) (*IdPMetadata, error) {
	if len(doc) > MaxMetadataBytes {
		return nil, metadataError("access.metadata_too_large", "the metadata may be at most %d KiB", MaxMetadataBytes>>10)
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, metadataError("access.metadata_empty", "the metadata file is empty")
	}
	// A first pass over the tokens refuses what the strict reading must not
	// meet: a DTD (entities, external references) and bytes that are not XML.
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	dec.Entity = nil
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, metadataError("access.metadata_not_xml", "the metadata is not well-formed XML: %s", shorten(err.Error()))
		}
		if _, ok := tok.(xml.Directive); ok {
			return nil, metadataError("access.metadata_dtd", "the metadata may not contain a DTD or entity declarations")
		}
	}
	var ed mdEntityDescriptor
	dec = xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	if err := dec.Decode(&ed); err != nil {
		return nil, metadataError("access.metadata_no_entity", "the metadata must be a SAML 2.0 EntityDescriptor")
	}
	md := &IdPMetadata{EntityID: strings.TrimSpace(ed.EntityID)}
	if md.EntityID == "" {
		return nil, metadataError("access.metadata_no_entity_id", "the EntityDescriptor has no entityID")
	}
	if len(ed.IdP) == 0 {
		return nil, metadataError("access.metadata_no_idp", "the metadata has no IDPSSODescriptor: it does not describe an identity provider")
	}
	for _, idp := range ed.IdP {
		for _, sso := range idp.SSO {
			u, err := url.Parse(strings.TrimSpace(sso.Location))
			if err == nil && u.Scheme == "https" && u.Host != "" && md.SSOURL == "" {
				md.SSOURL = u.String()
			}
		}
		for _, k := range idp.Keys {
			if k.Use != "" && k.Use != "signing" {
				continue
			}
			for _, c := range k.Certs {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c), ""))
				if err != nil {
					return nil, metadataError("access.metadata_cert_invalid", "a signing certificate is not valid base64")
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, metadataError("access.metadata_cert_invalid", "a signing certificate is not a valid X.509 certificate")
				}
				md.Certs = append(md.Certs, cert)
			}
		}
	}
	if md.SSOURL == "" {
		return nil, metadataError("access.metadata_no_sso", "the IDPSSODescriptor has no SingleSignOnService with an https Location")
	}
	if len(md.Certs) == 0 {
		return nil, metadataError("access.metadata_no_cert", "the IDPSSODescriptor has no signing certificate (KeyDescriptor with an X509Certificate)")
	}
	return md, nil
}

// shorten keeps a parser's message short enough to show next to a field.
func shorten(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
