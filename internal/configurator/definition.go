package configurator

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/configurator/formula"
	"partnercenter/internal/platform/apperr"
)

// Parameter kinds.
const (
	KindNumber = "number"
	KindChoice = "choice"
)

// Billing modes of a line.
const (
	Monthly   = "monthly"     // 包月: Period months
	Yearly    = "yearly"      // 包年: Period years
	PayPerUse = "pay_per_use" // 按需: Period hours
)

// BillingModes lists them in their order.
var BillingModes = []string{Monthly, Yearly, PayPerUse}

// Limits of a definition.
const (
	MaxParameters   = 200
	MaxLines        = 2000
	MaxTiers        = 50
	MaxOptions      = 50
	MaxHours        = 8784 // a leap year of pay-per-use hours
	MaxLineQuantity = 1_000_000
)

// Definition is what a partner builds: the parameters a user sets, the
// lines of the bill of materials and the pricing rules.
type Definition struct {
	Parameters []Parameter `json:"parameters"`
	Lines      []Line      `json:"lines"`
	Tiers      []Tier      `json:"tiers"`
}

// Parameter is a number (Min, Max, Step) or a choice (Options) the user of
// the configurator sets, with rules that must hold.
type Parameter struct {
	Name    string          `json:"name"`  // used in formulas
	Label   string          `json:"label"` // shown on the form
	Kind    string          `json:"kind"`
	Min     decimal.Decimal `json:"min"`
	Max     decimal.Decimal `json:"max"`
	Step    decimal.Decimal `json:"step"`
	Options []string        `json:"options,omitempty"`
	Default string          `json:"default"`
	Rules   []Rule          `json:"rules,omitempty"`
}

// Rule is a condition over the parameters that must hold, with the message
// the user sees when it does not.
type Rule struct {
	Expr    string `json:"expr"`
	Message string `json:"message"`
}

// Line maps the parameters to one catalogue product and its quantity.
type Line struct {
	ProductID string `json:"product_id"`
	SpecCode  string `json:"spec_code"` // the product's spec, kept for reading
	Quantity  string `json:"quantity"`  // a formula giving a whole number; 0 leaves the line out
	Mode      string `json:"mode"`
	Period    int    `json:"period"` // months, years or hours by Mode
}

// Tier is a discount by quantity: a line whose quantity reaches
// MinQuantity gets Rate off its list price (0.05 is 5%). A tier names a
// product or, empty, applies to every line; the tier with the highest
// MinQuantity reached applies, a product's own before a general one.
type Tier struct {
	ProductID   string          `json:"product_id,omitempty"`
	MinQuantity int64           `json:"min_quantity"`
	Rate        decimal.Decimal `json:"rate"`
}

