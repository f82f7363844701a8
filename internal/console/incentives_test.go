package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/bill"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/incentive"
	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// demoPayouts are the demo's payouts of each demo partner (by name), which
// hold every status of the seed's table: completed by each method, the
// voucher quota error, and payouts waiting on the partner or on finance.
type demoPayouts struct {
	ids     map[string]string // partner name → id
	payouts map[string][]*incentive.Payout
}

func loadDemoPayouts(t *testing.T, db *store.DB) *demoPayouts {
	t.Helper()
	ctx := context.Background()
	d := &demoPayouts{ids: map[string]string{}, payouts: map[string][]*incentive.Payout{}}
	for _, name := range []string{"distributor", "reseller", "reseller-a", "reseller-b"} {
		p, err := partner.GetByName(ctx, db.Reader(), name)
		if err != nil {
			t.Fatal(err)
		}
		list, _, err := incentive.ListPayouts(ctx, db.Reader(), incentive.PayoutFilter{PartnerID: p.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		d.ids[name], d.payouts[name] = p.ID, list
	}
	return d
}

// find is a partner's payout in a status (and paid by a method, when one
// is given); the demo data must hold it.
func (d *demoPayouts) find(t *testing.T, name, status, method string) *incentive.Payout {
	t.Helper()
	for _, p := range d.payouts[name] {
		if p.Status == status && (method == "" || p.Method == method) {
			return p
		}
	}
	t.Fatalf("the demo has no payout of %s in %s by %q", name, status, method)
	return nil
}

// seedRow is what the seed's table says of a payout: its method, how it was
// paid or what went wrong, what the partner must do, and its status.
func seedRow(p *incentive.Payout) (method, description, action, status string) {
	method = map[string]string{"": "-", incentive.MethodCloudAccount: "充值到华为云账户", incentive.MethodBankTransfer: "银行转账",
		incentive.MethodRechargeAccount: "充值到华为云充值账户", incentive.MethodVoucherQuota: "代金券额度"}[p.Method]
	switch p.Status {
	case incentive.PayoutCompleted:
		description = map[string]string{incentive.MethodCloudAccount: "财经已向您的华为云账户充值。", incentive.MethodBankTransfer: "财经已向您的银行账号转账付款。",
			incentive.MethodRechargeAccount: "财经已向您的华为云充值账户充值。", incentive.MethodVoucherQuota: "-(表示代金券额度已发放)"}[p.Method]
		return method, description, "无", "已完成"
	case incentive.PayoutError:
		return method, "代金券额度发放过程中出现错误,请联系客服进行处理。", "伙伴联系客服进行处理。", "异常"
	case incentive.PayoutPendingApplication:
		return method, "-", "申请付款并选择付款方式", "待申请"
	case incentive.PayoutProcessing:
		return method, "-", "无", "处理中"
	}
	return method, "-", "向华为云开具发票", "待开票"
}

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
		e := newEnv(t, db)
		d := loadDemoPayouts(t, e.db)
		// Every row of the seed's table shows, each partner seeing its own.
		seen := map[string]bool{}
		for name, list := range d.payouts {
			c := e.client()
			c.signIn(name)
			resp, body := c.get("/console/incentives")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `aria-current="page">激励申付`) {
				t.Fatalf("%s: status %d", name, resp.StatusCode)
			}
			for _, p := range list {
				method, description, action, status := seedRow(p)
				row := payoutRowOf(t, body, p.Month)
				for _, cell := range []string{`class="method">` + method + `<`, `class="description">` + description + `<`,
					`class="partner-action">` + action + `<`, `class="status">` + status + `<`} {
					if !strings.Contains(row, cell) {
						t.Errorf("%s %s: the row lacks %s: %s", name, p.Month, cell, row)
					}
				}
				if applyLink := "/console/incentives/payouts/" + p.ID + "/apply"; strings.Contains(row, applyLink) != (p.Status == incentive.PayoutPendingApplication) {
					t.Errorf("%s %s (%s): 申请 shown wrongly", name, p.Month, p.Status)
				}
				seen[description] = true
			}
			for other, theirs := range d.payouts {
				for _, p := range theirs {
					if other != name && strings.Contains(body, p.ID) {
						t.Fatalf("%s sees %s's payout", name, other)
					}
				}
			}
		}
		for _, want := range []string{"财经已向您的华为云账户充值。", "财经已向您的银行账号转账付款。", "财经已向您的华为云充值账户充值。",
			"-(表示代金券额度已发放)", "代金券额度发放过程中出现错误,请联系客服进行处理。"} {
			if !seen[want] {
				t.Errorf("no row says %s", want)
			}
		}
		// Another partner cannot open or apply for one.
		waiting := d.find(t, "distributor", incentive.PayoutPendingApplication, "")
		r := e.client()
		r.signIn("reseller")
		if resp, _ := r.get("/console/incentives/payouts/" + waiting.ID + "/apply"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another partner's payout: %d", resp.StatusCode)
		}
		if resp, _ := r.post("/console/incentives/payouts/"+waiting.ID+"/apply", url.Values{"method": {"bank_transfer"}}); resp.StatusCode != http.StatusNotFound ||
			payoutOf(t, e.db, d.ids["distributor"], waiting.ID).Status != incentive.PayoutPendingApplication {
			t.Fatalf("another partner applied: %d", resp.StatusCode)
		}
	})
}

func TestIncentiveApplyOnceAndBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		d := loadDemoPayouts(t, e.db)
		pid, waiting := d.ids["distributor"], d.find(t, "distributor", incentive.PayoutPendingApplication, "")
		path := "/console/incentives/payouts/" + waiting.ID + "/apply"
		_, body := c.get(path)
		if !strings.Contains(body, `<select id="f-method" name="method"`) {
			t.Fatal("no method to choose")
		}
		// No method, or one that does not exist: refused next to the field.
		for _, bad := range []string{"", "cash"} {
			resp, body := c.post(path, url.Values{"method": {bad}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-method-msg">请`) ||
				payoutOf(t, e.db, pid, waiting.ID).Status != incentive.PayoutPendingApplication {
				t.Fatalf("method %q: %d", bad, resp.StatusCode)
			}
		}
		resp, _ := c.post(path, url.Values{"method": {incentive.MethodRechargeAccount}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply: %d", resp.StatusCode)
		}
		applied := payoutOf(t, e.db, pid, waiting.ID)
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
			if got := payoutOf(t, e.db, pid, waiting.ID); got.Method != applied.Method || got.Status != applied.Status ||
				!got.UpdatedAt.Equal(applied.UpdatedAt) {
				t.Fatalf("changed by a refused application: %+v", got)
			}
		}
		// An invoice for a payout not waiting for one is refused.
		resp, body = c.post("/console/incentives/payouts/"+waiting.ID+"/invoice", url.Values{"invoice_number": {"INV-1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "当前状态不允许此操作") ||
			payoutOf(t, e.db, pid, waiting.ID).InvoiceNumber != "" {
			t.Fatalf("early invoice: %d", resp.StatusCode)
		}
	})
}

func TestIncentiveInvoiceByThePartner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "reseller-a")
		d := loadDemoPayouts(t, e.db)
		pid, p := d.ids["reseller-a"], d.find(t, "reseller-a", incentive.PayoutPendingInvoice, "")
		path := "/console/incentives/payouts/" + p.ID + "/invoice"
		for _, bad := range []string{"", strings.Repeat("9", 65)} {
			resp, body := c.post(path, url.Values{"invoice_number": {bad}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-invoice_number-msg">`) ||
				payoutOf(t, e.db, pid, p.ID).InvoiceNumber != p.InvoiceNumber {
				t.Fatalf("invoice %q: %d", bad, resp.StatusCode)
			}
		}
		if resp, _ := c.post(path, url.Values{"invoice_number": {"INV-A-1"}}); resp.StatusCode != http.StatusSeeOther ||
			payoutOf(t, e.db, pid, p.ID).InvoiceNumber != "INV-A-1" {
			t.Fatalf("invoice: %d", resp.StatusCode)
		}
	})
}

