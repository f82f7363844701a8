package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 查看资源 (销售 > 客户 > 客户管理 > 更多 > 查看资源): a customer's cloud
// resources with their query conditions, and the actions on them: 续费,
// 退订 with the refund to the balance shown before it is confirmed, and
// 开通/关闭自动续费. Which customers a user reaches is customer.ScopeFor's
// decision, as on the customer list; the actions need the permission to
// manage customers or to move money. Each action is one domain call and its
// audit entry in one transaction, and a refusal changes nothing.

// resourcesPath is the 查看资源 page of a customer.
func resourcesPath(customerID string) string { return customersPath + "/" + customerID + "/resources" }

// customerOrdersPath is 客户订单, where renewal and change orders wait for
// payment.
const customerOrdersPath = "/console/orders"

// resourceActors may renew, unsubscribe and switch auto-renewal.
var resourceActors = []auth.Permission{auth.PermCustomerManage, auth.PermFundsMove}

// resourceStatuses are the statuses the query condition offers.
var resourceStatuses = []string{order.ResourceActive, order.ResourceGrace, order.ResourceFrozen, order.ResourceClosed}

func resourceStatusKey(s string) string { return "resources.status." + s }
func chargingKey(mode int) string       { return "resources.charging." + strconv.Itoa(mode) }

// resourcesView is the 查看资源 page.
type resourcesView struct {
	C            *customer.Customer
	Base         string // this page, without conditions
	ServiceTypes []option
	Specs        []option
	Regions      []option
	Modes        []option
	Statuses     []option
	AutoRenew    []option
	Rows         []resourceRow
	Pager        pager
	CanAct       bool
	Balance      string // the customer's balance, for a user who sees balances
	Orders       string // the customer's orders in 客户订单, when the user may open it
	Here         string // this page with its conditions, where the actions return
	Loc          *time.Location
}

// resourceRow is one resource of the list, named in the user's language.
type resourceRow struct {
	*order.Resource
	Service, Spec, Region string
	Mode, StatusText      string
	Periodic, Live        bool
}

// catalogueNames names service types, specs and regions in one language.
type catalogueNames struct {
	lang     i18n.Lang
	services []catalogue.ServiceType
	regions  []catalogue.Region
	products []*catalogue.Product
}

func loadCatalogueNames(ctx context.Context, q store.Queryer, lang i18n.Lang) (*catalogueNames, error) {
	n := &catalogueNames{lang: lang}
	var err error
	if n.services, err = catalogue.ServiceTypes(ctx, q); err != nil {
		return nil, err
	}
	if n.regions, err = catalogue.Regions(ctx, q); err != nil {
		return nil, err
	}
	n.products, err = catalogue.List(ctx, q, catalogue.ProductFilter{})
	return n, err
}

func (n *catalogueNames) pick(zh, en string) string {
	if n.lang == i18n.EN {
		return en
	}
	return zh
}

func (n *catalogueNames) service(code string) string {
	return catalogue.ServiceTypeName(n.services, code, n.pick("zh", "en"))
}

func (n *catalogueNames) region(code string) string {
	for _, r := range n.regions {
		if r.Code == code {
			return n.pick(r.NameZh, r.NameEn)
		}
	}
	return code
}

func (n *catalogueNames) serviceOptions() []option {
	out := []option{}
	for _, s := range n.services {
		out = append(out, option{Value: s.Code, Label: n.pick(s.NameZh, s.NameEn)})
	}
	return out
}

func (n *catalogueNames) regionOptions() []option {
	out := []option{}
	for _, r := range n.regions {
		out = append(out, option{Value: r.Code, Label: n.pick(r.NameZh, r.NameEn)})
	}
	return out
}

// specOptions are the specs of the catalogue, one per spec code.
func (n *catalogueNames) specOptions() []option {
	out := []option{}
	for _, p := range n.products {
		out = append(out, option{Value: p.SpecCode, Label: p.SpecCode + " " + n.pick(p.SpecZh, p.SpecEn)})
	}
	return out
}

