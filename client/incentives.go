package client

import (
	"context"
	"net/url"
)

// Incentive management (激励管理): the partner's monthly statements (对账)
// and their confirmation, the details (激励明细), and the payouts (激励申付)
// with the method chosen once, the partner's invoice and auto-apply.
// Amounts are yuan strings with two decimals; months are "2026-11" (UTC+8).

// Statement statuses.
const (
	StatementEstimated = "estimated"  // 预估
	StatementToConfirm = "to_confirm" // 待确认
	StatementPaying    = "paying"     // 付款中
	StatementPaid      = "paid"       // 已支付
)

// Payout statuses.
const (
	PayoutPendingApplication = "pending_application" // 待申请
	PayoutProcessing         = "processing"          // 处理中
	PayoutPendingInvoice     = "pending_invoice"     // 待开票
	PayoutCompleted          = "completed"           // 已完成
	PayoutError              = "error"               // 异常: contact support
)

// Payout methods.
const (
	PayoutCloudAccount    = "cloud_account"    // 充值到华为云账户
	PayoutBankTransfer    = "bank_transfer"    // 银行转账
	PayoutRechargeAccount = "recharge_account" // 充值到华为云充值账户
	PayoutVoucherQuota    = "voucher_quota"    // 代金券额度
)

// IncentiveStatement is one month's incentive of the partner.
type IncentiveStatement struct {
	StatementID  string `json:"statement_id"`
	Month        string `json:"month"`
	Status       string `json:"status"`
	Consumption  string `json:"consumption"`
	Refunds      string `json:"refunds"`
	Rebate       string `json:"rebate"`
	NewCustomers int    `json:"new_customers"`
	Bonus        string `json:"bonus"`
	CarryIn      string `json:"carry_in"`
	Payable      string `json:"payable"`
	CarryOut     string `json:"carry_out"`
	Currency     string `json:"currency"`
	ComputedAt   string `json:"computed_at"`
	ConfirmedAt  string `json:"confirmed_at,omitempty"`
	ConfirmedBy  string `json:"confirmed_by,omitempty"`
	PaidAt       string `json:"paid_at,omitempty"`
}

// IncentivePayout is the payout of one confirmed month. Outcome and
// PartnerAction are the console's 描述 and 伙伴操作, in the language the
// server answers in.
type IncentivePayout struct {
	PayoutID      string `json:"payout_id"`
	StatementID   string `json:"statement_id"`
	Month         string `json:"month"`
	Amount        string `json:"amount"`
	Currency      string `json:"currency"`
	Status        string `json:"status"`
	Method        string `json:"method,omitempty"`
	AutoApplied   bool   `json:"auto_applied"`
	AppliedAt     string `json:"applied_at,omitempty"`
	ApprovedAt    string `json:"approved_at,omitempty"`
	InvoiceNumber string `json:"invoice_number,omitempty"`
	BankReference string `json:"bank_reference,omitempty"`
	QuotaID       string `json:"quota_id,omitempty"`
	CompletedAt   string `json:"completed_at,omitempty"`
	Outcome       string `json:"outcome,omitempty"`
	PartnerAction string `json:"partner_action"`
	CreatedAt     string `json:"created_at"`
	UpdatedAt     string `json:"updated_at"`
}

// IncentiveDetail is one 激励明细 row.
type IncentiveDetail struct {
	StatementID     string `json:"statement_id"`
	Month           string `json:"month"`
	CustomerID      string `json:"customer_id"`
	CustomerName    string `json:"customer_name"`
	Kind            string `json:"kind"` // rebate or new_customer
	ServiceTypeCode string `json:"service_type_code,omitempty"`
	ServiceTypeName string `json:"service_type_name,omitempty"`
	ManagerID       string `json:"manager_id,omitempty"`
	Consumption     string `json:"consumption"`
	Refunds         string `json:"refunds"`
	Rate            string `json:"rate,omitempty"` // "3.00%" on rebate rows
	Amount          string `json:"amount"`
}

// MonthRange bounds a list by bill month, both inclusive ("2026-06"); empty
// is unbounded.
type MonthRange struct {
	FromMonth string
	ToMonth   string
}

func (m MonthRange) values(q url.Values) {
	setNonEmpty(q, "from_month", m.FromMonth, "to_month", m.ToMonth)
}

// IncentiveStatementFilter selects statements.
type IncentiveStatementFilter struct {
	Status string
	MonthRange
	Page
}

// IncentiveStatements is one page of statements and the count of all that
// match.
type IncentiveStatements struct {
	TotalCount int                  `json:"total_count"`
	Statements []IncentiveStatement `json:"statements"`
}

// ListIncentiveStatements lists the partner's statements, newest month
// first.
func (c *Client) ListIncentiveStatements(ctx context.Context, f IncentiveStatementFilter) (*IncentiveStatements, error) {
	q := url.Values{}
	setNonEmpty(q, "status", f.Status)
	f.MonthRange.values(q)
	var out IncentiveStatements
	return &out, c.get(ctx, "/v2/partners/incentives/statements", f.Page.values(q), &out)
}

// ShowIncentiveStatement answers one statement.
func (c *Client) ShowIncentiveStatement(ctx context.Context, statementID string) (*IncentiveStatement, error) {
	var out IncentiveStatement
	return &out, c.get(ctx, statementPath(statementID), nil, &out)
}

