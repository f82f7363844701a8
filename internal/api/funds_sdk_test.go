package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"

	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// money is a funds landscape on the fixture: the distributor has recharged
// 1,000.00 and holds a credit line of 500.00; it has a resale customer, a
// referral customer, and its reseller A a resale customer of its own.
type money struct {
	*fixture
	srv                        *httptest.Server
	c                          *bss.BssClient
	resale, referral, resACust *customer.Customer
}

func newMoney(t *testing.T, db *store.DB) *money {
	f := newFixture(t, db)
	m := &money{fixture: f}
	m.resale = f.addCustomer(t, f.dist, customerSpec{name: "resale-cust", at: time.Hour})
	m.referral = f.addCustomer(t, f.dist, customerSpec{name: "referral-cust", typ: customer.Referral, at: time.Hour})
	m.resACust = f.addCustomer(t, f.resA, customerSpec{name: "res-a-cust", at: time.Hour})
	ctx := t.Context()
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := funds.Recharge(ctx, tx, f.dist.ID, 1000_00, "bank_transfer", "BANK-1", ""); err != nil {
			return err
		}
		_, err := funds.SetCreditLine(ctx, tx, f.dist.ID, 500_00, "授信", "finance")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	m.srv, m.c = f.sdk(t)
	return m
}

func yuanDec(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }

// balances reads a partner's recharge balance and available credit through the SDK.
func (m *money) balances(t *testing.T, indirect *string) (recharge, credit, line float64) {
	t.Helper()
	resp, err := m.c.ListPartnerBalances(&model.ListPartnerBalancesRequest{IndirectPartnerId: indirect})
	if err != nil || resp.AccountBalances == nil || len(*resp.AccountBalances) != 2 {
		t.Fatalf("ListPartnerBalances: %v %v", resp, err)
	}
	for _, b := range *resp.AccountBalances {
		if b.Currency != "CNY" || b.MeasureId != 1 {
			t.Fatalf("currency %s measure %d", b.Currency, b.MeasureId)
		}
		switch b.AccountType {
		case 1:
			recharge = b.Amount
		case 2:
			credit, line = b.Amount, *b.CreditAmount
		}
	}
	return
}

// customerBalance reads a customer's balance through the SDK.
func (m *money) customerBalance(t *testing.T, id string, indirect *string) string {
	t.Helper()
	resp, err := m.c.ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{
		CustomerInfos: []model.CustomerInfoV2{{CustomerId: id}}, IndirectPartnerId: indirect}})
	if err != nil || resp.CustomerBalances == nil || len(*resp.CustomerBalances) != 1 {
		t.Fatalf("ListCustomersBalancesDetail: %v %v", resp, err)
	}
	b := (*resp.CustomerBalances)[0]
	if !b.DebtAmount.IsZero() || *b.Currency != "CNY" {
		t.Fatalf("debt %v currency %v", b.DebtAmount, *b.Currency)
	}
	return b.Amount.StringFixed(2)
}

func (m *money) allocate(customerID, amount string, indirect *string) (*model.UpdateCustomerAccountAmountResponse, error) {
	return m.c.UpdateCustomerAccountAmount(&model.UpdateCustomerAccountAmountRequest{Body: &model.AdjustAccountReq{
		CustomerId: customerID, Amount: yuanDec(amount), IndirectPartnerId: indirect}})
}

func (m *money) reclaim(customerID, amount string, indirect *string) (*model.ReclaimToPartnerAccountResponse, error) {
	return m.c.ReclaimToPartnerAccount(&model.ReclaimToPartnerAccountRequest{Body: &model.ReclaimToPartnerAccountBalancesReq{
		CustomerId: customerID, Amount: yuanDec(amount), IndirectPartnerId: indirect}})
}

// check runs the ledger's invariants.
func (m *money) check(t *testing.T) {
	t.Helper()
	v, err := ledger.Check(t.Context(), m.db.Reader())
	if err != nil || len(v) > 0 {
		t.Fatalf("ledger check: %v %v", v, err)
	}
}

func TestAllocateAndReclaimThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMoney(t, db)
		if r, credit, line := m.balances(t, nil); r != 1000 || credit != 500 || line != 500 {
			t.Fatalf("start: recharge %v credit %v line %v", r, credit, line)
		}

		alloc, err := m.allocate(m.resale.ID, "100.25", nil)
		if err != nil || alloc.TransferId == nil || *alloc.TransferId == "" {
			t.Fatalf("allocate: %v %v", alloc, err)
		}
		if r, _, _ := m.balances(t, nil); r != 899.75 {
			t.Fatalf("recharge after 100.25 out: %v", r)
		}
		if b := m.customerBalance(t, m.resale.ID, nil); b != "100.25" {
			t.Fatalf("customer balance %s", b)
		}
		rec, err := m.reclaim(m.resale.ID, "0.25", nil)
		if err != nil || rec.TransId == nil || *rec.TransId == "" || *rec.TransId == *alloc.TransferId {
			t.Fatalf("reclaim: %v %v", rec, err)
		}
		if b := m.customerBalance(t, m.resale.ID, nil); b != "100.00" {
			t.Fatalf("customer balance after reclaim %s", b)
		}

		// Beyond the recharge account, the credit line pays the rest.
		if _, err := m.allocate(m.resale.ID, "1000", nil); err != nil {
			t.Fatal(err)
		}
		if r, credit, line := m.balances(t, nil); r != 0 || credit != 400 || line != 500 {
			t.Fatalf("after drawing on credit: recharge %v credit %v line %v", r, credit, line)
		}
		// Reclaiming repays the credit first.
		if _, err := m.reclaim(m.resale.ID, "50", nil); err != nil {
			t.Fatal(err)
		}
		if r, credit, _ := m.balances(t, nil); r != 0 || credit != 450 {
			t.Fatalf("after reclaiming 50: recharge %v credit %v", r, credit)
		}

		// Not enough: CBC.99005003, and nothing moved.
		_, err = m.allocate(m.resale.ID, "450.01", nil)
		wantSDKError(t, err, http.StatusBadRequest, "CBC.99005003")
		_, err = m.reclaim(m.resale.ID, "1050.01", nil)
		wantSDKError(t, err, http.StatusBadRequest, "CBC.99005003")
		if r, credit, _ := m.balances(t, nil); r != 0 || credit != 450 || m.customerBalance(t, m.resale.ID, nil) != "1050.00" {
			t.Fatalf("a refused movement moved money: recharge %v credit %v", r, credit)
		}

		// Whose customers.
		_, err = m.allocate(m.referral.ID, "1", nil)
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		_, err = m.allocate(m.resACust.ID, "1", nil)
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		_, err = m.allocate("no-such-customer", "1", nil)
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")

		// For a reseller: the reseller's money, to the reseller's customer.
		_, err = m.allocate(m.resACust.ID, "1", &m.resA.ID)
		wantSDKError(t, err, http.StatusBadRequest, "CBC.99005003")
		if _, err := m.c.UpdateIndirectPartnerAccount(&model.UpdateIndirectPartnerAccountRequest{Body: &model.AdjustToIndirectPartnerReq{
			IndirectPartnerId: m.resA.ID, Amount: yuanDec("20")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.allocate(m.resACust.ID, "5", &m.resA.ID); err != nil {
			t.Fatal(err)
		}
		if r, _, _ := m.balances(t, &m.resA.ID); r != 15 || m.customerBalance(t, m.resACust.ID, &m.resA.ID) != "5.00" {
			t.Fatalf("reseller A: recharge %v", r)
		}
		if _, err := m.reclaim(m.resACust.ID, "5", &m.resA.ID); err != nil {
			t.Fatal(err)
		}
		_, err = m.allocate(m.resACust.ID, "1", &m.resC.ID)
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		m.check(t)
	})
}

