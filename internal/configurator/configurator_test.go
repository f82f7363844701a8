package configurator_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"partnercenter/internal/configurator"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestDefinitionFaultsAreRefusedOnTheirField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		if _, err := f.save(f.definition()); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name   string
			change func(d *configurator.Definition)
			field  string
			key    string
			args   []any // the message's arguments, when they matter
		}{
			{"bad name", func(d *configurator.Definition) { d.Parameters[0].Name = "2users" }, "parameters.0.name", "configurator.name_format", nil},
			{"reserved name", func(d *configurator.Definition) { d.Parameters[1].Name = "max" }, "parameters.1.name", "configurator.name_reserved", nil},
			{"duplicate name", func(d *configurator.Definition) { d.Parameters[1].Name = "users" }, "parameters.1.name", "configurator.name_taken", nil},
			{"no label", func(d *configurator.Definition) { d.Parameters[0].Label = " " }, "parameters.0.label", "configurator.label_required", nil},
			{"max below min", func(d *configurator.Definition) { d.Parameters[0].Max = dec("5") }, "parameters.0.max", "configurator.max_below_min", nil},
			{"zero step", func(d *configurator.Definition) { d.Parameters[0].Step = dec("0") }, "parameters.0.step", "configurator.step_positive", nil},
			{"default off step", func(d *configurator.Definition) { d.Parameters[0].Default = "105" }, "parameters.0.default", "configurator.value_step", nil},
			{"no options", func(d *configurator.Definition) { d.Parameters[1].Options = nil }, "parameters.1.options", "configurator.options_count", nil},
			{"default not an option", func(d *configurator.Definition) { d.Parameters[1].Default = "maybe" }, "parameters.1.default", "configurator.value_option", nil},
			{"unknown kind", func(d *configurator.Definition) { d.Parameters[1].Kind = "date" }, "parameters.1.kind", "configurator.kind_invalid", nil},
			{"rule without message", func(d *configurator.Definition) { d.Parameters[0].Rules[0].Message = "" }, "parameters.0.rules.0", "configurator.rule_message", nil},
			{"rule naming an unknown parameter", func(d *configurator.Definition) { d.Parameters[0].Rules[0].Expr = "nodes > 1" },
				"parameters.0.rules.0", "configurator.formula_unknown_name", []any{"users rule 1", 1, "nodes"}},
			{"rule giving a number", func(d *configurator.Definition) { d.Parameters[0].Rules[0].Expr = "users + 1" },
				"parameters.0.rules.0", "configurator.formula_result_kind", nil},
			{"unknown product", func(d *configurator.Definition) { d.Lines[0].ProductID = "nope" }, "lines.0.product_id", "configurator.product_unknown", nil},
			{"mode not sold", func(d *configurator.Definition) { d.Lines[1].Mode = configurator.Yearly }, "lines.1.mode", "configurator.mode_not_sold", nil},
			{"period too long", func(d *configurator.Definition) { d.Lines[0].Period = 4 }, "lines.0.period", "configurator.period_range", nil},
			{"syntax", func(d *configurator.Definition) { d.Lines[2].Quantity = "if(ha = 'yes', 1" },
				"lines.2.quantity", "configurator.formula_incomplete", []any{"line 3 quantity", 17, ""}},
			{"syntax naming the token", func(d *configurator.Definition) { d.Lines[2].Quantity = "if(ha = 'yes', 1 0)" },
				"lines.2.quantity", "configurator.formula_syntax", []any{"line 3 quantity", 18, "0"}},
			{"unknown name", func(d *configurator.Definition) { d.Lines[1].Quantity = "nodes * 2" },
				"lines.1.quantity", "configurator.formula_unknown_name", []any{"line 2 quantity", 1, "nodes"}},
			{"division by zero at the defaults", func(d *configurator.Definition) { d.Lines[0].Quantity = "1000 / (users - 100)" },
				"lines.0.quantity", "configurator.formula_divide_by_zero", []any{"line 1 quantity", 6, "/"}},
			{"not a whole quantity", func(d *configurator.Definition) { d.Lines[0].Quantity = "users / 3" }, "lines.0.quantity", "configurator.quantity_whole", nil},
			{"tier rate of 1", func(d *configurator.Definition) { d.Tiers[0].Rate = dec("1") }, "tiers.0.rate", "configurator.tier_rate", nil},
			{"tier rate too precise", func(d *configurator.Definition) { d.Tiers[0].Rate = dec("0.00001") }, "tiers.0.rate", "configurator.tier_rate", nil},
			{"tier twice", func(d *configurator.Definition) { d.Tiers[1].ProductID, d.Tiers[1].MinQuantity = "", 10 }, "tiers.1.min_quantity", "configurator.tier_taken", nil},
		} {
			before := f.counts(t)
			d := f.definition()
			c.change(&d)
			_, err := f.save(d)
			if fieldOf(err) != c.field || keyOf(err) != c.key {
				t.Errorf("%s: %v (field %q, key %q); want %s on %s", c.name, err, fieldOf(err), keyOf(err), c.key, c.field)
				continue
			}
			if e, _ := apperr.As(err); c.args != nil && fmt.Sprint(e.Args) != fmt.Sprint(c.args) {
				t.Errorf("%s: arguments %v, want %v", c.name, e.Args, c.args)
			}
			if after := f.counts(t); after != before {
				t.Errorf("%s: refused save changed %v to %v", c.name, before, after)
			}
		}
	})
}

