package console

// invoiceRoutes registers the pages of this area.
func (h *handler) invoiceRoutes() {}
