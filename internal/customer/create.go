package customer

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

var domainNamePattern = regexp.MustCompile(`^[A-Za-z_-][A-Za-z0-9_-]*$`)
var allDigits = regexp.MustCompile(`^[0-9]+$`)

// ValidateDomainName applies the account-name rules; each rule has its own
// message so the user knows which one failed.
func ValidateDomainName(field, name string) error {
	n := len(name)
	switch {
	case n < 5 || n > 32:
		return apperr.Field(field, "customer.domain_name_length", "the account name must be 5 to 32 characters long")
	case allDigits.MatchString(name):
		return apperr.Field(field, "customer.domain_name_digits", "the account name cannot be all digits")
	case strings.HasPrefix(strings.ToLower(name), "op_") || strings.HasPrefix(strings.ToLower(name), "shadow_"):
		return apperr.Field(field, "customer.domain_name_prefix", "the account name cannot start with op_ or shadow_")
	case !domainNamePattern.MatchString(name):
		return apperr.Field(field, "customer.domain_name_chars", "the account name may hold only letters, digits, _ and -, and cannot start with a digit")
	}
	return nil
}

// NewCustomer is a customer account a partner creates.
type NewCustomer struct {
	DomainName   string // empty: one is generated
	RealName     string
	Type         int
	Email        string
	Mobile       string
	Label        string
	XAccountID   string
	XAccountType string
}

var mobilePattern = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// Validate checks the fields a partner enters. The platform identifier must
// be the creating partner's own: a partner cannot create customers on
// another partner's platform.
func (n *NewCustomer) Validate(p *partner.Partner, requireXAccount bool) error {
	n.DomainName = strings.TrimSpace(n.DomainName)
	n.XAccountID = strings.TrimSpace(n.XAccountID)
	n.XAccountType = strings.TrimSpace(n.XAccountType)
	if n.DomainName != "" {
		if err := ValidateDomainName("domain_name", n.DomainName); err != nil {
			return err
		}
	}
	if requireXAccount || n.XAccountID != "" || n.XAccountType != "" {
		if n.XAccountType == "" && !requireXAccount {
			n.XAccountType = p.XAccountType
		}
		if n.XAccountID == "" || len(n.XAccountID) > 128 {
			return apperr.Field("xaccount_id", "customer.xaccount_id_required", "xaccount_id is required (at most 128 characters)").WithAPICode("CBC.0100")
		}
		if p.XAccountType == "" {
			return apperr.Field("xaccount_type", "customer.no_platform", "complete the access configuration first: your platform has no identifier yet")
		}
		if n.XAccountType != p.XAccountType {
			return apperr.Field("xaccount_type", "customer.xaccount_type_mismatch", "xaccount_type is not your platform's identifier").WithAPICode("CBC.0100")
		}
	}
	if n.Mobile != "" {
		if !mobilePattern.MatchString(n.Mobile) {
			return apperr.Field("mobile_phone", "customer.mobile_invalid", "the mobile number must be a mainland China mobile number of 11 digits")
		}
		n.Mobile = "0086-" + n.Mobile
	}
	if n.Email != "" && (!emailPattern.MatchString(n.Email) || len(n.Email) > 256) {
		return apperr.Field("email", "customer.email_invalid", "the email address is not valid")
	}
	if len([]rune(n.RealName)) > 100 {
		return apperr.Field("real_name", "customer.real_name_long", "the real name must be at most 100 characters")
	}
	if len([]rune(n.Label)) > 64 {
		return apperr.Field("label", "customer.label_long", "the label must be at most 64 characters")
	}
	if n.Type != TypeNone && n.Type != TypeIndividual && n.Type != TypeEnterprise {
		return apperr.Field("customer_type", "customer.type_invalid", "unknown customer type")
	}
	return nil
}

var (
	errDuplicateName     = apperr.Field("domain_name", "customer.domain_name_taken", "this account name is already registered").WithAPICode("CBC.99000050")
	errDuplicateXAccount = apperr.Field("xaccount_id", "customer.xaccount_id_taken", "a customer with this xaccount_id already exists on your platform").WithAPICode("CBC.99000050")
)

