package api

import (
	"slices"

	"partnercenter/internal/auth"
)

// BSSRoutes is the route table's BSS-compatible operations: the provider's
// partner API that the public SDK calls, without the co-selling extension
// (whose operations, all behind the opportunity permission, the SDK does not
// know).
func BSSRoutes() []Route {
	return slices.DeleteFunc(slices.Clone(bssRoutes), func(r Route) bool { return r.Permission == auth.PermOpportunity })
}
