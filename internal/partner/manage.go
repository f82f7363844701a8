package partner

import (
	"context"
	"slices"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// The provider's changes to partner organisations: each applies the rules
// that Create and Save leave to their callers and records itself in the audit
// log in the same transaction.

// accountSummary is how a user appears in the audit log: never its password
// hash.
type accountSummary struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
	Main        bool     `json:"main,omitempty"`
	Disabled    bool     `json:"disabled"`
}

func summarizeUser(u *auth.User) accountSummary {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return accountSummary{Username: u.Username, DisplayName: u.DisplayName, Roles: roles, Main: u.IsMain, Disabled: u.Disabled}
}

// partnerSummary is how a partner appears in the audit log.
type partnerSummary struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Type        Type   `json:"type"`
	Stage       Stage  `json:"stage"`
	ParentID    string `json:"parent_id,omitempty"`
	PDMUserID   string `json:"pdm_user_id,omitempty"`
}

func summarizePartner(p *Partner) partnerSummary {
	return partnerSummary{Name: p.Name, DisplayName: p.DisplayName, Type: p.Type, Stage: p.Stage, ParentID: p.ParentID, PDMUserID: p.PDMUserID}
}

// CheckPDM checks that a partner's development manager is a member of staff
// with the PDM role; an empty id means no PDM yet.
func CheckPDM(ctx context.Context, q store.Queryer, userID string) error {
	if userID == "" {
		return nil
	}
	u, err := auth.GetUser(ctx, q, userID)
	if err != nil || !u.IsStaff() || u.Disabled || !slices.Contains(u.Roles, auth.StaffPDM) {
		return apperr.Field("pdm_user_id", "partner.pdm_invalid", "choose a member of staff with the PDM role")
	}
	return nil
}

// CreateWithMainAccount creates a partner and its main account, which signs
// in with the partner's name and the given initial password.
func CreateWithMainAccount(ctx context.Context, tx *store.Tx, n NewPartner, password string) (*Partner, *auth.User, error) {
	if err := CheckPDM(ctx, tx, n.PDMUserID); err != nil {
		return nil, nil, err
	}
	p, err := Create(ctx, tx, n)
	if err != nil {
		return nil, nil, err
	}
	u, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: p.Name, DisplayName: p.DisplayName, PartnerID: p.ID,
		IsMain: true, Roles: []auth.Role{auth.PartnerAdmin}, Password: password, Email: p.Email, Mobile: p.Mobile})
	if e, ok := apperr.As(err); ok && e.Field == "username" {
		// The main account's user name is the partner's name: the fault is there.
		moved := *e
		moved.Field = "name"
		return nil, nil, &moved
	}
	if err != nil {
		return nil, nil, err
	}
	err = audit.Record(ctx, tx, audit.Change{PartnerID: p.ID, Action: "partner.create", ObjectType: "partner", ObjectID: p.ID,
		After: summarizePartner(p)})
	return p, u, err
}

// Edit applies a provider's edit. A total distributor that still has indirect
// resellers keeps its type, so that no reseller is left under a partner that
// cannot have any.
func Edit(ctx context.Context, tx *store.Tx, id string, u Update) (*Partner, error) {
	cur, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if cur.Type == TotalDistributor && u.Type != TotalDistributor {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM partners WHERE parent_id = ?`, id).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, apperr.Field("type", "partner.has_resellers", "this total distributor still has indirect resellers")
		}
	}
	if err := CheckPDM(ctx, tx, u.PDMUserID); err != nil {
		return nil, err
	}
	before, after, err := Save(ctx, tx, id, u)
	if err != nil {
		return nil, err
	}
	err = audit.Record(ctx, tx, audit.Change{PartnerID: id, Action: "partner.update", ObjectType: "partner", ObjectID: id,
		Before: summarizePartner(before), After: summarizePartner(after)})
	return after, err
}

// CreateSubAccount adds a sub-account to a partner.
func CreateSubAccount(ctx context.Context, tx *store.Tx, partnerID string, n auth.NewUser) (*auth.User, error) {
	n.PartnerID, n.IsMain = partnerID, false
	u, err := auth.CreateUser(ctx, tx, n)
	if err != nil {
		return nil, err
	}
	err = audit.Record(ctx, tx, audit.Change{PartnerID: partnerID, Action: "user.create", ObjectType: "user", ObjectID: u.ID,
		After: summarizeUser(u)})
	return u, err
}

// SetSubAccountRoles replaces a sub-account's roles.
func SetSubAccountRoles(ctx context.Context, tx *store.Tx, partnerID, userID string, roles []auth.Role) error {
	cur, err := auth.GetTenantUser(ctx, tx, partnerID, userID)
	if err != nil {
		return err
	}
	return setAccount(ctx, tx, "user.roles", partnerID, userID, roles, cur.Disabled)
}

// SetSubAccountDisabled disables or enables a sub-account; disabling ends
// its sessions at once.
func SetSubAccountDisabled(ctx context.Context, tx *store.Tx, partnerID, userID string, disabled bool) error {
	cur, err := auth.GetTenantUser(ctx, tx, partnerID, userID)
	if err != nil {
		return err
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return setAccount(ctx, tx, action, partnerID, userID, cur.Roles, disabled)
}

func setAccount(ctx context.Context, tx *store.Tx, action, partnerID, userID string, roles []auth.Role, disabled bool) error {
	before, after, err := auth.SetRoles(ctx, tx, partnerID, userID, roles, disabled)
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{PartnerID: partnerID, Action: action, ObjectType: "user", ObjectID: userID,
		Before: summarizeUser(before), After: summarizeUser(after)})
}
