package console

import (
	"strings"

	"partnercenter/internal/app"
	"partnercenter/internal/auth"
)

// Route is a console route as the route table registers it, for the
// isolation tests: every method and path, with what opens it.
type Route struct {
	Method string // "" when the route answers any method
	Path   string // with its wildcards as {name}; a trailing {$} dropped
	// Need are the permissions that open the route (any signed-in user
	// when empty); Session is false for the pages that answer without one.
	Need    []auth.Permission
	Session bool
}

// Routes lists every route that page and public register, in the route
// table's order, so that a new route is covered without an edit to the
// tests that walk them.
func Routes(a *app.App) []Route {
	h := testHandler(a)
	out := make([]Route, 0, len(h.registered))
	for _, r := range h.registered {
		method, path, ok := strings.Cut(r.pattern, " ")
		if !ok {
			method, path = "", r.pattern
		}
		path = strings.TrimSuffix(path, "{$}")
		out = append(out, Route{Method: method, Path: path, Need: r.need, Session: r.required})
	}
	return out
}
