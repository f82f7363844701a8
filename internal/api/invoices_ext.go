package api

import (
	"net/http"
	"strings"

	"partnercenter/client"
	"partnercenter/internal/auth"
	"partnercenter/internal/invoice"
	"partnercenter/internal/store"
)

// 发票管理 (销售 > 账务 > 发票管理) in the API, our extension under the BSS
// conventions: what a partner does on the console's 发票信息 and 开票申请
// tabs — its invoice information under the one-record rule, the invoiceable
// amount, requests against it with their timeline, 签收, 退票 and the
// electronic invoice. Provider finance's review and issuing stay in the
// back office. The rules are the invoice package's; another partner's ids
// answer not found.

// invoiceRoutes are the API operations of this file's extension.
var invoiceRoutes = []Route{
	{Method: http.MethodGet, Pattern: "/v2/partners/invoices/infos", OperationID: "ListInvoiceInfos", Permission: auth.PermInvoice, Handle: listInvoiceInfos},
	{Method: http.MethodPost, Pattern: "/v2/partners/invoices/infos", OperationID: "CreateInvoiceInfo", Mutates: true, Permission: auth.PermInvoice, Handle: createInvoiceInfo},
	{Method: http.MethodGet, Pattern: "/v2/partners/invoices/infos/{info_id}", OperationID: "ShowInvoiceInfo", Permission: auth.PermInvoice, Handle: showInvoiceInfo},
	{Method: http.MethodPut, Pattern: "/v2/partners/invoices/infos/{info_id}", OperationID: "UpdateInvoiceInfo", Mutates: true, Permission: auth.PermInvoice, Handle: updateInvoiceInfo},
	{Method: http.MethodGet, Pattern: "/v2/partners/invoices/invoiceable-amount", OperationID: "ShowInvoiceableAmount", Permission: auth.PermInvoice, Handle: showInvoiceableAmount},
	{Method: http.MethodPost, Pattern: "/v2/partners/invoices/requests", OperationID: "CreateInvoiceRequest", Mutates: true, Permission: auth.PermInvoice, Handle: createInvoiceRequest},
	{Method: http.MethodGet, Pattern: "/v2/partners/invoices/requests", OperationID: "ListInvoiceRequests", Permission: auth.PermInvoice, Handle: listInvoiceRequests},
	{Method: http.MethodGet, Pattern: "/v2/partners/invoices/requests/{request_id}", OperationID: "ShowInvoiceRequest", Permission: auth.PermInvoice, Handle: showInvoiceRequest},
	{Method: http.MethodPost, Pattern: "/v2/partners/invoices/requests/{request_id}/sign", OperationID: "SignInvoiceRequest", Mutates: true, Permission: auth.PermInvoice, Handle: signInvoiceRequest},
	{Method: http.MethodPost, Pattern: "/v2/partners/invoices/requests/{request_id}/return", OperationID: "ReturnInvoiceRequest", Mutates: true, Permission: auth.PermInvoice, Handle: returnInvoiceRequest},
	{Method: http.MethodGet, Pattern: "/v2/partners/invoices/requests/{request_id}/pdf", OperationID: "DownloadInvoice", Permission: auth.PermInvoice, Handle: downloadInvoice},
}

// extPathID reads an id of the path as pathID (solutions.go) does; the
// callback operations read theirs under this name.
func (c *Call) extPathID(name string) (string, error) { return c.pathID(name) }

// invoiceInfoOf is an invoice information record as the API answers it.
func invoiceInfoOf(i *invoice.Info) client.InvoiceInfo {
	return client.InvoiceInfo{InfoID: i.ID, InvoiceTitle: client.InvoiceTitle(i.InfoFields), CreatedAt: formatTime(i.CreatedAt),
		UpdatedAt: formatTime(i.UpdatedAt)}
}

// listInvoiceInfos is ListInvoiceInfos: the caller's records, oldest first.
func listInvoiceInfos(c *Call) (any, error) {
	infos, err := invoice.Infos(c.ctx(), c.reader(), c.Partner.ID)
	if err != nil {
		return nil, err
	}
	pol, err := invoice.PolicyOf(c.ctx(), c.reader(), c.Partner.ID, c.s.app.DB.Now())
	if err != nil {
		return nil, err
	}
	return client.InvoiceInfos{TotalCount: len(infos), Infos: answersOf(infos, invoiceInfoOf), CanAdd: pol.CanAdd, Legacy: pol.Legacy}, nil
}

