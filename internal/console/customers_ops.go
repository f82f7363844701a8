package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// The forms of the customer list: 新建客户, 邀请客户, and the operations of a
// row's 更多 menu that are not money (customers_money.go): 分配客户经理,
// 冻结/解冻, 解除关联 and 切换关联类型. Each applies one domain function and
// its audit entry in one transaction; a refused one shows its messages on
// the form and changes nothing. The last two, like 邀请客户, end on a page
// with the link the customer opens to confirm (invite.go).

// customerSummary is how a customer appears in the audit log.
type customerSummary struct {
	DomainName      string `json:"domain_name"`
	RealName        string `json:"real_name,omitempty"`
	AssociationType int    `json:"association_type,omitempty"`
	Label           string `json:"label,omitempty"`
	Frozen          int    `json:"frozen"`
	FrozenReason    string `json:"frozen_reason,omitempty"`
}

func summarizeCustomer(cu *customer.Customer) customerSummary {
	return customerSummary{DomainName: cu.DomainName, RealName: cu.RealName, AssociationType: int(cu.AssociationType),
		Label: cu.Label, Frozen: cu.Frozen, FrozenReason: cu.FrozenReason}
}

// recordCustomer writes the audit entry of a change to one of the caller's
// customers.
func (c *call) recordCustomer(ctx context.Context, tx *store.Tx, action, customerID string, before, after any) error {
	return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: action, ObjectType: "customer", ObjectID: customerID,
		Before: before, After: after})
}

// backTo is where a form returns: the list page it was opened from (kept in
// a hidden field, so that the list's query conditions survive), else def.
func backTo(f *form, def string) string {
	if b := safeNext(f.Get("back")); b != "" {
		return b
	}
	return def
}

// formFor is the empty form of an operation page, remembering the page it
// was opened from.
func (c *call) formFor(values url.Values) *form {
	f := newForm(values)
	f.Values.Set("back", refererPath(c.r))
	return f
}

func customerTypeOptions(lang i18n.Lang) []option {
	out := []option{}
	for _, t := range []int{customer.TypeEnterprise, customer.TypeIndividual} {
		out = append(out, option{Value: strconv.Itoa(t), Label: i18n.T(lang, "customers.ctype."+strconv.Itoa(t))})
	}
	return out
}

// newCustomerPage is 新建客户: a resale customer account of the partner.
func (h *handler) newCustomerPage(c *call) error {
	if c.r.Method == http.MethodGet {
		return h.renderNewCustomer(c, http.StatusOK, c.formFor(url.Values{"customer_type": {strconv.Itoa(customer.TypeEnterprise)}}))
	}
	f := newForm(c.postForm())
	typ, err := strconv.Atoi(f.Get("customer_type"))
	if err != nil {
		typ = -2 // refused by the domain's check, next to the field
	}
	n := customer.NewCustomer{DomainName: f.Get("domain_name"), RealName: f.Get("real_name"), Type: typ, Email: f.Get("email"),
		Mobile: f.Get("mobile_phone"), Label: f.Get("label"), XAccountID: f.Get("xaccount_id")}
	var created *customer.Customer
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		me, err := partner.Get(ctx, tx, c.p.PartnerID)
		if err != nil {
			return err
		}
		if created, err = customer.Create(ctx, tx, me, n, false); err != nil {
			return err
		}
		return c.recordCustomer(ctx, tx, "customer.create", created.ID, nil, summarizeCustomer(created))
	})
	if err != nil {
		return err
	}
	if msg, ok := f.Errors["xaccount_type"]; ok {
		// The form has no platform field: the platform's fault is the user id's.
		delete(f.Errors, "xaccount_type")
		f.fieldError("xaccount_id", msg)
	}
	if !f.ok() {
		return h.renderNewCustomer(c, http.StatusUnprocessableEntity, f)
	}
	return c.done("customers.created_ok", backTo(f, customersPath), created.DomainName)
}

func (h *handler) renderNewCustomer(c *call, status int, f *form) error {
	return c.render(status, "customers_new", &view{Title: "customers.create", Active: customersPath, Form: f,
		Data: customerTypeOptions(c.lang)})
}

