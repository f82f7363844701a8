package i18n

// Messages of callbacks (服务支持 > 能力开放 > 事件回调): the domain's
// refusals, the event types and delivery states, the audit actions and the
// console page.
var _ = register(
	entry{"webhook.endpoint_not_found", "回调地址不存在", "The callback endpoint does not exist"},
	entry{"webhook.delivery_not_found", "投递记录不存在", "The delivery does not exist"},
	entry{"webhook.url_required", "请填写回调地址", "Enter the callback URL"},
	entry{"webhook.url_too_long", "回调地址最多 1024 个字符", "The URL must be at most 1024 characters"},
	entry{"webhook.url_invalid", "请填写以 https:// 开头的完整地址，不含用户名密码和 # 片段", "Enter a full https:// URL without user name, password or # fragment"},
	entry{"webhook.url_https", "回调地址须使用 https（仅 localhost 和 127.0.0.1 可使用 http）", "The URL must use https (http only for localhost and 127.0.0.1)"},
	entry{"webhook.event_unknown", "未知的事件类型：%q", "Unknown event type %q"},
	entry{"webhook.description_too_long", "描述最多 200 个字符", "The description must be at most 200 characters"},
	entry{"webhook.too_many", "每个伙伴最多配置 %d 个回调地址", "A partner may have at most %d callback endpoints"},
	entry{"webhook.in_flight", "该事件正在投递中，请稍后再试", "The delivery is being sent right now; try again in a minute"},

	entry{"webhook.event.customer.associated", "客户关联", "Customer associated"},
	entry{"webhook.event.customer.unbound", "客户解除关联", "Customer unbound"},
	entry{"webhook.event.customer.frozen", "客户冻结", "Customer frozen"},
	entry{"webhook.event.funds.allocated", "拨款", "Funds allocated"},
	entry{"webhook.event.funds.reclaimed", "回收", "Funds reclaimed"},
	entry{"webhook.event.coupon.issued", "券发放", "Coupon issued"},
	entry{"webhook.event.coupon.reclaimed", "券回收", "Coupon reclaimed"},
	entry{"webhook.event.coupon.expired", "券过期", "Coupon expired"},
	entry{"webhook.event.order.paid", "订单支付", "Order paid"},
	entry{"webhook.event.order.cancelled", "订单取消", "Order cancelled"},
	entry{"webhook.event.resource.frozen", "资源冻结", "Resource frozen"},
	entry{"webhook.event.opportunity.status_changed", "机会点状态变更", "Opportunity status changed"},
	entry{"webhook.event.incentive.paid", "激励发放", "Incentive paid"},
	entry{"webhook.event.webhook.test", "测试事件", "Test event"},

	entry{"webhook.status.pending", "投递中", "Pending"},
	entry{"webhook.status.succeeded", "成功", "Succeeded"},
	entry{"webhook.status.failed", "失败", "Failed"},
	entry{"webhook.gave_up.retry_window", "24 小时内未收到 2xx 应答，已停止重试", "No 2xx answer within 24 hours: retries stopped"},
	entry{"webhook.gave_up.gone", "回调地址应答 410 Gone，已停用该地址", "The endpoint answered 410 Gone and was disabled"},
	entry{"webhook.gave_up.disabled", "回调地址已停用，未投递", "Not sent: the endpoint is disabled"},

	entry{"audit.action.webhook.endpoint.create", "新增回调地址", "Add a callback endpoint"},
	entry{"audit.action.webhook.endpoint.update", "修改回调地址", "Edit a callback endpoint"},
	entry{"audit.action.webhook.endpoint.delete", "删除回调地址", "Delete a callback endpoint"},
	entry{"audit.action.webhook.endpoint.rotate", "更换回调签名密钥", "Rotate a callback signing secret"},
	entry{"audit.action.webhook.endpoint.test", "发送测试事件", "Send a test event"},
	entry{"audit.action.webhook.delivery.resend", "重新发送回调", "Re-send a callback"},
)
