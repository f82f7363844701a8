package customer

import (
	"context"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// InviteValidity is how long a customer has to open an invitation link.
const InviteValidity = 7 * 24 * time.Hour

// Invite kinds.
const (
	InviteAssociate  = "associate"   // associate an existing account with the partner
	InviteSwitchType = "switch_type" // change the association type of a customer
)

// Invite is a link a customer opens to confirm what a partner asked.
type Invite struct {
	Kind            string
	PartnerID       string
	CustomerID      string
	DomainName      string
	PartnerName     string
	AssociationType AssociationType
	CreatedAt       time.Time
	ExpiresAt       time.Time
	UsedAt          time.Time
}

var (
	errInviteInvalid = apperr.New(apperr.NotFound, "customer.invite_invalid", "this link is not valid")
	errInviteExpired = apperr.New(apperr.Conflict, "customer.invite_expired", "this link has expired; ask your partner for a new one")
	errInviteUsed    = apperr.New(apperr.Conflict, "customer.invite_used", "this link has already been used")
	errTakenByOther  = apperr.Field("domain_name", "customer.associated_elsewhere", "this account is already associated with another partner")
)

// InviteAccount creates an invitation for an existing, unassociated account
// to become the partner's customer. It returns the token for the link.
func InviteAccount(ctx context.Context, tx *store.Tx, partnerID, domainName string, t AssociationType) (string, *Invite, error) {
	domainName = strings.TrimSpace(domainName)
	if !t.Valid() {
		return "", nil, apperr.Field("association_type", "customer.association_type_invalid", "choose referral or resale")
	}
	if domainName == "" {
		return "", nil, apperr.Field("domain_name", "customer.domain_name_required", "enter the customer's account name")
	}
	var customerID, owner string
	err := store.ScanErr(tx.QueryRowContext(ctx, `SELECT id, COALESCE(partner_id, '') FROM customers WHERE domain_name = ?`, domainName).Scan(&customerID, &owner))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, apperr.Field("domain_name", "customer.account_not_found", "no account has this name")
	}
	if err != nil {
		return "", nil, err
	}
	switch owner {
	case "":
	case partnerID:
		return "", nil, apperr.Field("domain_name", "customer.already_yours", "this account is already your customer")
	default:
		return "", nil, errTakenByOther
	}
	return newInvite(ctx, tx, InviteAssociate, partnerID, customerID, t)
}

// RequestTypeSwitch asks a customer to confirm a change of association type.
func RequestTypeSwitch(ctx context.Context, tx *store.Tx, partnerID, customerID string, to AssociationType) (string, *Invite, error) {
	if !to.Valid() {
		return "", nil, apperr.Field("association_type", "customer.association_type_invalid", "choose referral or resale")
	}
	c, err := getForUpdate(ctx, tx, partnerID, customerID)
	if err != nil {
		return "", nil, err
	}
	if c.AssociationType == to {
		return "", nil, apperr.Field("association_type", "customer.association_type_same", "the customer already has this association type")
	}
	if c.Frozen != NotFrozen {
		return "", nil, apperr.New(apperr.Conflict, "customer.switch_frozen", "unfreeze the customer before changing its association type")
	}
	return newInvite(ctx, tx, InviteSwitchType, partnerID, customerID, to)
}

