package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/bill"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/incentive"
	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// incentiveRows are a demo partner's payouts in each status of the seed's
// table: completed by each of the four methods, the voucher quota that
// failed, and the newest month waiting for its application; and a month
// estimated, with nothing to confirm yet.
type incentiveRows struct {
	partnerID                             string
	cloud, bank, recharge, voucher, error *incentive.Payout
	waiting                               *incentive.Payout
	months                                []bill.Month // oldest first, one a payout
}

// seedIncentives gives the partner's type a 5 % rebate on every product
// category and every product the incentive flag, computes the six months
// before this one from the demo's consumption, confirms them in order and
// takes each payout as far as its row needs, through the incentive package.
func seedIncentives(t *testing.T, db *store.DB, partnerName string) *incentiveRows {
	t.Helper()
	ctx := context.Background()
	p, err := partner.GetByName(ctx, db.Reader(), partnerName)
	if err != nil {
		t.Fatal(err)
	}
	now := bill.MonthOf(time.Now())
	rows := &incentiveRows{partnerID: p.ID}
	for i := 6; i >= 1; i-- {
		rows.months = append(rows.months, now.Add(-i))
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE cloud_products SET incentive = ?`, true); err != nil {
			return err
		}
		types, err := catalogue.ServiceTypes(ctx, tx)
		if err != nil {
			return err
		}
		for _, st := range types {
			if _, err := incentive.CreatePolicy(ctx, tx, incentive.PolicyInput{Kind: incentive.KindRebate, ServiceTypeCode: st.Code,
				PartnerType: p.Type, RateBP: 500, ValidFrom: rows.months[0]}, "finance"); err != nil && !isOverlap(err) {
				return err
			}
		}
		return nil
	}))
	var payouts []*incentive.Payout
	for _, m := range append(rows.months, now) {
		must(db.InTx(ctx, func(tx *store.Tx) error {
			st, err := incentive.CalculatePartnerMonth(ctx, tx, p.ID, m)
			if err != nil || m == now {
				return err
			}
			if st.Payable <= 0 {
				t.Fatalf("%s: the demo consumption gives nothing payable: %+v", m, st)
			}
			_, po, err := incentive.ConfirmStatement(ctx, tx, p.ID, st.ID, "tester")
			payouts = append(payouts, po)
			return err
		}))
	}
	rows.cloud, rows.bank, rows.recharge, rows.voucher, rows.error, rows.waiting = payouts[0], payouts[1], payouts[2], payouts[3], payouts[4], payouts[5]
	for _, r := range []struct {
		p      **incentive.Payout
		method string
	}{{&rows.cloud, incentive.MethodCloudAccount}, {&rows.bank, incentive.MethodBankTransfer}, {&rows.recharge, incentive.MethodRechargeAccount},
		{&rows.voucher, incentive.MethodVoucherQuota}, {&rows.error, incentive.MethodVoucherQuota}} {
		id := (*r.p).ID
		must(db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := incentive.Apply(ctx, tx, p.ID, id, r.method, "tester"); err != nil {
				return err
			}
			if _, err := incentive.ApprovePayout(ctx, tx, id, "finance"); err != nil {
				return err
			}
			_, err := incentive.SubmitInvoice(ctx, tx, p.ID, id, "INV-"+id[:8], "tester")
			return err
		}))
		grant := coupon.Grant
		if *r.p == rows.error {
			grant = func(context.Context, *store.Tx, coupon.NewQuota, string) (*coupon.Quota, error) {
				return nil, errors.New("the quota service did not answer")
			}
		}
		paid, err := incentive.PayPayoutWith(ctx, db, id, incentive.Payment{Reference: "BANK-" + id[:8], By: "finance"}, grant)
		if *r.p == rows.error {
			if !errors.Is(err, incentive.ErrVoucherFailed) {
				t.Fatalf("the failing quota: %v", err)
			}
		} else {
			must(err)
		}
		*r.p = paid
	}
	return rows
}

func isOverlap(err error) bool { return strings.Contains(err.Error(), "valid in these months") }

// payoutRow is the 激励申付 row of a month.
func payoutRowOf(t *testing.T, body string, m bill.Month) string {
	t.Helper()
	_, table, _ := strings.Cut(body, `id="payouts"`)
	for _, row := range strings.Split(tableBody(table), "</tr>") {
		if strings.Contains(row, "<td>"+m.String()+"</td>") {
			return row
		}
	}
	t.Fatalf("no row of %s", m)
	return ""
}

func payoutOf(t *testing.T, db *store.DB, partnerID, id string) *incentive.Payout {
	t.Helper()
	p, err := incentive.GetPayout(context.Background(), db.Reader(), partnerID, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIncentivePayoutsShowTheSeedStatuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		rows := seedIncentives(t, e.db, "distributor")
		resp, body := c.get("/console/incentives")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `aria-current="page">激励申付`) {
			t.Fatalf("status %d: %.300s", resp.StatusCode, body)
		}
		for _, want := range []struct {
			p                                   *incentive.Payout
			method, description, action, status string
		}{
			{rows.cloud, "充值到华为云账户", "财经已向您的华为云账户充值。", "无", "已完成"},
			{rows.bank, "银行转账", "财经已向您的银行账号转账付款。", "无", "已完成"},
			{rows.recharge, "充值到华为云充值账户", "财经已向您的华为云充值账户充值。", "无", "已完成"},
			{rows.voucher, "代金券额度", "-(表示代金券额度已发放)", "无", "已完成"},
			{rows.error, "代金券额度", "代金券额度发放过程中出现错误,请联系客服进行处理。", "伙伴联系客服进行处理。", "异常"},
			{rows.waiting, "-", "-", "申请付款并选择付款方式", "待申请"},
		} {
			row := payoutRowOf(t, body, want.p.Month)
			for _, cell := range []string{`class="method">` + want.method + `<`, `class="description">` + want.description + `<`,
				`class="partner-action">` + want.action + `<`, `class="status">` + want.status + `<`} {
				if !strings.Contains(row, cell) {
					t.Errorf("%s's row lacks %s: %s", want.p.Month, cell, row)
				}
			}
		}
		if !strings.Contains(payoutRowOf(t, body, rows.waiting.Month), `/console/incentives/payouts/`+rows.waiting.ID+`/apply`) {
			t.Fatal("the waiting payout has no 申请")
		}
		// Another partner sees none of them, and cannot open one.
		r := e.client()
		r.signIn("reseller")
		_, body = r.get("/console/incentives")
		if strings.Contains(body, rows.waiting.ID) || strings.Contains(body, "财经已向") {
			t.Fatal("another partner sees the distributor's payouts")
		}
		if resp, _ := r.get("/console/incentives/payouts/" + rows.waiting.ID + "/apply"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another partner's payout: %d", resp.StatusCode)
		}
		if resp, _ := r.post("/console/incentives/payouts/"+rows.waiting.ID+"/apply", url.Values{"method": {"bank_transfer"}}); resp.StatusCode != http.StatusNotFound ||
			payoutOf(t, e.db, rows.partnerID, rows.waiting.ID).Status != incentive.PayoutPendingApplication {
			t.Fatalf("another partner applied: %d", resp.StatusCode)
		}
	})
}

func TestIncentiveApplyOnceAndBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		rows := seedIncentives(t, e.db, "distributor")
		path := "/console/incentives/payouts/" + rows.waiting.ID + "/apply"
		_, body := c.get(path)
		if !strings.Contains(body, `<select id="f-method" name="method"`) {
			t.Fatal("no method to choose")
		}
		// No method, or one that does not exist: refused next to the field.
		for _, bad := range []string{"", "cash"} {
			resp, body := c.post(path, url.Values{"method": {bad}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-method-msg">请`) ||
				payoutOf(t, e.db, rows.partnerID, rows.waiting.ID).Status != incentive.PayoutPendingApplication {
				t.Fatalf("method %q: %d", bad, resp.StatusCode)
			}
		}
		resp, _ := c.post(path, url.Values{"method": {incentive.MethodRechargeAccount}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply: %d", resp.StatusCode)
		}
		applied := payoutOf(t, e.db, rows.partnerID, rows.waiting.ID)
		if applied.Status != incentive.PayoutProcessing || applied.Method != incentive.MethodRechargeAccount {
			t.Fatalf("applied %+v", applied)
		}
		// The method is shown fixed; applying again, or with another
		// method, is refused and changes nothing.
		_, body = c.get("/console/incentives")
		row := payoutRowOf(t, body, applied.Month)
		if !strings.Contains(row, `class="method">充值到华为云充值账户<`) || strings.Contains(row, "/apply") {
			t.Fatalf("applied row: %s", row)
		}
		for method, msg := range map[string]string{incentive.MethodRechargeAccount: "不能重复申请", incentive.MethodBankTransfer: "不能更改"} {
			resp, body := c.post(path, url.Values{"method": {method}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, msg) {
				t.Fatalf("again with %s: %d", method, resp.StatusCode)
			}
			if got := payoutOf(t, e.db, rows.partnerID, rows.waiting.ID); got.Method != applied.Method || got.Status != applied.Status ||
				!got.UpdatedAt.Equal(applied.UpdatedAt) {
				t.Fatalf("changed by a refused application: %+v", got)
			}
		}
		// An invoice for a payout not waiting for one is refused.
		resp, body = c.post("/console/incentives/payouts/"+rows.waiting.ID+"/invoice", url.Values{"invoice_number": {"INV-1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "当前状态不允许此操作") ||
			payoutOf(t, e.db, rows.partnerID, rows.waiting.ID).InvoiceNumber != "" {
			t.Fatalf("early invoice: %d", resp.StatusCode)
		}
	})
}

func TestIncentiveAutoApplySwitch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		rows := seedIncentives(t, e.db, "distributor")
		// On without a method: refused next to the method, nothing saved.
		resp, body := c.post("/console/incentives/settings", url.Values{"auto_apply": {"1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-method-msg">请选择付款方式`) {
			t.Fatalf("no method: %d", resp.StatusCode)
		}
		if s, err := incentive.GetSettings(context.Background(), e.db.Reader(), rows.partnerID); err != nil || s.AutoApply ||
			payoutOf(t, e.db, rows.partnerID, rows.waiting.ID).Status != incentive.PayoutPendingApplication {
			t.Fatalf("saved anyway: %+v %v", s, err)
		}
		resp, _ = c.post("/console/incentives/settings", url.Values{"auto_apply": {"1"}, "method": {incentive.MethodBankTransfer}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		// The waiting payout is applied with it, and the switch shows on.
		if p := payoutOf(t, e.db, rows.partnerID, rows.waiting.ID); p.Status != incentive.PayoutProcessing || p.Method != incentive.MethodBankTransfer || !p.AutoApplied {
			t.Fatalf("waiting payout %+v", p)
		}
		_, body = c.get("/console/incentives")
		if !regexp.MustCompile(`name="auto_apply" value="1" checked`).MatchString(body) {
			t.Fatal("the switch is not shown on")
		}
	})
}

func TestIncentiveStatementsConfirm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		rows := seedIncentives(t, e.db, "distributor")
		ctx := context.Background()
		_, body := c.get("/console/incentives/statements")
		if !strings.Contains(body, "<li>预估</li> → <li>待确认</li> → <li>付款中</li> → <li>已支付</li>") {
			t.Fatal("the reconciliation flow is not shown")
		}
		// This month is estimated: no 确认; the paid months read 已支付.
		this := bill.MonthOf(time.Now())
		for _, row := range strings.Split(tableBody(body), "</tr>") {
			switch {
			case strings.Contains(row, "<td>"+this.String()+"</td>"):
				if !strings.Contains(row, `class="status">预估<`) || strings.Contains(row, "/confirm") {
					t.Fatalf("this month: %s", row)
				}
			case strings.Contains(row, "<td>"+rows.cloud.Month.String()+"</td>"):
				if !strings.Contains(row, `class="status">已支付<`) {
					t.Fatalf("a paid month: %s", row)
				}
			}
		}
		// Confirming the estimated month is refused, and changes nothing.
		st, _, err := incentive.ListStatements(ctx, e.db.Reader(), incentive.StatementFilter{PartnerID: rows.partnerID, From: this, To: this})
		if err != nil || len(st) != 1 {
			t.Fatalf("this month's statement: %v", err)
		}
		resp, _ := c.post("/console/incentives/statements/"+st[0].ID+"/confirm", nil)
		_, body = c.get("/console/incentives/statements")
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(body, "只有待确认的激励可以确认") {
			t.Fatalf("confirm an estimate: %d", resp.StatusCode)
		}
		if got, _ := incentive.GetStatement(ctx, e.db.Reader(), rows.partnerID, st[0].ID); got.Status != incentive.StatusEstimated {
			t.Fatalf("estimate now %s", got.Status)
		}
		// Once the month has ended it waits for the partner: 确认 moves it
		// on (to paying with a payout, or paid when nothing is payable).
		if err := e.db.InTxAt(ctx, this.End().Add(time.Hour), func(tx *store.Tx) error {
			_, err := incentive.CalculatePartnerMonth(ctx, tx, rows.partnerID, this)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, body = c.get("/console/incentives/statements")
		if !strings.Contains(body, `/console/incentives/statements/`+st[0].ID+`/confirm`) {
			t.Fatal("no 确认 on the month to confirm")
		}
		resp, _ = c.post("/console/incentives/statements/"+st[0].ID+"/confirm", nil)
		got, _ := incentive.GetStatement(ctx, e.db.Reader(), rows.partnerID, st[0].ID)
		if resp.StatusCode != http.StatusSeeOther || (got.Status != incentive.StatusPaying && got.Status != incentive.StatusPaid) || got.ConfirmedBy == "" {
			t.Fatalf("confirmed: %d %+v", resp.StatusCode, got)
		}
		// Another partner's statement answers not found.
		r := e.client()
		r.signIn("reseller")
		if resp, _ := r.post("/console/incentives/statements/"+st[0].ID+"/confirm", nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another partner confirms: %d", resp.StatusCode)
		}
		if v, err := ledger.Check(ctx, e.db.Reader()); err != nil || len(v) > 0 {
			t.Fatalf("ledger check: %v %v", v, err)
		}
	})
}

func TestIncentiveDetailsFiltersAndExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		rows := seedIncentives(t, e.db, "distributor")
		ctx := context.Background()
		m := rows.months[0]
		all, total, err := incentive.ListDetails(ctx, e.db.Reader(), incentive.DetailFilter{PartnerID: rows.partnerID, From: m, To: m})
		if err != nil || total == 0 {
			t.Fatalf("details of %s: %d %v", m, total, err)
		}
		_, body := c.get("/console/incentives/details?" + url.Values{"from": {m.String()}, "to": {m.String()}}.Encode())
		if n := strings.Count(tableBody(body), "<tr>"); n != min(total, 20) || !strings.Contains(body, `共 `) {
			t.Fatalf("%d rows of %d", n, total)
		}
		// One customer's rows only.
		one := all[0]
		_, body = c.get("/console/incentives/details?" + url.Values{"customer": {one.CustomerID}}.Encode())
		for _, row := range strings.Split(strings.TrimSpace(tableBody(body)), "</tr>") {
			if strings.TrimSpace(row) != "" && !strings.Contains(row, one.CustomerID) {
				t.Fatalf("another customer's row: %s", row)
			}
		}
		// Bad filters are refused next to their fields.
		_, body = c.get("/console/incentives/details?from=2026-13&kind=nope")
		if !strings.Contains(body, `id="f-from-msg">`) || !strings.Contains(body, `id="f-kind-msg">`) {
			t.Fatal("bad filters")
		}
		// The export: refused filters start nothing; good ones a file.
		before := countExports(t, e.db)
		resp, _ := c.post("/console/incentives/exports", url.Values{"from": {"nope"}, "format": {"csv"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || countExports(t, e.db) != before {
			t.Fatalf("bad export: %d", resp.StatusCode)
		}
		resp, _ = c.post("/console/incentives/exports", url.Values{"from": {m.String()}, "to": {m.String()}, "format": {"xlsx"}})
		if resp.StatusCode != http.StatusSeeOther || countExports(t, e.db) != before+1 {
			t.Fatalf("export: %d", resp.StatusCode)
		}
		var href string
		eventually(t, "the export is done", func() bool {
			_, body := c.get("/console/incentives/exports")
			m := regexp.MustCompile(`href="(/console/incentives/exports/[^"]+/download)"`).FindStringSubmatch(body)
			if m != nil {
				href = m[1]
			}
			return m != nil
		})
		resp, file := c.get(href)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(file, "PK") {
			t.Fatalf("download: %d", resp.StatusCode)
		}
		// Another user cannot download it.
		r := e.client()
		r.signIn("reseller")
		if resp, _ := r.get(href); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another partner downloads: %d", resp.StatusCode)
		}
	})
}
