package i18n

// Refusals of launching pay-per-use resources (order.LaunchPayPerUse).
var _ = register(
	entry{"order.not_pay_per_use", "该产品不支持按需计费", "The product is not sold pay-per-use"},
	entry{"order.usage_quantity", "规格大小须在 1 到 100000 之间", "The size must be from 1 to 100000"},
)
