package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// The 客户管理 pages (销售 > 客户 > 客户管理): the customer list with its
// query conditions, a customer's details, and (customers_ops.go,
// customers_money.go) the operations of a row's 更多 menu. Which customers a
// user sees is decided by customer.ScopeFor alone: a 客户经理 sees the
// customers in its charge, a total distributor also its resellers' customers
// on a tab of their own; any other id answers not found.

const customersPath = "/console/customers"

// The tabs of a total distributor's list; a partner without resellers has
// no tabs.
const (
	tabOwn       = ""
	tabResellers = "resellers"
)

// customersView is the list page.
type customersView struct {
	Tabs []tab
	// OnResellers is set on the 二级经销商客户 tab, where Resellers is the
	// picker of the reseller to act for.
	OnResellers bool
	Resellers   []option
	Types       []option
	Managers    []option // nil: no 客户经理 condition (a manager sees only its own)
	Rows        []customerRow
	Pager       pager
	ShowBalance bool
	CanManage   bool   // 新建客户 and 邀请客户
	Reset       string // the list without conditions, on this tab
}

// customerRow is one customer of the list.
type customerRow struct {
	*customer.Customer
	Reseller string // the reseller's name, on the 二级经销商客户 tab
	Balance  string // a resale customer's balance; empty for a referral one
	Href     string // the details page
	Ops      []opLink
}

// opLink is one operation of a 更多 menu or of a page's actions.
type opLink struct {
	Label string // message key
	Href  string
}

func associationKey(t customer.AssociationType) string {
	return "customers.association." + strconv.Itoa(int(t))
}

func associationOptions(lang i18n.Lang) []option {
	return []option{
		{Value: "2", Label: i18n.T(lang, associationKey(customer.Resale))},
		{Value: "1", Label: i18n.T(lang, associationKey(customer.Referral))},
	}
}

// resellerTab reports whether the caller may see its resellers' customers:
// a total distributor's user who sees all customers and the resellers.
func (c *call) resellerTab(me *partner.Partner) bool {
	return me.Type == partner.TotalDistributor && c.p.Can(auth.PermCustomerView) && c.p.Can(auth.PermResellerView)
}

