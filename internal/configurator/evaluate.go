package configurator

import (
	"fmt"

	"github.com/shopspring/decimal"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/configurator/formula"
	"partnercenter/internal/platform/apperr"
)

// Bill is a priced bill of materials: the lines with a quantity, their list
// prices, discounts and amounts, in fen.
type Bill struct {
	Lines    []BillLine `json:"lines"`
	List     int64      `json:"list"`
	Discount int64      `json:"discount"`
	Total    int64      `json:"total"`
}

// BillLine is one product of a bill.
type BillLine struct {
	No        int    `json:"no"` // the configurator's line, from 1; the sheet's row for an import
	ProductID string `json:"product_id"`
	SpecCode  string `json:"spec_code"`
	SpecZh    string `json:"spec_zh"`
	SpecEn    string `json:"spec_en"`
	Mode      string `json:"mode"`
	Period    int    `json:"period"`
	Quantity  int64  `json:"quantity"`
	UnitPrice int64  `json:"unit_price"` // one unit for the whole period
	List      int64  `json:"list"`
	Rate      string `json:"rate"` // the discount rate applied, e.g. "0.05"; "0" for none
	Discount  int64  `json:"discount"`
	Amount    int64  `json:"amount"`
}

var fenPerYuanRate = decimal.NewFromInt(catalogue.RatePerFen)

// unitPrice is the list price of one unit of p for period in mode, in fen.
// A pay-per-use rate has 8 decimals of a yuan: the hours' charge is rounded
// half up to the fen once, for the unit, as an estimate of the usage.
func unitPrice(p *catalogue.Product, mode string, period int) int64 {
	switch mode {
	case Monthly:
		return p.MonthlyPrice * int64(period)
	case Yearly:
		return p.YearlyPrice * int64(period)
	}
	return decimal.NewFromInt(p.UsageRate).Mul(decimal.NewFromInt(int64(period))).Div(fenPerYuanRate).Round(0).IntPart()
}

// tierFor is the discount rate for a quantity of a product: the highest
// tier reached, the product's own before a general one.
func tierFor(tiers []Tier, productID string, quantity int64) decimal.Decimal {
	best, bestMin, bestOwn := decimal.Zero, int64(0), false
	for _, t := range tiers {
		if t.ProductID != "" && t.ProductID != productID || t.MinQuantity > quantity {
			continue
		}
		own := t.ProductID != ""
		if t.MinQuantity > bestMin || t.MinQuantity == bestMin && own && !bestOwn {
			best, bestMin, bestOwn = t.Rate, t.MinQuantity, own
		}
	}
	return best
}

// priceLine prices quantity units of a product with the tiers.
func priceLine(no int, p *catalogue.Product, mode string, period int, quantity int64, tiers []Tier) BillLine {
	unit := unitPrice(p, mode, period)
	list := unit * quantity
	rate := tierFor(tiers, p.ID, quantity)
	discount := decimal.NewFromInt(list).Mul(rate).Round(0).IntPart()
	return BillLine{No: no, ProductID: p.ID, SpecCode: p.SpecCode, SpecZh: p.SpecZh, SpecEn: p.SpecEn, Mode: mode, Period: period,
		Quantity: quantity, UnitPrice: unit, List: list, Rate: rate.String(), Discount: discount, Amount: list - discount}
}

func (b *Bill) add(l BillLine) {
	b.Lines = append(b.Lines, l)
	b.List += l.List
	b.Discount += l.Discount
	b.Total += l.Amount
}

// Evaluate prices the bill for the parameter values a user set (by
// parameter name; a missing value takes the default). Bad input is the
// first fault: a value out of range or step, or not an option (on the
// parameter's field); a rule that does not hold (with its message, on its
// parameter's field); a quantity formula that does not evaluate or gives
// no whole number (on the line's field, naming the formula).
func (c *Compiled) Evaluate(raw map[string]string) (*Bill, error) {
	env := make(formula.Values, len(c.Def.Parameters))
	for i := range c.Def.Parameters {
		p := &c.Def.Parameters[i]
		s, ok := raw[p.Name]
		if !ok {
			s = p.Default
		}
		v, err := p.parse(s)
		if err != nil {
			return nil, err
		}
		env[p.Name] = v
	}
	for i, rules := range c.rules {
		p := &c.Def.Parameters[i]
		for j, x := range rules {
			holds, err := x.EvalBool(env)
			if err != nil {
				return nil, formulaError(fmt.Sprintf("parameters.%d.rules.%d", i, j), err)
			}
			if !holds {
				return nil, apperr.Field(p.Name, "configurator.rule_failed", "%s", p.Rules[j].Message)
			}
		}
	}
	bill := &Bill{Lines: make([]BillLine, 0, len(c.quantity))}
	for i, x := range c.quantity {
		q, err := x.EvalNumber(env)
		if err != nil {
			return nil, formulaError(fmt.Sprintf("lines.%d.quantity", i), err)
		}
		if !q.IsInteger() || q.IsNegative() || q.Cmp(decimal.NewFromInt(MaxLineQuantity)) > 0 {
			return nil, apperr.Field(fmt.Sprintf("lines.%d.quantity", i), "configurator.quantity_whole",
				"formula %s gives %s: a quantity is a whole number from 0 to %d", x.Name(), q.String(), MaxLineQuantity)
		}
		if q.IsZero() {
			continue
		}
		l := c.Def.Lines[i]
		bill.add(priceLine(i+1, c.products[l.ProductID], l.Mode, l.Period, q.IntPart(), c.Def.Tiers))
	}
	return bill, nil
}

// Product is a catalogue product the compiled configurator knows.
func (c *Compiled) Product(id string) *catalogue.Product { return c.products[id] }