func newInvite(ctx context.Context, tx *store.Tx, kind, partnerID, customerID string, t AssociationType) (string, *Invite, error) {
	token := ids.Token(24)
	inv := &Invite{Kind: kind, PartnerID: partnerID, CustomerID: customerID, AssociationType: t, CreatedAt: tx.Now,
		ExpiresAt: tx.Now.Add(InviteValidity)}
	_, err := tx.ExecContext(ctx, `INSERT INTO customer_invites (token_hash, kind, partner_id, customer_id, association_type, created_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, auth.HashToken(token), kind, partnerID, customerID, int(t), actor(ctx),
		store.Micros(inv.CreatedAt), store.Micros(inv.ExpiresAt))
	if err != nil {
		return "", nil, err
	}
	return token, inv, nil
}

// GetInvite returns what a link asks, for the page the customer opens.
func GetInvite(ctx context.Context, q store.Queryer, token string) (*Invite, error) {
	var inv Invite
	var created, expires int64
	var used *int64
	err := store.ScanErr(q.QueryRowContext(ctx, `SELECT i.kind, i.partner_id, i.customer_id, c.domain_name, p.display_name,
		i.association_type, i.created_at, i.expires_at, i.used_at
		FROM customer_invites i JOIN customers c ON c.id = i.customer_id JOIN partners p ON p.id = i.partner_id
		WHERE i.token_hash = ?`, auth.HashToken(token)).Scan(&inv.Kind, &inv.PartnerID, &inv.CustomerID, &inv.DomainName,
		&inv.PartnerName, &inv.AssociationType, &created, &expires, &used))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInviteInvalid
	}
	if err != nil {
		return nil, err
	}
	inv.CreatedAt, inv.ExpiresAt = store.Time(created), store.Time(expires)
	if used != nil {
		inv.UsedAt = store.Time(*used)
	}
	return &inv, nil
}

// AcceptInvite carries out what the link asks, once, within its validity.
// It returns the customer before and after.
func AcceptInvite(ctx context.Context, tx *store.Tx, token string) (*Invite, *Customer, *Customer, error) {
	inv, err := GetInvite(ctx, tx, token)
	if err != nil {
		return nil, nil, nil, err
	}
	if !inv.UsedAt.IsZero() {
		return nil, nil, nil, errInviteUsed
	}
	if !tx.Now.Before(inv.ExpiresAt) {
		return nil, nil, nil, errInviteExpired
	}
	// Mark the link used first, guarded, so two concurrent accepts cannot both pass.
	res, err := tx.ExecContext(ctx, `UPDATE customer_invites SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`,
		store.Micros(tx.Now), auth.HashToken(token))
	if err != nil {
		return nil, nil, nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, nil, nil, errInviteUsed
	}
	var before *Customer
	switch inv.Kind {
	case InviteAssociate:
		before, err = scan(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM customers c WHERE c.id = ?`, inv.CustomerID))
		if err != nil {
			return nil, nil, nil, err
		}
		if before.PartnerID != "" {
			if before.PartnerID == inv.PartnerID {
				return nil, nil, nil, apperr.New(apperr.Conflict, "customer.already_yours", "this account is already associated with the partner")
			}
			return nil, nil, nil, apperr.New(apperr.Conflict, "customer.associated_elsewhere", "this account is already associated with another partner")
		}
		err = associate(ctx, tx, inv.PartnerID, inv.CustomerID, inv.AssociationType)
	case InviteSwitchType:
		before, err = getForUpdate(ctx, tx, inv.PartnerID, inv.CustomerID)
		if err != nil {
			return nil, nil, nil, apperr.New(apperr.Conflict, "customer.invite_stale", "the customer is no longer associated with this partner")
		}
		if before.Frozen != NotFrozen {
			return nil, nil, nil, apperr.New(apperr.Conflict, "customer.switch_frozen", "unfreeze the customer before changing its association type")
		}
		_, err = tx.ExecContext(ctx, `UPDATE customers SET association_type = ? WHERE id = ?`, int(inv.AssociationType), inv.CustomerID)
	default:
		return nil, nil, nil, errInviteInvalid
	}
	if err != nil {
		return nil, nil, nil, err
	}
	after, err := getForUpdate(ctx, tx, inv.PartnerID, inv.CustomerID)
	if err != nil {
		return nil, nil, nil, err
	}
	return inv, before, after, nil
}

