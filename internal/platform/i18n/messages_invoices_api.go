package i18n

// Messages of the partner API's invoice and incentive operations' own
// checks.
var _ = register(
	entry{"api.month_order", "结束月份（to_month）不能早于开始月份（from_month）", "The end month (to_month) cannot be before the start month (from_month)"},
	entry{"api.auto_apply_required", "请填写是否自动申请（auto_apply）：true 或 false", "Whether to apply automatically (auto_apply) is required: true or false"},
)
