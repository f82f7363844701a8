package console

// incentiveRoutes registers the pages of this area.
func (h *handler) incentiveRoutes() {}
