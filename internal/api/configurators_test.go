package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	pc "partnercenter/client"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/configurator"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	pcmoney "partnercenter/internal/platform/money"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// cfgFixture adds to the partner fixture three catalogue products and two
// solutions of the plain reseller: one published with a signed-off
// configurator, one in 配置器开发中 whose configurator is still edited.
type cfgFixture struct {
	*solFixture
	vm, disk, bw          *catalogue.Product
	published, editing    *configurator.Configurator
	def                   configurator.Definition
	divisionFormula       string // line 4's quantity, which divides by zero when users is 20
	publishedSolutionName string
}

func newCfgFixture(t *testing.T, db *store.DB) *cfgFixture {
	t.Helper()
	f := &cfgFixture{solFixture: newSolFixture(t, db), publishedSolutionName: "智算一体机", divisionFormula: "if(users = 20, 1 / (users - 20), 0)"}
	seller := configurator.Actor{PartnerID: f.plain.ID, Name: "plain-admin"}
	psa := configurator.Actor{Name: "psa-1"}
	f.tx(t, func(ctx context.Context, tx *store.Tx) error {
		if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: "hws.service.type.ec2", NameZh: "弹性云服务器", NameEn: "ECS"}); err != nil {
			return err
		}
		var err error
		product := func(spec string, monthly, yearly int64, unit string, rate int64) *catalogue.Product {
			p := &catalogue.Product{ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm", SpecCode: spec,
				SpecZh: spec + " 中文", SpecEn: spec, MonthlyPrice: monthly, YearlyPrice: yearly, UsageUnit: unit, UsageRate: rate, OnSale: true}
			if err == nil {
				err = catalogue.Save(ctx, tx, p)
			}
			return p
		}
		f.vm = product("c7.large.2", 300_00, 3000_00, "hour", 50_000_000)
		f.disk = product("evs.ssd.100", 50_00, 0, "", 0)
		f.bw = product("bw.10m", 0, 0, "hour", 1_234_567) // 0.01234567 yuan an hour: the bill rounds
		if err != nil {
			return err
		}
		dec := decimal.RequireFromString
		f.def = configurator.Definition{
			Parameters: []configurator.Parameter{
				{Name: "users", Label: "用户数", Kind: configurator.KindNumber, Min: dec("10"), Max: dec("10000"), Step: dec("10"), Default: "100",
					Rules: []configurator.Rule{{Expr: "users <= 5000 or ha = 'yes'", Message: "more than 5000 users need high availability"}}},
				{Name: "ha", Label: "高可用", Kind: configurator.KindChoice, Options: []string{"no", "yes"}, Default: "no"},
			},
			Lines: []configurator.Line{
				{ProductID: f.vm.ID, Quantity: "ceil(users / 50) * if(ha = 'yes', 2, 1)", Mode: configurator.Yearly, Period: 1},
				{ProductID: f.disk.ID, Quantity: "ceil(users / 50) * 2", Mode: configurator.Monthly, Period: 3},
				{ProductID: f.bw.ID, Quantity: "if(ha = 'yes', 1, 0)", Mode: configurator.PayPerUse, Period: 720},
				{ProductID: f.disk.ID, Quantity: f.divisionFormula, Mode: configurator.Monthly, Period: 1},
			},
			Tiers: []configurator.Tier{{MinQuantity: 10, Rate: dec("0.05")}, {ProductID: f.vm.ID, MinQuantity: 20, Rate: dec("0.125")}},
		}
		partnerSide := solution.Actor{Side: solution.Partner, PartnerID: f.plain.ID, Name: "plain-admin"}
		for _, name := range []string{f.publishedSolutionName, "开发中的方案"} {
			s, err := solution.Create(ctx, tx, partnerSide, solution.Fields{Name: name, Industry: "finance", Description: "described"})
			if err != nil {
				return err
			}
			// The way to 配置器开发中 is the solution package's and tested there.
			if _, err := tx.ExecContext(ctx, `UPDATE solutions SET status = ? WHERE id = ?`, solution.ConfiguratorDev, s.ID); err != nil {
				return err
			}
			c, err := configurator.Save(ctx, tx, seller, s.ID, f.def)
			if err != nil {
				return err
			}
			if name != f.publishedSolutionName {
				f.editing = c
				continue
			}
			if _, err := configurator.RequestPublication(ctx, tx, seller, s.ID); err != nil {
				return err
			}
			if f.published, err = configurator.SignOff(ctx, tx, psa, c.ID, true, ""); err != nil {
				return err
			}
		}
		return nil
	})
	return f
}

