package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/invoice"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 发票管理 (销售 > 账务 > 发票管理): the 发票信息 tab lists the partner's
// invoice information with 管理发票信息 (add, edit, change history) and the
// rule in force; the 开票申请 tab lists its requests with 申请开票, and each
// request's page has its timeline, 签收, 退票 and the electronic invoice.
// The provider's 发票处理 (invoices_staff.go) reviews and issues them; both
// sides share the list and the request page.

const (
	invoicesPath      = "/console/invoices"
	staffInvoicesPath = "/console/staff/invoices"
)

// invoiceRoutes registers the pages of this area.
func (h *handler) invoiceRoutes() {
	own := perms(auth.PermInvoice)
	h.page("GET "+invoicesPath, own, h.invoicesPage)
	h.pageAndForm(invoicesPath+"/info/new", own, h.invoiceInfoPage)
	h.pageAndForm(invoicesPath+"/info/{id}", own, h.invoiceInfoPage)
	h.pageAndForm(invoicesPath+"/requests/new", own, h.applyInvoicePage)
	h.page("GET "+invoicesPath+"/requests/{id}", own, h.invoiceRequestPage)
	h.page("POST "+invoicesPath+"/requests/{id}/{action}", own, h.invoiceRequestAction)
	h.page("GET "+invoicesPath+"/requests/{id}/pdf", own, h.invoicePDF)
	h.staffInvoiceRoutes()
}

func invoiceStatusKey(s string) string    { return "invoices.status." + s }
func invoiceTitleTypeKey(s string) string { return "invoices.title_type." + s }
func invoiceTypeKey(s string) string      { return "invoices.invoice_type." + s }

// invoicesView is the 发票管理 page (Staff false) and the provider's 发票处理
// list (Staff true).
type invoicesView struct {
	Staff       bool
	Tab         string
	Tabs        []tab
	Infos       []invoiceInfoRow
	Policy      *invoice.Policy
	Invoiceable *invoice.Invoiceable
	Rows        []invoiceRow
	Pager       pager
	Statuses    []option
	Partners    []option
}

type invoiceInfoRow struct {
	*invoice.Info
	TitleType, InvoiceType string
}

type invoiceRow struct {
	*invoice.Request
	StatusName  string
	Badge       string // the status's badge class
	InvoiceType string
	Href        string
}

// invoiceBadges colour the statuses with the console's badge classes.
var invoiceBadges = map[string]string{invoice.PendingReview: "badge-pending", invoice.Issuing: "badge-running",
	invoice.PendingReceipt: "badge-queued", invoice.Issued: "badge-done", invoice.Rejected: "badge-rejected",
	invoice.Returned: "badge-cancelled"}

func (c *call) invoiceInfoRow(i *invoice.Info) invoiceInfoRow {
	return invoiceInfoRow{Info: i, TitleType: c.t(invoiceTitleTypeKey(i.TitleType)), InvoiceType: c.t(invoiceTypeKey(i.InvoiceType))}
}

func (c *call) invoiceRow(r *invoice.Request, base string) invoiceRow {
	return invoiceRow{Request: r, StatusName: c.t(invoiceStatusKey(r.Status)), Badge: invoiceBadges[r.Status],
		InvoiceType: c.t(invoiceTypeKey(r.InvoiceType)), Href: base + "/" + r.ID}
}

func (h *handler) invoicesPage(c *call) error {
	f := newForm(c.r.URL.Query())
	v := &invoicesView{Tab: "info"}
	if f.Get("tab") == "requests" {
		v.Tab = "requests"
	}
	for _, t := range []struct{ name, label string }{{"info", "invoices.tab.info"}, {"requests", "invoices.tab.requests"}} {
		v.Tabs = append(v.Tabs, tab{Label: t.label, Href: invoicesPath + "?tab=" + t.name, Active: t.name == v.Tab})
	}
	ctx, q := c.r.Context(), h.app.DB.Reader()
	var err error
	if v.Policy, err = invoice.PolicyOf(ctx, q, c.p.PartnerID, time.Now()); err != nil {
		return err
	}
	if v.Tab == "info" {
		infos, err := invoice.Infos(ctx, q, c.p.PartnerID)
		if err != nil {
			return err
		}
		for _, i := range infos {
			v.Infos = append(v.Infos, c.invoiceInfoRow(i))
		}
	} else {
		if v.Invoiceable, err = invoice.InvoiceableOf(ctx, q, c.p.PartnerID); err != nil {
			return err
		}
		if err := c.listInvoiceRequests(v, f, invoice.Filter{Viewer: invoice.Viewer{PartnerID: c.p.PartnerID}}, invoicesPath+"/requests"); err != nil {
			return err
		}
	}
	return c.render(http.StatusOK, "invoices", &view{Title: "invoices.title", Active: invoicesPath, Form: f, Data: v})
}

