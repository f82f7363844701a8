package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// orderFixture is the demo data (its catalogue, and every resale customer
// of the distributor authorised) with dist-cust01 holding 5,000 yuan more, a
// 50-yuan voucher for ECS and one for disks, and dist-cust02's
// authorisation revoked.
type orderFixture struct {
	e                  *env
	db                 *store.DB
	dist               string
	vm, disk, essd     *catalogue.Product
	cust, unauthorised string // dist-cust01, dist-cust02
	ecsCoupon, ebsCoup string
}

const (
	ecsService = "hws.service.type.ec2"
	ebsService = "hws.service.type.ebs"
)

func demoProduct(t *testing.T, db *store.DB, spec string) *catalogue.Product {
	t.Helper()
	list, err := catalogue.List(context.Background(), db.Reader(), catalogue.ProductFilter{Query: spec})
	for _, p := range list {
		if p.SpecCode == spec {
			return p
		}
	}
	t.Fatalf("the demo catalogue has no %s (%v)", spec, err)
	return nil
}

func orderSetup(t *testing.T, db *store.DB) *orderFixture {
	t.Helper()
	f := &orderFixture{e: newEnv(t, db), db: db}
	f.dist, f.cust, f.unauthorised = partnerID(t, db, "distributor"), customerID(t, db, "dist-cust01"), customerID(t, db, "dist-cust02")
	// 34.50 a month, 345 a year, every region; 30 a month, every region;
	// 1,000 a month, mainland regions only.
	f.vm, f.disk, f.essd = demoProduct(t, db, "s6.small.1.linux"), demoProduct(t, db, "evs.sata.100g"), demoProduct(t, db, "evs.essd.500g")
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := funds.Allocate(ctx, tx, f.dist, f.cust, 5000_00, "", "tester", ""); err != nil {
			return err
		}
		token, err := order.AuthorisationLink(ctx, tx, f.dist, f.unauthorised)
		if err != nil {
			return err
		}
		if _, err := order.SetAuthorisation(ctx, tx, token, false); err != nil {
			return err
		}
		quota := demoQuota(t, db, "distributor", coupon.VoucherQuota)
		for _, c := range []struct {
			service string
			id      *string
		}{{ecsService, &f.ecsCoupon}, {ebsService, &f.ebsCoup}} {
			res, err := coupon.Issue(ctx, tx, coupon.IssueRequest{PartnerID: f.dist, QuotaID: quota.ID, CustomerIDs: []string{f.cust},
				FaceValue: 50_00, ServiceTypes: []string{c.service}, Operator: "tester"})
			if err != nil {
				return err
			}
			if res[0].Err != nil {
				return res[0].Err
			}
			*c.id = res[0].CouponID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// line is the fields of order line i.
func ordLine(i int, p *catalogue.Product, region, periodType, num, qty string) url.Values {
	pre := "lines[" + strconv.Itoa(i) + "]."
	return url.Values{pre + "service": {p.ServiceTypeCode}, pre + "product_id": {p.ID}, pre + "region": {region}, pre + "period_type": {periodType},
		pre + "period_num": {num}, pre + "quantity": {qty}}
}

func ordMerge(vs ...url.Values) url.Values {
	out := url.Values{}
	for _, v := range vs {
		for k, x := range v {
			out[k] = x
		}
	}
	return out
}

func ordGet(t *testing.T, db *store.DB, partnerID, id string) *order.Order {
	t.Helper()
	var o order.Order
	err := db.Reader().QueryRowContext(context.Background(), `SELECT id, status, amount, coupon_amount, balance_amount FROM customer_orders
		WHERE id = ? AND partner_id = ?`, id, partnerID).Scan(&o.ID, &o.Status, &o.Amount, &o.CouponAmount, &o.BalanceAmount)
	if err != nil {
		t.Fatalf("order %s: %v", id, err)
	}
	return &o
}

func ordCount(t *testing.T, db *store.DB, customerID string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM customer_orders WHERE customer_id = ?`, customerID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var orderLocation = regexp.MustCompile(`^/console/orders/(CS[0-9A-Z]+)$`)

// placeOrder submits an order and returns its id.
func (f *orderFixture) placeOrder(t *testing.T, c *client, customerID string, lines url.Values) string {
	t.Helper()
	path := "/console/customers/" + customerID + "/order"
	form := ordMerge(lines, url.Values{"op": {"submit"}, "client": {c.formToken(path)}})
	resp, body := c.post(path, form)
	m := orderLocation.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("submit the order: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return m[1]
}

func TestOrderForCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := orderSetup(t, db)
		c := f.e.client()
		c.signIn("distributor")
		path := "/console/customers/" + f.cust + "/order"

		// 更多 > 代客下单 is offered for resale customers only.
		_, body := c.get("/console/customers")
		if !strings.Contains(body, `href="`+path+`"`) {
			t.Error("the list offers no 代客下单 for a resale customer")
		}
		if referral := customerID(t, db, "dist-cust04"); strings.Contains(body, "/console/customers/"+referral+"/order") {
			t.Error("the list offers 代客下单 for a referral customer")
		}

		// The form: one line, the first product of the first service type,
		// priced at once.
		resp, body := c.get(path)
		first := ordBetween(body, `id="line-0-price">`, "<")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="order-form"`) || first == "-" || first == "(absent)" ||
			ordBetween(body, `id="order-total">`, "<") != first {
			t.Fatalf("the order form: %d, line priced %s\n%s", resp.StatusCode, first, body)
		}

		// Pricing as fields change (what htmx posts), adding and removing lines.
		_, body = c.post(path, ordMerge(ordLine(0, f.vm, "cn-north-4", "3", "2", "3")), "HX-Request", "true")
		if !strings.Contains(body, `id="line-0-price">2,070.00<`) || !strings.Contains(body, `id="order-total">2,070.00<`) {
			t.Errorf("2 years of 3 units at 345 a year: %s", ordBetween(body, `id="line-0-price">`, "<"))
		}
		_, body = c.post(path, ordMerge(ordLine(0, f.vm, "cn-north-4", "2", "1", "1"), url.Values{"op": {"add"}}))
		if !strings.Contains(body, `id="line-1"`) || ordBetween(body, `id="line-1-price">`, "<") != first {
			t.Errorf("after 添加产品: a second line priced %s, total %s", ordBetween(body, `id="line-1-price">`, "<"), ordBetween(body, `id="order-total">`, "<"))
		}
		// A new service type picks that type's product, and a product the
		// regions it is sold in.
		two := ordMerge(ordLine(0, f.vm, "cn-north-4", "2", "1", "1"), ordLine(1, f.vm, "ap-southeast-1", "2", "2", "1"))
		two.Set("lines[1].service", ebsService)
		two.Set("lines[1].product_id", f.essd.ID)
		_, body = c.post(path, two)
		if l1 := ordBetween(body, `id="line-1"`, "</section>"); !strings.Contains(body, `id="line-1-price">2,000.00<`) || strings.Contains(l1, "ap-southeast-1") ||
			!strings.Contains(body, `id="order-total">2,034.50<`) {
			t.Errorf("the disk line: %s", ordBetween(body, `id="line-1-price">`, "<"))
		}
		_, body = c.post(path, ordMerge(two, url.Values{"op": {"remove:0"}}))
		if strings.Contains(body, `id="line-1"`) || !strings.Contains(body, `id="order-total">2,000.00<`) {
			t.Errorf("after 删除 of the first line: total %s", ordBetween(body, `id="order-total">`, "<"))
		}

		// Faults next to their field; nothing is created.
		before := ordCount(t, db, f.cust)
		for _, tc := range []struct {
			lines url.Values
			field string
			key   string
			args  []any
		}{
			{ordLine(0, f.vm, "cn-north-4", "2", "1", "0"), "lines[0].quantity", "catalogue.quantity", []any{catalogue.MaxQuantity}},
			{ordLine(0, f.vm, "cn-north-4", "2", "10", "1"), "lines[0].period_num", "catalogue.period_num", []any{catalogue.MaxPeriods}},
			{ordLine(0, f.vm, "cn-north-4", "3", "x", "1"), "lines[0].period_num", "catalogue.period_num", []any{catalogue.MaxYears}},
			{ordMerge(ordLine(0, f.vm, "cn-north-4", "2", "1", "1"), url.Values{"lines[0].name": {strings.Repeat("n", 65)}}),
				"lines[0].name", "order.resource_name_length", nil},
		} {
			resp, body := c.post(path, ordMerge(tc.lines, url.Values{"op": {"submit"}, "client": {c.formToken(path)}}))
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo(tc.field, tc.key, tc.args...)) {
				t.Errorf("%s: %d, message next to it: %v", tc.field, resp.StatusCode, strings.Contains(body, nextTo(tc.field, tc.key, tc.args...)))
			}
		}
		if got := ordCount(t, db, f.cust); got != before {
			t.Fatalf("refused orders created %d orders", got-before)
		}

		// 提交订单: the order's page, pending payment.
		balance := customerBalance(t, db, f.cust)
		id := f.placeOrder(t, c, f.cust, ordMerge(ordLine(0, f.vm, "cn-north-4", "2", "3", "1"),
			url.Values{"lines[0].name": {"web-01"}}, ordLine(1, f.disk, "cn-north-4", "2", "1", "2")))
		o := ordGet(t, db, f.dist, id)
		if o.Status != order.StatusPendingPayment || o.Amount != 163_50 {
			t.Fatalf("the order: status %d, amount %d; want pending, 163.50", o.Status, o.Amount)
		}
		if customerBalance(t, db, f.cust) != balance {
			t.Error("creating the order moved money")
		}
		_, body = c.get("/console/orders/" + id)
		for _, want := range []string{"待支付", "web-01", "通用计算型 s6 | 1vCPUs | 1GiB | Linux", "普通IO | 100GB", "华北-北京四", "3 个月", "163.50", `id="order-pay"`, `id="order-cancel"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the order's page lacks %q", want)
			}
		}
		if got := auditActions(t, db, f.dist, id); len(got) != 1 || got[0] != "order.create" {
			t.Errorf("audit of the order: %v", got)
		}

		// 支付: the page offers the coupon for ECS, not the one for disks.
		_, body = c.get("/console/orders/" + id + "/pay")
		if !strings.Contains(body, `value="`+f.ecsCoupon+`"`) || !strings.Contains(body, `value="`+f.ebsCoup+`"`) {
			// Both cover a line: the order has an ECS line and a disk line.
			t.Errorf("the pay page does not offer both coupons")
		}
		// Refusals: too many coupons, another customer's coupon; nothing changes.
		others := []string{f.ecsCoupon, f.ebsCoup, "x1", "x2"}
		payPath := "/console/orders/" + id + "/pay"
		token := c.formToken(payPath)
		resp, body = c.post(payPath, url.Values{"coupons": others, "client": {token}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("coupons", "order.too_many_coupons", coupon.MaxCouponsPerPayment)) {
			t.Errorf("4 coupons: %d", resp.StatusCode)
		}
		resp, body = c.post(payPath, url.Values{"coupons": {"no-such-coupon"}, "client": {token}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("coupons", "coupon.not_found")) {
			t.Errorf("an unknown coupon: %d", resp.StatusCode)
		}
		if o := ordGet(t, db, f.dist, id); o.Status != order.StatusPendingPayment || customerBalance(t, db, f.cust) != balance {
			t.Fatal("a refused payment changed the order or the balance")
		}
		resp, _ = c.post(payPath, url.Values{"coupons": {f.ecsCoupon}, "client": {token}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/orders/"+id {
			t.Fatalf("pay: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		o = ordGet(t, db, f.dist, id)
		if o.Status != order.StatusCompleted || o.CouponAmount != 50_00 || o.BalanceAmount != 113_50 {
			t.Errorf("paid: status %d, coupons %d, balance %d", o.Status, o.CouponAmount, o.BalanceAmount)
		}
		if got := customerBalance(t, db, f.cust); got != balance-113_50 {
			t.Errorf("the balance went from %d to %d; want 113.50 less", balance, got)
		}
		_, body = c.get("/console/orders/" + id)
		for _, want := range []string{"订单 " + id + " 已支付", "已完成", "50.00", "113.50"} {
			if !strings.Contains(body, want) {
				t.Errorf("the paid order's page lacks %q", want)
			}
		}
		if strings.Contains(body, `id="order-pay"`) {
			t.Error("a completed order still offers 支付")
		}
		// The same form again (a double click): nothing more is paid.
		resp, _ = c.post(payPath, url.Values{"coupons": {f.ecsCoupon}, "client": {token}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/orders/"+id {
			t.Errorf("the second submit: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, body := c.get("/console/orders/" + id); !strings.Contains(body, i18n.T(i18n.ZH, "funds.submitted_before")) {
			t.Error("the second submit does not say it changed nothing")
		}
		if got := customerBalance(t, db, f.cust); got != balance-113_50 {
			t.Errorf("after the second submit the balance is %d", got)
		}
		// Only pending orders are paid or cancelled.
		for _, op := range []string{"/pay", "/cancel"} {
			resp, body := c.post("/console/orders/"+id+op, url.Values{"client": {"fresh-token-" + op[1:] + "-0123456789"}})
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, i18n.T(i18n.ZH, "order.not_pending")) {
				t.Errorf("%s of a completed order: %d", op, resp.StatusCode)
			}
		}
		if got := auditActions(t, db, f.dist, id); len(got) != 2 || got[0] != "order.pay" {
			t.Errorf("audit of the order: %v", got)
		}
	})
}

func ordBetween(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return "(absent)"
	}
	before, _, _ := strings.Cut(after, to)
	return before
}

func TestOrderPaymentRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := orderSetup(t, db)
		c := f.e.client()
		c.signIn("distributor")
		// The same 提交订单 form twice (a double click): one order.
		path := "/console/customers/" + f.cust + "/order"
		form := ordMerge(ordLine(0, f.vm, "cn-north-4", "2", "1", "1"), url.Values{"op": {"submit"}, "client": {c.formToken(path)}})
		before := ordCount(t, db, f.cust)
		first, _ := c.post(path, form)
		second, _ := c.post(path, form)
		if !orderLocation.MatchString(first.Header.Get("Location")) || second.StatusCode != http.StatusSeeOther ||
			second.Header.Get("Location") != "/console/orders" || ordCount(t, db, f.cust) != before+1 {
			t.Errorf("a double submit: %q then %d to %q, %d orders placed", first.Header.Get("Location"), second.StatusCode,
				second.Header.Get("Location"), ordCount(t, db, f.cust)-before)
		}

		// A disk order: the ECS coupon is out of its scope.
		id := f.placeOrder(t, c, f.cust, ordLine(0, f.disk, "cn-north-4", "2", "1", "1"))
		_, body := c.get("/console/orders/" + id + "/pay")
		if strings.Contains(body, `value="`+f.ecsCoupon+`"`) || !strings.Contains(body, `value="`+f.ebsCoup+`"`) {
			t.Error("the pay page offers the coupons whose scope does not cover the order, or not the one that does")
		}
		balance := customerBalance(t, db, f.cust)
		payPath := "/console/orders/" + id + "/pay"
		token := c.formToken(payPath)
		resp, body := c.post(payPath, url.Values{"coupons": {f.ecsCoupon}, "client": {token}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("coupons", "coupon.out_of_scope")) {
			t.Errorf("a coupon out of scope: %d", resp.StatusCode)
		}
		// A balance too small: said at the top, nothing changes.
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, available, err := funds.CustomerBalance(context.Background(), tx, f.cust)
			if err != nil {
				return err
			}
			_, err = funds.Reclaim(context.Background(), tx, f.dist, f.cust, available-10_00, "", "tester", "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		balance = customerBalance(t, db, f.cust)
		resp, body = c.post(payPath, url.Values{"client": {token}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert">`+i18n.T(i18n.ZH, "funds.customer_balance_insufficient")) {
			t.Errorf("a balance too small: %d", resp.StatusCode)
		}
		if o := ordGet(t, db, f.dist, id); o.Status != order.StatusPendingPayment || customerBalance(t, db, f.cust) != balance {
			t.Fatal("a refused payment changed the order or the balance")
		}
		// 取消订单, then it can no longer be paid.
		cancelPath := "/console/orders/" + id + "/cancel"
		resp, body = c.post(cancelPath, url.Values{"reason": {"客户改变主意"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "customers.form_stale")) {
			t.Errorf("a cancel without the form's token: %d", resp.StatusCode)
		}
		resp, _ = c.post(cancelPath, url.Values{"reason": {"客户改变主意"}, "client": {c.formToken(cancelPath)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("cancel: %d", resp.StatusCode)
		}
		if o := ordGet(t, db, f.dist, id); o.Status != order.StatusCancelled {
			t.Errorf("after 取消订单 the status is %d", o.Status)
		}
		_, body = c.get("/console/orders/" + id)
		if !strings.Contains(body, "已取消") || !strings.Contains(body, "客户改变主意") {
			t.Error("the cancelled order's page lacks the status or the reason")
		}
		if resp, _ := c.post(payPath, url.Values{"coupons": {f.ebsCoup}, "client": {"another-form-token-0123"}}); resp.StatusCode != http.StatusConflict {
			t.Errorf("paying a cancelled order: %d", resp.StatusCode)
		}
		if got := auditActions(t, db, f.dist, id); len(got) != 2 || got[0] != "order.cancel" {
			t.Errorf("audit of the order: %v", got)
		}
	})
}

func TestOrderAuthorisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := orderSetup(t, db)
		c := f.e.client()
		c.signIn("distributor")
		cust := customerID(t, db, "dist-cust02")
		path := "/console/customers/" + cust + "/order"

		// Not authorised: no form, the link to send instead; submitting anyway is refused.
		resp, body := c.get(path)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, `id="order-form"`) || !strings.Contains(body, `id="send-link"`) {
			t.Fatalf("an unauthorised customer's page: %d", resp.StatusCode)
		}
		before := ordCount(t, db, cust)
		resp, body = c.post(path, ordMerge(ordLine(0, f.vm, "cn-north-4", "2", "1", "1"), url.Values{"op": {"submit"}}))
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, i18n.T(i18n.ZH, "order.not_authorised")) || ordCount(t, db, cust) != before {
			t.Errorf("an order without authorisation: %d", resp.StatusCode)
		}

		// 发送授权链接, and the customer grants it on its page.
		resp, body = c.post(path+"/authorise", url.Values{})
		m := regexp.MustCompile(`/authorise/([A-Za-z0-9_-]+)"`).FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("发送授权链接: %d\n%s", resp.StatusCode, body)
		}
		link := "/authorise/" + m[1]
		anon := f.e.client()
		resp, body = anon.get(link)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "华东云总经销有限公司") || !strings.Contains(body, `id="authorise-state">未授权`) ||
			!strings.Contains(body, `id="authorise-grant"`) {
			t.Fatalf("the customer's page: %d\n%s", resp.StatusCode, body)
		}
		resp, body = anon.post(link, url.Values{"grant": {"1"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="authorise-state">已授权`) {
			t.Fatalf("授权: %d", resp.StatusCode)
		}
		if _, body := c.get(path); !strings.Contains(body, `id="order-form"`) {
			t.Fatal("after the grant there is no order form")
		}
		id := f.placeOrder(t, c, cust, ordLine(0, f.vm, "cn-north-4", "2", "1", "1"))
		got := auditActions(t, db, f.dist, cust)
		if len(got) < 2 || got[0] != "order.authorisation" || got[1] != "order.authorisation_link" {
			t.Errorf("audit of the customer: %v", got)
		}

		// 取消授权: the pending order can no longer be paid; the form is gone.
		if resp, body := anon.post(link, url.Values{"grant": {"0"}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="authorise-state">未授权`) {
			t.Fatalf("取消授权: %d", resp.StatusCode)
		}
		resp, body = c.post("/console/orders/"+id+"/pay", url.Values{"client": {c.formToken("/console/orders/" + id + "/pay")}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "order.not_authorised")) {
			t.Errorf("paying after the revocation: %d", resp.StatusCode)
		}
		// In English.
		anon.post("/console/locale", url.Values{"lang": {"en"}, "next": {link}})
		if _, body := anon.get(link); !strings.Contains(body, "Ordering authorisation") || !strings.Contains(body, `id="authorise-state">Not granted`) {
			t.Error("the customer's page in English lacks its title or state")
		}
		anon.post("/console/locale", url.Values{"lang": {"zh-CN"}, "next": {link}})
		// A new link replaces the old one; a forged one is not found; another site cannot post.
		c.post(path+"/authorise", url.Values{})
		if resp, body := anon.get(link); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, i18n.T(i18n.ZH, "order.authorisation_link_invalid")) {
			t.Errorf("the replaced link: %d", resp.StatusCode)
		}
		if resp, _ := anon.post("/authorise/forged", url.Values{"grant": {"1"}}, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a cross-site post: %d", resp.StatusCode)
		}
	})
}

func TestOrderRulesAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := orderSetup(t, db)
		c := f.e.client()
		c.signIn("distributor")
		// A referral customer, a reseller's customer, another tenant's: refused or not found.
		if resp, body := c.get("/console/customers/" + customerID(t, db, "dist-cust04") + "/order"); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(body, i18n.T(i18n.ZH, "order.referral_customer")) {
			t.Errorf("a referral customer: %d", resp.StatusCode)
		}
		for _, name := range []string{"resa-cust01", "reseller-cust01"} {
			if resp, _ := c.get("/console/customers/" + customerID(t, db, name) + "/order"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", name, resp.StatusCode)
			}
		}
		ofCust01 := func() int {
			_, body := c.get("/console/orders?customer=dist-cust01&status=6")
			n, _ := strconv.Atoi(total(body))
			return n
		}
		pending := ofCust01()
		own := f.placeOrder(t, c, f.cust, ordLine(0, f.vm, "cn-north-4", "2", "1", "1"))
		if got := ofCust01(); got != pending+1 {
			t.Errorf("dist-cust01's pending orders: %d, then %d", pending, got)
		}
		other := customerID(t, db, "dist-cust06")
		unmanaged := f.placeOrder(t, c, other, ordLine(0, f.vm, "cn-north-4", "2", "1", "1"))

		// The list's filters, on the new order.
		for _, tc := range []struct {
			query, total string
		}{
			{"?order_id=" + own, "1"},
			{"?order_id=" + own + "&status=6&order_type=1&service_type=" + ecsService, "1"},
			{"?order_id=" + own + "&status=5", "0"},
			{"?order_id=" + own + "&order_type=2", "0"},
			{"?order_id=" + own + "&service_type=" + ebsService, "0"},
			{"?order_id=" + own + "&customer=dist-cust01", "1"},
			{"?order_id=" + own + "&customer=" + f.cust, "1"},
			{"?order_id=" + own + "&customer=dist-cust06", "0"},
			{"?order_id=" + own + "&customer=dist-cust", "0"},
			{"?order_id=" + own + "&from=2000-01-01&to=2000-12-31", "0"},
			{"?order_id=" + unmanaged + "&customer=" + other, "1"},
		} {
			resp, body := c.get("/console/orders" + tc.query)
			if resp.StatusCode != http.StatusOK || total(body) != tc.total {
				t.Errorf("%q: %d, %s orders; want %s", tc.query, resp.StatusCode, total(body), tc.total)
			}
		}
		_, body := c.get("/console/orders")
		if want := i18n.Date(time.Now().AddDate(0, -6, 0), i18n.Location("")); !strings.Contains(body, `name="from" type="date" value="`+want+`"`) {
			t.Errorf("the list does not start 6 months back (%s)", want)
		}
		if _, body := c.get("/console/orders?from=2026-13-01"); !strings.Contains(body, nextTo("from", "audit.date_invalid")) {
			t.Error("a malformed date has no message next to it")
		}
		if _, body := c.get("/console/orders?status=9"); !strings.Contains(body, nextTo("status", "orders.choice_invalid")) {
			t.Error("an unknown status has no message next to it")
		}

		// In English.
		c.post("/console/locale", url.Values{"lang": {"en"}, "next": {"/console/orders"}})
		_, body = c.get("/console/orders?order_id=" + own)
		for _, want := range []string{"Customer orders", "Pending payment", "New purchase", "Elastic Cloud Server"} {
			if !strings.Contains(body, want) {
				t.Errorf("the English list lacks %q", want)
			}
		}
		_, body = c.get("/console/customers/" + f.cust + "/order")
		for _, want := range []string{"Order for customer", "Place order", "Add product", "Unit price: "} {
			if !strings.Contains(body, want) {
				t.Errorf("the English order form lacks %q", want)
			}
		}
		c.post("/console/locale", url.Values{"lang": {"zh-CN"}, "next": {"/console/orders"}})

		// The customer manager sees the orders of its customers only, and cannot act.
		m := f.e.client()
		m.signIn("distributor-manager")
		for query, want := range map[string]string{"?order_id=" + own: "1", "?order_id=" + unmanaged: "0", "?from=&customer=dist-cust06": "0"} {
			if _, body := m.get("/console/orders" + query); total(body) != want {
				t.Errorf("the manager's list %s: %s orders, want %s", query, total(body), want)
			}
		}
		if _, body := m.get("/console/orders?from=&customer=dist-cust01"); total(body) == "0" {
			t.Error("the manager does not see the orders of its customer")
		}
		if resp, body := m.get("/console/orders/" + own); resp.StatusCode != http.StatusOK || strings.Contains(body, `id="order-pay"`) {
			t.Errorf("the manager's order: %d, offers 支付: %v", resp.StatusCode, strings.Contains(body, `id="order-pay"`))
		}
		if resp, _ := m.get("/console/orders/" + unmanaged); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another manager's order: %d", resp.StatusCode)
		}
		for _, path := range []string{"/console/orders/" + own + "/pay", "/console/orders/" + own + "/cancel", "/console/customers/" + f.cust + "/order"} {
			if resp, _ := m.post(path, url.Values{}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s by the manager: %d", path, resp.StatusCode)
			}
		}
		if o := ordGet(t, db, f.dist, own); o.Status != order.StatusPendingPayment {
			t.Error("the manager changed the order")
		}

		// A frozen customer's order cannot be paid; the audit log names the
		// order actions.
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, _, err := customer.Freeze(context.Background(), tx, f.dist, f.cust, customer.FrozenAccount, "test")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		payPath := "/console/orders/" + own + "/pay"
		resp, body := c.post(payPath, url.Values{"client": {c.formToken(payPath)}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert">`+i18n.T(i18n.ZH, "customer.frozen")) {
			t.Errorf("paying for a frozen customer: %d", resp.StatusCode)
		}
		if o := ordGet(t, db, f.dist, own); o.Status != order.StatusPendingPayment {
			t.Error("a frozen customer's order was paid")
		}
		if _, body := c.get("/console/audit?action=order.create"); !strings.Contains(body, "代客下单") || !strings.Contains(body, own) {
			t.Error("the audit log does not show the order's creation")
		}

		// Another tenant sees none of them.
		r := f.e.client()
		r.signIn("reseller")
		if _, body := r.get("/console/orders?order_id=" + own); total(body) != "0" {
			t.Errorf("another partner lists %s orders", total(body))
		}
		for _, path := range []string{"", "/pay", "/cancel"} {
			if resp, _ := r.get("/console/orders/" + own + path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("another partner's GET %s: %d", path, resp.StatusCode)
			}
		}
		if resp, _ := r.post("/console/orders/"+own+"/cancel", url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner's cancel: %d", resp.StatusCode)
		}
	})
}
