package console

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"partnercenter/internal/audit"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 代客下单 (我的客户 > 更多 > 代客下单): the product lines of a new order for
// one resale customer, priced from the catalogue as they are chosen, then
// the order, pending payment, on its own page. The lines are fields named
// lines[i].*; the form posts to itself with an op: add or remove a line,
// price (what htmx sends on every change, swapping only the lines and the
// total), or submit. Without script the add and remove buttons work as
// plain submissions.
//
// A customer that has not authorised ordering gets no form: the page says
// so and offers the link to its authorisation page.

// lineInput is one line as the form holds it.
type lineInput struct {
	Service, Product, Region, PeriodType, PeriodNum, Quantity, Name string
}

var lineFields = []string{"service", "product_id", "region", "period_type", "period_num", "quantity", "name"}

func linePrefix(i int) string { return fmt.Sprintf("lines[%d].", i) }

func (l *lineInput) fields() []*string {
	return []*string{&l.Service, &l.Product, &l.Region, &l.PeriodType, &l.PeriodNum, &l.Quantity, &l.Name}
}

// readLines reads the lines of a submitted form in the order of their
// indexes; a gap in the indexes is closed.
func readLines(f *form) []lineInput {
	var out []lineInput
	for i := 0; i < 2*order.MaxLines; i++ {
		var l lineInput
		present := false
		for j, name := range lineFields {
			if vs, ok := f.Values[linePrefix(i)+name]; ok {
				present = true
				if len(vs) > 0 {
					*l.fields()[j] = strings.TrimSpace(vs[0])
				}
			}
		}
		if present {
			out = append(out, l)
		}
	}
	return out
}

// writeLines puts lines back on the form, numbered from 0.
func writeLines(f *form, lines []lineInput) {
	for k := range f.Values {
		if strings.HasPrefix(k, "lines[") {
			delete(f.Values, k)
		}
	}
	for i, l := range lines {
		for j, name := range lineFields {
			f.Values.Set(linePrefix(i)+name, *l.fields()[j])
		}
	}
}

// orderCatalogue is what the form offers: the products on sale by the
// month or the year, by service type, and the regions.
type orderCatalogue struct {
	names    *names
	services []option // the service types with products on sale
	products map[string][]*catalogue.Product
	byID     map[string]*catalogue.Product
}

func loadOrderCatalogue(ctx context.Context, q store.Queryer, n *names) (*orderCatalogue, error) {
	list, err := catalogue.List(ctx, q, catalogue.ProductFilter{OnSaleOnly: true})
	if err != nil {
		return nil, err
	}
	cat := &orderCatalogue{names: n, products: map[string][]*catalogue.Product{}, byID: map[string]*catalogue.Product{}}
	for _, p := range list {
		if p.MonthlyPrice <= 0 && p.YearlyPrice <= 0 {
			continue // pay-per-use only
		}
		cat.products[p.ServiceTypeCode] = append(cat.products[p.ServiceTypeCode], p)
		cat.byID[p.ID] = p
	}
	for _, s := range n.serviceOptions() {
		if len(cat.products[s.Value]) > 0 {
			cat.services = append(cat.services, s)
		}
	}
	return cat, nil
}

// lineView is one line of the form with its choices and price.
type lineView struct {
	I, No     int
	Prefix    string
	Products  []option
	Regions   []option
	Periods   []option
	Price     string // empty when the line cannot be priced
	UnitPrice string // of one unit for one period, in words
}

// newOrderView is the 代客下单 page.
type newOrderView struct {
	C          *customer.Customer
	Authorised bool
	Balance    string // the customer's available balance
	Services   []option
	Lines      []lineView
	Total      string // empty unless every line is priced
	CanAdd     bool
	Action     string
	Empty      bool // the catalogue has nothing to sell
}

