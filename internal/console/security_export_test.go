package console

import (
	"slices"

	"partnercenter/internal/app"
)

// PagePaths returns the path of every GET route of the console, as the
// route table registers it (wildcards as {name}), sorted: the security tests
// walk them so that a new page is covered without an edit there.
func PagePaths(a *app.App) []string {
	h := testHandler(a)
	out := make([]string, 0, len(h.routes))
	for p := range h.routes {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