func (c *call) resourceRow(n *catalogueNames, r *order.Resource) resourceRow {
	spec := r.SpecCode
	if s := n.pick(r.SpecZh, r.SpecEn); s != "" && s != r.SpecCode {
		spec += " " + s
	}
	return resourceRow{Resource: r, Service: n.service(r.ServiceTypeCode), Region: n.region(r.RegionCode), Spec: spec,
		Mode: c.t(chargingKey(r.ChargingMode)), StatusText: c.t(resourceStatusKey(r.Status)),
		Periodic: r.ChargingMode == order.ChargingPeriodic, Live: r.Status != order.ResourceClosed}
}

// resourceScope is the customers whose resources the caller reaches.
func (c *call) resourceScope() (customer.Scope, error) {
	return customer.ScopeFor(c.r.Context(), c.h.app.DB.Reader(), c.p, customer.OwnCustomers, "")
}

func (h *handler) resourcesPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	cu, err := c.visibleCustomer("")
	if err != nil {
		return err
	}
	scope, err := c.resourceScope()
	if err != nil {
		return err
	}
	names, err := loadCatalogueNames(ctx, q, c.lang)
	if err != nil {
		return err
	}
	f := newForm(c.r.URL.Query())
	v := resourcesView{C: cu, Base: resourcesPath(cu.ID), ServiceTypes: names.serviceOptions(), Specs: names.specOptions(),
		Regions: names.regionOptions(), Modes: statusOptions(c.lang, []int{order.ChargingPeriodic, order.ChargingPayPerUse}, chargingKey),
		Statuses: optionsOf(c.lang, resourceStatuses, resourceStatusKey), CanAct: c.can(resourceActors), Here: c.r.URL.RequestURI(), Loc: c.loc,
		AutoRenew: []option{{Value: "1", Label: c.t("resources.auto_renew.on")}, {Value: "0", Label: c.t("resources.auto_renew.off")}}}
	if need, ok := h.routes[customerOrdersPath]; ok && c.can(need) {
		v.Orders = customerOrdersPath + "?customer=" + url.QueryEscape(cu.DomainName)
	}
	if c.p.Can(auth.PermFundsView) && cu.AssociationType == customer.Resale {
		if v.Balance, err = balanceText(ctx, q, cu.ID); err != nil {
			return err
		}
	}
	filter := order.ResourceFilter{Scope: scope, CustomerID: cu.ID, Name: f.Get("name"), ServiceTypeCode: f.Get("service_type"),
		SpecCode: f.Get("spec"), RegionCode: f.Get("region"), Limit: pageSize}
	if id := f.Get("resource_id"); id != "" {
		filter.ResourceIDs = []string{id}
	}
	switch s := f.Get("charging_mode"); s {
	case "":
	case strconv.Itoa(order.ChargingPeriodic), strconv.Itoa(order.ChargingPayPerUse):
		filter.ChargingMode, _ = strconv.Atoi(s)
	default:
		f.fieldError("charging_mode", c.t("resources.choose_listed"))
	}
	if s := f.Get("status"); s != "" {
		if !slices.Contains(resourceStatuses, s) {
			f.fieldError("status", c.t("resources.choose_listed"))
		}
		filter.Statuses = []string{s}
	}
	switch f.Get("auto_renew") {
	case "":
	case "1", "0":
		on := f.Get("auto_renew") == "1"
		filter.AutoRenew = &on
	default:
		f.fieldError("auto_renew", c.t("resources.choose_listed"))
	}
	filter.ExpiresFrom = formDate(c, f, "expires_from", 0)
	if to := formDate(c, f, "expires_to", 1); !to.IsZero() {
		if !filter.ExpiresFrom.IsZero() && !to.After(filter.ExpiresFrom) {
			f.fieldError("expires_to", c.t("audit.range_invalid"))
		}
		filter.ExpiresTo = to.Add(-time.Microsecond) // the list's bound is inclusive
	}
	page, offset := pageOf(c.r)
	filter.Offset = offset
	var list []*order.Resource
	total := 0
	if f.ok() {
		if list, total, err = order.ListResources(ctx, q, filter); err != nil {
			return err
		}
	}
	v.Pager = newPager(c.r, page, total)
	for _, r := range list {
		v.Rows = append(v.Rows, c.resourceRow(names, r))
	}
	status := http.StatusOK
	if !f.ok() {
		status = http.StatusUnprocessableEntity
	}
	return c.render(status, "resources", &view{Title: "resources.title", Active: customersPath, Form: f, Data: v})
}

