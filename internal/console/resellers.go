package console

import (
	"context"
	"net/http"
	"net/url"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 二级经销商管理 (销售 > 客户): a total distributor's indirect resellers, with
// 拨款/回收 to their recharge accounts, creating one (the partner and its
// main account), and the distributor's user in charge of each. Only a total
// distributor has this page; every reseller id is checked to be one of the
// caller's, any other answers not found.

const resellersPath = "/console/resellers"

// pagesForType are menu pages that only one type of partner has a use
// for: 二级经销商管理 for total distributors, 经销商邀请 (invitations to join
// a distributor) for resellers.
var pagesForType = map[string]partner.Type{resellersPath: partner.TotalDistributor, "/console/org/invitations": partner.Reseller}

// isDistributor reports whether the principal's partner is a total
// distributor.
func (h *handler) isDistributor(ctx context.Context, p *auth.Principal) bool {
	if p.PartnerID == "" {
		return false
	}
	me, err := partner.Get(ctx, h.app.DB.Reader(), p.PartnerID)
	return err == nil && me.Type == partner.TotalDistributor
}

var errNotDistributor = apperr.New(apperr.Forbidden, "customer.not_distributor", "only a total distributor has resellers")

// resellersView is the list page.
type resellersView struct {
	Rows      []resellerRow
	Pager     pager
	CanCreate bool
	Invite    *form                 // 邀请经销商, shown with CanCreate
	Invites   []*partner.Invitation // the caller's invitations awaiting an answer
}

type resellerRow struct {
	*partner.Partner
	Href    string
	Manager string
	Balance string // the recharge account's balance
	Ops     []opLink
}

// resellerOps are the operations the caller may start on a reseller.
func (c *call) resellerOps(id string) []opLink {
	base := resellersPath + "/" + id
	var ops []opLink
	if c.p.Can(auth.PermFundsMove) {
		ops = append(ops, opLink{"resellers.op.allocate", base + "/allocate"}, opLink{"resellers.op.reclaim", base + "/reclaim"})
	}
	if c.p.Can(auth.PermResellerManage) {
		ops = append(ops, opLink{"customers.op.manager", base + "/manager"})
	}
	if c.p.Can(auth.PermCustomerView) {
		ops = append(ops, opLink{"resellers.op.customers", customersPath + "?" + url.Values{"tab": {tabResellers}, "indirect": {id}}.Encode()})
	}
	return ops
}

func (h *handler) resellersPage(c *call) error {
	return h.renderResellers(c, http.StatusOK, newForm(nil))
}

// renderResellers shows the list page with the 邀请经销商 form invite, which
// carries its messages when a submitted invitation was refused.
func (h *handler) renderResellers(c *call, status int, invite *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	if !h.isDistributor(ctx, c.p) {
		return errNotDistributor
	}
	f := newForm(c.r.URL.Query())
	filter := partner.IndirectFilter{DistributorID: c.p.PartnerID, AccountName: f.Get("account_name"), Limit: pageSize}
	var err error
	if filter.AssociatedFrom, filter.AssociatedTo, err = dateRange(c, f); err != nil {
		return err
	}
	page, offset := pageOf(c.r)
	filter.Offset = offset
	v := resellersView{CanCreate: c.p.Can(auth.PermResellerManage), Invite: invite}
	if v.CanCreate {
		if v.Invites, err = partner.SentInvitations(ctx, q, c.p.PartnerID, h.app.DB.Now()); err != nil {
			return err
		}
	}
	var list []*partner.Partner
	total := 0
	if f.ok() {
		if list, total, err = partner.ListIndirect(ctx, q, filter); err != nil {
			return err
		}
	}
	v.Pager = newPager(c.r, page, total)
	idsOf := make([]string, len(list))
	for i, r := range list {
		idsOf[i] = r.ID
	}
	managers, err := partner.ManagersAt(ctx, q, c.p.PartnerID, idsOf, h.app.DB.Now())
	if err != nil {
		return err
	}
	for _, r := range list {
		row := resellerRow{Partner: r, Href: resellersPath + "/" + r.ID, Ops: c.resellerOps(r.ID)}
		if m := managers[r.ID]; m != nil {
			row.Manager = m.DisplayName
		}
		b, err := funds.PartnerBalances(ctx, q, r.ID)
		if err != nil {
			return err
		}
		row.Balance = money.Format(b.Recharge)
		v.Rows = append(v.Rows, row)
	}
	return c.render(status, "resellers", &view{Title: "resellers.title", Active: resellersPath, Form: f, Data: v})
}

// myReseller returns the caller's reseller named by the request's path.
func (c *call) myReseller() (*partner.Partner, error) {
	ctx, q := c.r.Context(), c.h.app.DB.Reader()
	id := c.r.PathValue("id")
	if id == c.p.PartnerID {
		return nil, apperr.NotFoundf("partner.indirect_not_found", "indirect partner not found")
	}
	if _, err := partner.ActingFor(ctx, q, c.p.PartnerID, id); err != nil {
		return nil, err
	}
	return partner.Get(ctx, q, id)
}

// resellerDetail is a reseller's page.
type resellerDetail struct {
	Profile *profileView
	Balance string
	Periods managerPeriods
	Ops     []opLink
}

func (h *handler) resellerPage(c *call) error {
	r, err := c.myReseller()
	if err != nil {
		return err
	}
	ctx, q := c.r.Context(), h.app.DB.Reader()
	prof, err := c.loadProfile(r.ID, false)
	if err != nil {
		return err
	}
	d := resellerDetail{Profile: prof, Ops: c.resellerOps(r.ID)}
	b, err := funds.PartnerBalances(ctx, q, r.ID)
	if err != nil {
		return err
	}
	d.Balance = money.Format(b.Recharge)
	history, err := partner.ManagerHistory(ctx, q, c.p.PartnerID, r.ID)
	if err != nil {
		return err
	}
	d.Periods.Loc = c.loc
	for _, p := range history {
		d.Periods.Rows = append(d.Periods.Rows, managerPeriod{Name: p.Manager.DisplayName, Username: p.Manager.Username, From: p.Manager.Since, Until: p.Ends})
	}
	return c.render(http.StatusOK, "resellers_detail", &view{Title: "resellers.detail_title", Active: resellersPath, Data: d})
}

// newResellerPage creates an indirect reseller of the caller and its main
// account, which signs in with the reseller's handle.
func (h *handler) newResellerPage(c *call) error {
	if !h.isDistributor(c.r.Context(), c.p) {
		return errNotDistributor
	}
	if c.r.Method == http.MethodGet {
		return h.renderNewReseller(c, http.StatusOK, newForm(nil))
	}
	f := newForm(c.postForm())
	password := f.Values.Get("password")
	n := partner.NewPartner{Name: f.Get("name"), DisplayName: f.Get("display_name"), Type: partner.Reseller, Stage: partner.Registered,
		ParentID: c.p.PartnerID, Email: f.Get("email"), Mobile: f.Get("mobile")}
	var created *partner.Partner
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if created, _, err = partner.CreateWithMainAccount(ctx, tx, n, password); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "reseller.create", ObjectType: "partner", ObjectID: created.ID,
			After: map[string]any{"name": created.Name, "display_name": created.DisplayName}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		// Validation stops at its first fault; the password's own rule is
		// checked too, so that both messages show at once.
		_ = f.take(c, auth.CheckPasswordPolicy("password", password))
		return h.renderNewReseller(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("resellers.created_ok", resellersPath+"/"+created.ID, created.Name)
}

func (h *handler) renderNewReseller(c *call, status int, f *form) error {
	f.Values.Del("password")
	return c.render(status, "resellers_new", &view{Title: "resellers.create", Active: resellersPath, Form: f})
}

// resellerManagerPage puts one of the distributor's users in charge of a
// reseller (or ends the current manager's period).
func (h *handler) resellerManagerPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	r, err := c.myReseller()
	if err != nil {
		return err
	}
	v := opView{Op: "manager", Subject: r.DisplayName, Action: c.r.URL.Path}
	current, err := partner.ManagersAt(ctx, q, c.p.PartnerID, []string{r.ID}, h.app.DB.Now())
	if err != nil {
		return err
	}
	if m := current[r.ID]; m != nil {
		v.Current = m.DisplayName
	}
	users, err := auth.ListPartnerUsers(ctx, q, c.p.PartnerID)
	if err != nil {
		return err
	}
	for _, u := range users {
		if partner.MayManageResellers(u) {
			v.Options = append(v.Options, managerOptions([]*auth.User{u})...)
		}
	}
	f, status := c.formFor(nil), http.StatusOK
	if c.r.Method == http.MethodPost {
		f = newForm(c.postForm())
		from := c.startDay(f)
		err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
			before, after, err := partner.AssignManager(ctx, tx, c.p.PartnerID, r.ID, f.Get("manager"), from)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "reseller.manager", ObjectType: "partner", ObjectID: r.ID,
				Before: resellerManagerSummary(before), After: resellerManagerSummary(after)})
		})
		if err != nil {
			return err
		}
		if f.ok() {
			return c.done("customers.manager_ok", backTo(f, resellersPath), r.DisplayName)
		}
		status = http.StatusUnprocessableEntity
	}
	v.Back = backTo(f, resellersPath)
	return c.render(status, "customers_op", &view{Title: "customers.op.manager", Active: resellersPath, Form: f, Data: v})
}

