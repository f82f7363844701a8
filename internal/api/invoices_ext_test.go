package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	pc "partnercenter/client"
	"partnercenter/internal/auth"
	"partnercenter/internal/funds"
	"partnercenter/internal/invoice"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func str(s string) *string { return &s }

// A VAT special invoice information record as a partner enters it (the
// bank account with the spaces it is printed with).
func specialInfo() pc.InvoiceInfoFields {
	return pc.InvoiceInfoFields{TitleType: str(pc.TitleEnterprise), InvoiceType: str(pc.InvoiceVATSpecial),
		Title: str("上海云启信息技术有限公司"), TaxpayerID: str("91350100M000100Y43"), BankName: str("招商银行上海分行"),
		BankAccount: str("6225 8801 2345 6789"), Address: str("上海市浦东新区世纪大道100号"), Phone: str("021-55550101")}
}

// invoiceFixture is the plain reseller with a VAT special invoice
// information record, made through the client.
func newInvoiceFixture(t *testing.T, db *store.DB) (*solFixture, *pc.InvoiceInfo) {
	t.Helper()
	f := newSolFixture(t, db)
	return f, extMust(f.own.CreateInvoiceInfo(context.Background(), specialInfo()))(t)
}

// recharge pays fen into the plain reseller's account by bank transfer, as
// provider finance records it: what makes an amount invoiceable.
func (f *solFixture) recharge(t *testing.T, fen int64, reference string) {
	t.Helper()
	f.tx(t, func(ctx context.Context, tx *store.Tx) error {
		_, err := funds.Recharge(ctx, tx, f.plain.ID, fen, "bank_transfer", reference, "")
		return err
	})
}

// Invoice information under the one-record rule: bad fields refused by
// name with nothing added, one record, a second refused, partial edits,
// and another partner's record not found.
func TestInvoiceInfoThroughTheClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newSolFixture(t, db)
		c := f.own

		infos := extMust(c.ListInvoiceInfos(ctx))(t)
		if infos.TotalCount != 0 || len(infos.Infos) != 0 || !infos.CanAdd || infos.Legacy {
			t.Fatalf("a new partner's records: %+v", infos)
		}
		bad := specialInfo()
		bad.TaxpayerID = str("91350100M000100Y44") // check character wrong
		_, err := c.CreateInvoiceInfo(ctx, bad)
		extRefused(t, err, http.StatusBadRequest, "CBC.0100", "taxpayer_id")
		bad = specialInfo()
		bad.TitleType = str(pc.TitleOrganisation)
		_, err = c.CreateInvoiceInfo(ctx, bad)
		extRefused(t, err, http.StatusBadRequest, "CBC.0100", "invoice_type")
		bad = specialInfo()
		bad.BankName = nil // a VAT special invoice prints the bank
		_, err = c.CreateInvoiceInfo(ctx, bad)
		extRefused(t, err, http.StatusBadRequest, "CBC.0100", "bank_name")
		if n := extMust(c.ListInvoiceInfos(ctx))(t).TotalCount; n != 0 {
			t.Fatalf("refused records were added: %d", n)
		}

		info := extMust(c.CreateInvoiceInfo(ctx, specialInfo()))(t)
		if info.InfoID == "" || info.InvoiceType != pc.InvoiceVATSpecial || info.BankAccount != "6225880123456789" ||
			info.Title != "上海云启信息技术有限公司" || info.CreatedAt == "" {
			t.Fatalf("record: %+v", info)
		}
		_, err = c.CreateInvoiceInfo(ctx, pc.InvoiceInfoFields{TitleType: str(pc.TitleEnterprise), InvoiceType: str(pc.InvoiceVATOrdinary),
			Title: str("另一个抬头"), TaxpayerID: str("911100001000128855")})
		extRefused(t, err, http.StatusConflict, "PC.0409", "one invoice information record")
		infos = extMust(c.ListInvoiceInfos(ctx))(t)
		if infos.TotalCount != 1 || infos.CanAdd || infos.Infos[0].InfoID != info.InfoID {
			t.Fatalf("after the first record: %+v", infos)
		}

		// An edit changes the fields sent and keeps the others.
		edited := extMust(c.UpdateInvoiceInfo(ctx, info.InfoID, pc.InvoiceInfoFields{Phone: str("021-55550188")}))(t)
		if edited.Phone != "021-55550188" || edited.Title != info.Title || edited.BankAccount != info.BankAccount || edited.InvoiceType != info.InvoiceType {
			t.Fatalf("edited: %+v", edited)
		}
		_, err = c.UpdateInvoiceInfo(ctx, info.InfoID, pc.InvoiceInfoFields{Phone: str("call me"), Title: str("新抬头")})
		extRefused(t, err, http.StatusBadRequest, "CBC.0100", "phone")
		if got := extMust(c.ListInvoiceInfos(ctx))(t).Infos[0]; got.Phone != "021-55550188" || got.Title != info.Title {
			t.Fatalf("a refused edit changed the record: %+v", got)
		}
		// Clearing what a VAT special invoice needs is refused too.
		_, err = c.UpdateInvoiceInfo(ctx, info.InfoID, pc.InvoiceInfoFields{Address: str("")})
		extRefused(t, err, http.StatusBadRequest, "CBC.0100", "address")

		// The history has the creation and the one accepted edit, newest first.
		shown := extMust(c.ShowInvoiceInfo(ctx, info.InfoID))(t)
		if shown.Phone != "021-55550188" || len(shown.History) != 2 || shown.History[0].Action != "update" || shown.History[1].Action != "create" ||
			shown.History[0].Actor != "AK "+f.plainKey.ID || len(shown.History[0].Changes) != 1 || shown.History[0].Changes[0].Field != "phone" ||
			shown.History[0].Changes[0].Before != "021-55550101" || shown.History[0].Changes[0].After != "021-55550188" {
			t.Fatalf("history: %+v", shown)
		}

		// Another partner sees none of it and cannot change it.
		_, err = f.other.UpdateInvoiceInfo(ctx, info.InfoID, pc.InvoiceInfoFields{Phone: str("010-12345678")})
		extRefused(t, err, http.StatusNotFound, "PC.0404", "does not exist")
		_, err = f.other.ShowInvoiceInfo(ctx, info.InfoID)
		extRefused(t, err, http.StatusNotFound, "PC.0404", "does not exist")
		if n := extMust(f.other.ListInvoiceInfos(ctx))(t).TotalCount; n != 0 {
			t.Fatalf("another partner lists %d records", n)
		}
		_, err = c.UpdateInvoiceInfo(ctx, "no-such-info", pc.InvoiceInfoFields{Phone: str("010-12345678")})
		extRefused(t, err, http.StatusNotFound, "PC.0404", "does not exist")
	})
}