// linkView is the page that hands the customer its link: an invitation,
// a type switch or an unbinding to confirm.
type linkView struct {
	Heading string // message key
	Account string
	Link    string
	Expires time.Time
	Back    string
	Loc     *time.Location
}

// publicLink is the address of a public page of this site.
func (c *call) publicLink(path string) string {
	scheme := "http"
	if c.r.TLS != nil || c.h.app.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host + path
}

func (c *call) renderLink(title string, v linkView) error {
	v.Loc = c.loc
	return c.render(http.StatusOK, "customers_link", &view{Title: title, Active: customersPath, Data: v})
}

// inviteCustomerPage is 邀请客户: a link an existing account opens to become
// the partner's customer.
func (h *handler) inviteCustomerPage(c *call) error {
	if c.r.Method == http.MethodGet {
		return h.renderInvite(c, http.StatusOK, c.formFor(url.Values{"association_type": {"2"}}))
	}
	f := newForm(c.postForm())
	t, _ := strconv.Atoi(f.Get("association_type"))
	var token string
	var inv *customer.Invite
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if token, inv, err = customer.InviteAccount(ctx, tx, c.p.PartnerID, f.Get("domain_name"), customer.AssociationType(t)); err != nil {
			return err
		}
		return c.recordCustomer(ctx, tx, "customer.invite", inv.CustomerID, nil,
			map[string]any{"domain_name": inv.DomainName, "association_type": t, "expires_at": inv.ExpiresAt})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderInvite(c, http.StatusUnprocessableEntity, f)
	}
	return c.renderLink("customers.invite", linkView{Heading: "customers.invite_link", Account: inv.DomainName,
		Link: c.publicLink("/invite/" + token), Expires: inv.ExpiresAt, Back: backTo(f, customersPath)})
}

func (h *handler) renderInvite(c *call, status int, f *form) error {
	return c.render(status, "customers_invite", &view{Title: "customers.invite", Active: customersPath, Form: f,
		Data: associationOptions(c.lang)})
}

// opView is an operation page of one customer (or, for 分配客户经理, of a
// reseller): who it is about, and the choices of its fields.
type opView struct {
	Op      string // manager, freeze, unfreeze, unbind, switch_type
	Subject string // the customer's account name or the reseller's name
	C       *customer.Customer
	Current string // the manager in charge
	Options []option
	Balance string // what returns to the partner on unbinding
	Action  string
	Back    string
}

// customerOpSpec is one operation page of one of the caller's own
// customers.
type customerOpSpec struct {
	op, title string
	fill      func(*opView) error // the page's choices and facts
	apply     func(context.Context, *store.Tx, *customer.Customer, *form) error
	flash     string // the message after success, with the account name
	// finish, when set, answers a success instead of the flash and the
	// redirect: the page with the customer's link.
	finish func(*form) error
}

// customerOp serves an operation page: GET shows the form, POST applies it
// and, when it succeeds, returns to the page the form was opened from.
func (h *handler) customerOp(c *call, s customerOpSpec) error {
	cu, err := c.visibleCustomer("")
	if err != nil {
		return err
	}
	v := opView{Op: s.op, Subject: cu.DomainName, C: cu, Action: c.r.URL.Path}
	if s.fill != nil {
		if err := s.fill(&v); err != nil {
			return err
		}
	}
	var f *form
	status := http.StatusOK
	if c.r.Method == http.MethodGet {
		f = c.formFor(nil)
	} else {
		f = newForm(c.postForm())
		if err := c.apply(f, func(ctx context.Context, tx *store.Tx) error { return s.apply(ctx, tx, cu, f) }); err != nil {
			return err
		}
		switch {
		case !f.ok():
			status = http.StatusUnprocessableEntity
		case s.finish != nil:
			return s.finish(f)
		default:
			return c.done(s.flash, backTo(f, customersPath), cu.DomainName)
		}
	}
	v.Back = backTo(f, customersPath)
	return c.render(status, "customers_op", &view{Title: s.title, Active: customersPath, Form: f, Data: v})
}

