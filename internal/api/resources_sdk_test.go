package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/order"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// paidResources places and pays (from the balance) one order of the lines
// for a customer and returns the order's resources, line by line.
func (s *shop) paidResources(t *testing.T, partnerID, customerID string, lines ...order.LineRequest) (*order.Order, []string) {
	t.Helper()
	o := s.place(t, partnerID, customerID, lines...)
	s.payDomain(t, partnerID, o.ID)
	got, err := order.Get(t.Context(), s.db.Reader(), customer.PartnerScope(partnerID), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range got.Lines {
		ids = append(ids, l.ResourceID)
	}
	return got, ids
}

// launch starts a pay-per-use disk of a size for a customer.
func (s *shop) launch(t *testing.T, partnerID, customerID, name string, size int) *order.Resource {
	t.Helper()
	var r *order.Resource
	if err := s.db.InTx(t.Context(), func(tx *store.Tx) (err error) {
		r, err = order.LaunchPayPerUse(t.Context(), tx, partnerID, customerID, s.disk.ID, "cn-north-4", name, size)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *shop) resource(t *testing.T, id string) *order.Resource {
	t.Helper()
	r, err := order.GetResource(t.Context(), s.db.Reader(), customer.Scope{PartnerIDs: []string{s.dist.ID, s.dist2.ID}}, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// orderCount counts a customer's orders in the database.
func (s *shop) orderCount(t *testing.T, customerID string) int {
	t.Helper()
	var n int
	if err := s.db.Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM customer_orders WHERE customer_id = ?`, customerID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestListCustomerResourcesThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		o, ids := s.paidResources(t, s.dist.ID, s.resale.ID, line(s.vm, catalogue.PeriodMonth, 1, 1), line(s.disk, catalogue.PeriodMonth, 2, 1))
		vm, disk := ids[0], ids[1]
		time.Sleep(1100 * time.Millisecond)
		p1 := s.launch(t, s.dist.ID, s.resale.ID, "data-1", 40)
		p2 := s.launch(t, s.dist.ID, s.resale.ID, "data-2", 100)
		p3 := s.launch(t, s.resA.ID, s.resACust.ID, "res-a-data", 10)
		_, foreignIDs := s.paidResources(t, s.dist2.ID, s.otherCust.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))

		// 包年/包月 resources of one customer, with every field.
		periodic := func(req model.QueryResourcesReq) ([]string, *model.ListPayPerUseCustomerResourcesResponse) {
			t.Helper()
			if req.CustomerId == nil {
				req.CustomerId = ptr(s.resale.ID)
			}
			resp, err := s.c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &req})
			if err != nil {
				t.Fatalf("ListPayPerUseCustomerResources: %v", err)
			}
			var out []string
			for _, r := range *resp.Data {
				out = append(out, *r.ResourceId)
			}
			return out, resp
		}
		got, resp := periodic(model.QueryResourcesReq{})
		if *resp.TotalCount != 2 || len(got) != 2 {
			t.Fatalf("periodic resources %v", resp)
		}
		r := s.resource(t, vm)
		var row model.OrderInstanceV2
		for _, x := range *resp.Data {
			if *x.ResourceId == vm {
				row = x
			}
		}
		if *row.Id != vm || *row.ResourceName != r.Name || *row.RegionCode != "cn-north-4" || *row.ServiceTypeCode != ecs ||
			*row.ServiceTypeName != "弹性云服务器" || *row.ResourceTypeCode != "hws.resource.type.vm" || *row.ResourceTypeName != "云主机" ||
			*row.ResourceSpecCode != "s6.small.1.linux" || *row.ProductId != s.vm.ID || *row.IsMainResource != 1 || *row.Status != 2 ||
			*row.EffectiveTime != *utc(r.EffectiveAt) || *row.ExpireTime != *utc(r.ExpiresAt) || *row.ExpirePolicy != 0 ||
			*row.ProductSpecDesc != "云主机|s6.small.1.linux 规格" || *row.UpdateTime == "" {
			t.Fatalf("vm row %v", row)
		}
		for name, c := range map[string]struct {
			req  model.QueryResourcesReq
			want []string
		}{
			"by id":            {model.QueryResourcesReq{ResourceIds: &[]string{disk}}, []string{disk}},
			"by order":         {model.QueryResourcesReq{OrderId: ptr(o.ID)}, nil},
			"in use":           {model.QueryResourcesReq{StatusList: &[]int32{2}}, nil},
			"closed":           {model.QueryResourcesReq{StatusList: &[]int32{3, 4}}, []string{}},
			"service type":     {model.QueryResourcesReq{ServiceTypeCode: ptr(evs)}, []string{disk}},
			"expiring late":    {model.QueryResourcesReq{ExpireTimeBegin: utc(r.ExpiresAt.Add(time.Hour))}, []string{disk}},
			"expiring early":   {model.QueryResourcesReq{ExpireTimeEnd: utc(r.ExpiresAt.Add(time.Hour))}, []string{vm}},
			"only main":        {model.QueryResourcesReq{OnlyMainResource: ptr(int32(1)), ResourceIds: &[]string{vm}}, []string{vm}},
			"another's in ids": {model.QueryResourcesReq{ResourceIds: &[]string{foreignIDs[0]}}, []string{}},
		} {
			ids, resp := periodic(c.req)
			if c.want == nil {
				if len(ids) != 2 || *resp.TotalCount != 2 {
					t.Fatalf("%s: %v", name, ids)
				}
				continue
			}
			equal(t, name, ids, c.want)
			if int(*resp.TotalCount) != len(c.want) {
				t.Fatalf("%s: total %d", name, *resp.TotalCount)
			}
		}
		page, resp := periodic(model.QueryResourcesReq{Offset: ptr(int32(1)), Limit: ptr(int32(1))})
		if len(page) != 1 || *resp.TotalCount != 2 {
			t.Fatalf("second page %v", page)
		}
		// The customer must be the caller's.
		_, err := s.c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{CustomerId: ptr(s.otherCust.ID)}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		_, err = s.c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{CustomerId: ptr(s.resACust.ID)}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		for name, c := range map[string]struct {
			req   model.QueryResourcesReq
			field string
		}{
			"no customer":          {model.QueryResourcesReq{}, "customer_id"},
			"empty service type":   {model.QueryResourcesReq{CustomerId: ptr(s.resale.ID), ServiceTypeCode: ptr("")}, "service_type_code"},
			"unknown status":       {model.QueryResourcesReq{CustomerId: ptr(s.resale.ID), StatusList: &[]int32{1}}, "status_list"},
			"only_main 2":          {model.QueryResourcesReq{CustomerId: ptr(s.resale.ID), OnlyMainResource: ptr(int32(2))}, "only_main_resource"},
			"limit above 500":      {model.QueryResourcesReq{CustomerId: ptr(s.resale.ID), Limit: ptr(int32(501))}, "limit"},
			"51 ids":               {model.QueryResourcesReq{CustomerId: ptr(s.resale.ID), ResourceIds: ptr(make([]string, 51))}, "resource_ids"},
			"expiry end too early": {model.QueryResourcesReq{CustomerId: ptr(s.resale.ID), ExpireTimeBegin: ptr("2026-02-01T00:00:00Z"), ExpireTimeEnd: ptr("2026-01-01T00:00:00Z")}, "expire_time_end"},
		} {
			_, err := s.c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &c.req})
			se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
			if !strings.HasPrefix(se.ErrorMessage, c.field+":") {
				t.Fatalf("%s: error_msg %q does not name %s", name, se.ErrorMessage, c.field)
			}
		}

		// Pay-per-use resources.
		onDemand := func(req model.QueryCustomerOnDemandResourcesReq, lang string) ([]string, *model.ListCustomerOnDemandResourcesResponse) {
			t.Helper()
			if req.CustomerId == "" {
				req.CustomerId = s.resale.ID
			}
			r := &model.ListCustomerOnDemandResourcesRequest{Body: &req}
			if lang != "" {
				r.XLanguage = &lang
			}
			resp, err := s.c.ListCustomerOnDemandResources(r)
			if err != nil {
				t.Fatalf("ListCustomerOnDemandResources: %v", err)
			}
			var out []string
			for _, x := range *resp.Resources {
				out = append(out, *x.ResourceId)
			}
			return out, resp
		}
		ids2, odr := onDemand(model.QueryCustomerOnDemandResourcesReq{}, "")
		equal(t, "pay-per-use, newest first", ids2, []string{p2.ID, p1.ID})
		if x := (*odr.Resources)[1]; *odr.TotalCount != 2 || *x.CustomerId != s.resale.ID || *x.RegionCode != "cn-north-4" || *x.ServiceTypeCode != evs ||
			*x.ServiceTypeName != "云硬盘" || *x.ResourceTypeCode != "hws.resource.type.volume" || *x.ResourceTypeName != "云硬盘" ||
			*x.ResourceName != "data-1" || *x.EffectiveTime != *utc(p1.EffectiveAt) || x.ExpireTime != nil || *x.Status != 1 ||
			*x.ResourceSpecCode != "sata" || *x.ResourceInfo != `{"specSize":40.0}` || *x.ProductSpecDesc != "云硬盘|sata 规格" {
			t.Fatalf("pay-per-use row %v", x)
		}
		if _, odr := onDemand(model.QueryCustomerOnDemandResourcesReq{}, "en_US"); *(*odr.Resources)[0].ServiceTypeName != "EVS" || *(*odr.Resources)[0].ResourceTypeName != "Disk" {
			t.Fatalf("in English %v", (*odr.Resources)[0])
		}
		for name, c := range map[string]struct {
			req  model.QueryCustomerOnDemandResourcesReq
			want []string
		}{
			"normal":         {model.QueryCustomerOnDemandResourcesReq{Status: ptr(int32(1))}, []string{p2.ID, p1.ID}},
			"closed":         {model.QueryCustomerOnDemandResourcesReq{Status: ptr(int32(6))}, []string{}},
			"changing":       {model.QueryCustomerOnDemandResourcesReq{Status: ptr(int32(4))}, []string{}},
			"by id":          {model.QueryCustomerOnDemandResourcesReq{ResourceIds: &[]string{p1.ID, vm}}, []string{p1.ID}},
			"region":         {model.QueryCustomerOnDemandResourcesReq{RegionCode: ptr("cn-south-1")}, []string{}},
			"service type":   {model.QueryCustomerOnDemandResourcesReq{ServiceTypeCode: ptr(evs)}, []string{p2.ID, p1.ID}},
			"effective from": {model.QueryCustomerOnDemandResourcesReq{EffectiveTimeBegin: utc(p1.EffectiveAt.Add(-time.Second))}, []string{p2.ID, p1.ID}},
			"effective to":   {model.QueryCustomerOnDemandResourcesReq{EffectiveTimeEnd: utc(p1.EffectiveAt.Add(-time.Second))}, []string{}},
			"page":           {model.QueryCustomerOnDemandResourcesReq{Offset: ptr(int32(1)), Limit: ptr(int32(1))}, []string{p1.ID}},
		} {
			ids, resp := onDemand(c.req, "")
			equal(t, name, ids, c.want)
			if name != "page" && int(*resp.TotalCount) != len(c.want) {
				t.Fatalf("%s: total %d", name, *resp.TotalCount)
			}
		}
		// A reseller's customer, with indirect_partner_id only.
		ids3, _ := onDemand(model.QueryCustomerOnDemandResourcesReq{CustomerId: s.resACust.ID, IndirectPartnerId: ptr(s.resA.ID)}, "")
		equal(t, "reseller's customer", ids3, []string{p3.ID})
		_, err = s.c.ListCustomerOnDemandResources(&model.ListCustomerOnDemandResourcesRequest{Body: &model.QueryCustomerOnDemandResourcesReq{CustomerId: s.resACust.ID}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		_, err = s.c.ListCustomerOnDemandResources(&model.ListCustomerOnDemandResourcesRequest{Body: &model.QueryCustomerOnDemandResourcesReq{CustomerId: s.otherCust.ID}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		_, err = s.c.ListCustomerOnDemandResources(&model.ListCustomerOnDemandResourcesRequest{Body: &model.QueryCustomerOnDemandResourcesReq{
			CustomerId: s.resale.ID, IndirectPartnerId: ptr(s.resC.ID)}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		for name, req := range map[string]model.QueryCustomerOnDemandResourcesReq{
			"no customer":     {},
			"status 7":        {CustomerId: s.resale.ID, Status: ptr(int32(7))},
			"limit above 100": {CustomerId: s.resale.ID, Limit: ptr(int32(101))},
			"bad time":        {CustomerId: s.resale.ID, EffectiveTimeBegin: ptr("yesterday")},
		} {
			_, err := s.c.ListCustomerOnDemandResources(&model.ListCustomerOnDemandResourcesRequest{Body: &req})
			if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); se.ErrorMessage == "" {
				t.Fatalf("%s: no message", name)
			}
		}
	})
}

func TestRenewUnsubscribeAndAutoRenewThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		_, ids := s.paidResources(t, s.dist.ID, s.resale.ID, line(s.vm, catalogue.PeriodMonth, 1, 1), line(s.disk, catalogue.PeriodMonth, 1, 1))
		vm, disk := ids[0], ids[1]
		ppu := s.launch(t, s.dist.ID, s.resale.ID, "data", 40)
		_, foreign := s.paidResources(t, s.dist2.ID, s.otherCust.ID, line(s.vm, catalogue.PeriodMonth, 1, 1))
		balance := s.balanceOf(t, s.resale.ID) // 500.00 - 130.00
		if balance != 370_00 {
			t.Fatalf("balance after the first order %d", balance)
		}
		renew := func(req model.RenewalResourcesReq) (*model.RenewalResourcesResponse, error) {
			return s.c.RenewalResources(&model.RenewalResourcesRequest{Body: &req})
		}

		// Auto-renewal on and off, as the resource list shows it.
		policy := func() int32 {
			t.Helper()
			resp, err := s.c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{
				CustomerId: ptr(s.resale.ID), ResourceIds: &[]string{vm}}})
			if err != nil || len(*resp.Data) != 1 {
				t.Fatalf("list: %v %v", resp, err)
			}
			return *(*resp.Data)[0].ExpirePolicy
		}
		if _, err := s.c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: vm, Body: &model.AutoRenewalResourcesReq{
			AutoRenewTimes: ptr(int32(3)), PeriodType: ptr(model.GetAutoRenewalResourcesReqPeriodTypeEnum().MONTH)}}); err != nil {
			t.Fatal(err)
		}
		if p := policy(); p != 3 || !s.resource(t, vm).AutoRenew {
			t.Fatalf("expire_policy with auto-renewal %d", p)
		}
		if _, err := s.c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: vm}); err != nil {
			t.Fatalf("turning it on twice: %v", err)
		}
		if _, err := s.c.CancelAutoRenewalResources(&model.CancelAutoRenewalResourcesRequest{ResourceId: vm}); err != nil {
			t.Fatal(err)
		}
		if p := policy(); p != 0 || s.resource(t, vm).AutoRenew {
			t.Fatalf("expire_policy without auto-renewal %d", p)
		}
		_, err := s.c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: foreign[0]})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0101")
		_, err = s.c.CancelAutoRenewalResources(&model.CancelAutoRenewalResourcesRequest{ResourceId: "no-such-resource"})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0101")
		_, err = s.c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: ppu.ID})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		_, err = s.c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: vm, Body: &model.AutoRenewalResourcesReq{AutoRenewTimes: ptr(int32(100))}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		if s.resource(t, vm).AutoRenew {
			t.Fatal("a refused call turned auto-renewal on")
		}

		// Renew the VM for a month, paid at once.
		expiry := s.resource(t, vm).ExpiresAt
		resp, err := renew(model.RenewalResourcesReq{ResourceIds: []string{vm}, PeriodType: 2, PeriodNum: 1, IsAutoPay: ptr(int32(1))})
		if err != nil || len(*resp.OrderIds) != 1 || resp.FailResourceInfos != nil {
			t.Fatalf("renew: %v %v", resp, err)
		}
		renewal := (*resp.OrderIds)[0]
		if st := s.status(t, renewal); st != order.StatusCompleted {
			t.Fatalf("auto-paid renewal status %d", st)
		}
		if got := s.resource(t, vm).ExpiresAt; !got.Equal(catalogue.PeriodEnd(expiry, catalogue.PeriodMonth, 1)) {
			t.Fatalf("renewed expiry %v from %v", got, expiry)
		}
		if b := s.balanceOf(t, s.resale.ID); b != 270_00 {
			t.Fatalf("balance after renewal %d", b)
		}
		// Without is_auto_pay the renewal waits for PayOrders.
		resp, err = renew(model.RenewalResourcesReq{ResourceIds: []string{disk}, PeriodType: 2, PeriodNum: 2})
		if err != nil || len(*resp.OrderIds) != 1 {
			t.Fatalf("renew without paying: %v %v", resp, err)
		}
		pending := (*resp.OrderIds)[0]
		if st := s.status(t, pending); st != order.StatusPendingPayment || s.balanceOf(t, s.resale.ID) != 270_00 {
			t.Fatalf("unpaid renewal status %d", st)
		}
		if _, err := s.c.PayOrders(payBody(pending)); err != nil {
			t.Fatal(err)
		}
		if b := s.balanceOf(t, s.resale.ID); b != 210_00 {
			t.Fatalf("balance after paying the renewal %d", b)
		}
		ol, err := s.c.ListCustomerOrders(&model.ListCustomerOrdersRequest{OrderType: ptr("2")})
		if err != nil || *ol.TotalCount != 2 {
			t.Fatalf("renewal orders %v %v", ol, err)
		}

		// Bad renewals change nothing.
		orders := s.orderCount(t, s.resale.ID)
		for name, c := range map[string]struct {
			req          model.RenewalResourcesReq
			code, prefix string
		}{
			"no resources":      {model.RenewalResourcesReq{ResourceIds: []string{}, PeriodType: 2, PeriodNum: 1}, "CBC.0100", "resource_ids:"},
			"11 resources":      {model.RenewalResourcesReq{ResourceIds: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ","), PeriodType: 2, PeriodNum: 1}, "CBC.0100", "resource_ids:"},
			"period type 1":     {model.RenewalResourcesReq{ResourceIds: []string{vm}, PeriodType: 1, PeriodNum: 1}, "CBC.0100", "period_type:"},
			"10 months":         {model.RenewalResourcesReq{ResourceIds: []string{vm}, PeriodType: 2, PeriodNum: 10}, "CBC.0100", "period_num:"},
			"4 years":           {model.RenewalResourcesReq{ResourceIds: []string{vm}, PeriodType: 3, PeriodNum: 4}, "CBC.0100", "period_num:"},
			"auto pay 2":        {model.RenewalResourcesReq{ResourceIds: []string{vm}, PeriodType: 2, PeriodNum: 1, IsAutoPay: ptr(int32(2))}, "CBC.0100", "is_auto_pay:"},
			"another partner's": {model.RenewalResourcesReq{ResourceIds: []string{foreign[0]}, PeriodType: 2, PeriodNum: 1}, "CBC.0101", ""},
			"pay-per-use":       {model.RenewalResourcesReq{ResourceIds: []string{ppu.ID}, PeriodType: 2, PeriodNum: 1}, "CBC.0100", ""},
		} {
			_, err := renew(c.req)
			se := wantSDKError(t, err, http.StatusBadRequest, c.code)
			if !strings.HasPrefix(se.ErrorMessage, c.prefix) {
				t.Fatalf("%s: error_msg %q", name, se.ErrorMessage)
			}
		}
		if n := s.orderCount(t, s.resale.ID); n != orders || s.balanceOf(t, s.resale.ID) != 210_00 {
			t.Fatalf("refused renewals made orders (%d, was %d) or moved money", n, orders)
		}

		// Unsubscribe the disk: released, the balance's share of the time
		// left refunded, with a completed unsubscription order.
		before := s.balanceOf(t, s.resale.ID)
		un, err := s.c.CancelResourcesSubscription(&model.CancelResourcesSubscriptionRequest{Body: &model.UnsubscribeResourcesReq{
			ResourceIds: []string{disk}, UnsubscribeType: 1, UnsubscribeReasonType: ptr(int32(5)), UnsubscribeReason: ptr("no longer needed")}})
		if err != nil || len(*un.OrderIds) != 1 {
			t.Fatalf("unsubscribe: %v %v", un, err)
		}
		refund := s.balanceOf(t, s.resale.ID) - before
		if refund < 89_00 || refund > 90_00 { // 30.00 for the first month and 60.00 for two more, nearly all of it left
			t.Fatalf("refund %d", refund)
		}
		if r := s.resource(t, disk); r.Status != order.ResourceClosed {
			t.Fatalf("unsubscribed disk %s", r.Status)
		}
		d, err := s.c.ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{OrderId: (*un.OrderIds)[0]})
		if err != nil || *d.OrderInfo.OrderType != 4 || *d.OrderInfo.Status != 5 || *d.OrderInfo.AmountAfterDiscount != -float64(refund)/100 ||
			(*d.OrderLineItems)[0].PeriodNum != nil || *d.OrderInfo.AmountInfo.CommissionAmount != 0 {
			t.Fatalf("unsubscription order %v %v", d, err)
		}
		rs, err := s.c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{
			CustomerId: ptr(s.resale.ID), StatusList: &[]int32{3}}})
		if err != nil || len(*rs.Data) != 1 || *(*rs.Data)[0].ResourceId != disk || *(*rs.Data)[0].Status != 3 {
			t.Fatalf("closed resources %v %v", rs, err)
		}

		// Renewing or unsubscribing the released disk: CBC.0100, nothing changes.
		balance, orders = s.balanceOf(t, s.resale.ID), s.orderCount(t, s.resale.ID)
		_, err = renew(model.RenewalResourcesReq{ResourceIds: []string{disk}, PeriodType: 2, PeriodNum: 1, IsAutoPay: ptr(int32(1))})
		if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); !strings.Contains(se.ErrorMessage, "released") {
			t.Fatalf("renewing a released resource: %q", se.ErrorMessage)
		}
		_, err = s.c.CancelResourcesSubscription(&model.CancelResourcesSubscriptionRequest{Body: &model.UnsubscribeResourcesReq{
			ResourceIds: []string{disk}, UnsubscribeType: 1}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		_, err = s.c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: disk})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		if s.balanceOf(t, s.resale.ID) != balance || s.orderCount(t, s.resale.ID) != orders || s.resource(t, disk).Status != order.ResourceClosed {
			t.Fatal("a refused action on a released resource changed something")
		}

		// Some renewable, some not: the orders and the refusals.
		resp, err = renew(model.RenewalResourcesReq{ResourceIds: []string{vm, disk, foreign[0]}, PeriodType: 2, PeriodNum: 1})
		if err != nil || len(*resp.OrderIds) != 1 || resp.FailResourceInfos == nil || len(*resp.FailResourceInfos) != 2 {
			t.Fatalf("mixed renewal %v %v", resp, err)
		}
		fails := map[string]string{}
		for _, f := range *resp.FailResourceInfos {
			fails[*f.ResourceId] = *f.ErrorCode
			if *f.ErrorMsg == "" {
				t.Fatalf("failure without a message %v", f)
			}
		}
		if fails[disk] != "CBC.0100" || fails[foreign[0]] != "CBC.0101" {
			t.Fatalf("failures %v", fails)
		}
		if _, err := s.c.CancelCustomerOrder(&model.CancelCustomerOrderRequest{Body: &model.CancelCustomerOrderReq{OrderId: (*resp.OrderIds)[0]}}); err != nil {
			t.Fatal(err)
		}

		// Unsubscription refusals.
		for name, c := range map[string]struct {
			req    model.UnsubscribeResourcesReq
			code   string
			prefix string
		}{
			"renewals only":     {model.UnsubscribeResourcesReq{ResourceIds: []string{vm}, UnsubscribeType: 2}, "CBC.0100", "unsubscribe_type:"},
			"type 3":            {model.UnsubscribeResourcesReq{ResourceIds: []string{vm}, UnsubscribeType: 3}, "CBC.0100", "unsubscribe_type:"},
			"reason type 6":     {model.UnsubscribeResourcesReq{ResourceIds: []string{vm}, UnsubscribeType: 1, UnsubscribeReasonType: ptr(int32(6))}, "CBC.0100", "unsubscribe_reason_type:"},
			"no resources":      {model.UnsubscribeResourcesReq{ResourceIds: []string{}, UnsubscribeType: 1}, "CBC.0100", "resource_ids:"},
			"another partner's": {model.UnsubscribeResourcesReq{ResourceIds: []string{foreign[0]}, UnsubscribeType: 1}, "CBC.0101", ""},
		} {
			_, err := s.c.CancelResourcesSubscription(&model.CancelResourcesSubscriptionRequest{Body: &c.req})
			se := wantSDKError(t, err, http.StatusBadRequest, c.code)
			if !strings.HasPrefix(se.ErrorMessage, c.prefix) {
				t.Fatalf("%s: error_msg %q", name, se.ErrorMessage)
			}
		}
		if s.resource(t, vm).Status != order.ResourceActive || s.resource(t, foreign[0]).Status == order.ResourceClosed {
			t.Fatal("a refused unsubscription released a resource")
		}
		// The pay-per-use resource is released without a refund.
		before = s.balanceOf(t, s.resale.ID)
		if _, err := s.c.CancelResourcesSubscription(&model.CancelResourcesSubscriptionRequest{Body: &model.UnsubscribeResourcesReq{
			ResourceIds: []string{ppu.ID}, UnsubscribeType: 1}}); err != nil {
			t.Fatal(err)
		}
		if s.balanceOf(t, s.resale.ID) != before || s.resource(t, ppu.ID).Status != order.ResourceClosed {
			t.Fatal("releasing a pay-per-use resource")
		}
		if ids, _ := func() ([]string, error) {
			r, err := s.c.ListCustomerOnDemandResources(&model.ListCustomerOnDemandResourcesRequest{Body: &model.QueryCustomerOnDemandResourcesReq{
				CustomerId: s.resale.ID, Status: ptr(int32(6))}})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, x := range *r.Resources {
				if x.ExpireTime == nil || *x.Status != 6 {
					t.Fatalf("closed pay-per-use row %v", x)
				}
				out = append(out, *x.ResourceId)
			}
			return out, nil
		}(); len(ids) != 1 || ids[0] != ppu.ID {
			t.Fatalf("closed pay-per-use resources %v", ids)
		}
		s.check(t)
	})
}
