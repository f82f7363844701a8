package console

import (
	"bytes"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/requestid"
)

// call is one request being served: who asks, in which language and zone.
type call struct {
	h     *handler
	w     http.ResponseWriter
	r     *http.Request
	p     *auth.Principal // nil when nobody is signed in
	token string          // the session token, when signed in
	lang  i18n.Lang
	loc   *time.Location
}

// t returns a message in the caller's language.
func (c *call) t(key string, args ...any) string { return i18n.T(c.lang, key, args...) }

// errText is a domain error in the caller's language.
func (c *call) errText(e *apperr.Error) string { return i18n.T(c.lang, e.Key, e.Args...) }

// view is what every page template receives. Handlers fill Title, Active,
// Data and Form; render fills the rest.
type view struct {
	Title  string // message key
	Active string // path of the menu entry this page belongs to
	Data   any
	Form   *form

	Lang    i18n.Lang
	Langs   []i18n.Lang
	User    *auth.Principal
	Nav     []navItem
	Home    string
	Flash   *flash
	Here    string // this page's address, where a language switch returns
	Loc     *time.Location
	Version string // asset version
	Unread  int    // the header bell's count of unread notifications
}

// serve runs a console handler: it resolves the session, checks the
// permission, sets the language, and turns a returned error into a page.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, required bool, need []auth.Permission, fn func(*call) error) {
	c := &call{h: h, w: w, r: r, lang: langFromCookie(r), loc: i18n.Location("")}
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("Cache-Control", "no-store")
	if h.app.SecureCookies {
		// Served over TLS: the browser keeps to HTTPS for a year, so that a
		// later plain-HTTP visit cannot be intercepted before the redirect.
		hdr.Set("Strict-Transport-Security", "max-age=31536000")
	}

	if cookie, err := r.Cookie(sessionCookie); err == nil && cookie.Value != "" {
		u, err := auth.Authenticate(r.Context(), h.app.DB, cookie.Value)
		switch {
		case err == nil:
			c.p, c.token = u.Principal(), cookie.Value
			c.lang, _ = i18n.Parse(u.Locale)
			c.loc = i18n.Location(u.TimeZone)
			c.r = r.WithContext(auth.WithPrincipal(r.Context(), c.p))
		case errors.Is(err, auth.ErrNoSession):
			h.clearSession(w)
			if required {
				c.toSignIn(true)
				return
			}
		default:
			c.fail(err)
			return
		}
	}
	if required && c.p == nil {
		c.toSignIn(false)
		return
	}
	if len(need) > 0 && !c.can(need) {
		c.fail(apperr.New(apperr.Forbidden, "error.forbidden.title", "forbidden"))
		return
	}
	if err := fn(c); err != nil {
		c.fail(err)
	}
}

// can reports whether the caller holds one of the permissions.
func (c *call) can(need []auth.Permission) bool {
	for _, p := range need {
		if c.p.Can(p) {
			return true
		}
	}
	return false
}

// toSignIn sends a visitor without a live session to the sign-in page,
// remembering the page it wanted.
func (c *call) toSignIn(expired bool) {
	q := url.Values{}
	want := c.r.URL.RequestURI()
	if c.r.Method != http.MethodGet {
		want = refererPath(c.r)
	}
	if want != "" && want != "/console/" {
		q.Set("next", want)
	}
	if expired {
		q.Set("expired", "1")
	}
	target := "/console/signin"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	c.redirect(target)
}

// redirect answers with a See Other; an htmx request is told to load the
// whole page, so that a sign-in page never lands inside a table.
func (c *call) redirect(target string) {
	if c.r.Header.Get("HX-Request") == "true" {
		c.w.Header().Set("HX-Redirect", target)
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(c.w, c.r, target, http.StatusSeeOther)
}

// fail answers with the page for an error: not found, forbidden, or an
// internal error whose details go to the log and never to the user.
func (c *call) fail(err error) {
	e, _ := apperr.As(err)
	switch apperr.CodeOf(err) {
	case apperr.NotFound:
		c.errorPage(http.StatusNotFound, "error.not_found.title", c.t("error.not_found.body"))
	case apperr.Forbidden:
		c.errorPage(http.StatusForbidden, "error.forbidden.title", c.t("error.forbidden.body"))
	case apperr.Unauthorized:
		c.toSignIn(true)
	case apperr.Invalid, apperr.Conflict, apperr.RateLimited, apperr.Insufficient:
		c.errorPage(http.StatusBadRequest, "error.internal.title", c.errText(e))
	default:
		id := requestid.From(c.r.Context())
		c.h.app.Log.Error("console: request failed", "request_id", id, "path", c.r.URL.Path, "err", err)
		c.errorPage(http.StatusInternalServerError, "error.internal.title", c.t("error.internal.body", id))
	}
}

func (c *call) errorPage(status int, title, body string) {
	_ = c.render(status, "error", &view{Title: title, Data: body})
}

// notFound answers every console address no route matches.
func (h *handler) notFound(c *call) error {
	return apperr.NotFoundf("error.not_found.title", "no such page")
}

// crossOriginRefused answers a state-changing request from another site.
func (h *handler) crossOriginRefused(w http.ResponseWriter, r *http.Request) {
	c := &call{h: h, w: w, r: r, lang: langFromCookie(r), loc: i18n.Location("")}
	c.errorPage(http.StatusForbidden, "error.cross_origin.title", c.t("error.cross_origin.body"))
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes a page template and writes it whole, so that a template
// error never leaves half a page behind.
func (c *call) render(status int, name string, v *view) error {
	tmpl := c.h.pages[c.lang][name]
	if tmpl == nil {
		tmpl = c.h.pages[i18n.Default][name]
	}
	v.Lang, v.Langs, v.User, v.Loc, v.Version = c.lang, i18n.Langs, c.p, c.loc, c.h.assetVersion
	v.Here = c.r.URL.RequestURI()
	v.Flash = c.takeFlash()
	if c.p != nil {
		v.Nav = c.h.nav(c.p, c.lang, v.Active)
		v.Home = homeOf(c.p)
		v.Unread = c.h.unreadCount(c)
	}
	entry := "layout"
	if c.p == nil {
		entry = "bare"
	}
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer buffers.Put(buf)
	if err := tmpl.ExecuteTemplate(buf, entry, v); err != nil {
		c.h.app.Log.Error("console: render failed", "template", name, "err", err)
		http.Error(c.w, "internal error", http.StatusInternalServerError)
		return nil
	}
	c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.w.WriteHeader(status)
	_, err := c.w.Write(buf.Bytes())
	return err
}

// homeOf is the page the account menu's 伙伴中心 leads to.
func homeOf(p *auth.Principal) string {
	if p.IsStaff() {
		return "/console/staff"
	}
	return "/console/home"
}

// parseTemplates builds each page once per language: the layout and
// partials, then the page's own file. The t function is bound to the
// language, so that templates read {{t "nav.sales"}}.
func parseTemplates() map[i18n.Lang]map[string]*template.Template {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[i18n.Lang]map[string]*template.Template{}
	for _, lang := range i18n.Langs {
		base := template.Must(template.New("base").Funcs(funcs(lang)).ParseFS(templateFS, "templates/layout.html", "templates/partials.html"))
		out[lang] = map[string]*template.Template{}
		for _, f := range files {
			name := strings.TrimSuffix(path.Base(f), ".html")
			if name == "layout" || name == "partials" {
				continue
			}
			out[lang][name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
		}
	}
	return out
}