// An invoice request from the invoiceable amount to its return: bad
// amounts refused by name with nothing requested, an Idempotency-Key retry
// making one request, provider finance's review and issue, the timeline,
// the PDF, 签收 and 退票 freeing the amount, and another partner's ids not
// found.
func TestInvoiceRequestsThroughTheClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, info := newInvoiceFixture(t, db)
		c := f.own

		inv := extMust(c.ShowInvoiceableAmount(ctx))(t)
		if inv.Paid != "0.00" || inv.Available != "0.00" || inv.Currency != "CNY" {
			t.Fatalf("before any recharge: %+v", inv)
		}
		f.recharge(t, 500_00, "BANK-INV-1")
		inv = extMust(c.ShowInvoiceableAmount(ctx))(t)
		if inv.Paid != "500.00" || inv.Requested != "0.00" || inv.Available != "500.00" {
			t.Fatalf("after a recharge of 500.00: %+v", inv)
		}

		for _, bad := range []struct {
			req  pc.CreateInvoiceRequestReq
			want string
		}{
			{pc.CreateInvoiceRequestReq{InfoID: info.InfoID, Amount: "12.345"}, "amount"},
			{pc.CreateInvoiceRequestReq{InfoID: info.InfoID, Amount: "0"}, "amount"},
			{pc.CreateInvoiceRequestReq{InfoID: info.InfoID, Amount: "500.01"}, "amount"},
			{pc.CreateInvoiceRequestReq{Amount: "100.00"}, "info_id"},
			{pc.CreateInvoiceRequestReq{InfoID: "no-such-info", Amount: "100.00"}, "info_id"},
		} {
			_, err := c.CreateInvoiceRequest(ctx, bad.req)
			extRefused(t, err, http.StatusBadRequest, "CBC.0100", bad.want)
		}
		// Another partner's information is not the caller's to invoice under.
		otherInfo := extMust(f.other.CreateInvoiceInfo(ctx, specialInfo()))(t)
		_, err := c.CreateInvoiceRequest(ctx, pc.CreateInvoiceRequestReq{InfoID: otherInfo.InfoID, Amount: "100.00"})
		extRefused(t, err, http.StatusBadRequest, "CBC.0100", "info_id")
		if n := extMust(c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{}))(t).TotalCount; n != 0 {
			t.Fatalf("refused requests were made: %d", n)
		}

		// A retry with the same Idempotency-Key answers the first request.
		req := pc.CreateInvoiceRequestReq{InfoID: info.InfoID, Amount: "200.00"}
		first := extMust(c.CreateInvoiceRequest(ctx, req, pc.IdempotencyKey("invoice-1")))(t)
		again := extMust(c.CreateInvoiceRequest(ctx, req, pc.IdempotencyKey("invoice-1")))(t)
		if first.RequestID == "" || again.RequestID != first.RequestID || first.Status != pc.InvoicePendingReview ||
			first.Amount != "200.00" || !strings.HasPrefix(first.Code, "INV") || first.Title != "上海云启信息技术有限公司" || first.InvoiceAvailable {
			t.Fatalf("first %+v, retry %+v", first, again)
		}
		_, err = c.CreateInvoiceRequest(ctx, pc.CreateInvoiceRequestReq{InfoID: info.InfoID, Amount: "300.00"}, pc.IdempotencyKey("invoice-1"))
		extRefused(t, err, http.StatusConflict, "PC.0410", "invoice-1")
		if n := extMust(c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{}))(t).TotalCount; n != 1 {
			t.Fatalf("requests after a retry: %d, want 1", n)
		}
		if inv = extMust(c.ShowInvoiceableAmount(ctx))(t); inv.Requested != "200.00" || inv.Available != "300.00" {
			t.Fatalf("after requesting 200.00: %+v", inv)
		}
		id := first.RequestID

		// No invoice yet: nothing to download, nothing to sign.
		_, err = c.DownloadInvoice(ctx, id)
		extRefused(t, err, http.StatusConflict, "PC.0409", "not been issued")
		_, err = c.SignInvoiceRequest(ctx, id)
		extRefused(t, err, http.StatusConflict, "PC.0409", "pending receipt")

		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			if _, err := invoice.Approve(ctx, tx, id); err != nil {
				return err
			}
			_, err := invoice.Issue(ctx, tx, id, "12345678")
			return err
		})
		shown := extMust(c.ShowInvoiceRequest(ctx, id))(t)
		var steps []string
		for _, e := range shown.Timeline {
			steps = append(steps, e.Action+">"+e.Status)
		}
		if shown.Status != pc.InvoicePendingReceipt || shown.InvoiceNumber != "12345678" || !shown.InvoiceAvailable || shown.IssuedAt == "" ||
			strings.Join(steps, ",") != "submit>pending_review,approve>issuing,issue>pending_receipt" ||
			shown.Timeline[0].Actor != "AK "+f.plainKey.ID || shown.Timeline[2].InvoiceNumber != "12345678" {
			t.Fatalf("issued request: %+v", shown)
		}
		pdf := extMust(c.DownloadInvoice(ctx, id))(t)
		if !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 500 {
			t.Fatalf("the invoice is not a PDF: %q", pdf[:min(len(pdf), 20)])
		}

		// Another partner's client: not found, whatever it tries.
		_, err = f.other.ShowInvoiceRequest(ctx, id)
		extRefused(t, err, http.StatusNotFound, "PC.0404", "does not exist")
		_, err = f.other.DownloadInvoice(ctx, id)
		extRefused(t, err, http.StatusNotFound, "PC.0404", "does not exist")
		_, err = f.other.SignInvoiceRequest(ctx, id)
		extRefused(t, err, http.StatusNotFound, "PC.0404", "does not exist")
		_, err = f.other.ReturnInvoiceRequest(ctx, id, "不是我的")
		extRefused(t, err, http.StatusNotFound, "PC.0404", "does not exist")
		if n := extMust(f.other.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{}))(t).TotalCount; n != 0 {
			t.Fatalf("another partner lists %d requests", n)
		}

		// 退票 only once signed for; 签收, then 退票 with a reason frees the amount.
		_, err = c.ReturnInvoiceRequest(ctx, id, "抬头有误")
		extRefused(t, err, http.StatusConflict, "PC.0409", "only an issued invoice")
		signed := extMust(c.SignInvoiceRequest(ctx, id))(t)
		if signed.Status != pc.InvoiceIssued || signed.SignedAt == "" {
			t.Fatalf("signed: %+v", signed)
		}
		_, err = c.ReturnInvoiceRequest(ctx, id, "  ")
		extRefused(t, err, http.StatusBadRequest, "CBC.0100", "reason")
		if got := extMust(c.ShowInvoiceRequest(ctx, id))(t); got.Status != pc.InvoiceIssued {
			t.Fatalf("a refused return changed the status: %s", got.Status)
		}
		returned := extMust(c.ReturnInvoiceRequest(ctx, id, "抬头有误"))(t)
		if returned.Status != pc.InvoiceReturned || returned.Reason != "抬头有误" || returned.InvoiceAvailable {
			t.Fatalf("returned: %+v", returned)
		}
		if inv = extMust(c.ShowInvoiceableAmount(ctx))(t); inv.Requested != "0.00" || inv.Available != "500.00" {
			t.Fatalf("after the return: %+v", inv)
		}
		_, err = c.DownloadInvoice(ctx, id)
		extRefused(t, err, http.StatusConflict, "PC.0409", "not been issued")
	})
}

