package console

import (
	"context"
	"net/http"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// The pages a customer opens from a partner's link, without any session:
// /invite/{token} to accept an invitation or a change of association type,
// and /unbind/{token} to confirm an unbinding. The token is the only
// credential; a forged, used or expired one gets a page saying so. Their
// forms are still behind the cross-origin protection of every console
// route, so another site cannot make a visitor's browser confirm.

// linkPage is what invite.html shows.
type linkPage struct {
	Kind    string // customer.InviteAssociate, customer.InviteSwitchType or "unbind"
	Done    bool   // the confirmation just went through
	Problem string // why the link cannot be used, in the reader's language
	Partner string
	Account string
	Type    customer.AssociationType
	Amount  string // what returns to the partner on unbinding
	Expires time.Time
	Loc     *time.Location
}

// linkStatus is the status of a page whose link cannot be used.
func linkStatus(err error) int {
	if apperr.CodeOf(err) == apperr.NotFound {
		return http.StatusNotFound
	}
	return http.StatusConflict
}

// linkProblem renders the page of an unusable link; any other error is
// returned for the error page.
func (c *call) linkProblem(v linkPage, err error) error {
	e, ok := apperr.As(err)
	if !ok || (e.Code != apperr.NotFound && e.Code != apperr.Conflict) {
		return err
	}
	v.Problem, v.Loc = c.errText(e), c.loc
	return c.render(linkStatus(err), "invite", &view{Title: linkTitle(v.Kind), Data: v})
}

func linkTitle(kind string) string {
	switch kind {
	case customer.InviteSwitchType:
		return "invite.switch_title"
	case unbindKind:
		return "invite.unbind_title"
	}
	return "invite.title"
}

const unbindKind = "unbind"

// isLinkPage reports whether path is one of the pages of this file.
func isLinkPage(path string) bool {
	return strings.HasPrefix(path, "/invite/") || strings.HasPrefix(path, "/unbind/")
}

// forCustomer shows a link page as the customer sees it: without the
// console's navigation, even when a partner user is signed in in the same
// browser.
func (c *call) forCustomer() { c.p = nil }

// customerActor is who the audit log names for what a customer confirms
// through a link: the customer's account, which has no user of its own here.
func customerActor(ctx context.Context, customerID, domainName string) context.Context {
	return auth.WithPrincipal(ctx, &auth.Principal{UserID: customerID, Username: domainName})
}

func (h *handler) invitePage(c *call) error {
	c.forCustomer()
	token := c.r.PathValue("token")
	inv, err := customer.GetInvite(c.r.Context(), h.app.DB.Reader(), token)
	if err != nil {
		return c.linkProblem(linkPage{}, err)
	}
	v := linkPage{Kind: inv.Kind, Partner: inv.PartnerName, Account: inv.DomainName, Type: inv.AssociationType, Expires: inv.ExpiresAt, Loc: c.loc}
	switch {
	case !inv.UsedAt.IsZero():
		return c.linkProblem(v, apperr.New(apperr.Conflict, "customer.invite_used", "this link has already been used"))
	case !h.app.DB.Now().Before(inv.ExpiresAt):
		return c.linkProblem(v, apperr.New(apperr.Conflict, "customer.invite_expired", "this link has expired"))
	}
	if c.r.Method == http.MethodGet {
		return c.render(http.StatusOK, "invite", &view{Title: linkTitle(v.Kind), Data: v})
	}
	ctx := customerActor(c.r.Context(), inv.CustomerID, inv.DomainName)
	err = h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		inv, before, after, err := customer.AcceptInvite(ctx, tx, token)
		if err != nil {
			return err
		}
		action := "customer.associate"
		if inv.Kind == customer.InviteSwitchType {
			action = "customer.switch_type"
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: inv.PartnerID, Action: action, ObjectType: "customer", ObjectID: inv.CustomerID,
			Before: summarizeCustomer(before), After: summarizeCustomer(after)})
	})
	if err != nil {
		return c.linkProblem(v, err)
	}
	v.Done = true
	return c.render(http.StatusOK, "invite", &view{Title: linkTitle(v.Kind), Data: v})
}

func (h *handler) unbindPage(c *call) error {
	c.forCustomer()
	ctx, q := c.r.Context(), h.app.DB.Reader()
	token := c.r.PathValue("token")
	v := linkPage{Kind: unbindKind, Loc: c.loc}
	r, err := funds.GetUnbindByToken(ctx, q, token)
	if err != nil {
		return c.linkProblem(v, err)
	}
	p, err := partner.Get(ctx, q, r.PartnerID)
	if err != nil {
		return err
	}
	v.Partner, v.Account, v.Expires = p.DisplayName, r.CustomerName, r.ExpiresAt
	switch {
	case r.Status != funds.UnbindPending:
		return c.linkProblem(v, apperr.New(apperr.Conflict, "funds.unbind_done", "this unbinding has already been completed"))
	case !h.app.DB.Now().Before(r.ExpiresAt):
		return c.linkProblem(v, apperr.New(apperr.Conflict, "funds.unbind_expired", "this link has expired"))
	}
	if c.r.Method == http.MethodGet {
		_, available, err := funds.CustomerBalance(ctx, q, r.CustomerID)
		if err != nil {
			return err
		}
		v.Amount = money.Format(available)
		return c.render(http.StatusOK, "invite", &view{Title: linkTitle(v.Kind), Data: v})
	}
	ctx = customerActor(ctx, r.CustomerID, r.CustomerName)
	var done *funds.UnbindRequest
	err = h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if done, err = funds.ConfirmUnbind(ctx, tx, token); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: done.PartnerID, Action: "customer.unbind", ObjectType: "customer",
			ObjectID: done.CustomerID, Before: map[string]any{"domain_name": done.CustomerName},
			After: map[string]any{"returned_amount": money.Format(done.ReturnedAmount), "trans_id": done.TransID}})
	})
	if err != nil {
		return c.linkProblem(v, err)
	}
	v.Done, v.Amount = true, money.Format(done.ReturnedAmount)
	return c.render(http.StatusOK, "invite", &view{Title: linkTitle(v.Kind), Data: v})
}
