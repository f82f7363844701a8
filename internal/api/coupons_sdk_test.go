package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// coupons is a coupon landscape on the fixture: the distributor holds a
// voucher quota of 1,000.00 (at most 300.00 a coupon, two service types)
// and a cash quota of 200.00; it has two resale customers and a referral
// one; reseller A holds a voucher quota of its own and a customer; the
// other distributor a quota too.
type coupons struct {
	*fixture
	srv                           *httptest.Server
	c                             *bss.BssClient
	cust1, cust2, referral, aCust *customer.Customer
	voucher, cash, resAQuota      *coupon.Quota
	otherQuota                    *coupon.Quota
}

func newCoupons(t *testing.T, db *store.DB) *coupons {
	f := newFixture(t, db)
	k := &coupons{fixture: f}
	k.cust1 = f.addCustomer(t, f.dist, customerSpec{name: "coupon-one", at: time.Hour})
	k.cust2 = f.addCustomer(t, f.dist, customerSpec{name: "coupon-two", at: time.Hour})
	k.referral = f.addCustomer(t, f.dist, customerSpec{name: "coupon-ref", typ: customer.Referral, at: time.Hour})
	k.aCust = f.addCustomer(t, f.resA, customerSpec{name: "coupon-a", at: time.Hour})
	ctx := t.Context()
	grant := func(tx *store.Tx, p string, typ int, value, max int64, services ...string) *coupon.Quota {
		q, err := coupon.Grant(ctx, tx, coupon.NewQuota{PartnerID: p, Type: typ, Value: value, EffectiveAt: tx.Now.Add(-time.Hour),
			ExpiresAt: tx.Now.AddDate(0, 6, 0), MaxFaceValue: max, ServiceTypes: services}, "finance")
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		k.voucher = grant(tx, f.dist.ID, coupon.VoucherQuota, 1000_00, 300_00, "hws.service.type.ec2", "hws.service.type.ebs")
		k.cash = grant(tx, f.dist.ID, coupon.CashQuota, 200_00, 0)
		k.resAQuota = grant(tx, f.resA.ID, coupon.VoucherQuota, 50_00, 0)
		k.otherQuota = grant(tx, f.dist2.ID, coupon.VoucherQuota, 50_00, 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	k.srv, k.c = f.sdk(t)
	return k
}

func (k *coupons) quotas(t *testing.T, body model.QueryCouponQuotasReqExt) *model.ListQuotaCouponsResponse {
	t.Helper()
	resp, err := k.c.ListQuotaCoupons(&model.ListQuotaCouponsRequest{Body: &body})
	if err != nil || resp.TotalCount == nil || resp.Quotas == nil {
		t.Fatalf("ListQuotaCoupons: %v %v", resp, err)
	}
	return resp
}

func (k *coupons) issue(body model.CreatePartnerCouponsReq) (*model.CreatePartnerCouponsResponse, error) {
	return k.c.CreatePartnerCoupons(&model.CreatePartnerCouponsRequest{Body: &body})
}

func (k *coupons) issued(t *testing.T, req model.ListIssuedPartnerCouponsRequest) *model.ListIssuedPartnerCouponsResponse {
	t.Helper()
	resp, err := k.c.ListIssuedPartnerCoupons(&req)
	if err != nil || resp.TotalCount == nil || resp.UserCoupons == nil {
		t.Fatalf("ListIssuedPartnerCoupons: %v %v", resp, err)
	}
	return resp
}

// balanceOf reads a quota's balance through the SDK.
func (k *coupons) balanceOf(t *testing.T, quotaID string, typ int32, indirect *string) string {
	t.Helper()
	resp := k.quotas(t, model.QueryCouponQuotasReqExt{QuotaIds: &[]string{quotaID}, QuotaType: &typ, IndirectPartnerId: indirect})
	if *resp.TotalCount != 1 {
		t.Fatalf("quota %s: %d found", quotaID, *resp.TotalCount)
	}
	return (*resp.Quotas)[0].Balance.StringFixed(2)
}

// check runs the ledger's invariants, among them every quota's.
func (k *coupons) check(t *testing.T) { (&money{fixture: k.fixture}).check(t) }

func TestQuotasThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k := newCoupons(t, db)
		resp := k.quotas(t, model.QueryCouponQuotasReqExt{})
		if *resp.TotalCount != 1 || len(*resp.Quotas) != 1 {
			t.Fatalf("vouchers by default: %d", *resp.TotalCount)
		}
		q := (*resp.Quotas)[0]
		if *q.QuotaId != k.voucher.ID || *q.QuotaType != 0 || q.QuotaValue.StringFixed(2) != "1000.00" || q.Balance.StringFixed(2) != "1000.00" ||
			*q.QuotaStatus != 0 || *q.MeasureId != 1 || *q.Currency != "CNY" || *q.ExpireTime != k.voucher.ExpiresAt.UTC().Format(time.RFC3339) {
			t.Fatalf("voucher quota: %+v", q)
		}
		limits := map[string]int{}
		for _, l := range *q.LimitInfos {
			limits[*l.LimitKey] = len(*l.LimitValues)
		}
		if limits["MAX_FACE_VALUE"] != 1 || limits["CLOUD_SERVICE_TYPE"] != 2 {
			t.Fatalf("limits: %v", limits)
		}
		if resp := k.quotas(t, model.QueryCouponQuotasReqExt{QuotaType: ptr(int32(1))}); *resp.TotalCount != 1 || *(*resp.Quotas)[0].QuotaId != k.cash.ID {
			t.Fatalf("cash: %v", resp)
		}
		if resp := k.quotas(t, model.QueryCouponQuotasReqExt{QuotaStatusList: &[]int32{5}}); *resp.TotalCount != 0 {
			t.Fatalf("frozen: %d", *resp.TotalCount)
		}
		future := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05Z")
		if resp := k.quotas(t, model.QueryCouponQuotasReqExt{CreateTimeBegin: &future}); *resp.TotalCount != 0 {
			t.Fatalf("created in the future: %d", *resp.TotalCount)
		}
		// A reseller's quotas through its distributor; another's not at all.
		if got := k.balanceOf(t, k.resAQuota.ID, 0, &k.resA.ID); got != "50.00" {
			t.Fatalf("reseller quota %s", got)
		}
		_, err := k.c.ListQuotaCoupons(&model.ListQuotaCouponsRequest{Body: &model.QueryCouponQuotasReqExt{IndirectPartnerId: &k.resC.ID}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		if resp := k.quotas(t, model.QueryCouponQuotasReqExt{QuotaIds: &[]string{k.otherQuota.ID}}); *resp.TotalCount != 0 {
			t.Fatal("another partner's quota is listed")
		}
		for _, body := range []model.QueryCouponQuotasReqExt{
			{QuotaType: ptr(int32(2))}, {QuotaStatusList: &[]int32{1}}, {Limit: ptr(int32(0))},
			{CreateTimeBegin: ptr("2024-01-01")}, {CreateTimeBegin: ptr("2024-02-01T00:00:00Z"), CreateTimeEnd: ptr("2024-01-01T00:00:00Z")},
		} {
			_, err := k.c.ListQuotaCoupons(&model.ListQuotaCouponsRequest{Body: &body})
			wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		}
	})
}

func TestIssueListAndReclaimCouponsThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k := newCoupons(t, db)
		resp, err := k.issue(model.CreatePartnerCouponsReq{QuotaId: k.voucher.ID, FaceValue: yuanDec("100.25"),
			CustomerIds:       []string{k.cust1.ID, k.referral.ID, k.cust2.ID, k.aCust.ID, "no-such-customer"},
			CloudServiceTypes: &[]string{"hws.service.type.ec2"}, Memo: ptr("spring")})
		if err != nil || resp.CouponInfos == nil || resp.ErrorDetails == nil {
			t.Fatalf("issue: %v %v", resp, err)
		}
		issued := map[string]string{}
		for _, ci := range *resp.CouponInfos {
			issued[ci.Id] = ci.CouponId
		}
		if len(issued) != 2 || issued[k.cust1.ID] == "" || issued[k.cust2.ID] == "" {
			t.Fatalf("coupon infos: %+v", *resp.CouponInfos)
		}
		failedCodes := map[string]string{}
		for _, d := range *resp.ErrorDetails {
			failedCodes[*d.Id] = *d.ErrorCode
			if *d.ErrorMsg == "" {
				t.Fatalf("no message: %+v", d)
			}
		}
		if len(failedCodes) != 3 || failedCodes[k.referral.ID] != "PC.0409" || failedCodes[k.aCust.ID] != "PC.0404" ||
			failedCodes["no-such-customer"] != "PC.0404" {
			t.Fatalf("error details: %v", failedCodes)
		}
		if got := k.balanceOf(t, k.voucher.ID, 0, nil); got != "799.50" {
			t.Fatalf("quota balance %s", got)
		}

		// Bad requests change nothing.
		for _, body := range []model.CreatePartnerCouponsReq{
			{QuotaId: k.voucher.ID, CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("1.001")},
			{QuotaId: k.voucher.ID, CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("0")},
			{QuotaId: k.voucher.ID, CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("-5")},
			{QuotaId: k.voucher.ID, CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("300.01")},
			{QuotaId: k.voucher.ID, CustomerIds: []string{}, FaceValue: yuanDec("1")},
			{QuotaId: k.voucher.ID, CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("1"), ExpireTime: ptr("2099-01-01T00:00:00Z")},
			{QuotaId: k.voucher.ID, CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("1"), ValidTime: ptr("tomorrow")},
			{QuotaId: k.voucher.ID, CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("1"), CloudServiceTypes: &[]string{"hws.service.type.rds"}},
		} {
			_, err := k.issue(body)
			se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
			if body.FaceValue.Sign() <= 0 || body.FaceValue.Exponent() < -2 {
				if se.ErrorMessage == "" || !strings.Contains(se.ErrorMessage, "face_value") {
					t.Fatalf("message does not name face_value: %q", se.ErrorMessage)
				}
			}
		}
		_, err = k.issue(model.CreatePartnerCouponsReq{QuotaId: k.otherQuota.ID, CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("1")})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		if got := k.balanceOf(t, k.voucher.ID, 0, nil); got != "799.50" {
			t.Fatalf("quota balance after refusals %s", got)
		}

		// A reseller's coupon through its distributor.
		resp, err = k.issue(model.CreatePartnerCouponsReq{QuotaId: k.resAQuota.ID, CustomerIds: []string{k.aCust.ID},
			FaceValue: yuanDec("20"), IndirectPartnerId: &k.resA.ID})
		if err != nil || len(*resp.CouponInfos) != 1 || len(*resp.ErrorDetails) != 0 {
			t.Fatalf("reseller issue: %v %v", resp, err)
		}
		resACoupon := (*resp.CouponInfos)[0].CouponId

		list := k.issued(t, model.ListIssuedPartnerCouponsRequest{})
		if *list.TotalCount != 2 || len(*list.UserCoupons) != 2 {
			t.Fatalf("issued: %d", *list.TotalCount)
		}
		u := (*list.UserCoupons)[0]
		if *u.CouponType != 1 || *u.Status != 2 || u.FaceValue.StringFixed(2) != "100.25" || u.Balance.StringFixed(2) != "100.25" ||
			*u.MeasureId != 1 || *u.ExpireTime != k.voucher.ExpiresAt.UTC().Format(time.RFC3339) || len(*u.UseLimits) != 1 ||
			*(*u.UseLimits)[0].Value1 != "hws.service.type.ec2" || *u.IsFrozen != "0" {
			t.Fatalf("coupon: %+v", u)
		}
		if l := k.issued(t, model.ListIssuedPartnerCouponsRequest{CustomerId: &k.cust1.ID}); *l.TotalCount != 1 ||
			*(*l.UserCoupons)[0].CouponId != issued[k.cust1.ID] {
			t.Fatalf("by customer: %d", *l.TotalCount)
		}
		if l := k.issued(t, model.ListIssuedPartnerCouponsRequest{CouponType: ptr(int32(4))}); *l.TotalCount != 0 {
			t.Fatalf("cash coupons: %d", *l.TotalCount)
		}
		if l := k.issued(t, model.ListIssuedPartnerCouponsRequest{Limit: ptr(int32(1)), Offset: ptr(int32(1))}); *l.TotalCount != 2 ||
			len(*l.UserCoupons) != 1 {
			t.Fatalf("paging: %d", len(*l.UserCoupons))
		}
		if l := k.issued(t, model.ListIssuedPartnerCouponsRequest{IndirectPartnerId: &k.resA.ID}); *l.TotalCount != 1 ||
			*(*l.UserCoupons)[0].CouponId != resACoupon {
			t.Fatalf("reseller's coupons: %d", *l.TotalCount)
		}
		for _, req := range []model.ListIssuedPartnerCouponsRequest{{Status: ptr(int32(9))}, {CouponType: ptr(int32(2))},
			{ExpireTimeBegin: ptr("2024-13-01T00:00:00Z")}, {Limit: ptr(int32(1001))}} {
			_, err := k.c.ListIssuedPartnerCoupons(&req)
			wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		}
		_, err = k.c.ListIssuedPartnerCoupons(&model.ListIssuedPartnerCouponsRequest{IndirectPartnerId: &k.resC.ID})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")

		// Reclaim: the whole balance returns to the quota; only once.
		reclaim := func(id string, indirect *string) error {
			_, err := k.c.ReclaimPartnerCoupons(&model.ReclaimPartnerCouponsRequest{Body: &model.ReclaimPartnerCouponsReq{CouponId: id,
				IndirectPartnerId: indirect}})
			return err
		}
		if err := reclaim(issued[k.cust1.ID], nil); err != nil {
			t.Fatal(err)
		}
		if got := k.balanceOf(t, k.voucher.ID, 0, nil); got != "899.75" {
			t.Fatalf("quota balance after reclaim %s", got)
		}
		if l := k.issued(t, model.ListIssuedPartnerCouponsRequest{Status: ptr(int32(5))}); *l.TotalCount != 1 ||
			*(*l.UserCoupons)[0].CouponId != issued[k.cust1.ID] {
			t.Fatalf("reclaimed coupons: %d", *l.TotalCount)
		}
		nextSecond()
		wantSDKError(t, reclaim(issued[k.cust1.ID], nil), http.StatusConflict, "PC.0409")
		wantSDKError(t, reclaim(resACoupon, nil), http.StatusNotFound, "PC.0404")
		wantSDKError(t, reclaim("", nil), http.StatusBadRequest, "CBC.0100")
		if err := reclaim(resACoupon, &k.resA.ID); err != nil {
			t.Fatal(err)
		}
		if got := k.balanceOf(t, k.resAQuota.ID, 0, &k.resA.ID); got != "50.00" {
			t.Fatalf("reseller quota after reclaim %s", got)
		}
		k.check(t)
	})
}

