package i18n

// Messages of 代客下单 (销售 > 客户 > 客户管理 > 更多 > 代客下单), the
// customer's authorisation page, 客户订单 (销售 > 客户业务 > 客户订单), and
// the refusals of order creation and payment (internal/order).
var _ = register(
	// The refusals of orders (internal/order).
	entry{"order.not_found", "订单不存在", "The order does not exist"},
	entry{"order.not_pending", "只有待支付的订单可以支付或取消", "Only orders pending payment can be paid or cancelled"},
	entry{"order.payment_timed_out", "订单已超过支付期限", "The order's payment deadline has passed"},
	entry{"order.referral_customer", "只能为代售类客户下单", "Orders can be placed only for resale customers"},
	entry{"order.not_authorised", "客户尚未授权代客下单", "The customer has not authorised ordering on its behalf"},
	entry{"order.authorisation_link_invalid", "该链接无效", "This link is not valid"},
	entry{"order.lines_count", "请选择1到%d个产品", "Choose 1 to %d products"},
	entry{"order.region_not_sold", "该产品不在此区域售卖", "The product is not sold in this region"},
	entry{"order.resource_name_length", "资源名称最多64个字符", "The name can have at most 64 characters"},
	entry{"order.too_many_coupons", "一个订单最多使用%d张优惠券", "An order can use at most %d coupons"},
	entry{"order.coupon_not_needed", "其他优惠券已支付该券适用的产品", "The other coupons already pay the lines this coupon covers"},
	entry{"order.unbind_unpaid_orders", "客户有待支付的订单，请先支付或取消", "The customer has orders pending payment; pay or cancel them first"},
	entry{"funds.customer_balance_insufficient", "客户余额不足", "The customer's balance is insufficient"},
)
