package configurator_test

import (
	"fmt"
	"testing"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/configurator"
)

// benchmarkConfigurator is the shape issue 9 measures: 50 parameters, each
// with a rule, and 500 lines whose quantities read three parameters each
// through ceil, if, and, comparisons and arithmetic, priced over three
// products with discount tiers. It needs no database: Compile and Evaluate
// are pure.
func benchmarkConfigurator(tb testing.TB) (*configurator.Compiled, map[string]string) {
	tb.Helper()
	products := map[string]*catalogue.Product{
		"vm":   {ID: "vm", SpecCode: "c7.large.2", MonthlyPrice: 300_00, YearlyPrice: 3000_00, UsageUnit: "hour", UsageRate: 50_000_000, OnSale: true},
		"disk": {ID: "disk", SpecCode: "evs.ssd.100", MonthlyPrice: 50_00, OnSale: true},
		"bw":   {ID: "bw", SpecCode: "bw.10m", UsageUnit: "hour", UsageRate: 1_234_567, OnSale: true},
	}
	var def configurator.Definition
	values := map[string]string{}
	for i := range 50 {
		name := fmt.Sprintf("p%d", i)
		def.Parameters = append(def.Parameters, configurator.Parameter{Name: name, Label: name, Kind: configurator.KindNumber,
			Min: dec("0"), Max: dec("1000"), Step: dec("1"), Default: "10",
			Rules: []configurator.Rule{{Expr: fmt.Sprintf("p%d <= 1000 or p%d > 0", i, (i+1)%50), Message: "never fails"}}})
		values[name] = "50"
	}
	modes := []struct {
		product, mode string
		period        int
	}{{"vm", configurator.Yearly, 1}, {"disk", configurator.Monthly, 1}, {"bw", configurator.PayPerUse, 720}}
	for i := range 500 {
		m := modes[i%3]
		def.Lines = append(def.Lines, configurator.Line{ProductID: m.product, Mode: m.mode, Period: m.period,
			Quantity: fmt.Sprintf("ceil(p%d * 2 / 1) + if(p%d > 10 and p%d <= 1000, 2, 0)", i%50, (i+3)%50, (i+7)%50)})
	}
	def.Tiers = []configurator.Tier{{MinQuantity: 10, Rate: dec("0.05")}, {ProductID: "vm", MinQuantity: 100, Rate: dec("0.1")}}
	compiled, err := configurator.Compile(def, products)
	if err != nil {
		tb.Fatal(err)
	}
	return compiled, values
}

// BenchmarkEvaluate measures pricing a bill with a compiled configurator
// of 50 parameters and 500 lines (the target: under 10 ms).
func BenchmarkEvaluate(b *testing.B) {
	compiled, values := benchmarkConfigurator(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := compiled.Evaluate(values); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileAndEvaluate adds parsing and checking every formula, as
// the console's preview does on each change.
func BenchmarkCompileAndEvaluate(b *testing.B) {
	compiled, values := benchmarkConfigurator(b)
	products := map[string]*catalogue.Product{}
	for _, l := range compiled.Def.Lines {
		p := compiled.Product(l.ProductID)
		products[p.ID] = p
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := configurator.Compile(compiled.Def, products)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Evaluate(values); err != nil {
			b.Fatal(err)
		}
	}
}
