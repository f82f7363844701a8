// Package api serves the partner API: the routes compatible with the
// provider's BSS v2 partner API (SDK-HMAC-SHA256 signed, errors as
// {"error_code","error_msg"}) and our extensions under the same conventions.
package api

import (
	"net/http"

	"partnercenter/internal/app"
)

// Mount registers the API's routes on mux.
func Mount(mux *http.ServeMux, a *app.App) {}