// Another total distributor sees none of the caller's coupons or quotas.
func TestCouponsOfAnotherPartnerAreNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k := newCoupons(t, db)
		resp, err := k.issue(model.CreatePartnerCouponsReq{QuotaId: k.cash.ID, CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("10")})
		if err != nil || len(*resp.CouponInfos) != 1 {
			t.Fatalf("issue: %v %v", resp, err)
		}
		other := client(t, k.srv, k.dist2Key.ID, k.dist2Key.Secret, k.dist2.DomainID)
		_, err = other.ReclaimPartnerCoupons(&model.ReclaimPartnerCouponsRequest{Body: &model.ReclaimPartnerCouponsReq{
			CouponId: (*resp.CouponInfos)[0].CouponId}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		_, err = other.CreatePartnerCoupons(&model.CreatePartnerCouponsRequest{Body: &model.CreatePartnerCouponsReq{QuotaId: k.cash.ID,
			CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("10")}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		list, err := other.ListIssuedPartnerCoupons(&model.ListIssuedPartnerCouponsRequest{})
		if err != nil || *list.TotalCount != 0 {
			t.Fatalf("other's list: %v %v", list, err)
		}
	})
}

func TestSubCustomerCouponsThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k := newCoupons(t, db)
		for _, body := range []model.CreatePartnerCouponsReq{
			{QuotaId: k.voucher.ID, CustomerIds: []string{k.cust1.ID, k.cust2.ID}, FaceValue: yuanDec("12.34")},
			{QuotaId: k.cash.ID, CustomerIds: []string{k.cust1.ID}, FaceValue: yuanDec("5")},
		} {
			if resp, err := k.issue(body); err != nil || len(*resp.ErrorDetails) != 0 {
				t.Fatalf("issue: %v %v", resp, err)
			}
		}
		list := func(req model.ListSubCustomerCouponsRequest) *model.ListSubCustomerCouponsResponse {
			t.Helper()
			resp, err := k.c.ListSubCustomerCoupons(&req)
			if err != nil || resp.Count == nil || resp.UserCoupons == nil {
				t.Fatalf("ListSubCustomerCoupons: %v %v", resp, err)
			}
			return resp
		}
		all := list(model.ListSubCustomerCouponsRequest{})
		if *all.Count != 3 {
			t.Fatalf("coupons: %d", *all.Count)
		}
		u := (*all.UserCoupons)[0]
		if *u.CouponType != 4 || *u.FaceValue != 5 || *u.Balance != 5 || *u.Currency != "CNY" || *u.SourceId != k.dist.ID ||
			*u.CouponVersion != 2 || *u.CouponCode == "" || *u.CustomerId != k.cust1.ID || *u.Status != 2 {
			t.Fatalf("coupon: %+v", u)
		}
		future := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05Z")
		for _, c := range []struct {
			req  model.ListSubCustomerCouponsRequest
			want int32
		}{
			{model.ListSubCustomerCouponsRequest{CouponType: ptr(int32(1))}, 2},
			{model.ListSubCustomerCouponsRequest{CouponType: ptr(int32(2))}, 0},
			{model.ListSubCustomerCouponsRequest{SourceId: &k.dist.ID}, 3},
			{model.ListSubCustomerCouponsRequest{SourceId: &k.dist2.ID}, 0},
			{model.ListSubCustomerCouponsRequest{PromotionPlanId: ptr("plan")}, 0},
			{model.ListSubCustomerCouponsRequest{Status: ptr(int32(2)), Limit: ptr(int32(1))}, 3},
			{model.ListSubCustomerCouponsRequest{ActiveStartTime: &future}, 0},
			{model.ListSubCustomerCouponsRequest{CouponId: u.CouponId}, 1},
			{model.ListSubCustomerCouponsRequest{IndirectPartnerId: &k.resA.ID}, 0},
		} {
			if got := list(c.req); *got.Count != c.want {
				t.Fatalf("%+v: %d, want %d", c.req, *got.Count, c.want)
			}
		}
		for _, req := range []model.ListSubCustomerCouponsRequest{{Status: ptr(int32(6))}, {CouponType: ptr(int32(5))},
			{ActiveStartTime: ptr("2024-01-01")}} {
			_, err := k.c.ListSubCustomerCoupons(&req)
			wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		}
		_, err := k.c.ListSubCustomerCoupons(&model.ListSubCustomerCouponsRequest{IndirectPartnerId: &k.resC.ID})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
	})
}

