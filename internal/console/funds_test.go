package console_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"partnercenter/internal/auth"
	"partnercenter/internal/exports"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// tableBody is the first table body of a page, where the rows are.
func tableBody(body string) string {
	_, rest, _ := strings.Cut(body, "<tbody>")
	rows, _, _ := strings.Cut(rest, "</tbody>")
	return rows
}

// eventually polls until cond holds, for work done in the background.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestFundsStatement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		bal, _ := funds.PartnerBalances(ctx, db.Reader(), dist)

		resp, body := c.get("/console/funds")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("资金管理: %d", resp.StatusCode)
		}
		today := time.Now().In(ledger.BillingZone)
		for _, want := range []string{"收支明细", "调账记录", "批量调账", "提现", "我的导出", ">充值账户<", ">信用账户<", i18n.Amount(bal.Recharge),
			i18n.Amount(bal.CreditLine), `value="` + today.AddDate(-1, 0, 0).Format("2006-01-02") + `"`, `value="` + today.Format("2006-01-02") + `"`,
			"收入合计", "支出合计", ">充值<", ">拨款<", "导出 CSV", "导出 Excel"} {
			if !strings.Contains(body, want) {
				t.Errorf("资金管理 lacks %q", want)
			}
		}
		if !strings.Contains(body, `aria-current="page">充值账户`) {
			t.Error("the 充值账户 tab is not the one shown by default")
		}

		// The trade type filter keeps only that type.
		_, body = c.get("/console/funds?trade_type=RECHARGE")
		rows := tableBody(body)
		if !strings.Contains(rows, ">充值<") || strings.Contains(rows, ">拨款<") || strings.Contains(rows, ">回收<") {
			t.Errorf("filtered by 充值, the rows are:\n%s", rows)
		}
		// Paging: the second page shows other rows than the first.
		_, first := c.get("/console/funds")
		_, second := c.get("/console/funds?page=2")
		if tableBody(first) == tableBody(second) || !strings.Contains(second, "第 2 /") {
			t.Error("the second page repeats the first")
		}

		// The credit account has its own statement: the line the provider set.
		_, body = c.get("/console/funds?account=credit")
		if !strings.Contains(body, `aria-current="page">信用账户`) || !strings.Contains(body, `name="account" value="credit"`) {
			t.Error("the 信用账户 tab is not shown")
		}

		// Bad ranges: the message next to the field, no rows, no export.
		for _, bad := range []struct{ query, field, key string }{
			{"from=2024-01-01&to=2025-06-01", "from", "funds.range_too_long"},
			{"from=2025-06-01&to=2025-01-01", "from", "funds.range_reversed"},
			{"from=2025-13-01", "from", "audit.date_invalid"},
			{"account=savings", "account", "funds.balance_type_invalid"},
			{"trade_type=GIFT", "trade_type", "funds.trade_type_invalid"},
		} {
			resp, body := c.get("/console/funds?" + bad.query)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, nextTo(bad.field, bad.key)) {
				t.Errorf("%s: %d, no %s next to %s", bad.query, resp.StatusCode, bad.key, bad.field)
			}
			if strings.Contains(body, "导出 CSV") {
				t.Errorf("%s: a refused query offers an export", bad.query)
			}
		}
		// A range of exactly a year is fine.
		if _, body := c.get("/console/funds?from=2025-01-01&to=2026-01-01"); strings.Contains(body, "field-error") {
			t.Error("a range of one year was refused")
		}

		// Who may see it: the customer manager may not; the finance
		// sub-account may.
		m := e.client()
		m.signIn("distributor-manager")
		if resp, _ := m.get("/console/funds"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("customer manager on 资金管理: %d", resp.StatusCode)
		}
		fin := e.client()
		fin.signIn("distributor-finance")
		if resp, _ := fin.get("/console/funds"); resp.StatusCode != http.StatusOK {
			t.Errorf("finance sub-account on 资金管理: %d", resp.StatusCode)
		}

		// The home page shows the balances.
		if _, body := c.get("/console/home"); !strings.Contains(body, "充值账户余额") || !strings.Contains(body, i18n.Amount(bal.Recharge)) {
			t.Error("the home page does not show the balances")
		}
		if _, body := m.get("/console/home"); strings.Contains(body, "充值账户余额") {
			t.Error("the customer manager's home shows the balances")
		}
	})
}

