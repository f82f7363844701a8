package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	pc "partnercenter/client"
	"partnercenter/internal/audit"
	"partnercenter/internal/bill"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/incentive"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// incFixture gives the plain reseller two ended months of incentives:
// a 3 % rebate on ECS and a 50.00 new-customer bonus for resellers;
// customer one consumed 1,000.00 two months ago and 2,000.00 last month,
// customer two 500.00 last month. So two months ago pays 30.00 + 50.00 =
// 80.00 and last month 75.00 + 50.00 = 125.00, both waiting for the
// partner's confirmation.
type incFixture struct {
	*solFixture
	older, last incentive.Month
	one, two    *customer.Customer
}

const incECS = "hws.service.type.ec2"

func newIncFixture(t *testing.T, db *store.DB) *incFixture {
	t.Helper()
	f := &incFixture{solFixture: newSolFixture(t, db)}
	f.last = bill.MonthOf(time.Now()).Add(-1)
	f.older = f.last.Add(-1)
	f.tx(t, func(ctx context.Context, tx *store.Tx) (err error) {
		if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: incECS, NameZh: "弹性云服务器", NameEn: "ECS"}); err != nil {
			return err
		}
		vm := &catalogue.Product{ServiceTypeCode: incECS, ResourceTypeCode: "hws.resource.type.vm", ResourceTypeZh: "云主机", ResourceTypeEn: "VM",
			SpecCode: storetest.Name("vm"), SpecZh: "vm", SpecEn: "vm", MonthlyPrice: 100_00, Incentive: true, OnSale: true}
		if err := catalogue.Save(ctx, tx, vm); err != nil {
			return err
		}
		for _, in := range []incentive.PolicyInput{
			{Kind: incentive.KindRebate, ServiceTypeCode: incECS, PartnerType: partner.Reseller, RateBP: 300, ValidFrom: f.older.Add(-12)},
			{Kind: incentive.KindNewCustomer, PartnerType: partner.Reseller, BonusFen: 50_00, ValidFrom: f.older.Add(-12)},
		} {
			if _, err := incentive.CreatePolicy(ctx, tx, in, "admin"); err != nil {
				return err
			}
		}
		if f.one, err = customer.Create(ctx, tx, f.plain, customer.NewCustomer{DomainName: storetest.Name("inc_one")}, false); err != nil {
			return err
		}
		if f.two, err = customer.Create(ctx, tx, f.plain, customer.NewCustomer{DomainName: storetest.Name("inc_two")}, false); err != nil {
			return err
		}
		// Fee records as the order and metering packages write them: the
		// incentive calculation reads nothing else.
		for i, fee := range []struct {
			c      *customer.Customer
			month  incentive.Month
			amount int64
		}{{f.one, f.older, 1000_00}, {f.one, f.last, 2000_00}, {f.two, f.last, 500_00}} {
			id := fmt.Sprintf("fee-%s-%d", f.plain.ID[:8], i)
			if _, err := tx.ExecContext(ctx, `INSERT INTO fee_records (id, ref, source, partner_id, customer_id, charging_mode,
				service_type_code, resource_type_code, product_id, region_code, fee_at, bill_month, amount, balance_amount, manager_user_id, created_at)
				VALUES (?, ?, 'order', ?, ?, 1, ?, ?, ?, 'cn-north-4', ?, ?, ?, ?, '', ?)`,
				id, "order:"+id, f.plain.ID, fee.c.ID, incECS, vm.ResourceTypeCode, vm.ID, store.Micros(fee.month.Start().Add(time.Hour)),
				int(fee.month), fee.amount, fee.amount, store.Micros(tx.Now)); err != nil {
				return err
			}
		}
		return nil
	})
	for _, m := range []incentive.Month{f.older, f.last} {
		if _, err := incentive.CalculateMonth(context.Background(), db, m); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// A partner confirms its months in order through the client: statements
// with their amounts, the month before first, the payout opened, and
// another partner's ids not found.
func TestIncentiveStatementsThroughTheClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newIncFixture(t, db)
		c := f.own

		list := extMust(c.ListIncentiveStatements(ctx, pc.IncentiveStatementFilter{}))(t)
		if list.TotalCount != 2 || len(list.Statements) != 2 {
			t.Fatalf("statements: %+v", list)
		}
		last, older := list.Statements[0], list.Statements[1]
		if last.Month != f.last.String() || last.Status != pc.StatementToConfirm || last.Consumption != "2500.00" || last.Rebate != "75.00" ||
			last.NewCustomers != 1 || last.Bonus != "50.00" || last.Payable != "125.00" || last.Currency != "CNY" {
			t.Fatalf("last month: %+v", last)
		}
		if older.Month != f.older.String() || older.Rebate != "30.00" || older.Bonus != "50.00" || older.Payable != "80.00" || older.CarryOut != "0.00" {
			t.Fatalf("the month before: %+v", older)
		}
		if got := extMust(c.ListIncentiveStatements(ctx, pc.IncentiveStatementFilter{MonthRange: pc.MonthRange{FromMonth: f.last.String()}}))(t); got.TotalCount != 1 ||
			got.Statements[0].StatementID != last.StatementID {
			t.Fatalf("from last month: %+v", got)
		}
		if got := extMust(c.ListIncentiveStatements(ctx, pc.IncentiveStatementFilter{Status: pc.StatementPaid}))(t); got.TotalCount != 0 {
			t.Fatalf("paid: %+v", got)
		}
		if got := extMust(c.ListIncentiveStatements(ctx, pc.IncentiveStatementFilter{Page: pc.Page{Offset: 1, Limit: 1}}))(t); got.TotalCount != 2 ||
			len(got.Statements) != 1 || got.Statements[0].StatementID != older.StatementID {
			t.Fatalf("second page: %+v", got)
		}
		for _, bad := range []struct {
			f    pc.IncentiveStatementFilter
			want string
		}{
			{pc.IncentiveStatementFilter{Status: "confirmed"}, "status"},
			{pc.IncentiveStatementFilter{MonthRange: pc.MonthRange{FromMonth: "2026/11"}}, "from_month"},
			{pc.IncentiveStatementFilter{MonthRange: pc.MonthRange{FromMonth: f.last.String(), ToMonth: f.older.String()}}, "to_month"},
		} {
			_, err := c.ListIncentiveStatements(ctx, bad.f)
			extInvalid(t, err, bad.want)
		}
		shown := extMust(c.ShowIncentiveStatement(ctx, older.StatementID))(t)
		if *shown != older {
			t.Fatalf("shown %+v, listed %+v", shown, older)
		}

		// Another partner: nothing listed, nothing found, nothing confirmed.
		if n := extMust(f.other.ListIncentiveStatements(ctx, pc.IncentiveStatementFilter{}))(t).TotalCount; n != 0 {
			t.Fatalf("another partner lists %d statements", n)
		}
		_, err := f.other.ShowIncentiveStatement(ctx, older.StatementID)
		extNotFound(t, err)
		_, err = f.other.ConfirmIncentiveStatement(ctx, older.StatementID)
		extNotFound(t, err)

		// Last month waits for the month before.
		_, err = c.ConfirmIncentiveStatement(ctx, last.StatementID)
		extConflict(t, err, "month before")
		if got := extMust(c.ShowIncentiveStatement(ctx, last.StatementID))(t); got.Status != pc.StatementToConfirm {
			t.Fatalf("a refused confirmation changed the status: %s", got.Status)
		}
		done := extMust(c.ConfirmIncentiveStatement(ctx, older.StatementID))(t)
		if done.Statement.Status != pc.StatementPaying || done.Statement.ConfirmedBy != "AK "+f.plainKey.ID || done.Payout == nil ||
			done.Payout.Status != pc.PayoutPendingApplication || done.Payout.Amount != "80.00" || done.Payout.Month != f.older.String() ||
			done.Payout.PartnerAction != "申请付款并选择付款方式" {
			t.Fatalf("confirmed: %+v, payout %+v", done.Statement, done.Payout)
		}
		_, err = c.ConfirmIncentiveStatement(ctx, older.StatementID)
		extConflict(t, err, "waiting for confirmation")
		// Confirmed through the API, the audit log has it as the console's would.
		entries, _, err := audit.List(ctx, db.Reader(), audit.Filter{PartnerID: f.plain.ID, ObjectID: older.StatementID, Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].Action != "incentive.statement_confirm" || entries[0].ActorName != "AK "+f.plainKey.ID {
			t.Fatalf("audit: %+v, %v", entries, err)
		}
		if got := extMust(c.ConfirmIncentiveStatement(ctx, last.StatementID))(t); got.Statement.Status != pc.StatementPaying || got.Payout.Amount != "125.00" {
			t.Fatalf("last month confirmed: %+v", got)
		}
	})
}