// Amounts arrive as JSON numbers or strings of yuan; anything else is
// refused naming the field, and nothing moves.
func TestAmountsAreReadExactly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMoney(t, db)
		post := func(amount string) apiAnswer {
			body := fmt.Sprintf(`{"customer_id":%q,"amount":%s}`, m.resale.ID, amount)
			if amount == "" {
				body = fmt.Sprintf(`{"customer_id":%q}`, m.resale.ID)
			}
			return call(t, m.srv, m.distKey, m.dist.DomainID, "POST", "/v2/accounts/partner-accounts/adjust-amount", []byte(body), nil)
		}
		for _, ok := range []string{`10.25`, `"10.25"`, `0.01`, `"0.1"`, `3`, `"1.50"`, `1.000`} {
			if a := post(ok); a.Status != http.StatusOK {
				t.Errorf("%s refused: %d %s", ok, a.Status, a.Body)
			}
		}
		if b := m.customerBalance(t, m.resale.ID, nil); b != "26.11" {
			t.Fatalf("balance after the accepted amounts: %s, want 26.11", b)
		}
		for amount, says := range map[string]string{
			`0.001`: "at most 2 decimals", `"10.255"`: "at most 2 decimals", `0`: "greater than zero", `"0.00"`: "greater than zero",
			`-1`: "greater than zero", `"abc"`: "amount in yuan", `true`: "amount in yuan", `{}`: "amount in yuan", `1e2`: "amount in yuan",
			`""`: "amount in yuan", `null`: "is required", ``: "is required", `"1,000.00"`: "amount in yuan",
			`123456789012345678`: "too large",
		} {
			a := post(amount)
			a.wantError(t, http.StatusBadRequest, "CBC.0100")
			if !strings.HasPrefix(a.Error.Msg, "amount: ") || !strings.Contains(a.Error.Msg, says) {
				t.Errorf("%s: message %q, want it to say %q", amount, a.Error.Msg, says)
			}
		}
		if b := m.customerBalance(t, m.resale.ID, nil); b != "26.11" {
			t.Fatalf("a refused amount moved money: %s", b)
		}
		// The other money operations read amounts the same way.
		a := call(t, m.srv, m.distKey, m.dist.DomainID, "POST", "/v2/accounts/partner-accounts/indirect-partner-adjust",
			[]byte(fmt.Sprintf(`{"indirect_partner_id":%q,"amount":"0.001"}`, m.resA.ID)), nil)
		a.wantError(t, http.StatusBadRequest, "CBC.0100")
	})
}

func TestIdempotentAllocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMoney(t, db)
		body := []byte(fmt.Sprintf(`{"customer_id":%q,"amount":"10.00"}`, m.resale.ID))
		post := func(key string, body []byte) apiAnswer {
			return call(t, m.srv, m.distKey, m.dist.DomainID, "POST", "/v2/accounts/partner-accounts/adjust-amount", body,
				http.Header{"Idempotency-Key": {key}})
		}
		first, again := post("alloc-1", body), post("alloc-1", body)
		if first.Status != 200 || string(first.Body) != string(again.Body) || again.Header.Get("Idempotency-Replayed") != "true" {
			t.Fatalf("retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		if b := m.customerBalance(t, m.resale.ID, nil); b != "10.00" {
			t.Fatalf("balance after a retried allocation: %s", b)
		}
		post("alloc-1", []byte(fmt.Sprintf(`{"customer_id":%q,"amount":"11.00"}`, m.resale.ID))).wantError(t, http.StatusConflict, "PC.0410")

		// Were the stored answer lost, the ledger still knows the key.
		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := tx.ExecContext(t.Context(), `DELETE FROM idempotency_keys`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		lost := post("alloc-1", body)
		if lost.Status != 200 || string(lost.Body) != string(first.Body) {
			t.Fatalf("retry after the answer was lost: %d %s, want %s", lost.Status, lost.Body, first.Body)
		}
		if b := m.customerBalance(t, m.resale.ID, nil); b != "10.00" {
			t.Fatalf("money moved twice: %s", b)
		}
		// A long key is folded into the ledger's id.
		long := strings.Repeat("k", 255)
		if a, b := post(long, body), post(long, body); a.Status != 200 || string(a.Body) != string(b.Body) {
			t.Fatalf("long key: %d %s / %s", a.Status, a.Body, b.Body)
		}
		if b := m.customerBalance(t, m.resale.ID, nil); b != "20.00" {
			t.Fatalf("balance after a long key twice: %s", b)
		}
		m.check(t)
	})
}

func TestAccountChangeRecordsThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMoney(t, db)
		alloc, err := m.allocate(m.resale.ID, "100.10", nil)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := m.reclaim(m.resale.ID, "0.10", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.allocate(m.resale.ID, "950", nil); err != nil { // 900.00 recharge + 50.00 credit
			t.Fatal(err)
		}
		records := func(req model.ListPartnerAccountChangeRecordsRequest, total int32) []model.AccountChangeRecord {
			t.Helper()
			resp, err := m.c.ListPartnerAccountChangeRecords(&req)
			if err != nil {
				t.Fatalf("ListPartnerAccountChangeRecords: %v", err)
			}
			if *resp.TotalCount != total || *resp.Currency != "CNY" || resp.Records == nil {
				t.Fatalf("total %d currency %s, want %d", *resp.TotalCount, *resp.Currency, total)
			}
			return *resp.Records
		}
		// Recharge, allocation, reclaim, allocation: newest first.
		got := records(model.ListPartnerAccountChangeRecordsRequest{BalanceType: "BALANCE_TYPE_DEBIT"}, 4)
		type row struct{ detail, amount, after, typ, trade, customer, name string }
		var rows []row
		for _, r := range got {
			rows = append(rows, row{*r.TradeDetailType, *r.ChangeAmount, *r.BalanceAfterChange, *r.Type, *r.TradeId,
				strOrEmpty(r.CustomerId), strOrEmpty(r.AccountName)})
			if _, err := time.Parse("2006-01-02T15:04:05Z", *r.TradeTime); err != nil || *r.AccountChangeId == "" {
				t.Fatalf("trade_time %q, id %q", *r.TradeTime, *r.AccountChangeId)
			}
		}
		want := []row{
			{"SOURCE_OPERATION_BEADJUST", "900.00", "0.00", "2", rows[0].trade, m.resale.ID, "resale-cust"},
			{"SOURCE_OPERATION_BERETRIEVE", "0.10", "900.00", "1", *rec.TransId, m.resale.ID, "resale-cust"},
			{"SOURCE_OPERATION_BEADJUST", "100.10", "899.90", "2", *alloc.TransferId, m.resale.ID, "resale-cust"},
			{"SOURCE_OPERATION_RECHARGE", "1000.00", "1000.00", "1", rows[3].trade, "", ""},
		}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Fatalf("records:\n got %v\nwant %v", rows, want)
		}
		credit := records(model.ListPartnerAccountChangeRecordsRequest{BalanceType: "BALANCE_TYPE_CREDIT"}, 1)
		if *credit[0].ChangeAmount != "50.00" || *credit[0].BalanceAfterChange != "-50.00" || *credit[0].Type != "2" {
			t.Fatalf("credit record: %+v", credit[0])
		}
		byType := records(model.ListPartnerAccountChangeRecordsRequest{BalanceType: "BALANCE_TYPE_DEBIT", TradeType: ptr("BEADJUST")}, 2)
		if *byType[1].TradeId != *alloc.TransferId {
			t.Fatalf("by trade type: %+v", byType)
		}
		page := records(model.ListPartnerAccountChangeRecordsRequest{BalanceType: "BALANCE_TYPE_DEBIT", Offset: ptr(int32(2)), Limit: ptr(int32(1))}, 4)
		if len(page) != 1 || *page[0].TradeId != *alloc.TransferId {
			t.Fatalf("page: %+v", page)
		}
		today := time.Now().In(ledger.BillingZone)
		records(model.ListPartnerAccountChangeRecordsRequest{BalanceType: "BALANCE_TYPE_DEBIT",
			TradeTimeBegin: ptr(today.AddDate(0, 0, -1).Format("2006-01-02")), TradeTimeEnd: ptr(today.Format("2006-01-02"))}, 4)
		records(model.ListPartnerAccountChangeRecordsRequest{BalanceType: "BALANCE_TYPE_DEBIT",
			TradeTimeEnd: ptr(today.AddDate(0, 0, -10).Format("2006-01-02"))}, 0)
		// A reseller's, for its distributor; another's answers not found.
		records(model.ListPartnerAccountChangeRecordsRequest{BalanceType: "BALANCE_TYPE_DEBIT", IndirectPartnerId: ptr(m.resA.ID)}, 0)
		_, err = m.c.ListPartnerAccountChangeRecords(&model.ListPartnerAccountChangeRecordsRequest{BalanceType: "BALANCE_TYPE_DEBIT", IndirectPartnerId: ptr(m.resC.ID)})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")

		for field, req := range map[string]model.ListPartnerAccountChangeRecordsRequest{
			"balance_type":     {BalanceType: "BALANCE_TYPE_CASH"},
			"trade_type":       {BalanceType: "BALANCE_TYPE_DEBIT", TradeType: ptr("GIFT")},
			"trade_time_begin": {BalanceType: "BALANCE_TYPE_DEBIT", TradeTimeBegin: ptr("2024-01-01"), TradeTimeEnd: ptr("2025-06-01")},
			"trade_time_end":   {BalanceType: "BALANCE_TYPE_DEBIT", TradeTimeEnd: ptr("2024/01/01")},
			"limit":            {BalanceType: "BALANCE_TYPE_DEBIT", Limit: ptr(int32(0))},
		} {
			_, err := m.c.ListPartnerAccountChangeRecords(&req)
			if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); !strings.HasPrefix(se.ErrorMessage, field+":") {
				t.Errorf("%s: message %q", field, se.ErrorMessage)
			}
		}
		// Begin after end names the begin.
		_, err = m.c.ListPartnerAccountChangeRecords(&model.ListPartnerAccountChangeRecordsRequest{BalanceType: "BALANCE_TYPE_DEBIT",
			TradeTimeBegin: ptr("2025-02-01"), TradeTimeEnd: ptr("2025-01-01")})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
	})
}

func strOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestAdjustRecordsThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMoney(t, db)
		alloc, err := m.allocate(m.resale.ID, "10", nil)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := m.reclaim(m.resale.ID, "2.5", nil)
		if err != nil {
			t.Fatal(err)
		}
		toRes, err := m.c.UpdateIndirectPartnerAccount(&model.UpdateIndirectPartnerAccountRequest{Body: &model.AdjustToIndirectPartnerReq{
			IndirectPartnerId: m.resA.ID, Amount: yuanDec("30")}})
		if err != nil {
			t.Fatal(err)
		}
		list := func(req model.ListPartnerAdjustRecordsRequest, total int32) []model.AdjustRecordV3 {
			t.Helper()
			resp, err := m.c.ListPartnerAdjustRecords(&req)
			if err != nil {
				t.Fatalf("ListPartnerAdjustRecords: %v", err)
			}
			if *resp.TotalCount != total || resp.Records == nil {
				t.Fatalf("total %d, want %d", *resp.TotalCount, total)
			}
			return *resp.Records
		}
		all := list(model.ListPartnerAdjustRecordsRequest{}, 3)
		r := all[0]
		if *r.TransId != *toRes.TransferId || *r.CustomerId != m.resA.ID || *r.CustomerName != m.resA.DomainName ||
			*r.OperationType != "SOURCE_OPERATION_BEADJUST" || *r.Amount != "30.00" || *r.Currency != "CNY" || *r.MeasureId != 1 {
			t.Fatalf("reseller allocation record: %+v", r)
		}
		if r := all[1]; *r.TransId != *rec.TransId || *r.CustomerId != m.resale.ID || *r.CustomerName != "resale-cust" ||
			*r.OperationType != "SOURCE_OPERATION_BERETRIEVE" || *r.Amount != "2.50" {
			t.Fatalf("reclaim record: %+v", r)
		}
		if got := list(model.ListPartnerAdjustRecordsRequest{CustomerId: ptr(m.resale.ID)}, 2); *got[1].TransId != *alloc.TransferId {
			t.Fatalf("by customer: %+v", got)
		}
		list(model.ListPartnerAdjustRecordsRequest{OperationType: ptr("SOURCE_OPERATION_BERETRIEVE")}, 1)
		list(model.ListPartnerAdjustRecordsRequest{TransId: alloc.TransferId}, 1)
		list(model.ListPartnerAdjustRecordsRequest{OperationTimeEnd: ptr(base.Format("2006-01-02T15:04:05Z"))}, 0)
		list(model.ListPartnerAdjustRecordsRequest{OperationTimeBegin: ptr(base.Format("2006-01-02T15:04:05Z"))}, 3)
		if got := list(model.ListPartnerAdjustRecordsRequest{Offset: ptr(int32(2)), Limit: ptr(int32(5))}, 3); len(got) != 1 {
			t.Fatalf("last page: %d rows", len(got))
		}
		list(model.ListPartnerAdjustRecordsRequest{IndirectPartnerId: ptr(m.resA.ID)}, 0)
		for field, req := range map[string]model.ListPartnerAdjustRecordsRequest{
			"operation_type":       {OperationType: ptr("SOURCE_OPERATION_GIFT")},
			"operation_time_begin": {OperationTimeBegin: ptr("2016-03-28")},
			"limit":                {Limit: ptr(int32(101))},
		} {
			_, err := m.c.ListPartnerAdjustRecords(&req)
			if se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100"); !strings.HasPrefix(se.ErrorMessage, field+":") {
				t.Errorf("%s: message %q", field, se.ErrorMessage)
			}
		}
	})
}

func TestResellerFundsThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMoney(t, db)
		adjust := func(c *bss.BssClient, reseller, amount string) error {
			_, err := c.UpdateIndirectPartnerAccount(&model.UpdateIndirectPartnerAccountRequest{Body: &model.AdjustToIndirectPartnerReq{
				IndirectPartnerId: reseller, Amount: yuanDec(amount)}})
			return err
		}
		reclaim := func(reseller, amount string) (*model.ReclaimIndirectPartnerAccountResponse, error) {
			return m.c.ReclaimIndirectPartnerAccount(&model.ReclaimIndirectPartnerAccountRequest{Body: &model.ReclaimIndirectPartnerAccountReq{
				IndirectPartnerId: reseller, Amount: yuanDec(amount)}})
		}
		if err := adjust(m.c, m.resA.ID, "120.50"); err != nil {
			t.Fatal(err)
		}
		if r, _, _ := m.balances(t, &m.resA.ID); r != 120.5 {
			t.Fatalf("reseller A's recharge account: %v", r)
		}
		if r, _, _ := m.balances(t, nil); r != 879.5 {
			t.Fatalf("distributor's recharge account: %v", r)
		}
		resp, err := reclaim(m.resA.ID, "20.50")
		if err != nil || resp.TransId == nil {
			t.Fatalf("reclaim: %v %v", resp, err)
		}
		_, err = reclaim(m.resA.ID, "100.01")
		wantSDKError(t, err, http.StatusBadRequest, "CBC.99005003")
		if r, _, _ := m.balances(t, &m.resA.ID); r != 100 {
			t.Fatalf("reseller A after reclaims: %v", r)
		}
		wantSDKError(t, adjust(m.c, m.resC.ID, "1"), http.StatusNotFound, "PC.0404")
		wantSDKError(t, adjust(m.c, m.dist.ID, "1"), http.StatusBadRequest, "CBC.0100")
		_, err = m.c.ListPartnerBalances(&model.ListPartnerBalancesRequest{IndirectPartnerId: ptr(m.resC.ID)})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")
		plain := client(t, m.srv, m.plainKey.ID, m.plainKey.Secret, m.plain.DomainID)
		wantSDKError(t, adjust(plain, m.resA.ID, "1"), http.StatusForbidden, "CBC.0151")
		m.check(t)
	})
}

// Many platforms' calls at once: every accepted movement is in the ledger
// exactly once and the balances add up.
func TestConcurrentAllocations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMoney(t, db)
		const workers, rounds = 8, 10
		// A customer per worker and an amount per round: the SDK sends no
		// Idempotency-Key, so the same movement signed twice in one second
		// would be refused as a replay.
		customers := []*customer.Customer{m.resale}
		for i := range workers - 1 {
			customers = append(customers, m.addCustomer(t, m.dist, customerSpec{name: fmt.Sprintf("busy-cust-%d", i)}))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		failures := 0
		for w := range workers {
			wg.Go(func() {
				cu := customers[w]
				for i := range rounds {
					_, err := m.allocate(cu.ID, fmt.Sprintf("1.%02d", i+1), nil)
					if err == nil && i%2 == 1 {
						_, err = m.reclaim(cu.ID, fmt.Sprintf("0.%02d", i), nil)
					}
					if err != nil {
						mu.Lock()
						failures++
						mu.Unlock()
						t.Errorf("worker %d round %d: %v", w, i, err)
					}
				}
			})
		}
		wg.Wait()
		if failures > 0 {
			return
		}
		// Each worker moved 1.01 + … + 1.10 = 10.55 out and 0.01 + 0.03 + …
		// + 0.09 = 0.25 back: 10.30.
		if r, _, _ := m.balances(t, nil); fmt.Sprintf("%.2f", r) != fmt.Sprintf("%.2f", 1000-workers*10.30) {
			t.Fatalf("recharge account after %d workers: %v", workers, r)
		}
		total := decimal.Zero
		for _, cu := range customers {
			total = total.Add(decimal.RequireFromString(m.customerBalance(t, cu.ID, nil)))
		}
		if !total.Equal(decimal.NewFromFloat(workers * 10.30)) {
			t.Fatalf("customers hold %s in all", total)
		}
		m.check(t)
	})
}