// packageBill is the configurator package's own evaluation of values.
func (f *cfgFixture) packageBill(t *testing.T, values map[string]string) *configurator.Bill {
	t.Helper()
	compiled, err := f.published.Compile(context.Background(), f.db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	bill, err := compiled.Evaluate(values)
	if err != nil {
		t.Fatal(err)
	}
	return bill
}

// sameBill checks an answered bill against the package's, line by line, to
// the fen.
func sameBill(t *testing.T, got pc.Bill, want *configurator.Bill) {
	t.Helper()
	if got.ListAmount != pcmoney.Plain(want.List) || got.Discount != pcmoney.Plain(want.Discount) || got.Total != pcmoney.Plain(want.Total) ||
		len(got.Lines) != len(want.Lines) {
		t.Fatalf("bill %+v, want %+v", got, want)
	}
	for i, l := range want.Lines {
		g := got.Lines[i]
		if g.No != l.No || g.ProductID != l.ProductID || g.SpecCode != l.SpecCode || g.Mode != l.Mode || g.Period != l.Period ||
			g.Quantity != l.Quantity || g.UnitPrice != pcmoney.Plain(l.UnitPrice) || g.ListAmount != pcmoney.Plain(l.List) ||
			g.DiscountRate != l.Rate || g.Discount != pcmoney.Plain(l.Discount) || g.Amount != pcmoney.Plain(l.Amount) {
			t.Fatalf("line %d: %+v, want %+v", i, g, l)
		}
	}
}

// A partner reads its configurators and evaluates one as the console's
// live preview does: the bill equals the configurator package's for the
// same values, to the fen; bad values are refused naming the parameter,
// and a formula's fault names the formula, the character and the name.
func TestConfiguratorAPIEvaluate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCfgFixture(t, db)
		ctx := context.Background()

		all := extMust(f.own.ListSolutionConfigurators(ctx, "", pc.Page{}))(t)
		usable := extMust(f.own.ListSolutionConfigurators(ctx, pc.ConfiguratorPublished, pc.Page{}))(t)
		if all.TotalCount != 2 || usable.TotalCount != 1 || usable.Configurators[0].ConfiguratorID != f.published.ID ||
			usable.Configurators[0].SolutionName != f.publishedSolutionName || usable.Configurators[0].PublishedAt == "" {
			t.Fatalf("all %+v, published %+v", all, usable)
		}
		page := extMust(f.own.ListSolutionConfigurators(ctx, "", pc.Page{Offset: 1, Limit: 1}))(t)
		if page.TotalCount != 2 || len(page.Configurators) != 1 || page.Configurators[0].ConfiguratorID == all.Configurators[0].ConfiguratorID {
			t.Fatalf("second page %+v of %+v", page, all)
		}
		_, err := f.own.ListSolutionConfigurators(ctx, "approved", pc.Page{})
		extInvalid(t, err, "status")

		cfg := extMust(f.own.ShowSolutionConfigurator(ctx, f.published.ID))(t)
		if len(cfg.Parameters) != 2 || cfg.Parameters[0].Name != "users" || cfg.Parameters[0].Min != "10" || cfg.Parameters[0].Step != "10" ||
			len(cfg.Parameters[0].Rules) != 1 || cfg.Parameters[1].Options[1] != "yes" || len(cfg.Lines) != 4 ||
			cfg.Lines[0].Quantity != f.def.Lines[0].Quantity || cfg.Lines[2].Mode != "pay_per_use" || cfg.Lines[2].Period != 720 ||
			len(cfg.Tiers) != 2 || cfg.Tiers[1].Rate != "0.125" || cfg.Defaults["users"] != "100" || cfg.Defaults["ha"] != "no" {
			t.Fatalf("configurator %+v", cfg)
		}

		// The defaults, and values that reach both tiers and the rounded
		// pay-per-use line.
		for _, values := range []map[string]string{nil, {"users": "1000", "ha": "yes"}, {"users": "510"}} {
			ev := extMust(f.own.EvaluateSolutionConfigurator(ctx, f.published.ID, values))(t)
			want := f.packageBill(t, values)
			sameBill(t, ev.Bill, want)
			if ev.Values["users"] == "" || ev.Values["ha"] == "" {
				t.Fatalf("values used %v", ev.Values)
			}
		}
		// 1000 users with HA: 40 VMs a year at 3,000.00 less 12.5%, 40
		// disks for 3 months at 50.00 less 5%, one 10M line for 720 hours
		// at 0.01234567 (8.888...), rounded to 8.89.
		ev := extMust(f.own.EvaluateSolutionConfigurator(ctx, f.published.ID, map[string]string{"users": "1000", "ha": "yes"}))(t)
		if ev.Bill.Total != "110708.89" || ev.Bill.Lines[2].Amount != "8.89" || ev.Bill.Lines[0].DiscountRate != "0.125" {
			t.Fatalf("bill %+v", ev.Bill)
		}

		for _, c := range []struct {
			values map[string]string
			want   string
		}{
			{map[string]string{"users": "15"}, "values.users: enter 10 plus a multiple of 10"},
			{map[string]string{"users": "abc"}, "values.users: enter a number"},
			{map[string]string{"ha": "maybe"}, "values.ha: choose one of the options"},
			{map[string]string{"users": "6000", "ha": "no"}, "values.users: more than 5000 users need high availability"},
			{map[string]string{"seats": "5"}, "values.seats"},
		} {
			_, err := f.own.EvaluateSolutionConfigurator(ctx, f.published.ID, c.values)
			extInvalid(t, err, c.want)
		}
		_, err = f.own.EvaluateSolutionConfigurator(ctx, f.published.ID, map[string]string{"users": "20"})
		pos := strings.Index(f.divisionFormula, "/") + 1
		extInvalid(t, err, fmt.Sprintf("lines.3.quantity: formula line 4 quantity, character %d: division by zero (/)", pos))

		// The configurator still being edited evaluates too, as its preview does.
		extMust(f.own.EvaluateSolutionConfigurator(ctx, f.editing.ID, nil))(t)

		_, err = f.other.ShowSolutionConfigurator(ctx, f.published.ID)
		extNotFound(t, err)
		_, err = f.other.EvaluateSolutionConfigurator(ctx, f.published.ID, nil)
		extNotFound(t, err)
		if list := extMust(f.other.ListSolutionConfigurators(ctx, "", pc.Page{}))(t); list.TotalCount != 0 {
			t.Fatalf("another partner lists %+v", list)
		}
	})
}

