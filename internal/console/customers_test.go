package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The demo data these tests read: the distributor has dist-cust01..14, of
// which 04, 08 and 12 are referral customers, 01..05 are in the charge of
// distributor-manager and 07 is frozen; reseller-a has resa-cust01..05,
// reseller-b resb-cust01..04, the independent reseller reseller-cust01..06;
// free-account-01..03 belong to nobody.

func customerID(t *testing.T, db *store.DB, domainName string) string {
	t.Helper()
	var id string
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT id FROM customers WHERE domain_name = ?`, domainName).Scan(&id); err != nil {
		t.Fatalf("customer %s: %v", domainName, err)
	}
	return id
}

func partnerID(t *testing.T, db *store.DB, name string) string {
	t.Helper()
	p, err := partner.GetByName(context.Background(), db.Reader(), name)
	if err != nil {
		t.Fatalf("partner %s: %v", name, err)
	}
	return p.ID
}

func customerBalance(t *testing.T, db *store.DB, id string) int64 {
	t.Helper()
	b, _, err := funds.CustomerBalance(context.Background(), db.Reader(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nextTo is the markup of a field's message.
func nextTo(field, key string, args ...any) string {
	return `id="f-` + field + `-msg">` + i18n.T(i18n.ZH, key, args...) + `</p>`
}

var (
	clientField = regexp.MustCompile(`name="client" value="([^"]+)"`)
	inviteLink  = regexp.MustCompile(`/(invite|unbind)/([A-Za-z0-9_-]+)"`)
	totalCount  = regexp.MustCompile(`共 (\d+) 条`)
)

// formToken opens a form page and returns the token the form carries.
func (c *client) formToken(path string) string {
	c.e.t.Helper()
	resp, body := c.get(path)
	m := clientField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		c.e.t.Fatalf("%s: %d, no form token", path, resp.StatusCode)
	}
	return m[1]
}

// total is the row count a list page says.
func total(body string) string {
	if m := totalCount.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return "?"
}

// linkOf is the path of the customer's link on a link page.
func linkOf(t *testing.T, body string) string {
	t.Helper()
	m := inviteLink.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no customer link on the page:\n%s", body)
	}
	return "/" + m[1] + "/" + m[2]
}

