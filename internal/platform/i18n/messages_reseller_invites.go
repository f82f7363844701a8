package i18n

// Messages of a total distributor's invitations to existing resellers: the
// domain's refusals, the distributor's 邀请经销商 form and list, and the
// invited reseller's page.
var _ = register(
	entry{"reseller_invite.not_found", "邀请不存在", "Invitation not found"},
	entry{"reseller_invite.not_distributor", "只有总经销商可以邀请经销商", "Only a total distributor may invite resellers"},
	entry{"reseller_invite.partner_not_found", "不存在该名称的伙伴", "No partner has this name"},
	entry{"reseller_invite.not_reseller", "只能邀请经销商类型的伙伴", "Only a reseller can be invited"},
	entry{"reseller_invite.has_distributor", "该经销商已通过总经销商销售", "This reseller already sells through a total distributor"},
	entry{"reseller_invite.open_exists", "已向该经销商发出邀请，尚未答复", "This reseller already has an open invitation from you"},
	entry{"reseller_invite.used", "该邀请已处理", "This invitation has already been answered"},
	entry{"reseller_invite.expired", "该邀请已过期", "This invitation has expired"},
	entry{"reseller_invite.distributor_gone", "邀请方已不是总经销商", "The inviting partner is no longer a total distributor"},

	entry{"resellers.invite", "邀请经销商", "Invite reseller"},
	entry{"resellers.invite_name", "伙伴名称", "Partner name"},
	entry{"resellers.invite_name_hint", "已注册经销商的登录名", "The sign-in name of a registered reseller"},
	entry{"resellers.invite_submit", "发送邀请", "Send invitation"},
	entry{"resellers.invited_ok", "已邀请 %s，等待对方接受", "Invited %s; awaiting their answer"},
	entry{"resellers.pending_invites", "待接受的邀请", "Pending invitations"},
	entry{"resellers.invited_at", "邀请时间", "Invited at"},
	entry{"resellers.invite_expires", "有效期至", "Valid until"},

	entry{"invitations.title", "经销商邀请", "Reseller invitations"},
	entry{"invitations.distributor", "总经销商", "Total distributor"},
	entry{"invitations.accept", "接受", "Accept"},
	entry{"invitations.decline", "拒绝", "Decline"},
	entry{"invitations.accepted_ok", "已加入 %s 的二级经销商", "You now sell through %s"},
	entry{"invitations.declined_ok", "已拒绝 %s 的邀请", "Declined the invitation of %s"},
	entry{"invitations.none", "暂无待处理的邀请", "No pending invitations"},
	entry{"nav.reseller_invitations", "经销商邀请", "Reseller invitations"},

	entry{"audit.action.reseller.invite", "邀请经销商", "Invite reseller"},
	entry{"audit.action.reseller.invite_accept", "接受经销商邀请", "Accept reseller invitation"},
	entry{"audit.action.reseller.invite_decline", "拒绝经销商邀请", "Decline reseller invitation"},
	entry{"audit.action.partner.join_distributor", "加入总经销商", "Join total distributor"},
)
