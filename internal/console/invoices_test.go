package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partnercenter/internal/invoice"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// invoiceState is what a refused form must leave unchanged.
type invoiceState struct {
	infos    []invoice.Info
	requests []invoice.Request
}

func invoiceStateOf(t *testing.T, db *store.DB, partnerID string) invoiceState {
	t.Helper()
	ctx, q := context.Background(), db.Reader()
	infos, err := invoice.Infos(ctx, q, partnerID)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := invoice.List(ctx, q, invoice.Filter{Viewer: invoice.Viewer{PartnerID: partnerID}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var s invoiceState
	for _, i := range infos {
		s.infos = append(s.infos, *i)
	}
	for _, r := range list {
		s.requests = append(s.requests, *r)
	}
	return s
}

func (s invoiceState) equal(o invoiceState) bool {
	if len(s.infos) != len(o.infos) || len(s.requests) != len(o.requests) {
		return false
	}
	for i := range s.infos {
		if s.infos[i] != o.infos[i] {
			return false
		}
	}
	for i := range s.requests {
		if s.requests[i] != o.requests[i] {
			return false
		}
	}
	return true
}

// demoRequest finds a demo request of a partner in a status.
func demoRequest(t *testing.T, db *store.DB, partnerID, status string) *invoice.Request {
	t.Helper()
	list, _, err := invoice.List(context.Background(), db.Reader(), invoice.Filter{Viewer: invoice.Viewer{PartnerID: partnerID}, Status: status})
	if err != nil || len(list) == 0 {
		t.Fatalf("no demo request %s: %v", status, err)
	}
	return list[0]
}

func wantPage(t *testing.T, what string, resp *http.Response, body string, status int, wants ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, status, body)
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not show %q", what, w)
		}
	}
}

func TestInvoiceInformationPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		info := invoiceStateOf(t, db, dist).infos[0]

		resp, body := c.get("/console/invoices")
		wantPage(t, "发票信息", resp, body, http.StatusOK, "发票管理", "发票信息", "开票申请", "管理发票信息", "申请开票", info.Title,
			info.TaxpayerID, "增值税专用发票", "自2020年8月1日起，每个账号只能保留一条有效的发票信息", "您已有发票信息")
		if strings.Contains(body, `id="add-invoice-info"`) {
			t.Error("an account holding its record is offered to add one")
		}

		// The add page says at once that the account cannot add.
		resp, body = c.get("/console/invoices/info/new")
		wantPage(t, "add page", resp, body, http.StatusOK, `role="alert">自2020年8月1日起每个账号只能有一条发票信息`)

		// A second record: refused with the rule, nothing changed.
		before := invoiceStateOf(t, db, dist)
		form := url.Values{"title_type": {"enterprise"}, "invoice_type": {"vat_ordinary"}, "title": {"第二抬头"}, "taxpayer_id": {"91350100M000100Y43"}}
		resp, body = c.post("/console/invoices/info/new", form)
		wantPage(t, "second record", resp, body, http.StatusUnprocessableEntity, "自2020年8月1日起每个账号只能有一条发票信息")
		// An invalid taxpayer id: the message next to the field.
		edit := url.Values{"title_type": {info.TitleType}, "invoice_type": {info.InvoiceType}, "title": {"华东云总经销（集团）有限公司"},
			"taxpayer_id": {"91350100M000100Y44"}, "bank_name": {info.BankName}, "bank_account": {info.BankAccount},
			"address": {info.Address}, "phone": {info.Phone}}
		resp, body = c.post("/console/invoices/info/"+info.ID, edit)
		wantPage(t, "invalid taxpayer id", resp, body, http.StatusUnprocessableEntity, `id="f-taxpayer_id-msg">纳税人识别号应为18位统一社会信用代码`)
		if !invoiceStateOf(t, db, dist).equal(before) {
			t.Fatal("a refused form changed the invoice information")
		}

		// The edit is saved and shows in the change history.
		edit.Set("taxpayer_id", "91350100M000100Y43")
		resp, body = c.post("/console/invoices/info/"+info.ID, edit)
		wantPage(t, "edit", resp, body, http.StatusSeeOther)
		resp, body = c.get("/console/invoices/info/" + info.ID)
		wantPage(t, "change history", resp, body, http.StatusOK, "变更历史", "修改发票信息", "<del>"+info.Title+"</del> → 华东云总经销（集团）有限公司",
			"<del>"+info.TaxpayerID+"</del> → 91350100M000100Y43", "发票类型:</span> 增值税专用发票")

		// The legacy account is told why it cannot add.
		_, body = signedInAs(e, "reseller").get("/console/invoices")
		if !strings.Contains(body, "您的账号创建于2020年8月1日之前，保留已有的 2 条发票信息，但不能再新增。") {
			t.Error("the legacy account's rule is not explained")
		}

		// Another partner's record is not found.
		resp, _ = signedInAs(e, "reseller-a").get("/console/invoices/info/" + info.ID)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner opens the record: %d", resp.StatusCode)
		}
		// The customer manager has no invoicing permission.
		resp, _ = signedInAs(e, "distributor-manager").get("/console/invoices")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a customer manager opens 发票管理: %d", resp.StatusCode)
		}
	})
}

