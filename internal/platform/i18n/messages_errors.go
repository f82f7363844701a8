package i18n

// Messages of the domain errors (apperr keys) of auth, users and partners.
// Each capability keeps the messages of its error keys in a file here
// (messages_customer.go, ...), in both languages; the console's catalogue
// test fails on a key used in code that has none.
var _ = register(
	// auth
	entry{"auth.signin_failed", "用户名或密码错误", "The user name or password is incorrect"},
	entry{"auth.signin_throttled", "登录失败次数过多，请 15 分钟后再试", "Too many failed sign-ins; try again in 15 minutes"},
	entry{"auth.session_expired", "登录已过期，请重新登录", "Your session has ended; please sign in again"},
	entry{"auth.key_unknown", "访问密钥不存在", "The access key does not exist"},
	entry{"auth.password_length", "密码长度须为 8 到 64 个字符", "The password must be 8 to 64 characters long"},
	entry{"auth.password_weak", "密码须至少包含小写字母、大写字母、数字、符号中的三种", "The password needs at least three of: lower case, upper case, digits, symbols"},
	entry{"auth.password_wrong", "当前密码错误", "The current password is wrong"},
	entry{"auth.password_same", "新密码不能与当前密码相同", "The new password must differ from the current one"},

	// users
	entry{"user.not_found", "用户不存在", "User not found"},
	entry{"user.username_invalid", "用户名须为 2-64 位小写字母、数字、点、下划线或连字符，并以字母开头", "The user name must be 2-64 lowercase letters, digits, dots, underscores or hyphens, starting with a letter"},
	entry{"user.username_taken", "该用户名已被使用", "This user name is taken"},
	entry{"user.roles_required", "请至少选择一个角色", "Choose at least one role"},
	entry{"user.role_invalid", "未知角色 %q", "Unknown role %q"},
	entry{"user.main_fixed", "主账号的角色不可修改", "The main account's roles cannot be changed"},

	// partners
	entry{"partner.not_found", "伙伴不存在", "Partner not found"},
	entry{"partner.indirect_not_found", "二级经销商不存在", "Indirect partner not found"},
	entry{"partner.name_invalid", "伙伴标识须为 2-40 位小写字母、数字或连字符，并以字母开头", "The name must be 2-40 lowercase letters, digits or hyphens, starting with a letter"},
	entry{"partner.display_name_long", "伙伴名称最多 100 个字符", "The display name must be at most 100 characters"},
	entry{"partner.type_invalid", "请选择伙伴类型", "Choose a partner type"},
	entry{"partner.stage_invalid", "请选择发展路径阶段", "Choose a development stage"},
	entry{"partner.parent_only_reseller", "只有经销商可以隶属于总经销商", "Only a reseller can sell through a total distributor"},
	entry{"partner.parent_not_found", "所选总经销商不存在", "The total distributor does not exist"},
	entry{"partner.parent_not_distributor", "上级伙伴必须是总经销商", "The parent must be a total distributor"},
	entry{"partner.parent_self", "伙伴不能隶属于自身", "A partner cannot be its own distributor"},
	entry{"partner.duplicate", "伙伴标识、账号名或平台标识已存在", "A partner with this name, domain name or platform identifier already exists"},
	entry{"partner.has_resellers", "该总经销商仍有二级经销商，不能修改类型", "This total distributor still has indirect resellers; its type cannot change"},
	entry{"partner.pdm_invalid", "请选择具有 PDM 角色的员工", "Choose a member of staff with the PDM role"},
)