// actionResources reads the resources an action names (rid, repeated) that
// belong to the customer of the path; an id of anything else answers not
// found, as the customer's page would.
func (c *call) actionResources(ctx context.Context, q store.Queryer, cu *customer.Customer, ids []string) ([]*order.Resource, error) {
	scope, err := c.resourceScope()
	if err != nil {
		return nil, err
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 || len(ids) > order.MaxResourcesPerAction {
		return nil, apperr.New(apperr.Invalid, "order.resource_ids_count", "name 1 to %d resources", order.MaxResourcesPerAction)
	}
	var out []*order.Resource
	for _, id := range ids {
		r, err := order.GetResource(ctx, q, scope, id)
		if err != nil {
			return nil, err
		}
		if r.CustomerID != cu.ID {
			return nil, order.ErrResourceNotFound
		}
		out = append(out, r)
	}
	return out, nil
}

// resourceIDs are the resources' ids, in their order.
func resourceIDs(list []*order.Resource) []string {
	out := make([]string, len(list))
	for i, r := range list {
		out[i] = r.ID
	}
	return out
}

// backToResources is where an action returns: the list it was opened from,
// with its conditions, when that list is the customer's 查看资源 page.
func backToResources(f *form, cu *customer.Customer) string {
	base := resourcesPath(cu.ID)
	if b := safeNext(f.Get("back")); b == base || strings.HasPrefix(b, base+"?") {
		return b
	}
	return base
}

// errRollback undoes a transaction whose refusals the form shows.
var errRollback = errors.New("refused: rolled back")

// failureText is a refusal of one resource, naming it.
func (c *call) failureText(name string, err error) string {
	if e, ok := apperr.As(err); ok {
		return name + ": " + c.errText(e)
	}
	return name + ": " + err.Error()
}

// resourceActionView is the 续费 and 退订 pages.
type resourceActionView struct {
	Kind      string // renew, unsubscribe
	C         *customer.Customer
	Rows      []resourceRow
	Refunds   map[string]string // 退订: each resource's refund
	Prices    map[string]string // 续费: each resource's list price a month / a year
	Total     string            // 退订: the refund of them all
	Periods   []option          // 续费
	Action    string
	Back      string
	Failures  []string
	Hidden    []hiddenField
	Loc       *time.Location
	Available string // the customer's available balance
}

// renewResourcesPage is 续费: a renewal order for the chosen 包年/包月
// resources, paid from the customer's balance at once when asked and the
// balance covers it, else waiting for payment in 客户订单.
func (h *handler) renewResourcesPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	cu, err := c.visibleCustomer("")
	if err != nil {
		return err
	}
	var f *form
	if c.r.Method == http.MethodGet {
		f = c.formFor(url.Values{"rid": c.r.URL.Query()["rid"], "period_type": {strconv.Itoa(catalogue.PeriodMonth)}, "period_num": {"1"}})
	} else {
		f = newForm(c.postForm())
	}
	c.formToken(f)
	list, err := c.actionResources(ctx, q, cu, f.Values["rid"])
	if err != nil {
		return err
	}
	v, err := c.resourceAction(ctx, q, cu, list, f, "renew")
	if err != nil {
		return err
	}
	if err := resourcePrices(ctx, q, v, list); err != nil {
		return err
	}
	v.Periods = statusOptions(c.lang, []int{catalogue.PeriodMonth, catalogue.PeriodYear}, func(p int) string { return "resources.period." + strconv.Itoa(p) })
	show := func(status int) error {
		return c.render(status, "resources_action", &view{Title: "resources.renew", Active: customersPath, Form: f, Data: v})
	}
	if c.r.Method == http.MethodGet {
		return show(http.StatusOK)
	}
	periodType, err := strconv.Atoi(f.Get("period_type"))
	if err != nil || (periodType != catalogue.PeriodMonth && periodType != catalogue.PeriodYear) {
		f.fieldError("period_type", c.t("catalogue.period_type"))
	}
	periodNum, err := strconv.Atoi(f.Get("period_num"))
	if err != nil || periodNum < 1 {
		f.fieldError("period_num", c.t("resources.period_num"))
	}
	autoPay := f.Get("autopay") == "1"
	var orders []*order.Order
	var failures []order.ResourceFailure
	repeated := false
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if repeated, err = c.submittedBefore(ctx, tx, f); err != nil || repeated {
			return err
		}
		orders, failures, err = order.Renew(ctx, tx, order.RenewRequest{PartnerID: c.p.PartnerID, ResourceIDs: resourceIDs(list),
			PeriodType: periodType, PeriodNum: periodNum, AutoPay: autoPay, CreatedBy: c.p.Username})
		if err != nil {
			return err
		}
		if len(failures) > 0 {
			return errRollback
		}
		for _, o := range orders {
			if err := audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "resource.renew", ObjectType: "order", ObjectID: o.ID,
				After: map[string]any{"customer_id": o.CustomerID, "resource_ids": resourceIDs(list), "period_type": periodType,
					"period_num": periodNum, "amount": money.Format(o.Amount), "paid": o.Status == order.StatusCompleted}}); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		c.takeFailures(f, v, list, failures)
		err = nil
	}
	if err != nil {
		return err
	}
	if !f.ok() || len(v.Failures) > 0 {
		return show(http.StatusUnprocessableEntity)
	}
	back := backToResources(f, cu)
	if repeated || len(orders) == 0 {
		return c.done("funds.submitted_before", back)
	}
	o := orders[0]
	switch {
	case o.Status == order.StatusCompleted:
		return c.done("resources.renewed_paid", back, o.ID)
	case autoPay:
		return c.done("resources.renewed_short", back, o.ID)
	}
	return c.done("resources.renewed_pending", back, o.ID)
}