// managerOptions are the users who can be put in charge, as select choices.
func managerOptions(users []*auth.User) []option {
	out := make([]option, len(users))
	for i, u := range users {
		out[i] = option{Value: u.ID, Label: u.DisplayName + " (" + u.Username + ")"}
	}
	return out
}

// startDay reads the optional first day of an assignment in the user's
// zone; empty or today means now.
func (c *call) startDay(f *form) time.Time {
	s := f.Get("from")
	if s == "" || s == i18n.Date(c.h.app.DB.Now(), c.loc) {
		return time.Time{}
	}
	t, err := i18n.ParseDate(s, c.loc)
	if err != nil {
		f.fieldError("from", c.t("audit.date_invalid"))
	}
	return t
}

func (h *handler) customerManagerPage(c *call) error {
	return h.customerOp(c, customerOpSpec{op: "manager", title: "customers.op.manager", flash: "customers.manager_ok",
		fill: func(v *opView) error {
			if v.C.Manager != nil {
				v.Current = v.C.Manager.DisplayName
			}
			users, err := customer.Managers(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID)
			v.Options = managerOptions(users)
			return err
		},
		apply: func(ctx context.Context, tx *store.Tx, cu *customer.Customer, f *form) error {
			from := c.startDay(f)
			if !f.ok() {
				return nil
			}
			before, after, err := customer.AssignManager(ctx, tx, c.p.PartnerID, cu.ID, f.Get("manager"), from)
			if err != nil {
				return err
			}
			return c.recordCustomer(ctx, tx, "customer.manager", cu.ID, managerSummary(before), managerSummary(after))
		}})
}

// managerSummary is how a manager appears in the audit log.
func managerSummary(m *customer.Manager) any {
	if m == nil {
		return map[string]any{"manager": nil}
	}
	return map[string]any{"manager": m.Username, "since": m.Since}
}

func freezeModeOptions(lang i18n.Lang) []option {
	return []option{
		{Value: strconv.Itoa(customer.FrozenAccount), Label: i18n.T(lang, "customers.frozen.1")},
		{Value: strconv.Itoa(customer.FrozenAccountAndResource), Label: i18n.T(lang, "customers.frozen.2")},
	}
}

func (h *handler) freezeCustomerPage(c *call) error {
	return h.customerOp(c, customerOpSpec{op: "freeze", title: "customers.op.freeze", flash: "customers.frozen_ok",
		fill: func(v *opView) error {
			v.Options = freezeModeOptions(c.lang)
			return nil
		},
		apply: func(ctx context.Context, tx *store.Tx, cu *customer.Customer, f *form) error {
			mode, _ := strconv.Atoi(f.Get("mode"))
			before, after, err := customer.Freeze(ctx, tx, c.p.PartnerID, cu.ID, mode, f.Get("reason"))
			if err != nil {
				return err
			}
			return c.recordCustomer(ctx, tx, "customer.freeze", cu.ID, summarizeCustomer(before), summarizeCustomer(after))
		}})
}

func (h *handler) unfreezeCustomerPage(c *call) error {
	return h.customerOp(c, customerOpSpec{op: "unfreeze", title: "customers.op.unfreeze", flash: "customers.unfrozen_ok",
		apply: func(ctx context.Context, tx *store.Tx, cu *customer.Customer, f *form) error {
			before, after, err := customer.Unfreeze(ctx, tx, c.p.PartnerID, cu.ID, f.Get("reason"))
			if err != nil {
				return err
			}
			// An unfreeze's reason is not kept on the customer: the log keeps it.
			return c.recordCustomer(ctx, tx, "customer.unfreeze", cu.ID, summarizeCustomer(before),
				map[string]any{"frozen": after.Frozen, "reason": f.Get("reason")})
		}})
}

