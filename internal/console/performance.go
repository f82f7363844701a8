package console

// performanceRoutes registers the pages of this area.
func (h *handler) performanceRoutes() {}