func (h *handler) customersPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	f := newForm(c.r.URL.Query())
	me, err := partner.Get(ctx, q, c.p.PartnerID)
	if err != nil {
		return err
	}
	v := customersView{Types: associationOptions(c.lang), CanManage: c.p.Can(auth.PermCustomerManage),
		ShowBalance: c.p.Can(auth.PermFundsView), Reset: customersPath}
	which, indirect := customer.OwnCustomers, ""
	resellerNames := map[string]string{}
	if c.resellerTab(me) {
		v.OnResellers = f.Get("tab") == tabResellers
		v.Tabs = []tab{
			{Label: "customers.tab.own", Href: customersPath, Active: !v.OnResellers},
			{Label: "customers.tab.resellers", Href: customersPath + "?tab=" + tabResellers, Active: v.OnResellers},
		}
		if v.OnResellers {
			v.Reset = v.Tabs[1].Href
			which, indirect = customer.ResellerCustomers, f.Get("indirect")
			list, _, err := partner.ListIndirect(ctx, q, partner.IndirectFilter{DistributorID: me.ID, Limit: 1000})
			if err != nil {
				return err
			}
			for _, r := range list {
				v.Resellers = append(v.Resellers, option{Value: r.ID, Label: r.DisplayName})
				resellerNames[r.ID] = r.DisplayName
			}
		}
	}
	scope, err := customer.ScopeFor(ctx, q, c.p, which, indirect)
	if err != nil {
		return err
	}
	filter := customer.Filter{AccountName: f.Get("account_name"), RealName: f.Get("real_name"), Label: f.Get("label"), Limit: pageSize}
	if s := f.Get("association_type"); s != "" {
		n, _ := strconv.Atoi(s)
		if filter.AssociationType = customer.AssociationType(n); !filter.AssociationType.Valid() {
			if err := f.take(c, apperr.Field("association_type", "customer.association_type_invalid", "choose referral or resale")); err != nil {
				return err
			}
		}
	}
	if filter.AssociatedFrom, filter.AssociatedTo, err = dateRange(c, f); err != nil {
		return err
	}
	if !filter.AssociatedTo.IsZero() {
		filter.AssociatedTo = filter.AssociatedTo.Add(-time.Microsecond) // the list's bound is inclusive
	}
	if c.p.Can(auth.PermCustomerView) && !v.OnResellers {
		managers, err := customer.Managers(ctx, q, me.ID)
		if err != nil {
			return err
		}
		for _, m := range managers {
			v.Managers = append(v.Managers, option{Value: m.ID, Label: m.DisplayName + " (" + m.Username + ")"})
		}
		filter.ManagerUserID = f.Get("manager")
	}
	page, offset := pageOf(c.r)
	filter.Offset = offset
	var list []*customer.Customer
	total := 0
	if f.ok() {
		if list, total, err = customer.List(ctx, q, scope, filter); err != nil {
			return err
		}
	}
	v.Pager = newPager(c.r, page, total)
	for _, cu := range list {
		row := customerRow{Customer: cu, Href: customerHref(cu, c.p.PartnerID), Reseller: resellerNames[cu.PartnerID], Ops: c.customerOps(cu)}
		if v.ShowBalance && cu.AssociationType == customer.Resale {
			if row.Balance, err = balanceText(ctx, q, cu.ID); err != nil {
				return err
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return c.render(http.StatusOK, "customers", &view{Title: "customers.title", Active: customersPath, Form: f, Data: v})
}

// customerHref is a customer's details page; a reseller's customer is read
// acting for the reseller.
func customerHref(cu *customer.Customer, own string) string {
	href := customersPath + "/" + cu.ID
	if cu.PartnerID != own {
		href += "?indirect=" + url.QueryEscape(cu.PartnerID)
	}
	return href
}

func balanceText(ctx context.Context, q store.Queryer, customerID string) (string, error) {
	balance, _, err := funds.CustomerBalance(ctx, q, customerID)
	return money.Format(balance), err
}

// customerOps are the operations the caller may start on a customer, as
// the 更多 menu and the details page offer them. A reseller's customer has
// none: its money and its managers are the reseller's.
func (c *call) customerOps(cu *customer.Customer) []opLink {
	if cu.PartnerID != c.p.PartnerID {
		return nil
	}
	manage, move := c.p.Can(auth.PermCustomerManage), c.p.Can(auth.PermFundsMove)
	resale, frozen := cu.AssociationType == customer.Resale, cu.Frozen != customer.NotFrozen
	base := customersPath + "/" + cu.ID
	var ops []opLink
	for _, op := range []struct {
		ok          bool
		label, path string
	}{
		{manage, "customers.op.manager", "/manager"},
		{manage && resale && !frozen, "customers.op.freeze", "/freeze"},
		{manage && frozen, "customers.op.unfreeze", "/unfreeze"},
		{move && resale, "customers.op.allocate", "/allocate"},
		{move && resale, "customers.op.reclaim", "/reclaim"},
		{move && resale, "customers.op.order", "/order"},
		// Only the main account may unbind (funds.RequestUnbind).
		{manage && c.p.IsMain, "customers.op.unbind", "/unbind"},
		{manage, "customers.op.switch_type", "/switch-type"},
		{true, "customers.op.resources", "/resources"},
	} {
		if op.ok {
			ops = append(ops, opLink{Label: op.label, Href: base + op.path})
		}
	}
	return ops
}

// visibleCustomer loads the customer of the request's path that the caller
// may see, acting for the reseller named by ?indirect= if any.
func (c *call) visibleCustomer(indirect string) (*customer.Customer, error) {
	ctx, q := c.r.Context(), c.h.app.DB.Reader()
	scope, err := customer.ScopeFor(ctx, q, c.p, customer.OwnCustomers, indirect)
	if err != nil {
		return nil, err
	}
	return customer.Get(ctx, q, scope, c.r.PathValue("id"))
}

// customerDetail is a customer's details page.
type customerDetail struct {
	C           *customer.Customer
	Reseller    string
	ShowBalance bool
	Balance     string
	Available   string
	Periods     managerPeriods
	ShowAdjust  bool
	Adjustments []customerAdjustment
	Pager       pager
	Ops         []opLink
	Loc         *time.Location
}

// managerPeriods are who was in charge of a customer or a reseller when,
// as the manager_periods partial shows them.
type managerPeriods struct {
	Rows []managerPeriod
	Loc  *time.Location
}

type managerPeriod struct {
	Name, Username string
	From, Until    time.Time // Until is zero while the period is open
}

// customerAdjustment is one 调账记录 of a customer.
type customerAdjustment struct {
	funds.Adjustment
	Operation string // message key
	Money     string
}

func (h *handler) customerPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	cu, err := c.visibleCustomer(c.r.URL.Query().Get("indirect"))
	if err != nil {
		return err
	}
	d := customerDetail{C: cu, Ops: c.customerOps(cu), Loc: c.loc, ShowBalance: c.p.Can(auth.PermFundsView) && cu.AssociationType == customer.Resale,
		ShowAdjust: c.p.Can(auth.PermFundsView)}
	if cu.PartnerID != c.p.PartnerID {
		r, err := partner.Get(ctx, q, cu.PartnerID)
		if err != nil {
			return err
		}
		d.Reseller = r.DisplayName
	}
	if d.ShowBalance {
		balance, available, err := funds.CustomerBalance(ctx, q, cu.ID)
		if err != nil {
			return err
		}
		d.Balance, d.Available = money.Format(balance), money.Format(available)
	}
	history, err := customer.ManagerHistory(ctx, q, cu.ID)
	if err != nil {
		return err
	}
	d.Periods.Loc = c.loc
	for _, p := range history {
		d.Periods.Rows = append(d.Periods.Rows, managerPeriod{Name: p.Manager.DisplayName, Username: p.Manager.Username, From: p.Starts, Until: p.Ends})
	}
	if d.ShowAdjust {
		page, offset := pageOf(c.r)
		list, total, err := funds.Adjustments(ctx, q, funds.AdjustmentFilter{PartnerID: cu.PartnerID, CustomerID: cu.ID, Offset: offset, Limit: pageSize})
		if err != nil {
			return err
		}
		d.Pager = newPager(c.r, page, total)
		for _, a := range list {
			d.Adjustments = append(d.Adjustments, customerAdjustment{Adjustment: a, Operation: "customers.adjust." + a.OperationType, Money: money.Format(a.Amount)})
		}
	}
	return c.render(http.StatusOK, "customers_detail", &view{Title: "customers.detail_title", Active: customersPath, Data: d})
}

// pageAndForm registers a page and the form it posts to itself.
func (h *handler) pageAndForm(path string, need []auth.Permission, fn func(*call) error) {
	h.page("GET "+path, need, fn)
	h.page("POST "+path, need, fn)
}

func (h *handler) allocateCustomerPage(c *call) error { return h.customerMoney(c, false) }
func (h *handler) reclaimCustomerPage(c *call) error  { return h.customerMoney(c, true) }
