package api

import (
	"net/http"
	"slices"

	"partnercenter/internal/app"
)

// MountRoutes mounts the API with extra routes, so that tests can exercise
// the conventions every operation shares (idempotency, internal errors) on
// operations of their own.
func MountRoutes(mux *http.ServeMux, a *app.App, cfg Config, extra ...Route) {
	mount(mux, newService(a, cfg), append(slices.Clone(routes), extra...))
}