// unbindCustomerPage is 解除关联: the main account asks, and the customer
// confirms through the link this page hands over.
func (h *handler) unbindCustomerPage(c *call) error {
	if c.p.Kind == auth.KindPartner && !c.p.IsMain {
		return apperr.New(apperr.Forbidden, "funds.unbind_main_only", "only the partner's main account can unbind a customer")
	}
	var token string
	var req *funds.UnbindRequest
	return h.customerOp(c, customerOpSpec{op: "unbind", title: "customers.op.unbind",
		fill: func(v *opView) error {
			var err error
			v.Balance, err = balanceText(c.r.Context(), h.app.DB.Reader(), v.C.ID)
			return err
		},
		apply: func(ctx context.Context, tx *store.Tx, cu *customer.Customer, f *form) error {
			var err error
			if token, req, err = funds.RequestUnbind(ctx, tx, c.p, cu.ID); err != nil {
				return err
			}
			return c.recordCustomer(ctx, tx, "customer.unbind_request", cu.ID, nil, map[string]any{"expires_at": req.ExpiresAt})
		},
		finish: func(f *form) error {
			return c.renderLink("customers.op.unbind", linkView{Heading: "customers.unbind_link", Account: req.CustomerName,
				Link: c.publicLink("/unbind/" + token), Expires: req.ExpiresAt, Back: backTo(f, customersPath)})
		}})
}

// switchTypeCustomerPage is 切换关联类型, which the customer confirms through
// a link, as an invitation.
func (h *handler) switchTypeCustomerPage(c *call) error {
	var token string
	var inv *customer.Invite
	return h.customerOp(c, customerOpSpec{op: "switch_type", title: "customers.op.switch_type",
		fill: func(v *opView) error {
			v.Options = associationOptions(c.lang)
			return nil
		},
		apply: func(ctx context.Context, tx *store.Tx, cu *customer.Customer, f *form) error {
			to, _ := strconv.Atoi(f.Get("association_type"))
			var err error
			if token, inv, err = customer.RequestTypeSwitch(ctx, tx, c.p.PartnerID, cu.ID, customer.AssociationType(to)); err != nil {
				return err
			}
			return c.recordCustomer(ctx, tx, "customer.switch_request", cu.ID, map[string]any{"association_type": int(cu.AssociationType)},
				map[string]any{"association_type": to, "expires_at": inv.ExpiresAt})
		},
		finish: func(f *form) error {
			return c.renderLink("customers.op.switch_type", linkView{Heading: "customers.switch_link", Account: inv.DomainName,
				Link: c.publicLink("/invite/" + token), Expires: inv.ExpiresAt, Back: backTo(f, customersPath)})
		}})
}

// customerActions are the audit actions of the customer and reseller pages;
// the audit log's action filter offers them.
var customerActions = []string{"customer.create", "customer.invite", "customer.associate", "customer.manager", "customer.freeze",
	"customer.unfreeze", "customer.allocate", "customer.reclaim", "customer.unbind_request", "customer.unbind",
	"customer.switch_request", "customer.switch_type", "reseller.create", "reseller.manager", "reseller.allocate", "reseller.reclaim"}

// customerFields name the fields of these pages' audit summaries in the
// user's language.
var customerFields = map[string]string{
	"domain_name": "customers.account_name", "real_name": "customers.real_name", "label": "customers.label",
	"frozen_reason": "customers.frozen_reason", "reason": "customers.reason", "amount": "customers.amount", "memo": "customers.memo",
	"trans_id": "customers.trans_id", "manager": "customers.manager", "since": "customers.period_from",
	"expires_at": "invite.expires", "returned_amount": "customers.unbind_amount",
}

// summaryField is the type of summaryFields' entries (auditlog.go).
type summaryField = struct {
	label string
	value func(string) string
}

func init() {
	knownActions = append(knownActions, customerActions...)
	for field, label := range customerFields {
		if _, taken := summaryFields[field]; !taken {
			summaryFields[field] = summaryField{label: label}
		}
	}
	summaryFields["association_type"] = summaryField{"customers.association_type", func(v string) string { return "customers.association." + v }}
	summaryFields["frozen"] = summaryField{"customers.frozen", func(v string) string { return "customers.frozen." + v }}
}