// takeFailures puts the refusals of an action on its form: a field's fault
// next to the field, any other naming its resource.
func (c *call) takeFailures(f *form, v *resourceActionView, list []*order.Resource, failures []order.ResourceFailure) {
	for _, fl := range failures {
		name := fl.ResourceID
		for _, r := range list {
			if r.ID == fl.ResourceID {
				name = r.Name
			}
		}
		if e, ok := apperr.As(fl.Err); ok && e.Field != "" && f.Values.Has(e.Field) {
			f.fieldError(e.Field, c.errText(e))
			continue
		}
		v.Failures = append(v.Failures, c.failureText(name, fl.Err))
	}
	if len(v.Failures) > 0 {
		f.Error = c.t("resources.nothing_changed")
	}
}

// resourceAction fills what the 续费 and 退订 pages share.
func (c *call) resourceAction(ctx context.Context, q store.Queryer, cu *customer.Customer, list []*order.Resource, f *form, action string) (*resourceActionView, error) {
	names, err := loadCatalogueNames(ctx, q, c.lang)
	if err != nil {
		return nil, err
	}
	v := &resourceActionView{Kind: action, C: cu, Action: resourcesPath(cu.ID) + "/" + action, Back: backToResources(f, cu), Loc: c.loc}
	for _, r := range list {
		v.Rows = append(v.Rows, c.resourceRow(names, r))
		v.Hidden = append(v.Hidden, hiddenField{"rid", r.ID})
	}
	if cu.AssociationType == customer.Resale {
		_, available, err := funds.CustomerBalance(ctx, q, cu.ID)
		if err != nil {
			return nil, err
		}
		v.Available = money.Format(available)
	}
	return v, nil
}