// listInvoiceRequests fills the requests table of a list page with the
// page of requests its form's status (and code) select.
func (c *call) listInvoiceRequests(v *invoicesView, f *form, filter invoice.Filter, base string) error {
	v.Statuses = optionsOf(c.lang, invoice.Statuses, invoiceStatusKey)
	page, offset := pageOf(c.r)
	filter.Status, filter.Code, filter.Offset, filter.Limit = f.Get("status"), f.Get("code"), offset, pageSize
	list, total, err := invoice.List(c.r.Context(), c.h.app.DB.Reader(), filter)
	if err != nil {
		return err
	}
	v.Pager = newPager(c.r, page, total)
	for _, r := range list {
		v.Rows = append(v.Rows, c.invoiceRow(r, base))
	}
	return nil
}

// invoiceInfoView is the add / edit page of a record, with its history.
type invoiceInfoView struct {
	Info         *invoice.Info // nil when adding
	Policy       *invoice.Policy
	TitleTypes   []option
	InvoiceTypes []option
	History      []invoice.InfoChange
}

// invoiceInfoFields names the form's fields, in the order of InfoFields.
var invoiceInfoFields = []string{"title_type", "invoice_type", "title", "taxpayer_id", "bank_name", "bank_account", "address", "phone"}

func infoFieldsOf(f *form) invoice.InfoFields {
	return invoice.InfoFields{TitleType: f.Get("title_type"), InvoiceType: f.Get("invoice_type"), Title: f.Get("title"),
		TaxpayerID: f.Get("taxpayer_id"), BankName: f.Get("bank_name"), BankAccount: f.Get("bank_account"), Address: f.Get("address"),
		Phone: f.Get("phone")}
}

func infoFormOf(i *invoice.Info) *form {
	values := []string{i.TitleType, i.InvoiceType, i.Title, i.TaxpayerID, i.BankName, i.BankAccount, i.Address, i.Phone}
	v := url.Values{}
	for n, name := range invoiceInfoFields {
		v.Set(name, values[n])
	}
	return newForm(v)
}

// invoiceInfoPage adds a record (no id) or edits one; either refused by the
// rules leaves the form as typed with the message.
func (h *handler) invoiceInfoPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	v := &invoiceInfoView{TitleTypes: optionsOf(c.lang, invoice.TitleTypes, invoiceTitleTypeKey),
		InvoiceTypes: optionsOf(c.lang, invoice.InvoiceTypes, invoiceTypeKey)}
	var err error
	if v.Policy, err = invoice.PolicyOf(ctx, q, c.p.PartnerID, time.Now()); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	f := newForm(url.Values{"title_type": {invoice.Enterprise}, "invoice_type": {invoice.VATOrdinary}})
	if id != "" {
		if v.Info, err = invoice.GetInfo(ctx, q, c.p.PartnerID, id); err != nil {
			return err
		}
		f = infoFormOf(v.Info)
	}
	if id == "" && !v.Policy.CanAdd && c.r.Method == http.MethodGet {
		// Say at once what saving would say.
		f.Error = c.t("invoice.info_one_only")
		if v.Policy.Legacy {
			f.Error = c.t("invoice.info_legacy_limit", v.Policy.Held)
		}
	}
	if c.r.Method == http.MethodPost {
		f = newForm(c.postForm())
		err := c.apply(f, func(ctx2 context.Context, tx *store.Tx) error {
			var err error
			if id == "" {
				_, err = invoice.CreateInfo(ctx2, tx, c.p.PartnerID, infoFieldsOf(f))
			} else {
				_, err = invoice.UpdateInfo(ctx2, tx, c.p.PartnerID, id, infoFieldsOf(f))
			}
			return err
		})
		if err != nil {
			return err
		}
		if f.ok() {
			return c.done("invoices.info_saved", invoicesPath+"?tab=info")
		}
	}
	if v.Info != nil {
		if v.History, err = invoice.InfoHistory(ctx, q, c.p.PartnerID, v.Info.ID); err != nil {
			return err
		}
		c.nameInfoChoices(v.History)
	}
	title, status := "invoices.add_info", http.StatusOK
	if v.Info != nil {
		title = "invoices.edit_info"
	}
	if !f.ok() && c.r.Method == http.MethodPost {
		status = http.StatusUnprocessableEntity
	}
	return c.render(status, "invoices_info", &view{Title: title, Active: invoicesPath, Form: f, Data: v})
}

// nameInfoChoices writes the coded values of a history (the title and
// invoice types) in the user's language.
func (c *call) nameInfoChoices(history []invoice.InfoChange) {
	keys := map[string]func(string) string{"title_type": invoiceTitleTypeKey, "invoice_type": invoiceTypeKey}
	for _, h := range history {
		for i, ch := range h.Changes {
			if key := keys[ch.Field]; key != nil {
				if ch.Before != "" {
					h.Changes[i].Before = c.t(key(ch.Before))
				}
				h.Changes[i].After = c.t(key(ch.After))
			}
		}
	}
}

// applyView is the 申请开票 form.
type applyView struct {
	Invoiceable *invoice.Invoiceable
	Infos       []option
}

