package console

import (
	"context"
	"net/http"

	"partnercenter/internal/auth"
	"partnercenter/internal/invoice"
	"partnercenter/internal/store"
)

// The provider's 发票处理: provider finance's queue of invoice requests by
// status and partner, and each request's page, where a request pending
// review is approved (to 开票中) or rejected with a reason, and one being
// issued is given its invoice number (to 待签收).

func (h *handler) staffInvoiceRoutes() {
	staff := perms(auth.PermStaffInvoices)
	h.page("GET "+staffInvoicesPath, staff, h.staffInvoicesPage)
	h.page("GET "+staffInvoicesPath+"/{id}", staff, h.staffInvoiceRequestPage)
	h.page("POST "+staffInvoicesPath+"/{id}/{action}", staff, h.staffInvoiceAction)
}

func (h *handler) staffInvoicesPage(c *call) error {
	f := newForm(c.r.URL.Query())
	if !f.Values.Has("status") {
		// The queue opens on what waits for finance.
		f.Values.Set("status", invoice.PendingReview)
	}
	v := &invoicesView{Staff: true, Tab: "requests"}
	var err error
	if v.Partners, err = c.partnerOptions(); err != nil {
		return err
	}
	if err := c.listInvoiceRequests(v, f, invoice.Filter{PartnerID: f.Get("partner")}, staffInvoicesPath); err != nil {
		return err
	}
	return c.render(http.StatusOK, "invoices", &view{Title: "invoices.staff_title", Active: staffInvoicesPath, Form: f, Data: v})
}

func (h *handler) staffInvoiceRequestPage(c *call) error {
	return h.renderInvoiceRequest(c, invoice.Viewer{}, http.StatusOK, newForm(nil))
}

// staffInvoiceAction is provider finance's 审核通过, 驳回 and 开具发票.
func (h *handler) staffInvoiceAction(c *call) error {
	id, action := c.r.PathValue("id"), c.r.PathValue("action")
	f := newForm(c.postForm())
	var run func(ctx context.Context, tx *store.Tx) error
	switch action {
	case "approve":
		run = func(ctx context.Context, tx *store.Tx) error { _, err := invoice.Approve(ctx, tx, id); return err }
	case "reject":
		run = func(ctx context.Context, tx *store.Tx) error {
			_, err := invoice.Reject(ctx, tx, id, f.Get("reason"))
			return err
		}
	case "issue":
		run = func(ctx context.Context, tx *store.Tx) error {
			_, err := invoice.Issue(ctx, tx, id, f.Get("invoice_number"))
			return err
		}
	default:
		return h.notFound(c)
	}
	return h.finishInvoiceAction(c, invoice.Viewer{}, f, action, run)
}
