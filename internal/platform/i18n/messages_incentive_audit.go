package i18n

// The audit log's names for what was done in 激励管理, and the demo's
// simulated failure of the voucher quota service.
var _ = register(
	entry{"audit.action.incentive.settings", "修改激励申付设置", "Change the incentive payout settings"},
	entry{"audit.action.incentive.statement_confirm", "确认激励对账", "Confirm an incentive statement"},
	entry{"audit.action.incentive.calculate", "计算月度激励", "Calculate a month's incentives"},
	entry{"audit.action.incentive.policy_create", "新增激励政策", "Add an incentive policy"},
	entry{"audit.action.incentive.policy_update", "修改激励政策", "Edit an incentive policy"},
	entry{"audit.action.incentive.payout.apply", "申请激励申付", "Apply for an incentive payout"},
	entry{"audit.action.incentive.payout.invoice", "提交激励发票", "Submit the invoice of a payout"},
	entry{"audit.action.incentive.payout.approve", "处理激励申付", "Process an incentive payout"},
	entry{"audit.action.incentive.payout.retry", "重试发放代金券额度", "Retry issuing the voucher quota"},
	entry{"audit.action.incentive.payout.pay", "完成激励申付", "Complete an incentive payout"},
	entry{"coupon.unavailable", "代金券额度服务暂不可用", "The voucher quota service did not answer"},
)
