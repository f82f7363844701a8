package i18n

// Co-selling opportunities: the role that grants them, and the refusals of
// the opportunity package.
var _ = register(
	entry{"role.partner.opportunity", "机会点管理", "Opportunities"},
)