// Create registers a new customer account and associates it with the
// partner as a resale customer (created customers are always 代售).
// requireXAccount is set for API callers, whose platform must name its user.
func Create(ctx context.Context, tx *store.Tx, p *partner.Partner, n NewCustomer, requireXAccount bool) (*Customer, error) {
	if err := n.Validate(p, requireXAccount); err != nil {
		return nil, err
	}
	if n.DomainName == "" {
		n.DomainName = "pc" + strings.ToLower(ids.Compact())[2:32]
	}
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE domain_name = ?`, n.DomainName).Scan(&exists); err != nil {
		return nil, err
	}
	if exists > 0 {
		return nil, errDuplicateName
	}
	if n.XAccountID != "" {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE xaccount_type = ? AND xaccount_id = ?`,
			n.XAccountType, n.XAccountID).Scan(&exists); err != nil {
			return nil, err
		}
		if exists > 0 {
			return nil, errDuplicateXAccount
		}
	}
	c := &Customer{ID: ids.Compact(), DomainName: n.DomainName, RealName: n.RealName, Type: n.Type, VerifiedStatus: VerifiedNone,
		Email: n.Email, Mobile: n.Mobile, Level: "V0", XAccountID: n.XAccountID, XAccountType: n.XAccountType, CreatedAt: tx.Now,
		PartnerID: p.ID, AssociationType: Resale, Label: n.Label, AssociatedAt: tx.Now}
	if n.Mobile != "" {
		c.CountryCode = "0086"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO customers (id, domain_name, real_name, customer_type, verified_status, email, mobile,
		country_code, level, xaccount_id, xaccount_type, created_at, partner_id, association_type, label, associated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.DomainName, c.RealName, c.Type, c.VerifiedStatus, c.Email, c.Mobile, c.CountryCode, c.Level,
		nullable(c.XAccountID), nullable(c.XAccountType), store.Micros(c.CreatedAt), c.PartnerID, int(c.AssociationType), c.Label,
		store.Micros(c.AssociatedAt))
	if errors.Is(err, store.ErrConflict) {
		// A concurrent creation won the race for the same name or id.
		return nil, errDuplicateName
	}
	if err != nil {
		return nil, err
	}
	return c, webhook.Emit(ctx, tx, p.ID, webhook.CustomerAssociated, associatedEvent(c.ID, c.DomainName, c.XAccountID, c.AssociationType, tx.Now))
}

// Identity search types of CheckUserIdentity.
const (
	SearchEmail  = "email"
	SearchMobile = "mobile"
	SearchName   = "name"
)

// MaxAccountsPerMobile is how many customer accounts may share one mobile number.
const MaxAccountsPerMobile = 5

var checkMobilePattern = regexp.MustCompile(`^\d{4}-\d+$`)
var checkNamePattern = regexp.MustCompile(`^[a-zA-Z-][a-zA-Z0-9_-]{4,31}$`)

// Identity is the answer of CheckUserIdentity.
type Identity struct {
	Available           bool
	MobileRemainAccount int // only for mobile checks
}

// CheckIdentity tells whether an email, mobile number or account name is
// free for a new customer account.
func CheckIdentity(ctx context.Context, q store.Queryer, searchType, value string) (*Identity, error) {
	if value == "" || len(value) > 64 {
		return nil, apperr.Field("search_value", "customer.check_value_length", "search_value is required and at most 64 characters").WithAPICode("CBC.0100")
	}
	var n int
	switch searchType {
	case SearchEmail:
		if !emailPattern.MatchString(value) {
			return nil, apperr.Field("search_value", "customer.email_invalid", "the email address is not valid").WithAPICode("CBC.0100")
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE email = ?`, value).Scan(&n); err != nil {
			return nil, err
		}
		return &Identity{Available: n == 0}, nil
	case SearchMobile:
		if !checkMobilePattern.MatchString(value) || !strings.HasPrefix(value, "0086-") {
			return nil, apperr.Field("search_value", "customer.check_mobile_invalid", "the mobile number must look like 0086-13800000000").WithAPICode("CBC.0100")
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE mobile = ?`, value).Scan(&n); err != nil {
			return nil, err
		}
		remain := max(0, MaxAccountsPerMobile-n)
		return &Identity{Available: remain > 0, MobileRemainAccount: remain}, nil
	case SearchName:
		if !checkNamePattern.MatchString(value) {
			return nil, apperr.Field("search_value", "customer.check_name_invalid", "the account name must be 5-32 letters, digits, _ or -, starting with a letter or -").WithAPICode("CBC.0100")
		}
		if err := ValidateDomainName("search_value", value); err != nil {
			return nil, err
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE LOWER(domain_name) = LOWER(?)`, value).Scan(&n); err != nil {
			return nil, err
		}
		return &Identity{Available: n == 0}, nil
	}
	return nil, apperr.Field("search_type", "customer.check_type_invalid", "search_type must be email, mobile or name").WithAPICode("CBC.0100")
}

// actor is the principal's id for rows that record who did something.
func actor(ctx context.Context) string { return auth.From(ctx).ActorID() }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
