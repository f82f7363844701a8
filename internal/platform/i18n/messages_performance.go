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
	entry{"performance.col.incentive", "激励金额（元）", "Incentives (CNY)"},
)

var _ = register(
	entry{"performance.title", "业绩", "Performance"},
	entry{"performance.tab.report", "业绩统计", "Performance"},
	entry{"performance.tab.exports", "导出记录", "Exports"},
	entry{"performance.from", "开始月份", "From month"},
	entry{"performance.to", "结束月份", "To month"},
	entry{"performance.own_only", "您是客户经理，这里只显示您负责期间的业绩。", "As a customer manager you see the performance of your own periods only."},
	entry{"performance.consumption", "消费金额", "Consumption"},
	entry{"performance.new_customers", "新增客户", "New customers"},
	entry{"performance.incentive", "激励金额", "Incentives"},
	entry{"performance.by_manager", "按客户经理", "By customer manager"},
	entry{"performance.by_month", "按月趋势", "By month"},
	entry{"performance.by_manager_month", "客户经理月度明细", "By customer manager and month"},
	entry{"performance.chart.title", "%s 至 %s 业绩", "Performance %s to %s"},
	entry{"performance.chart.desc", "%s 至 %s 每月业绩柱状图：%s", "Bar chart of each month from %s to %s: %s"},
	entry{"performance.chart.series_total", "%s合计 %s", "%s total %s"},
	entry{"performance.chart.sep", "；", "; "},
	entry{"performance.home.title", "业绩", "Performance"},
	entry{"performance.home.chart", "近6个月业绩（%s 至 %s）", "Last 6 months (%s to %s)"},
	entry{"performance.home.more", "查看业绩", "View performance"},
)
