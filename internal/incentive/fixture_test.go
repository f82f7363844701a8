package incentive_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/incentive"
	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

type customerT = customer.Customer

// Service types of the test catalogue.
const (
	svcECS = "hws.service.type.ec2"
	svcOBS = "hws.service.type.obs"
	svcRDS = "hws.service.type.rds" // no rebate policy: earns nothing
)

// world is a distributor and a reseller with three customers each, a
// catalogue where ECS has a flagged and an unflagged product, OBS one
// flagged product, RDS one flagged product without a policy, and policies
// for both partner types. now is 10 December 2026: November has ended,
// December runs.
type world struct {
	db                 *store.DB
	now                time.Time
	dist, resl         *partner.Partner
	distCust, reslCust []*customer.Customer
	vmFlagged, vmPlain *catalogue.Product
	obs, rds           *catalogue.Product
	seq                atomic.Int64
}

var (
	nov = incentive.Month(202611)
	dec = incentive.Month(202612)
	oct = incentive.Month(202610)
)

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, now: time.Date(2026, 12, 10, 5, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return w.now }
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		mk := func(name string, typ partner.Type) *partner.Partner {
			p, e := partner.Create(ctx, tx, partner.NewPartner{Name: storetest.Name(name), Type: typ, Stage: partner.Certified})
			err = errors.Join(err, e)
			return p
		}
		w.dist, w.resl = mk("dist", partner.TotalDistributor), mk("resl", partner.Reseller)
		for _, p := range []*partner.Partner{w.dist, w.resl} {
			var cs []*customer.Customer
			for i := range 3 {
				c, e := customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: storetest.Name(fmt.Sprintf("c%d", i))}, false)
				err = errors.Join(err, e)
				cs = append(cs, c)
			}
			if p == w.dist {
				w.distCust = cs
			} else {
				w.reslCust = cs
			}
		}
		if err != nil {
			return err
		}
		for _, s := range []catalogue.ServiceType{{Code: svcECS, NameZh: "弹性云服务器", NameEn: "ECS"}, {Code: svcOBS, NameZh: "对象存储服务", NameEn: "OBS"},
			{Code: svcRDS, NameZh: "云数据库", NameEn: "RDS"}} {
			if err := catalogue.SaveServiceType(ctx, tx, s); err != nil {
				return err
			}
		}
		product := func(svc, spec string, flagged bool) *catalogue.Product {
			p := &catalogue.Product{ServiceTypeCode: svc, ResourceTypeCode: "hws.resource.type.x", ResourceTypeZh: "x", ResourceTypeEn: "x",
				SpecCode: storetest.Name(spec), SpecZh: spec, SpecEn: spec, MonthlyPrice: 100_00, Incentive: flagged, OnSale: true}
			err = errors.Join(err, catalogue.Save(ctx, tx, p))
			return p
		}
		w.vmFlagged, w.vmPlain = product(svcECS, "vm-a", true), product(svcECS, "vm-b", false)
		w.obs, w.rds = product(svcOBS, "obs", true), product(svcRDS, "rds", true)
		if err != nil {
			return err
		}
		for _, in := range []incentive.PolicyInput{
			{Kind: incentive.KindRebate, ServiceTypeCode: svcECS, PartnerType: partner.TotalDistributor, RateBP: 333, ValidFrom: 202601},
			{Kind: incentive.KindRebate, ServiceTypeCode: svcOBS, PartnerType: partner.TotalDistributor, RateBP: 1250, ValidFrom: 202601},
			{Kind: incentive.KindRebate, ServiceTypeCode: svcECS, PartnerType: partner.Reseller, RateBP: 175, ValidFrom: 202601, ValidTo: 202611},
			{Kind: incentive.KindRebate, ServiceTypeCode: svcECS, PartnerType: partner.Reseller, RateBP: 225, ValidFrom: 202612},
			{Kind: incentive.KindRebate, ServiceTypeCode: svcOBS, PartnerType: partner.Reseller, RateBP: 0, ValidFrom: 202601},
			{Kind: incentive.KindNewCustomer, PartnerType: partner.TotalDistributor, BonusFen: 50_00, ValidFrom: 202601},
		} {
			if _, err := incentive.CreatePolicy(ctx, tx, in, "admin"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// fee is one fee record to write.
type fee struct {
	p       *partner.Partner
	c       *customer.Customer
	product *catalogue.Product
	month   incentive.Month
	amount  int64
	manager string
}

func (w *world) addFees(t *testing.T, fees ...fee) {
	t.Helper()
	err := w.db.InTx(context.Background(), func(tx *store.Tx) error {
		for _, f := range fees {
			n := w.seq.Add(1)
			id := fmt.Sprintf("fee-%s-%d", f.p.ID[:8], n)
			_, err := tx.ExecContext(context.Background(), `INSERT INTO fee_records (id, ref, source, partner_id, customer_id, charging_mode,
				service_type_code, resource_type_code, product_id, region_code, fee_at, bill_month, amount, balance_amount, manager_user_id, created_at)
				VALUES (?, ?, 'order', ?, ?, 1, ?, ?, ?, 'cn-north-4', ?, ?, ?, ?, ?, ?)`,
				id, "order:"+id, f.p.ID, f.c.ID, f.product.ServiceTypeCode, f.product.ResourceTypeCode, f.product.ID,
				store.Micros(f.month.Start().Add(time.Hour)), int(f.month), f.amount, f.amount, f.manager, store.Micros(tx.Now))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) calculate(t *testing.T, months ...incentive.Month) {
	t.Helper()
	for _, m := range months {
		if _, err := incentive.CalculateMonth(context.Background(), w.db, m); err != nil {
			t.Fatalf("calculate %s: %v", m, err)
		}
	}
}

func (w *world) statement(t *testing.T, p *partner.Partner, m incentive.Month) *incentive.Statement {
	t.Helper()
	list, _, err := incentive.ListStatements(context.Background(), w.db.Reader(), incentive.StatementFilter{PartnerID: p.ID, From: m, To: m})
	if err != nil || len(list) != 1 {
		t.Fatalf("statement of %s %s: %v %v", p.Name, m, list, err)
	}
	return list[0]
}

func (w *world) details(t *testing.T, p *partner.Partner, m incentive.Month) []*incentive.Detail {
	t.Helper()
	list, _, err := incentive.ListDetails(context.Background(), w.db.Reader(), incentive.DetailFilter{PartnerID: p.ID, From: m, To: m})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func inTx[T any](t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) (T, error)) (T, error) {
	t.Helper()
	var out T
	err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		out, err = fn(context.Background(), tx)
		return err
	})
	return out, err
}

// ledgerClean fails the test when `ledger check` finds anything.
func ledgerClean(t *testing.T, db *store.DB) {
	t.Helper()
	v, err := ledger.Check(context.Background(), db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	if len(v) > 0 {
		t.Fatalf("ledger check: %v", v)
	}
}

// snapshot is everything the incentive package writes, to assert that a
// refused request changed nothing.
func snapshot(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	out := ""
	for _, q := range []string{
		`SELECT id, kind, service_type_code, partner_type, rate_bp, bonus_fen, valid_from, valid_to, updated_at FROM incentive_policies ORDER BY id`,
		`SELECT id, status, payable, carry_out, COALESCE(confirmed_at, 0), COALESCE(paid_at, 0) FROM incentive_statements ORDER BY id`,
		`SELECT id, status, method, invoice_number, bank_reference, quota_id, transfer_id, attempts, updated_at FROM incentive_payouts ORDER BY id`,
		`SELECT statement_id, customer_id, service_type_code, manager_user_id, kind, amount FROM incentive_details ORDER BY 1, 2, 3, 4, 5`,
		`SELECT id, debits_posted, credits_posted FROM ledger_accounts ORDER BY id`,
		`SELECT COUNT(*) FROM coupon_quotas`,
	} {
		rows, err := db.Reader().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintln(vals...)
		}
		rows.Close()
	}
	return out
}
