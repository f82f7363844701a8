package console

import (
	"context"
	"net/http"

	"partnercenter/internal/partner"
	"partnercenter/internal/store"
)

// Invitations of existing resellers: a total distributor invites one from
// 二级经销商管理 by its name; the invited reseller's administrators accept or
// decline on 经销商邀请 (组织). The reseller joins the distributor only when
// it accepts.

const invitationsPath = "/console/org/invitations"

// inviteReseller sends an invitation; a refused one shows on the list page,
// next to the name field.
func (h *handler) inviteReseller(c *call) error {
	if !h.isDistributor(c.r.Context(), c.p) {
		return errNotDistributor
	}
	f := newForm(c.postForm())
	var inv *partner.Invitation
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		inv, err = partner.InviteReseller(ctx, tx, c.p.PartnerID, f.Get("name"))
		return err
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderResellers(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("resellers.invited_ok", resellersPath, inv.ResellerName)
}

// invitationsView is the invited partner's page.
type invitationsView struct {
	Rows []*partner.Invitation
}

func (h *handler) invitationsPage(c *call) error {
	return h.renderInvitations(c, http.StatusOK, newForm(nil))
}

func (h *handler) renderInvitations(c *call, status int, f *form) error {
	var v invitationsView
	if c.p.PartnerID != "" {
		var err error
		if v.Rows, err = partner.PendingInvitations(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, h.app.DB.Now()); err != nil {
			return err
		}
	}
	return c.render(status, "org_invitations", &view{Title: "invitations.title", Active: invitationsPath, Form: f, Data: v})
}

// answerInvitation accepts or declines the invitation of the path; another
// partner's invitation answers not found.
func (h *handler) answerInvitation(c *call, accept bool) error {
	f := newForm(nil)
	var inv *partner.Invitation
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if accept {
			inv, err = partner.AcceptResellerInvite(ctx, tx, c.p.PartnerID, c.r.PathValue("id"))
		} else {
			inv, err = partner.DeclineResellerInvite(ctx, tx, c.p.PartnerID, c.r.PathValue("id"))
		}
		return err
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderInvitations(c, http.StatusConflict, f)
	}
	if accept {
		return c.done("invitations.accepted_ok", invitationsPath, inv.DistributorName)
	}
	return c.done("invitations.declined_ok", invitationsPath, inv.DistributorName)
}

func (h *handler) acceptInvitation(c *call) error  { return h.answerInvitation(c, true) }
func (h *handler) declineInvitation(c *call) error { return h.answerInvitation(c, false) }
