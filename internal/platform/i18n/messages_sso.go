package i18n

// Messages of single sign-on through a partner's SAML identity provider:
// the sign-in page's form, the SP addresses on 接入配置, and why a response
// was refused.
var _ = register(
	entry{"sso.title", "企业单点登录", "Sign in with your organisation"},
	entry{"sso.heading", "企业单点登录", "Sign in with your organisation"},
	entry{"sso.signin_hint", "贵组织已配置单点登录？输入平台标识，通过贵组织的身份提供商登录。", "Has your organisation set up single sign-on? Enter its platform identifier to sign in through its identity provider."},
	entry{"sso.platform", "平台标识", "Platform identifier"},
	entry{"sso.platform_hint", "即接入配置中的平台标识（xaccountType），可向贵组织的管理员索取", "The platform identifier (xaccountType) of your organisation's access configuration; your administrator has it"},
	entry{"sso.submit", "企业单点登录", "Sign in with your organisation"},
	entry{"sso.continue_hint", "将前往「%s」的身份提供商登录，完成后返回伙伴中心。", "You will sign in at the identity provider of “%s” and come back to Partner Center."},
	entry{"sso.continue", "继续登录", "Continue"},
	entry{"sso.back", "使用用户名和密码登录", "Sign in with a user name and password"},
	entry{"sso.not_configured", "该平台标识未配置单点登录", "No single sign-on is set up for that platform identifier"},
	entry{"sso.failed_title", "单点登录失败", "Single sign-on failed"},

	entry{"sso.sp", "提供给身份提供商的 SP 信息", "For your identity provider (service provider details)"},
	entry{"sso.sp_hint", "在贵组织的身份提供商中以下列信息登记伙伴中心（或导入 SP 元数据）；用户的 NameID 或 email 属性须为其在伙伴中心的用户名或邮箱。", "Register Partner Center at your identity provider with these details (or import the SP metadata); a user's NameID or email attribute must be their Partner Center user name or email."},
	entry{"sso.sp_entity_id", "SP Entity ID", "SP entity ID"},
	entry{"sso.sp_acs", "ACS 地址（HTTP-POST）", "ACS URL (HTTP-POST)"},
	entry{"sso.sp_metadata", "SP 元数据", "SP metadata"},
	entry{"sso.sp_login", "单点登录入口", "Sign-in address"},

	entry{"sso.response_malformed", "SAML 响应格式不正确", "The SAML response is not a well-formed SAML 2.0 Response"},
	entry{"sso.response_dtd", "SAML 响应不能包含 DTD", "The SAML response may not contain a DTD"},
	entry{"sso.response_too_large", "SAML 响应过大", "The SAML response is too large"},
	entry{"sso.response_encoding", "SAMLResponse 不是有效的 base64", "The SAMLResponse field is not valid base64"},
	entry{"sso.response_unsigned", "SAML 响应及其断言均未签名", "Neither the SAML response nor its assertion is signed"},
	entry{"sso.signature_invalid", "SAML 响应的签名无法用身份提供商的证书验证", "The signature of the SAML response does not verify against the identity provider's certificate"},
	entry{"sso.algorithm_refused", "SAML 响应使用了不被接受的算法（SHA-1、MD5 或保留注释的规范化）", "The SAML response uses an algorithm that is not accepted (SHA-1, MD5 or a canonicalisation with comments)"},
	entry{"sso.assertion_encrypted", "不支持加密的断言，请在身份提供商处配置为仅签名", "Encrypted assertions are not supported; configure the identity provider to sign the assertion without encrypting it"},
	entry{"sso.status_failed", "身份提供商未完成登录", "The identity provider did not sign you in"},
	entry{"sso.issuer_mismatch", "断言不是由已登记的身份提供商签发", "The assertion was not issued by the registered identity provider"},
	entry{"sso.audience_mismatch", "断言不是签发给本伙伴中心的", "The assertion is not meant for this service provider"},
	entry{"sso.recipient_mismatch", "SAML 响应的接收地址不是本伙伴中心", "The SAML response is addressed to another endpoint"},
	entry{"sso.assertion_expired", "断言已过期或尚未生效，请重新登录", "The assertion has expired or is not yet valid; sign in again"},
	entry{"sso.request_unknown", "该响应不对应此浏览器发起的登录，请从登录页重新开始", "The response does not answer a sign-in started in this browser; start again from the sign-in page"},
	entry{"sso.assertion_replayed", "该断言已被使用过", "The assertion has already been used"},
	entry{"sso.subject_missing", "断言中没有用户标识", "The assertion names no user"},
	entry{"sso.user_unknown", "伙伴中心中没有与该身份对应的本伙伴用户，请联系管理员创建账号", "No Partner Center user of this partner matches your identity; ask your administrator to create your account"},
	entry{"sso.user_disabled", "您的伙伴中心账号已被禁用", "Your Partner Center account is disabled"},
	entry{"sso.user_ambiguous", "本伙伴有多个用户使用该邮箱，请联系管理员", "More than one user of this partner has that email; ask your administrator"},
	entry{"user.ambiguous", "多个用户使用该邮箱", "More than one user has that email"},

	entry{"audit.action.user.sso_signin", "单点登录", "Single sign-on"},
)