func (h *handler) newOrderPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	scope, err := c.orderScope()
	if err != nil {
		return err
	}
	cu, err := customer.Get(ctx, q, scope, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if cu.AssociationType != customer.Resale {
		return order.ErrNotResale
	}
	v := newOrderView{C: cu, Action: c.r.URL.Path}
	if v.Authorised, err = order.Authorised(ctx, q, cu.PartnerID, cu.ID); err != nil {
		return err
	}
	_, available, err := funds.CustomerBalance(ctx, q, cu.ID)
	if err != nil {
		return err
	}
	v.Balance = money.Format(available)
	f := newForm(nil)
	if c.r.Method == http.MethodPost {
		f = newForm(c.postForm())
	}
	if !v.Authorised {
		status := http.StatusOK
		if c.r.Method == http.MethodPost {
			status = http.StatusConflict
			f.Error = c.errText(order.ErrNotAuthorised)
		}
		return c.render(status, "orders_new", &view{Title: "orders.new_title", Active: customersPath, Form: f, Data: v})
	}
	n, err := loadNames(ctx, q, c.lang)
	if err != nil {
		return err
	}
	cat, err := loadOrderCatalogue(ctx, q, n)
	if err != nil {
		return err
	}
	v.Services, v.Empty = cat.services, len(cat.services) == 0
	lines := readLines(f)
	op := f.Get("op")
	switch {
	case op == "add" && len(lines) < order.MaxLines:
		lines = append(lines, lineInput{})
	case strings.HasPrefix(op, "remove:"):
		if i, err := strconv.Atoi(strings.TrimPrefix(op, "remove:")); err == nil && i >= 0 && i < len(lines) && len(lines) > 1 {
			lines = slices.Delete(lines, i, i+1)
		}
	}
	if len(lines) == 0 {
		lines = []lineInput{{}}
	}
	v.CanAdd = len(lines) < order.MaxLines
	// The form's token makes a second 提交订单 of the same form (a double
	// click, a reload) place nothing; pricing, adding and removing lines
	// need none.
	if op == "submit" {
		c.formToken(f)
	} else if !clientToken.MatchString(f.Get("client")) {
		f.Values.Set("client", newClientToken())
	}
	reqs := c.priceLines(f, cat, lines, &v)
	status := http.StatusOK
	if op == "submit" && !v.Empty {
		var o *order.Order
		repeated := false
		err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
			var err error
			if repeated, err = c.submittedBefore(ctx, tx, f); err != nil || repeated {
				return err
			}
			if o, err = order.Create(ctx, tx, order.NewOrder{Scope: scope, CustomerID: cu.ID, Lines: reqs, CreatedBy: c.p.Username}); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "order.create", ObjectType: "order", ObjectID: o.ID,
				After: map[string]any{"customer": cu.DomainName, "order_type": o.Type, "amount": money.Format(o.Amount), "lines": len(o.Lines)}})
		})
		if err != nil {
			return err
		}
		if repeated {
			return c.done("funds.submitted_before", ordersPath)
		}
		if f.ok() {
			return c.done("orders.created_ok", ordersPath+"/"+o.ID, o.ID)
		}
		status = http.StatusUnprocessableEntity
	}
	return c.render(status, "orders_new", &view{Title: "orders.new_title", Active: customersPath, Form: f, Data: v})
}

// priceLines fills each line's choices from the catalogue, picking the
// first choice where the line has none or one the catalogue no longer
// offers (a new service type resets the product, a new product its region),
// writes the lines back on the form, and prices them: a line that cannot be
// priced has its fault next to the field. It returns the lines as the order
// asks for them.
func (c *call) priceLines(f *form, cat *orderCatalogue, lines []lineInput, v *newOrderView) []order.LineRequest {
	var reqs []order.LineRequest
	var total int64
	allPriced := true
	for i := range lines {
		l := &lines[i]
		lv := lineView{I: i, No: i + 1, Prefix: linePrefix(i)}
		if !slices.ContainsFunc(cat.services, func(o option) bool { return o.Value == l.Service }) && len(cat.services) > 0 {
			l.Service = cat.services[0].Value
		}
		products := cat.products[l.Service]
		for _, p := range products {
			lv.Products = append(lv.Products, option{Value: p.ID, Label: cat.names.pick(p.SpecZh, p.SpecEn) + " (" + p.SpecCode + ")"})
		}
		p := cat.byID[l.Product]
		if (p == nil || p.ServiceTypeCode != l.Service) && len(products) > 0 {
			p = products[0]
		}
		if p == nil {
			allPriced = false
			v.Lines = append(v.Lines, lv)
			continue
		}
		l.Product = p.ID
		for _, r := range cat.names.regions {
			if p.SoldIn(r.Code) {
				lv.Regions = append(lv.Regions, option{Value: r.Code, Label: cat.names.pick(r.NameZh, r.NameEn)})
			}
		}
		if !slices.ContainsFunc(lv.Regions, func(o option) bool { return o.Value == l.Region }) && len(lv.Regions) > 0 {
			l.Region = lv.Regions[0].Value
		}
		for _, t := range []int{catalogue.PeriodMonth, catalogue.PeriodYear} {
			if _, err := p.PeriodPrice(t); err == nil {
				lv.Periods = append(lv.Periods, option{Value: strconv.Itoa(t), Label: c.t(periodKey(t))})
			}
		}
		if !slices.ContainsFunc(lv.Periods, func(o option) bool { return o.Value == l.PeriodType }) && len(lv.Periods) > 0 {
			l.PeriodType = lv.Periods[0].Value
		}
		if l.PeriodNum == "" {
			l.PeriodNum = "1"
		}
		if l.Quantity == "" {
			l.Quantity = "1"
		}
		periodType, _ := strconv.Atoi(l.PeriodType)
		num, numErr := strconv.Atoi(l.PeriodNum)
		qty, qtyErr := strconv.Atoi(l.Quantity)
		if numErr != nil {
			num = 0 // refused by the range check, next to the field
		}
		if qtyErr != nil {
			qty = 0
		}
		if unit, err := p.PeriodPrice(periodType); err == nil {
			lv.UnitPrice = c.t("orders.unit_price."+strconv.Itoa(periodType), money.Format(unit))
		}
		price, err := p.LinePrice(periodType, num, qty)
		if err != nil {
			allPriced = false
			if e, ok := apperr.As(err); ok && e.Field != "" {
				f.fieldError(lv.Prefix+e.Field, c.errText(e))
			}
		} else {
			lv.Price = money.Format(price)
			total += price
		}
		reqs = append(reqs, order.LineRequest{ProductID: p.ID, Region: l.Region, PeriodType: periodType, PeriodNum: num, Quantity: qty, Name: l.Name})
		v.Lines = append(v.Lines, lv)
	}
	writeLines(f, lines)
	if allPriced && len(lines) > 0 {
		v.Total = money.Format(total)
	}
	return reqs
}
