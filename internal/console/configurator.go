package console

// configuratorRoutes registers the pages of this area.
func (h *handler) configuratorRoutes() {}
