package i18n

// Messages of uploaded files (internal/upload): refusals of a file.
var _ = register(
	entry{"upload.required", "请选择要上传的文件", "Choose a file to upload"},
	entry{"upload.empty", "文件为空", "The file is empty"},
	entry{"upload.too_large", "文件超过 %s 的大小限制", "The file is larger than %s"},
	entry{"upload.forbidden_type", "不接受此类型的文件（%s）；可上传：%s", "Files of type %s are not accepted here (accepted: %s)"},
	entry{"upload.not_found", "文件不存在", "No such file"},
	entry{"upload.wrong_kind", "文件 %s 不是此处需要的材料", "The file %s is not of the expected kind"},
)