// 激励明细 through the client: the rows per customer, service type and
// kind with the console's filters, paging, and refusals by name.
func TestIncentiveDetailsThroughTheClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newIncFixture(t, db)
		c := f.own

		all := extMust(c.ListIncentiveDetails(ctx, pc.IncentiveDetailFilter{Page: pc.Page{Limit: 100}}))(t)
		// Two months ago: customer one's rebate and bonus; last month: both
		// customers' rebates and customer two's bonus.
		if all.TotalCount != 5 || len(all.Details) != 5 {
			t.Fatalf("details: %+v", all)
		}
		var rebates, bonuses int
		for _, d := range all.Details {
			switch d.Kind {
			case "rebate":
				rebates++
				if d.ServiceTypeCode != incECS || d.ServiceTypeName != "弹性云服务器" || d.Rate != "3.00%" {
					t.Errorf("rebate row: %+v", d)
				}
			case "new_customer":
				bonuses++
				if d.Amount != "50.00" || d.Rate != "" || d.ServiceTypeCode != "" {
					t.Errorf("bonus row: %+v", d)
				}
			}
		}
		if rebates != 3 || bonuses != 2 || all.Details[0].Month != f.last.String() || all.Details[4].Month != f.older.String() {
			t.Fatalf("rows: %d rebates, %d bonuses, %+v", rebates, bonuses, all.Details)
		}

		for _, tc := range []struct {
			name string
			f    pc.IncentiveDetailFilter
			want int
		}{
			{"last month", pc.IncentiveDetailFilter{MonthRange: pc.MonthRange{FromMonth: f.last.String(), ToMonth: f.last.String()}}, 3},
			{"customer two", pc.IncentiveDetailFilter{CustomerID: f.two.ID}, 2},
			{"bonuses", pc.IncentiveDetailFilter{Kind: "new_customer"}, 2},
			{"ECS", pc.IncentiveDetailFilter{ServiceTypeCode: incECS}, 3},
			{"customer one's rebates last month", pc.IncentiveDetailFilter{CustomerID: f.one.ID, Kind: "rebate",
				MonthRange: pc.MonthRange{FromMonth: f.last.String()}}, 1},
			{"another partner's customer", pc.IncentiveDetailFilter{CustomerID: "no-such-customer"}, 0},
		} {
			got := extMust(c.ListIncentiveDetails(ctx, tc.f))(t)
			if got.TotalCount != tc.want || len(got.Details) != tc.want {
				t.Errorf("%s: %d (%d rows), want %d", tc.name, got.TotalCount, len(got.Details), tc.want)
			}
		}
		oneRow := extMust(c.ListIncentiveDetails(ctx, pc.IncentiveDetailFilter{CustomerID: f.one.ID, MonthRange: pc.MonthRange{ToMonth: f.older.String()}, Kind: "rebate"}))(t)
		if oneRow.TotalCount != 1 || oneRow.Details[0].Consumption != "1000.00" || oneRow.Details[0].Amount != "30.00" || oneRow.Details[0].CustomerID != f.one.ID ||
			oneRow.Details[0].CustomerName != f.one.DomainName {
			t.Fatalf("customer one two months ago: %+v", oneRow)
		}
		page := extMust(c.ListIncentiveDetails(ctx, pc.IncentiveDetailFilter{Page: pc.Page{Offset: 4, Limit: 2}}))(t)
		if page.TotalCount != 5 || len(page.Details) != 1 || page.Details[0] != all.Details[4] {
			t.Fatalf("last page: %+v", page)
		}
		for _, bad := range []struct {
			f    pc.IncentiveDetailFilter
			want string
		}{
			{pc.IncentiveDetailFilter{Kind: "bonus"}, "kind"},
			{pc.IncentiveDetailFilter{ServiceTypeCode: "hws.service.type.nothing"}, "service_type_code"},
			{pc.IncentiveDetailFilter{MonthRange: pc.MonthRange{ToMonth: "last"}}, "to_month"},
			{pc.IncentiveDetailFilter{Page: pc.Page{Limit: 1000}}, "limit"},
		} {
			_, err := c.ListIncentiveDetails(ctx, bad.f)
			extInvalid(t, err, bad.want)
		}
		if n := extMust(f.other.ListIncentiveDetails(ctx, pc.IncentiveDetailFilter{}))(t).TotalCount; n != 0 {
			t.Fatalf("another partner lists %d details", n)
		}
	})
}

