package console

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/order"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// 客户订单 (销售 > 客户业务 > 客户订单): the orders of the partner's customers
// with their query conditions and each order's details, where an order
// pending payment is paid or cancelled (orders_pay.go). Orders are placed
// from 我的客户 > 更多 > 代客下单 (orders_new.go) for a resale customer that
// authorised it on its own page (orders_authorise.go).
//
// Which orders a user sees is decided by customer.ScopeFor, as for the
// customers themselves: a 客户经理 sees the orders of the customers in its
// charge; any other order answers not found. Ordering, paying and
// cancelling move the customer's money, so they need the permission of 拨款.

const ordersPath = "/console/orders"

// orderRoutes registers the pages of orders.
func (h *handler) orderRoutes() {
	view, act := perms(auth.PermCustomerView, auth.PermCustomerAssigned), perms(auth.PermFundsMove)
	h.page("GET "+ordersPath, view, h.ordersPage)
	h.page("GET "+ordersPath+"/{id}", view, h.orderPage)
	h.pageAndForm(ordersPath+"/{id}/pay", act, h.payOrderPage)
	h.pageAndForm(ordersPath+"/{id}/cancel", act, h.cancelOrderPage)
	h.pageAndForm(customersPath+"/{id}/order", act, h.newOrderPage)
	h.page("POST "+customersPath+"/{id}/order/authorise", act, h.sendAuthorisationLink)
	h.public("GET /authorise/{token}", h.authorisePage)
	h.public("POST /authorise/{token}", h.authorisePage)
}

// orderScope is the customers whose orders the caller sees.
func (c *call) orderScope() (customer.Scope, error) {
	return customer.ScopeFor(c.r.Context(), c.h.app.DB.Reader(), c.p, customer.OwnCustomers, "")
}

func orderTypeKey(t int) string   { return "orders.type." + strconv.Itoa(t) }
func orderStatusKey(s int) string { return "orders.status." + strconv.Itoa(s) }
func periodKey(t int) string      { return "orders.period." + strconv.Itoa(t) }

var (
	orderTypes    = []int{order.TypeNew, order.TypeRenew, order.TypeChange, order.TypeUnsubscribe}
	orderStatuses = []int{order.StatusPendingPayment, order.StatusCompleted, order.StatusCancelled}
)

func intOptions(lang i18n.Lang, values []int, key func(int) string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: strconv.Itoa(v), Label: i18n.T(lang, key(v))}
	}
	return out
}

// names are the catalogue's service types and regions in the user's
// language, and the specs of products, for showing orders.
type names struct {
	lang     i18n.Lang
	services []catalogue.ServiceType
	regions  []catalogue.Region
}

func loadNames(ctx context.Context, q store.Queryer, lang i18n.Lang) (*names, error) {
	n := &names{lang: lang}
	var err error
	if n.services, err = catalogue.ServiceTypes(ctx, q); err != nil {
		return nil, err
	}
	n.regions, err = catalogue.Regions(ctx, q)
	return n, err
}

func (n *names) service(code string) string {
	for _, s := range n.services {
		if s.Code == code {
			return n.pick(s.NameZh, s.NameEn)
		}
	}
	return code
}

func (n *names) region(code string) string {
	for _, r := range n.regions {
		if r.Code == code {
			return n.pick(r.NameZh, r.NameEn)
		}
	}
	return code
}

func (n *names) pick(zh, en string) string {
	if n.lang == i18n.EN && en != "" {
		return en
	}
	return zh
}

func (n *names) serviceOptions() []option {
	out := make([]option, len(n.services))
	for i, s := range n.services {
		out[i] = option{Value: s.Code, Label: n.pick(s.NameZh, s.NameEn)}
	}
	return out
}

// ordersView is the 客户订单 list.
type ordersView struct {
	Rows         []orderRow
	Pager        pager
	ServiceTypes []option
	Statuses     []option
	Types        []option
	Loc          *time.Location
}

type orderRow struct {
	*order.Order
	Service string
	Href    string
}

// defaultOrderMonths is how far back the list looks when no 创建时间 start
// is given.
const defaultOrderMonths = 6

