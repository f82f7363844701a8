package console

// webhookRoutes registers the callback pages.
func (h *handler) webhookRoutes() {}