func TestEvaluatePricesExactly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		c, err := f.save(f.definition())
		if err != nil {
			t.Fatal(err)
		}
		compiled, err := c.Compile(context.Background(), db.Reader())
		if err != nil {
			t.Fatal(err)
		}
		// The defaults: 100 users, no HA: 2 VMs for a year, 4 disks for
		// a month, no bandwidth (quantity 0 leaves the line out).
		bill, err := compiled.Evaluate(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(bill.Lines) != 2 || bill.Lines[0].Quantity != 2 || bill.Lines[0].UnitPrice != 3000_00 || bill.Lines[1].Quantity != 4 ||
			bill.List != 6200_00 || bill.Discount != 0 || bill.Total != 6200_00 {
			t.Errorf("defaults: %+v", bill)
		}
		// 1000 users with HA: 40 VMs reach the VM tier (12.5%), 40 disks the
		// general one (5%), 1 bandwidth for 720 hours at 0.01234567 yuan =
		// 8.8888824 yuan, rounded to 889 fen.
		bill, err = compiled.Evaluate(map[string]string{"users": "1000", "ha": "yes"})
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ qty, list, discount, amount int64 }{{40, 120000_00, 15000_00, 105000_00}, {40, 2000_00, 100_00, 1900_00}, {1, 889, 0, 889}}
		for i, w := range want {
			l := bill.Lines[i]
			if l.Quantity != w.qty || l.List != w.list || l.Discount != w.discount || l.Amount != w.amount || l.No != i+1 {
				t.Errorf("line %d: %+v, want %+v", i+1, l, w)
			}
		}
		if bill.List != 122000_00+889 || bill.Discount != 15100_00 || bill.Total != 106900_00+889 {
			t.Errorf("totals: %d %d %d", bill.List, bill.Discount, bill.Total)
		}
		for _, c := range []struct {
			values map[string]string
			field  string
			key    string
		}{
			{map[string]string{"users": "6000"}, "users", "configurator.rule_failed"},
			{map[string]string{"users": "15"}, "users", "configurator.value_step"},
			{map[string]string{"users": "20000"}, "users", "configurator.value_range"},
			{map[string]string{"users": "1e3"}, "users", "configurator.value_number"},
			{map[string]string{"ha": "maybe"}, "ha", "configurator.value_option"},
		} {
			if _, err := compiled.Evaluate(c.values); fieldOf(err) != c.field || keyOf(err) != c.key {
				t.Errorf("%v: %v; want %s on %s", c.values, err, c.key, c.field)
			}
		}
		if _, err := compiled.Evaluate(map[string]string{"users": "6000"}); err == nil || err.Error() != "users: more than 5000 users need high availability" {
			t.Errorf("the rule's own message: %v", err)
		}
	})
}

