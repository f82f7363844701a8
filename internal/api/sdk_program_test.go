package api_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/internal/api"
	"partnercenter/internal/bill"
	"partnercenter/internal/bill/billtest"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/incentive"
	"partnercenter/internal/order"
	"partnercenter/internal/partner"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// programOperations is every operation of the provider's BSS partner API
// that PRODUCT.md lists and TestEveryOperationThroughTheSDK performs through
// the public SDK. A BSS operation added to the route table without being
// added here (and to the program) fails the test.
var programOperations = []string{
	// Customers.
	"CheckUserIdentity", "CreateSubCustomer", "ListSubCustomers", "ListSubCustomerNewTag", "ListCustomersBalancesDetail",
	"ListIndirectPartners",
	// Funds.
	"ListPartnerBalances", "UpdateCustomerAccountAmount", "ReclaimToPartnerAccount", "ListPartnerAccountChangeRecords",
	"ListPartnerAdjustRecords", "UpdateIndirectPartnerAccount", "ReclaimIndirectPartnerAccount",
	// Vouchers and cash coupons.
	"ListQuotaCoupons", "UpdateCouponQuotas", "ListIssuedCouponQuotas", "ReclaimCouponQuotas", "ListCouponQuotasRecords",
	"CreatePartnerCoupons", "ListIssuedPartnerCoupons", "ListSubCustomerCoupons", "ReclaimPartnerCoupons", "ListPartnerCouponsRecord",
	// Orders and resources.
	"ListCustomerOrders", "ShowCustomerOrderDetails", "ListOrderCouponsByOrderId", "PayOrders", "CancelCustomerOrder",
	"ListPayPerUseCustomerResources", "ListCustomerOnDemandResources", "AutoRenewalResources", "CancelAutoRenewalResources",
	"RenewalResources", "CancelResourcesSubscription",
	// Bills and policies.
	"ListSubCustomerBillDetail", "ListConsumeSubCustomers", "ListSubcustomerMonthlyBills", "ListIncentiveDiscountPolicies",
}

// The table is the route table's BSS operations, no more and no fewer.
func TestProgramCoversTheBSSRouteTable(t *testing.T) {
	var table []string
	for _, rt := range api.BSSRoutes() {
		table = append(table, rt.OperationID)
	}
	equal(t, "BSS operations", sorted(programOperations), sorted(table))
}

func sorted(s []string) []string { s = slices.Clone(s); sort.Strings(s); return s }

// wire records every request the SDK sends and the status it got back, as
// the network between a platform and the server would see them.
type wire struct {
	mu    sync.Mutex
	calls []wireCall
}

type wireCall struct {
	Method, Path string
	Status       int
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		w.mu.Lock()
		w.calls = append(w.calls, wireCall{r.Method, r.URL.Path, resp.StatusCode})
		w.mu.Unlock()
	}
	return resp, err
}

// answered is the set of operations that answered 200 at least once, named
// by matching each request against the route table's patterns.
func (w *wire) answered(t *testing.T) []string {
	t.Helper()
	mux := http.NewServeMux()
	ops := map[string]string{}
	for _, rt := range api.BSSRoutes() {
		pattern := rt.Method + " " + rt.Pattern
		ops[pattern] = rt.OperationID
		mux.Handle(pattern, http.NotFoundHandler())
	}
	seen := map[string]bool{}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.calls {
		if c.Status != http.StatusOK {
			continue
		}
		r := httptest.NewRequest(c.Method, c.Path, nil)
		if _, pattern := mux.Handler(r); ops[pattern] != "" {
			seen[ops[pattern]] = true
		}
	}
	var out []string
	for op := range seen {
		out = append(out, op)
	}
	return sorted(out)
}

