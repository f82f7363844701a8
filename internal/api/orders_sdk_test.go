package api_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// shop is a cloud on the funds landscape: a catalogue of a VM (100.00 a
// month), a disk (30.00 a month, or 0.04 an hour pay-per-use) and object
// storage; the distributor's resale customer holds 500.00 and has
// authorised ordering on its behalf, as has reseller A's customer; the
// other distributor has an authorised customer of its own with 200.00.
// The distributor holds a voucher quota to issue coupons from.
type shop struct {
	*money
	vm, disk, obs *catalogue.Product
	otherCust     *customer.Customer
	quota         *coupon.Quota
}

const (
	ecs = "hws.service.type.ec2"
	evs = "hws.service.type.ebs"
	oss = "hws.service.type.obs"
)

func newShop(t *testing.T, db *store.DB) *shop {
	m := newMoney(t, db)
	s := &shop{money: m}
	s.otherCust = m.addCustomer(t, m.dist2, customerSpec{name: "other-dist-cust", at: time.Hour})
	ctx := t.Context()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, st := range []catalogue.ServiceType{{Code: ecs, NameZh: "弹性云服务器", NameEn: "ECS"},
			{Code: evs, NameZh: "云硬盘", NameEn: "EVS"}, {Code: oss, NameZh: "对象存储服务", NameEn: "OBS"}} {
			if err := catalogue.SaveServiceType(ctx, tx, st); err != nil {
				return err
			}
		}
		if err := catalogue.SaveRegion(ctx, tx, catalogue.Region{Code: "cn-north-4", NameZh: "华北-北京四", NameEn: "CN North-Beijing4"}); err != nil {
			return err
		}
		var err error
		mk := func(service, resType, resZh, resEn, spec string, monthly, rate int64) *catalogue.Product {
			p := &catalogue.Product{ServiceTypeCode: service, ResourceTypeCode: resType, ResourceTypeZh: resZh, ResourceTypeEn: resEn,
				SpecCode: spec, SpecZh: spec + " 规格", SpecEn: spec + " spec", MonthlyPrice: monthly, YearlyPrice: monthly * 10, OnSale: true}
			if rate > 0 {
				p.UsageUnit, p.UsageRate = "hour", rate
			}
			if err == nil {
				err = catalogue.Save(ctx, tx, p)
			}
			return p
		}
		s.vm = mk(ecs, "hws.resource.type.vm", "云主机", "VM", "s6.small.1.linux", 100_00, 0)
		s.disk = mk(evs, "hws.resource.type.volume", "云硬盘", "Disk", "sata", 30_00, 4_000_000)
		s.obs = mk(oss, "hws.resource.type.obs", "对象存储", "Bucket", "standard", 10_00, 0)
		if err != nil {
			return err
		}
		for _, pc := range [][2]string{{m.dist.ID, m.resale.ID}, {m.resA.ID, m.resACust.ID}, {m.dist2.ID, s.otherCust.ID}} {
			if err := order.RecordGrant(ctx, tx, pc[0], pc[1]); err != nil {
				return err
			}
		}
		if _, err := funds.Allocate(ctx, tx, m.dist.ID, m.resale.ID, 500_00, "", "tester", ""); err != nil {
			return err
		}
		if _, err := funds.Recharge(ctx, tx, m.dist2.ID, 200_00, "bank_transfer", "BANK-2", ""); err != nil {
			return err
		}
		if _, err := funds.Allocate(ctx, tx, m.dist2.ID, s.otherCust.ID, 200_00, "", "tester", ""); err != nil {
			return err
		}
		s.quota, err = coupon.Grant(ctx, tx, coupon.NewQuota{PartnerID: m.dist.ID, Type: coupon.VoucherQuota, Value: 1000_00,
			EffectiveAt: tx.Now.Add(-time.Hour), ExpiresAt: tx.Now.AddDate(0, 6, 0), MaxFaceValue: 300_00}, "finance")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// line is one product of an order the tests place.
func line(p *catalogue.Product, periodType, periodNum, quantity int) order.LineRequest {
	return order.LineRequest{ProductID: p.ID, Region: "cn-north-4", PeriodType: periodType, PeriodNum: periodNum, Quantity: quantity}
}

// place places an order for a customer of a partner, as the console does.
func (s *shop) place(t *testing.T, partnerID, customerID string, lines ...order.LineRequest) *order.Order {
	t.Helper()
	var o *order.Order
	err := s.db.InTx(t.Context(), func(tx *store.Tx) (err error) {
		o, err = order.Create(t.Context(), tx, order.NewOrder{Scope: customer.PartnerScope(partnerID), CustomerID: customerID,
			Lines: lines, CreatedBy: "console-user"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// issue issues a voucher of the distributor's to a customer, limited to
// services when any are named.
func (s *shop) issue(t *testing.T, customerID string, face int64, services ...string) string {
	t.Helper()
	var id string
	err := s.db.InTx(t.Context(), func(tx *store.Tx) error {
		rs, err := coupon.Issue(t.Context(), tx, coupon.IssueRequest{PartnerID: s.dist.ID, QuotaID: s.quota.ID,
			CustomerIDs: []string{customerID}, FaceValue: face, ServiceTypes: services, Operator: "tester"})
		if err != nil || rs[0].Err != nil {
			return errors.Join(err, rs[0].Err)
		}
		id = rs[0].CouponID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// balanceOf reads a customer's balance in fen.
func (s *shop) balanceOf(t *testing.T, customerID string) int64 {
	t.Helper()
	b, _, err := funds.CustomerBalance(t.Context(), s.db.Reader(), customerID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// couponBalance reads a coupon's balance in fen.
func (s *shop) couponBalance(t *testing.T, id string) int64 {
	t.Helper()
	c, err := coupon.Get(t.Context(), s.db.Reader(), s.dist.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Balance
}

// status reads an order's status from the database.
func (s *shop) status(t *testing.T, id string) int {
	t.Helper()
	var st int
	if err := s.db.Reader().QueryRowContext(t.Context(), `SELECT status FROM customer_orders WHERE id = ?`, id).Scan(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// payDomain pays an order the way the console does.
func (s *shop) payDomain(t *testing.T, partnerID, id string, coupons ...string) {
	t.Helper()
	if err := s.db.InTx(t.Context(), func(tx *store.Tx) error {
		_, err := order.Pay(t.Context(), tx, order.PayRequest{Scope: customer.PartnerScope(partnerID), OrderID: id, CouponIDs: coupons})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func (s *shop) listOrders(t *testing.T, req model.ListCustomerOrdersRequest) ([]string, int32) {
	t.Helper()
	resp, err := s.c.ListCustomerOrders(&req)
	if err != nil {
		t.Fatalf("ListCustomerOrders: %v", err)
	}
	if resp.TotalCount == nil || resp.OrderInfos == nil {
		t.Fatalf("total_count or order_infos absent: %v", resp)
	}
	var ids []string
	for _, o := range *resp.OrderInfos {
		ids = append(ids, *o.OrderId)
	}
	return ids, *resp.TotalCount
}

func utc(t time.Time) *string { s := t.UTC().Format("2006-01-02T15:04:05Z"); return &s }

func TestListAndShowCustomerOrdersThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		voucher := s.issue(t, s.resale.ID, 30_00)
		o1 := s.place(t, s.dist.ID, s.resale.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))
		s.payDomain(t, s.dist.ID, o1.ID, voucher)
		time.Sleep(1100 * time.Millisecond) // creation times a second apart
		o2 := s.place(t, s.dist.ID, s.resale.ID, line(s.disk, catalogue.PeriodYear, 1, 2), line(s.vm, catalogue.PeriodMonth, 2, 1))
		time.Sleep(1100 * time.Millisecond)
		o3 := s.place(t, s.dist.ID, s.resale.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))
		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := order.Cancel(t.Context(), tx, customer.PartnerScope(s.dist.ID), o3.ID, "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		resAOrder := s.place(t, s.resA.ID, s.resACust.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))
		foreign := s.place(t, s.dist2.ID, s.otherCust.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))

		// All of the caller's, newest first, with every field.
		resp, err := s.c.ListCustomerOrders(&model.ListCustomerOrdersRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if *resp.TotalCount != 3 || len(*resp.OrderInfos) != 3 {
			t.Fatalf("orders: %v", resp)
		}
		equal(t, "newest first", []string{*(*resp.OrderInfos)[0].OrderId, *(*resp.OrderInfos)[1].OrderId, *(*resp.OrderInfos)[2].OrderId},
			[]string{o3.ID, o2.ID, o1.ID})
		got := (*resp.OrderInfos)[2]
		paid, err := order.Get(t.Context(), db.Reader(), customer.PartnerScope(s.dist.ID), o1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *got.CustomerId != s.resale.ID || *got.ServiceTypeCode != ecs || *got.ServiceTypeName != "弹性云服务器" || *got.SourceType != 2 ||
			*got.Status != 5 || *got.OrderType != 1 || *got.AmountAfterDiscount != 100 || *got.OfficialAmount != 100 || *got.MeasureId != 1 ||
			*got.Currency != "CNY" || *got.CreateTime != *utc(paid.CreatedAt) || *got.PaymentTime != *utc(paid.PaidAt) {
			t.Fatalf("paid order: %v", got)
		}
		if ai := got.AmountInfo; ai == nil || *ai.CouponAmount != 30 || *ai.FlexipurchaseCouponAmount != 0 || *ai.StoredCardAmount != 0 || len(*ai.Discounts) != 0 {
			t.Fatalf("amount_info %v", got.AmountInfo)
		}
		if p := (*resp.OrderInfos)[1]; *p.Status != 6 || *p.AmountAfterDiscount != 800 || *p.ServiceTypeCode != evs || p.PaymentTime != nil {
			t.Fatalf("pending order %v", p)
		}

		// Filters.
		list := func(req model.ListCustomerOrdersRequest, want ...string) {
			t.Helper()
			ids, total := s.listOrders(t, req)
			equal(t, "orders", ids, want)
			if int(total) != len(want) {
				t.Fatalf("total %d, want %d", total, len(want))
			}
		}
		list(model.ListCustomerOrdersRequest{Status: ptr(int32(6))}, o2.ID)
		list(model.ListCustomerOrdersRequest{Status: ptr(int32(4))}, o3.ID)
		list(model.ListCustomerOrdersRequest{Status: ptr(int32(9))})
		list(model.ListCustomerOrdersRequest{OrderType: ptr("1")}, o3.ID, o2.ID, o1.ID)
		list(model.ListCustomerOrdersRequest{OrderType: ptr("2")})
		list(model.ListCustomerOrdersRequest{OrderId: ptr(strings.ToLower(o1.ID))}, o1.ID)
		list(model.ListCustomerOrdersRequest{CustomerId: ptr(s.resACust.ID)})
		list(model.ListCustomerOrdersRequest{ServiceTypeCode: ptr(strings.ToUpper(evs))}, o2.ID)
		list(model.ListCustomerOrdersRequest{CreateTimeBegin: utc(o2.CreatedAt.Truncate(time.Second))}, o3.ID, o2.ID)
		list(model.ListCustomerOrdersRequest{CreateTimeEnd: utc(o2.CreatedAt.Add(time.Second))}, o2.ID, o1.ID)
		list(model.ListCustomerOrdersRequest{PaymentTimeBegin: utc(paid.PaidAt.Add(-time.Minute)), PaymentTimeEnd: utc(paid.PaidAt.Add(time.Minute))}, o1.ID)
		list(model.ListCustomerOrdersRequest{OrderBy: ptr("createTime")}, o1.ID, o2.ID, o3.ID)
		list(model.ListCustomerOrdersRequest{OrderBy: ptr("-createtime")}, o3.ID, o2.ID, o1.ID)
		list(model.ListCustomerOrdersRequest{Method: ptr(model.GetListCustomerOrdersRequestMethodEnum().SUB_CUSTOMER)})
		list(model.ListCustomerOrdersRequest{Method: ptr(model.GetListCustomerOrdersRequestMethodEnum().ONESELF), Status: ptr(int32(5))}, o1.ID)
		ids, total := s.listOrders(t, model.ListCustomerOrdersRequest{Offset: ptr(int32(1)), Limit: ptr(int32(1))})
		equal(t, "second page", ids, []string{o2.ID})
		if total != 3 {
			t.Fatalf("paged total %d", total)
		}
		ids, _ = s.listOrders(t, model.ListCustomerOrdersRequest{Offset: ptr(int32(3))})
		equal(t, "past the end", ids, nil)

		// A reseller's, for the distributor; another distributor's reseller
		// answers not found; the other distributor's order is invisible.
		list(model.ListCustomerOrdersRequest{IndirectPartnerId: ptr(s.resA.ID)}, resAOrder.ID)
		_, err = s.c.ListCustomerOrders(&model.ListCustomerOrdersRequest{IndirectPartnerId: ptr(s.resC.ID)})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		list(model.ListCustomerOrdersRequest{OrderId: ptr(foreign.ID)})

		for name, req := range map[string]struct {
			req   model.ListCustomerOrdersRequest
			field string
		}{
			"limit zero":       {model.ListCustomerOrdersRequest{Limit: ptr(int32(0))}, "limit"},
			"limit above 100":  {model.ListCustomerOrdersRequest{Limit: ptr(int32(101))}, "limit"},
			"negative offset":  {model.ListCustomerOrdersRequest{Offset: ptr(int32(-1))}, "offset"},
			"unknown status":   {model.ListCustomerOrdersRequest{Status: ptr(int32(7))}, "status"},
			"unknown type":     {model.ListCustomerOrdersRequest{OrderType: ptr("5")}, "order_type"},
			"type not number":  {model.ListCustomerOrdersRequest{OrderType: ptr("new")}, "order_type"},
			"unknown order_by": {model.ListCustomerOrdersRequest{OrderBy: ptr("amount")}, "order_by"},
			"date only":        {model.ListCustomerOrdersRequest{CreateTimeBegin: ptr("2026-01-01")}, "create_time_begin"},
			"end before begin": {model.ListCustomerOrdersRequest{PaymentTimeBegin: ptr("2026-02-01T00:00:00Z"), PaymentTimeEnd: ptr("2026-01-01T00:00:00Z")}, "payment_time_end"},
			"over a year":      {model.ListCustomerOrdersRequest{CreateTimeBegin: ptr("2025-01-01T00:00:00Z"), CreateTimeEnd: ptr("2026-01-01T00:00:01Z")}, "create_time_end"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.c.ListCustomerOrders(&req.req)
				se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
				if !strings.HasPrefix(se.ErrorMessage, req.field+":") {
					t.Fatalf("error_msg %q does not name %s", se.ErrorMessage, req.field)
				}
			})
		}

		// Details: the order and a page of its lines.
		show := func(req model.ShowCustomerOrderDetailsRequest) *model.ShowCustomerOrderDetailsResponse {
			t.Helper()
			r, err := s.c.ShowCustomerOrderDetails(&req)
			if err != nil {
				t.Fatalf("ShowCustomerOrderDetails: %v", err)
			}
			return r
		}
		d := show(model.ShowCustomerOrderDetailsRequest{OrderId: o2.ID})
		if *d.TotalCount != 2 || len(*d.OrderLineItems) != 2 {
			t.Fatalf("details %v", d)
		}
		info := d.OrderInfo
		if *info.OrderId != o2.ID || *info.Status != 6 || *info.UserName != "console-user" || *info.AmountAfterDiscount != 800 ||
			*info.PendingPaymentEndTime != *utc(o2.PaymentDeadline) || info.PaymentTime != nil || *info.ServiceTypeName != "云硬盘" {
			t.Fatalf("order_info %v", info)
		}
		l1 := (*d.OrderLineItems)[0]
		if *l1.ProductId != s.disk.ID || *l1.ServiceTypeCode != evs || *l1.ServiceTypeName != "云硬盘" || *l1.PeriodType != 3 || *l1.PeriodNum != 1 ||
			*l1.SubscriptionNum != 2 || *l1.AmountAfterDiscount != 600 || *l1.OfficialAmount != 600 || *l1.ProductSpecDesc != "云硬盘|sata 规格" ||
			*l1.CommercialResource != "hws.resource.type.volume" || *l1.ProductOwnerService != evs || *l1.OrderId != o2.ID ||
			*l1.Currency != "CNY" || l1.EffectiveTime != nil || *l1.OrderLineItemId == "" {
			t.Fatalf("line 1 %v", l1)
		}
		d = show(model.ShowCustomerOrderDetailsRequest{OrderId: o2.ID, Offset: ptr(int32(1)), Limit: ptr(int32(1)), XLanguage: ptr("en_US")})
		if *d.TotalCount != 2 || len(*d.OrderLineItems) != 1 {
			t.Fatalf("second line page %v", d)
		}
		if l := (*d.OrderLineItems)[0]; *l.ProductId != s.vm.ID || *l.PeriodNum != 2 || *l.ServiceTypeName != "ECS" || *l.ProductSpecDesc != "VM|s6.small.1.linux spec" {
			t.Fatalf("line 2 in English %v", l)
		}
		d = show(model.ShowCustomerOrderDetailsRequest{OrderId: o1.ID})
		if l := (*d.OrderLineItems)[0]; *l.EffectiveTime != *utc(paid.Lines[0].EffectiveAt) || *l.ExpireTime != *utc(paid.Lines[0].ExpiresAt) ||
			*l.AmountInfo.CouponAmount != 30 || d.OrderInfo.PendingPaymentEndTime != nil || *d.OrderInfo.AmountInfo.CouponAmount != 30 {
			t.Fatalf("paid order's line %v", l)
		}
		// Another partner's order answers as one that does not exist; a
		// reseller's needs indirect_partner_id.
		_, err = s.c.ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{OrderId: foreign.ID})
		unknown := wantSDKError(t, err, http.StatusBadRequest, "CBC.0101")
		_, err = s.c.ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{OrderId: "CS2601010000NOSUCHID"})
		if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0101"); se.ErrorMessage != unknown.ErrorMessage {
			t.Fatalf("foreign %q, unknown %q", unknown.ErrorMessage, se.ErrorMessage)
		}
		_, err = s.c.ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{OrderId: resAOrder.ID})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0101")
		if d := show(model.ShowCustomerOrderDetailsRequest{OrderId: resAOrder.ID, IndirectPartnerId: ptr(s.resA.ID)}); *d.OrderInfo.CustomerId != s.resACust.ID {
			t.Fatalf("reseller's order %v", d.OrderInfo)
		}
		_, err = s.c.ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{OrderId: o1.ID, Limit: ptr(int32(101))})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
	})
}

// payBody is a PayOrders request with coupons (none: from the balance alone).
func payBody(orderID string, coupons ...string) *model.PayOrdersRequest {
	b := &model.PayCustomerOrderV3Req{OrderId: orderID, UseCoupon: "NO", UseDiscount: "NO"}
	if len(coupons) > 0 {
		b.UseCoupon = "YES"
		var infos []model.CouponSimpleInfoOrderPayV3
		for _, c := range coupons {
			infos = append(infos, model.CouponSimpleInfoOrderPayV3{Id: c, Type: 301})
		}
		b.CouponInfos = &infos
	}
	return &model.PayOrdersRequest{Body: b}
}

func TestPayAndCancelOrdersThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		second := s.addCustomer(t, s.dist, customerSpec{name: "second-cust", at: time.Hour})
		anyVoucher := s.issue(t, s.resale.ID, 50_00)
		diskVoucher := s.issue(t, s.resale.ID, 20_00, evs)
		storageVoucher := s.issue(t, s.resale.ID, 10_00, oss)
		secondVoucher := s.issue(t, second.ID, 10_00)
		// 100.00 for the VM and 30.00 for the disk.
		o := s.place(t, s.dist.ID, s.resale.ID, line(s.vm, catalogue.PeriodMonth, 1, 1), line(s.disk, catalogue.PeriodMonth, 1, 1))
		big := s.place(t, s.dist.ID, s.resale.ID, line(s.vm, catalogue.PeriodYear, 1, 1)) // 1,000.00
		foreign := s.place(t, s.dist2.ID, s.otherCust.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))

		// The coupons the order can use: in scope, the customer's own.
		cs, err := s.c.ListOrderCouponsByOrderId(&model.ListOrderCouponsByOrderIdRequest{OrderId: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		var usable []string
		for _, c := range *cs.UserCoupons {
			usable = append(usable, *c.CouponId)
		}
		if *cs.Count != 2 || len(usable) != 2 || !strings.Contains(strings.Join(usable, ","), anyVoucher) ||
			!strings.Contains(strings.Join(usable, ","), diskVoucher) {
			t.Fatalf("usable coupons %v (count %d)", usable, *cs.Count)
		}
		for _, c := range *cs.UserCoupons {
			if *c.CouponId == diskVoucher && (*c.Balance != 20 || *c.FaceValue != 20 || *c.CouponType != 1 || *c.Status != 2 ||
				len(*c.UseLimits) != 1 || *(*c.UseLimits)[0].Value1 != evs || *c.CouponVersion != 2 || *c.MeasureId != 1) {
				t.Fatalf("disk voucher %v", c)
			}
		}
		if q := *cs.CouponMaxUseQuantity; len(q) != 2 || *q[0].UseQuantityValue != 3 {
			t.Fatalf("coupon_max_use_quantity %v", q)
		}
		_, err = s.c.ListOrderCouponsByOrderId(&model.ListOrderCouponsByOrderIdRequest{OrderId: foreign.ID})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0101")
		_, err = s.c.ListOrderCouponsByOrderId(&model.ListOrderCouponsByOrderIdRequest{})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")

		// Every refusal leaves the balance, the coupons and the order as they were.
		unchanged := func(what string) {
			t.Helper()
			if b := s.balanceOf(t, s.resale.ID); b != 500_00 {
				t.Fatalf("%s: balance %d", what, b)
			}
			for id, want := range map[string]int64{anyVoucher: 50_00, diskVoucher: 20_00, storageVoucher: 10_00, secondVoucher: 10_00} {
				if b := s.couponBalance(t, id); b != want {
					t.Fatalf("%s: coupon balance %d, want %d", what, b, want)
				}
			}
			if st := s.status(t, o.ID); st != order.StatusPendingPayment {
				t.Fatalf("%s: order status %d", what, st)
			}
			if b := s.balanceOf(t, s.otherCust.ID); b != 200_00 {
				t.Fatalf("%s: other customer's balance %d", what, b)
			}
		}
		for name, c := range map[string]struct {
			req          *model.PayOrdersRequest
			status       int
			code, prefix string
		}{
			"more than 3 coupons":   {payBody(o.ID, anyVoucher, diskVoucher, storageVoucher, secondVoucher), 400, "CBC.0100", "coupon_infos:"},
			"another customer's":    {payBody(o.ID, anyVoucher, secondVoucher), 400, "CBC.0101", "coupon_infos:"},
			"unknown coupon":        {payBody(o.ID, "no-such-coupon"), 400, "CBC.0101", "coupon_infos:"},
			"coupon out of scope":   {payBody(o.ID, anyVoucher, storageVoucher), 409, "PC.0409", ""},
			"too little balance":    {payBody(big.ID), 400, "CBC.99005003", ""},
			"another partner's":     {payBody(foreign.ID), 400, "CBC.0101", ""},
			"unknown order":         {payBody("CS2601010000NOSUCHID"), 400, "CBC.0101", ""},
			"no order id":           {payBody(""), 400, "CBC.0100", "order_id:"},
			"YES without coupons":   {&model.PayOrdersRequest{Body: &model.PayCustomerOrderV3Req{OrderId: o.ID, UseCoupon: "YES", UseDiscount: "NO"}}, 400, "CBC.0100", "coupon_infos:"},
			"use_coupon not YES/NO": {&model.PayOrdersRequest{Body: &model.PayCustomerOrderV3Req{OrderId: o.ID, UseCoupon: "yes", UseDiscount: "NO"}}, 400, "CBC.0100", "use_coupon:"},
			"discount asked for":    {&model.PayOrdersRequest{Body: &model.PayCustomerOrderV3Req{OrderId: o.ID, UseCoupon: "NO", UseDiscount: "YES"}}, 400, "CBC.0100", "discount_infos:"},
			"coupon type not known": {&model.PayOrdersRequest{Body: &model.PayCustomerOrderV3Req{OrderId: o.ID, UseCoupon: "YES", UseDiscount: "NO", CouponInfos: &[]model.CouponSimpleInfoOrderPayV3{{Id: anyVoucher, Type: 1}}}}, 400, "CBC.0100", "coupon_infos:"},
			"coupons with use NO":   {&model.PayOrdersRequest{Body: &model.PayCustomerOrderV3Req{OrderId: o.ID, UseCoupon: "NO", UseDiscount: "NO", CouponInfos: &[]model.CouponSimpleInfoOrderPayV3{{Id: anyVoucher, Type: 301}}}}, 400, "CBC.0100", "coupon_infos:"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.c.PayOrders(c.req)
				se := wantSDKError(t, err, c.status, c.code)
				if !strings.HasPrefix(se.ErrorMessage, c.prefix) {
					t.Fatalf("error_msg %q, want it to start with %q", se.ErrorMessage, c.prefix)
				}
				unchanged(name)
			})
		}
		if st := s.status(t, big.ID); st != order.StatusPendingPayment {
			t.Fatalf("the order the balance could not pay: status %d", st)
		}

		// Paid: the disk voucher pays the disk line (20.00), the other
		// voucher 50.00 of the VM, the balance the remaining 60.00.
		if _, err := s.c.PayOrders(payBody(strings.ToLower(o.ID), diskVoucher, anyVoucher)); err != nil {
			t.Fatal(err)
		}
		if b := s.balanceOf(t, s.resale.ID); b != 440_00 {
			t.Fatalf("balance after paying %d", b)
		}
		if s.couponBalance(t, anyVoucher) != 0 || s.couponBalance(t, diskVoucher) != 0 || s.couponBalance(t, storageVoucher) != 10_00 {
			t.Fatal("coupon balances after paying")
		}
		d, err := s.c.ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{OrderId: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		if *d.OrderInfo.Status != 5 || *d.OrderInfo.AmountInfo.CouponAmount != 70 || *d.OrderInfo.AmountAfterDiscount != 130 || d.OrderInfo.PaymentTime == nil {
			t.Fatalf("paid order %v", d.OrderInfo)
		}
		if l := (*d.OrderLineItems)[1]; *l.AmountInfo.CouponAmount != 20 || l.ExpireTime == nil {
			t.Fatalf("disk line %v", l)
		}
		cs, err = s.c.ListOrderCouponsByOrderId(&model.ListOrderCouponsByOrderIdRequest{OrderId: o.ID})
		if err != nil || *cs.Count != 0 || len(*cs.UserCoupons) != 0 {
			t.Fatalf("a paid order's usable coupons: %v %v", cs, err)
		}

		// Paying or cancelling a paid order: CBC.30000009, nothing changes.
		_, err = s.c.PayOrders(payBody(o.ID))
		wantSDKError(t, err, http.StatusBadRequest, "CBC.30000009")
		_, err = s.c.CancelCustomerOrder(&model.CancelCustomerOrderRequest{Body: &model.CancelCustomerOrderReq{OrderId: o.ID}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.30000009")
		if b := s.balanceOf(t, s.resale.ID); b != 440_00 || s.status(t, o.ID) != order.StatusCompleted {
			t.Fatalf("after refusals: balance %d status %d", b, s.status(t, o.ID))
		}

		// Cancel a pending order; then it can be neither paid nor cancelled.
		if _, err := s.c.CancelCustomerOrder(&model.CancelCustomerOrderRequest{Body: &model.CancelCustomerOrderReq{OrderId: big.ID}}); err != nil {
			t.Fatal(err)
		}
		if st := s.status(t, big.ID); st != order.StatusCancelled {
			t.Fatalf("cancelled order's status %d", st)
		}
		nextSecond()
		_, err = s.c.CancelCustomerOrder(&model.CancelCustomerOrderRequest{Body: &model.CancelCustomerOrderReq{OrderId: big.ID}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.30000009")
		_, err = s.c.PayOrders(payBody(big.ID))
		wantSDKError(t, err, http.StatusBadRequest, "CBC.30000009")
		_, err = s.c.CancelCustomerOrder(&model.CancelCustomerOrderRequest{Body: &model.CancelCustomerOrderReq{OrderId: foreign.ID}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0101")
		if st := s.status(t, foreign.ID); st != order.StatusPendingPayment {
			t.Fatalf("another partner's order: status %d", st)
		}
		_, err = s.c.CancelCustomerOrder(&model.CancelCustomerOrderRequest{Body: &model.CancelCustomerOrderReq{}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")

		// Past the payment deadline: CBC.99003110.
		late := s.place(t, s.dist.ID, s.resale.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))
		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := tx.ExecContext(t.Context(), `UPDATE customer_orders SET payment_deadline = ? WHERE id = ?`,
				store.Micros(time.Now().Add(-time.Minute)), late.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = s.c.PayOrders(payBody(late.ID))
		wantSDKError(t, err, http.StatusBadRequest, "CBC.99003110")
		if b := s.balanceOf(t, s.resale.ID); b != 440_00 {
			t.Fatalf("balance after a late payment %d", b)
		}

		// A payment retried with the same Idempotency-Key pays once.
		again := s.place(t, s.dist.ID, s.resale.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))
		for range 2 {
			if _, err := s.c.PayOrdersInvoker(payBody(again.ID)).AddHeaders(map[string]string{"Idempotency-Key": "pay-" + again.ID}).Invoke(); err != nil {
				t.Fatal(err)
			}
		}
		if b := s.balanceOf(t, s.resale.ID); b != 340_00 {
			t.Fatalf("balance after a retried payment %d", b)
		}

		// A customer that withdrew its authorisation, or is frozen, cannot
		// have its orders paid; nothing moves.
		withdrawn := s.place(t, s.dist.ID, s.resale.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))
		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			token, err := order.AuthorisationLink(t.Context(), tx, s.dist.ID, s.resale.ID)
			if err != nil {
				return err
			}
			_, err = order.SetAuthorisation(t.Context(), tx, token, false)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = s.c.PayOrders(payBody(withdrawn.ID))
		wantSDKError(t, err, http.StatusForbidden, "CBC.0151")
		frozen := s.place(t, s.dist2.ID, s.otherCust.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))
		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, _, err := customer.Freeze(t.Context(), tx, s.dist2.ID, s.otherCust.ID, customer.FrozenAccount, "test")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c2 := client(t, s.srv, s.dist2Key.ID, s.dist2Key.Secret, s.dist2.DomainID)
		_, err = c2.PayOrders(payBody(frozen.ID))
		wantSDKError(t, err, http.StatusConflict, "PC.0409")
		if s.balanceOf(t, s.resale.ID) != 340_00 || s.balanceOf(t, s.otherCust.ID) != 200_00 ||
			s.status(t, withdrawn.ID) != order.StatusPendingPayment || s.status(t, frozen.ID) != order.StatusPendingPayment {
			t.Fatal("a refused payment moved money or changed the order")
		}
		s.check(t)
	})
}