func resellerManagerSummary(m *partner.Manager) any {
	if m == nil {
		return map[string]any{"manager": nil}
	}
	return map[string]any{"manager": m.Username, "since": m.Since}
}

// resellerMoney serves 拨款 (reclaim false) or 回收 between the caller and
// one of its resellers' recharge account.
func (h *handler) resellerMoney(c *call, reclaim bool) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	r, err := c.myReseller()
	if err != nil {
		return err
	}
	m := &moneyMove{Active: resellersPath, TargetLabel: "resellers.name", Target: r.DisplayName, Back: resellersPath,
		audit: audit.Change{ObjectType: "partner", ObjectID: r.ID}}
	op := funds.AllocateToReseller
	if reclaim {
		m.Title, m.flash, m.AvailableLabel, m.audit.Action, op = "resellers.op.reclaim", "customers.reclaimed_ok", "resellers.available", "reseller.reclaim", funds.ReclaimFromReseller
		b, err := funds.PartnerBalances(ctx, q, r.ID)
		if err != nil {
			return err
		}
		m.Available = max(b.RechargeAvailable, 0)
	} else {
		m.Title, m.flash, m.AvailableLabel, m.audit.Action = "resellers.op.allocate", "customers.allocated_ok", "customers.partner_available", "reseller.allocate"
		if m.Available, err = partnerAvailable(ctx, q, c.p.PartnerID); err != nil {
			return err
		}
	}
	m.run = func(ctx context.Context, tx *store.Tx, amount int64, memo, client string) (*funds.Result, error) {
		return op(ctx, tx, c.p.PartnerID, r.ID, amount, c.p.Username, client)
	}
	return h.moveMoney(c, m)
}

func (h *handler) allocateResellerPage(c *call) error { return h.resellerMoney(c, false) }
func (h *handler) reclaimResellerPage(c *call) error  { return h.resellerMoney(c, true) }
