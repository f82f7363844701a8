// Package customer owns end customers and their association with partners:
// creating a customer for a partner, inviting an existing account, switching
// the association type, the 我的客户 list with its query conditions, customer
// managers (客户经理) with the periods they were in charge, and freezing
// resale customers. Money movements of customers (拨款, 回收, unbinding) are
// the funds package's.
package customer

import (
	"context"
	"errors"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// AssociationType is how a customer is associated with its partner.
type AssociationType int

const (
	Referral AssociationType = 1 // 顾问销售: the customer pays the provider itself
	Resale   AssociationType = 2 // 代售: the partner funds and invoices the customer
)

func (t AssociationType) Valid() bool { return t == Referral || t == Resale }

// Freeze states, as the API's is_frozen.
const (
	NotFrozen                = 0
	FrozenAccount            = 1 // ACCOUNT: the customer cannot buy, renew or change resources
	FrozenAccountAndResource = 2 // ACCOUNT_AND_RESOURCE: its resources are stopped as well
)

// Customer types and verification states, as the API reports them.
const (
	TypeNone       = -1
	TypeIndividual = 0
	TypeEnterprise = 1

	VerifiedNone     = -1
	VerifiedPending  = 0
	VerifiedRejected = 1
	VerifiedDone     = 2
)

// Customer is a customer account and its current association.
type Customer struct {
	ID              string // customer_id: the account's domain id
	DomainName      string // account name
	RealName        string // 实名认证名称
	Type            int
	VerifiedStatus  int
	Email           string
	Mobile          string // with country code, "0086-13800000000"
	CountryCode     string
	Level           string // V0..V5
	XAccountID      string
	XAccountType    string
	CreatedAt       time.Time
	PartnerID       string // empty when not associated
	AssociationType AssociationType
	Label           string
	AssociatedAt    time.Time
	Frozen          int
	FrozenReason    string
	// Manager is the manager in charge now, if any (filled by List and Get).
	Manager *Manager
}

// Manager names a customer manager.
type Manager struct {
	UserID      string
	Username    string
	DisplayName string
	Since       time.Time
}

const columns = `c.id, c.domain_name, c.real_name, c.customer_type, c.verified_status, c.email, c.mobile, c.country_code,
	c.level, COALESCE(c.xaccount_id, ''), COALESCE(c.xaccount_type, ''), c.created_at, COALESCE(c.partner_id, ''),
	COALESCE(c.association_type, 0), c.label, COALESCE(c.associated_at, 0), c.frozen, c.frozen_reason`

func scan(row interface{ Scan(...any) error }) (*Customer, error) {
	var c Customer
	var created, assoc int64
	err := row.Scan(&c.ID, &c.DomainName, &c.RealName, &c.Type, &c.VerifiedStatus, &c.Email, &c.Mobile, &c.CountryCode,
		&c.Level, &c.XAccountID, &c.XAccountType, &created, &c.PartnerID, &c.AssociationType, &c.Label, &assoc,
		&c.Frozen, &c.FrozenReason)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	c.CreatedAt, c.AssociatedAt = store.Time(created), store.Time(assoc)
	return &c, nil
}

// ErrNotFound answers for a customer that does not exist or is not visible
// to the caller: the two are indistinguishable on purpose.
var ErrNotFound = apperr.NotFoundf("customer.not_found", "customer not found")

// Get returns a customer visible in scope.
func Get(ctx context.Context, q store.Queryer, scope Scope, id string) (*Customer, error) {
	now := scope.now(q)
	where, args := scope.where(q, now)
	c, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM customers c WHERE c.id = ? AND `+where,
		append([]any{id}, args...)...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := attachManagers(ctx, q, []*Customer{c}, now); err != nil {
		return nil, err
	}
	return c, nil
}

// GetMany returns the customers among ids that the scope sees, by id,
// without their managers: for callers that act on many customers at once
// and need only the customer rows (a batch of 拨款, say).
func GetMany(ctx context.Context, q store.Queryer, scope Scope, ids []string) (map[string]*Customer, error) {
	out := make(map[string]*Customer, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	where, args := scope.where(q, scope.now(q))
	in, inArgs := store.InList(ids)
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM customers c WHERE c.id IN `+in+` AND `+where, append(inArgs, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out[c.ID] = c
	}
	return out, rows.Err()
}

// getForUpdate returns a customer of one partner inside a transaction.
func getForUpdate(ctx context.Context, tx *store.Tx, partnerID, id string) (*Customer, error) {
	lock := ""
	if tx.Dialect() == store.Postgres {
		lock = " FOR UPDATE"
	}
	c, err := scan(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM customers c WHERE c.id = ? AND c.partner_id = ?`+lock, id, partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return c, err
}

// storeNow is the moment "now" for a read: the transaction's when there is
// one, otherwise the wall clock.
func storeNow(q store.Queryer) time.Time {
	if tx, ok := q.(*store.Tx); ok {
		return tx.Now
	}
	return time.Now().UTC()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
