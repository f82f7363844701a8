package i18n

// Incentives (激励管理): the refusals of the incentive package, the names of
// its statuses and payout methods, and what a payout row says once paid
// (the seed's table of payout statuses, word for word).
var _ = register(
	entry{"incentive.not_found", "激励不存在", "The incentive does not exist"},
	entry{"incentive.policy_not_found", "激励政策不存在", "The policy does not exist"},
	entry{"incentive.payout_not_found", "激励申付不存在", "The payout does not exist"},
	entry{"incentive.already_applied", "该激励已申请付款，不能重复申请", "The payout of this incentive has already been applied for"},
	entry{"incentive.method_fixed", "付款方式已在申请时选定，不能更改", "The payout method was chosen when applying and cannot be changed"},
	entry{"incentive.method_required", "请选择付款方式", "Choose how the incentive is paid"},
	entry{"incentive.method_unknown", "请从列表中选择付款方式", "Choose one of the payout methods"},
	entry{"incentive.not_confirmable", "只有待确认的激励可以确认", "Only a statement waiting for confirmation can be confirmed"},
	entry{"incentive.previous_open", "请先确认上月激励：其负数余额结转到本月", "Confirm the month before first: its remainder is carried into this month"},
	entry{"incentive.payout_state", "当前状态不允许此操作", "The payout is not in a state that allows this"},
	entry{"incentive.invoice_required", "请填写伙伴开具的发票号码", "Enter the partner's invoice number"},
	entry{"incentive.invoice_long", "发票号码最多 64 个字符", "The invoice number can have at most 64 characters"},
	entry{"incentive.reference_required", "请填写银行转账流水号", "Enter the bank transfer's reference"},
	entry{"incentive.reference_long", "流水号最多 64 个字符", "The reference can have at most 64 characters"},
	entry{"incentive.voucher_failed", "代金券额度发放失败，已记录，可稍后重试", "The voucher quota could not be issued; the payout waits for a retry"},
	entry{"incentive.rate_range", "比例须为 0 到 100 之间的百分数，最多两位小数", "The rate must be a percentage from 0 to 100 with at most two decimals"},
	entry{"incentive.service_type_required", "请选择产品类别", "Choose a product category"},
	entry{"incentive.service_type_unknown", "产品类别不存在", "The product category does not exist"},
	entry{"incentive.partner_type", "请选择伙伴类型", "Choose a partner type"},
	entry{"incentive.kind", "请选择返点比例或新客户奖励", "Choose a rebate rate or a new-customer bonus"},
	entry{"incentive.bonus_range", "奖励金额不能为负数", "The bonus must be an amount from 0"},
	entry{"incentive.month_invalid", "请输入月份，例如 2026-12", "Enter a month such as 2026-12"},
	entry{"incentive.valid_to", "结束月份不能早于开始月份", "The last month must not be before the first"},
	entry{"incentive.overlap", "该产品类别和伙伴类型在这些月份已有生效的政策", "Another policy for this category and partner type is valid in these months"},

	entry{"api.incentive_time_required", "必填：月份，例如 2026-12", "is required: a month such as 2026-12"},

	entry{"funds.trade.incentive", "激励", "Incentive"},

	entry{"incentive.kind.rebate", "返点比例", "Rebate rate"},
	entry{"incentive.kind.new_customer", "新客户奖励", "New-customer bonus"},

	entry{"incentive.status.estimated", "预估", "Estimated"},
	entry{"incentive.status.to_confirm", "待确认", "To confirm"},
	entry{"incentive.status.paying", "付款中", "Paying"},
	entry{"incentive.status.paid", "已支付", "Paid"},

	entry{"incentive.payout_status.pending_application", "待申请", "Pending application"},
	entry{"incentive.payout_status.processing", "处理中", "Processing"},
	entry{"incentive.payout_status.pending_invoice", "待开票", "Pending partner invoice"},
	entry{"incentive.payout_status.completed", "已完成", "Completed"},
	entry{"incentive.payout_status.error", "异常", "Error"},

	entry{"incentive.method.cloud_account", "充值到华为云账户", "Recharge to the cloud account"},
	entry{"incentive.method.bank_transfer", "银行转账", "Bank transfer"},
	entry{"incentive.method.recharge_account", "充值到华为云充值账户", "Recharge to the recharge account"},
	entry{"incentive.method.voucher_quota", "代金券额度", "Voucher quota"},

	entry{"incentive.outcome.cloud_account", "财经已向您的华为云账户充值。", "Finance has recharged your cloud account."},
	entry{"incentive.outcome.bank_transfer", "财经已向您的银行账号转账付款。", "Finance has transferred the payment to your bank account."},
	entry{"incentive.outcome.recharge_account", "财经已向您的华为云充值账户充值。", "Finance has recharged your recharge account."},
	entry{"incentive.outcome.voucher_quota", "-", "-"},
	entry{"incentive.outcome.voucher_quota_hint", "表示代金券额度已发放", "The voucher quota has been issued"},
	entry{"incentive.outcome.voucher_error", "代金券额度发放过程中出现错误,请联系客服进行处理。", "An error occurred while issuing the voucher quota. Contact support."},

	entry{"incentive.action.none", "无", "None"},
	entry{"incentive.action.contact_support", "伙伴联系客服进行处理。", "Contact support."},
	entry{"incentive.action.pending_application", "申请付款并选择付款方式", "Apply for the payout and choose how it is paid"},
	entry{"incentive.action.processing", "无", "None"},
	entry{"incentive.action.pending_invoice", "向华为云开具发票", "Issue your invoice to the provider"},

	entry{"incentive.carried", "负数余额 %s 结转至下月", "Negative remainder %s carried to the next month"},
)
