package client

import (
	"context"
	"net/url"
)

// Invoices (发票管理): the partner's invoice information under the
// one-record rule, the invoiceable amount, invoice requests with their
// timeline, 签收, 退票 and the electronic invoice. Amounts are yuan strings
// with two decimals ("12000.00"); times are UTC strings such as
// 2026-12-04T02:10:00Z.

// Title types (抬头类型) and invoice types.
const (
	TitleEnterprise    = "enterprise"   // 企业
	TitleOrganisation  = "organisation" // 非企业性单位: VAT ordinary invoices only
	InvoiceVATSpecial  = "vat_special"  // 增值税专用发票
	InvoiceVATOrdinary = "vat_ordinary" // 增值税普通发票
)

// Invoice request statuses.
const (
	InvoicePendingReview  = "pending_review"  // 待审核
	InvoiceIssuing        = "issuing"         // 开票中
	InvoicePendingReceipt = "pending_receipt" // 待签收
	InvoiceIssued         = "issued"          // 已开票
	InvoiceRejected       = "rejected"        // 已驳回
	InvoiceReturned       = "returned"        // 已退票
)

// InvoiceInfoFields are what a partner enters as its invoice information.
// On UpdateInvoiceInfo a nil field keeps its value.
type InvoiceInfoFields struct {
	TitleType   *string `json:"title_type,omitempty"`
	InvoiceType *string `json:"invoice_type,omitempty"`
	Title       *string `json:"title,omitempty"`
	TaxpayerID  *string `json:"taxpayer_id,omitempty"`
	BankName    *string `json:"bank_name,omitempty"`
	BankAccount *string `json:"bank_account,omitempty"`
	Address     *string `json:"address,omitempty"`
	Phone       *string `json:"phone,omitempty"`
}

// InvoiceTitle is the invoice information proper: the title (抬头), the
// taxpayer and where to send the invoice.
type InvoiceTitle struct {
	TitleType   string `json:"title_type"`
	InvoiceType string `json:"invoice_type"`
	Title       string `json:"title"`
	TaxpayerID  string `json:"taxpayer_id"`
	BankName    string `json:"bank_name"`
	BankAccount string `json:"bank_account"`
	Address     string `json:"address"`
	Phone       string `json:"phone"`
}

// InvoiceInfo is an invoice information record (发票信息).
type InvoiceInfo struct {
	InfoID string `json:"info_id"`
	InvoiceTitle
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	// History is filled by ShowInvoiceInfo: the changes, newest first.
	History []InvoiceInfoChange `json:"history,omitempty"`
}

// InvoiceInfoChange is one change of a record: who changed which fields.
type InvoiceInfoChange struct {
	At      string             `json:"at"`
	Actor   string             `json:"actor"`
	Action  string             `json:"action"` // create or update
	Changes []InvoiceInfoField `json:"changes"`
}

// InvoiceInfoField is one field a change changed, with its values before
// and after.
type InvoiceInfoField struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// InvoiceInfos are the partner's records and what the one-record rule
// allows it: CanAdd only while it holds none; Legacy accounts (created
// before 2020-08-01) keep the records they hold but cannot add.
type InvoiceInfos struct {
	TotalCount int           `json:"total_count"`
	Infos      []InvoiceInfo `json:"infos"`
	CanAdd     bool          `json:"can_add"`
	Legacy     bool          `json:"legacy"`
}

// ListInvoiceInfos lists the partner's invoice information, oldest first.
func (c *Client) ListInvoiceInfos(ctx context.Context) (*InvoiceInfos, error) {
	var out InvoiceInfos
	return &out, c.get(ctx, "/v2/partners/invoices/infos", nil, &out)
}

// ShowInvoiceInfo answers one of the partner's records with its change
// history.
func (c *Client) ShowInvoiceInfo(ctx context.Context, infoID string) (*InvoiceInfo, error) {
	var out InvoiceInfo
	return &out, c.get(ctx, "/v2/partners/invoices/infos/"+pathEscape(infoID), nil, &out)
}

// CreateInvoiceInfo adds a record, if the one-record rule allows it
// (PC.0409 otherwise); a bad field is refused with CBC.0100 naming it.
func (c *Client) CreateInvoiceInfo(ctx context.Context, in InvoiceInfoFields, opts ...CallOption) (*InvoiceInfo, error) {
	var out InvoiceInfo
	return &out, c.post(ctx, "/v2/partners/invoices/infos", in, &out, opts...)
}

// UpdateInvoiceInfo replaces the fields set in in of one of the partner's
// records.
func (c *Client) UpdateInvoiceInfo(ctx context.Context, infoID string, in InvoiceInfoFields, opts ...CallOption) (*InvoiceInfo, error) {
	var out InvoiceInfo
	return &out, c.put(ctx, "/v2/partners/invoices/infos/"+pathEscape(infoID), in, &out, opts...)
}

// InvoiceableAmount is how much the partner may request invoices for:
// Paid (recharges) − Withdrawn − Requested = Available.
type InvoiceableAmount struct {
	Paid      string `json:"paid"`
	Withdrawn string `json:"withdrawn"`
	Requested string `json:"requested"`
	Available string `json:"available"`
	Currency  string `json:"currency"`
}