func TestFundsAdjustments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		resp, body := c.get("/console/funds/adjustments")
		if resp.StatusCode != http.StatusOK || !strings.Contains(tableBody(body), ">拨款<") || !strings.Contains(tableBody(body), "月预算") {
			t.Fatalf("调账记录: %d", resp.StatusCode)
		}
		_, body = c.get("/console/funds/adjustments?operation=SOURCE_OPERATION_BERETRIEVE")
		if rows := tableBody(body); !strings.Contains(rows, ">回收<") || strings.Contains(rows, ">拨款<") {
			t.Errorf("filtered by 回收:\n%s", rows)
		}
		_, body = c.get("/console/funds/adjustments?customer=dist-cust02")
		if rows := tableBody(body); !strings.Contains(rows, "dist-cust02") || strings.Contains(rows, "dist-cust03") {
			t.Errorf("filtered by customer:\n%s", rows)
		}
		for _, bad := range []struct{ query, field, key string }{
			{"from=2026-02-01&to=2026-01-01", "to", "audit.range_invalid"},
			{"to=yesterday", "to", "audit.date_invalid"},
			{"operation=GIFT", "operation", "funds.operation_invalid"},
		} {
			if _, body := c.get("/console/funds/adjustments?" + bad.query); !strings.Contains(body, nextTo(bad.field, bad.key)) {
				t.Errorf("%s: no %s next to %s", bad.query, bad.key, bad.field)
			}
		}
		// A range with nothing in it.
		if _, body := c.get("/console/funds/adjustments?from=2000-01-01&to=2000-01-31"); !strings.Contains(tableBody(body), "暂无数据") {
			t.Error("an empty range shows rows")
		}
	})
}

func TestFundsExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		me, _ := auth.GetUserByUsername(ctx, db.Reader(), "distributor")

		today := time.Now().In(ledger.BillingZone).Format("2006-01-02")
		from := time.Now().In(ledger.BillingZone).AddDate(0, -6, 0).Format("2006-01-02")
		resp, _ := c.post("/console/funds/exports", url.Values{"kind": {funds.ExportStatement}, "format": {"csv"}, "account": {"debit"},
			"from": {from}, "to": {today}, "trade_type": {"RECHARGE"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/funds/exports" {
			t.Fatalf("export: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, _ = c.post("/console/funds/exports", url.Values{"kind": {funds.ExportAdjustments}, "format": {"xlsx"},
			"operation": {funds.OpAllocate}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("adjustments export: %d", resp.StatusCode)
		}
		var list []*exports.Export
		eventually(t, "the exports finish", func() bool {
			list, _ = exports.List(ctx, db.Reader(), dist, me.ID, 10)
			return len(list) == 2 && list[0].Status == exports.Done && list[1].Status == exports.Done
		})
		xlsx, csv := list[0], list[1]
		_, body := c.get("/console/funds/exports")
		for _, want := range []string{"我的导出", "收支明细", "调账记录", "已完成", "<progress", `href="/console/funds/exports/` + csv.ID + `/download"`} {
			if !strings.Contains(body, want) {
				t.Errorf("我的导出 lacks %q", want)
			}
		}
		if strings.Contains(body, `hx-trigger="every`) {
			t.Error("the list still polls with every export finished")
		}

		resp, file := c.get("/console/funds/exports/" + csv.ID + "/download")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("download: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		if !strings.HasPrefix(file, "\uFEFF交易ID,") || !strings.Contains(file, "RECHARGE") || strings.Contains(file, "BEADJUST") {
			t.Errorf("the CSV holds:\n%.300s", file)
		}
		if n := strings.Count(file, "\n") - 1; n < 6 || n > 7 {
			t.Errorf("half a year of monthly recharges exported as %d lines", n)
		}
		resp, file = c.get("/console/funds/exports/" + xlsx.ID + "/download")
		x, err := excelize.OpenReader(strings.NewReader(file))
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("xlsx download: %d, %v", resp.StatusCode, err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		if len(rows) < 2 || rows[0][0] != "事务ID" {
			t.Errorf("xlsx rows %v", rows[:min(len(rows), 2)])
		}

		// Another user, of the same partner or another, gets not found.
		for _, who := range []string{"distributor-finance", "reseller"} {
			o := e.client()
			o.signIn(who)
			if resp, _ := o.get("/console/funds/exports/" + csv.ID + "/download"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s downloads another user's export: %d", who, resp.StatusCode)
			}
			if _, body := o.get("/console/funds/exports"); strings.Contains(body, csv.ID) {
				t.Errorf("%s sees another user's export", who)
			}
		}

		// A queued export makes the list poll; its file is not ready.
		var queued *exports.Export
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			queued, err = exports.Create(ctx, tx, dist, me.ID, funds.ExportStatement, "csv", "zh-CN", funds.StatementExport{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, body := c.get("/console/funds/exports"); !strings.Contains(body, `hx-trigger="every 2s"`) || !strings.Contains(body, "排队中") {
			t.Error("a queued export does not poll")
		}
		if resp, _ := c.get("/console/funds/exports/" + queued.ID + "/download"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("download before it is ready: %d", resp.StatusCode)
		}

		// A refused query (tampered hidden fields) starts nothing and says why.
		resp, body = c.post("/console/funds/exports", url.Values{"kind": {funds.ExportStatement}, "format": {"csv"},
			"from": {"2020-01-01"}, "to": {"2026-01-01"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("from", "funds.range_too_long")) {
			t.Errorf("export of a too long range: %d", resp.StatusCode)
		}
		if list, _ := exports.List(ctx, db.Reader(), dist, me.ID, 10); len(list) != 3 {
			t.Errorf("%d exports after a refused one, want 3", len(list))
		}
		if got := auditActions(t, db, dist, csv.ID); len(got) != 1 || got[0] != "export.create" {
			t.Errorf("audit of the export: %v", got)
		}
	})
}

func TestWithdrawalFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		before, _ := funds.PartnerBalances(ctx, db.Reader(), dist)
		count := func() int {
			_, n, err := funds.Withdrawals(ctx, db.Reader(), dist, "", 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		path := "/console/funds/withdrawals"
		token := c.formToken(path)

		for _, bad := range []struct {
			form  url.Values
			field string
			key   string
		}{
			{url.Values{"amount": {"1.234"}, "bank_account": {"6222 0000 1111"}}, "amount", "customers.amount_precision"},
			{url.Values{"amount": {"100"}, "bank_account": {""}}, "bank_account", "funds.bank_account_required"},
			{url.Values{"amount": {"999999999"}, "bank_account": {"6222 0000 1111"}}, "amount", "funds.withdraw.above"},
		} {
			bad.form.Set("client", token)
			resp, body := c.post(path, bad.form)
			msg := strings.SplitN(i18n.T(i18n.ZH, bad.key, "%"), "%", 2)[0]
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-`+bad.field+`-msg">`+msg) {
				t.Errorf("%v: %d, no %s next to %s", bad.form, resp.StatusCode, bad.key, bad.field)
			}
		}
		if count() != 0 {
			t.Fatal("bad input requested a withdrawal")
		}

		form := url.Values{"amount": {"1000.50"}, "bank_account": {"6222 0000 1111"}, "client": {token}}
		resp, body := c.post(path, form)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "请确认以下信息") || !strings.Contains(body, "1,000.50") || count() != 0 {
			t.Fatalf("confirmation: %d", resp.StatusCode)
		}
		form.Set("confirm", "1")
		for range 2 {
			if resp, _ := c.post(path, form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("confirmed: %d", resp.StatusCode)
			}
		}
		if n := count(); n != 1 {
			t.Fatalf("a double submit made %d withdrawals", n)
		}
		after, _ := funds.PartnerBalances(ctx, db.Reader(), dist)
		if before.RechargeAvailable-after.RechargeAvailable != 1000_50 || after.Recharge != before.Recharge {
			t.Errorf("held: available %d → %d, balance %d → %d", before.RechargeAvailable, after.RechargeAvailable, before.Recharge, after.Recharge)
		}
		_, body = c.get(path)
		if !strings.Contains(body, "待审核") || !strings.Contains(body, "6222 0000 1111") {
			t.Error("the withdrawal is not listed as pending")
		}
		list, _, _ := funds.Withdrawals(ctx, db.Reader(), dist, "", 0, 1)
		w := list[0]
		if got := auditActions(t, db, dist, w.ID); len(got) != 1 || got[0] != "funds.withdrawal_request" {
			t.Errorf("audit %v", got)
		}

		// The partner has no back office; a user without 资金 rights cannot ask.
		if resp, _ := c.get("/console/staff/finance/withdrawals/" + w.ID); resp.StatusCode != http.StatusForbidden {
			t.Errorf("partner on the review page: %d", resp.StatusCode)
		}
		m := e.client()
		m.signIn("distributor-manager")
		if resp, _ := m.post(path, url.Values{"amount": {"1"}, "bank_account": {"x"}, "client": {token}, "confirm": {"1"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("customer manager requests a withdrawal: %d", resp.StatusCode)
		}

		// Provider finance decides: a rejection needs a reason.
		fin := e.client()
		fin.signIn("finance")
		if _, body := fin.get("/console/staff/finance/withdrawals"); !strings.Contains(body, "华东云总经销有限公司") || !strings.Contains(body, "1,000.50") {
			t.Error("the review list lacks the withdrawal")
		}
		wpath := "/console/staff/finance/withdrawals/" + w.ID
		wtoken := fin.formToken(wpath)
		if resp, body := fin.post(wpath, url.Values{"decision": {"reject"}, "client": {wtoken}, "confirm": {"1"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("reason", "funds.reason_required")) {
			t.Errorf("rejection without a reason: %d", resp.StatusCode)
		}
		if resp, body := fin.post(wpath, url.Values{"client": {wtoken}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("decision", "finance.withdrawal.decision_required")) {
			t.Errorf("no decision: %d", resp.StatusCode)
		}
		decide := url.Values{"decision": {"approve"}, "client": {wtoken}}
		if resp, body := fin.post(wpath, decide); resp.StatusCode != http.StatusOK || !strings.Contains(body, "确认审核结果") {
			t.Fatalf("approval confirmation: %d", resp.StatusCode)
		}
		decide.Set("confirm", "1")
		for range 2 {
			if resp, _ := fin.post(wpath, decide); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("approve: %d", resp.StatusCode)
			}
		}
		done, _ := funds.PartnerBalances(ctx, db.Reader(), dist)
		if before.Recharge-done.Recharge != 1000_50 || done.RechargeAvailable != after.RechargeAvailable {
			t.Errorf("approved: balance %d → %d", before.Recharge, done.Recharge)
		}
		if _, body := c.get(path); !strings.Contains(body, "已通过") {
			t.Error("the partner does not see the approval")
		}
		if got := auditActions(t, db, dist, w.ID); strings.Join(got, ",") != "funds.withdrawal_approve,funds.withdrawal_request" {
			t.Errorf("audit %v", got)
		}
		// Decided: the form is gone and a late post is refused.
		if _, body := fin.get(wpath); strings.Contains(body, `name="decision"`) {
			t.Error("a decided withdrawal still offers the decision")
		}
		late := url.Values{"decision": {"reject"}, "reason": {"late"}, "client": {fin.formToken("/console/staff/finance/recharge")}, "confirm": {"1"}}
		if resp, body := fin.post(wpath, late); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "funds.withdrawal_decided")) {
			t.Errorf("deciding twice: %d", resp.StatusCode)
		}
	})
}

func TestRechargeAndCreditLine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		before, _ := funds.PartnerBalances(ctx, db.Reader(), dist)

		// Finance only: a partner user and a staff member without the role get 403.
		pdm := e.client()
		pdm.signIn("pdm")
		for _, who := range []*client{c, pdm} {
			for _, p := range []string{"/console/staff/finance/recharge", "/console/staff/finance/credit", "/console/staff/finance/withdrawals"} {
				if resp, _ := who.get(p); resp.StatusCode != http.StatusForbidden {
					t.Errorf("GET %s without the finance role: %d", p, resp.StatusCode)
				}
			}
			resp, _ := who.post("/console/staff/finance/recharge", url.Values{"partner_id": {dist}, "amount": {"100"}, "method": {"bank_transfer"},
				"client": {"abcdefghijklmnopqrstuvwx"}, "confirm": {"1"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST recharge without the finance role: %d", resp.StatusCode)
			}
		}

		fin := e.client()
		fin.signIn("finance")
		path := "/console/staff/finance/recharge"
		token := fin.formToken(path)
		for _, bad := range []struct {
			form  url.Values
			field string
			key   string
		}{
			{url.Values{"amount": {"100"}, "method": {"bank_transfer"}}, "partner_id", "finance.partner_required"},
			{url.Values{"partner_id": {"nope"}, "amount": {"100"}, "method": {"bank_transfer"}}, "partner_id", "partner.not_found"},
			{url.Values{"partner_id": {dist}, "amount": {"100.001"}, "method": {"bank_transfer"}}, "amount", "customers.amount_precision"},
			{url.Values{"partner_id": {dist}, "amount": {"-1"}, "method": {"bank_transfer"}}, "amount", "funds.amount_positive"},
			{url.Values{"partner_id": {dist}, "amount": {"100"}, "method": {"cash"}}, "method", "funds.recharge_method"},
			{url.Values{"partner_id": {dist}, "amount": {"100"}, "method": {"bank_transfer"}, "reference": {strings.Repeat("x", 65)}}, "reference", "finance.reference_long"},
		} {
			bad.form.Set("client", token)
			bad.form.Set("confirm", "1")
			if resp, body := fin.post(path, bad.form); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo(bad.field, bad.key)) {
				t.Errorf("%v: %d, no %s next to %s", bad.form, resp.StatusCode, bad.key, bad.field)
			}
		}
		form := url.Values{"partner_id": {dist}, "amount": {"50000"}, "method": {"bank_transfer"}, "reference": {"BANK-2026-001"}, "client": {token}}
		resp, body := fin.post(path, form)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "确认充值") || !strings.Contains(body, "50,000.00") || !strings.Contains(body, "BANK-2026-001") {
			t.Fatalf("recharge confirmation: %d", resp.StatusCode)
		}
		if now, _ := funds.PartnerBalances(ctx, db.Reader(), dist); now.Recharge != before.Recharge {
			t.Fatal("the confirmation page moved money")
		}
		form.Set("confirm", "1")
		for range 2 {
			if resp, _ := fin.post(path, form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("recharge: %d", resp.StatusCode)
			}
		}
		after, _ := funds.PartnerBalances(ctx, db.Reader(), dist)
		if after.Recharge-before.Recharge != 50000_00 {
			t.Errorf("a double submitted recharge added %d", after.Recharge-before.Recharge)
		}
		if got := auditActions(t, db, dist, dist); len(got) == 0 || got[0] != "funds.recharge" {
			t.Errorf("audit %v", got)
		}
		if _, body := fin.get(path + "?partner=" + dist); !strings.Contains(body, i18n.Amount(after.Recharge)) {
			t.Error("the recharge page does not show the new balance")
		}
		if _, body := c.get("/console/funds?trade_type=RECHARGE"); !strings.Contains(body, i18n.Amount(after.Recharge)) {
			t.Error("the partner's statement does not show the recharge")
		}

		// Credit line: a reason is needed, and it cannot drop below what is used.
		cpath := "/console/staff/finance/credit"
		ctoken := fin.formToken(cpath + "?partner=" + dist)
		if resp, body := fin.post(cpath, url.Values{"partner_id": {dist}, "amount": {"80000"}, "client": {ctoken}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("reason", "funds.reason_required")) {
			t.Errorf("credit line without a reason: %d", resp.StatusCode)
		}
		if resp, body := fin.post(cpath, url.Values{"partner_id": {dist}, "amount": {"-1"}, "reason": {"x"}, "client": {ctoken}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("amount", "funds.credit_line_negative")) {
			t.Errorf("a negative credit line: %d", resp.StatusCode)
		}
		set := url.Values{"partner_id": {dist}, "amount": {"80000"}, "reason": {"年度授信上调"}, "client": {ctoken}}
		if resp, body := fin.post(cpath, set); resp.StatusCode != http.StatusOK || !strings.Contains(body, "80,000.00") {
			t.Fatalf("credit line confirmation: %d", resp.StatusCode)
		}
		set.Set("confirm", "1")
		if resp, _ := fin.post(cpath, set); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("credit line: %d", resp.StatusCode)
		}
		history, _ := funds.CreditLineHistory(ctx, db.Reader(), dist)
		if history[0].After != 80000_00 || history[0].Reason != "年度授信上调" || history[0].By != "finance" {
			t.Errorf("history %+v", history[0])
		}
		if _, body := fin.get(cpath + "?partner=" + dist); !strings.Contains(body, "年度授信上调") || !strings.Contains(body, "80,000.00") {
			t.Error("the credit page does not show the change")
		}
		if resp, _ := fin.get(cpath + "?partner=nope"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown partner: %d", resp.StatusCode)
		}
	})
}

// postFile submits a multipart form with one file, as the upload form does.
func (c *client) postFile(path string, fields url.Values, name string, content []byte) (*http.Response, string) {
	c.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	part, _ := w.CreateFormFile("file", name)
	_, _ = part.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

var batchLink = regexp.MustCompile(`^/console/funds/batches/([0-9a-f-]{36})$`)

func TestBatchAllocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		upload := func(op, name string, content []byte) string {
			t.Helper()
			resp, body := c.postFile("/console/funds/batches", url.Values{"operation": {op}}, name, content)
			m := batchLink.FindStringSubmatch(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusSeeOther || m == nil {
				t.Fatalf("upload %s: %d\n%s", name, resp.StatusCode, body)
			}
			return m[0]
		}

		// The templates download.
		for _, format := range []string{"csv", "xlsx"} {
			if resp, body := c.get("/console/funds/batches/template/" + format); resp.StatusCode != http.StatusOK || len(body) == 0 ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s template: %d", format, resp.StatusCode)
			}
		}

		// Bad lines: each with its reason; no confirm button.
		page := upload("allocate", "bad.csv", []byte("客户账号名或ID,金额（元）,备注\n"+
			"dist-cust02,10,ok\nnobody-here,10,\ndist-cust04,10,\ndist-cust03,1.005,\nresa-cust01,10,\n"))
		_, body := c.get(page)
		for _, key := range []string{"funds.batch_customer_unknown", "funds.referral_customer", "funds.amount_precision"} {
			if !strings.Contains(body, i18n.T(i18n.ZH, key)) {
				t.Errorf("the preview lacks %q", i18n.T(i18n.ZH, key))
			}
		}
		if !strings.Contains(body, i18n.T(i18n.ZH, "funds.batch.fix_file", 4)) || strings.Contains(body, "/confirm") {
			t.Error("a batch with bad lines offers to confirm")
		}
		if _, body := c.get(page + "?problems=1"); strings.Contains(tableBody(body), "dist-cust02") || !strings.Contains(tableBody(body), "nobody-here") {
			t.Error("the problem filter shows the good line or hides a bad one")
		}
		id := strings.TrimPrefix(page, "/console/funds/batches/")
		if resp, _ := c.post(page+"/confirm", url.Values{"client": {c.formToken(page)}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("confirming a bad batch: %d", resp.StatusCode)
		}
		if b, _ := funds.GetBatch(ctx, db.Reader(), dist, id); b.Status != funds.BatchPreview {
			t.Errorf("a bad batch was confirmed: %s", b.Status)
		}

		// Files refused whole: too large, too many lines, another format.
		for _, bad := range []struct {
			name    string
			content []byte
			key     string
			args    []any
		}{
			{"big.csv", bytes.Repeat([]byte("a"), funds.MaxBatchBytes+1), "funds.batch_file_too_large", nil},
			{"many.csv", []byte(strings.Repeat("dist-cust02,1,\n", funds.MaxBatchRows+1)), "funds.batch_too_many_rows", []any{funds.MaxBatchRows}},
			{"notes.txt", []byte("dist-cust02,1,\n"), "funds.batch_format", nil},
			{"empty.csv", nil, "funds.batch_empty", nil},
		} {
			resp, body := c.postFile("/console/funds/batches", url.Values{"operation": {"allocate"}}, bad.name, bad.content)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("file", bad.key, bad.args...)) {
				t.Errorf("%s: %d, no %s next to the file", bad.name, resp.StatusCode, bad.key)
			}
		}

		// A good Excel file: preview, confirm, the background job, results.
		c02, c03 := customerID(t, db, "dist-cust02"), customerID(t, db, "dist-cust03")
		start02, start03 := customerBalance(t, db, c02), customerBalance(t, db, c03)
		x := excelize.NewFile()
		for i, row := range [][]any{{"客户账号名或ID", "金额（元）", "备注"}, {"dist-cust02", 120.5, "五月预算"}, {c03, "80", "by id"}} {
			_ = x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row)
		}
		var file bytes.Buffer
		_ = x.Write(&file)
		page = upload("allocate", "五月.xlsx", file.Bytes())
		_, body = c.get(page)
		if !strings.Contains(body, "200.50") || !strings.Contains(body, "/confirm") || !strings.Contains(body, "待确认") {
			t.Fatalf("the preview of a good file:\n%s", body)
		}
		if customerBalance(t, db, c02) != start02 {
			t.Fatal("the preview moved money")
		}
		token := c.formToken(page)
		for range 2 {
			if resp, _ := c.post(page+"/confirm", url.Values{"client": {token}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("confirm: %d", resp.StatusCode)
			}
		}
		id = strings.TrimPrefix(page, "/console/funds/batches/")
		eventually(t, "the batch runs", func() bool {
			b, _ := funds.GetBatch(ctx, db.Reader(), dist, id)
			return b.Status == funds.BatchDone
		})
		if customerBalance(t, db, c02)-start02 != 120_50 || customerBalance(t, db, c03)-start03 != 80_00 {
			t.Errorf("after the batch: +%d, +%d", customerBalance(t, db, c02)-start02, customerBalance(t, db, c03)-start03)
		}
		_, body = c.get(page)
		if strings.Count(tableBody(body), ">成功<") != 2 || !strings.Contains(body, "已完成") {
			t.Errorf("the results:\n%s", tableBody(body))
		}
		if got := strings.Join(auditActions(t, db, dist, id), ","); got != "funds.batch_confirm,funds.batch_upload" {
			t.Errorf("audit %s", got)
		}

		// The same file again pays nothing twice.
		again := upload("allocate", "五月-again.xlsx", file.Bytes())
		if _, body := c.get(again); !strings.Contains(body, i18n.T(i18n.ZH, "funds.batch.applied_before")) {
			t.Error("the preview does not say the file was applied before")
		}
		if resp, _ := c.post(again+"/confirm", url.Values{"client": {c.formToken(again)}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("confirm again: %d", resp.StatusCode)
		}
		againID := strings.TrimPrefix(again, "/console/funds/batches/")
		eventually(t, "the second batch runs", func() bool {
			b, _ := funds.GetBatch(ctx, db.Reader(), dist, againID)
			return b.Status == funds.BatchDone
		})
		if customerBalance(t, db, c02)-start02 != 120_50 {
			t.Errorf("the re-upload paid again: +%d", customerBalance(t, db, c02)-start02)
		}
		if _, body := c.get(again); !strings.Contains(body, i18n.T(i18n.ZH, "funds.batch.replayed")) {
			t.Error("the results do not say the lines were applied before")
		}

		// Another partner sees none of it; a user who may not move money
		// cannot upload.
		o := c.e.client()
		o.signIn("reseller")
		if resp, _ := o.get(page); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner opens the batch: %d", resp.StatusCode)
		}
		m := c.e.client()
		m.signIn("distributor-manager")
		if resp, _ := m.postFile("/console/funds/batches", url.Values{"operation": {"allocate"}}, "a.csv", []byte("dist-cust02,1,\n")); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a customer manager uploads: %d", resp.StatusCode)
		}
		// Discarding a preview.
		page = upload("reclaim", "r.csv", []byte("dist-cust02,1,\n"))
		if resp, _ := c.post(page+"/cancel", url.Values{"client": {c.formToken(page)}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("discard: %d", resp.StatusCode)
		}
		if _, body := c.get(page); !strings.Contains(body, "已放弃") || strings.Contains(body, "/confirm") {
			t.Error("a discarded batch still offers to confirm")
		}
	})
}
