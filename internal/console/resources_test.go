package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partnercenter/internal/auth"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// resourceSeed is a customer of a demo partner with resources: two
// 包年/包月 VMs bought for a month and paid from the balance, and a
// pay-per-use disk.
type resourceSeed struct {
	partnerID, customerID string
	web, db, disk         *order.Resource
	product               *catalogue.Product
	bigger, smaller       *catalogue.Product // other specs of the product's resource type
}

// seedResources creates a resale customer of a demo partner, in the charge
// of manager when one is named, gives it 1,000 yuan and buys its resources.
func seedResources(t testing.TB, db *store.DB, partnerName, customerName, manager string) *resourceSeed {
	t.Helper()
	ctx := context.Background()
	s := &resourceSeed{}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		p, err := partner.GetByName(ctx, tx, partnerName)
		if err != nil {
			return err
		}
		s.partnerID = p.ID
		cu, err := customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: customerName}, false)
		if err != nil {
			return err
		}
		id := cu.ID
		s.customerID = id
		if manager != "" {
			u, err := auth.GetUserByUsername(ctx, tx, manager)
			if err != nil {
				return err
			}
			if _, _, err := customer.AssignManager(ctx, tx, p.ID, id, u.ID, tx.Now); err != nil {
				return err
			}
		}
		if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: "hws.service.type.ec2", NameZh: "弹性云服务器", NameEn: "ECS"}); err != nil {
			return err
		}
		if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: "hws.service.type.ebs", NameZh: "云硬盘", NameEn: "EVS"}); err != nil {
			return err
		}
		if err := catalogue.SaveRegion(ctx, tx, catalogue.Region{Code: "cn-north-4", NameZh: "华北-北京四", NameEn: "CN North-Beijing4"}); err != nil {
			return err
		}
		s.product = &catalogue.Product{ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm", ResourceTypeZh: "云主机",
			ResourceTypeEn: "VM", SpecCode: "rt.c6.large", SpecZh: "通用计算型 2核4G", SpecEn: "General 2 vCPU 4 GiB", MonthlyPrice: 100_00,
			YearlyPrice: 1000_00, OnSale: true}
		if err := catalogue.Save(ctx, tx, s.product); err != nil {
			return err
		}
		for _, spec := range []struct {
			code    string
			monthly int64
			into    **catalogue.Product
		}{{"rt.c6.xlarge", 200_00, &s.bigger}, {"rt.c6.medium", 50_00, &s.smaller}} {
			p := *s.product
			p.ID, p.SpecCode, p.SpecZh, p.SpecEn, p.MonthlyPrice, p.YearlyPrice = "", spec.code, spec.code, spec.code, spec.monthly, spec.monthly*10
			if err := catalogue.Save(ctx, tx, &p); err != nil {
				return err
			}
			*spec.into = &p
		}
		disk := &catalogue.Product{ServiceTypeCode: "hws.service.type.ebs", ResourceTypeCode: "hws.resource.type.volume", ResourceTypeZh: "云硬盘",
			ResourceTypeEn: "Volume", SpecCode: "rt.sata.100g", SpecZh: "普通IO 100GB", SpecEn: "SATA 100 GB", UsageUnit: "hour", UsageRate: 1_234_567,
			OnSale: true}
		if err := catalogue.Save(ctx, tx, disk); err != nil {
			return err
		}
		if _, err := funds.Recharge(ctx, tx, s.partnerID, 10_000_00, "bank_transfer", "", ""); err != nil {
			return err
		}
		if _, err := funds.Allocate(ctx, tx, s.partnerID, id, 1_000_00, "", "tester", ""); err != nil {
			return err
		}
		if err := order.RecordGrant(ctx, tx, s.partnerID, id); err != nil {
			return err
		}
		line := func(name string) order.LineRequest {
			return order.LineRequest{ProductID: s.product.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodMonth, PeriodNum: 1, Quantity: 1, Name: name}
		}
		o, err := order.Create(ctx, tx, order.NewOrder{Scope: customer.PartnerScope(s.partnerID), CustomerID: id,
			Lines: []order.LineRequest{line("web-1"), line("db-1")}, CreatedBy: "tester"})
		if err != nil {
			return err
		}
		if o, err = order.Pay(ctx, tx, order.PayRequest{Scope: customer.PartnerScope(s.partnerID), OrderID: o.ID}); err != nil {
			return err
		}
		if s.web, err = order.GetResource(ctx, tx, customer.PartnerScope(s.partnerID), o.Lines[0].ResourceID); err != nil {
			return err
		}
		if s.db, err = order.GetResource(ctx, tx, customer.PartnerScope(s.partnerID), o.Lines[1].ResourceID); err != nil {
			return err
		}
		s.disk, err = order.LaunchPayPerUse(ctx, tx, s.partnerID, id, disk.ID, "cn-north-4", "data-disk", 1)
		return err
	})
	if err != nil {
		t.Fatalf("seed resources: %v", err)
	}
	return s
}

