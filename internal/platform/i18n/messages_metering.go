package i18n

// Messages of metering and the simulated clock.
var _ = register(
	entry{"metering.advance_positive", "模拟时钟只能向前推进", "the clock can only move forward"},
	entry{"metering.not_pay_per_use", "只有按需资源可以这样释放", "only pay-per-use resources are released this way"},
)
