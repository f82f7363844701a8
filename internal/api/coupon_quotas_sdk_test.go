package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func (k *coupons) issueQuotas(body model.AdjustCouponQuotasReq) (*model.UpdateCouponQuotasResponse, error) {
	return k.c.UpdateCouponQuotas(&model.UpdateCouponQuotasRequest{Body: &body})
}

func (k *coupons) quotaRecords(t *testing.T, req model.ListCouponQuotasRecordsRequest) *model.ListCouponQuotasRecordsResponse {
	t.Helper()
	resp, err := k.c.ListCouponQuotasRecords(&req)
	if err != nil || resp.TotalCount == nil || resp.Records == nil {
		t.Fatalf("ListCouponQuotasRecords: %v %v", resp, err)
	}
	return resp
}

func TestResellerQuotasThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k := newCoupons(t, db)
		resp, err := k.issueQuotas(model.AdjustCouponQuotasReq{QuotaId: k.voucher.ID, QuotaAmount: yuanDec("100.50"),
			IndirectPartnerIds: []string{k.resA.ID, k.resB.ID, k.resC.ID, "no-such-reseller"}})
		if err != nil || resp.SimpleQuotaInfos == nil || resp.ErrorDetails == nil {
			t.Fatalf("issue quotas: %v %v", resp, err)
		}
		children := map[string]string{}
		for _, s := range *resp.SimpleQuotaInfos {
			children[s.Id] = s.QuotaId
		}
		if len(children) != 2 || children[k.resA.ID] == "" || children[k.resB.ID] == "" || len(*resp.ErrorDetails) != 2 {
			t.Fatalf("results: %+v %+v", *resp.SimpleQuotaInfos, *resp.ErrorDetails)
		}
		for _, d := range *resp.ErrorDetails {
			if *d.ErrorCode != "PC.0404" || (*d.Id != k.resC.ID && *d.Id != "no-such-reseller") {
				t.Fatalf("error detail: %+v", d)
			}
		}
		if got := k.balanceOf(t, k.voucher.ID, 0, nil); got != "799.00" {
			t.Fatalf("distributor's quota %s", got)
		}

		// Bad requests change nothing.
		for _, body := range []model.AdjustCouponQuotasReq{
			{QuotaId: k.voucher.ID, QuotaAmount: yuanDec("1.001"), IndirectPartnerIds: []string{k.resA.ID}},
			{QuotaId: k.voucher.ID, QuotaAmount: yuanDec("0"), IndirectPartnerIds: []string{k.resA.ID}},
			{QuotaId: k.voucher.ID, QuotaAmount: yuanDec("-1"), IndirectPartnerIds: []string{k.resA.ID}},
		} {
			_, err := k.issueQuotas(body)
			if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); !strings.Contains(se.ErrorMessage, "quota_amount") {
				t.Fatalf("message does not name quota_amount: %q", se.ErrorMessage)
			}
		}
		_, err = k.issueQuotas(model.AdjustCouponQuotasReq{QuotaId: k.voucher.ID, QuotaAmount: yuanDec("1"), IndirectPartnerIds: []string{}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		_, err = k.issueQuotas(model.AdjustCouponQuotasReq{QuotaId: k.otherQuota.ID, QuotaAmount: yuanDec("1"), IndirectPartnerIds: []string{k.resA.ID}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		plain := client(t, k.srv, k.plainKey.ID, k.plainKey.Secret, k.plain.DomainID)
		_, err = plain.UpdateCouponQuotas(&model.UpdateCouponQuotasRequest{Body: &model.AdjustCouponQuotasReq{QuotaId: k.voucher.ID,
			QuotaAmount: yuanDec("1"), IndirectPartnerIds: []string{k.resA.ID}}})
		wantSDKError(t, err, http.StatusForbidden, "CBC.0151")
		if got := k.balanceOf(t, k.voucher.ID, 0, nil); got != "799.00" {
			t.Fatalf("distributor's quota after refusals %s", got)
		}

		// The issued quotas, as the distributor lists them and the reseller holds them.
		issued, err := k.c.ListIssuedCouponQuotas(&model.ListIssuedCouponQuotasRequest{})
		if err != nil || *issued.TotalCount != 2 {
			t.Fatalf("issued quotas: %v %v", issued, err)
		}
		byA, err := k.c.ListIssuedCouponQuotas(&model.ListIssuedCouponQuotasRequest{IndirectPartnerId: &k.resA.ID})
		if err != nil || *byA.TotalCount != 1 {
			t.Fatalf("issued to A: %v %v", byA, err)
		}
		qa := (*byA.Quotas)[0]
		if *qa.QuotaId != children[k.resA.ID] || *qa.ParentQuotaId != k.voucher.ID || *qa.IndirectPartnerId != k.resA.ID ||
			*qa.IndirectPartnerAccountName != k.resA.DomainName || *qa.IndirectPartnerName != k.resA.DisplayName ||
			qa.QuotaValue.StringFixed(2) != "100.50" || qa.Balance.StringFixed(2) != "100.50" || *qa.QuotaStatus != 0 {
			t.Fatalf("A's quota: %+v", qa)
		}
		if l, err := k.c.ListIssuedCouponQuotas(&model.ListIssuedCouponQuotasRequest{ParentQuotaId: &k.cash.ID}); err != nil || *l.TotalCount != 0 {
			t.Fatalf("from the cash quota: %v %v", l, err)
		}
		_, err = k.c.ListIssuedCouponQuotas(&model.ListIssuedCouponQuotasRequest{IndirectPartnerId: &k.resC.ID})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		if got := k.balanceOf(t, children[k.resA.ID], 0, &k.resA.ID); got != "100.50" {
			t.Fatalf("A holds %s", got)
		}

		// A coupon from A's new quota, then both quotas reclaimed with a remark.
		cp, err := k.issue(model.CreatePartnerCouponsReq{QuotaId: children[k.resA.ID], CustomerIds: []string{k.aCust.ID},
			FaceValue: yuanDec("20"), IndirectPartnerId: &k.resA.ID})
		if err != nil || len(*cp.CouponInfos) != 1 {
			t.Fatalf("coupon from A's quota: %v %v", cp, err)
		}
		reclaim := func(ids ...string) *model.ReclaimCouponQuotasResponse {
			t.Helper()
			resp, err := k.c.ReclaimCouponQuotas(&model.ReclaimCouponQuotasRequest{Body: &model.ReclaimCouponQuotasReq{QuotaIds: ids,
				Remark: ptr("year end")}})
			if err != nil || resp.SimpleQuotaInfos == nil || resp.ErrorDetails == nil {
				t.Fatalf("reclaim quotas: %v %v", resp, err)
			}
			return resp
		}
		back := reclaim(children[k.resA.ID], children[k.resB.ID], k.otherQuota.ID)
		if len(*back.SimpleQuotaInfos) != 2 || len(*back.ErrorDetails) != 1 || *(*back.ErrorDetails)[0].ErrorCode != "PC.0404" {
			t.Fatalf("reclaim: %+v %+v", *back.SimpleQuotaInfos, *back.ErrorDetails)
		}
		if a, b := (*back.SimpleQuotaInfos)[0], (*back.SimpleQuotaInfos)[1]; a.QuotaBalance.StringFixed(2) != "980.00" ||
			b.QuotaBalance.StringFixed(2) != "980.00" {
			t.Fatalf("balances after: %v %v", a.QuotaBalance, b.QuotaBalance)
		}
		again := reclaim(children[k.resA.ID])
		if len(*again.ErrorDetails) != 1 || *(*again.ErrorDetails)[0].ErrorCode != "PC.0409" {
			t.Fatalf("reclaimed twice: %+v", *again.ErrorDetails)
		}
		_, err = k.c.ReclaimCouponQuotas(&model.ReclaimCouponQuotasRequest{Body: &model.ReclaimCouponQuotasReq{QuotaIds: make([]string, 11)}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		if l := k.issued(t, model.ListIssuedPartnerCouponsRequest{IndirectPartnerId: &k.resA.ID, Status: ptr(int32(2))}); *l.TotalCount != 1 {
			t.Fatal("a coupon of a reclaimed quota is no longer usable")
		}

		// The records of all this.
		all := k.quotaRecords(t, model.ListCouponQuotasRecordsRequest{})
		if *all.TotalCount != 6 {
			t.Fatalf("quota records: %d", *all.TotalCount)
		}
		for _, r := range *all.Records {
			if *r.IndirectPartnerId == k.resC.ID && (*r.IndirectPartnerAccountName != "" || *r.Result != "-1") {
				t.Fatalf("another distributor's reseller named: %+v", r)
			}
		}
		reclaims := k.quotaRecords(t, model.ListCouponQuotasRecordsRequest{OperationType: ptr("11")})
		if *reclaims.TotalCount != 2 {
			t.Fatalf("reclaim records: %d", *reclaims.TotalCount)
		}
		for _, r := range *reclaims.Records {
			if *r.Remark != "year end" || *r.Result != "0" || *r.ParentQuotaId != k.voucher.ID || *r.QuotaId != children[*r.IndirectPartnerId] {
				t.Fatalf("reclaim record: %+v", r)
			}
		}
		if l := k.quotaRecords(t, model.ListCouponQuotasRecordsRequest{QuotaId: ptr(children[k.resA.ID])}); *l.TotalCount != 2 {
			t.Fatalf("records of A's quota: %d", *l.TotalCount)
		}
		if l := k.quotaRecords(t, model.ListCouponQuotasRecordsRequest{IndirectPartnerId: &k.resB.ID}); *l.TotalCount != 2 ||
			*(*l.Records)[0].IndirectPartnerAccountName != k.resB.DomainName {
			t.Fatalf("records of B: %d", *l.TotalCount)
		}
		if l := k.quotaRecords(t, model.ListCouponQuotasRecordsRequest{OperationType: ptr("10"), Limit: ptr(int32(1)),
			Offset: ptr(int32(1))}); *l.TotalCount != 4 || len(*l.Records) != 1 {
			t.Fatalf("issue records: %d", *l.TotalCount)
		}
		_, err = k.c.ListCouponQuotasRecords(&model.ListCouponQuotasRecordsRequest{OperationTimeBegin: ptr("yesterday")})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		_, err = plain.ListCouponQuotasRecords(&model.ListCouponQuotasRecordsRequest{})
		wantSDKError(t, err, http.StatusForbidden, "CBC.0151")
		k.check(t)
	})
}

func TestCouponRecordsThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k := newCoupons(t, db)
		resp, err := k.issue(model.CreatePartnerCouponsReq{QuotaId: k.cash.ID, FaceValue: yuanDec("10"),
			CustomerIds: []string{k.cust1.ID, k.referral.ID}})
		if err != nil || len(*resp.CouponInfos) != 1 {
			t.Fatalf("issue: %v %v", resp, err)
		}
		id := (*resp.CouponInfos)[0].CouponId
		if _, err := k.c.ReclaimPartnerCoupons(&model.ReclaimPartnerCouponsRequest{Body: &model.ReclaimPartnerCouponsReq{CouponId: id}}); err != nil {
			t.Fatal(err)
		}
		records := func(req model.ListPartnerCouponsRecordRequest) *model.ListPartnerCouponsRecordResponse {
			t.Helper()
			resp, err := k.c.ListPartnerCouponsRecord(&req)
			if err != nil || resp.TotalCount == nil || resp.Records == nil {
				t.Fatalf("ListPartnerCouponsRecord: %v %v", resp, err)
			}
			return resp
		}
		all := records(model.ListPartnerCouponsRecordRequest{})
		if *all.TotalCount != 3 {
			t.Fatalf("records: %d", *all.TotalCount)
		}
		r := (*all.Records)[0]
		if *r.OperationType != "2" || *r.CouponId != id || *r.CustomerId != k.cust1.ID || *r.QuotaId != k.cash.ID || *r.QuotaType != 1 ||
			r.OperationAmount.StringFixed(2) != "10.00" || *r.Result != "0" {
			t.Fatalf("reclaim record: %+v", r)
		}
		for _, c := range []struct {
			req  model.ListPartnerCouponsRecordRequest
			want int32
		}{
			{model.ListPartnerCouponsRecordRequest{OperationTypes: &[]string{"1"}}, 2},
			{model.ListPartnerCouponsRecordRequest{OperationTypes: &[]string{"1", "2"}, Result: ptr("-1")}, 1},
			{model.ListPartnerCouponsRecordRequest{Result: ptr("0")}, 2},
			{model.ListPartnerCouponsRecordRequest{CouponIds: &[]string{id}}, 2},
			{model.ListPartnerCouponsRecordRequest{CustomerId: &k.referral.ID}, 1},
			{model.ListPartnerCouponsRecordRequest{QuotaType: ptr(int32(0))}, 0},
			{model.ListPartnerCouponsRecordRequest{QuotaId: &k.cash.ID, Limit: ptr(int32(2))}, 3},
			{model.ListPartnerCouponsRecordRequest{OperationTypes: &[]string{"5"}}, 0},
			{model.ListPartnerCouponsRecordRequest{IndirectPartnerId: &k.resA.ID}, 0},
		} {
			if got := records(c.req); *got.TotalCount != c.want {
				t.Fatalf("%+v: %d records, want %d", c.req, *got.TotalCount, c.want)
			}
		}
		for _, req := range []model.ListPartnerCouponsRecordRequest{{OperationTypes: &[]string{"12"}}, {QuotaType: ptr(int32(4))},
			{OperationTimeBegin: ptr("2024-01-01T00:00:00Z"), OperationTimeEnd: ptr("2023-01-01T00:00:00Z")}} {
			_, err := k.c.ListPartnerCouponsRecord(&req)
			wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		}
		_, err = k.c.ListPartnerCouponsRecord(&model.ListPartnerCouponsRecordRequest{IndirectPartnerId: &k.resC.ID})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
	})
}
