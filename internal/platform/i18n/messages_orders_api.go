package i18n

// Messages of the partner API's order and resource operations' own checks.
var _ = register(
	entry{"api.order_id", "请填写订单 ID（最多 64 个字符）", "The order id is required (at most 64 characters)"},
	entry{"api.yes_no", "取值须为 YES 或 NO", "The value must be YES or NO"},
	entry{"api.coupons_required", "使用优惠券时须填写优惠券列表", "List the coupons when use_coupon is YES"},
	entry{"api.coupons_unexpected", "不使用优惠券时不能填写优惠券列表", "Leave the coupons out when use_coupon is NO"},
	entry{"api.no_discounts", "伙伴代客下单的订单没有可用折扣", "No discount applies to orders placed by a partner"},
	entry{"api.discounts_unexpected", "不使用折扣时不能填写折扣列表", "Leave the discounts out when use_discount is NO"},
	entry{"api.time_span_year", "起止时间间隔不能超过 1 年", "The time range can span at most a year"},
	entry{"api.service_type_code", "云服务类型编码须为 1 到 64 个字符", "The service type code must have 1 to 64 characters"},
	entry{"api.resource_ids_required", "请填写资源 ID", "Name at least one resource"},
	entry{"api.period_type", "周期类型须为 2（月）或 3（年）", "The period type must be 2 (months) or 3 (years)"},
	entry{"api.period_num", "周期数超出允许的范围", "The number of periods is out of range"},
	entry{"api.unsubscribe_type", "退订类型须为 1 或 2", "The unsubscription type must be 1 or 2"},
	entry{"api.unsubscribe_renewals", "不支持只退订续费周期，请退订资源（类型 1）", "Unsubscribing renewals alone is not offered; unsubscribe the resource (type 1)"},
	entry{"api.auto_renew_times", "自动续费次数须为 0 到 99", "The number of automatic renewals must be from 0 to 99"},
)