// unsubscribeResourcesPage is 退订: the page shows each resource's refund
// to the customer's balance (pro rata to the time left, of what the balance
// paid) and the confirmed submit releases them.
func (h *handler) unsubscribeResourcesPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	cu, err := c.visibleCustomer("")
	if err != nil {
		return err
	}
	var f *form
	if c.r.Method == http.MethodGet {
		f = c.formFor(url.Values{"rid": c.r.URL.Query()["rid"]})
	} else {
		f = newForm(c.postForm())
	}
	c.formToken(f)
	list, err := c.actionResources(ctx, q, cu, f.Values["rid"])
	if err != nil {
		return err
	}
	v, err := c.resourceAction(ctx, q, cu, list, f, "unsubscribe")
	if err != nil {
		return err
	}
	if err := c.quoteRefunds(ctx, v, list); err != nil {
		return err
	}
	show := func(status int) error {
		return c.render(status, "resources_action", &view{Title: "resources.unsubscribe", Active: customersPath, Form: f, Data: v})
	}
	if c.r.Method == http.MethodGet {
		return show(http.StatusOK)
	}
	reason := f.Get("reason")
	if len([]rune(reason)) > 200 {
		f.fieldError("reason", c.t("funds.memo_long"))
	}
	// The unsubscription itself says which resources it refuses; a repeated
	// submit of a form that succeeded finds its token first.
	v.Failures = nil
	var orders []*order.Order
	var failures []order.ResourceFailure
	repeated := false
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if repeated, err = c.submittedBefore(ctx, tx, f); err != nil || repeated {
			return err
		}
		orders, failures, err = order.Unsubscribe(ctx, tx, order.UnsubscribeRequest{PartnerID: c.p.PartnerID, ResourceIDs: resourceIDs(list),
			Reason: reason, CreatedBy: c.p.Username})
		if err != nil {
			return err
		}
		if len(failures) > 0 {
			return errRollback
		}
		for _, o := range orders {
			if err := audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "resource.unsubscribe", ObjectType: "order", ObjectID: o.ID,
				After: map[string]any{"customer_id": o.CustomerID, "resource_ids": resourceIDs(list), "refund": money.Format(-o.Amount),
					"reason": reason}}); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		c.takeFailures(f, v, list, failures)
		err = nil
	}
	if err != nil {
		return err
	}
	if !f.ok() || len(v.Failures) > 0 {
		return show(http.StatusUnprocessableEntity)
	}
	back := backToResources(f, cu)
	if repeated || len(orders) == 0 {
		return c.done("funds.submitted_before", back)
	}
	var refund int64
	for _, o := range orders {
		refund -= o.Amount
	}
	return c.done("resources.unsubscribed_ok", back, money.Format(refund))
}

// quoteRefunds fills the refund of each resource as unsubscribing it now
// would give it. The quote changes nothing; it reads in a transaction
// because the refund rule reads the orders at the transaction's time.
func (c *call) quoteRefunds(ctx context.Context, v *resourceActionView, list []*order.Resource) error {
	scope, err := c.resourceScope()
	if err != nil {
		return err
	}
	var quotes []order.RefundQuote
	err = c.h.app.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		quotes, err = order.QuoteRefunds(ctx, tx, scope, resourceIDs(list))
		return err
	})
	if err != nil {
		return err
	}
	v.Refunds = map[string]string{}
	var total int64
	for _, qt := range quotes {
		if qt.Err != nil {
			name := qt.ResourceID
			if qt.Resource != nil {
				name = qt.Resource.Name
			}
			v.Failures = append(v.Failures, c.failureText(name, qt.Err))
			continue
		}
		v.Refunds[qt.ResourceID] = money.Format(qt.Refund)
		total += qt.Refund
	}
	v.Total = money.Format(total)
	return nil
}

// setAutoRenewPage turns auto-renewal of one 包年/包月 resource on or off.
func (h *handler) setAutoRenewPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	cu, err := c.visibleCustomer("")
	if err != nil {
		return err
	}
	f := newForm(c.postForm())
	list, err := c.actionResources(ctx, q, cu, f.Values["rid"][:min(1, len(f.Values["rid"]))])
	if err != nil {
		return err
	}
	r := list[0]
	on := f.Get("on") == "1"
	back := backToResources(f, cu)
	err = c.h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := order.SetAutoRenew(ctx, tx, c.p.PartnerID, r.ID, on); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "resource.auto_renew", ObjectType: "resource", ObjectID: r.ID,
			Before: map[string]any{"auto_renew": r.AutoRenew}, After: map[string]any{"auto_renew": on}})
	})
	if e, ok := apperr.As(err); ok && (e.Code == apperr.Conflict || e.Code == apperr.Invalid) {
		c.setFlash(e.Key, true)
		c.redirect(back)
		return nil
	}
	if err != nil {
		return err
	}
	key := "resources.auto_renew_off_ok"
	if on {
		key = "resources.auto_renew_on_ok"
	}
	return c.done(key, back, r.Name)
}

