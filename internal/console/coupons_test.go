package console_test

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"partnercenter/internal/coupon"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The demo data these tests read (internal/demo/coupons.go): distributor
// holds a voucher and a cash-coupon quota; it issued a 1000.00 voucher to
// each of its 10 resale customers that are not frozen (5 partly used, the
// last reclaimed) and 3 vouchers that have expired, and 4 cash coupons of
// 500.00 (the first reclaimed); it passed part of its voucher quota to
// reseller-a.

// demoCoupons are the distributor's coupons of a type, newest first.
func demoCoupons(t *testing.T, db *store.DB, typ, status int) []*coupon.Coupon {
	t.Helper()
	list, _, err := coupon.List(context.Background(), db.Reader(), coupon.Filter{PartnerID: partnerID(t, db, "distributor"), Type: typ,
		Status: status, Limit: 100})
	if err != nil || len(list) == 0 {
		t.Fatalf("demo coupons of type %d, status %d: %d, %v", typ, status, len(list), err)
	}
	return list
}

// demoQuota is the provider's main demo grant of a type to a partner: its
// largest quota (a partner may also hold smaller ones, such as an incentive
// paid out as voucher quota).
func demoQuota(t *testing.T, db *store.DB, partner string, quotaType int) *coupon.Quota {
	t.Helper()
	list, _, err := coupon.ListQuotas(context.Background(), db.Reader(), coupon.QuotaFilter{PartnerID: partnerID(t, db, partner), Type: &quotaType})
	if err != nil || len(list) == 0 {
		t.Fatalf("demo quota of %s: %v", partner, err)
	}
	return slices.MaxFunc(list, func(a, b *coupon.Quota) int { return cmp.Compare(a.Granted, b.Granted) })
}

func expectAll(t *testing.T, what, body string, has ...string) {
	t.Helper()
	for _, s := range has {
		if !strings.Contains(body, s) {
			t.Errorf("%s lacks %q", what, s)
		}
	}
}

func TestCouponLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		for _, tc := range []struct {
			path, total string
			has         []string
		}{
			// The provider's grant and the incentive paid as voucher quota.
			{"/console/vouchers", "2", []string{"代金券额度", "已发放代金券", "已发放代金券额度", "操作记录", "200,000.00", "5,000.00", ">发放<"}},
			{"/console/vouchers?tab=coupons", "13", []string{"已回收", "已过期", "可使用", ">回收<", "批量回收"}},
			{"/console/vouchers?tab=coupons&status=4", "3", []string{"已过期"}},
			{"/console/vouchers?tab=coupons&customer=dist-cust01", "1", []string{"已回收", "dist-cust01"}},
			{"/console/vouchers?tab=issued-quotas", "1", []string{"20,000.00", ">回收<", "发放额度"}},
			{"/console/vouchers?tab=records", "", []string{"发放记录", "回收记录", "发放额度", "杭州云联科技有限公司"}},
			{"/console/vouchers?tab=records&records=reclaim", "", []string{"手动回收", "客户流失", "dist-cust"}},
			{"/console/cash-coupons", "1", []string{"现金券额度", "已发放现金券", "50,000.00"}},
			{"/console/cash-coupons?tab=coupons", "4", []string{"已回收", ">回收<"}},
		} {
			resp, body := c.get(tc.path)
			if resp.StatusCode != http.StatusOK || (tc.total != "" && total(body) != tc.total) {
				t.Errorf("%s: status %d, %s rows; want %s", tc.path, resp.StatusCode, total(body), tc.total)
			}
			expectAll(t, tc.path, body, tc.has...)
		}
		if _, body := c.get("/console/cash-coupons"); strings.Contains(body, "已发放现金券额度") {
			t.Error("the cash-coupon page offers quotas issued to resellers")
		}
		if _, body := c.get("/console/vouchers?tab=coupons&from=2026-13-40"); !strings.Contains(body, nextTo("from", "audit.date_invalid")) {
			t.Error("a malformed date has no message next to it")
		}
		if _, body := c.get("/console/vouchers?tab=coupons&customer=nobody"); !strings.Contains(body, nextTo("customer", "customer.not_found")) {
			t.Error("an unknown customer has no message next to it")
		}
		if resp, _ := c.get("/console/vouchers?tab=nonsense"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown tab: %d", resp.StatusCode)
		}

		// 详情 of a quota lists the coupons issued from it; 详情 of a used
		// voucher lists its usage records.
		q := demoQuota(t, db, "distributor", coupon.VoucherQuota)
		resp, body := c.get("/console/vouchers/quotas/" + q.ID)
		if resp.StatusCode != http.StatusOK || total(body) != "13" {
			t.Errorf("the quota's details: %d, %s coupons", resp.StatusCode, total(body))
		}
		used := demoCoupons(t, db, coupon.TypeVoucher, coupon.Usable)
		var withUse *coupon.Coupon
		for _, cp := range used {
			if cp.Balance < cp.FaceValue {
				withUse = cp
			}
		}
		resp, body = c.get("/console/vouchers/coupons/" + withUse.ID)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the voucher's details: %d", resp.StatusCode)
		}
		expectAll(t, "the voucher's details", body, "使用记录", "CS2026", withUse.Code, "新客首购礼")

		// A cash coupon is not found on the voucher page, nor is a quota of
		// the other type.
		cash := demoCoupons(t, db, coupon.TypeCash, coupon.Usable)[0]
		if resp, _ := c.get("/console/vouchers/coupons/" + cash.ID); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a cash coupon on the voucher page: %d", resp.StatusCode)
		}
		// Another partner's coupon and quota: not found.
		r := e.client()
		r.signIn("reseller")
		for _, path := range []string{"/console/vouchers/coupons/" + withUse.ID, "/console/vouchers/quotas/" + q.ID,
			"/console/cash-coupons/reclaim?id=" + cash.ID} {
			if resp, _ := r.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("another partner's %s: %d", path, resp.StatusCode)
			}
		}
		if resp, _ := r.post("/console/cash-coupons/reclaim", url.Values{"id": {cash.ID}, "confirm": {"1"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("reclaiming another partner's coupon: %d", resp.StatusCode)
		}
		if got := demoCoupons(t, db, coupon.TypeCash, coupon.Usable); len(got) != 3 {
			t.Errorf("usable cash coupons after another partner's attempt: %d", len(got))
		}
		// The reseller is no distributor: no 已发放代金券额度.
		if _, body := r.get("/console/vouchers"); strings.Contains(body, "已发放代金券额度") {
			t.Error("a reseller sees the distributor's tab")
		}
		if resp, _ := r.get("/console/vouchers/issued-quotas/new"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a reseller's 发放额度: %d", resp.StatusCode)
		}
	})
}

var resultRows = regexp.MustCompile(`badge-(ok|failed)`)

