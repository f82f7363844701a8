package i18n

// Messages of the partner API's coupon operations' own checks.
var _ = register(
	entry{"api.quota_type", "额度类型须为 0（代金券额度）或 1（现金券额度）", "The quota type must be 0 (voucher) or 1 (cash coupon)"},
	entry{"api.quota_status", "额度状态须为 0、3、4、5 或 6", "The quota status must be 0, 3, 4, 5 or 6"},
	entry{"api.quota_id", "请填写额度 ID（最多 64 个字符）", "The quota id is required (at most 64 characters)"},
	entry{"api.coupon_id", "请填写优惠券 ID（最多 64 个字符）", "The coupon id is required (at most 64 characters)"},
	entry{"api.too_many", "数量超出上限", "Too many values"},
	entry{"api.id_length", "每个 ID 须为 1 到 64 个字符", "Each id must have 1 to 64 characters"},
	entry{"api.enum", "取值不在允许的范围内", "The value is not one of those allowed"},
)