// ListInvoiceRequests pages newest first with the total, and filters by
// status and by when the requests were made; bad filters are refused by
// name.
func TestListInvoiceRequestsPagingAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, info := newInvoiceFixture(t, db)
		c := f.own
		f.recharge(t, 1000_00, "BANK-INV-2")
		// Each request a second apart: the list orders by when they were made.
		var made []string
		for i, amount := range []string{"100.00", "200.00", "300.00"} {
			f.skew.Store(int64(time.Duration(i) * time.Second))
			r := extMust(c.CreateInvoiceRequest(ctx, pc.CreateInvoiceRequestReq{InfoID: info.InfoID, Amount: amount}))(t)
			made = append(made, r.RequestID)
		}
		f.skew.Store(0)
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := invoice.Reject(ctx, tx, made[0], "金额有误")
			return err
		})

		page1 := extMust(c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{Page: pc.Page{Limit: 2}}))(t)
		page2 := extMust(c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{Page: pc.Page{Offset: 2, Limit: 2}}))(t)
		if page1.TotalCount != 3 || page2.TotalCount != 3 || len(page1.Requests) != 2 || len(page2.Requests) != 1 ||
			page1.Requests[0].RequestID != made[2] || page1.Requests[1].RequestID != made[1] || page2.Requests[0].RequestID != made[0] {
			t.Fatalf("pages: %+v / %+v", page1, page2)
		}
		rejected := extMust(c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{Status: pc.InvoiceRejected}))(t)
		if rejected.TotalCount != 1 || rejected.Requests[0].RequestID != made[0] || rejected.Requests[0].Reason != "金额有误" {
			t.Fatalf("rejected: %+v", rejected)
		}
		byCode := extMust(c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{Code: page1.Requests[1].Code}))(t)
		if byCode.TotalCount != 1 || byCode.Requests[0].RequestID != made[1] {
			t.Fatalf("by code: %+v", byCode)
		}
		at := func(d time.Duration) string { return time.Now().UTC().Add(d).Format("2006-01-02T15:04:05Z") }
		if n := extMust(c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{RequestedFrom: at(-time.Hour), RequestedTo: at(time.Hour)}))(t).TotalCount; n != 3 {
			t.Fatalf("requested within the hour: %d, want 3", n)
		}
		if n := extMust(c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{RequestedFrom: at(time.Hour)}))(t).TotalCount; n != 0 {
			t.Fatalf("requested from an hour on: %d, want 0", n)
		}
		if n := extMust(c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{RequestedTo: at(-time.Hour)}))(t).TotalCount; n != 0 {
			t.Fatalf("requested until an hour ago: %d, want 0", n)
		}

		for _, bad := range []struct {
			f    pc.InvoiceRequestFilter
			want string
		}{
			{pc.InvoiceRequestFilter{Status: "paid"}, "status"},
			{pc.InvoiceRequestFilter{RequestedFrom: "2026-12-01"}, "requested_from"},
			{pc.InvoiceRequestFilter{RequestedFrom: at(time.Hour), RequestedTo: at(-time.Hour)}, "requested_to"},
			{pc.InvoiceRequestFilter{Page: pc.Page{Limit: 101}}, "limit"},
		} {
			_, err := c.ListInvoiceRequests(ctx, bad.f)
			extRefused(t, err, http.StatusBadRequest, "CBC.0100", bad.want)
		}
	})
}

