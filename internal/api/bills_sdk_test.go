package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"

	"partnercenter/internal/bill"
	"partnercenter/internal/bill/billtest"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// consumption is the money landscape after the distributor's resale
// customer used an SSD for an hour last month (12.34), bought a VM for a
// month (100.00) and used a disk for two hours this month (0.04 each), all
// paid from its balance; the other distributor's customer and reseller A's
// customer, who have no money, used a disk for an hour on debt.
type consumption struct {
	*money
	cloud          *billtest.Cloud
	month          bill.Month
	orderID        string
	otherCust      *customer.Customer
	allocated      int64
	thisHour, prev time.Time
	disk           string
}

func newConsumption(t *testing.T, db *store.DB) *consumption {
	t.Helper()
	m := newMoney(t, db)
	c := &consumption{money: m, month: bill.MonthOf(time.Now()), allocated: 300_00}
	c.otherCust = m.addCustomer(t, m.dist2, customerSpec{name: "other-dist-cust", at: 2 * time.Hour})
	ctx := t.Context()
	if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		if c.cloud, err = billtest.Catalogue(ctx, tx); err != nil {
			return err
		}
		_, err = funds.Allocate(ctx, tx, m.dist.ID, m.resale.ID, c.allocated, "", "tester", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := billtest.Authorise(ctx, db, m.dist.ID, m.resale.ID); err != nil {
		t.Fatal(err)
	}
	meter := func(partnerID, customerID string, p *catalogue.Product, from time.Time) string {
		t.Helper()
		id, _, err := billtest.Meter(ctx, db, billtest.Usage{PartnerID: partnerID, CustomerID: customerID, Product: p, From: from, Hours: 1})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	c.thisHour = c.month.Start().Add(time.Hour)
	c.prev = c.month.Add(-1).Start().Add(5 * time.Hour)
	meter(m.dist.ID, m.resale.ID, c.cloud.SSD, c.prev)
	o, err := billtest.PayOrder(ctx, db, m.dist.ID, m.resale.ID, nil, order.LineRequest{ProductID: c.cloud.VM.ID, Region: billtest.Region,
		PeriodType: catalogue.PeriodMonth, PeriodNum: 1, Quantity: 1, Name: "web-1"})
	if err != nil {
		t.Fatal(err)
	}
	c.orderID = o.ID
	id, _, err := billtest.Meter(ctx, db, billtest.Usage{PartnerID: m.dist.ID, CustomerID: m.resale.ID, Product: c.cloud.Disk, From: c.thisHour, Hours: 2})
	if err != nil {
		t.Fatal(err)
	}
	c.disk = id
	meter(m.dist2.ID, c.otherCust.ID, c.cloud.Disk, c.thisHour)
	meter(m.resA.ID, m.resACust.ID, c.cloud.Disk, c.thisHour)
	return c
}

func dec(t *testing.T, d *decimal.Decimal, want string) {
	t.Helper()
	if d == nil || !d.Equal(decimal.RequireFromString(want)) {
		t.Fatalf("amount %v, want %s", d, want)
	}
}

func TestBillDetailsThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newConsumption(t, db)
		details := func(r model.ListSubCustomerBillDetailRequest) *model.ListSubCustomerBillDetailResponse {
			t.Helper()
			if r.BillCycle == "" {
				r.BillCycle = c.month.String()
			}
			if r.CustomerId == "" {
				r.CustomerId = c.resale.ID
			}
			resp, err := c.c.ListSubCustomerBillDetail(&r)
			if err != nil {
				t.Fatalf("ListSubCustomerBillDetail: %v", err)
			}
			if resp.TotalCount == nil || resp.FeeRecords == nil || *resp.Currency != "CNY" {
				t.Fatalf("answer %v", resp)
			}
			return resp
		}
		resp := details(model.ListSubCustomerBillDetailRequest{})
		if *resp.TotalCount != 3 || len(*resp.FeeRecords) != 3 {
			t.Fatalf("%d records", *resp.TotalCount)
		}
		sum := decimal.Zero
		for _, r := range *resp.FeeRecords {
			sum = sum.Add(*r.PaymentAmount)
			if *r.BillCycle != c.month.String() || *r.CustomerId != c.resale.ID || *r.PartnerId != c.dist.ID || *r.AssociationType != "2" ||
				*r.RegionCode != billtest.Region || *r.RegionName != "华北-北京四" {
				t.Fatalf("record %+v", r)
			}
			switch *r.BillDetailType {
			case bill.DetailNew:
				if *r.TradeId != c.orderID || *r.ChargingMode != 1 || *r.ServiceTypeName != "弹性云服务器" || *r.ResourceName != "web-1" ||
					*r.OrderType != 1 || *r.ResourceTypeName != "云主机" {
					t.Fatalf("order record %+v", r)
				}
				dec(t, r.PaymentAmount, "100")
				dec(t, r.CashAmount, "100")
				dec(t, r.CouponAmount, "0")
			case bill.DetailUsage:
				if *r.ChargingMode != 3 || *r.PeriodType != 25 || *r.ResourceId != c.disk || *r.ServiceTypeName != "云硬盘" ||
					r.UsageAmount == nil || !r.UsageAmount.Equal(decimal.NewFromInt(1)) || *r.TradeId != *r.Id {
					t.Fatalf("usage record %+v", r)
				}
				if at, _ := time.Parse(time.RFC3339, *r.ConsumeTime); !at.Equal(c.thisHour) && !at.Equal(c.thisHour.Add(time.Hour)) {
					t.Fatalf("consume time %s", *r.ConsumeTime)
				}
			default:
				t.Fatalf("detail type %d", *r.BillDetailType)
			}
		}
		dec(t, &sum, "100.08")

		// Filters and paging.
		page := details(model.ListSubCustomerBillDetailRequest{Offset: ptr(int32(2)), Limit: ptr(int32(1))})
		if *page.TotalCount != 3 || len(*page.FeeRecords) != 1 || *(*page.FeeRecords)[0].Id != *(*resp.FeeRecords)[2].Id {
			t.Fatalf("page %v", page)
		}
		for _, f := range []struct {
			r    model.ListSubCustomerBillDetailRequest
			want int32
		}{
			{model.ListSubCustomerBillDetailRequest{BillDetailType: ptr(int32(5))}, 2},
			{model.ListSubCustomerBillDetailRequest{ChargingMode: ptr(int32(1))}, 1},
			{model.ListSubCustomerBillDetailRequest{ServiceTypeCode: ptr(billtest.ServiceEVS)}, 2},
			{model.ListSubCustomerBillDetailRequest{TradeId: ptr(c.orderID)}, 1},
			{model.ListSubCustomerBillDetailRequest{ResourceName: ptr("web-1")}, 1},
			{model.ListSubCustomerBillDetailRequest{AssociationType: ptr("1")}, 0},
			{model.ListSubCustomerBillDetailRequest{BillCycle: c.month.Add(-1).String()}, 1},
			{model.ListSubCustomerBillDetailRequest{BillDateBegin: ptr(c.thisHour.In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateOnly)),
				BillDateEnd: ptr(c.thisHour.In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateOnly))}, -1},
		} {
			got := details(f.r)
			if f.want >= 0 && *got.TotalCount != f.want {
				t.Fatalf("%+v: %d records, want %d", f.r, *got.TotalCount, f.want)
			}
			if f.want < 0 && *got.TotalCount < 2 {
				t.Fatalf("the first billing day holds the two hours: %d", *got.TotalCount)
			}
		}
		en := details(model.ListSubCustomerBillDetailRequest{XLanguage: ptr("en_us"), BillDetailType: ptr(int32(5)), Limit: ptr(int32(1))})
		if r := (*en.FeeRecords)[0]; *r.ServiceTypeName != "Elastic Volume Service" || *r.RegionName != "CN North-Beijing4" {
			t.Fatalf("english names %+v", r)
		}
		// Last month's hour.
		prev := details(model.ListSubCustomerBillDetailRequest{BillCycle: c.month.Add(-1).String()})
		r := (*prev.FeeRecords)[0]
		dec(t, r.PaymentAmount, "12.34")
		dec(t, r.CashAmount, "12.34")
		dec(t, r.DebtAmount, "0")

		// Another distributor's customer reads as having nothing; a
		// reseller's customers are read by naming the reseller.
		if got := details(model.ListSubCustomerBillDetailRequest{CustomerId: c.otherCust.ID}); *got.TotalCount != 0 {
			t.Fatalf("another distributor's customer: %d", *got.TotalCount)
		}
		if got := details(model.ListSubCustomerBillDetailRequest{CustomerId: c.resACust.ID}); *got.TotalCount != 0 {
			t.Fatalf("reseller's customer without indirect_partner_id: %d", *got.TotalCount)
		}
		got := details(model.ListSubCustomerBillDetailRequest{CustomerId: c.resACust.ID, IndirectPartnerId: ptr(c.resA.ID)})
		if *got.TotalCount != 1 || *(*got.FeeRecords)[0].PartnerId != c.resA.ID {
			t.Fatalf("reseller's customer: %d", *got.TotalCount)
		}
		// What its balance could not cover is debt.
		dec(t, (*got.FeeRecords)[0].DebtAmount, "0.04")
		dec(t, (*got.FeeRecords)[0].CashAmount, "0")
		_, err := c.c.ListSubCustomerBillDetail(&model.ListSubCustomerBillDetailRequest{BillCycle: c.month.String(), CustomerId: c.resale.ID,
			IndirectPartnerId: ptr(c.resC.ID)})
		wantSDKError(t, err, http.StatusNotFound, "PC.0404")

		// Bad input is refused, naming the parameter.
		for _, bad := range []model.ListSubCustomerBillDetailRequest{
			{BillCycle: "2026-13", CustomerId: c.resale.ID},
			{BillCycle: c.month.Add(-18).String(), CustomerId: c.resale.ID},
			{BillCycle: c.month.Add(1).String(), CustomerId: c.resale.ID},
			{BillCycle: c.month.String(), CustomerId: ""},
			{BillCycle: c.month.String(), CustomerId: c.resale.ID, Limit: ptr(int32(1001))},
			{BillCycle: c.month.String(), CustomerId: c.resale.ID, BillDateBegin: ptr(c.month.Add(-1).Start().Format(time.DateOnly)),
				BillDateEnd: ptr(c.month.Start().Format(time.DateOnly))},
		} {
			_, err := c.c.ListSubCustomerBillDetail(&bad)
			wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		}
	})
}

