// Package auth owns identities and access: users (provider staff and partner
// users), their roles and permissions, passwords, console sessions, the
// sign-in throttle, API access keys, and the Principal that every request
// carries. Whether a principal may do something is decided here (Can); which
// tenant's rows it sees is its PartnerID, which every capability query takes.
package auth

import (
	"context"
	"slices"
)

// Kind says how a principal authenticated.
type Kind string

const (
	KindStaff     Kind = "staff"      // provider staff, console session
	KindPartner   Kind = "partner"    // partner user, console session
	KindAccessKey Kind = "access_key" // partner platform, signed API request
)

// Principal is who is acting.
type Principal struct {
	Kind        Kind
	UserID      string // empty for access keys
	Username    string
	DisplayName string
	PartnerID   string // the tenant; empty for provider staff
	IsMain      bool   // a partner's main account
	Roles       []Role
	AccessKeyID string
	Locale      string
	TimeZone    string
}

// IsStaff reports whether the principal is provider staff.
func (p *Principal) IsStaff() bool { return p != nil && p.Kind == KindStaff }

// Can reports whether the principal holds a permission.
func (p *Principal) Can(perm Permission) bool {
	if p == nil {
		return false
	}
	switch p.Kind {
	case KindStaff:
		for _, r := range p.Roles {
			if slices.Contains(staffPermissions[r], perm) {
				return true
			}
		}
	case KindPartner:
		if p.IsMain {
			return slices.Contains(allPartnerPermissions, perm)
		}
		for _, r := range p.Roles {
			if slices.Contains(partnerPermissions[r], perm) {
				return true
			}
		}
	case KindAccessKey:
		// An access key acts for its partner as the main account would;
		// per-key scopes narrow this in the capability-openness work.
		return slices.Contains(allPartnerPermissions, perm)
	}
	return false
}

// HasRole reports whether the principal holds a role.
func (p *Principal) HasRole(r Role) bool { return p != nil && slices.Contains(p.Roles, r) }

// ActorName is how the principal appears in the audit log.
func (p *Principal) ActorName() string {
	if p == nil {
		return "system"
	}
	if p.Kind == KindAccessKey {
		return "AK " + p.AccessKeyID
	}
	return p.Username
}

// ActorID is the id recorded for the principal in the audit log.
func (p *Principal) ActorID() string {
	if p == nil {
		return "system"
	}
	if p.Kind == KindAccessKey {
		return p.AccessKeyID
	}
	return p.UserID
}

type principalKey struct{}

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal of ctx, or nil.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