// A payout from its application to completion through the client: the
// method chosen once, the invoice it waits for, provider finance's steps in
// the back office, the outcome in the partner's words; auto-apply applying
// what waits; another partner's payout not found.
func TestIncentivePayoutsThroughTheClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newIncFixture(t, db)
		c := f.own
		statements := extMust(c.ListIncentiveStatements(ctx, pc.IncentiveStatementFilter{}))(t).Statements
		first := extMust(c.ConfirmIncentiveStatement(ctx, statements[1].StatementID))(t).Payout
		id := first.PayoutID

		list := extMust(c.ListIncentivePayouts(ctx, pc.IncentivePayoutFilter{}))(t)
		if list.TotalCount != 1 || list.Payouts[0] != *first {
			t.Fatalf("payouts: %+v", list)
		}
		_, err := c.ApplyIncentivePayout(ctx, id, "")
		extInvalid(t, err, "method")
		_, err = c.ApplyIncentivePayout(ctx, id, "cash")
		extInvalid(t, err, "method")
		_, err = f.other.ApplyIncentivePayout(ctx, id, pc.PayoutBankTransfer)
		extNotFound(t, err)
		_, err = f.other.ShowIncentivePayout(ctx, id)
		extNotFound(t, err)
		if got := extMust(c.ShowIncentivePayout(ctx, id))(t); got.Status != pc.PayoutPendingApplication || got.Method != "" {
			t.Fatalf("refused applications changed the payout: %+v", got)
		}

		applied := extMust(c.ApplyIncentivePayout(ctx, id, pc.PayoutRechargeAccount))(t)
		if applied.Status != pc.PayoutProcessing || applied.Method != pc.PayoutRechargeAccount || applied.AppliedAt == "" || applied.AutoApplied {
			t.Fatalf("applied: %+v", applied)
		}
		_, err = c.ApplyIncentivePayout(ctx, id, pc.PayoutBankTransfer)
		extConflict(t, err, "cannot be changed")
		_, err = c.ApplyIncentivePayout(ctx, id, pc.PayoutRechargeAccount)
		extConflict(t, err, "already been applied")
		_, err = c.SubmitIncentivePayoutInvoice(ctx, id, "24312000000012345678")
		extConflict(t, err, "state")
		if got := extMust(c.ShowIncentivePayout(ctx, id))(t); got.Method != pc.PayoutRechargeAccount || got.Status != pc.PayoutProcessing ||
			got.InvoiceNumber != "" {
			t.Fatalf("refused changes changed the payout: %+v", got)
		}

		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := incentive.ApprovePayout(ctx, tx, id, "finance")
			return err
		})
		_, err = c.SubmitIncentivePayoutInvoice(ctx, id, " ")
		extInvalid(t, err, "invoice_number")
		waiting := extMust(c.SubmitIncentivePayoutInvoice(ctx, id, "24312000000012345678"))(t)
		if waiting.Status != pc.PayoutPendingInvoice || waiting.InvoiceNumber != "24312000000012345678" || waiting.PartnerAction != "向华为云开具发票" {
			t.Fatalf("with its invoice: %+v", waiting)
		}
		if _, err := incentive.PayPayout(ctx, db, id, incentive.Payment{By: "finance"}); err != nil {
			t.Fatal(err)
		}
		paid := extMust(c.ShowIncentivePayout(ctx, id))(t)
		if paid.Status != pc.PayoutCompleted || paid.CompletedAt == "" || paid.Outcome != "财经已向您的华为云充值账户充值。" || paid.PartnerAction != "无" {
			t.Fatalf("paid: %+v", paid)
		}
		if got := extMust(c.ShowIncentiveStatement(ctx, statements[1].StatementID))(t); got.Status != pc.StatementPaid {
			t.Fatalf("the paid month: %s", got.Status)
		}

		// Filters.
		for _, tc := range []struct {
			f    pc.IncentivePayoutFilter
			want int
		}{
			{pc.IncentivePayoutFilter{Status: pc.PayoutCompleted}, 1},
			{pc.IncentivePayoutFilter{Method: pc.PayoutBankTransfer}, 0},
			{pc.IncentivePayoutFilter{MonthRange: pc.MonthRange{FromMonth: f.last.String()}}, 0},
		} {
			if got := extMust(c.ListIncentivePayouts(ctx, tc.f))(t); got.TotalCount != tc.want {
				t.Errorf("%+v: %d, want %d", tc.f, got.TotalCount, tc.want)
			}
		}
		_, err = c.ListIncentivePayouts(ctx, pc.IncentivePayoutFilter{Method: "cash"})
		extInvalid(t, err, "method")

		// Auto-apply: off by default; on needs a method; turning it on
		// applies the payout waiting for an application.
		if s := extMust(c.ShowIncentivePayoutSettings(ctx))(t); s.AutoApply || s.Method != "" {
			t.Fatalf("settings by default: %+v", s)
		}
		second := extMust(c.ConfirmIncentiveStatement(ctx, statements[0].StatementID))(t).Payout
		_, err = c.UpdateIncentivePayoutSettings(ctx, true, "")
		extInvalid(t, err, "method")
		if s := extMust(c.ShowIncentivePayoutSettings(ctx))(t); s.AutoApply {
			t.Fatalf("a refused setting was saved: %+v", s)
		}
		on := extMust(c.UpdateIncentivePayoutSettings(ctx, true, pc.PayoutBankTransfer))(t)
		if !on.AutoApply || on.Method != pc.PayoutBankTransfer || len(on.Applied) != 1 || on.Applied[0].PayoutID != second.PayoutID ||
			on.Applied[0].Status != pc.PayoutProcessing || !on.Applied[0].AutoApplied || on.Applied[0].Method != pc.PayoutBankTransfer {
			t.Fatalf("auto-apply on: %+v", on)
		}
		if s := extMust(c.ShowIncentivePayoutSettings(ctx))(t); !s.AutoApply || s.Method != pc.PayoutBankTransfer {
			t.Fatalf("settings: %+v", s)
		}
		if s := extMust(f.other.ShowIncentivePayoutSettings(ctx))(t); s.AutoApply {
			t.Fatalf("another partner's settings changed: %+v", s)
		}
		off := extMust(c.UpdateIncentivePayoutSettings(ctx, false, ""))(t)
		if off.AutoApply || len(off.Applied) != 0 {
			t.Fatalf("auto-apply off: %+v", off)
		}
		_, err = c.ShowIncentivePayout(ctx, "no-such-payout")
		extRefused(t, err, http.StatusNotFound, "PC.0404", "does not exist")
	})
}

// Applications sent at the same time, with different methods: one wins and
// fixes the method, every other is refused.
func TestIncentivePayoutApplicationsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newIncFixture(t, db)
		c := f.own
		older := extMust(c.ListIncentiveStatements(ctx, pc.IncentiveStatementFilter{}))(t).Statements[1]
		payout := extMust(c.ConfirmIncentiveStatement(ctx, older.StatementID))(t).Payout
		methods := []string{pc.PayoutCloudAccount, pc.PayoutBankTransfer, pc.PayoutRechargeAccount, pc.PayoutVoucherQuota}
		var mu sync.Mutex
		var won []string
		var refused int
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				p, err := c.ApplyIncentivePayout(ctx, payout.PayoutID, methods[i%len(methods)])
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won = append(won, p.Method)
				case pc.IsCode(err, "PC.0409"):
					refused++
				default:
					t.Errorf("application %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		got := extMust(c.ShowIncentivePayout(ctx, payout.PayoutID))(t)
		if len(won) != 1 || refused != 7 || got.Method != won[0] || got.Status != pc.PayoutProcessing {
			t.Fatalf("won %v, %d refused, payout %+v", won, refused, got)
		}
	})
}