// ConfirmedStatement is a confirmed statement and the payout it opened
// (nil when nothing was payable).
type ConfirmedStatement struct {
	Statement IncentiveStatement `json:"statement"`
	Payout    *IncentivePayout   `json:"payout,omitempty"`
}

// ConfirmIncentiveStatement confirms (确认) a month waiting for it; the
// month before must be confirmed first (PC.0409 otherwise).
func (c *Client) ConfirmIncentiveStatement(ctx context.Context, statementID string, opts ...CallOption) (*ConfirmedStatement, error) {
	var out ConfirmedStatement
	return &out, c.post(ctx, statementPath(statementID)+"/confirm", nil, &out, opts...)
}

func statementPath(id string) string { return "/v2/partners/incentives/statements/" + pathEscape(id) }

// IncentiveDetailFilter selects details as the console's 激励明细 does.
type IncentiveDetailFilter struct {
	MonthRange
	CustomerID      string
	ServiceTypeCode string
	ManagerID       string
	Kind            string
	Page
}

// IncentiveDetails is one page of details and the count of all that match.
type IncentiveDetails struct {
	TotalCount int               `json:"total_count"`
	Details    []IncentiveDetail `json:"details"`
}

// ListIncentiveDetails lists the partner's incentive details, newest month
// first.
func (c *Client) ListIncentiveDetails(ctx context.Context, f IncentiveDetailFilter) (*IncentiveDetails, error) {
	q := url.Values{}
	f.MonthRange.values(q)
	setNonEmpty(q, "customer_id", f.CustomerID, "service_type_code", f.ServiceTypeCode, "manager_id", f.ManagerID, "kind", f.Kind)
	var out IncentiveDetails
	return &out, c.get(ctx, "/v2/partners/incentives/details", f.Page.values(q), &out)
}

// IncentivePayoutFilter selects payouts.
type IncentivePayoutFilter struct {
	Status string
	Method string
	MonthRange
	Page
}

// IncentivePayouts is one page of payouts and the count of all that match.
type IncentivePayouts struct {
	TotalCount int               `json:"total_count"`
	Payouts    []IncentivePayout `json:"payouts"`
}

// ListIncentivePayouts lists the partner's payouts, newest month first.
func (c *Client) ListIncentivePayouts(ctx context.Context, f IncentivePayoutFilter) (*IncentivePayouts, error) {
	q := url.Values{}
	setNonEmpty(q, "status", f.Status, "method", f.Method)
	f.MonthRange.values(q)
	var out IncentivePayouts
	return &out, c.get(ctx, "/v2/partners/incentives/payouts", f.Page.values(q), &out)
}

// ShowIncentivePayout answers one payout.
func (c *Client) ShowIncentivePayout(ctx context.Context, payoutID string) (*IncentivePayout, error) {
	var out IncentivePayout
	return &out, c.get(ctx, payoutPath(payoutID), nil, &out)
}

// ApplyIncentivePayout applies (申请) for a payout waiting for it with a
// method, chosen once: applying again, or with another method, answers
// PC.0409.
func (c *Client) ApplyIncentivePayout(ctx context.Context, payoutID, method string, opts ...CallOption) (*IncentivePayout, error) {
	var out IncentivePayout
	return &out, c.post(ctx, payoutPath(payoutID)+"/apply", map[string]string{"method": method}, &out, opts...)
}

// SubmitIncentivePayoutInvoice gives (提交发票) the number of the invoice a
// payout pending invoice waits for.
func (c *Client) SubmitIncentivePayoutInvoice(ctx context.Context, payoutID, invoiceNumber string, opts ...CallOption) (*IncentivePayout, error) {
	var out IncentivePayout
	return &out, c.post(ctx, payoutPath(payoutID)+"/invoice", map[string]string{"invoice_number": invoiceNumber}, &out, opts...)
}

func payoutPath(id string) string { return "/v2/partners/incentives/payouts/" + pathEscape(id) }

// IncentivePayoutSettings is the auto-apply setting; Applied lists the
// payouts an update that turned it on applied.
type IncentivePayoutSettings struct {
	AutoApply bool              `json:"auto_apply"`
	Method    string            `json:"method,omitempty"`
	Applied   []IncentivePayout `json:"applied,omitempty"`
}

// ShowIncentivePayoutSettings answers the auto-apply setting.
func (c *Client) ShowIncentivePayoutSettings(ctx context.Context) (*IncentivePayoutSettings, error) {
	var out IncentivePayoutSettings
	return &out, c.get(ctx, "/v2/partners/incentives/payout-settings", nil, &out)
}

// UpdateIncentivePayoutSettings turns auto-apply on (with a method) or off;
// turning it on applies the payouts waiting for an application.
func (c *Client) UpdateIncentivePayoutSettings(ctx context.Context, autoApply bool, method string, opts ...CallOption) (*IncentivePayoutSettings, error) {
	in := IncentivePayoutSettings{AutoApply: autoApply, Method: method}
	var out IncentivePayoutSettings
	return &out, c.put(ctx, "/v2/partners/incentives/payout-settings", in, &out, opts...)
}