func (h *handler) applyInvoicePage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	f := newForm(url.Values{"client": {newClientToken()}})
	if c.r.Method == http.MethodPost {
		f = newForm(c.postForm())
		amount, err := money.ParsePositive(f.Get("amount"))
		if err != nil {
			f.fieldError("amount", c.t("invoice.amount_positive"))
		}
		var r *invoice.Request
		if err := c.apply(f, func(ctx2 context.Context, tx *store.Tx) error {
			var err error
			r, err = invoice.Submit(ctx2, tx, c.p.PartnerID, f.Get("info_id"), amount, f.Get("client"))
			return err
		}); err != nil {
			return err
		}
		if f.ok() {
			return c.done("invoices.submitted", invoicesPath+"/requests/"+r.ID, r.Code)
		}
	}
	v := &applyView{}
	var err error
	if v.Invoiceable, err = invoice.InvoiceableOf(ctx, q, c.p.PartnerID); err != nil {
		return err
	}
	infos, err := invoice.Infos(ctx, q, c.p.PartnerID)
	if err != nil {
		return err
	}
	for _, i := range infos {
		v.Infos = append(v.Infos, option{Value: i.ID, Label: i.Title + " · " + c.t(invoiceTypeKey(i.InvoiceType))})
	}
	if f.Get("info_id") == "" && len(infos) == 1 {
		f.Values.Set("info_id", infos[0].ID)
	}
	status := http.StatusOK
	if !f.ok() {
		status = http.StatusUnprocessableEntity
	}
	return c.render(status, "invoices_apply", &view{Title: "invoices.apply", Active: invoicesPath, Form: f, Data: v})
}

// invoiceRequestView is a request's page, for the partner or for provider
// finance (Staff).
type invoiceRequestView struct {
	Staff     bool
	Base      string // the request's address
	R         invoiceRow
	TitleType string
	Timeline  []invoice.Event
}

func (h *handler) invoiceRequestPage(c *call) error {
	return h.renderInvoiceRequest(c, invoice.Viewer{PartnerID: c.p.PartnerID}, http.StatusOK, newForm(nil))
}

// renderInvoiceRequest shows a request the viewer may see.
func (h *handler) renderInvoiceRequest(c *call, viewer invoice.Viewer, status int, f *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	r, err := invoice.Get(ctx, q, viewer, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	base, title, active := invoicesPath+"/requests", "invoices.request", invoicesPath
	if viewer.PartnerID == "" {
		base, active = staffInvoicesPath, staffInvoicesPath
	}
	v := &invoiceRequestView{Staff: viewer.PartnerID == "", R: c.invoiceRow(r, base), TitleType: c.t(invoiceTitleTypeKey(r.TitleType))}
	v.Base = v.R.Href
	if v.Timeline, err = invoice.Timeline(ctx, q, r); err != nil {
		return err
	}
	return c.render(status, "invoices_request", &view{Title: title, Active: active, Form: f, Data: v})
}

// invoiceRequestAction is the partner's 签收 and 退票.
func (h *handler) invoiceRequestAction(c *call) error {
	viewer := invoice.Viewer{PartnerID: c.p.PartnerID}
	id, action := c.r.PathValue("id"), c.r.PathValue("action")
	f := newForm(c.postForm())
	var run func(ctx context.Context, tx *store.Tx) error
	switch action {
	case "sign":
		run = func(ctx context.Context, tx *store.Tx) error {
			_, err := invoice.Sign(ctx, tx, c.p.PartnerID, id)
			return err
		}
	case "return":
		run = func(ctx context.Context, tx *store.Tx) error {
			_, err := invoice.Return(ctx, tx, c.p.PartnerID, id, f.Get("reason"))
			return err
		}
	default:
		return h.notFound(c)
	}
	return h.finishInvoiceAction(c, viewer, f, action, run)
}

// finishInvoiceAction applies a request's transition and returns to its
// page: with the done message, or with the refusal on the form.
func (h *handler) finishInvoiceAction(c *call, viewer invoice.Viewer, f *form, action string, run func(ctx context.Context, tx *store.Tx) error) error {
	if err := c.apply(f, run); err != nil {
		return err
	}
	if f.ok() {
		base := invoicesPath + "/requests/"
		if viewer.PartnerID == "" {
			base = staffInvoicesPath + "/"
		}
		return c.done("invoices.done."+action, base+c.r.PathValue("id"))
	}
	return h.renderInvoiceRequest(c, viewer, http.StatusUnprocessableEntity, f)
}

// invoicePDF downloads the electronic invoice of an issued request.
func (h *handler) invoicePDF(c *call) error {
	r, err := invoice.Get(c.r.Context(), h.app.DB.Reader(), invoice.Viewer{PartnerID: c.p.PartnerID}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	pdf, err := invoice.PDF(r)
	if err != nil {
		return err
	}
	hdr := c.w.Header()
	hdr.Set("Content-Type", "application/pdf")
	hdr.Set("Content-Disposition", `attachment; filename="invoice-`+r.InvoiceNumber+`.pdf"`)
	hdr.Set("Content-Length", strconv.Itoa(len(pdf)))
	_, err = c.w.Write(pdf)
	return err
}