func TestIncentiveAutoApplySwitch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		d := loadDemoPayouts(t, e.db)
		pid, waiting := d.ids["distributor"], d.find(t, "distributor", incentive.PayoutPendingApplication, "")
		// On without a method: refused next to the method, nothing saved.
		resp, body := c.post("/console/incentives/settings", url.Values{"auto_apply": {"1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-method-msg">请选择付款方式`) {
			t.Fatalf("no method: %d", resp.StatusCode)
		}
		if s, err := incentive.GetSettings(context.Background(), e.db.Reader(), pid); err != nil || s.AutoApply ||
			payoutOf(t, e.db, pid, waiting.ID).Status != incentive.PayoutPendingApplication {
			t.Fatalf("saved anyway: %+v %v", s, err)
		}
		resp, _ = c.post("/console/incentives/settings", url.Values{"auto_apply": {"1"}, "method": {incentive.MethodBankTransfer}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		// The waiting payout is applied with it, and the switch shows on.
		if p := payoutOf(t, e.db, pid, waiting.ID); p.Status != incentive.PayoutProcessing || p.Method != incentive.MethodBankTransfer || !p.AutoApplied {
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
		e, c := signedIn(t, db, "reseller-a")
		d := loadDemoPayouts(t, e.db)
		ctx := context.Background()
		pid := d.ids["reseller-a"]
		_, body := c.get("/console/incentives/statements")
		if !strings.Contains(body, "<li>预估</li> → <li>待确认</li> → <li>付款中</li> → <li>已支付</li>") {
			t.Fatal("the reconciliation flow is not shown")
		}
		statements, _, err := incentive.ListStatements(ctx, e.db.Reader(), incentive.StatementFilter{PartnerID: pid, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var estimate, toConfirm *incentive.Statement
		for _, st := range statements {
			row := ""
			for _, r := range strings.Split(tableBody(body), "</tr>") {
				if strings.Contains(r, "<td>"+st.Month.String()+"</td>") {
					row = r
				}
			}
			status := map[string]string{incentive.StatusEstimated: "预估", incentive.StatusToConfirm: "待确认", incentive.StatusPaying: "付款中",
				incentive.StatusPaid: "已支付"}[st.Status]
			if !strings.Contains(row, `class="status">`+status+`<`) || strings.Contains(row, "/confirm") != (st.Status == incentive.StatusToConfirm) {
				t.Errorf("%s (%s): %s", st.Month, st.Status, row)
			}
			if st.Carried() != strings.Contains(row, "结转至下月") {
				t.Errorf("%s carries %d: %s", st.Month, st.CarryOut, row)
			}
			switch st.Status {
			case incentive.StatusEstimated:
				estimate = st
			case incentive.StatusToConfirm:
				toConfirm = st
			}
		}
		if estimate == nil || toConfirm == nil {
			t.Fatalf("the demo has no estimate or no month to confirm for reseller-a: %v", statements)
		}
		// Confirming the estimate is refused, and changes nothing.
		resp, _ := c.post("/console/incentives/statements/"+estimate.ID+"/confirm", nil)
		_, body = c.get("/console/incentives/statements")
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(body, "只有待确认的激励可以确认") {
			t.Fatalf("confirm an estimate: %d", resp.StatusCode)
		}
		if got, _ := incentive.GetStatement(ctx, e.db.Reader(), pid, estimate.ID); got.Status != incentive.StatusEstimated {
			t.Fatalf("estimate now %s", got.Status)
		}
		// Another partner's statement answers not found.
		r := e.client()
		r.signIn("reseller")
		if resp, _ := r.post("/console/incentives/statements/"+toConfirm.ID+"/confirm", nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another partner confirms: %d", resp.StatusCode)
		}
		// 确认 moves the month on: paying with a payout, or paid when
		// nothing is payable.
		resp, _ = c.post("/console/incentives/statements/"+toConfirm.ID+"/confirm", nil)
		got, _ := incentive.GetStatement(ctx, e.db.Reader(), pid, toConfirm.ID)
		if resp.StatusCode != http.StatusSeeOther || (got.Status != incentive.StatusPaying && got.Status != incentive.StatusPaid) || got.ConfirmedBy == "" {
			t.Fatalf("confirmed: %d %+v", resp.StatusCode, got)
		}
		if v, err := ledger.Check(ctx, e.db.Reader()); err != nil || len(v) > 0 {
			t.Fatalf("ledger check: %v %v", v, err)
		}
	})
}

func TestIncentiveDetailsFiltersAndExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		d := loadDemoPayouts(t, e.db)
		ctx := context.Background()
		m := bill.MonthOf(time.Now()).Add(-1)
		all, total, err := incentive.ListDetails(ctx, e.db.Reader(), incentive.DetailFilter{PartnerID: d.ids["distributor"], From: m, To: m})
		if err != nil || total == 0 {
			t.Fatalf("details of %s: %d %v", m, total, err)
		}
		_, body := c.get("/console/incentives/details?" + url.Values{"from": {m.String()}, "to": {m.String()}}.Encode())
		if n := strings.Count(tableBody(body), "<tr>"); n != min(total, 20) {
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
		// Another partner's customer shows nothing.
		r := e.client()
		r.signIn("reseller")
		_, body = r.get("/console/incentives/details?" + url.Values{"customer": {one.CustomerID}}.Encode())
		if strings.Contains(tableBody(body), one.CustomerID) {
			t.Fatal("another partner sees the distributor's details")
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
		resp, _ = c.post("/console/incentives/exports", url.Values{"from": {m.String()}, "to": {m.String()}, "format": {"csv"}})
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
		lines := strings.Split(strings.TrimSpace(file), "\n")
		if resp.StatusCode != http.StatusOK || len(lines) != total+1 || !strings.Contains(lines[0], "激励金额") {
			t.Fatalf("download: %d, %d lines for %d details", resp.StatusCode, len(lines), total)
		}
		// Another user cannot download it.
		if resp, _ := r.get(href); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another partner downloads: %d", resp.StatusCode)
		}
	})
}

func TestStaffIncentivePayoutsQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "finance")
		d := loadDemoPayouts(t, e.db)
		ctx := context.Background()
		failed := d.find(t, "reseller", incentive.PayoutError, "")
		// The error row waits in its own tab with 重试 and the reason.
		resp, body := c.get("/console/staff/incentives?state=error")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "/payouts/"+failed.ID+"/retry") || !strings.Contains(body, failed.ErrorMessage) {
			t.Fatalf("error tab: %d", resp.StatusCode)
		}
		resp, _ = c.post("/console/staff/incentives/payouts/"+failed.ID+"/retry", nil)
		paid := payoutOf(t, e.db, failed.PartnerID, failed.ID)
		if resp.StatusCode != http.StatusSeeOther || paid.Status != incentive.PayoutCompleted || paid.QuotaID == "" {
			t.Fatalf("retry: %d %+v", resp.StatusCode, paid)
		}
		// Retrying a completed payout is refused and pays nothing twice.
		c.post("/console/staff/incentives/payouts/"+failed.ID+"/retry", nil)
		if after := payoutOf(t, e.db, failed.PartnerID, failed.ID); after.Attempts != paid.Attempts || after.QuotaID != paid.QuotaID {
			t.Fatalf("paid twice: %+v", after)
		}
		// 处理 of a payout not waiting for it is refused and changes nothing.
		resp, _ = c.post("/console/staff/incentives/payouts/"+failed.ID+"/approve", nil)
		_, body = c.get("/console/staff/incentives?state=completed")
		if after := payoutOf(t, e.db, failed.PartnerID, failed.ID); resp.StatusCode != http.StatusSeeOther || after.Status != incentive.PayoutCompleted ||
			after.ApprovedAt != paid.ApprovedAt || !strings.Contains(body, "当前状态不允许此操作") {
			t.Fatalf("approve a completed payout: %d %+v", resp.StatusCode, after)
		}
		// An application in processing: paying first is refused, 处理
		// moves it to 待开票, 完成 needs the invoice number.
		applied := d.find(t, "reseller", incentive.PayoutProcessing, "")
		_, body = c.get("/console/staff/incentives")
		if !strings.Contains(body, "/payouts/"+applied.ID+"/approve") {
			t.Fatal("the application is not in the queue")
		}
		pay := "/console/staff/incentives/payouts/" + applied.ID + "/pay"
		resp, body = c.post(pay, url.Values{"invoice_number": {"INV-9"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "当前状态不允许此操作") ||
			payoutOf(t, e.db, applied.PartnerID, applied.ID).Status != incentive.PayoutProcessing {
			t.Fatalf("pay early: %d", resp.StatusCode)
		}
		if resp, _ := c.post("/console/staff/incentives/payouts/"+applied.ID+"/approve", nil); resp.StatusCode != http.StatusSeeOther ||
			payoutOf(t, e.db, applied.PartnerID, applied.ID).Status != incentive.PayoutPendingInvoice {
			t.Fatalf("approve: %d", resp.StatusCode)
		}
		for _, bad := range []string{"", strings.Repeat("9", 65)} {
			resp, body := c.post(pay, url.Values{"invoice_number": {bad}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-invoice_number-msg">`) ||
				payoutOf(t, e.db, applied.PartnerID, applied.ID).Status != incentive.PayoutPendingInvoice {
				t.Fatalf("pay with invoice %q: %d", bad, resp.StatusCode)
			}
		}
		if resp, _ := c.post(pay, url.Values{"invoice_number": {"INV-9"}}); resp.StatusCode != http.StatusSeeOther ||
			payoutOf(t, e.db, applied.PartnerID, applied.ID).Status != incentive.PayoutCompleted {
			t.Fatalf("pay: %d", resp.StatusCode)
		}
		// A bank transfer needs its reference.
		bank := d.find(t, "reseller-a", incentive.PayoutPendingInvoice, incentive.MethodBankTransfer)
		pay = "/console/staff/incentives/payouts/" + bank.ID + "/pay"
		if _, body := c.get(pay); !strings.Contains(body, `value="`+bank.InvoiceNumber+`"`) || !strings.Contains(body, `name="reference"`) {
			t.Fatal("the pay form does not show the partner's invoice and the reference")
		}
		resp, body = c.post(pay, url.Values{"invoice_number": {"INV-B-1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-reference-msg">`) ||
			payoutOf(t, e.db, bank.PartnerID, bank.ID).Status != incentive.PayoutPendingInvoice {
			t.Fatalf("bank without reference: %d", resp.StatusCode)
		}
		if resp, _ := c.post(pay, url.Values{"invoice_number": {"INV-B-1"}, "reference": {"B-9"}}); resp.StatusCode != http.StatusSeeOther ||
			payoutOf(t, e.db, bank.PartnerID, bank.ID).BankReference != "B-9" {
			t.Fatalf("bank: %d", resp.StatusCode)
		}
		if v, err := ledger.Check(ctx, e.db.Reader()); err != nil || len(v) > 0 {
			t.Fatalf("ledger check: %v %v", v, err)
		}
		// The calculation of a month: a bad or future month is refused next
		// to the field; this month computes.
		for _, bad := range []string{"2026-13", bill.MonthOf(time.Now()).Add(1).String()} {
			resp, body := c.post("/console/staff/incentives/calculate", url.Values{"month": {bad}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-month-msg">`) {
				t.Fatalf("calculate %s: %d", bad, resp.StatusCode)
			}
		}
		if resp, _ := c.post("/console/staff/incentives/calculate", url.Values{"month": {bill.MonthOf(time.Now()).String()}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("calculate: %d", resp.StatusCode)
		}
		// A partner user cannot reach the queue.
		p := e.client()
		p.signIn("distributor")
		waiting := d.find(t, "distributor", incentive.PayoutPendingApplication, "")
		if resp, _ := p.post("/console/staff/incentives/payouts/"+waiting.ID+"/approve", nil); resp.StatusCode == http.StatusSeeOther {
			t.Fatal("a partner processed a payout")
		}
	})
}

