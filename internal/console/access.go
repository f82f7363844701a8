package console

// accessRoutes registers 接入配置 and the provider's access-key pages.
func (h *handler) accessRoutes() {}