// A key whose scope leaves out the invoice operations is refused them
// before anything happens; the operations in its scope answer.
func TestInvoiceOperationsFollowTheKeyScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newSolFixture(t, db)
		var narrow *auth.AccessKey
		f.tx(t, func(ctx context.Context, tx *store.Tx) (err error) {
			narrow, err = auth.InsertAccessKey(ctx, tx, f.app.Sealer, auth.NewAccessKey{PartnerID: f.plain.ID, Description: "read only",
				CreatedBy: "test", Scope: []string{"ListInvoiceInfos", "ShowInvoiceableAmount"}})
			return err
		})
		srv := f.start(t, server.New(f.app))
		c := pc.New(srv.URL, narrow.ID, narrow.Secret, f.plain.DomainID, pc.WithClock(freshSeconds()))
		if _, err := c.ListInvoiceInfos(ctx); err != nil {
			t.Fatalf("an operation in the key's scope: %v", err)
		}
		_, err := c.CreateInvoiceInfo(ctx, specialInfo())
		extRefused(t, err, http.StatusForbidden, "PC.0308", "CreateInvoiceInfo")
		_, err = c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{})
		extRefused(t, err, http.StatusForbidden, "PC.0308", "ListInvoiceRequests")
		if n := extMust(f.own.ListInvoiceInfos(ctx))(t).TotalCount; n != 0 {
			t.Fatalf("a refused creation added %d records", n)
		}
		// The partner's own unscoped key may use them.
		if _, err := f.own.CreateInvoiceInfo(ctx, specialInfo()); err != nil {
			t.Fatal(err)
		}
	})
}