// Configuration lists: made with a published configurator (once per
// Idempotency-Key), keeping the bill the configurator priced; refused with
// the field named and nothing stored; linked and submitted within the
// 15-day rule; paged; invisible to another partner.
func TestConfigurationListAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCfgFixture(t, db)
		ctx := context.Background()
		lists := func() int { return f.count(t, `SELECT COUNT(*) FROM configuration_lists`) }

		values := map[string]string{"users": "1000", "ha": "yes"}
		in := pc.NewConfigurationList{ConfiguratorID: f.published.ID, Name: "华东园区一期", Values: values}
		l := extMust(f.own.CreateConfigurationList(ctx, in, pc.IdempotencyKey("list-1")))(t)
		again := extMust(f.own.CreateConfigurationList(ctx, in, pc.IdempotencyKey("list-1")))(t)
		if again.ListID != l.ListID || lists() != 1 {
			t.Fatalf("a retried creation made %d lists (%s, %s)", lists(), l.ListID, again.ListID)
		}
		today := time.Now().In(ledger.BillingZone).Format("2006-01-02")
		if l.Status != pc.ListDraft || l.Source != "configurator" || l.Date != today || l.Values["users"] != "1000" || l.Bill == nil ||
			l.Total != l.Bill.Total || !strings.HasPrefix(l.Code, "PZ") {
			t.Fatalf("list %+v", l)
		}
		sameBill(t, *l.Bill, f.packageBill(t, values))

		for _, c := range []struct {
			in   pc.NewConfigurationList
			want string
		}{
			{pc.NewConfigurationList{ConfiguratorID: f.published.ID}, "name"},
			{pc.NewConfigurationList{ConfiguratorID: f.published.ID, Name: "x", Date: "2026/01/01"}, "date"},
			{pc.NewConfigurationList{ConfiguratorID: f.published.ID, Name: "x", Date: time.Now().AddDate(0, 0, 3).Format("2006-01-02")}, "date: the list's date cannot be in the future"},
			{pc.NewConfigurationList{ConfiguratorID: f.published.ID, Name: "x", Values: map[string]string{"users": "7"}}, "values.users"},
			{pc.NewConfigurationList{Name: "x"}, "configurator_id"},
		} {
			_, err := f.own.CreateConfigurationList(ctx, c.in)
			extInvalid(t, err, c.want)
		}
		_, err := f.own.CreateConfigurationList(ctx, pc.NewConfigurationList{ConfiguratorID: f.editing.ID, Name: "x"})
		extConflict(t, err, "published configurator")
		_, err = f.other.CreateConfigurationList(ctx, pc.NewConfigurationList{ConfiguratorID: f.published.ID, Name: "x"})
		extNotFound(t, err)
		if lists() != 1 {
			t.Fatalf("%d lists after refused creations", lists())
		}

		// The bill is kept: a price change later does not reach the list.
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			f.vm.YearlyPrice *= 2
			return catalogue.Save(ctx, tx, f.vm)
		})
		if shown := extMust(f.own.ShowConfigurationList(ctx, l.ListID))(t); shown.Bill.Total != l.Bill.Total || shown.Bill.Total != "110708.89" {
			t.Fatalf("the kept bill changed: %+v", shown.Bill)
		}
		if now := extMust(f.own.EvaluateSolutionConfigurator(ctx, f.published.ID, values))(t); now.Bill.Total == l.Bill.Total {
			t.Fatalf("a new evaluation still has the old price: %s", now.Bill.Total)
		}

		// The 15-day rule. A list dated 20 days ago, for a deal signed 30
		// days ago, had to be linked within 15 days of its date.
		opp := func(p string, signedDaysAgo int) string {
			var id string
			f.tx(t, func(ctx context.Context, tx *store.Tx) error {
				o, err := opportunity.CreateDraft(ctx, tx, p, "seller", opportunity.Fields{ProspectName: "prospect", ProjectName: "园区"})
				if err != nil {
					return err
				}
				id = o.ID
				// Signing takes the whole review, which the opportunity
				// package's tests cover; the date is what matters here.
				_, err = tx.ExecContext(ctx, `UPDATE opportunities SET signed_at = ? WHERE id = ?`, store.Micros(time.Now().AddDate(0, 0, -signedDaysAgo)), o.ID)
				return err
			})
			return id
		}
		late := extMust(f.own.CreateConfigurationList(ctx, pc.NewConfigurationList{ConfiguratorID: f.published.ID, Name: "补录",
			Date: time.Now().In(ledger.BillingZone).AddDate(0, 0, -20).Format("2006-01-02")}))(t)
		old := opp(f.plain.ID, 30)
		_, err = f.own.LinkConfigurationList(ctx, late.ListID, old)
		deadline := time.Now().In(ledger.BillingZone).AddDate(0, 0, -5).Format("2006-01-02")
		extConflict(t, err, "had to be linked and submitted by "+deadline)

		signed := opp(f.plain.ID, 1)
		_, err = f.own.SubmitConfigurationList(ctx, l.ListID)
		extConflict(t, err, "link the list")
		_, err = f.own.LinkConfigurationList(ctx, l.ListID, opp(f.dist2.ID, 1))
		extInvalid(t, err, "opportunity_id")
		linked := extMust(f.own.LinkConfigurationList(ctx, l.ListID, signed))(t)
		if linked.OpportunityID != signed || linked.OpportunityCode == "" ||
			linked.LinkDeadline != time.Now().In(ledger.BillingZone).AddDate(0, 0, 15).Format("2006-01-02") {
			t.Fatalf("linked %+v", linked)
		}
		submitted := extMust(f.own.SubmitConfigurationList(ctx, l.ListID))(t)
		if submitted.Status != pc.ListSubmitted || submitted.SubmittedAt == "" || submitted.LinkDeadline != "" {
			t.Fatalf("submitted %+v", submitted)
		}
		_, err = f.own.SubmitConfigurationList(ctx, l.ListID)
		extConflict(t, err, "submitted and cannot change")

		// Pages, filters, and another partner.
		for i := range 3 {
			extMust(f.own.CreateConfigurationList(ctx, pc.NewConfigurationList{ConfiguratorID: f.published.ID, Name: fmt.Sprintf("清单 %d", i)}))(t)
		}
		first := extMust(f.own.ListConfigurationLists(ctx, pc.ConfigurationListFilter{Page: pc.Page{Limit: 3}}))(t)
		rest := extMust(f.own.ListConfigurationLists(ctx, pc.ConfigurationListFilter{Page: pc.Page{Offset: 3, Limit: 3}}))(t)
		drafts := extMust(f.own.ListConfigurationLists(ctx, pc.ConfigurationListFilter{Status: pc.ListDraft}))(t)
		if first.TotalCount != 5 || len(first.Lists) != 3 || len(rest.Lists) != 2 || first.Lists[0].Name != "清单 2" || drafts.TotalCount != 4 ||
			first.Lists[0].Bill != nil || first.Lists[0].Total == "" {
			t.Fatalf("first %+v, rest %+v, drafts %d", first, rest, drafts.TotalCount)
		}
		_, err = f.own.ListConfigurationLists(ctx, pc.ConfigurationListFilter{Status: "final"})
		extInvalid(t, err, "status")
		_, err = f.other.ShowConfigurationList(ctx, l.ListID)
		extNotFound(t, err)
		_, err = f.other.LinkConfigurationList(ctx, late.ListID, old)
		extNotFound(t, err)
		if list := extMust(f.other.ListConfigurationLists(ctx, pc.ConfigurationListFilter{}))(t); list.TotalCount != 0 {
			t.Fatalf("another partner lists %+v", list)
		}
	})
}