// changeView is the 变更规格 page of one 包年/包月 resource.
type changeView struct {
	C       *customer.Customer
	R       resourceRow
	Targets []option // the specs it can change to
	Action  string
	Back    string
	Loc     *time.Location
}

// changeTargets are the products a resource can change to (order.CanChangeTo).
func changeTargets(ctx context.Context, q store.Queryer, current *catalogue.Product, r *order.Resource, names *catalogueNames) ([]option, error) {
	list, err := catalogue.List(ctx, q, catalogue.ProductFilter{ServiceTypeCode: current.ServiceTypeCode, OnSaleOnly: true})
	if err != nil {
		return nil, err
	}
	out := []option{}
	for _, p := range list {
		if !order.CanChangeTo(current, p, r.RegionCode) {
			continue
		}
		out = append(out, option{Value: p.ID, Label: p.SpecCode + " " + names.pick(p.SpecZh, p.SpecEn) + " (" + money.Format(p.MonthlyPrice) + "/" +
			names.pick("月", "month") + ")"})
	}
	return out, nil
}

// changeResourcePage is 变更规格: a change order for the price difference
// until expiry. An upgrade waits for payment in 客户订单; a downgrade
// completes at once and refunds the difference to the customer's balance.
func (h *handler) changeResourcePage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	cu, err := c.visibleCustomer("")
	if err != nil {
		return err
	}
	var f *form
	if c.r.Method == http.MethodGet {
		f = c.formFor(url.Values{"rid": c.r.URL.Query()["rid"]})
	} else {
		f = newForm(c.postForm())
	}
	c.formToken(f)
	list, err := c.actionResources(ctx, q, cu, f.Values["rid"][:min(1, len(f.Values["rid"]))])
	if err != nil {
		return err
	}
	r := list[0]
	names, err := loadCatalogueNames(ctx, q, c.lang)
	if err != nil {
		return err
	}
	current, err := catalogue.Get(ctx, q, r.ProductID)
	if err != nil {
		return err
	}
	v := changeView{C: cu, R: c.resourceRow(names, r), Action: resourcesPath(cu.ID) + "/change", Back: backToResources(f, cu), Loc: c.loc}
	if v.Targets, err = changeTargets(ctx, q, current, r, names); err != nil {
		return err
	}
	show := func(status int) error {
		return c.render(status, "resources_change", &view{Title: "resources.change", Active: customersPath, Form: f, Data: v})
	}
	if c.r.Method == http.MethodGet {
		return show(http.StatusOK)
	}
	if f.Get("product_id") == "" {
		f.fieldError("product_id", c.t("resources.choose_spec"))
	}
	var o *order.Order
	repeated := false
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if repeated, err = c.submittedBefore(ctx, tx, f); err != nil || repeated {
			return err
		}
		if o, err = order.Change(ctx, tx, order.ChangeRequest{PartnerID: c.p.PartnerID, ResourceID: r.ID, ProductID: f.Get("product_id"),
			CreatedBy: c.p.Username}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "resource.change", ObjectType: "order", ObjectID: o.ID,
			Before: map[string]any{"resource_id": r.ID, "spec_code": r.SpecCode},
			After:  map[string]any{"product_id": f.Get("product_id"), "amount": money.Format(o.Amount), "paid": o.Status == order.StatusCompleted}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return show(http.StatusUnprocessableEntity)
	}
	if repeated || o == nil {
		return c.done("funds.submitted_before", v.Back)
	}
	if o.Status == order.StatusPendingPayment {
		return c.done("resources.changed_pending", v.Back, o.ID)
	}
	return c.done("resources.changed_done", v.Back, money.Format(-o.Amount))
}

// resourcePrices fills the list price of renewing each resource for a month
// and for a year, its quantity included ("-" when not sold that way).
func resourcePrices(ctx context.Context, q store.Queryer, v *resourceActionView, list []*order.Resource) error {
	v.Prices = map[string]string{}
	for _, r := range list {
		p, err := catalogue.Get(ctx, q, r.ProductID)
		if err != nil {
			return err
		}
		text := func(price int64) string {
			if price <= 0 {
				return "-"
			}
			return money.Format(price * int64(r.Quantity))
		}
		v.Prices[r.ID] = text(p.MonthlyPrice) + " / " + text(p.YearlyPrice)
	}
	return nil
}
