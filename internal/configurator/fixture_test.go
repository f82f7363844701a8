package configurator_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnercenter/internal/auth"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/configurator"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
)

type fixture struct {
	db            *store.DB
	p, other      *partner.Partner
	seller, psa   configurator.Actor
	stranger      configurator.Actor
	vm, disk, bw  *catalogue.Product
	solutionID    string // 配置器开发中
	draftSolution string // a draft: no configurator yet
}

// setup makes two partners, a PSA, three products and a solution of the
// first partner in 配置器开发中, and a draft one.
func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if f.p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "builder", Type: partner.SolutionProvider, Stage: partner.Certified}); err != nil {
			return err
		}
		if f.other, err = partner.Create(ctx, tx, partner.NewPartner{Name: "other", Type: partner.SolutionProvider, Stage: partner.Certified}); err != nil {
			return err
		}
		psa, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "psa-1", DisplayName: "psa", Roles: []auth.Role{auth.StaffPSA}, Password: "Passw0rd!long"})
		if err != nil {
			return err
		}
		f.seller = configurator.Actor{PartnerID: f.p.ID, UserID: "u-builder", Name: "builder-admin"}
		f.stranger = configurator.Actor{PartnerID: f.other.ID, UserID: "u-other", Name: "other-admin"}
		f.psa = configurator.Actor{UserID: psa.ID, Name: "psa-1"}
		if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: "hws.service.type.ec2", NameZh: "弹性云服务器", NameEn: "ECS"}); err != nil {
			return err
		}
		product := func(spec string, monthly, yearly int64, unit string, rate int64) *catalogue.Product {
			p := &catalogue.Product{ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm", SpecCode: spec,
				SpecZh: spec + " 中文", SpecEn: spec, MonthlyPrice: monthly, YearlyPrice: yearly, UsageUnit: unit, UsageRate: rate, OnSale: true}
			if err == nil {
				err = catalogue.Save(ctx, tx, p)
			}
			return p
		}
		f.vm = product("c7.large.2", 300_00, 3000_00, "hour", 50_000_000) // 0.50 yuan an hour
		f.disk = product("evs.ssd.100", 50_00, 0, "", 0)
		f.bw = product("bw.10m", 0, 0, "hour", 1_234_567) // 0.01234567 yuan an hour
		if err != nil {
			return err
		}
		// The solution's way to 配置器开发中 (materials, joint approval,
		// design, validation) is the solution package's and tested there;
		// here its status is set directly.
		seller := solution.Actor{Side: solution.Partner, PartnerID: f.p.ID, UserID: "u-builder", Name: "builder-admin"}
		for i, name := range []string{"智算一体机", "草稿方案"} {
			s, err := solution.Create(ctx, tx, seller, solution.Fields{Name: name, Industry: "finance", Description: "described"})
			if err != nil {
				return err
			}
			if i == 1 {
				f.draftSolution = s.ID
				break
			}
			f.solutionID = s.ID
			if _, err := tx.ExecContext(ctx, `UPDATE solutions SET status = ? WHERE id = ?`, solution.ConfiguratorDev, s.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// definition is a small configurator: users and a high-availability
// choice; VMs for a year by users, disks for a month per VM, bandwidth when HA; 5% off from 10 VMs.
func (f *fixture) definition() configurator.Definition {
	return configurator.Definition{
		Parameters: []configurator.Parameter{
			{Name: "users", Label: "用户数", Kind: configurator.KindNumber, Min: dec("10"), Max: dec("10000"), Step: dec("10"), Default: "100",
				Rules: []configurator.Rule{{Expr: "users <= 5000 or ha = 'yes'", Message: "more than 5000 users need high availability"}}},
			{Name: "ha", Label: "高可用", Kind: configurator.KindChoice, Options: []string{"no", "yes"}, Default: "no"},
		},
		Lines: []configurator.Line{
			{ProductID: f.vm.ID, Quantity: "ceil(users / 50) * if(ha = 'yes', 2, 1)", Mode: configurator.Yearly, Period: 1},
			{ProductID: f.disk.ID, Quantity: "ceil(users / 50) * 2", Mode: configurator.Monthly, Period: 1},
			{ProductID: f.bw.ID, Quantity: "if(ha = 'yes', 1, 0)", Mode: configurator.PayPerUse, Period: 720},
		},
		Tiers: []configurator.Tier{
			{MinQuantity: 10, Rate: dec("0.05")},
			{ProductID: f.vm.ID, MinQuantity: 20, Rate: dec("0.125")},
		},
	}
}

func (f *fixture) tx(fn func(ctx context.Context, tx *store.Tx) error) error {
	return f.db.InTx(context.Background(), func(tx *store.Tx) error { return fn(context.Background(), tx) })
}

func (f *fixture) save(def configurator.Definition) (*configurator.Configurator, error) {
	var c *configurator.Configurator
	err := f.tx(func(ctx context.Context, tx *store.Tx) (err error) {
		c, err = configurator.Save(ctx, tx, f.seller, f.solutionID, def)
		return err
	})
	return c, err
}

// publish saves the definition, requests publication and signs it off.
func (f *fixture) publish(t *testing.T) *configurator.Configurator {
	t.Helper()
	c, err := f.save(f.definition())
	if err != nil {
		t.Fatal(err)
	}
	err = f.tx(func(ctx context.Context, tx *store.Tx) error {
		if _, err := configurator.RequestPublication(ctx, tx, f.seller, f.solutionID); err != nil {
			return err
		}
		c, err = configurator.SignOff(ctx, tx, f.psa, c.ID, true, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// opportunity makes a draft PO of p, signed at signed when it is not zero.
// The signing date is written directly: reaching 达成销售 takes the whole
// review, which the opportunity package's own tests cover.
func (f *fixture) opportunity(t *testing.T, p *partner.Partner, project string, signed time.Time) *opportunity.Opportunity {
	t.Helper()
	var o *opportunity.Opportunity
	err := f.tx(func(ctx context.Context, tx *store.Tx) (err error) {
		if o, err = opportunity.CreateDraft(ctx, tx, p.ID, "seller", opportunity.Fields{ProspectName: "prospect", ProjectName: project}); err != nil {
			return err
		}
		if !signed.IsZero() {
			_, err = tx.ExecContext(ctx, `UPDATE opportunities SET signed_at = ? WHERE id = ?`, store.Micros(signed), o.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func keyOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Key
	}
	return ""
}

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Field
	}
	return ""
}

// counts is what a refused change must leave as it was.
func (f *fixture) counts(t *testing.T) [3]int64 {
	t.Helper()
	var out [3]int64
	q := f.db.Reader()
	for i, sql := range []string{`SELECT COUNT(*) FROM configuration_lists`, `SELECT COALESCE(SUM(revision), 0) FROM configurators`,
		`SELECT COUNT(*) FROM configuration_lists WHERE opportunity_id IS NOT NULL OR status <> 'draft'`} {
		if err := q.QueryRowContext(context.Background(), sql).Scan(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