// ShowInvoiceableAmount answers the partner's invoiceable amount.
func (c *Client) ShowInvoiceableAmount(ctx context.Context) (*InvoiceableAmount, error) {
	var out InvoiceableAmount
	return &out, c.get(ctx, "/v2/partners/invoices/invoiceable-amount", nil, &out)
}

// InvoiceRequest is an invoice request (开票申请) with the invoice
// information as it was when it was made; ShowInvoiceRequest fills
// Timeline.
type InvoiceRequest struct {
	RequestID string `json:"request_id"`
	Code      string `json:"code"`
	InfoID    string `json:"info_id"`
	InvoiceTitle
	Amount           string                `json:"amount"`
	Currency         string                `json:"currency"`
	Status           string                `json:"status"`
	Reason           string                `json:"reason,omitempty"`
	InvoiceNumber    string                `json:"invoice_number,omitempty"`
	InvoiceAvailable bool                  `json:"invoice_available"` // DownloadInvoice has a PDF
	RequestedBy      string                `json:"requested_by"`
	RequestedAt      string                `json:"requested_at"`
	ReviewedAt       string                `json:"reviewed_at,omitempty"`
	IssuedAt         string                `json:"issued_at,omitempty"`
	SignedAt         string                `json:"signed_at,omitempty"`
	ReturnedAt       string                `json:"returned_at,omitempty"`
	UpdatedAt        string                `json:"updated_at"`
	Timeline         []InvoiceRequestEvent `json:"timeline,omitempty"`
}

// InvoiceRequestEvent is one step of a request's timeline.
type InvoiceRequestEvent struct {
	At            string `json:"at"`
	Actor         string `json:"actor"`
	Action        string `json:"action"` // submit, approve, reject, issue, sign, return
	Status        string `json:"status"` // the status it led to
	Reason        string `json:"reason,omitempty"`
	InvoiceNumber string `json:"invoice_number,omitempty"`
}

// CreateInvoiceRequestReq is an invoice request to make: Amount in yuan
// with at most two decimals ("12000.00").
type CreateInvoiceRequestReq struct {
	InfoID string `json:"info_id"`
	Amount string `json:"amount"`
}

// CreateInvoiceRequest requests an invoice (申请开票). Pass an
// IdempotencyKey so that a retry never makes a second request.
func (c *Client) CreateInvoiceRequest(ctx context.Context, in CreateInvoiceRequestReq, opts ...CallOption) (*InvoiceRequest, error) {
	var out InvoiceRequest
	return &out, c.post(ctx, "/v2/partners/invoices/requests", in, &out, opts...)
}

// InvoiceRequestFilter selects requests; zero values do not filter.
// RequestedFrom (inclusive) and RequestedTo (exclusive) are UTC times such
// as 2026-12-01T00:00:00Z.
type InvoiceRequestFilter struct {
	Status        string
	Code          string
	RequestedFrom string
	RequestedTo   string
	Page
}

// InvoiceRequests is one page of requests and the count of all that match.
type InvoiceRequests struct {
	TotalCount int              `json:"total_count"`
	Requests   []InvoiceRequest `json:"requests"`
}

// ListInvoiceRequests lists the partner's requests, newest first.
func (c *Client) ListInvoiceRequests(ctx context.Context, f InvoiceRequestFilter) (*InvoiceRequests, error) {
	q := url.Values{}
	setNonEmpty(q, "status", f.Status, "code", f.Code, "requested_from", f.RequestedFrom, "requested_to", f.RequestedTo)
	var out InvoiceRequests
	return &out, c.get(ctx, "/v2/partners/invoices/requests", f.Page.values(q), &out)
}

// ShowInvoiceRequest answers one request with its timeline.
func (c *Client) ShowInvoiceRequest(ctx context.Context, requestID string) (*InvoiceRequest, error) {
	var out InvoiceRequest
	return &out, c.get(ctx, invoiceRequestPath(requestID), nil, &out)
}

// SignInvoiceRequest signs for (签收) an invoice pending receipt; it is
// then issued.
func (c *Client) SignInvoiceRequest(ctx context.Context, requestID string, opts ...CallOption) (*InvoiceRequest, error) {
	var out InvoiceRequest
	return &out, c.post(ctx, invoiceRequestPath(requestID)+"/sign", nil, &out, opts...)
}

// ReturnInvoiceRequest returns (退票) an issued invoice with a reason; its
// amount is invoiceable again.
func (c *Client) ReturnInvoiceRequest(ctx context.Context, requestID, reason string, opts ...CallOption) (*InvoiceRequest, error) {
	var out InvoiceRequest
	return &out, c.post(ctx, invoiceRequestPath(requestID)+"/return", map[string]string{"reason": reason}, &out, opts...)
}

// DownloadInvoice answers the electronic invoice of a request pending
// receipt or issued, as PDF bytes; any other status answers PC.0409.
func (c *Client) DownloadInvoice(ctx context.Context, requestID string) ([]byte, error) {
	var pdf []byte
	if err := c.get(ctx, invoiceRequestPath(requestID)+"/pdf", nil, &pdf); err != nil {
		return nil, err
	}
	return pdf, nil
}

func invoiceRequestPath(id string) string { return "/v2/partners/invoices/requests/" + pathEscape(id) }