func associate(ctx context.Context, tx *store.Tx, partnerID, customerID string, t AssociationType) error {
	res, err := tx.ExecContext(ctx, `UPDATE customers SET partner_id = ?, association_type = ?, associated_at = ?, label = '', frozen = 0, frozen_reason = ''
		WHERE id = ? AND partner_id IS NULL`, partnerID, int(t), store.Micros(tx.Now), customerID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errTakenByOther
	}
	var domain, xaccount string
	if err := tx.QueryRowContext(ctx, `SELECT domain_name, COALESCE(xaccount_id, '') FROM customers WHERE id = ?`, customerID).Scan(&domain, &xaccount); err != nil {
		return err
	}
	return webhook.Emit(ctx, tx, partnerID, webhook.CustomerAssociated, associatedEvent(customerID, domain, xaccount, t, tx.Now))
}

// associatedEvent is the payload of customer.associated.
func associatedEvent(customerID, domainName, xaccountID string, t AssociationType, at time.Time) map[string]any {
	return map[string]any{"customer_id": customerID, "domain_name": domainName, "xaccount_id": xaccountID,
		"association_type": int(t), "associated_at": webhook.Time(at)}
}

// NewAccount is a cloud account that signed up with the provider directly,
// not through a partner.
type NewAccount struct {
	DomainName     string
	RealName       string
	Type           int
	VerifiedStatus int
	Email          string
	Mobile         string // 11 digits, mainland China
	Level          string
}

// RegisterAccount records a cloud account with no partner; a partner can
// then invite it. The provider's cloud (and the demo data) sign accounts up
// through here.
func RegisterAccount(ctx context.Context, tx *store.Tx, n NewAccount) (*Customer, error) {
	if err := ValidateDomainName("domain_name", n.DomainName); err != nil {
		return nil, err
	}
	c := &Customer{ID: ids.Compact(), DomainName: n.DomainName, RealName: n.RealName, Type: n.Type, VerifiedStatus: n.VerifiedStatus,
		Email: n.Email, Level: n.Level, CreatedAt: tx.Now}
	if c.Level == "" {
		c.Level = "V0"
	}
	if n.Mobile != "" {
		c.Mobile, c.CountryCode = "0086-"+n.Mobile, "0086"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO customers (id, domain_name, real_name, customer_type, verified_status, email, mobile, country_code, level, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.DomainName, c.RealName, c.Type, c.VerifiedStatus, c.Email, c.Mobile,
		c.CountryCode, c.Level, store.Micros(c.CreatedAt))
	if errors.Is(err, store.ErrConflict) {
		return nil, errDuplicateName
	}
	return c, err
}

// Associate makes a free account a partner's customer without a link; used
// where the customer's consent was obtained elsewhere (the provider's back
// office, the demo data).
func Associate(ctx context.Context, tx *store.Tx, partnerID, customerID string, t AssociationType) error {
	if !t.Valid() {
		return apperr.Field("association_type", "customer.association_type_invalid", "choose referral or resale")
	}
	return associate(ctx, tx, partnerID, customerID, t)
}

// Unassociate ends a customer's association with its partner: the account
// becomes free, its label and freeze are cleared, and its manager period
// ends now (history is kept). Money and coupons are the caller's to settle
// in the same transaction.
func Unassociate(ctx context.Context, tx *store.Tx, partnerID, customerID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE customers SET partner_id = NULL, association_type = NULL, associated_at = NULL, label = '',
		frozen = 0, frozen_reason = '' WHERE id = ? AND partner_id = ?`, customerID, partnerID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	if _, err = tx.ExecContext(ctx, `UPDATE customer_manager_periods SET ends_at = ? WHERE customer_id = ? AND ends_at IS NULL`,
		store.Micros(tx.Now), customerID); err != nil {
		return err
	}
	return webhook.Emit(ctx, tx, partnerID, webhook.CustomerUnbound, map[string]any{"customer_id": customerID, "unbound_at": webhook.Time(tx.Now)})
}
