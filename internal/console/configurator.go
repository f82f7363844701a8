package console

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"partnercenter/internal/auth"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/configurator"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 解决方案配置中心 (seed snippet 8): the configurator of a solution, opened
// from 配置器开发 in the solutions list (solutionConfiguratorPath), and the
// partner's configurators and configuration lists (configuratorCenterPath).
// The configurator page edits the definition one piece at a time (add or
// remove a parameter, a line, a discount tier), each change checked whole
// by configurator.Save, with its message next to the field of the piece
// being added; it shows a live preview (a form that htmx posts on every
// change, re-rendering the priced bill) and, once published, makes lists
// with the preview's values or by importing an Excel sheet (nothing is
// imported when a row is bad, and every bad row is listed). A solution not
// in 配置器开发中 is refused with the reason. Lists, their export and the
// link to an opportunity are in configurator_lists.go; the PSA's sign-off
// in configurator_staff.go.

const configuratorCenterPath = solutionsPath + "/center"

// configuratorRoutes registers the pages of this area.
func (h *handler) configuratorRoutes() {
	need := perms(auth.PermSolution)
	h.page("GET "+configuratorCenterPath, need, h.configuratorCenterPage)
	h.page("GET "+configuratorCenterPath+"/template.xlsx", need, h.configuratorTemplate)
	h.page("GET "+solutionsPath+"/{id}/configurator", need, h.configuratorPage)
	h.page("POST "+solutionsPath+"/{id}/configurator", need, h.editConfigurator)
	h.page("POST "+solutionsPath+"/{id}/configurator/lists", need, h.produceList)
	h.page("POST "+solutionsPath+"/{id}/configurator/import", need, h.importList)
	h.configuratorListRoutes()
	h.configuratorStaffRoutes()
}

func (c *call) configuratorActor() configurator.Actor {
	return configurator.Actor{PartnerID: c.p.PartnerID, UserID: c.p.UserID, Name: c.p.ActorName()}
}

// configuratorView is the configurator page (configurator.html, page "workspace").
type configuratorView struct {
	Page      string
	Workspace *configurator.Workspace
	Action    string
	Status    string
	Editable  bool
	Pending   bool
	Published bool
	Params    []paramRow
	Lines     []lineRow
	Tiers     []tierRow
	Kinds     []option
	Modes     []option
	Products  []option
	Preview   *previewView
	Lists     []listRow
	BadRows   []badRow
	Center    string
	Template  string
	Form      *form // the lines' quantity inputs are fields of the page's form
}

type paramRow struct {
	configurator.Parameter
	I     int
	Kind  string
	Range string
}

type lineRow struct {
	configurator.Line
	I, No  int
	Spec   string
	Mode   string
	Period string
}

type tierRow struct {
	I       int
	Product string
	Min     int64
	Rate    string
}

// previewView is the preview's form and its priced bill.
type previewView struct {
	Inputs []*fieldView
	Bill   *billView
	Error  string
}

type badRow struct {
	Row    int
	Column string
	Reason string
}

// configuratorStatusKey labels a configurator's status.
func configuratorStatusKey(s string) string { return "configurator.status." + s }

func (c *call) modeOptions() []option {
	out := make([]option, len(configurator.BillingModes))
	for i, m := range configurator.BillingModes {
		out[i] = option{m, c.t("configurator.mode." + m)}
	}
	return out
}

// periodText says a line's period in words: 12 个月, 1 年, 720 小时.
func (c *call) periodText(mode string, period int) string {
	return c.t("configurator.period."+mode, period)
}

func (c *call) specName(p *catalogue.Product) string {
	if c.lang == "en" {
		return p.SpecEn
	}
	return p.SpecZh
}

// configuratorPage shows a solution's configurator.
func (h *handler) configuratorPage(c *call) error {
	return h.renderConfigurator(c, http.StatusOK, newForm(c.r.URL.Query()), nil)
}

