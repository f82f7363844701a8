// Package incentive owns partner incentives (激励管理): the provider's
// policies, the monthly calculation from attributed consumption, the
// reconciliation (对账) of each partner's month, the details per customer,
// service type and customer manager (激励明细), and payouts (激励申付).
// It has no HTTP and no HTML; the console and the API call it.
//
// # Policies
//
// A Policy is either a rebate rate (KindRebate) for one service type (the
// catalogue's product category) and partner type, in basis points (RateBP:
// 1 = 0.01 %, 10000 = 100 %), or a new-customer bonus (KindNewCustomer): a
// fixed amount in fen per customer whose first consumption with the
// partner falls in the month. Both are valid from one bill month to
// another (ValidTo 0: open-ended); validity never overlaps for the same
// kind, service type and partner type. CreatePolicy, UpdatePolicy,
// GetPolicy, ListPolicies and DeletePolicy serve the back office;
// DiscountPolicies answers ListIncentiveDiscountPolicies.
//
// # Calculation
//
// CalculateMonth(ctx, db, month) computes every partner's statement for a
// bill month in one transaction of a few set-wide statements;
// CalculatePartnerMonth does one partner in the caller's transaction. Only fee records of products with the catalogue's incentive
// flag count. Per customer, service type and manager, the month's net
// consumption (refunds are negative items) times the rate gives an exact
// incentive in 1/10000 fen; the partner's month total is rounded half up to
// the fen and split over the detail rows by largest remainder, so the
// details sum exactly to the total. Negative items are deducted first,
// within the partner's month: the rebate is the signed sum, then the bonus
// is added and the negative remainder carried from the month before (CarryIn)
// is deducted; a total below zero pays nothing and is carried to the next
// month (CarryOut). Re-running a month replaces its details and totals and
// changes nothing else; a statement is recomputed only while it is
// StatusEstimated or StatusToConfirm.
//
// # Reconciliation (Statement.Status)
//
//	estimated (预估) → to_confirm (待确认) → paying (付款中) → paid (已支付)
//
// A month's statement is estimated while the month runs and to_confirm once
// it has ended (the calculation moves it). The partner confirms it
// (ConfirmStatement); confirmation needs the month before confirmed first,
// because its carry feeds this one. A confirmed statement with nothing
// payable is paid at once; otherwise it is paying and has a Payout.
//
// # Payouts (Payout.Status)
//
//	pending_application (待申请) → processing (处理中) → pending_invoice (待开票) → completed (已完成)
//	                                                   ↘ error (voucher quota failed; RetryPayout) ↗
//
// Apply chooses the method once (MethodCloudAccount, MethodBankTransfer,
// MethodRechargeAccount, MethodVoucherQuota); applying again, or with
// another method, is refused (ErrAlreadyApplied, ErrMethodFixed). With
// Settings.AutoApply the payout is applied with the partner's method at
// confirmation. Provider finance approves (ApprovePayout: → pending_invoice),
// the partner's invoice number is recorded (SubmitInvoice) and finance pays
// (PayPayout), which moves the money in the ledger: the provider's incentive
// account → the partner's 充值账户 (recharge account) or its cloud account,
// or a voucher quota granted through coupon.Grant; a bank transfer records
// the reference only. Every movement is idempotent by the payout id. A
// failure granting the quota leaves the payout in StatusError with
// "contact support" (Payout.Outcome); RetryPayout pays it again.
//
// Reading: ListStatements, GetStatement, ListDetails, ManagerTotals (for
// 业绩: per month and manager, rebate, bonus and new customers), ListPayouts,
// GetPayout, GetSettings / SaveSettings. Every partner-facing function takes
// the partner id and answers ErrNotFound for another partner's rows.
package incentive

import (
	"partnercenter/internal/bill"
	"partnercenter/internal/platform/apperr"
)

// Month is a bill month (202612), by the billing day in UTC+8.
type Month = bill.Month

// Policy kinds.
const (
	KindRebate      = "rebate"
	KindNewCustomer = "new_customer"
)

// RateScale is basis points per 100 %.
const RateScale = 10000

// Statement statuses (reconciliation).
const (
	StatusEstimated = "estimated"  // 预估
	StatusToConfirm = "to_confirm" // 待确认
	StatusPaying    = "paying"     // 付款中
	StatusPaid      = "paid"       // 已支付
)

// StatementStatuses lists them in order.
var StatementStatuses = []string{StatusEstimated, StatusToConfirm, StatusPaying, StatusPaid}

// Payout statuses.
const (
	PayoutPendingApplication = "pending_application" // 待申请
	PayoutProcessing         = "processing"          // 处理中
	PayoutPendingInvoice     = "pending_invoice"     // 待开票
	PayoutCompleted          = "completed"           // 已完成
	PayoutError              = "error"               // 代金券额度发放过程中出现错误
)

// PayoutStatuses lists them in order.
var PayoutStatuses = []string{PayoutPendingApplication, PayoutProcessing, PayoutPendingInvoice, PayoutCompleted, PayoutError}

// Payout methods, chosen once per payout.
const (
	MethodCloudAccount    = "cloud_account"    // 充值到华为云账户 (the partner's own cloud account)
	MethodBankTransfer    = "bank_transfer"    // 银行转账
	MethodRechargeAccount = "recharge_account" // 充值到充值账户 (资金管理's 充值账户)
	MethodVoucherQuota    = "voucher_quota"    // 代金券额度
)

// Methods lists the payout methods in display order.
var Methods = []string{MethodCloudAccount, MethodBankTransfer, MethodRechargeAccount, MethodVoucherQuota}

func validMethod(m string) bool {
	for _, x := range Methods {
		if x == m {
			return true
		}
	}
	return false
}

// Errors every caller may meet.
var (
	ErrNotFound          = apperr.NotFoundf("incentive.not_found", "the incentive does not exist")
	ErrPolicyNotFound    = apperr.NotFoundf("incentive.policy_not_found", "the policy does not exist")
	ErrPayoutNotFound    = apperr.NotFoundf("incentive.payout_not_found", "the payout does not exist")
	ErrAlreadyApplied    = apperr.New(apperr.Conflict, "incentive.already_applied", "the payout of this incentive has already been applied for")
	ErrMethodFixed       = apperr.New(apperr.Conflict, "incentive.method_fixed", "the payout method was chosen when applying and cannot be changed")
	ErrNotConfirmable    = apperr.New(apperr.Conflict, "incentive.not_confirmable", "only a statement waiting for confirmation can be confirmed")
	ErrPreviousOpen      = apperr.New(apperr.Conflict, "incentive.previous_open", "confirm the month before first: its remainder is carried into this month")
	ErrPayoutState       = apperr.New(apperr.Conflict, "incentive.payout_state", "the payout is not in a state that allows this")
	ErrMethodRequired    = apperr.Field("method", "incentive.method_required", "choose how the incentive is paid")
	ErrInvoiceRequired   = apperr.Field("invoice_number", "incentive.invoice_required", "enter the partner's invoice number")
	ErrReferenceRequired = apperr.Field("reference", "incentive.reference_required", "enter the bank transfer's reference")
)