func signedInAs(e *env, username string) *client {
	c := e.client()
	c.signIn(username)
	return c
}

func TestInvoiceRequestPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, c := signedIn(t, db, "distributor")
		dist := partnerID(t, db, "distributor")
		inv, err := invoice.InvoiceableOf(ctx, db.Reader(), dist)
		if err != nil {
			t.Fatal(err)
		}

		resp, body := c.get("/console/invoices?tab=requests")
		wantPage(t, "开票申请", resp, body, http.StatusOK, "待审核", "开票中", "待签收", "已开票", "已驳回", "已退票", "下载电子发票",
			"可开票金额 = 财务登记的充值账户充值金额")
		resp, body = c.get("/console/invoices?tab=requests&status=rejected")
		if strings.Contains(tableBody(body[strings.Index(body, `id="invoice-requests"`):]), "待审核") {
			t.Error("the status filter shows other statuses")
		}

		// Above the invoiceable amount: refused next to the field.
		before := invoiceStateOf(t, db, dist)
		infoID := before.infos[0].ID
		resp, body = c.get("/console/invoices/requests/new")
		wantPage(t, "申请开票", resp, body, http.StatusOK, i18n.Amount(inv.Available))
		over := url.Values{"info_id": {infoID}, "amount": {money.Plain(inv.Available + 1)}, "client": {"t1"}}
		resp, body = c.post("/console/invoices/requests/new", over)
		wantPage(t, "above invoiceable", resp, body, http.StatusUnprocessableEntity, `id="f-amount-msg">开票金额超过可开票金额 `+i18n.Amount(inv.Available))
		resp, body = c.post("/console/invoices/requests/new", url.Values{"info_id": {infoID}, "amount": {"abc"}, "client": {"t2"}})
		wantPage(t, "bad amount", resp, body, http.StatusUnprocessableEntity, `id="f-amount-msg">请输入大于零的金额`)
		if !invoiceStateOf(t, db, dist).equal(before) {
			t.Fatal("a refused request changed something")
		}
		resp, body = c.post("/console/invoices/requests/new", url.Values{"info_id": {infoID}, "amount": {"1234.56"}, "client": {"t3"}})
		wantPage(t, "request", resp, body, http.StatusSeeOther)
		resp, body = c.get(resp.Header.Get("Location"))
		wantPage(t, "the new request", resp, body, http.StatusOK, "开票申请已提交", "1,234.56", "待审核", "处理记录", "申请开票")

		// 签收 a pending-receipt invoice; again is refused.
		r := demoRequest(t, db, dist, invoice.PendingReceipt)
		resp, body = c.post("/console/invoices/requests/"+r.ID+"/sign", nil)
		wantPage(t, "sign", resp, body, http.StatusSeeOther)
		resp, body = c.get("/console/invoices/requests/" + r.ID)
		wantPage(t, "signed", resp, body, http.StatusOK, "已签收", `id="invoice-status">已开票`, "签收发票")
		resp, body = c.post("/console/invoices/requests/"+r.ID+"/sign", nil)
		wantPage(t, "sign twice", resp, body, http.StatusUnprocessableEntity, "只有待签收的发票可以签收")

		// The electronic invoice.
		resp, body = c.get("/console/invoices/requests/" + r.ID + "/pdf")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
			t.Fatalf("PDF: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		pending := demoRequest(t, db, dist, invoice.PendingReview)
		resp, _ = c.get("/console/invoices/requests/" + pending.ID + "/pdf")
		if resp.StatusCode == http.StatusOK {
			t.Error("a request pending review downloads an invoice")
		}

		// 退票 needs a reason.
		resp, body = c.post("/console/invoices/requests/"+r.ID+"/return", url.Values{"reason": {""}})
		wantPage(t, "return without reason", resp, body, http.StatusUnprocessableEntity, `id="f-reason-msg">请填写原因`)
		resp, body = c.post("/console/invoices/requests/"+r.ID+"/return", url.Values{"reason": {"税号有误"}})
		wantPage(t, "return", resp, body, http.StatusSeeOther)

		// Another partner sees none of it.
		other := signedInAs(e, "reseller")
		for _, path := range []string{"/console/invoices/requests/" + pending.ID, "/console/invoices/requests/" + r.ID + "/pdf"} {
			if resp, _ := other.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("another partner opens %s: %d", path, resp.StatusCode)
			}
		}
		issuing := demoRequest(t, db, dist, invoice.Issuing)
		if resp, _ := other.post("/console/invoices/requests/"+issuing.ID+"/sign", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner signs: %d", resp.StatusCode)
		}
		if _, body := other.get("/console/invoices?tab=requests"); strings.Contains(body, pending.Code) {
			t.Error("another partner lists the distributor's request")
		}
	})
}

func TestStaffInvoicePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "finance")
		dist := partnerID(t, db, "distributor")
		pending := demoRequest(t, db, dist, invoice.PendingReview)

		resp, body := c.get("/console/staff/invoices")
		wantPage(t, "发票处理", resp, body, http.StatusOK, "发票处理", pending.Code, "华东云总经销有限公司", `/console/staff/invoices/`+pending.ID+`">审核</a>`)
		resp, body = c.get("/console/staff/invoices?status=&partner=" + partnerID(t, db, "reseller"))
		if strings.Contains(body, pending.Code) || !strings.Contains(body, "上海云帆网络科技有限公司") {
			t.Error("the partner filter shows another partner's requests")
		}

		resp, body = c.post("/console/staff/invoices/"+pending.ID+"/reject", url.Values{"reason": {" "}})
		wantPage(t, "reject without reason", resp, body, http.StatusUnprocessableEntity, `id="f-reason-msg">请填写原因`)
		resp, body = c.post("/console/staff/invoices/"+pending.ID+"/approve", nil)
		wantPage(t, "approve", resp, body, http.StatusSeeOther)
		resp, body = c.post("/console/staff/invoices/"+pending.ID+"/issue", url.Values{"invoice_number": {"123"}})
		wantPage(t, "bad number", resp, body, http.StatusUnprocessableEntity, `id="f-invoice_number-msg">请填写发票号码：8位或20位数字`)
		resp, body = c.post("/console/staff/invoices/"+pending.ID+"/issue", url.Values{"invoice_number": {"87654321"}})
		wantPage(t, "issue", resp, body, http.StatusSeeOther)
		resp, body = c.get("/console/staff/invoices/" + pending.ID)
		wantPage(t, "issued", resp, body, http.StatusOK, `id="invoice-status">待签收`, "87654321", "开票申请审核通过", "开具发票")
		resp, body = c.post("/console/staff/invoices/"+pending.ID+"/approve", nil)
		wantPage(t, "approve twice", resp, body, http.StatusUnprocessableEntity, "只有待审核的申请可以审核通过或驳回")

		// A partner cannot use the back office.
		if resp, _ := signedInAs(e, "distributor").get("/console/staff/invoices"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a partner opens 发票处理: %d", resp.StatusCode)
		}
	})
}
