package console

import (
	"net/http"

	"partnercenter/internal/app"
	"partnercenter/internal/auth"
	"partnercenter/internal/platform/i18n"
)

// NavPaths returns the pages of the menu a principal sees, in order.
func NavPaths(a *app.App, p *auth.Principal) []string {
	var out []string
	var walk func([]navItem)
	walk = func(items []navItem) {
		for _, it := range items {
			if it.Path != "" {
				out = append(out, it.Path)
			}
			walk(it.Children)
		}
	}
	walk(testHandler(a).nav(p, i18n.Default, ""))
	return out
}

// MenuPages returns every page of the navigation tables that exists today.
func MenuPages(a *app.App) []string {
	h := testHandler(a)
	var out []string
	for _, e := range append(partnerMenu, staffMenu...) {
		if _, ok := h.routes[e.Path]; ok && e.Path != "" {
			out = append(out, e.Path)
		}
	}
	return out
}

func testHandler(a *app.App) *handler {
	h := newHandler(http.NewServeMux(), a)
	h.routesTable()
	return h
}