// results are the outcomes a result page lists, in order.
func results(body string) []string {
	var out []string
	for _, m := range resultRows.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestIssueCoupons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		q := demoQuota(t, db, "distributor", coupon.CashQuota)
		path := "/console/cash-coupons/quotas/" + q.ID + "/issue"
		resp, body := c.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the issue form: %d", resp.StatusCode)
		}
		expectAll(t, "the issue form", body, "dist-cust01", "dist-cust02")
		if strings.Contains(body, ">dist-cust04<") {
			t.Error("the form offers a referral customer")
		}
		if _, body := c.get(path + "?search=dist-cust02"); strings.Contains(body, "dist-cust03") {
			t.Error("the customer search does not narrow the list")
		}
		before := len(demoCoupons(t, db, coupon.TypeCash, 0))
		resale, referral := customerID(t, db, "dist-cust01"), customerID(t, db, "dist-cust04")
		// A search keeps what was chosen and filled in.
		if _, body := c.get(path + "?search=dist-cust02&face_value=9&customer_ids=" + resale); !strings.Contains(body, `value="`+resale+`" checked`) ||
			!strings.Contains(body, "dist-cust02") || !strings.Contains(body, `value="9"`) {
			t.Error("the search lost the chosen customer or the face value")
		}

		token := c.formToken(path)
		// Bad input: each message next to its field, nothing issued.
		for _, tc := range []struct {
			form       url.Values
			field, key string
			args       []any
		}{
			{url.Values{"face_value": {"10"}}, "customer_ids", "coupon.customers_count", nil},
			{url.Values{"customer_ids": {resale}, "face_value": {"abc"}}, "face_value", "customers.amount_number", nil},
			{url.Values{"customer_ids": {resale}, "face_value": {"3000"}}, "face_value", "coupon.face_value_above_limit", nil},
			{url.Values{"customer_ids": {resale}, "face_value": {"10"}, "expires_at": {"2000-01-01"}}, "expires_at", "coupon.validity_outside_quota", nil},
			{url.Values{"customer_ids": {resale}, "face_value": {"10"}, "memo": {strings.Repeat("长", 201)}}, "memo", "coupon.memo_long", nil},
		} {
			tc.form.Set("client", token)
			resp, body := c.post(path, tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo(tc.field, tc.key, tc.args...)) {
				t.Errorf("%v: status %d, no message %s next to %s", tc.form, resp.StatusCode, tc.key, tc.field)
			}
		}
		if after := len(demoCoupons(t, db, coupon.TypeCash, 0)); after != before {
			t.Fatalf("bad input issued coupons: %d → %d", before, after)
		}

		// A referral customer fails on its own row; the resale one is issued.
		issue := url.Values{"customer_ids": {resale, referral}, "face_value": {"12.50"}, "memo": {"测试"}, "client": {token}}
		resp, body = c.post(path, issue)
		if resp.StatusCode != http.StatusOK || !slices.Equal(results(body), []string{"ok", "failed"}) {
			t.Fatalf("issue with a bad row: %d, results %v", resp.StatusCode, results(body))
		}
		expectAll(t, "the issue result", body, "dist-cust01", "dist-cust04", "只能向代售客户发放优惠券")
		list := demoCoupons(t, db, coupon.TypeCash, 0)
		if len(list) != before+1 || list[0].FaceValue != 12_50 || list[0].CustomerID != resale {
			t.Fatalf("after the issue: %d coupons, newest %+v", len(list), list[0])
		}
		if got := auditActions(t, db, partnerID(t, db, "distributor"), list[0].ID); !slices.Equal(got, []string{"coupon.issue"}) {
			t.Errorf("audit of the issue: %v", got)
		}
		// The same form submitted again issues nothing; one without its token
		// is shown again.
		if resp, _ := c.post(path, issue); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a repeated submit: %d", resp.StatusCode)
		}
		issue.Del("client")
		if resp, body := c.post(path, issue); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "name=\"client\" value=") {
			t.Errorf("a submit without its token: %d", resp.StatusCode)
		}
		if got := len(demoCoupons(t, db, coupon.TypeCash, 0)); got != before+1 {
			t.Errorf("%d coupons after the repeated submits, want %d", got, before+1)
		}
		// The refused customer is in the 发放记录 with its reason.
		if _, body := c.get("/console/cash-coupons?tab=records"); !strings.Contains(body, "失败：只能向代售客户发放优惠券") || !strings.Contains(body, "成功") {
			t.Error("the issue records lack the results")
		}
	})
}