func (h *handler) ordersPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	f := newForm(c.r.URL.Query())
	if _, given := f.Values["from"]; !given {
		f.Values.Set("from", i18n.Date(h.app.DB.Now().AddDate(0, -defaultOrderMonths, 0), c.loc))
	}
	n, err := loadNames(ctx, q, c.lang)
	if err != nil {
		return err
	}
	v := ordersView{ServiceTypes: n.serviceOptions(), Statuses: intOptions(c.lang, orderStatuses, orderStatusKey),
		Types: intOptions(c.lang, orderTypes, orderTypeKey), Loc: c.loc}
	scope, err := c.orderScope()
	if err != nil {
		return err
	}
	filter := order.Filter{Scope: scope, OrderID: f.Get("order_id"), ServiceTypeCode: f.Get("service_type"), Limit: pageSize}
	choice := func(field string, allowed []int) int {
		s := f.Get(field)
		if s == "" {
			return 0
		}
		n, _ := strconv.Atoi(s)
		for _, a := range allowed {
			if a == n {
				return n
			}
		}
		f.fieldError(field, c.t("orders.choice_invalid"))
		return 0
	}
	filter.Status, filter.Type = choice("status", orderStatuses), choice("order_type", orderTypes)
	if filter.CreatedFrom, filter.CreatedTo, err = dateRange(c, f); err != nil {
		return err
	}
	if !filter.CreatedTo.IsZero() {
		filter.CreatedTo = filter.CreatedTo.Add(-time.Microsecond) // the list's bound is inclusive
	}
	if who := f.Get("customer"); who != "" {
		if filter.CustomerID, err = c.customerNamed(scope, who); err != nil {
			return err
		}
	}
	page, offset := pageOf(c.r)
	filter.Offset = offset
	total := 0
	var list []*order.Order
	if f.ok() {
		if list, total, err = order.List(ctx, q, filter); err != nil {
			return err
		}
	}
	v.Pager = newPager(c.r, page, total)
	for _, o := range list {
		v.Rows = append(v.Rows, orderRow{Order: o, Service: n.service(o.ServiceTypeCode), Href: ordersPath + "/" + o.ID})
	}
	return c.render(http.StatusOK, "orders", &view{Title: "orders.title", Active: ordersPath, Form: f, Data: v})
}

// customerNamed finds the customer a 客户 condition names: its id or its
// exact account name. A name that matches no customer in scope still
// filters, and finds nothing.
func (c *call) customerNamed(scope customer.Scope, who string) (string, error) {
	ctx, q := c.r.Context(), c.h.app.DB.Reader()
	if cu, err := customer.Get(ctx, q, scope, who); err == nil {
		return cu.ID, nil
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return "", err
	}
	list, _, err := customer.List(ctx, q, scope, customer.Filter{AccountName: who, Limit: 100})
	if err != nil {
		return "", err
	}
	for _, cu := range list {
		if cu.DomainName == who {
			return cu.ID, nil
		}
	}
	return who, nil
}

// orderDetail is an order's page.
type orderDetail struct {
	O        *order.Order
	Service  string
	Lines    []orderLineRow
	Coupons  []order.CouponUse
	CanAct   bool // 支付 and 取消订单 are offered
	Customer string
	Loc      *time.Location
}

type orderLineRow struct {
	*order.Line
	Spec    string
	Service string
	Region  string
}

// visibleOrder loads the order of the request's path, if its customer is
// in the caller's scope.
func (c *call) visibleOrder() (*order.Order, customer.Scope, error) {
	scope, err := c.orderScope()
	if err != nil {
		return nil, scope, err
	}
	o, err := order.Get(c.r.Context(), c.h.app.DB.Reader(), scope, c.r.PathValue("id"))
	return o, scope, err
}

func (h *handler) orderPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	o, _, err := c.visibleOrder()
	if err != nil {
		return err
	}
	n, err := loadNames(ctx, q, c.lang)
	if err != nil {
		return err
	}
	d := orderDetail{O: o, Service: n.service(o.ServiceTypeCode), Loc: c.loc,
		CanAct: o.Status == order.StatusPendingPayment && c.p.Can(auth.PermFundsMove)}
	for _, l := range o.Lines {
		d.Lines = append(d.Lines, orderLineRow{Line: l, Spec: n.pick(l.SpecZh, l.SpecEn), Service: n.service(l.ServiceTypeCode),
			Region: n.region(l.RegionCode)})
	}
	if d.Coupons, err = order.Coupons(ctx, q, o.ID); err != nil {
		return err
	}
	return c.render(http.StatusOK, "orders_detail", &view{Title: "orders.detail_title", Active: ordersPath, Data: d})
}

// orderActions are the audit actions of these pages; the audit log's
// action filter offers them.
var orderActions = []string{"order.create", "order.pay", "order.cancel", "order.authorisation_link", "order.authorisation"}

// orderFields name the fields of these pages' audit summaries.
var orderFields = map[string]string{
	"customer": "orders.customer", "order_type": "orders.order_type", "coupons": "orders.coupons",
	"coupon_amount": "orders.coupon_amount", "balance_amount": "orders.balance_amount", "lines": "orders.lines",
	"granted": "orders.authorisation_state",
}

func init() {
	knownActions = append(knownActions, orderActions...)
	for field, label := range orderFields {
		if _, taken := summaryFields[field]; !taken {
			summaryFields[field] = summaryField{label: label}
		}
	}
	summaryFields["order_type"] = summaryField{"orders.order_type", func(v string) string { return "orders.type." + v }}
	summaryFields["granted"] = summaryField{"orders.authorisation_state", func(v string) string { return "orders.granted." + v }}
}