func TestEditingOnlyWhileInDevelopmentAndSignOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		// A draft solution: its configurator cannot be opened or saved.
		if _, err := configurator.Open(ctx, db.Reader(), f.p.ID, f.draftSolution); !errors.Is(err, configurator.ErrNotInDevelopment) {
			t.Errorf("open a draft solution's configurator: %v", err)
		}
		err := f.tx(func(ctx context.Context, tx *store.Tx) error {
			_, err := configurator.Save(ctx, tx, f.seller, f.draftSolution, f.definition())
			return err
		})
		if !errors.Is(err, configurator.ErrNotInDevelopment) {
			t.Errorf("save on a draft solution: %v", err)
		}
		// Publication needs a line.
		empty := f.definition()
		empty.Lines, empty.Tiers = nil, nil
		if _, err := f.save(empty); err != nil {
			t.Fatal(err)
		}
		request := func() error {
			return f.tx(func(ctx context.Context, tx *store.Tx) error {
				_, err := configurator.RequestPublication(ctx, tx, f.seller, f.solutionID)
				return err
			})
		}
		if err := request(); !errors.Is(err, configurator.ErrEmpty) {
			t.Errorf("request with no line: %v", err)
		}
		c, err := f.save(f.definition())
		if err != nil || c.Revision != 2 || c.Status != configurator.Editing {
			t.Fatalf("second save: %+v, %v", c, err)
		}
		if err := request(); err != nil {
			t.Fatal(err)
		}
		// Pending: no edits; the PSA returns it with a reason, required.
		before := f.counts(t)
		if _, err := f.save(f.definition()); !errors.Is(err, configurator.ErrPending) {
			t.Errorf("save while pending: %v", err)
		}
		signOff := func(approve bool, comment string) (*configurator.Configurator, error) {
			var out *configurator.Configurator
			err := f.tx(func(ctx context.Context, tx *store.Tx) (err error) {
				out, err = configurator.SignOff(ctx, tx, f.psa, c.ID, approve, comment)
				return err
			})
			return out, err
		}
		if _, err := signOff(false, " "); fieldOf(err) != "comment" {
			t.Errorf("return without a reason: %v", err)
		}
		if f.counts(t) != before {
			t.Error("a refused change changed the configurator")
		}
		back, err := signOff(false, "add the backup line")
		if err != nil || back.Status != configurator.Editing || back.DecisionComment != "add the backup line" {
			t.Fatalf("return: %+v, %v", back, err)
		}
		if _, err := signOff(true, ""); !errors.Is(err, configurator.ErrNotPending) {
			t.Errorf("sign off what is not pending: %v", err)
		}
		if err := request(); err != nil {
			t.Fatal(err)
		}
		done, err := signOff(true, "")
		if err != nil || done.Status != configurator.Published || done.DecidedBy != "psa-1" {
			t.Fatalf("sign off: %+v, %v", done, err)
		}
		s, err := solution.Get(ctx, db.Reader(), solution.Viewer{}, f.solutionID)
		if err != nil || s.Status != solution.Published {
			t.Fatalf("the solution after sign-off: %+v, %v", s, err)
		}
		// Published: the page opens (to make lists) but nothing is editable.
		if w, err := configurator.Open(ctx, db.Reader(), f.p.ID, f.solutionID); err != nil || w.Configurator.ID != c.ID {
			t.Errorf("open the published configurator: %v", err)
		}
		if _, err := f.save(f.definition()); !errors.Is(err, configurator.ErrNotInDevelopment) {
			t.Errorf("save after publication: %v", err)
		}
	})
}