func TestReclaimCoupons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		usable := demoCoupons(t, db, coupon.TypeCash, coupon.Usable)
		reclaimed := demoCoupons(t, db, coupon.TypeCash, coupon.Reclaimed)[0]
		one := usable[0]

		// The confirmation changes nothing.
		resp, body := c.get("/console/cash-coupons/reclaim?id=" + one.ID)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, one.Code) || !strings.Contains(body, `name="confirm"`) {
			t.Fatalf("the confirmation: %d", resp.StatusCode)
		}
		if got, _ := coupon.Get(context.Background(), db.Reader(), one.PartnerID, one.ID); got.Status != coupon.Usable {
			t.Fatal("the confirmation reclaimed the coupon")
		}
		// A reason too long is said next to its field.
		resp, body = c.post("/console/cash-coupons/reclaim", url.Values{"id": {one.ID}, "reason": {strings.Repeat("长", 201)}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("reason", "coupon.memo_long")) {
			t.Errorf("a long reason: %d", resp.StatusCode)
		}

		// Without the confirm button nothing is reclaimed.
		if resp, _ := c.post("/console/cash-coupons/reclaim", url.Values{"id": {one.ID}}); resp.StatusCode != http.StatusOK {
			t.Errorf("an unconfirmed reclaim: %d", resp.StatusCode)
		}
		if got, _ := coupon.Get(context.Background(), db.Reader(), one.PartnerID, one.ID); got.Status != coupon.Usable {
			t.Fatal("an unconfirmed submit reclaimed the coupon")
		}

		// Single.
		resp, body = c.post("/console/cash-coupons/reclaim", url.Values{"id": {one.ID}, "reason": {"测试回收"}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusOK || !slices.Equal(results(body), []string{"ok"}) || !strings.Contains(body, "回收金额 500.00 元") {
			t.Fatalf("reclaim one: %d %v", resp.StatusCode, results(body))
		}
		if got, _ := coupon.Get(context.Background(), db.Reader(), one.PartnerID, one.ID); got.Status != coupon.Reclaimed {
			t.Errorf("after reclaim: status %d", got.Status)
		}
		if got := auditActions(t, db, one.PartnerID, one.ID); !slices.Equal(got, []string{"coupon.reclaim"}) {
			t.Errorf("audit of the reclaim: %v", got)
		}

		// Batch with an already reclaimed coupon: per-row results.
		resp, body = c.post("/console/cash-coupons/reclaim", url.Values{"id": {usable[1].ID, reclaimed.ID}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusOK || !slices.Equal(results(body), []string{"ok", "failed"}) {
			t.Fatalf("batch reclaim: %d %v", resp.StatusCode, results(body))
		}

		// A used-up or expired voucher is refused and stays as it was.
		expired := demoCoupons(t, db, coupon.TypeVoucher, coupon.Expired)[0]
		resp, body = c.post("/console/vouchers/reclaim", url.Values{"id": {expired.ID}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusOK || !slices.Equal(results(body), []string{"failed"}) {
			t.Fatalf("reclaim of an expired voucher: %d %v", resp.StatusCode, results(body))
		}
		if got, _ := coupon.Get(context.Background(), db.Reader(), expired.PartnerID, expired.ID); got.Status != coupon.Expired {
			t.Errorf("the expired voucher became %d", got.Status)
		}
		if _, body := c.get("/console/vouchers/reclaim?id=" + expired.ID); !strings.Contains(body, "只有未使用完、未过期、未回收的优惠券才能回收") {
			t.Error("the confirmation does not say the voucher cannot be reclaimed")
		}
	})
}

func TestResellerQuotas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		parent := demoQuota(t, db, "distributor", coupon.VoucherQuota)
		resa, resb := partnerID(t, db, "reseller-a"), partnerID(t, db, "reseller-b")
		token := c.formToken("/console/vouchers/issued-quotas/new")
		if resp, body := c.post("/console/vouchers/issued-quotas/new", url.Values{"quota_id": {parent.ID}, "amount": {"0"}, "client": {token}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("reseller_ids", "coupon.resellers_count")) {
			t.Errorf("issue without resellers: %d", resp.StatusCode)
		}
		resp, body := c.post("/console/vouchers/issued-quotas/new", url.Values{"quota_id": {parent.ID}, "amount": {"100"}, "reseller_ids": {resa, resb}, "client": {token}})
		if resp.StatusCode != http.StatusOK || !slices.Equal(results(body), []string{"ok", "ok"}) {
			t.Fatalf("issue quotas: %d %v", resp.StatusCode, results(body))
		}
		child := demoQuota(t, db, "reseller-b", coupon.VoucherQuota)
		if resp, body := c.get("/console/vouchers/issued-quotas/reclaim?id=" + child.ID); resp.StatusCode != http.StatusOK || !strings.Contains(body, child.ID) {
			t.Fatalf("the quota reclaim confirmation: %d", resp.StatusCode)
		}
		if resp, _ := c.post("/console/vouchers/issued-quotas/reclaim", url.Values{"id": {child.ID}, "edit": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("返回修改 of the quota reclaim: %d", resp.StatusCode)
		}
		if got, _ := coupon.GetQuota(context.Background(), db.Reader(), resb, child.ID); got.Status == coupon.QuotaReclaimed {
			t.Fatal("the quota was reclaimed without the confirmation")
		}
		resp, body = c.post("/console/vouchers/issued-quotas/reclaim", url.Values{"id": {child.ID}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusOK || !slices.Equal(results(body), []string{"ok"}) {
			t.Fatalf("reclaim quota: %d %v", resp.StatusCode, results(body))
		}
		if got := auditActions(t, db, partnerID(t, db, "distributor"), child.ID); !slices.Contains(got, "coupon.quota_reclaim") {
			t.Errorf("audit of the quota reclaim: %v", got)
		}
	})
}

func TestStaffQuotas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "finance")
		reseller := partnerID(t, db, "reseller")
		resp, body := c.get("/console/staff/finance/quotas?partner=" + reseller)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "下发额度") || !strings.Contains(body, "30,000.00") {
			t.Fatalf("the quota page: %d", resp.StatusCode)
		}
		token := clientField.FindStringSubmatch(body)[1]
		if resp, body := c.post("/console/staff/finance/quotas", url.Values{"client": {token}, "partner_id": {reseller}, "type": {"1"}, "value": {"x"},
			"effective_at": {"2026-01-01"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("value", "customers.amount_number")) || !strings.Contains(body, nextTo("expires_at", "coupons.date_required")) {
			t.Errorf("a bad grant: %d", resp.StatusCode)
		}
		grant := url.Values{"client": {token}, "partner_id": {reseller}, "type": {"1"}, "value": {"888"},
			"effective_at": {"2026-01-01"}, "expires_at": {"2099-12-31"}}
		for range 2 { // the second submit of the same form grants nothing
			if resp, _ = c.post("/console/staff/finance/quotas", grant); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("grant: %d", resp.StatusCode)
			}
		}
		cashType := coupon.CashQuota
		granted, n, _ := coupon.ListQuotas(context.Background(), db.Reader(), coupon.QuotaFilter{PartnerID: reseller, Type: &cashType})
		if n != 1 || granted[0].Granted != 888_00 {
			t.Fatalf("granted %d quotas", n)
		}
		q := granted[0]
		if resp, _ := c.post("/console/staff/finance/quotas/"+q.ID+"/status", url.Values{"partner_id": {reseller}, "status": {"5"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("set status: %d", resp.StatusCode)
		}
		if resp, _ := c.post("/console/staff/finance/quotas/"+q.ID+"/status", url.Values{"partner_id": {reseller}, "status": {"6"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("an unknown status: %d", resp.StatusCode)
		}
		if got := auditActions(t, db, reseller, q.ID); !slices.Equal(got, []string{"coupon.quota_status", "coupon.quota_grant"}) {
			t.Errorf("audit: %v", got)
		}
		// A partner user may not open it.
		p := e.client()
		p.signIn("distributor")
		if resp, _ := p.get("/console/staff/finance/quotas"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a partner opens 额度管理: %d", resp.StatusCode)
		}
	})
}