func auditActions(t *testing.T, db *store.DB, partnerID, objectID string) []string {
	t.Helper()
	entries, _, err := audit.List(context.Background(), db.Reader(), audit.Filter{PartnerID: partnerID, ObjectID: objectID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

func TestCustomerListFiltersAndTabs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		for _, tc := range []struct {
			query, total string
			has, hasNot  []string
		}{
			{"", "14", []string{"我的客户", "二级经销商客户", "dist-cust01", "新建客户", "邀请客户", ">拨款<", ">分配客户经理<", ">解除关联<"}, []string{"resa-cust01"}},
			{"?account_name=cust01", "1", []string{"dist-cust01"}, []string{"dist-cust02"}},
			{"?association_type=1", "3", []string{"dist-cust04", "顾问销售"}, []string{"dist-cust01<"}},
			{"?manager=" + principal(t, e, "distributor-manager").UserID, "5", []string{"客户经理 王敏"}, []string{"dist-cust06"}},
			{"?real_name=" + url.QueryEscape("宁波海港"), "1", []string{"dist-cust02"}, nil},
			{"?from=2000-01-01&to=2000-12-31", "0", []string{"暂无数据"}, nil},
			{"?tab=resellers", "9", []string{"resa-cust01", "resb-cust01", "杭州云联科技有限公司"}, []string{"dist-cust01", ">拨款<"}},
			{"?tab=resellers&indirect=" + partnerID(t, db, "reseller-a"), "5", []string{"resa-cust05"}, []string{"resb-cust01"}},
		} {
			resp, body := c.get("/console/customers" + tc.query)
			if resp.StatusCode != http.StatusOK || total(body) != tc.total {
				t.Errorf("%q: status %d, %s customers; want %s", tc.query, resp.StatusCode, total(body), tc.total)
			}
			for _, s := range tc.has {
				if !strings.Contains(body, s) {
					t.Errorf("%q: the page lacks %q", tc.query, s)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(body, s) {
					t.Errorf("%q: the page shows %q", tc.query, s)
				}
			}
		}
		// A malformed condition is said next to its field.
		if _, body := c.get("/console/customers?from=2026-13-40"); !strings.Contains(body, nextTo("from", "audit.date_invalid")) {
			t.Error("a malformed date has no message next to it")
		}
		// Acting for a partner that is not one of its resellers: not found.
		if resp, _ := c.get("/console/customers?tab=resellers&indirect=" + partnerID(t, db, "reseller")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner's customers: %d", resp.StatusCode)
		}
		// A reseller's customer opens acting for the reseller, without operations.
		resa := customerID(t, db, "resa-cust01")
		if resp, body := c.get("/console/customers/" + resa + "?indirect=" + partnerID(t, db, "reseller-a")); resp.StatusCode != http.StatusOK ||
			!strings.Contains(body, "杭州云联科技有限公司") || strings.Contains(body, "/allocate") {
			t.Errorf("a reseller's customer: %d", resp.StatusCode)
		}

		// A reseller has no tabs and sees its own customers.
		r := e.client()
		r.signIn("reseller")
		if _, body := r.get("/console/customers"); total(body) != "6" || strings.Contains(body, "二级经销商客户") {
			t.Errorf("the reseller's list: %s customers, tabs shown: %v", total(body), strings.Contains(body, "二级经销商客户"))
		}
	})
}

func TestCustomerManagerSeesOnlyItsCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, m := signedIn(t, db, "distributor-manager")
		resp, body := m.get("/console/customers")
		if resp.StatusCode != http.StatusOK || total(body) != "5" {
			t.Fatalf("the manager's list: %d, %s customers", resp.StatusCode, total(body))
		}
		// Its 更多 menu holds 查看资源 only (resources_test.go).
		for _, s := range []string{"新建客户", "邀请客户", "二级经销商客户", ">分配客户经理<", ">冻结<", "/allocate", `name="manager"`} {
			if strings.Contains(body, s) {
				t.Errorf("the manager's list offers %q", s)
			}
		}
		if resp, _ := m.get("/console/customers/" + customerID(t, db, "dist-cust01")); resp.StatusCode != http.StatusOK {
			t.Errorf("its own customer's details: %d", resp.StatusCode)
		}
		other := customerID(t, db, "dist-cust06")
		if resp, _ := m.get("/console/customers/" + other); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a customer of its partner not in its charge: %d, want 404", resp.StatusCode)
		}
		for _, path := range []string{"/allocate", "/freeze", "/manager", "/unbind"} {
			if resp, _ := m.get("/console/customers/" + customerID(t, db, "dist-cust01") + path); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s by the manager: %d, want 403", path, resp.StatusCode)
			}
		}
		if resp, _ := m.get("/console/customers/new"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("新建客户 by the manager: %d", resp.StatusCode)
		}
	})
}

func TestCustomerOfAnotherTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		for _, name := range []string{"reseller-cust01", "resa-cust01", "free-account-01"} {
			id := customerID(t, db, name)
			before := customerBalance(t, db, id)
			for _, path := range []string{"", "/manager", "/freeze", "/allocate", "/reclaim", "/unbind", "/switch-type"} {
				if resp, body := c.get("/console/customers/" + id + path); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "页面不存在") {
					t.Errorf("GET %s%s: %d, want the not-found page", name, path, resp.StatusCode)
				}
			}
			for _, path := range []string{"/freeze", "/allocate", "/unbind"} {
				resp, _ := c.post("/console/customers/"+id+path, url.Values{"mode": {"1"}, "reason": {"x"}, "amount": {"1"},
					"client": {"abcdefghijklmnopqrstuv"}, "confirm": {"1"}})
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("POST %s%s: %d, want 404", name, path, resp.StatusCode)
				}
			}
			if after := customerBalance(t, db, id); after != before {
				t.Errorf("%s: balance moved from %d to %d", name, before, after)
			}
		}
	})
}

func TestFreezeRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		resale, referral, frozen := customerID(t, db, "dist-cust02"), customerID(t, db, "dist-cust04"), customerID(t, db, "dist-cust07")

		// The 更多 menu offers 冻结 for a resale customer, 解冻 for a frozen one, neither for a referral one.
		_, body := c.get("/console/customers")
		for id, want := range map[string]string{resale: "/freeze", frozen: "/unfreeze"} {
			if !strings.Contains(body, `href="/console/customers/`+id+want+`"`) {
				t.Errorf("the menu of %s lacks %s", id, want)
			}
		}
		if strings.Contains(body, referral+"/freeze") || strings.Contains(body, referral+"/allocate") {
			t.Error("a referral customer's menu offers 冻结 or 拨款")
		}

		resp, body := c.post("/console/customers/"+resale+"/freeze", url.Values{"mode": {"1"}, "reason": {""}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("reason", "customer.freeze_reason_required")) {
			t.Errorf("no reason: %d, no message next to the reason", resp.StatusCode)
		}
		resp, body = c.post("/console/customers/"+referral+"/freeze", url.Values{"mode": {"1"}, "reason": {"欠费"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "customer.freeze_referral")) {
			t.Errorf("freezing a referral customer: %d", resp.StatusCode)
		}
		resp, body = c.post("/console/customers/"+frozen+"/freeze", url.Values{"mode": {"2"}, "reason": {"欠费"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "customer.already_frozen")) {
			t.Errorf("freezing a frozen customer: %d", resp.StatusCode)
		}
		if got := auditActions(t, db, dist, resale); len(got) != 0 {
			t.Errorf("refused freezes were recorded: %v", got)
		}

		resp, _ = c.post("/console/customers/"+resale+"/freeze", url.Values{"mode": {"2"}, "reason": {"欠费未结清"}, "back": {"/console/customers?association_type=2"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/customers?association_type=2" {
			t.Fatalf("freeze: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, body := c.get("/console/customers/" + resale); !strings.Contains(body, "已冻结（账号和资源）") || !strings.Contains(body, "欠费未结清") {
			t.Error("the details do not show the freeze and its reason")
		}
		// A frozen customer cannot be unbound.
		if resp, body := c.post("/console/customers/"+resale+"/unbind", url.Values{}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, i18n.T(i18n.ZH, "funds.unbind_frozen")) {
			t.Errorf("unbinding a frozen customer: %d", resp.StatusCode)
		}
		if resp, _ := c.post("/console/customers/"+resale+"/unfreeze", url.Values{"reason": {"已结清"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("unfreeze: %d", resp.StatusCode)
		}
		if got := strings.Join(auditActions(t, db, dist, resale), ","); got != "customer.unfreeze,customer.freeze" {
			t.Errorf("audit entries %s", got)
		}
		if _, body := c.get("/console/audit?action=customer.freeze"); !strings.Contains(body, "冻结客户") ||
			!strings.Contains(body, `冻结状态:</span> <del>正常</del> → 已冻结（账号和资源）`) {
			t.Error("the audit log does not show the freeze in words")
		}
	})
}

func TestAllocateAndReclaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		id := customerID(t, db, "dist-cust02")
		path := "/console/customers/" + id + "/allocate"
		start := customerBalance(t, db, id)
		partnerBefore, _ := funds.PartnerBalances(ctx, db.Reader(), dist)

		token := c.formToken(path)
		for _, bad := range []struct{ amount, confirm, want string }{
			{"", "", i18n.T(i18n.ZH, "customers.amount_number")},
			{"abc", "1", i18n.T(i18n.ZH, "customers.amount_number")},
			{"12.345", "", i18n.T(i18n.ZH, "customers.amount_precision")},
			{"12.345", "1", i18n.T(i18n.ZH, "customers.amount_precision")},
			{"0", "", i18n.T(i18n.ZH, "funds.amount_positive")},
			{"-5", "1", i18n.T(i18n.ZH, "funds.amount_positive")},
			// Above what the partner has: said before the confirmation, and
			// refused by the move itself after it.
			{"99999999999", "", "金额不能超过可用余额"},
			{"99999999999", "1", i18n.T(i18n.ZH, "ledger.insufficient")},
		} {
			resp, body := c.post(path, url.Values{"amount": {bad.amount}, "memo": {"测试"}, "client": {token}, "confirm": {bad.confirm}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-amount-msg">`+bad.want) {
				t.Errorf("amount %q (confirm %q): %d, no %q next to the amount", bad.amount, bad.confirm, resp.StatusCode, bad.want)
			}
		}
		if resp, body := c.post(path, url.Values{"amount": {"10"}, "memo": {strings.Repeat("长", 201)}, "client": {token}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("memo", "funds.memo_long")) {
			t.Errorf("a long memo: %d", resp.StatusCode)
		}
		if got := customerBalance(t, db, id); got != start {
			t.Fatalf("bad amounts moved money: %d → %d", start, got)
		}

		// The first submit shows the amount to confirm and moves nothing.
		form := url.Values{"amount": {"1234.5"}, "memo": {"四月预算"}, "client": {token}}
		resp, body := c.post(path, form)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<dd>1,234.50</dd>`) || !strings.Contains(body, `<dd>四月预算</dd>`) ||
			customerBalance(t, db, id) != start {
			t.Fatalf("confirmation page: %d", resp.StatusCode)
		}
		// Confirmed twice (a double click): paid once.
		form.Set("confirm", "1")
		for i, flash := range []string{"拨款成功：1,234.50 元", i18n.T(i18n.ZH, "funds.submitted_before")} {
			resp, _ = c.post(path, form)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("confirmed submit %d: %d", i+1, resp.StatusCode)
			}
			if _, body := c.get(resp.Header.Get("Location")); !strings.Contains(body, flash) {
				t.Errorf("after confirmed submit %d the page does not say %q", i+1, flash)
			}
		}
		if got := customerBalance(t, db, id); got != start+123450 {
			t.Errorf("after a double submit the balance is %d, want %d", got, start+123450)
		}
		partnerAfter, _ := funds.PartnerBalances(ctx, db.Reader(), dist)
		if spent := partnerBefore.Recharge - partnerAfter.Recharge; spent != 123450 {
			t.Errorf("the partner paid %d", spent)
		}
		if got := strings.Join(auditActions(t, db, dist, id), ","); got != "customer.allocate" {
			t.Errorf("audit entries %s, want one allocation", got)
		}
		// Another form of another user cannot replay it.
		adjust, n, _ := funds.Adjustments(ctx, db.Reader(), funds.AdjustmentFilter{PartnerID: dist, CustomerID: id, Limit: 1})
		if n == 0 || adjust[0].Memo != "四月预算" || adjust[0].Operator != "distributor" {
			t.Errorf("调账记录 %+v", adjust)
		}
		if _, body := c.get("/console/customers/" + id); !strings.Contains(body, "四月预算") || !strings.Contains(body, "1,234.50") {
			t.Error("the details do not list the adjustment")
		}

		// 回收: never more than the customer's available balance.
		rpath := "/console/customers/" + id + "/reclaim"
		rtoken := c.formToken(rpath)
		over := url.Values{"amount": {"99999999"}, "client": {rtoken}}
		if resp, body := c.post(rpath, over); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-amount-msg">金额不能超过可用余额`) {
			t.Errorf("reclaim above the balance: %d", resp.StatusCode)
		}
		over.Set("confirm", "1")
		if resp, body := c.post(rpath, over); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("amount", "ledger.insufficient")) {
			t.Errorf("confirmed reclaim above the balance: %d", resp.StatusCode)
		}
		if resp, _ := c.post(rpath, url.Values{"amount": {"34.50"}, "client": {rtoken}, "confirm": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("reclaim: %d", resp.StatusCode)
		}
		if got := customerBalance(t, db, id); got != start+123450-3450 {
			t.Errorf("after the reclaim: %d", got)
		}
		// A forged token is refused.
		if resp, body := c.post(path, url.Values{"amount": {"1"}, "client": {"x"}, "confirm": {"1"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, i18n.T(i18n.ZH, "customers.form_stale")) {
			t.Errorf("a forged form token: %d", resp.StatusCode)
		}
		// A referral customer has no 拨款.
		if resp, _ := c.get("/console/customers/" + customerID(t, db, "dist-cust04") + "/allocate"); resp.StatusCode == http.StatusOK {
			t.Error("a referral customer's 拨款 page opened")
		}
	})
}

func TestCreateAndInviteCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		for name, key := range map[string]string{"abc": "customer.domain_name_length", "12345678": "customer.domain_name_digits",
			"op_customer": "customer.domain_name_prefix", "dist-cust01": "customer.domain_name_taken"} {
			resp, body := c.post("/console/customers/new", url.Values{"domain_name": {name}, "customer_type": {"1"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("domain_name", key)) {
				t.Errorf("account name %q: %d, no %s next to it", name, resp.StatusCode, key)
			}
		}
		if resp, body := c.post("/console/customers/new", url.Values{"domain_name": {"new-customer"}, "customer_type": {"1"}, "mobile_phone": {"123"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("mobile_phone", "customer.mobile_invalid")) {
			t.Errorf("bad mobile: %d", resp.StatusCode)
		}
		resp, _ := c.post("/console/customers/new", url.Values{"domain_name": {"new-customer"}, "real_name": {"新客户有限公司"}, "customer_type": {"1"}, "label": {"华东"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", resp.StatusCode)
		}
		if _, body := c.get("/console/customers?label=" + url.QueryEscape("华东")); total(body) != "1" || !strings.Contains(body, "客户已创建：new-customer") {
			t.Errorf("the created customer: %s rows", total(body))
		}
		if got := auditActions(t, db, dist, customerID(t, db, "new-customer")); len(got) != 1 || got[0] != "customer.create" {
			t.Errorf("audit %v", got)
		}

		// Invitations: the customer opens the link without a session.
		resp, body := c.post("/console/customers/invite", url.Values{"domain_name": {"reseller-cust01"}, "association_type": {"2"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("domain_name", "customer.associated_elsewhere")) {
			t.Errorf("inviting another partner's customer: %d", resp.StatusCode)
		}
		resp, body = c.post("/console/customers/invite", url.Values{"domain_name": {"free-account-01"}, "association_type": {"1"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("invite: %d", resp.StatusCode)
		}
		link := linkOf(t, body)
		visitor := e.client()
		resp, body = visitor.get(link)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "华东云总经销有限公司") || !strings.Contains(body, "顾问销售") || !strings.Contains(body, ">接受<") {
			t.Fatalf("the invitation page: %d\n%s", resp.StatusCode, body)
		}
		// A partner user signed in in the same browser sees the customer's page.
		if _, body := c.get(link); strings.Contains(body, `class="topnav"`) || !strings.Contains(body, ">接受<") {
			t.Error("the link page shows the console's navigation to a signed-in user")
		}
		// The language switch returns to the link page.
		if resp, _ := visitor.post("/console/locale", url.Values{"lang": {"en"}, "next": {link}}); resp.Header.Get("Location") != link {
			t.Errorf("the language switch leads to %q", resp.Header.Get("Location"))
		}
		if _, body := visitor.get(link); !strings.Contains(body, "invites your account to become its customer") {
			t.Error("the link page is not in the chosen language")
		}
		visitor.post("/console/locale", url.Values{"lang": {"zh-CN"}, "next": {link}})
		if resp, _ := visitor.post(link, url.Values{}, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a cross-site accept: %d", resp.StatusCode)
		}
		if resp, body := visitor.post(link, url.Values{}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "您已接受邀请") {
			t.Errorf("accept: %d", resp.StatusCode)
		}
		if _, body := c.get("/console/customers?account_name=free-account-01"); total(body) != "1" {
			t.Error("the accepted customer is not in the list")
		}
		if resp, body := visitor.post(link, url.Values{}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "该链接已被使用") {
			t.Errorf("accepting twice: %d", resp.StatusCode)
		}
		if resp, body := visitor.get(link); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "该链接已被使用") {
			t.Errorf("a used link: %d", resp.StatusCode)
		}
		if resp, body := visitor.get("/invite/forged-token-0123456789"); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "该链接无效") {
			t.Errorf("a forged link: %d", resp.StatusCode)
		}
		free := customerID(t, db, "free-account-01")
		if got := strings.Join(auditActions(t, db, dist, free), ","); got != "customer.associate,customer.invite" {
			t.Errorf("audit %s", got)
		}

		// An expired link changes nothing.
		_, body = c.post("/console/customers/invite", url.Values{"domain_name": {"free-account-02"}, "association_type": {"2"}})
		link = linkOf(t, body)
		now := db.Now
		db.Now = func() time.Time { return now().AddDate(0, 0, 8) }
		defer func() { db.Now = now }()
		if resp, body := visitor.get(link); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "该链接已过期") {
			t.Errorf("an expired link: %d", resp.StatusCode)
		}
		if resp, _ := visitor.post(link, url.Values{}); resp.StatusCode != http.StatusConflict {
			t.Errorf("accepting an expired link: %d", resp.StatusCode)
		}
		db.Now = now
		if _, body := c.get("/console/customers?account_name=free-account-02"); total(body) != "0" {
			t.Error("an expired invitation associated the account")
		}

		// 切换关联类型: the customer confirms on the same page.
		id := customerID(t, db, "dist-cust06")
		resp, body = c.post("/console/customers/"+id+"/switch-type", url.Values{"association_type": {"1"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("switch type: %d", resp.StatusCode)
		}
		link = linkOf(t, body)
		if _, body := visitor.get(link); !strings.Contains(body, "切换关联类型") || !strings.Contains(body, "顾问销售") {
			t.Error("the switch page does not say what changes")
		}
		if resp, body := visitor.post(link, url.Values{}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "关联类型已切换为顾问销售") {
			t.Errorf("confirm the switch: %d", resp.StatusCode)
		}
	})
}

func TestUnbindReturnsTheBalance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		id := customerID(t, db, "dist-cust03")
		balance := customerBalance(t, db, id)
		if balance <= 0 {
			t.Fatalf("the demo customer has no balance to return: %d", balance)
		}
		// Only the main account is offered, and may, unbind.
		f := e.client()
		f.signIn("distributor-finance")
		if _, body := f.get("/console/customers"); strings.Contains(body, "/unbind") {
			t.Error("a sub-account is offered 解除关联")
		}
		c.post("/console/org/users/new", url.Values{"username": {"dist-admin"}, "roles": {"admin"}, "password": {"Admin@2026"}})
		admin := e.client()
		admin.post("/console/signin", url.Values{"username": {"dist-admin"}, "password": {"Admin@2026"}})
		if resp, _ := admin.get("/console/customers/" + id + "/unbind"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an admin sub-account on the unbinding page: %d", resp.StatusCode)
		}
		if _, body := admin.get("/console/customers"); strings.Contains(body, "/unbind") || !strings.Contains(body, "/freeze") {
			t.Error("an admin sub-account is offered 解除关联, or not 冻结")
		}
		resp, body := c.get("/console/customers/" + id + "/unbind")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, money.Format(balance)) {
			t.Fatalf("the unbinding page: %d, balance %s not shown", resp.StatusCode, money.Format(balance))
		}
		resp, body = c.post("/console/customers/"+id+"/unbind", url.Values{})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request: %d", resp.StatusCode)
		}
		link := linkOf(t, body)
		if resp, body := c.post("/console/customers/"+id+"/unbind", url.Values{}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, i18n.T(i18n.ZH, "funds.unbind_too_often")) {
			t.Errorf("a second request: %d", resp.StatusCode)
		}

		before, _ := funds.PartnerBalances(ctx, db.Reader(), dist)
		visitor := e.client()
		if resp, body := visitor.get(link); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="unbind-amount">`+money.Format(balance)+`<`) ||
			!strings.Contains(body, "确认解除关联") {
			t.Fatalf("the confirmation page: %d", resp.StatusCode)
		}
		if resp, body := visitor.post(link, url.Values{}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "已解除与 华东云总经销有限公司 的关联") {
			t.Fatalf("confirm: %d", resp.StatusCode)
		}
		after, _ := funds.PartnerBalances(ctx, db.Reader(), dist)
		if got := (after.Recharge - before.Recharge) + (after.CreditAvailable - before.CreditAvailable); got != balance {
			t.Errorf("the partner got back %d, want %d", got, balance)
		}
		if got := customerBalance(t, db, id); got != 0 {
			t.Errorf("the customer keeps %d", got)
		}
		if resp, _ := c.get("/console/customers/" + id); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the unbound customer's page: %d", resp.StatusCode)
		}
		if resp, body := visitor.post(link, url.Values{}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, i18n.T(i18n.ZH, "funds.unbind_done")) {
			t.Errorf("confirming twice: %d", resp.StatusCode)
		}
		if got := strings.Join(auditActions(t, db, dist, id), ","); got != "customer.unbind,customer.unbind_request" {
			t.Errorf("audit %s", got)
		}
	})
}

func TestCustomerManagerAssignment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		id := customerID(t, db, "dist-cust06")
		mgr := principal(t, e, "distributor-manager")
		if resp, body := c.post("/console/customers/"+id+"/manager", url.Values{"manager": {mgr.UserID}, "from": {"2000-01-01"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("from", "customer.manager_from_past")) {
			t.Errorf("a start in the past: %d", resp.StatusCode)
		}
		if resp, _ := c.post("/console/customers/"+id+"/manager", url.Values{"manager": {mgr.UserID}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("assign: %d", resp.StatusCode)
		}
		if _, body := c.get("/console/customers/" + id); !strings.Contains(body, "客户经理 王敏") || !strings.Contains(body, "至今") {
			t.Error("the details do not show the manager period")
		}
		m := e.client()
		m.signIn("distributor-manager")
		if _, body := m.get("/console/customers"); total(body) != "6" || !strings.Contains(body, "dist-cust06") {
			t.Errorf("the manager sees %s customers after the assignment", total(body))
		}
	})
}
