package i18n

// Messages of 查看资源 (销售 > 客户 > 客户管理 > 更多 > 查看资源) and of the
// refusals of the resource actions (internal/order).
var _ = register(
	// The refusals of resource actions (internal/order).
	entry{"order.resource_not_found", "资源不存在", "The resource does not exist"},
	entry{"order.resource_closed", "资源已释放", "The resource has been released"},
	entry{"order.auto_renew_periodic_only", "只有包年/包月资源可以设置自动续费", "Only yearly/monthly resources renew automatically"},
	entry{"order.renew_periodic_only", "只有包年/包月资源可以续费", "Only yearly/monthly resources can be renewed"},
	entry{"order.resource_ids_count", "请选择1到%d个资源", "Choose 1 to %d resources"},
	entry{"order.change_active_only", "只有使用中的包年/包月资源可以变更规格", "Only yearly/monthly resources in use can be changed"},
	entry{"order.change_target", "请选择同一资源类型、在资源所在区域在售的其他规格", "Choose another spec of the same resource type, on sale in the resource's region"},
)
