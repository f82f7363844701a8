package i18n

// Messages of the provider's 产品目录 (the product catalogue: service types,
// regions, products and their prices) and of the catalogue's refusals.
var _ = register(
	// The catalogue's refusals (internal/catalogue).
	entry{"catalogue.product_not_found", "产品不存在", "The product does not exist"},
	entry{"catalogue.not_on_sale", "该产品已下架", "The product is not on sale"},
	entry{"catalogue.period_type", "周期类型只能是包月或包年", "The period must be months or years"},
	entry{"catalogue.period_not_sold", "该产品不按此周期售卖", "The product is not sold for this period"},
	entry{"catalogue.period_num", "周期数须在1到%d之间", "The number of periods must be from 1 to %d"},
	entry{"catalogue.quantity", "数量须在1到%d之间", "The quantity must be from 1 to %d"},
	entry{"catalogue.service_type_required", "请选择服务类型", "Choose a service type"},
	entry{"catalogue.service_type_unknown", "服务类型不存在", "The service type does not exist"},
	entry{"catalogue.service_type_code", "服务类型编码形如 hws.service.type.ebs", "A service type code looks like hws.service.type.ebs"},
	entry{"catalogue.code_format", "只能使用小写字母、数字、点、短横线或下划线", "Use lower-case letters, digits, dots, dashes or underscores"},
	entry{"catalogue.spec_name_required", "请填写规格的中英文描述", "Enter the spec's description in both languages"},
	entry{"catalogue.name_required", "请填写中英文名称", "Enter the name in both languages"},
	entry{"catalogue.price_negative", "价格不能为负数", "Prices cannot be negative"},
	entry{"catalogue.no_price", "请填写包月价、包年价或按需单价", "Give a monthly or yearly price, or a pay-per-use rate"},
	entry{"catalogue.usage_pair", "按需单价与计费单位须同时填写", "A pay-per-use rate needs its unit, and a unit its rate"},
	entry{"catalogue.region_unknown", "区域%s不存在", "The region %s does not exist"},
	entry{"catalogue.spec_taken", "已有其他产品使用该规格编码", "Another product has this spec code"},
)