// A retry with the same Idempotency-Key issues nothing more; the coupons an
// order used are found by the order, used up.
func TestCouponIssueRetryAndOrderThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k := newCoupons(t, db)
		body := []byte(`{"quota_id":"` + k.cash.ID + `","customer_ids":["` + k.cust1.ID + `"],"face_value":"30.50"}`)
		h := http.Header{"Idempotency-Key": {"issue-1"}}
		first := call(t, k.srv, k.distKey, k.dist.DomainID, "POST", "/v2/promotions/benefits/partner-coupons", body, h)
		again := call(t, k.srv, k.distKey, k.dist.DomainID, "POST", "/v2/promotions/benefits/partner-coupons", body, h)
		if first.Status != 200 || string(first.Body) != string(again.Body) || again.Header.Get("Idempotency-Replayed") != "true" {
			t.Fatalf("retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		if got := k.balanceOf(t, k.cash.ID, 1, nil); got != "169.50" {
			t.Fatalf("cash quota after a retried issue: %s", got)
		}
		l := k.issued(t, model.ListIssuedPartnerCouponsRequest{CouponType: ptr(int32(4))})
		if *l.TotalCount != 1 {
			t.Fatalf("cash coupons: %d", *l.TotalCount)
		}
		id := *(*l.UserCoupons)[0].CouponId
		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := coupon.Redeem(t.Context(), tx, coupon.Redemption{CouponID: id, CustomerID: k.cust1.ID, Amount: 30_50,
				Reference: "ORDER-1", ServiceType: "hws.service.type.ec2"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		byOrder := k.issued(t, model.ListIssuedPartnerCouponsRequest{OrderId: ptr("ORDER-1")})
		if *byOrder.TotalCount != 1 || *(*byOrder.UserCoupons)[0].Status != 3 || !(*byOrder.UserCoupons)[0].Balance.IsZero() ||
			(*byOrder.UserCoupons)[0].LastUsedTime == nil {
			t.Fatalf("by order: %+v", *byOrder.UserCoupons)
		}
		if l := k.issued(t, model.ListIssuedPartnerCouponsRequest{OrderId: ptr("ORDER-2")}); *l.TotalCount != 0 {
			t.Fatalf("another order: %d", *l.TotalCount)
		}
		_, err := k.c.ReclaimPartnerCoupons(&model.ReclaimPartnerCouponsRequest{Body: &model.ReclaimPartnerCouponsReq{CouponId: id}})
		wantSDKError(t, err, http.StatusConflict, "PC.0409")
		k.check(t)
	})
}
