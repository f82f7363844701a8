package console

// solutionRoutes registers the pages of this area.
func (h *handler) solutionRoutes() {}