// showInvoiceInfo is ShowInvoiceInfo: one of the caller's records with its
// change history, newest change first, as 管理发票信息 shows it.
func showInvoiceInfo(c *Call) (any, error) {
	id, err := c.pathID("info_id")
	if err != nil {
		return nil, err
	}
	i, err := invoice.GetInfo(c.ctx(), c.reader(), c.Partner.ID, id)
	if err != nil {
		return nil, err
	}
	history, err := invoice.InfoHistory(c.ctx(), c.reader(), c.Partner.ID, id)
	if err != nil {
		return nil, err
	}
	out := invoiceInfoOf(i)
	out.History = answersOf(history, func(h invoice.InfoChange) client.InvoiceInfoChange {
		return client.InvoiceInfoChange{At: formatTime(h.At), Actor: h.Actor, Action: strings.TrimPrefix(h.Action, "invoice_info."),
			Changes: answersOf(h.Changes, func(f invoice.FieldChange) client.InvoiceInfoField { return client.InvoiceInfoField(f) })}
	})
	return out, nil
}

// infoFieldsOver writes the fields of a CreateInvoiceInfo or
// UpdateInvoiceInfo body over f: on an update an absent field keeps its
// value. The invoice package checks them.
func infoFieldsOver(r client.InvoiceInfoFields) func(invoice.InfoFields) invoice.InfoFields {
	return func(f invoice.InfoFields) invoice.InfoFields {
		for _, s := range []struct {
			v   *string
			dst *string
		}{{r.TitleType, &f.TitleType}, {r.InvoiceType, &f.InvoiceType}, {r.Title, &f.Title}, {r.TaxpayerID, &f.TaxpayerID},
			{r.BankName, &f.BankName}, {r.BankAccount, &f.BankAccount}, {r.Address, &f.Address}, {r.Phone, &f.Phone}} {
			if s.v != nil {
				*s.dst = *s.v
			}
		}
		return f
	}
}

// createInvoiceInfo is CreateInvoiceInfo: a record, if the one-record rule
// allows the caller another.
func createInvoiceInfo(c *Call) (any, error) {
	var req client.InvoiceInfoFields
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		i, err := invoice.CreateInfo(c.ctx(), tx, c.Partner.ID, infoFieldsOver(req)(invoice.InfoFields{}))
		if err != nil {
			return nil, err
		}
		return invoiceInfoOf(i), nil
	})
}

// updateInvoiceInfo is UpdateInvoiceInfo: the fields sent replace the
// record's.
func updateInvoiceInfo(c *Call) (any, error) {
	id, err := c.pathID("info_id")
	if err != nil {
		return nil, err
	}
	var req client.InvoiceInfoFields
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		i, err := invoice.EditInfo(c.ctx(), tx, c.Partner.ID, id, infoFieldsOver(req))
		if err != nil {
			return nil, err
		}
		return invoiceInfoOf(i), nil
	})
}

// showInvoiceableAmount is ShowInvoiceableAmount.
func showInvoiceableAmount(c *Call) (any, error) {
	inv, err := invoice.InvoiceableOf(c.ctx(), c.reader(), c.Partner.ID)
	if err != nil {
		return nil, err
	}
	return client.InvoiceableAmount{Paid: yuanText(inv.Paid), Withdrawn: yuanText(inv.Withdrawn), Requested: yuanText(inv.Requested),
		Available: yuanText(inv.Available), Currency: currencyCNY}, nil
}

// invoiceRequestOf is an invoice request as the API answers it, with the
// information it was made under as it was then.
func invoiceRequestOf(r *invoice.Request) client.InvoiceRequest {
	return client.InvoiceRequest{RequestID: r.ID, Code: r.Code, InfoID: r.InfoID, InvoiceTitle: client.InvoiceTitle(r.InfoFields), Amount: yuanText(r.Amount),
		Currency: currencyCNY, Status: r.Status, Reason: r.Reason, InvoiceNumber: r.InvoiceNumber, InvoiceAvailable: r.HasInvoice(),
		RequestedBy: r.RequestedBy, RequestedAt: formatTime(r.RequestedAt), ReviewedAt: formatTime(r.ReviewedAt),
		IssuedAt: formatTime(r.IssuedAt), SignedAt: formatTime(r.SignedAt), ReturnedAt: formatTime(r.ReturnedAt),
		UpdatedAt: formatTime(r.UpdatedAt)}
}

// createInvoiceRequestReq is the body of CreateInvoiceRequest.
type createInvoiceRequestReq struct {
	InfoID *string `json:"info_id"`
	Amount amount  `json:"amount"`
}