func (s *resourceSeed) resource(t testing.TB, db *store.DB, id string) *order.Resource {
	t.Helper()
	r, err := order.GetResource(context.Background(), db.Reader(), customer.PartnerScope(s.partnerID), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *resourceSeed) path() string { return "/console/customers/" + s.customerID + "/resources" }

func countOrders(t testing.TB, db *store.DB, customerID string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM customer_orders WHERE customer_id = ?`, customerID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestResourcesListAndQueryConditions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		s := seedResources(t, db, "distributor", "res-buyer-01", "distributor-manager")
		_, list := c.get("/console/customers?account_name=res-buyer-01")
		if !strings.Contains(list, `href="`+s.path()+`">查看资源<`) {
			t.Fatalf("the 更多 menu has no 查看资源:\n%s", list)
		}
		for _, tc := range []struct {
			query, total string
			has, hasNot  []string
		}{
			{"", "3", []string{"web-1", "db-1", "data-disk", "弹性云服务器", "rt.c6.large 通用计算型 2核4G", "华北-北京四", "包年/包月", "按需", "使用中", ">续费<", ">退订<", "开通自动续费"}, nil},
			{"?charging_mode=3", "1", []string{"data-disk"}, []string{"web-1"}},
			{"?name=WEB", "1", []string{"web-1"}, []string{"db-1"}},
			{"?resource_id=" + s.db.ID, "1", []string{"db-1"}, []string{"web-1"}},
			{"?service_type=hws.service.type.ebs", "1", []string{"data-disk"}, nil},
			{"?spec=rt.c6.large&region=cn-north-4", "2", []string{"web-1", "db-1"}, []string{"data-disk<"}},
			{"?status=closed", "0", []string{"暂无数据"}, nil},
			{"?status=active&auto_renew=0&charging_mode=1", "2", []string{"web-1"}, nil},
			{"?expires_from=2000-01-01&expires_to=2000-01-31", "0", nil, nil},
		} {
			resp, body := c.get(s.path() + tc.query)
			if resp.StatusCode != http.StatusOK || total(body) != tc.total {
				t.Errorf("%s: status %d, total %s, want %s", tc.query, resp.StatusCode, total(body), tc.total)
			}
			for _, want := range tc.has {
				if !strings.Contains(body, want) {
					t.Errorf("%s: no %q", tc.query, want)
				}
			}
			for _, not := range tc.hasNot {
				if strings.Contains(body, not) {
					t.Errorf("%s: unexpected %q", tc.query, not)
				}
			}
		}
		resp, body := c.get(s.path() + "?status=gone&expires_from=2026-02-01&expires_to=2026-01-01")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("status", "resources.choose_listed")) ||
			!strings.Contains(body, nextTo("expires_to", "audit.range_invalid")) {
			t.Errorf("bad conditions: %d\n%s", resp.StatusCode, body)
		}

		// In English, with the catalogue's English names.
		en := e.client()
		en.signIn("distributor")
		en.post("/console/locale", url.Values{"lang": {"en"}, "next": {s.path()}})
		if _, body := en.get(s.path()); !strings.Contains(body, "<h1>Resources</h1>") || !strings.Contains(body, "Yearly/monthly") ||
			!strings.Contains(body, "Pay-per-use") || !strings.Contains(body, "In use") || !strings.Contains(body, "General 2 vCPU 4 GiB") ||
			!strings.Contains(body, "CN North-Beijing4") || !strings.Contains(body, "Turn on auto-renewal") {
			t.Errorf("the English page:\n%s", body)
		}

		// A customer manager sees the resources of the customers in its
		// charge, without the actions; another partner sees nothing.
		m := e.client()
		m.signIn("distributor-manager")
		if resp, body := m.get(s.path()); resp.StatusCode != http.StatusOK || total(body) != "3" || strings.Contains(body, ">续费<") {
			t.Errorf("the manager's view: %d, total %s", resp.StatusCode, total(body))
		}
		if resp, _ := m.get(s.path() + "/renew?rid=" + s.web.ID); resp.StatusCode != http.StatusForbidden {
			t.Errorf("the manager renews: %d", resp.StatusCode)
		}
		if resp, _ := m.get("/console/customers/" + customerID(t, db, "dist-cust06") + "/resources"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the manager reads a customer not in its charge: %d", resp.StatusCode)
		}
		other := e.client()
		other.signIn("reseller")
		if resp, _ := other.get(s.path()); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner reads the resources: %d", resp.StatusCode)
		}
		// A resource of another customer under this customer's path.
		if resp, _ := c.get("/console/customers/" + customerID(t, db, "dist-cust02") + "/resources/unsubscribe?rid=" + s.web.ID); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a resource under another customer: %d", resp.StatusCode)
		}
	})
}

func TestResourcesUnsubscribeRefundsToTheBalance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor-finance")
		s := seedResources(t, db, "distributor", "res-buyer-01", "distributor-manager")
		before := customerBalance(t, db, s.customerID)
		if before != 800_00 {
			t.Fatalf("balance after the purchase: %d", before)
		}
		back := s.path() + "?name=web"
		resp, body := c.get(s.path() + "/unsubscribe?rid=" + s.web.ID)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "web-1") || !strings.Contains(body, "退回客户余额") {
			t.Fatalf("the confirmation: %d\n%s", resp.StatusCode, body)
		}
		token := clientField.FindStringSubmatch(body)[1]
		// The month was paid at once: nearly all of it comes back.
		i := strings.Index(body, `id="refund-total">`)
		quoted := body[i+len(`id="refund-total">`):]
		quoted = quoted[:strings.Index(quoted, "<")]
		if quoted != "99.99" && quoted != "100.00" {
			t.Fatalf("the quoted refund is %q", quoted)
		}
		if got := customerBalance(t, db, s.customerID); got != before {
			t.Fatalf("the quote changed the balance: %d", got)
		}
		form := url.Values{"client": {token}, "rid": {s.web.ID}, "back": {back}, "reason": {"不再需要"}, "confirm": {"1"}}
		resp, _ = c.post(s.path()+"/unsubscribe", form)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != back {
			t.Fatalf("unsubscribe: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		refund, _ := money.Parse(quoted)
		after := customerBalance(t, db, s.customerID)
		if after-before < refund-1 || after-before > refund {
			t.Errorf("the balance went from %d to %d, the quote said %d", before, after, refund)
		}
		if r := s.resource(t, db, s.web.ID); r.Status != order.ResourceClosed {
			t.Errorf("the resource is %s", r.Status)
		}
		_, body = c.get(back)
		if !strings.Contains(body, "退订成功") || !strings.Contains(body, "已关闭") {
			t.Errorf("after unsubscribing:\n%s", body)
		}
		if got := auditActions(t, db, s.partnerID, ""); !containsString(got, "resource.unsubscribe") {
			t.Errorf("audit: %v", got)
		}
		// The same form again changes nothing.
		resp, _ = c.post(s.path()+"/unsubscribe", form)
		if resp.StatusCode != http.StatusSeeOther || customerBalance(t, db, s.customerID) != after {
			t.Errorf("a repeated submit: %d, balance %d", resp.StatusCode, customerBalance(t, db, s.customerID))
		}
		// A released resource cannot be unsubscribed again: said, and nothing changes.
		resp, body = c.get(s.path() + "/unsubscribe?rid=" + s.web.ID + "&rid=" + s.db.ID)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "web-1: "+i18n.T(i18n.ZH, "order.resource_closed")) || strings.Contains(body, `name="confirm"`) {
			t.Errorf("unsubscribing a released resource:\n%s", body)
		}
		resp, body = c.post(s.path()+"/unsubscribe", url.Values{"client": {newToken(t, c, s.path()+"/unsubscribe?rid="+s.db.ID)},
			"rid": {s.web.ID, s.db.ID}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "resources.nothing_changed")) {
			t.Errorf("unsubscribing a released one with another: %d", resp.StatusCode)
		}
		if r := s.resource(t, db, s.db.ID); r.Status != order.ResourceActive || customerBalance(t, db, s.customerID) != after {
			t.Errorf("a refused batch changed something: %s", r.Status)
		}
		// The pay-per-use disk is released without a refund.
		resp, _ = c.post(s.path()+"/unsubscribe", url.Values{"client": {newToken(t, c, s.path()+"/unsubscribe?rid="+s.disk.ID)},
			"rid": {s.disk.ID}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusSeeOther || s.resource(t, db, s.disk.ID).Status != order.ResourceClosed || customerBalance(t, db, s.customerID) != after {
			t.Errorf("unsubscribing the pay-per-use disk: %d", resp.StatusCode)
		}
	})
}

func newToken(t testing.TB, c *client, path string) string {
	t.Helper()
	return c.formToken(path)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestResourcesRenewAndAutoRenew(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		s := seedResources(t, db, "distributor", "res-buyer-01", "distributor-manager")
		orders := countOrders(t, db, s.customerID)
		renew := s.path() + "/renew"

		// Too many months: the refusal is next to the field, and no order.
		token := c.formToken(renew + "?rid=" + s.web.ID)
		resp, body := c.post(renew, url.Values{"client": {token}, "rid": {s.web.ID}, "period_type": {"2"}, "period_num": {"10"}, "autopay": {"1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("period_num", "catalogue.period_num", 9)) {
			t.Fatalf("10 months: %d\n%s", resp.StatusCode, body)
		}
		if countOrders(t, db, s.customerID) != orders {
			t.Fatal("a refused renewal created an order")
		}
		// Paid from the balance at once: the resource runs a month longer.
		before := customerBalance(t, db, s.customerID)
		resp, _ = c.post(renew, url.Values{"client": {token}, "rid": {s.web.ID}, "period_type": {"2"}, "period_num": {"1"}, "autopay": {"1"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("renew: %d", resp.StatusCode)
		}
		if got := customerBalance(t, db, s.customerID); got != before-100_00 {
			t.Errorf("balance %d, want %d", got, before-100_00)
		}
		if r := s.resource(t, db, s.web.ID); !r.ExpiresAt.After(s.web.ExpiresAt.AddDate(0, 1, -1)) {
			t.Errorf("expiry %v, was %v", r.ExpiresAt, s.web.ExpiresAt)
		}
		_, body = c.get(s.path())
		if !strings.Contains(body, "已从客户余额支付") {
			t.Errorf("no message of the payment")
		}
		// Without paying: the order waits in 客户订单.
		resp, _ = c.post(renew, url.Values{"client": {c.formToken(renew + "?rid=" + s.db.ID)}, "rid": {s.db.ID}, "period_type": {"3"}, "period_num": {"1"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("renew unpaid: %d", resp.StatusCode)
		}
		_, body = c.get(s.path())
		if !strings.Contains(body, "待支付：请在客户订单中支付") || !strings.Contains(body, `href="/console/orders?customer=res-buyer-01">客户订单<`) {
			t.Errorf("no message of the pending order, or no link to 客户订单")
		}
		list, _, err := order.List(context.Background(), db.Reader(), order.Filter{Scope: customer.PartnerScope(s.partnerID), CustomerID: s.customerID,
			Status: order.StatusPendingPayment})
		if err != nil || len(list) != 1 || list[0].Type != order.TypeRenew || list[0].Amount != 1000_00 {
			t.Errorf("pending renewals %v %v", list, err)
		}
		if countOrders(t, db, s.customerID) != orders+2 {
			t.Errorf("orders: %d", countOrders(t, db, s.customerID))
		}

		// Auto-renewal on, then off.
		resp, _ = c.post(s.path()+"/auto-renew", url.Values{"rid": {s.web.ID}, "on": {"1"}, "back": {s.path() + "?auto_renew=1"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != s.path()+"?auto_renew=1" || !s.resource(t, db, s.web.ID).AutoRenew {
			t.Fatalf("auto-renew on: %d", resp.StatusCode)
		}
		_, body = c.get(s.path() + "?auto_renew=1")
		if total(body) != "1" || !strings.Contains(body, "已为资源web-1开通自动续费") || !strings.Contains(body, "关闭自动续费") {
			t.Errorf("after turning auto-renewal on:\n%s", body)
		}
		resp, _ = c.post(s.path()+"/auto-renew", url.Values{"rid": {s.web.ID}, "on": {"0"}})
		if resp.StatusCode != http.StatusSeeOther || s.resource(t, db, s.web.ID).AutoRenew {
			t.Errorf("auto-renew off: %d", resp.StatusCode)
		}
		// Not for a pay-per-use resource: said, and nothing changes.
		resp, _ = c.post(s.path()+"/auto-renew", url.Values{"rid": {s.disk.ID}, "on": {"1"}})
		_, body = c.get(s.path())
		if resp.StatusCode != http.StatusSeeOther || s.resource(t, db, s.disk.ID).AutoRenew ||
			!strings.Contains(body, i18n.T(i18n.ZH, "order.auto_renew_periodic_only")) {
			t.Errorf("auto-renewing a pay-per-use resource: %d", resp.StatusCode)
		}
		if got := auditActions(t, db, s.partnerID, s.web.ID); len(got) != 2 || got[0] != "resource.auto_renew" {
			t.Errorf("audit of the resource: %v", got)
		}
		// The renewal order's audit entry.
		if got := auditActions(t, db, s.partnerID, ""); !containsString(got, "resource.renew") {
			t.Errorf("audit: %v", got)
		}
		// Asked to pay at once with too short a balance: the order waits.
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := funds.Reclaim(context.Background(), tx, s.partnerID, s.customerID, customerBalance(t, db, s.customerID)-50_00, "", "tester", "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		resp, _ = c.post(renew, url.Values{"client": {c.formToken(renew + "?rid=" + s.web.ID)}, "rid": {s.web.ID}, "period_type": {"2"},
			"period_num": {"1"}, "autopay": {"1"}})
		_, body = c.get(s.path())
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(body, "客户余额不足，续费订单") || customerBalance(t, db, s.customerID) != 50_00 {
			t.Errorf("renewal with a short balance: %d, balance %d", resp.StatusCode, customerBalance(t, db, s.customerID))
		}
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := funds.Allocate(context.Background(), tx, s.partnerID, s.customerID, 1000_00, "", "tester", "")
			return err
		}); err != nil {
			t.Fatal(err)
		}

		// The batch: both VMs renewed by one order, paid at once.
		_, body = c.get(renew + "?rid=" + s.web.ID + "&rid=" + s.db.ID)
		if !strings.Contains(body, "web-1") || !strings.Contains(body, "db-1") || !strings.Contains(body, "100.00 / 1,000.00") {
			t.Fatalf("the batch renewal page:\n%s", body)
		}
		before = customerBalance(t, db, s.customerID)
		orders = countOrders(t, db, s.customerID)
		resp, _ = c.post(renew, url.Values{"client": {clientField.FindStringSubmatch(body)[1]}, "rid": {s.web.ID, s.db.ID}, "period_type": {"2"},
			"period_num": {"2"}, "autopay": {"1"}})
		if resp.StatusCode != http.StatusSeeOther || countOrders(t, db, s.customerID) != orders+1 || customerBalance(t, db, s.customerID) != before-400_00 {
			t.Errorf("batch renewal: %d, orders %d, balance %d → %d", resp.StatusCode, countOrders(t, db, s.customerID)-orders, before,
				customerBalance(t, db, s.customerID))
		}
	})
}

func TestResourcesChangeSpec(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := signedIn(t, db, "distributor")
		s := seedResources(t, db, "distributor", "res-buyer-01", "")
		change := s.path() + "/change"
		resp, body := c.get(change + "?rid=" + s.web.ID)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "rt.c6.xlarge") || !strings.Contains(body, "rt.c6.medium") ||
			strings.Contains(body, "rt.sata.100g") {
			t.Fatalf("the change page: %d\n%s", resp.StatusCode, body)
		}
		token := clientField.FindStringSubmatch(body)[1]
		// Another resource type is refused next to the field.
		disk := productBySpec(t, db, "rt.sata.100g")
		resp, body = c.post(change, url.Values{"client": {token}, "rid": {s.web.ID}, "product_id": {disk.ID}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("product_id", "order.change_target")) {
			t.Errorf("a disk spec for a VM: %d", resp.StatusCode)
		}
		// An upgrade waits for payment.
		orders := countOrders(t, db, s.customerID)
		resp, _ = c.post(change, url.Values{"client": {token}, "rid": {s.web.ID}, "product_id": {s.bigger.ID}})
		if resp.StatusCode != http.StatusSeeOther || countOrders(t, db, s.customerID) != orders+1 {
			t.Fatalf("upgrade: %d", resp.StatusCode)
		}
		_, body = c.get(s.path())
		if !strings.Contains(body, "待支付：请在客户订单中支付") || s.resource(t, db, s.web.ID).SpecCode != "rt.c6.large" {
			t.Errorf("after asking for an upgrade")
		}
		// A downgrade applies at once and refunds the difference.
		before := customerBalance(t, db, s.customerID)
		resp, _ = c.post(change, url.Values{"client": {c.formToken(change + "?rid=" + s.db.ID)}, "rid": {s.db.ID}, "product_id": {s.smaller.ID}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("downgrade: %d", resp.StatusCode)
		}
		after := customerBalance(t, db, s.customerID)
		if after-before < 45_00 || after-before > 55_00 || s.resource(t, db, s.db.ID).SpecCode != "rt.c6.medium" {
			t.Errorf("downgrade: balance %d → %d, spec %s", before, after, s.resource(t, db, s.db.ID).SpecCode)
		}
		_, body = c.get(s.path())
		if !strings.Contains(body, "规格已变更，"+money.Format(after-before)+"元已退回客户余额") {
			t.Errorf("no message of the downgrade")
		}
		if got := auditActions(t, db, s.partnerID, ""); !containsString(got, "resource.change") {
			t.Errorf("audit: %v", got)
		}
	})
}
