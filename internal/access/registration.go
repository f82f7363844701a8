// Package access owns 接入配置: a partner's registration of its own sales
// platform (contacts, the SAML IdP metadata its users sign in with, the
// addresses to return to after payment and recharge) and the platform
// identifier (xaccountType) that completing it assigns; and the rules of
// access keys: how many a partner may hold, what a key may call and from
// where, rotation with an overlap window, soft deletion and the provider's
// revocation; and the record of seen request signatures that refuses a
// replayed mutation.
package access

import (
	"context"
	"crypto/rand"
	"errors"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Registration is a partner's sales platform as registered on 接入配置.
type Registration struct {
	PartnerID         string
	PlatformName      string
	ContactName       string
	ContactPhone      string
	ContactEmail      string
	IdPMetadata       string // the validated XML; empty when single sign-on is not set up
	IdPEntityID       string
	IdPSSOURL         string
	PayReturnURL      string
	RechargeReturnURL string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	ConfiguredAt      time.Time
}

// RegistrationInput is what the partner submits. IdPMetadata nil keeps the
// metadata already registered; a pointer to "" removes it.
type RegistrationInput struct {
	PlatformName      string
	ContactName       string
	ContactPhone      string
	ContactEmail      string
	IdPMetadata       *string
	PayReturnURL      string
	RechargeReturnURL string
}

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 -]{4,19}$`)

// Validate checks the fields; each fault names its field.
func (in *RegistrationInput) Validate() error {
	in.PlatformName = strings.TrimSpace(in.PlatformName)
	in.ContactName = strings.TrimSpace(in.ContactName)
	in.ContactPhone = strings.TrimSpace(in.ContactPhone)
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	in.PayReturnURL = strings.TrimSpace(in.PayReturnURL)
	in.RechargeReturnURL = strings.TrimSpace(in.RechargeReturnURL)
	switch n := len([]rune(in.PlatformName)); {
	case n == 0:
		return apperr.Field("platform_name", "access.platform_name_required", "the platform name is required")
	case n > 100:
		return apperr.Field("platform_name", "access.platform_name_long", "the platform name may be at most 100 characters")
	}
	switch n := len([]rune(in.ContactName)); {
	case n == 0:
		return apperr.Field("contact_name", "access.contact_name_required", "the contact's name is required")
	case n > 50:
		return apperr.Field("contact_name", "access.contact_name_long", "the contact's name may be at most 50 characters")
	}
	if !phonePattern.MatchString(in.ContactPhone) {
		return apperr.Field("contact_phone", "access.contact_phone_invalid", "the contact's phone must be 5 to 20 digits (spaces, hyphens and a leading + allowed)")
	}
	if a, err := mail.ParseAddress(in.ContactEmail); err != nil || a.Address != in.ContactEmail || len(in.ContactEmail) > 254 {
		return apperr.Field("contact_email", "access.contact_email_invalid", "the contact's email is not a valid address")
	}
	if err := checkReturnURL("pay_return_url", in.PayReturnURL); err != nil {
		return err
	}
	return checkReturnURL("recharge_return_url", in.RechargeReturnURL)
}

// checkReturnURL accepts an absolute https URL, or http on localhost so that
// a platform can be tried out on a developer's machine.
func checkReturnURL(field, raw string) error {
	if raw == "" {
		return apperr.Field(field, "access.return_url_required", "the return address is required")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || len(raw) > 1000 || u.User != nil {
		return apperr.Field(field, "access.return_url_invalid", "the return address must be an absolute https URL")
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"):
		return nil
	}
	return apperr.Field(field, "access.return_url_insecure", "the return address must use https (http only for localhost)")
}

// ErrNotConfigured means the partner has not completed 接入配置.
var ErrNotConfigured = apperr.NotFoundf("access.not_configured", "the access configuration has not been completed")

const registrationColumns = `partner_id, platform_name, contact_name, contact_phone, contact_email, idp_metadata, idp_entity_id,
	idp_sso_url, pay_return_url, recharge_return_url, created_at, updated_at, configured_at`

// GetRegistration returns a partner's registration, or ErrNotConfigured.
func GetRegistration(ctx context.Context, q store.Queryer, partnerID string) (*Registration, error) {
	var r Registration
	var created, updated, configured int64
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT `+registrationColumns+` FROM platform_registrations WHERE partner_id = ?`, partnerID).
		Scan(&r.PartnerID, &r.PlatformName, &r.ContactName, &r.ContactPhone, &r.ContactEmail, &r.IdPMetadata, &r.IdPEntityID,
			&r.IdPSSOURL, &r.PayReturnURL, &r.RechargeReturnURL, &created, &updated, &configured))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotConfigured
	}
	if err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt, r.ConfiguredAt = store.Time(created), store.Time(updated), store.Time(configured)
	return &r, nil
}

