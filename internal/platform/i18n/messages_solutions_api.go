package i18n

// Messages of the partner API's solution, configurator and delivery
// evaluation operations: the refusals the API adds to the capabilities'.
var _ = register(
	entry{"api.file_name_required", "请填写文件名，例如 sow.pdf", "Name the file, such as sow.pdf"},
	entry{"api.file_content_required", "请提供文件内容（Base64 编码）", "Give the file's bytes, base64-encoded"},
	entry{"api.parameter_unknown", "配置器没有此参数", "The configurator has no such parameter"},
	entry{"api.delivery_not_sampled_yet", "该项目尚未经过抽样：已验收的项目在下一次抽样时参与抽样", "No sampling run has taken this project yet: only an accepted project is sampled, at the next run"},
)
