package console

import (
	"context"
	"net/http"
	"net/url"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// The organisation pages: a partner's main account (or a sub-account with
// the admin role) manages the partner's sub-accounts. Every query is scoped
// by the caller's partner, so another tenant's user answers not found.

func (h *handler) orgPage(c *call) error {
	users, err := auth.ListPartnerUsers(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID)
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "org", &view{Title: "org.title", Active: "/console/org", Data: users})
}

// subAccountForm is the data of the create and role pages.
type subAccountForm struct {
	User  *auth.User
	Roles []option
}

func (h *handler) newSubAccountPage(c *call) error {
	return h.renderNewSubAccount(c, http.StatusOK, newForm(nil))
}

func (h *handler) renderNewSubAccount(c *call, status int, f *form) error {
	f.Values.Del("password")
	return c.render(status, "org_new", &view{Title: "org.create", Active: "/console/org", Form: f,
		Data: subAccountForm{Roles: partnerRoleOptions(c.lang)}})
}

func (h *handler) createSubAccount(c *call) error {
	f := newForm(c.postForm())
	n := auth.NewUser{Username: f.Get("username"), DisplayName: f.Get("display_name"), Roles: rolesOf(f.Values),
		Password: f.Values.Get("password"), Locale: string(c.lang)}
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		_, err := partner.CreateSubAccount(ctx, tx, c.p.PartnerID, n)
		return err
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		// Validation stops at its first fault; the password's own rule is
		// checked too, so that both messages show at once.
		_ = f.take(c, auth.CheckPasswordPolicy("password", n.Password))
		return h.renderNewSubAccount(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("org.created_ok", "/console/org")
}

func rolesOf(v url.Values) []auth.Role {
	var out []auth.Role
	for _, r := range v["roles"] {
		out = append(out, auth.Role(r))
	}
	return out
}

// subAccountView is a sub-account's page: the account and its history.
type subAccountView struct {
	User    *auth.User
	History auditTable
}

func (h *handler) subAccountPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	u, err := auth.GetTenantUser(ctx, q, c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	history, _, err := audit.List(ctx, q, audit.Filter{PartnerID: c.p.PartnerID, ObjectID: u.ID, Limit: 20})
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "org_user", &view{Title: "org.user_title", Active: "/console/org",
		Data: subAccountView{User: u, History: c.auditTable(history, false)}})
}

func (h *handler) rolesPage(c *call) error {
	u, err := auth.GetTenantUser(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(nil)
	for _, r := range u.Roles {
		f.Values.Add("roles", string(r))
	}
	return h.renderRoles(c, http.StatusOK, u, f)
}

func (h *handler) renderRoles(c *call, status int, u *auth.User, f *form) error {
	return c.render(status, "org_roles", &view{Title: "org.edit_roles", Active: "/console/org", Form: f,
		Data: subAccountForm{User: u, Roles: partnerRoleOptions(c.lang)}})
}

func (h *handler) saveRoles(c *call) error {
	u, err := auth.GetTenantUser(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(c.postForm())
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		return partner.SetSubAccountRoles(ctx, tx, c.p.PartnerID, u.ID, rolesOf(f.Values))
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderRoles(c, http.StatusUnprocessableEntity, u, f)
	}
	return c.done("org.saved", "/console/org/users/"+u.ID)
}

// setStatus disables or enables a sub-account.
func (h *handler) setStatus(c *call) error {
	ctx := c.r.Context()
	disable := c.postForm().Get("disabled") == "1"
	err := h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		return partner.SetSubAccountDisabled(ctx, tx, c.p.PartnerID, c.r.PathValue("id"), disable)
	})
	e, refused := apperr.As(err)
	refused = refused && (e.Code == apperr.Conflict || e.Code == apperr.Invalid)
	switch {
	case refused:
		c.setFlash(e.Key, true)
	case err != nil:
		return err
	case disable:
		c.setFlash("org.disabled_ok", false)
	default:
		c.setFlash("org.enabled_ok", false)
	}
	c.redirect("/console/org")
	return nil
}