func TestStaffIncentivePolicies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "finance")
		ctx := context.Background()
		count := func() int {
			_, n, err := incentive.ListPolicies(ctx, e.db.Reader(), incentive.PolicyFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// A new product category, which no policy covers yet.
		service := "hws.service.type.test"
		if err := e.db.InTx(ctx, func(tx *store.Tx) error {
			return catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: service, NameZh: "测试服务", NameEn: "Test service"})
		}); err != nil {
			t.Fatal(err)
		}
		before := count()
		good := url.Values{"kind": {"rebate"}, "partner_type": {"reseller"}, "service_type": {service}, "rate": {"2.5"}, "valid_from": {"2030-01"}}
		with := func(k, v string) url.Values {
			out := url.Values{}
			for key, vals := range good {
				out[key] = append([]string(nil), vals...)
			}
			out.Set(k, v)
			return out
		}
		for _, bad := range []struct {
			form  url.Values
			field string
		}{
			{with("rate", "101"), "rate"}, {with("rate", "2.555"), "rate"}, {with("service_type", "nope"), "service_type"},
			{with("partner_type", "boss"), "partner_type"}, {with("valid_from", "2030-13"), "valid_from"},
			{with("valid_to", "2029-12"), "valid_to"}, {with("kind", "gift"), "kind"},
			{url.Values{"kind": {"new_customer"}, "partner_type": {"reseller"}, "bonus": {"-1"}, "valid_from": {"2030-01"}}, "bonus"},
		} {
			resp, body := c.post("/console/staff/incentives/policies/new", bad.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-`+bad.field+`-msg">`) || count() != before {
				t.Fatalf("%v: %d, %d policies\n%s", bad.form, resp.StatusCode, count(), body)
			}
		}
		if resp, _ := c.post("/console/staff/incentives/policies/new", good); resp.StatusCode != http.StatusSeeOther || count() != before+1 {
			t.Fatalf("create: %d", resp.StatusCode)
		}
		// The same category and partner type in the same months overlaps.
		resp, body := c.post("/console/staff/incentives/policies/new", good)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "已有生效的政策") || count() != before+1 {
			t.Fatalf("overlap: %d", resp.StatusCode)
		}
		list, _, err := incentive.ListPolicies(ctx, e.db.Reader(), incentive.PolicyFilter{ServiceTypeCode: service, PartnerType: partner.Reseller, ValidIn: 203001})
		if err != nil || len(list) != 1 || list[0].RateBP != 250 {
			t.Fatalf("created %+v %v", list, err)
		}
		_, body = c.get("/console/staff/incentives/policies?" + url.Values{"service_type": {service}}.Encode())
		if strings.Count(tableBody(body), "<tr>") != 1 || !strings.Contains(body, "2.50%") || !strings.Contains(body, "/policies/"+list[0].ID+"/edit") {
			t.Fatal("the list does not show it")
		}
		// Edit: the form shows the policy; a bad rate changes nothing.
		edit := "/console/staff/incentives/policies/" + list[0].ID + "/edit"
		_, body = c.get(edit)
		if !strings.Contains(body, `value="2.50"`) {
			t.Fatal("the edit form does not show the rate")
		}
		if resp, _ := c.post(edit, with("rate", "abc")); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad edit: %d", resp.StatusCode)
		}
		if p, _ := incentive.GetPolicy(ctx, e.db.Reader(), list[0].ID); p.RateBP != 250 {
			t.Fatalf("changed by a refused edit: %+v", p)
		}
		if resp, _ := c.post(edit, with("rate", "3")); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d", resp.StatusCode)
		}
		if p, _ := incentive.GetPolicy(ctx, e.db.Reader(), list[0].ID); p.RateBP != 300 {
			t.Fatalf("edited %+v", p)
		}
		if resp, _ := c.get("/console/staff/incentives/policies/nope/edit"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown policy: %d", resp.StatusCode)
		}
	})
}