var nameRe = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_]{0,39}$`)

// reserved are words a parameter cannot be called: the language's own.
var reserved = []string{"and", "or", "not", "true", "false", "if", "min", "max", "ceil", "floor", "round"}

// field builds the error of a definition's field: fields are addressed as
// parameters.3.name, lines.12.quantity, tiers.0.rate.
func field(section string, i int, name, key, msg string, args ...any) *apperr.Error {
	return apperr.Field(fmt.Sprintf("%s.%d.%s", section, i, name), key, msg, args...)
}

// formulaError turns a formula's error into a domain error on a field, in
// words that name the formula, the character and the name at fault.
func formulaError(fieldName string, err error) error {
	fe, ok := err.(*formula.Error)
	if !ok {
		return err
	}
	// The message's arguments are the same in every language: the
	// formula's name, the character and the name or operator at fault.
	key := "configurator.formula_" + fe.Kind
	if fe.Kind == formula.ErrSyntax && fe.Name == "" {
		key = "configurator.formula_incomplete" // nothing to quote: the formula ends early or is empty
	}
	return &apperr.Error{Code: apperr.Invalid, Field: fieldName, Key: key,
		Args: []any{fe.Formula, fe.Pos, fe.Name}, Msg: fe.Error()}
}

// Compiled is a definition checked against the catalogue with its
// formulas parsed: what Evaluate runs, many times.
type Compiled struct {
	Def      Definition
	params   map[string]*Parameter
	rules    [][]*formula.Expr // by parameter
	quantity []*formula.Expr   // by line
	products map[string]*catalogue.Product
}

// Compile checks a definition and parses its formulas. products holds the
// catalogue products the lines name (more are fine). The first fault is the
// error, on the field at fault.
func Compile(def Definition, products map[string]*catalogue.Product) (*Compiled, error) {
	// Compile trims and completes what it checks: on a copy, so that the
	// caller's definition stays as it was given.
	def.Parameters, def.Lines, def.Tiers = slices.Clone(def.Parameters), slices.Clone(def.Lines), slices.Clone(def.Tiers)
	for i := range def.Parameters {
		def.Parameters[i].Options = slices.Clone(def.Parameters[i].Options)
	}
	c := &Compiled{Def: def, params: map[string]*Parameter{}, products: products}
	switch {
	case len(def.Parameters) > MaxParameters:
		return nil, apperr.Field("parameters", "configurator.too_many", "at most %d", MaxParameters)
	case len(def.Lines) > MaxLines:
		return nil, apperr.Field("lines", "configurator.too_many", "at most %d", MaxLines)
	case len(def.Tiers) > MaxTiers:
		return nil, apperr.Field("tiers", "configurator.too_many", "at most %d", MaxTiers)
	}
	for i := range def.Parameters {
		p := &def.Parameters[i]
		if err := checkParameter(i, p); err != nil {
			return nil, err
		}
		if c.params[p.Name] != nil {
			return nil, field("parameters", i, "name", "configurator.name_taken", "another parameter is called %s", p.Name)
		}
		c.params[p.Name] = p
	}
	known := func(n string) bool { return c.params[n] != nil }
	c.rules = make([][]*formula.Expr, len(def.Parameters))
	for i, p := range def.Parameters {
		for j, r := range p.Rules {
			fieldName := fmt.Sprintf("parameters.%d.rules.%d", i, j)
			if strings.TrimSpace(r.Message) == "" {
				return nil, apperr.Field(fieldName, "configurator.rule_message", "give the message shown when the rule does not hold")
			}
			x, err := formula.Parse(fmt.Sprintf("%s rule %d", p.Name, j+1), r.Expr)
			if err == nil {
				err = x.Check(known)
			}
			if err != nil {
				return nil, formulaError(fieldName, err)
			}
			c.rules[i] = append(c.rules[i], x)
		}
	}
	c.quantity = make([]*formula.Expr, len(def.Lines))
	for i := range def.Lines {
		l := &def.Lines[i]
		p := products[l.ProductID]
		if p == nil {
			return nil, field("lines", i, "product_id", "configurator.product_unknown", "choose a product of the catalogue")
		}
		l.SpecCode = p.SpecCode
		if err := checkMode(i, l, p); err != nil {
			return nil, err
		}
		x, err := formula.Parse(fmt.Sprintf("line %d quantity", i+1), l.Quantity)
		if err == nil {
			err = x.Check(known)
		}
		if err != nil {
			return nil, formulaError(fmt.Sprintf("lines.%d.quantity", i), err)
		}
		c.quantity[i] = x
	}
	for i, t := range def.Tiers {
		switch {
		case t.ProductID != "" && products[t.ProductID] == nil:
			return nil, field("tiers", i, "product_id", "configurator.product_unknown", "choose a product of the catalogue")
		case t.MinQuantity < 1:
			return nil, field("tiers", i, "min_quantity", "configurator.tier_quantity", "the quantity must be at least 1")
		case t.Rate.IsNegative() || t.Rate.Cmp(decimal.NewFromInt(1)) >= 0 || t.Rate.Exponent() < -4:
			return nil, field("tiers", i, "rate", "configurator.tier_rate", "the discount rate is from 0 to 0.9999, with at most 4 decimals")
		}
		for j := range i {
			if o := def.Tiers[j]; o.ProductID == t.ProductID && o.MinQuantity == t.MinQuantity {
				return nil, field("tiers", i, "min_quantity", "configurator.tier_taken", "another tier starts at this quantity")
			}
		}
	}
	// The defaults must give a bill: a configurator that fails on its
	// first screen is refused while it is written, with the formula named.
	if _, err := c.Evaluate(c.Defaults()); err != nil {
		return nil, err
	}
	return c, nil
}

func checkParameter(i int, p *Parameter) error {
	p.Name, p.Label, p.Default = strings.TrimSpace(p.Name), strings.TrimSpace(p.Label), strings.TrimSpace(p.Default)
	switch {
	case !nameRe.MatchString(p.Name):
		return field("parameters", i, "name", "configurator.name_format", "a name starts with a letter and has letters, digits or _ (at most 40)")
	case slices.Contains(reserved, strings.ToLower(p.Name)):
		return field("parameters", i, "name", "configurator.name_reserved", "%s is a word of the formula language", p.Name)
	case p.Label == "" || len([]rune(p.Label)) > 100:
		return field("parameters", i, "label", "configurator.label_required", "give a label of at most 100 characters")
	}
	switch p.Kind {
	case KindNumber:
		switch {
		case p.Min.Cmp(p.Max) > 0:
			return field("parameters", i, "max", "configurator.max_below_min", "the maximum is below the minimum")
		case !p.Step.IsPositive():
			return field("parameters", i, "step", "configurator.step_positive", "the step must be above 0")
		}
		if _, err := p.parse(p.Default); err != nil {
			return field("parameters", i, "default", err.Key, err.Msg, err.Args...)
		}
	case KindChoice:
		if len(p.Options) == 0 || len(p.Options) > MaxOptions {
			return field("parameters", i, "options", "configurator.options_count", "give from 1 to %d options", MaxOptions)
		}
		for j, o := range p.Options {
			p.Options[j] = strings.TrimSpace(o)
			if p.Options[j] == "" || slices.Contains(p.Options[:j], p.Options[j]) {
				return field("parameters", i, "options", "configurator.options_distinct", "options must be distinct and not empty")
			}
		}
		if p.Default == "" {
			p.Default = p.Options[0]
		}
		if _, err := p.parse(p.Default); err != nil {
			return field("parameters", i, "default", err.Key, err.Msg, err.Args...)
		}
	default:
		return field("parameters", i, "kind", "configurator.kind_invalid", "a parameter is a number or a choice")
	}
	return nil
}

func checkMode(i int, l *Line, p *catalogue.Product) error {
	switch l.Mode {
	case Monthly, Yearly:
		periodType, maxPeriods := catalogue.PeriodMonth, catalogue.MaxPeriods
		if l.Mode == Yearly {
			periodType, maxPeriods = catalogue.PeriodYear, catalogue.MaxYears
		}
		if _, err := p.PeriodPrice(periodType); err != nil {
			return field("lines", i, "mode", "configurator.mode_not_sold", "the product is not sold this way")
		}
		if l.Period < 1 || l.Period > maxPeriods {
			return field("lines", i, "period", "configurator.period_range", "the period is from 1 to %d", maxPeriods)
		}
	case PayPerUse:
		if !p.PayPerUse() {
			return field("lines", i, "mode", "configurator.mode_not_sold", "the product is not sold this way")
		}
		if l.Period < 1 || l.Period > MaxHours {
			return field("lines", i, "period", "configurator.period_range", "the period is from 1 to %d", MaxHours)
		}
	default:
		return field("lines", i, "mode", "configurator.mode_invalid", "choose 包月, 包年 or 按需")
	}
	return nil
}

// parse reads a user's value of the parameter: a number within its range
// and on its step, or one of its options.
func (p *Parameter) parse(raw string) (formula.Value, *apperr.Error) {
	raw = strings.TrimSpace(raw)
	if p.Kind == KindChoice {
		if !slices.Contains(p.Options, raw) {
			return formula.Value{}, apperr.Field(p.Name, "configurator.value_option", "choose one of the options")
		}
		return formula.Str(raw), nil
	}
	d, err := decimal.NewFromString(raw)
	if err != nil || strings.ContainsAny(raw, "eE") || len(raw) > 30 {
		return formula.Value{}, apperr.Field(p.Name, "configurator.value_number", "enter a number")
	}
	if d.Cmp(p.Min) < 0 || d.Cmp(p.Max) > 0 {
		return formula.Value{}, apperr.Field(p.Name, "configurator.value_range", "enter a number from %s to %s", p.Min.String(), p.Max.String())
	}
	if !d.Sub(p.Min).Mod(p.Step).IsZero() {
		return formula.Value{}, apperr.Field(p.Name, "configurator.value_step", "enter %s plus a multiple of %s", p.Min.String(), p.Step.String())
	}
	return formula.Num(d), nil
}

// Defaults are the parameters' default values, as a form would send them.
func (c *Compiled) Defaults() map[string]string {
	out := make(map[string]string, len(c.Def.Parameters))
	for _, p := range c.Def.Parameters {
		out[p.Name] = p.Default
	}
	return out
}