// renderConfigurator renders the configurator page with a form's values and
// messages; bad names the rows of a refused import.
func (h *handler) renderConfigurator(c *call, status int, f *form, bad []badRow) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	w, err := configurator.Open(ctx, q, c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	products, err := configurator.Products(ctx, q)
	if err != nil {
		return err
	}
	v := &configuratorView{Page: "workspace", Workspace: w, Action: solutionConfiguratorPath(w.Solution.ID), Kinds: []option{
		{configurator.KindNumber, c.t("configurator.kind.number")}, {configurator.KindChoice, c.t("configurator.kind.choice")}},
		Modes: c.modeOptions(), BadRows: bad, Center: configuratorCenterPath, Template: configuratorCenterPath + "/template.xlsx", Form: f}
	v.Status = c.t(configuratorStatusKey(configurator.Editing))
	v.Editable = true
	if cfg := w.Configurator; cfg != nil {
		v.Status = c.t(configuratorStatusKey(cfg.Status))
		v.Editable, v.Pending, v.Published = cfg.Status == configurator.Editing, cfg.Status == configurator.Pending, cfg.Status == configurator.Published
		v.fillDefinition(c, cfg.Def, products)
		for i, l := range cfg.Def.Lines {
			if _, ok := f.Values[quantityField(i)]; !ok {
				f.Values.Set(quantityField(i), l.Quantity)
			}
		}
		compiled, err := configurator.Compile(cfg.Def, products)
		if err == nil {
			v.Preview = c.preview(compiled, f)
		} else if e, ok := apperr.As(err); ok {
			// The catalogue changed under the definition since it was saved.
			v.Preview = &previewView{Error: c.errText(e)}
		} else {
			return err
		}
		if v.Lists, err = h.listRows(c, cfg.ID); err != nil {
			return err
		}
	}
	for _, p := range sortedProducts(products) {
		if p.OnSale {
			v.Products = append(v.Products, option{p.ID, p.SpecCode + " " + c.specName(p)})
		}
	}
	return c.render(status, "configurator", &view{Title: "configurator.title", Active: solutionsPath, Data: v, Form: f})
}

func sortedProducts(products map[string]*catalogue.Product) []*catalogue.Product {
	out := make([]*catalogue.Product, 0, len(products))
	for _, p := range products {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *catalogue.Product) int { return strings.Compare(a.SpecCode, b.SpecCode) })
	return out
}

func (v *configuratorView) fillDefinition(c *call, def configurator.Definition, products map[string]*catalogue.Product) {
	for i, p := range def.Parameters {
		r := paramRow{Parameter: p, I: i, Kind: c.t("configurator.kind." + p.Kind)}
		if p.Kind == configurator.KindNumber {
			r.Range = c.t("configurator.range", p.Min.String(), p.Max.String(), p.Step.String())
		} else {
			r.Range = strings.Join(p.Options, " / ")
		}
		v.Params = append(v.Params, r)
	}
	for i, l := range def.Lines {
		r := lineRow{Line: l, I: i, No: i + 1, Spec: l.SpecCode, Mode: c.t("configurator.mode." + l.Mode), Period: c.periodText(l.Mode, l.Period)}
		if p := products[l.ProductID]; p != nil {
			r.Spec = p.SpecCode + " " + c.specName(p)
		}
		v.Lines = append(v.Lines, r)
	}
	for i, t := range def.Tiers {
		r := tierRow{I: i, Product: c.t("configurator.tier_all"), Min: t.MinQuantity, Rate: percent(t.Rate)}
		if p := products[t.ProductID]; p != nil {
			r.Product = p.SpecCode
		}
		v.Tiers = append(v.Tiers, r)
	}
}

// percent shows a rate as a percentage: 0.125 is 12.5%.
func percent(rate decimal.Decimal) string {
	return rate.Mul(decimal.NewFromInt(100)).String() + "%"
}

// quantityField is the form field of a line's quantity formula.
func quantityField(i int) string { return "quantity." + strconv.Itoa(i) }

// valueField is the form field of a parameter's value in the preview.
func valueField(name string) string { return "v." + name }