// TestIncentivePagesInEnglish opens every page of the area in English: no
// message is left as its key.
func TestIncentivePagesInEnglish(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db)
	d := loadDemoPayouts(t, e.db)
	rawKey := regexp.MustCompile(`\b(incentives?|performance|consumption|exports|common)\.[a-z_.]+\b`)
	check := func(c *client, paths ...string) {
		t.Helper()
		for _, path := range paths {
			resp, body := c.get(path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `lang="en"`) {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
			if k := rawKey.FindString(body); k != "" {
				t.Errorf("%s shows the key %s", path, k)
			}
		}
	}
	p := e.client()
	p.signIn("distributor")
	p.post("/console/locale", url.Values{"lang": {"en"}, "next": {"/console/home"}})
	waiting := d.find(t, "distributor", incentive.PayoutPendingApplication, "")
	check(p, "/console/home", "/console/performance", "/console/performance/exports", "/console/incentives", "/console/incentives/details",
		"/console/incentives/statements", "/console/incentives/exports", "/console/incentives/payouts/"+waiting.ID+"/apply")
	s := e.client()
	s.signIn("finance")
	s.post("/console/locale", url.Values{"lang": {"en"}, "next": {"/console/staff"}})
	policies, _, err := incentive.ListPolicies(context.Background(), e.db.Reader(), incentive.PolicyFilter{Limit: 1})
	if err != nil || len(policies) == 0 {
		t.Fatalf("the demo's policies: %v", err)
	}
	check(s, "/console/staff/incentives", "/console/staff/incentives?state=error", "/console/staff/incentives/policies",
		"/console/staff/incentives/policies/new", "/console/staff/incentives/policies/"+policies[0].ID+"/edit",
		"/console/staff/incentives/payouts/"+d.find(t, "reseller-a", incentive.PayoutPendingInvoice, "").ID+"/pay")
}
