package i18n

// Messages of exported files: titles and column headers.
var _ = register(
	entry{"export.statement.title", "收支明细", "Income and expense details"},
	entry{"export.adjustments.title", "调账记录", "Adjustment records"},
	entry{"export.col.trade_id", "交易ID", "Trade ID"},
	entry{"export.col.trade_time", "交易时间", "Trade time"},
	entry{"export.col.trade_type", "交易类型", "Trade type"},
	entry{"export.col.trade_detail", "交易详细类型", "Trade detail type"},
	entry{"export.col.direction", "收支类型", "Income/expense"},
	entry{"export.col.amount", "金额(元)", "Amount (CNY)"},
	entry{"export.col.balance_after", "变更后余额(元)", "Balance after (CNY)"},
	entry{"export.col.customer_id", "客户账号ID", "Customer ID"},
	entry{"export.col.account_name", "客户账号名", "Customer account name"},
	entry{"export.col.trans_id", "事务ID", "Transaction ID"},
	entry{"export.col.operation_type", "调账类型", "Operation type"},
	entry{"export.col.operation_time", "调账时间", "Operation time"},
	entry{"export.col.memo", "备注", "Memo"},
	entry{"export.col.operator", "操作人", "Operator"},
	entry{"export.income", "收入", "Income"},
	entry{"export.expense", "支出", "Expense"},
	entry{"exports.not_found", "导出任务不存在", "Export not found"},
	entry{"exports.format_invalid", "请选择 CSV 或 Excel 格式", "Choose CSV or Excel"},
	entry{"exports.not_ready", "文件尚未生成，请稍后再试", "The file is not ready yet"},
	entry{"exports.kind_unknown", "未知的导出类型", "Unknown export"},
)