// createInvoiceRequest is CreateInvoiceRequest: a request for an amount
// of the invoiceable amount under one of the caller's records. With an
// Idempotency-Key the invoice package's client id comes from it, so that a
// retry makes no second request even were the stored answer gone.
func createInvoiceRequest(c *Call) (any, error) {
	var req createInvoiceRequestReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	infoID, err := optionalString("info_id", req.InfoID, 64)
	if err != nil {
		return nil, err
	}
	if infoID == "" {
		return nil, fieldError("CBC.0100", "info_id", "invoice.info_required", "choose the invoice information to invoice under")
	}
	fen, err := req.Amount.fen("amount")
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		r, err := invoice.Submit(c.ctx(), tx, c.Partner.ID, infoID, fen, c.clientID())
		if err != nil {
			return nil, err
		}
		return invoiceRequestOf(r), nil
	})
}

// listInvoiceRequests is ListInvoiceRequests: one page of the caller's
// requests, newest first, with the count of all that match.
func listInvoiceRequests(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "status", "code", "requested_from", "requested_to")
	if err != nil {
		return nil, err
	}
	if err := enumParam("status", vals[0], invoice.Statuses); err != nil {
		return nil, err
	}
	f := invoice.Filter{Viewer: invoice.Viewer{PartnerID: c.Partner.ID}, Status: vals[0], Code: vals[1]}
	if f.From, f.To, err = timeRange("requested_from", &vals[2], "requested_to", &vals[3]); err != nil {
		return nil, err
	}
	p, err := c.queryPaging(10, 100)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = p.Offset, p.Limit
	list, total, err := invoice.List(c.ctx(), c.reader(), f)
	if err != nil {
		return nil, err
	}
	return client.InvoiceRequests{TotalCount: total, Requests: answersOf(list, invoiceRequestOf)}, nil
}

// callerInvoiceRequest reads the path's request of the caller.
func (c *Call) callerInvoiceRequest(q store.Queryer) (*invoice.Request, error) {
	id, err := c.pathID("request_id")
	if err != nil {
		return nil, err
	}
	return invoice.Get(c.ctx(), q, invoice.Viewer{PartnerID: c.Partner.ID}, id)
}

// showInvoiceRequest is ShowInvoiceRequest: one of the caller's requests
// with its timeline, oldest step first.
func showInvoiceRequest(c *Call) (any, error) {
	r, err := c.callerInvoiceRequest(c.reader())
	if err != nil {
		return nil, err
	}
	events, err := invoice.Timeline(c.ctx(), c.reader(), r)
	if err != nil {
		return nil, err
	}
	out := invoiceRequestOf(r)
	out.Timeline = answersOf(events, func(e invoice.Event) client.InvoiceRequestEvent {
		return client.InvoiceRequestEvent{At: formatTime(e.At), Actor: e.Actor, Action: e.Action, Status: e.Status, Reason: e.Reason,
			InvoiceNumber: e.InvoiceNumber}
	})
	return out, nil
}

// invoiceReasonReq is the body of ReturnInvoiceRequest.
type invoiceReasonReq struct {
	Reason *string `json:"reason"`
}

// signInvoiceRequest is SignInvoiceRequest (签收): the invoice pending
// receipt was received; it is then issued.
func signInvoiceRequest(c *Call) (any, error) {
	return c.invoiceStep(func(tx *store.Tx, id string) (*invoice.Request, error) {
		return invoice.Sign(c.ctx(), tx, c.Partner.ID, id)
	})
}

// returnInvoiceRequest is ReturnInvoiceRequest (退票): an issued invoice
// goes back with a reason; its amount is invoiceable again.
func returnInvoiceRequest(c *Call) (any, error) {
	var req invoiceReasonReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	return c.invoiceStep(func(tx *store.Tx, id string) (*invoice.Request, error) {
		return invoice.Return(c.ctx(), tx, c.Partner.ID, id, strOr(req.Reason))
	})
}

// invoiceStep applies one of the partner's transitions to the path's
// request and answers the request as it now is.
func (c *Call) invoiceStep(step func(tx *store.Tx, id string) (*invoice.Request, error)) (any, error) {
	id, err := c.pathID("request_id")
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		r, err := step(tx, id)
		if err != nil {
			return nil, err
		}
		return invoiceRequestOf(r), nil
	})
}

// downloadInvoice is DownloadInvoice: the electronic invoice of a request
// pending receipt or issued, as a PDF; any other status has none
// (invoice.ErrNoInvoice, a state conflict).
func downloadInvoice(c *Call) (any, error) {
	r, err := c.callerInvoiceRequest(c.reader())
	if err != nil {
		return nil, err
	}
	pdf, err := invoice.PDF(r)
	if err != nil {
		return nil, err
	}
	return &fileAnswer{ContentType: "application/pdf", Name: "invoice-" + r.InvoiceNumber + ".pdf", Body: pdf}, nil
}