// Requests sent at the same time: retries of one Idempotency-Key make one
// request, and requests with their own keys never together exceed the
// invoiceable amount.
func TestInvoiceRequestsUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, info := newInvoiceFixture(t, db)
		c := f.own
		f.recharge(t, 500_00, "BANK-INV-3")
		send := func(n int, key func(i int) string) (ids []string, refused int) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					r, err := c.CreateInvoiceRequest(ctx, pc.CreateInvoiceRequestReq{InfoID: info.InfoID, Amount: "200.00"}, pc.IdempotencyKey(key(i)))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ids = append(ids, r.RequestID)
					case pc.IsCode(err, "CBC.0100"):
						refused++
					default:
						t.Errorf("request %d: %v", i, err)
					}
				})
			}
			wg.Wait()
			return ids, refused
		}
		ids, refused := send(6, func(int) string { return "same-key" })
		if len(ids) != 6 || refused != 0 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 1 {
			t.Fatalf("one key: answers %v, %d refused", ids, refused)
		}
		ids, refused = send(6, func(i int) string { return fmt.Sprintf("own-key-%d", i) })
		// 500.00 invoiceable, 200.00 already requested: one more fits.
		if len(ids) != 1 || refused != 5 {
			t.Fatalf("own keys: %d made, %d refused; want 1 and 5", len(ids), refused)
		}
		list := extMust(c.ListInvoiceRequests(ctx, pc.InvoiceRequestFilter{}))(t)
		inv := extMust(c.ShowInvoiceableAmount(ctx))(t)
		if list.TotalCount != 2 || inv.Requested != "400.00" || inv.Available != "100.00" {
			t.Fatalf("%d requests, invoiceable %+v", list.TotalCount, inv)
		}
	})
}

// Edits of different fields of one record sent at once all apply: each
// changes its own field of the record as the one before it left it.
func TestInvoiceInfoEditsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, info := newInvoiceFixture(t, db)
		c := f.own
		edits := []pc.InvoiceInfoFields{{Title: str("上海云启科技有限公司")}, {Phone: str("021-55550199")}, {BankName: str("工商银行上海分行")},
			{Address: str("上海市徐汇区漕溪北路1号")}, {BankAccount: str("6222020000000001")}}
		var wg sync.WaitGroup
		for _, e := range edits {
			wg.Go(func() {
				if _, err := c.UpdateInvoiceInfo(ctx, info.InfoID, e); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got := extMust(c.ShowInvoiceInfo(ctx, info.InfoID))(t)
		if got.Title != "上海云启科技有限公司" || got.Phone != "021-55550199" || got.BankName != "工商银行上海分行" ||
			got.Address != "上海市徐汇区漕溪北路1号" || got.BankAccount != "6222020000000001" || len(got.History) != 6 {
			t.Fatalf("after five edits at once: %+v", got)
		}
	})
}