func TestConsumingCustomersAndMonthlyBillsThroughTheSDK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newConsumption(t, db)
		consumers := func(month bill.Month) *model.ListConsumeSubCustomersResponse {
			t.Helper()
			resp, err := c.c.ListConsumeSubCustomers(&model.ListConsumeSubCustomersRequest{Body: &model.ListConsumeSubCustomersReq{BillCycle: month.String()}})
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		for _, month := range []bill.Month{c.month, c.month.Add(-1)} {
			resp := consumers(month)
			if *resp.TotalCount != 1 || len(*resp.SubCustomers) != 1 || *(*resp.SubCustomers)[0].CustomerId != c.resale.ID {
				t.Fatalf("%s: %v", month, resp)
			}
		}
		if resp := consumers(c.month.Add(-2)); *resp.TotalCount != 0 || resp.SubCustomers == nil || len(*resp.SubCustomers) != 0 {
			t.Fatalf("a month without consumption: %v", resp)
		}
		_, err := c.c.ListConsumeSubCustomers(&model.ListConsumeSubCustomersRequest{Body: &model.ListConsumeSubCustomersReq{BillCycle: "12/2026"}})
		wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")

		monthly := func(r model.ListSubcustomerMonthlyBillsRequest) *model.ListSubcustomerMonthlyBillsResponse {
			t.Helper()
			resp, err := c.c.ListSubcustomerMonthlyBills(&r)
			if err != nil {
				t.Fatalf("ListSubcustomerMonthlyBills(%+v): %v", r, err)
			}
			if resp.Count == nil || resp.BillSums == nil || *resp.Currency != "CNY" {
				t.Fatalf("answer %v", resp)
			}
			return resp
		}
		vm := monthly(model.ListSubcustomerMonthlyBillsRequest{Cycle: c.month.String(), ChargeMode: "1"})
		if *vm.Count != 1 {
			t.Fatalf("yearly/monthly bills %v", vm)
		}
		b := (*vm.BillSums)[0]
		if *b.CustomerId != c.resale.ID || *b.CloudServiceType != billtest.ServiceECS || *b.CloudServiceTypeName != "弹性云服务器" ||
			*b.BillType != "0" || *b.ChargeMode != "1" || *b.ResourceTypeName != "云主机" || *b.MeasureId != 1 {
			t.Fatalf("bill %+v", b)
		}
		dec(t, b.Amount, "100")
		if len(*b.AccountDetails) != 1 || *(*b.AccountDetails)[0].BalanceType != "BALANCE_TYPE_DEBIT" {
			t.Fatalf("account details %+v", *b.AccountDetails)
		}
		dec(t, (*b.AccountDetails)[0].Amount, "100")
		usage := monthly(model.ListSubcustomerMonthlyBillsRequest{Cycle: c.month.String(), ChargeMode: "3"})
		if *usage.Count != 1 {
			t.Fatalf("pay-per-use bills %v", usage)
		}
		dec(t, (*usage.BillSums)[0].Amount, "0.08")
		for _, empty := range []model.ListSubcustomerMonthlyBillsRequest{
			{Cycle: c.month.String(), ChargeMode: "1", BillType: ptr("1")},
			{Cycle: c.month.String(), ChargeMode: "11"},
			{Cycle: c.month.String(), ChargeMode: "3", BillType: ptr("2")},
			{Cycle: c.month.String(), ChargeMode: "3", CustomerId: ptr(c.otherCust.ID)},
			{Cycle: c.month.String(), ChargeMode: "3", CloudServiceType: ptr(billtest.ServiceECS)},
		} {
			if got := monthly(empty); *got.Count != 0 || len(*got.BillSums) != 0 {
				t.Fatalf("%+v: %v", empty, got)
			}
		}
		for _, bad := range []model.ListSubcustomerMonthlyBillsRequest{
			{Cycle: c.month.String(), ChargeMode: ""},
			{Cycle: c.month.String(), ChargeMode: "2"},
			{Cycle: "", ChargeMode: "1"},
			{Cycle: c.month.String(), ChargeMode: "1", BillType: ptr("9")},
		} {
			_, err := c.c.ListSubcustomerMonthlyBills(&bad)
			wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		}

		// The bills agree with the ledger to the fen: what the monthly
		// bills of the last 18 months took from the balance is what the
		// customer's balance lost, and the details say the same.
		var fromBills, fromDetails decimal.Decimal
		for i := range bill.HistoryMonths {
			month := c.month.Add(-i)
			for _, mode := range []string{"1", "3"} {
				for _, b := range *monthly(model.ListSubcustomerMonthlyBillsRequest{Cycle: month.String(), ChargeMode: mode, CustomerId: ptr(c.resale.ID)}).BillSums {
					for _, d := range *b.AccountDetails {
						if *d.BalanceType == "BALANCE_TYPE_DEBIT" {
							fromBills = fromBills.Add(*d.Amount)
						}
					}
				}
			}
			resp, err := c.c.ListSubCustomerBillDetail(&model.ListSubCustomerBillDetailRequest{BillCycle: month.String(), CustomerId: c.resale.ID,
				Limit: ptr(int32(1000))})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range *resp.FeeRecords {
				fromDetails = fromDetails.Add(*r.CashAmount)
			}
		}
		balance, _, err := funds.CustomerBalance(t.Context(), db.Reader(), c.resale.ID)
		if err != nil {
			t.Fatal(err)
		}
		spent := decimal.New(c.allocated-balance, -2)
		if !fromBills.Equal(spent) || !fromDetails.Equal(spent) {
			t.Fatalf("bills %s, details %s, ledger %s", fromBills, fromDetails, spent)
		}
		if !spent.Equal(decimal.RequireFromString("112.42")) {
			t.Fatalf("spent %s", spent)
		}
	})
}