// preview evaluates the configurator with the form's values (the defaults
// where the form has none) and puts a refused value next to its field.
func (c *call) preview(compiled *configurator.Compiled, f *form) *previewView {
	pv := &previewView{}
	values := compiled.Defaults()
	for _, p := range compiled.Def.Parameters {
		name := valueField(p.Name)
		if _, ok := f.Values[name]; ok {
			values[p.Name] = f.Get(name)
		} else {
			f.Values.Set(name, p.Default)
		}
		fv := fld(f, name, p.Label, "required", "auto:off")
		if p.Kind == configurator.KindChoice {
			opts := make([]option, len(p.Options))
			for i, o := range p.Options {
				opts[i] = option{o, o}
			}
			fv = fv.With(opts)
			fv.Type = "select"
		}
		pv.Inputs = append(pv.Inputs, fv)
	}
	bill, err := compiled.Evaluate(values)
	if e, ok := apperr.As(err); ok {
		if slices.ContainsFunc(compiled.Def.Parameters, func(p configurator.Parameter) bool { return p.Name == e.Field }) {
			f.fieldError(valueField(e.Field), c.errText(e))
		} else {
			pv.Error = c.errText(e)
		}
		return pv
	}
	pv.Bill = c.billView(bill)
	return pv
}

// billView is a priced bill in the user's words.
type billView struct {
	Lines                 []billLineView
	List, Discount, Total string
}

type billLineView struct {
	No                                 int
	Spec, Name, Mode, Period           string
	Quantity                           int64
	Unit, List, Rate, Discount, Amount string
}

func (c *call) billView(b *configurator.Bill) *billView {
	v := &billView{List: money.Format(b.List), Discount: money.Format(b.Discount), Total: money.Format(b.Total)}
	for _, l := range b.Lines {
		v.Lines = append(v.Lines, billLineView{No: l.No, Spec: l.SpecCode, Name: c.billSpecName(l), Mode: c.t("configurator.mode." + l.Mode),
			Period: c.periodText(l.Mode, l.Period), Quantity: l.Quantity, Unit: money.Format(l.UnitPrice), List: money.Format(l.List),
			Rate: percent(decimal.RequireFromString(l.Rate)), Discount: money.Format(l.Discount), Amount: money.Format(l.Amount)})
	}
	return v
}

func (c *call) billSpecName(l configurator.BillLine) string {
	if c.lang == "en" {
		return l.SpecEn
	}
	return l.SpecZh
}

// editConfigurator adds or removes one piece of the definition (op names
// it) and saves the whole; a refused piece is shown on its field.
func (h *handler) editConfigurator(c *call) error {
	f := newForm(c.postForm())
	id := c.r.PathValue("id")
	op := f.Get("op")
	if op == "request" {
		err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
			_, err := configurator.RequestPublication(ctx, tx, c.configuratorActor(), id)
			return err
		})
		if err != nil {
			return err
		}
		if !f.ok() {
			return h.renderConfigurator(c, http.StatusUnprocessableEntity, f, nil)
		}
		return c.done("configurator.requested", solutionConfiguratorPath(id))
	}
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var changed configurator.Definition
		_, err := configurator.Edit(ctx, tx, c.configuratorActor(), id, func(def *configurator.Definition) error {
			if err := c.changeDefinition(f, def, op); err != nil {
				return err
			}
			if !f.ok() {
				return errFormFaults
			}
			changed = *def
			return nil
		})
		if errors.Is(err, errFormFaults) {
			return nil
		}
		return changedFieldError(err, changed, op)
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderConfigurator(c, http.StatusUnprocessableEntity, f, nil)
	}
	return c.done("configurator.saved", solutionConfiguratorPath(id))
}

// errFormFaults stops an edit whose form already has its messages.
var errFormFaults = errors.New("the form has faults")