func TestAnotherPartnersConfiguratorIsInvisible(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		c := f.publish(t)
		var list *configurator.List
		err := f.tx(func(ctx context.Context, tx *store.Tx) (err error) {
			list, err = configurator.Produce(ctx, tx, f.seller, c.ID, configurator.ListHeader{Name: "方案一"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		before := f.counts(t)
		q := db.Reader()
		if _, err := configurator.Get(ctx, q, f.other.ID, c.ID); !errors.Is(err, configurator.ErrNotFound) {
			t.Errorf("Get: %v", err)
		}
		if _, err := configurator.Open(ctx, q, f.other.ID, f.solutionID); !errors.Is(err, solution.ErrNotFound) {
			t.Errorf("Open: %v", err)
		}
		if all, err := configurator.Configurators(ctx, q, f.other.ID, ""); err != nil || len(all) != 0 {
			t.Errorf("Configurators: %v, %v", all, err)
		}
		if _, err := configurator.GetList(ctx, q, f.other.ID, list.ID); !errors.Is(err, configurator.ErrListNotFound) {
			t.Errorf("GetList: %v", err)
		}
		if all, err := configurator.Lists(ctx, q, f.other.ID, ""); err != nil || len(all) != 0 {
			t.Errorf("Lists: %v, %v", all, err)
		}
		for name, fn := range map[string]func(ctx context.Context, tx *store.Tx) error{
			"save": func(ctx context.Context, tx *store.Tx) error {
				_, err := configurator.Save(ctx, tx, f.stranger, f.solutionID, f.definition())
				return err
			},
			"produce": func(ctx context.Context, tx *store.Tx) error {
				_, err := configurator.Produce(ctx, tx, f.stranger, c.ID, configurator.ListHeader{Name: "x"}, nil)
				return err
			},
			"link": func(ctx context.Context, tx *store.Tx) error {
				_, err := configurator.Link(ctx, tx, f.stranger, list.ID, "x")
				return err
			},
			"submit": func(ctx context.Context, tx *store.Tx) error {
				_, err := configurator.Submit(ctx, tx, f.stranger, list.ID)
				return err
			},
		} {
			if err := f.tx(fn); keyOf(err) != "solution.not_found" && keyOf(err) != "configurator.not_found" && keyOf(err) != "configurator.list_not_found" {
				t.Errorf("%s by another partner: %v", name, err)
			}
		}
		if f.counts(t) != before {
			t.Error("another partner's attempts changed something")
		}
	})
}

// TestBenchmarkShapeEvaluates checks that the benchmark's configurator is
// a valid one, priced as computed by hand.
func TestBenchmarkShapeEvaluates(t *testing.T) {
	compiled, values := benchmarkConfigurator(t)
	bill, err := compiled.Evaluate(values)
	if err != nil {
		t.Fatal(err)
	}
	if len(bill.Lines) != 500 || bill.Lines[499].Quantity != 2*50+2 {
		t.Fatalf("%d lines, last %+v", len(bill.Lines), bill.Lines[len(bill.Lines)-1])
	}
}

func TestRecordPublishedOnlyForAPublishedSolutionWithout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		record := func() (*configurator.Configurator, error) {
			var c *configurator.Configurator
			err := f.tx(func(ctx context.Context, tx *store.Tx) (err error) {
				c, err = configurator.RecordPublished(ctx, tx, f.psa, f.p.ID, f.solutionID, f.definition())
				return err
			})
			return c, err
		}
		if _, err := record(); keyOf(err) != "configurator.solution_not_published" {
			t.Errorf("a solution in development: %v", err)
		}
		err := f.tx(func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE solutions SET status = ? WHERE id = ?`, solution.Published, f.solutionID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := record()
		if err != nil || c.Status != configurator.Published || c.DecidedBy != "psa-1" || len(c.Def.Lines) != 3 {
			t.Fatalf("record: %+v, %v", c, err)
		}
		if _, err := record(); !errors.Is(err, configurator.ErrHasConfigurator) {
			t.Errorf("a second one: %v", err)
		}
	})
}

// TestConcurrentEditsAllCount adds lines from several goroutines at once:
// each edit reads and writes under the solution's lock, so none is lost.
func TestConcurrentEditsAllCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		if _, err := f.save(f.definition()); err != nil {
			t.Fatal(err)
		}
		const n = 6
		errs := make(chan error, n)
		for range n {
			go func() {
				errs <- f.tx(func(ctx context.Context, tx *store.Tx) error {
					_, err := configurator.Edit(ctx, tx, f.seller, f.solutionID, func(d *configurator.Definition) error {
						d.Lines = append(d.Lines, configurator.Line{ProductID: f.disk.ID, Quantity: "1", Mode: configurator.Monthly, Period: 1})
						return nil
					})
					return err
				})
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		c, err := configurator.ForSolution(context.Background(), db.Reader(), f.p.ID, f.solutionID)
		if err != nil || len(c.Def.Lines) != 3+n || c.Revision != 1+n {
			t.Fatalf("after %d concurrent edits: %d lines, revision %d (%v)", n, len(c.Def.Lines), c.Revision, err)
		}
	})
}
