// Package console serves the web console: server-rendered pages for partner
// users and provider staff, with embedded assets.
package console

import (
	"net/http"

	"partnercenter/internal/app"
)

// Mount registers the console's routes on mux.
func Mount(mux *http.ServeMux, a *app.App) {}