// changeDefinition applies the form's op to def: add_parameter,
// add_line, add_tier, edit_line:I (its quantity formula), or
// remove_parameter:I, remove_line:I, remove_tier:I.
func (c *call) changeDefinition(f *form, def *configurator.Definition, op string) error {
	what, index, _ := strings.Cut(op, ":")
	i, _ := strconv.Atoi(index)
	switch what {
	case "add_parameter":
		p := configurator.Parameter{Name: f.Get("param_name"), Label: f.Get("param_label"), Kind: f.Get("param_kind"), Default: f.Get("param_default")}
		if p.Kind == configurator.KindNumber {
			p.Min, p.Max, p.Step = c.decimalField(f, "param_min"), c.decimalField(f, "param_max"), c.decimalField(f, "param_step")
		} else {
			for _, o := range strings.FieldsFunc(f.Get("param_options"), func(r rune) bool { return r == ',' || r == '，' || r == '\n' }) {
				p.Options = append(p.Options, strings.TrimSpace(o))
			}
		}
		if rule := f.Get("param_rule"); rule != "" {
			p.Rules = []configurator.Rule{{Expr: rule, Message: f.Get("param_rule_message")}}
		}
		def.Parameters = append(def.Parameters, p)
	case "add_line":
		period, err := strconv.Atoi(f.Get("line_period"))
		if err != nil {
			f.fieldError("line_period", c.t("configurator.whole_number"))
		}
		def.Lines = append(def.Lines, configurator.Line{ProductID: f.Get("line_product_id"), Quantity: f.Get("line_quantity"),
			Mode: f.Get("line_mode"), Period: period})
	case "add_tier":
		min, err := strconv.ParseInt(f.Get("tier_min_quantity"), 10, 64)
		if err != nil {
			f.fieldError("tier_min_quantity", c.t("configurator.whole_number"))
		}
		rate := c.decimalField(f, "tier_rate").Div(decimal.NewFromInt(100))
		def.Tiers = append(def.Tiers, configurator.Tier{ProductID: f.Get("tier_product_id"), MinQuantity: min, Rate: rate})
	case "edit_line":
		if i < 0 || i >= len(def.Lines) {
			return apperr.NotFoundf("error.not_found.title", "no such line")
		}
		def.Lines[i].Quantity = f.Get(quantityField(i))
	case "remove_parameter":
		if i >= 0 && i < len(def.Parameters) {
			def.Parameters = slices.Delete(def.Parameters, i, i+1)
		}
	case "remove_line":
		if i >= 0 && i < len(def.Lines) {
			def.Lines = slices.Delete(def.Lines, i, i+1)
		}
	case "remove_tier":
		if i >= 0 && i < len(def.Tiers) {
			def.Tiers = slices.Delete(def.Tiers, i, i+1)
		}
	default:
		return apperr.NotFoundf("error.not_found.title", "no such change")
	}
	return nil
}

// decimalField reads an exact decimal.
func (c *call) decimalField(f *form, name string) decimal.Decimal {
	d, err := decimal.NewFromString(f.Get(name))
	if err != nil || strings.ContainsAny(f.Get(name), "eE") || len(f.Get(name)) > 30 {
		f.fieldError(name, c.t("configurator.value_number"))
		return decimal.Zero
	}
	return d
}

// changedFieldError moves a refusal about the piece just changed to its
// field: an edited line's formula (lines.2.quantity is quantity.2), or the
// add form's field of the piece just added (the last parameter, line or
// tier: parameters.4.name is param_name when there are 5 parameters). A
// refusal elsewhere stays whole (the message names the formula) for the
// top of the form.
func changedFieldError(err error, def configurator.Definition, op string) error {
	e, ok := apperr.As(err)
	if !ok || e.Field == "" {
		return err
	}
	if what, index, _ := strings.Cut(op, ":"); what == "edit_line" && e.Field == "lines."+index+".quantity" {
		moved := *e
		moved.Field = "quantity." + index
		return &moved
	}
	if !strings.HasPrefix(op, "add_") {
		moved := *e
		moved.Field = ""
		return &moved
	}
	for _, s := range []struct {
		section, prefix string
		n               int
	}{{"parameters", "param_", len(def.Parameters)}, {"lines", "line_", len(def.Lines)}, {"tiers", "tier_", len(def.Tiers)}} {
		rest, ok := strings.CutPrefix(e.Field, s.section+"."+strconv.Itoa(s.n-1)+".")
		if !ok {
			continue
		}
		if strings.HasPrefix(rest, "rules.") {
			rest = "rule"
		}
		moved := *e
		moved.Field = s.prefix + rest
		return &moved
	}
	moved := *e
	moved.Field = ""
	return &moved
}
