// Package openapi holds the API document, the source of truth for the shape
// of the partner API (OpenAPI 3.1), embedded so that the binary serves it
// without files beside it.
package openapi

import _ "embed"

// JSON is openapi.json as written.
//
//go:embed openapi.json
var JSON []byte
