package i18n

// Messages of 业绩 (performance): refusals, the report's columns, the page
// and the home page's card.
var _ = register(
	entry{"performance.forbidden", "您没有查看业绩的权限", "You have no permission to see performance"},
	entry{"performance.range_order", "结束月份不能早于开始月份", "The last month cannot be before the first"},
	entry{"performance.unattributed", "未分配客户经理", "No customer manager"},

	entry{"performance.export.title", "业绩", "Performance"},
	entry{"performance.col.month", "月份", "Month"},
	entry{"performance.col.manager", "客户经理", "Customer manager"},
	entry{"performance.col.consumption", "消费金额（元）", "Consumption (CNY)"},
	entry{"performance.col.records", "消费记录数", "Fee records"},
	entry{"performance.col.new_customers", "新增客户数", "New customers"},
)