// platformClient is the public SDK's client as a partner platform builds
// it (global credentials: AK, SK and the partner's domain id), on a
// transport that records what goes over the wire.
func platformClient(t *testing.T, url string, w *wire, ak, sk, domainID string) *bss.BssClient {
	t.Helper()
	cred, err := global.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithDomainId(domainID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := bss.BssClientBuilder().WithEndpoints([]string{url}).WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithHttpRoundTripper(w)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return bss.NewBssClient(hc)
}

// A partner's sales platform, written only against the public SDK, runs
// its business on this server: it checks and creates a customer, funds it,
// passes money and voucher quota to a reseller, issues a voucher, pays and
// cancels the customer's orders, manages its resources, reads its bills and
// the incentive policies, reclaims what is left, and reads every record the
// operations left. Each group of operations also meets one refusal in the
// SDK's error shape. What a platform cannot do through the API (the
// provider recharging the partner and granting quota, the customer
// authorising on-behalf orders and ordering in the console, the cloud
// running a pay-per-use disk) is set up beside it, as it happens in
// production.
func TestEveryOperationThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		month := bill.MonthOf(time.Now())
		var cloud *billtest.Cloud
		var voucherQuota, cashQuota *coupon.Quota
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			if _, err = funds.Recharge(ctx, tx, f.dist.ID, 10_000_00, "bank_transfer", "BANK-PROGRAM", ""); err != nil {
				return err
			}
			if _, err = funds.SetCreditLine(ctx, tx, f.dist.ID, 2_000_00, "授信", "finance"); err != nil {
				return err
			}
			grant := func(typ int, value int64) *coupon.Quota {
				q, gerr := coupon.Grant(ctx, tx, coupon.NewQuota{PartnerID: f.dist.ID, Type: typ, Value: value,
					EffectiveAt: tx.Now.Add(-time.Hour), ExpiresAt: tx.Now.AddDate(0, 6, 0)}, "finance")
				if err == nil {
					err = gerr
				}
				return q
			}
			voucherQuota, cashQuota = grant(coupon.VoucherQuota, 1_000_00), grant(coupon.CashQuota, 500_00)
			if err != nil {
				return err
			}
			if cloud, err = billtest.Catalogue(ctx, tx); err != nil {
				return err
			}
			_, err = incentive.CreatePolicy(ctx, tx, incentive.PolicyInput{Kind: incentive.KindRebate, ServiceTypeCode: billtest.ServiceECS,
				PartnerType: partner.TotalDistributor, RateBP: 300, AllowDiscount: true, ValidFrom: month.Add(-1)}, "admin")
			return err
		}); err != nil {
			t.Fatal(err)
		}

		srv := f.start(t, server.New(f.app)) // the node as `partnercenter serve` assembles it
		w := &wire{}
		c := platformClient(t, srv.URL, w, f.distKey.ID, f.distKey.Secret, f.dist.DomainID)
		must := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		// Customers: the platform checks that its user's mobile number is
		// free, registers the user as a customer under its own platform
		// identifier, and finds it listed with the platform's ids.
		const mobile = "13912340001"
		ident, err := c.CheckUserIdentity(&model.CheckUserIdentityRequest{Body: &model.CheckSubcustomerUserReq{SearchType: "mobile", SearchValue: "0086-" + mobile}})
		must("CheckUserIdentity", err)
		if strOrEmpty(ident.CheckResult) != "available" || ident.MobileRemainAvailableNum == nil {
			t.Fatalf("identity of a new mobile number: %+v", ident)
		}
		created, err := c.CreateSubCustomer(&model.CreateSubCustomerRequest{Body: &model.CreateCustomerV2Req{DomainName: ptr("shop-user-1001"),
			MobilePhone: ptr(mobile), XaccountId: "platform-user-1001", XaccountType: f.dist.XAccountType, Password: ptr("Passw0rd-2026")}})
		must("CreateSubCustomer", err)
		custID := strOrEmpty(created.DomainId)
		if custID == "" || strOrEmpty(created.DomainName) != "shop-user-1001" {
			t.Fatalf("created: %+v", created)
		}
		_, err = c.CreateSubCustomer(&model.CreateSubCustomerRequest{Body: &model.CreateCustomerV2Req{
			XaccountId: "platform-user-1001", XaccountType: f.dist.XAccountType}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.99000050")
		ident, err = c.CheckUserIdentity(&model.CheckUserIdentityRequest{Body: &model.CheckSubcustomerUserReq{SearchType: "name", SearchValue: "shop-user-1001"}})
		must("CheckUserIdentity", err)
		if strOrEmpty(ident.CheckResult) != "used_by_user" {
			t.Fatalf("identity of a taken name: %+v", ident)
		}
		other := f.addCustomer(t, f.dist, customerSpec{name: "earlier-cust", at: time.Hour}) // invited in the console before
		listed, err := c.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{Limit: ptr(int32(1))}})
		must("ListSubCustomers", err)
		if listed.Count == nil || *listed.Count != 2 || listed.CustomerInfos == nil || len(*listed.CustomerInfos) != 1 {
			t.Fatalf("first page of one: count %v, %v", listed.Count, listed.CustomerInfos)
		}
		listed, err = c.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{AccountName: ptr("shop-user-1001")}})
		must("ListSubCustomers", err)
		if *listed.Count != 1 {
			t.Fatalf("by account name: %d", *listed.Count)
		}
		info := (*listed.CustomerInfos)[0]
		if info.CustomerId != custID || info.AccountName != "shop-user-1001" || strOrEmpty(info.XaccountId) != "platform-user-1001" ||
			strOrEmpty(info.XaccountType) != f.dist.XAccountType || strOrEmpty(info.AssociationType) != "2" || info.IsFrozen == nil || *info.IsFrozen != 0 {
			t.Fatalf("listed customer: %+v", info)
		}
		tags, err := c.ListSubCustomerNewTag(&model.ListSubCustomerNewTagRequest{Body: &model.ListSubCustomerNewTagReq{CustomerIds: &[]string{custID, other.ID}}})
		must("ListSubCustomerNewTag", err)
		if tags.NewCustomerTags == nil || len(*tags.NewCustomerTags) != 2 || strOrEmpty((*tags.NewCustomerTags)[0].CustomerTagType) != "SMB" {
			t.Fatalf("new-customer tags: %+v", tags.NewCustomerTags)
		}
		resellers, err := c.ListIndirectPartners(&model.ListIndirectPartnersRequest{Body: &model.QueryIndirectPartnersReq{}})
		must("ListIndirectPartners", err)
		equal(t, "resellers", partnerIDs(t, resellers, 2), []string{f.resB.ID, f.resA.ID})

		// Funds: the partner's accounts, 500.00 to the customer and 50.00
		// back, an allocation beyond the balance refused, and the records.
		bal, err := c.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
		must("ListPartnerBalances", err)
		if bal.AccountBalances == nil || len(*bal.AccountBalances) != 2 {
			t.Fatalf("balances: %+v", bal)
		}
		for _, b := range *bal.AccountBalances {
			switch {
			case b.AccountType == 1 && b.Amount == 10000 && b.Currency == "CNY" && b.MeasureId == 1:
			case b.AccountType == 2 && b.Amount == 2000 && b.CreditAmount != nil && *b.CreditAmount == 2000:
			default:
				t.Fatalf("balance %+v", b)
			}
		}
		alloc, err := c.UpdateCustomerAccountAmount(&model.UpdateCustomerAccountAmountRequest{Body: &model.AdjustAccountReq{
			CustomerId: custID, Amount: yuanDec("500.00")}})
		must("UpdateCustomerAccountAmount", err)
		reclaim, err := c.ReclaimToPartnerAccount(&model.ReclaimToPartnerAccountRequest{Body: &model.ReclaimToPartnerAccountBalancesReq{
			CustomerId: custID, Amount: yuanDec("50.00")}})
		must("ReclaimToPartnerAccount", err)
		if strOrEmpty(alloc.TransferId) == "" || strOrEmpty(reclaim.TransId) == "" {
			t.Fatalf("transaction ids: %v %v", alloc.TransferId, reclaim.TransId)
		}
		_, err = c.ReclaimToPartnerAccount(&model.ReclaimToPartnerAccountRequest{Body: &model.ReclaimToPartnerAccountBalancesReq{
			CustomerId: custID, Amount: yuanDec("450.01")}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.99005003")
		_, err = c.UpdateCustomerAccountAmount(&model.UpdateCustomerAccountAmountRequest{Body: &model.AdjustAccountReq{
			CustomerId: "no-such-customer", Amount: yuanDec("1.00")}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		cb, err := c.ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{
			CustomerInfos: []model.CustomerInfoV2{{CustomerId: custID}}}})
		must("ListCustomersBalancesDetail", err)
		if cb.CustomerBalances == nil || len(*cb.CustomerBalances) != 1 || strOrEmpty((*cb.CustomerBalances)[0].Currency) != "CNY" {
			t.Fatalf("customer balances: %+v", cb)
		}
		dec(t, (*cb.CustomerBalances)[0].Amount, "450.00")
		changes, err := c.ListPartnerAccountChangeRecords(&model.ListPartnerAccountChangeRecordsRequest{BalanceType: "BALANCE_TYPE_DEBIT", Limit: ptr(int32(2))})
		must("ListPartnerAccountChangeRecords", err)
		if changes.TotalCount == nil || *changes.TotalCount != 3 || changes.Records == nil || len(*changes.Records) != 2 || strOrEmpty(changes.Currency) != "CNY" {
			t.Fatalf("account changes: %+v", changes)
		}
		latest := (*changes.Records)[0] // newest first: the reclaim
		if strOrEmpty(latest.Type) != "1" || strOrEmpty(latest.ChangeAmount) != "50.00" || strOrEmpty(latest.BalanceAfterChange) != "9550.00" ||
			strOrEmpty(latest.CustomerId) != custID {
			t.Fatalf("latest change: %+v", latest)
		}
		adjusts, err := c.ListPartnerAdjustRecords(&model.ListPartnerAdjustRecordsRequest{CustomerId: ptr(custID)})
		must("ListPartnerAdjustRecords", err)
		if adjusts.TotalCount == nil || *adjusts.TotalCount != 2 {
			t.Fatalf("adjust records: %+v", adjusts)
		}
		byType := map[string]model.AdjustRecordV3{}
		for _, r := range *adjusts.Records {
			byType[strOrEmpty(r.OperationType)] = r
		}
		if strOrEmpty(byType["SOURCE_OPERATION_BEADJUST"].TransId) != *alloc.TransferId || strOrEmpty(byType["SOURCE_OPERATION_BERETRIEVE"].TransId) != *reclaim.TransId ||
			strOrEmpty(byType["SOURCE_OPERATION_BEADJUST"].Amount) != "500.00" {
			t.Fatalf("adjust records by type: %+v", byType)
		}
		toRes, err := c.UpdateIndirectPartnerAccount(&model.UpdateIndirectPartnerAccountRequest{Body: &model.AdjustToIndirectPartnerReq{
			IndirectPartnerId: f.resA.ID, Amount: yuanDec("200.00")}})
		must("UpdateIndirectPartnerAccount", err)
		fromRes, err := c.ReclaimIndirectPartnerAccount(&model.ReclaimIndirectPartnerAccountRequest{Body: &model.ReclaimIndirectPartnerAccountReq{
			IndirectPartnerId: f.resA.ID, Amount: yuanDec("20.00")}})
		must("ReclaimIndirectPartnerAccount", err)
		if strOrEmpty(toRes.TransferId) == "" || strOrEmpty(fromRes.TransId) == "" {
			t.Fatalf("reseller transaction ids: %v %v", toRes.TransferId, fromRes.TransId)
		}
		resBal, err := c.ListPartnerBalances(&model.ListPartnerBalancesRequest{IndirectPartnerId: ptr(f.resA.ID)})
		must("ListPartnerBalances", err)
		for _, b := range *resBal.AccountBalances {
			if b.AccountType == 1 && b.Amount != 180 {
				t.Fatalf("reseller's recharge account %v, want 180", b.Amount)
			}
		}
		_, err = c.ReclaimIndirectPartnerAccount(&model.ReclaimIndirectPartnerAccountRequest{Body: &model.ReclaimIndirectPartnerAccountReq{
			IndirectPartnerId: f.resA.ID, Amount: yuanDec("0.001")}})
		if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); !strings.HasPrefix(se.ErrorMessage, "amount") {
			t.Fatalf("a third decimal: %q does not name amount", se.ErrorMessage)
		}

		// Vouchers and cash coupons: the quotas, 100.00 of voucher quota
		// passed to reseller A and reclaimed, a 30.00 voucher and a 20.00
		// cash coupon issued to the customer.
		for typ, want := range map[int32]string{0: voucherQuota.ID, 1: cashQuota.ID} { // without quota_type: vouchers
			body := model.QueryCouponQuotasReqExt{}
			if typ == 1 {
				body.QuotaType = ptr(typ)
			}
			quotas, err := c.ListQuotaCoupons(&model.ListQuotaCouponsRequest{Body: &body})
			must("ListQuotaCoupons", err)
			if quotas.TotalCount == nil || *quotas.TotalCount != 1 {
				t.Fatalf("quotas of type %d: %+v", typ, quotas)
			}
			if q := (*quotas.Quotas)[0]; strOrEmpty(q.QuotaId) != want || *q.QuotaType != typ || *q.QuotaStatus != 0 || strOrEmpty(q.Currency) != "CNY" {
				t.Fatalf("quota %+v", q)
			}
		}
		passed, err := c.UpdateCouponQuotas(&model.UpdateCouponQuotasRequest{Body: &model.AdjustCouponQuotasReq{
			QuotaId: voucherQuota.ID, IndirectPartnerIds: []string{f.resA.ID}, QuotaAmount: yuanDec("100.00")}})
		must("UpdateCouponQuotas", err)
		if passed.SimpleQuotaInfos == nil || len(*passed.SimpleQuotaInfos) != 1 || (*passed.SimpleQuotaInfos)[0].Id != f.resA.ID {
			t.Fatalf("quota passed on: %+v", passed)
		}
		childQuota := (*passed.SimpleQuotaInfos)[0].QuotaId
		issuedQuotas, err := c.ListIssuedCouponQuotas(&model.ListIssuedCouponQuotasRequest{ParentQuotaId: ptr(voucherQuota.ID)})
		must("ListIssuedCouponQuotas", err)
		if issuedQuotas.TotalCount == nil || *issuedQuotas.TotalCount != 1 || strOrEmpty((*issuedQuotas.Quotas)[0].QuotaId) != childQuota ||
			strOrEmpty((*issuedQuotas.Quotas)[0].IndirectPartnerId) != f.resA.ID {
			t.Fatalf("issued quotas: %+v", issuedQuotas)
		}
		dec(t, (*issuedQuotas.Quotas)[0].Balance, "100.00")
		back, err := c.ReclaimCouponQuotas(&model.ReclaimCouponQuotasRequest{Body: &model.ReclaimCouponQuotasReq{QuotaIds: []string{childQuota},
			Remark: ptr("季度末回收")}})
		must("ReclaimCouponQuotas", err)
		if back.SimpleQuotaInfos == nil || len(*back.SimpleQuotaInfos) != 1 {
			t.Fatalf("reclaimed quotas: %+v", back)
		}
		dec(t, (*back.SimpleQuotaInfos)[0].QuotaBalance, "1000.00") // the distributor's quota, whole again
		quotaRecords, err := c.ListCouponQuotasRecords(&model.ListCouponQuotasRecordsRequest{ParentQuotaId: ptr(voucherQuota.ID)})
		must("ListCouponQuotasRecords", err)
		if quotaRecords.TotalCount == nil || *quotaRecords.TotalCount != 2 {
			t.Fatalf("quota records: %+v", quotaRecords)
		}
		issue := func(quotaID, face string) string {
			t.Helper()
			r, err := c.CreatePartnerCoupons(&model.CreatePartnerCouponsRequest{Body: &model.CreatePartnerCouponsReq{QuotaId: quotaID,
				CustomerIds: []string{custID}, FaceValue: yuanDec(face), Memo: ptr("新客礼包")}})
			must("CreatePartnerCoupons", err)
			if r.CouponInfos == nil || len(*r.CouponInfos) != 1 || (*r.CouponInfos)[0].Id != custID || (r.ErrorDetails != nil && len(*r.ErrorDetails) > 0) {
				t.Fatalf("issued: %+v", r)
			}
			return (*r.CouponInfos)[0].CouponId
		}
		voucher := issue(voucherQuota.ID, "30.00")
		cash := issue(cashQuota.ID, "20.00")
		refused, err := c.CreatePartnerCoupons(&model.CreatePartnerCouponsRequest{Body: &model.CreatePartnerCouponsReq{QuotaId: cashQuota.ID,
			CustomerIds: []string{custID}, FaceValue: yuanDec("481.00")}})
		must("CreatePartnerCoupons beyond the quota", err)
		if refused.ErrorDetails == nil || len(*refused.ErrorDetails) != 1 || strOrEmpty((*refused.ErrorDetails)[0].Id) != custID ||
			strOrEmpty((*refused.ErrorDetails)[0].ErrorCode) == "" {
			t.Fatalf("a coupon beyond the quota's balance: %+v", refused)
		}
		issuedCoupons, err := c.ListIssuedPartnerCoupons(&model.ListIssuedPartnerCouponsRequest{CustomerId: ptr(custID), CouponType: ptr(int32(1))})
		must("ListIssuedPartnerCoupons", err)
		if issuedCoupons.TotalCount == nil || *issuedCoupons.TotalCount != 1 || strOrEmpty((*issuedCoupons.UserCoupons)[0].CouponId) != voucher ||
			*(*issuedCoupons.UserCoupons)[0].Status != 2 {
			t.Fatalf("issued vouchers: %+v", issuedCoupons)
		}
		dec(t, (*issuedCoupons.UserCoupons)[0].FaceValue, "30.00")
		held, err := c.ListSubCustomerCoupons(&model.ListSubCustomerCouponsRequest{CouponId: ptr(cash)})
		must("ListSubCustomerCoupons", err)
		if held.Count == nil || *held.Count != 1 || strOrEmpty((*held.UserCoupons)[0].CustomerId) != custID || *(*held.UserCoupons)[0].CouponType != 4 {
			t.Fatalf("the customer's cash coupon: %+v", held)
		}
		_, err = c.ListIssuedPartnerCoupons(&model.ListIssuedPartnerCouponsRequest{Status: ptr(int32(9))})
		if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); !strings.HasPrefix(se.ErrorMessage, "status") {
			t.Fatalf("status 9: %q does not name status", se.ErrorMessage)
		}

		// Orders: the customer authorises on-behalf orders and the partner
		// places two in the console; the platform pays the first with the
		// voucher and the balance and cancels the second.
		if err := billtest.Authorise(ctx, db, f.dist.ID, custID); err != nil {
			t.Fatal(err)
		}
		place := func(p *catalogue.Product) *order.Order {
			t.Helper()
			var o *order.Order
			if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
				o, err = order.Create(ctx, tx, order.NewOrder{Scope: customer.PartnerScope(f.dist.ID), CustomerID: custID, CreatedBy: "console-user",
					Lines: []order.LineRequest{{ProductID: p.ID, Region: billtest.Region, PeriodType: catalogue.PeriodMonth, PeriodNum: 1, Quantity: 1, Name: "web-1"}}})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return o
		}
		vmOrder, diskOrder := place(cloud.VM), place(cloud.Disk)
		pending, err := c.ListCustomerOrders(&model.ListCustomerOrdersRequest{CustomerId: ptr(custID), Status: ptr(int32(6))})
		must("ListCustomerOrders", err)
		if pending.TotalCount == nil || *pending.TotalCount != 2 {
			t.Fatalf("pending orders: %+v", pending)
		}
		detail, err := c.ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{OrderId: vmOrder.ID})
		must("ShowCustomerOrderDetails", err)
		if detail.OrderInfo == nil || *detail.OrderInfo.Status != 6 || *detail.OrderInfo.OrderType != 1 || detail.OrderLineItems == nil ||
			len(*detail.OrderLineItems) != 1 || *(*detail.OrderLineItems)[0].PeriodType != 2 || *detail.OrderInfo.OfficialAmount != 100 {
			t.Fatalf("order details: %+v %+v", detail.OrderInfo, detail.OrderLineItems)
		}
		usable, err := c.ListOrderCouponsByOrderId(&model.ListOrderCouponsByOrderIdRequest{OrderId: vmOrder.ID})
		must("ListOrderCouponsByOrderId", err)
		var usableIDs []string
		for _, u := range *usable.UserCoupons {
			usableIDs = append(usableIDs, strOrEmpty(u.CouponId))
		}
		if !slices.Contains(usableIDs, voucher) {
			t.Fatalf("coupons usable on the order: %v, want the voucher %s", usableIDs, voucher)
		}
		_, err = c.PayOrders(payBody(vmOrder.ID, voucher))
		must("PayOrders", err)
		_, err = c.PayOrders(payBody(vmOrder.ID))
		wantSDKError(t, err, http.StatusBadRequest, "CBC.30000009")
		_, err = c.CancelCustomerOrder(&model.CancelCustomerOrderRequest{Body: &model.CancelCustomerOrderReq{OrderId: diskOrder.ID}})
		must("CancelCustomerOrder", err)
		done, err := c.ListCustomerOrders(&model.ListCustomerOrdersRequest{CustomerId: ptr(custID), OrderBy: ptr("-createTime")})
		must("ListCustomerOrders", err)
		status := map[string]int32{}
		for _, o := range *done.OrderInfos {
			status[strOrEmpty(o.OrderId)] = *o.Status
		}
		if status[vmOrder.ID] != 5 || status[diskOrder.ID] != 4 {
			t.Fatalf("statuses after paying and cancelling: %v", status)
		}
		cb, err = c.ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{
			CustomerInfos: []model.CustomerInfoV2{{CustomerId: custID}}}})
		must("ListCustomersBalancesDetail", err)
		dec(t, (*cb.CustomerBalances)[0].Amount, "380.00") // 70.00 of the 100.00 paid from the balance

		// Bills: the paid order is this month's consumption.
		fees, err := c.ListSubCustomerBillDetail(&model.ListSubCustomerBillDetailRequest{BillCycle: month.String(), CustomerId: custID})
		must("ListSubCustomerBillDetail", err)
		if fees.TotalCount == nil || *fees.TotalCount != 1 || strOrEmpty((*fees.FeeRecords)[0].TradeId) != vmOrder.ID ||
			*(*fees.FeeRecords)[0].ChargingMode != 1 {
			t.Fatalf("fee records: %+v", fees)
		}
		dec(t, (*fees.FeeRecords)[0].CouponAmount, "30.00")
		dec(t, (*fees.FeeRecords)[0].CashAmount, "70.00")
		consuming, err := c.ListConsumeSubCustomers(&model.ListConsumeSubCustomersRequest{Body: &model.ListConsumeSubCustomersReq{BillCycle: month.String()}})
		must("ListConsumeSubCustomers", err)
		if consuming.TotalCount == nil || *consuming.TotalCount != 1 || strOrEmpty((*consuming.SubCustomers)[0].CustomerId) != custID {
			t.Fatalf("consuming customers: %+v", consuming)
		}
		sums, err := c.ListSubcustomerMonthlyBills(&model.ListSubcustomerMonthlyBillsRequest{Cycle: month.String(), ChargeMode: "1", CustomerId: ptr(custID)})
		must("ListSubcustomerMonthlyBills", err)
		if sums.Count == nil || *sums.Count != 1 || strOrEmpty((*sums.BillSums)[0].CloudServiceType) != billtest.ServiceECS {
			t.Fatalf("monthly sums: %+v", sums)
		}
		dec(t, (*sums.BillSums)[0].Amount, "100.00")
		_, err = c.ListSubcustomerMonthlyBills(&model.ListSubcustomerMonthlyBillsRequest{Cycle: month.String(), ChargeMode: "2"})
		if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); !strings.HasPrefix(se.ErrorMessage, "charge_mode") {
			t.Fatalf("charge_mode 2: %q", se.ErrorMessage)
		}
		policies, err := c.ListIncentiveDiscountPolicies(&model.ListIncentiveDiscountPoliciesRequest{Time: month.String(), ServiceTypeCode: ptr(billtest.ServiceECS)})
		must("ListIncentiveDiscountPolicies", err)
		if policies.TotalCount == nil || *policies.TotalCount != 1 || strOrEmpty((*policies.Policies)[0].AllowDiscount) != "YES" ||
			strOrEmpty((*policies.Policies)[0].IncentivePolicy) != "13" { // 有业绩无返点: no ECS product carries the incentive flag
			t.Fatalf("policies: %+v", policies)
		}

		// Resources: the VM the order made, auto-renewal on and off, a
		// month's renewal paid at once, then unsubscribed with a refund;
		// and the customer's pay-per-use disk.
		res, err := c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{
			CustomerId: ptr(custID), OrderId: ptr(vmOrder.ID)}})
		must("ListPayPerUseCustomerResources", err)
		if res.TotalCount == nil || *res.TotalCount != 1 || *(*res.Data)[0].Status != 2 || strOrEmpty((*res.Data)[0].ServiceTypeCode) != billtest.ServiceECS {
			t.Fatalf("resources of the order: %+v", res)
		}
		vm := strOrEmpty((*res.Data)[0].ResourceId)
		_, err = c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: vm})
		must("AutoRenewalResources", err)
		_, err = c.CancelAutoRenewalResources(&model.CancelAutoRenewalResourcesRequest{ResourceId: vm})
		must("CancelAutoRenewalResources", err)
		_, err = c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: "no-such-resource"})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0101")
		renewed, err := c.RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{ResourceIds: []string{vm},
			PeriodType: 2, PeriodNum: 1, IsAutoPay: ptr(int32(1))}})
		must("RenewalResources", err)
		if renewed.OrderIds == nil || len(*renewed.OrderIds) != 1 || (renewed.FailResourceInfos != nil && len(*renewed.FailResourceInfos) > 0) {
			t.Fatalf("renewal: %+v", renewed)
		}
		gone, err := c.CancelResourcesSubscription(&model.CancelResourcesSubscriptionRequest{Body: &model.UnsubscribeResourcesReq{
			ResourceIds: []string{vm}, UnsubscribeType: 1, UnsubscribeReasonType: ptr(int32(5)), UnsubscribeReason: ptr("业务调整")}})
		must("CancelResourcesSubscription", err)
		if gone.OrderIds == nil || len(*gone.OrderIds) != 1 {
			t.Fatalf("unsubscription: %+v", gone)
		}
		res, err = c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{CustomerId: ptr(custID), ResourceIds: &[]string{vm}}})
		must("ListPayPerUseCustomerResources", err)
		if *res.TotalCount != 1 || *(*res.Data)[0].Status == 2 {
			t.Fatalf("an unsubscribed VM still in use: %+v", (*res.Data)[0])
		}
		var disk *order.Resource
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			disk, err = order.LaunchPayPerUse(ctx, tx, f.dist.ID, custID, cloud.Disk.ID, billtest.Region, "data-disk", 1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		onDemand, err := c.ListCustomerOnDemandResources(&model.ListCustomerOnDemandResourcesRequest{Body: &model.QueryCustomerOnDemandResourcesReq{CustomerId: custID}})
		must("ListCustomerOnDemandResources", err)
		if onDemand.TotalCount == nil || *onDemand.TotalCount != 1 || strOrEmpty((*onDemand.Resources)[0].ResourceId) != disk.ID ||
			strOrEmpty((*onDemand.Resources)[0].ResourceName) != "data-disk" {
			t.Fatalf("pay-per-use resources: %+v", onDemand)
		}

		// The cash coupon was not used: the platform reclaims it; the used-up
		// voucher cannot be reclaimed. The coupon records show every issue,
		// the refused one too, and the reclaim.
		_, err = c.ReclaimPartnerCoupons(&model.ReclaimPartnerCouponsRequest{Body: &model.ReclaimPartnerCouponsReq{CouponId: cash}})
		must("ReclaimPartnerCoupons", err)
		_, err = c.ReclaimPartnerCoupons(&model.ReclaimPartnerCouponsRequest{Body: &model.ReclaimPartnerCouponsReq{CouponId: voucher}})
		wantSDKError(t, err, http.StatusConflict, "PC.0409") // the voucher paid the order: used up, not usable
		records, err := c.ListPartnerCouponsRecord(&model.ListPartnerCouponsRecordRequest{CustomerId: ptr(custID)})
		must("ListPartnerCouponsRecord", err)
		ops := map[string]int{}
		for _, r := range *records.Records {
			ops[strOrEmpty(r.OperationType)+" result "+strOrEmpty(r.Result)]++
		}
		// Two issues, the refused one (result -1) and the reclaim.
		if records.TotalCount == nil || *records.TotalCount != 4 || ops["1 result 0"] != 2 || ops["1 result -1"] != 1 || ops["2 result 0"] != 1 {
			t.Fatalf("coupon records: %v of %v", ops, records.TotalCount)
		}

		// Another partner's customer is as unknown as a customer that does
		// not exist.
		c2 := platformClient(t, srv.URL, w, f.dist2Key.ID, f.dist2Key.Secret, f.dist2.DomainID)
		_, err = c2.UpdateCustomerAccountAmount(&model.UpdateCustomerAccountAmountRequest{Body: &model.AdjustAccountReq{
			CustomerId: custID, Amount: yuanDec("1.00")}})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		theirs, err := c2.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{CustomerId: ptr(custID)}})
		must("ListSubCustomers", err)
		if *theirs.Count != 0 {
			t.Fatalf("another partner sees the customer: %+v", theirs)
		}

		m := &money{fixture: f}
		m.check(t)
		equal(t, "operations answered through the SDK", w.answered(t), sorted(programOperations))
	})
}
