package console

// deliveryRoutes registers the pages of this area.
func (h *handler) deliveryRoutes() {}
