package i18n

// Messages of the errors of the partner API's own rules and of the managers
// a total distributor assigns to its indirect resellers.
var _ = register(
	entry{"partner.manager_not_found", "该客户经理不是您组织中的用户", "The manager is not a user of your organisation"},
	entry{"partner.manager_not_manager", "客户经理须为主账号或具有客户经理角色的有效子账号", "The manager must be your main account or an active sub-account with the customer manager role"},
	entry{"partner.manager_from_past", "分配的开始时间不能早于当前", "The assignment cannot start in the past"},
	entry{"partner.manager_from_overlap", "分配的开始时间不能早于当前客户经理的管理期", "The assignment cannot start before the current manager's period"},
	entry{"partner.manager_same", "该客户经理已在管理此二级经销商", "This manager is already in charge of the reseller"},
	entry{"partner.manager_none", "该二级经销商没有可移除的客户经理", "The reseller has no manager to remove"},
)
