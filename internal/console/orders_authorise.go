package console

import (
	"net/http"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/customer"
	"partnercenter/internal/order"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// The customer's authorisation of 代客下单. The partner cannot grant it: it
// sends the customer a link (发送授权链接 on the 代客下单 page), and the
// customer grants or revokes it on /authorise/{token}, without a session,
// like the other pages a customer opens from a partner's link (invite.go).
// A new link replaces the earlier one; the decision stays as it was.

// authoriseLinkView is the page that hands over the link.
type authoriseLinkView struct {
	Account string
	Link    string
	Back    string
}

func (h *handler) sendAuthorisationLink(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	scope, err := c.orderScope()
	if err != nil {
		return err
	}
	cu, err := customer.Get(ctx, q, scope, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var token string
	err = h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if token, err = order.AuthorisationLink(ctx, tx, c.p.PartnerID, cu.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "order.authorisation_link", ObjectType: "customer",
			ObjectID: cu.ID, After: map[string]any{"domain_name": cu.DomainName}})
	})
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "authorise_link", &view{Title: "orders.send_link", Active: customersPath,
		Data: authoriseLinkView{Account: cu.DomainName, Link: c.publicLink("/authorise/" + token), Back: customersPath + "/" + cu.ID + "/order"}})
}

// authoriseView is the customer's page.
type authoriseView struct {
	Partner string
	Account string
	Granted bool
	Changed time.Time
	Done    bool   // the decision was just recorded
	Problem string // why the link cannot be used
	Loc     *time.Location
}

func (h *handler) authorisePage(c *call) error {
	c.forCustomer()
	ctx, q := c.r.Context(), h.app.DB.Reader()
	token := c.r.PathValue("token")
	v := authoriseView{Loc: c.loc}
	a, err := order.AuthorisationByToken(ctx, q, token)
	if err != nil {
		return c.authoriseProblem(v, err)
	}
	p, err := partner.Get(ctx, q, a.PartnerID)
	if err != nil {
		return err
	}
	v.Partner, v.Account, v.Granted, v.Changed = p.DisplayName, a.CustomerName, a.Granted, a.ChangedAt
	if c.r.Method == http.MethodPost {
		grant := c.postForm().Get("grant") == "1"
		ctx := customerActor(ctx, a.CustomerID, a.CustomerName)
		err := h.app.DB.InTx(ctx, func(tx *store.Tx) error {
			after, err := order.SetAuthorisation(ctx, tx, token, grant)
			if err != nil {
				return err
			}
			v.Granted, v.Changed = after.Granted, after.ChangedAt
			return audit.Record(ctx, tx, audit.Change{PartnerID: after.PartnerID, Action: "order.authorisation", ObjectType: "customer",
				ObjectID: after.CustomerID, Before: map[string]any{"granted": a.Granted}, After: map[string]any{"granted": after.Granted}})
		})
		if err != nil {
			return c.authoriseProblem(v, err)
		}
		v.Done = true
	}
	return c.render(http.StatusOK, "authorise", &view{Title: "orders.authorise_title", Data: v})
}

// authoriseProblem renders the page of a link that cannot be used; any
// other error is returned for the error page.
func (c *call) authoriseProblem(v authoriseView, err error) error {
	e, ok := apperr.As(err)
	if !ok || (e.Code != apperr.NotFound && e.Code != apperr.Conflict) {
		return err
	}
	v.Problem = c.errText(e)
	return c.render(linkStatus(err), "authorise", &view{Title: "orders.authorise_title", Data: v})
}
