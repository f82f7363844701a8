package i18n

// Messages of batch 发放: the domain's refusals, the issue form's option to
// issue to every matching customer and its scope fields, and the batch's
// progress page.
var _ = register(
	entry{"coupon.batch_not_found", "批量发放不存在", "Batch not found"},
	entry{"coupon.batch_customers_count", "请选择 1 至 %d 个客户", "Choose 1 to %d customers"},

	entry{"coupons.batch.all_matching", "发放给所有符合搜索条件的转售客户", "Issue to every resale customer matching the search"},
	entry{"coupons.batch.all_matching_hint", "不必勾选客户；超过 100 个客户时在后台分批发放，可查看进度", "No need to tick customers; over 100 customers are issued in the background, with the progress shown"},
	entry{"coupons.batch.none_matching", "没有符合条件的转售客户", "No resale customer matches"},
	entry{"coupons.batch.title", "批量发放", "Batch issue"},
	entry{"coupons.batch.queued", "已提交批量发放，正在后台处理", "The batch issue is being processed in the background"},
	entry{"coupons.batch.customers", "客户数", "Customers"},
	entry{"coupons.batch.rows_ok", "成功", "Issued"},
	entry{"coupons.batch.rows_failed", "失败", "Failed"},
	entry{"coupons.batch.progress", "发放进度", "Progress"},
	entry{"coupons.batch.progress_text", "已处理 %d / %d", "%d of %d processed"},
	entry{"coupons.batch.status.queued", "排队中", "Queued"},
	entry{"coupons.batch.status.running", "发放中", "Issuing"},
	entry{"coupons.batch.status.done", "已完成", "Done"},
	entry{"coupons.batch.row.pending", "待发放", "Pending"},
	entry{"coupons.batch.row.ok", "成功", "Issued"},
	entry{"coupons.batch.row.failed", "失败", "Failed"},
	entry{"coupons.batch.seq", "序号", "No."},
	entry{"coupons.batch.customer", "客户", "Customer"},
	entry{"coupons.batch.result", "结果", "Result"},
	entry{"coupons.batch.coupon_id", "券 ID", "Coupon ID"},
	entry{"coupons.batch.scope_hint", "多个以逗号分隔，须在额度的范围之内；留空则与额度相同", "Comma-separated, within the quota's; empty for the quota's"},
	entry{"audit.action.coupon.batch_issue", "批量发放优惠券", "Batch issue coupons"},
)