// Configure saves a partner's registration. The first save completes the
// configuration and assigns the partner its platform identifier, unless it
// already holds one; the identifier never changes afterwards, because the
// customers the platform created carry it. It returns the registration and
// the identifier.
func Configure(ctx context.Context, tx *store.Tx, partnerID string, in RegistrationInput) (*Registration, string, error) {
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	p, err := partner.Get(ctx, tx, partnerID)
	if err != nil {
		return nil, "", err
	}
	before, err := GetRegistration(ctx, tx, partnerID)
	if err != nil && !errors.Is(err, ErrNotConfigured) {
		return nil, "", err
	}
	r := Registration{PartnerID: partnerID, PlatformName: in.PlatformName, ContactName: in.ContactName, ContactPhone: in.ContactPhone,
		ContactEmail: in.ContactEmail, PayReturnURL: in.PayReturnURL, RechargeReturnURL: in.RechargeReturnURL,
		CreatedAt: tx.Now, UpdatedAt: tx.Now, ConfiguredAt: tx.Now}
	if before != nil {
		r.CreatedAt, r.ConfiguredAt = before.CreatedAt, before.ConfiguredAt
		r.IdPMetadata, r.IdPEntityID, r.IdPSSOURL = before.IdPMetadata, before.IdPEntityID, before.IdPSSOURL
	}
	if in.IdPMetadata != nil {
		r.IdPMetadata, r.IdPEntityID, r.IdPSSOURL = "", "", ""
		if strings.TrimSpace(*in.IdPMetadata) != "" {
			md, err := ParseIdPMetadata([]byte(*in.IdPMetadata))
			if err != nil {
				return nil, "", err
			}
			r.IdPMetadata, r.IdPEntityID, r.IdPSSOURL = *in.IdPMetadata, md.EntityID, md.SSOURL
		}
	}
	args := []any{r.PlatformName, r.ContactName, r.ContactPhone, r.ContactEmail, r.IdPMetadata, r.IdPEntityID, r.IdPSSOURL,
		r.PayReturnURL, r.RechargeReturnURL, store.Micros(r.UpdatedAt), partnerID}
	if before == nil {
		_, err = tx.ExecContext(ctx, `INSERT INTO platform_registrations (platform_name, contact_name, contact_phone, contact_email,
			idp_metadata, idp_entity_id, idp_sso_url, pay_return_url, recharge_return_url, updated_at, partner_id, created_at, configured_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, store.Micros(r.CreatedAt), store.Micros(r.ConfiguredAt))...)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE platform_registrations SET platform_name = ?, contact_name = ?, contact_phone = ?,
			contact_email = ?, idp_metadata = ?, idp_entity_id = ?, idp_sso_url = ?, pay_return_url = ?, recharge_return_url = ?,
			updated_at = ? WHERE partner_id = ?`, args...)
	}
	if err != nil {
		return nil, "", err
	}
	xaccountType := p.XAccountType
	if xaccountType == "" {
		if xaccountType, err = assignXAccountType(ctx, tx, p); err != nil {
			return nil, "", err
		}
	}
	action := "access.configure"
	var was any
	if before != nil {
		action, was = "access.registration_update", summary(before)
	}
	now := summary(&r)
	now["xaccount_type"] = xaccountType
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: partnerID, Action: action, ObjectType: "platform_registration",
		ObjectID: partnerID, Before: was, After: now}); err != nil {
		return nil, "", err
	}
	return &r, xaccountType, nil
}

// summary is what the audit log keeps of a registration: the fields, and of
// the metadata only what identifies it.
func summary(r *Registration) map[string]any {
	return map[string]any{"platform_name": r.PlatformName, "contact_name": r.ContactName, "contact_phone": r.ContactPhone,
		"contact_email": r.ContactEmail, "idp_entity_id": r.IdPEntityID, "idp_sso_url": r.IdPSSOURL,
		"pay_return_url": r.PayReturnURL, "recharge_return_url": r.RechargeReturnURL}
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// assignXAccountType gives the partner an identifier derived from its
// domain name, readable in the platform's own data, made unique with a
// random suffix when another partner's name maps to the same one. It is set
// only where none is, so a concurrent configuration cannot change it.
func assignXAccountType(ctx context.Context, tx *store.Tx, p *partner.Partner) (string, error) {
	base := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(p.DomainName), "_"), "_")
	if len(base) > 40 {
		base = base[:40]
	}
	if base == "" {
		base = "platform"
	}
	candidate := "pc_" + base
	for attempt := 0; ; attempt++ {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM partners WHERE xaccount_type = ?`, candidate).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			break
		}
		if attempt > 20 {
			return "", errors.New("access: no free platform identifier")
		}
		candidate = "pc_" + base + "_" + rand.Text()[:6]
	}
	candidate = strings.ToLower(candidate)
	res, err := tx.ExecContext(ctx, `UPDATE partners SET xaccount_type = ? WHERE id = ? AND xaccount_type IS NULL`, candidate, p.ID)
	if err != nil {
		return "", err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return "", apperr.New(apperr.Conflict, "access.configured_concurrently", "the configuration was completed concurrently; reload the page")
	}
	return candidate, nil
}
