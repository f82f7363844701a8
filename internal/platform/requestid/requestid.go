// Package requestid carries the id of the request being served, so that logs,
// audit entries and API error answers name the same request.
package requestid

import "context"

// Header is the response (and optional request) header that carries the id.
const Header = "X-Request-Id"

type key struct{}

// With returns a context carrying id.
func With(ctx context.Context, id string) context.Context { return context.WithValue(ctx, key{}, id) }

// From returns the request id of ctx, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}
