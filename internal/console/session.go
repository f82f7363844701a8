package console

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// Cookie names. The session cookie holds the token auth.SignIn returned;
// the database keeps only its hash.
const (
	sessionCookie = "pc_session"
	langCookie    = "pc_lang"
	flashCookie   = "pc_flash"
)

func (h *handler) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: h.app.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (h *handler) clearSession(w http.ResponseWriter) { h.setCookie(w, sessionCookie, "", -1) }

// langFromCookie is the language chosen before signing in, or the default.
func langFromCookie(r *http.Request) i18n.Lang {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := i18n.Parse(c.Value); ok {
			return l
		}
	}
	return i18n.Default
}

// flash is a one-time message shown on the page after a redirect.
type flash struct {
	Text  string
	Error bool
}

// setFlash remembers a message for the next page; key names a catalogue
// message, arg fills its one placeholder if it has one.
func (c *call) setFlash(key string, isErr bool, arg ...string) {
	v := url.Values{"k": {key}}
	if isErr {
		v.Set("e", "1")
	}
	if len(arg) > 0 {
		v.Set("a", arg[0])
	}
	c.h.setCookie(c.w, flashCookie, v.Encode(), 60)
}

// takeFlash reads and clears the pending message. Only catalogue messages
// are shown, so a forged cookie cannot put text of its own on the page.
func (c *call) takeFlash() *flash {
	ck, err := c.r.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	c.h.setCookie(c.w, flashCookie, "", -1)
	v, err := url.ParseQuery(ck.Value)
	if err != nil || !i18n.Has(v.Get("k")) {
		return nil
	}
	var args []any
	if a := v.Get("a"); a != "" {
		args = append(args, a)
	}
	return &flash{Text: c.t(v.Get("k"), args...), Error: v.Get("e") == "1"}
}

// safeNext keeps a post-sign-in destination only when it is a console page
// of this site (or a page a customer opens from a link, where the language
// switch returns), so that the sign-in page cannot be used to send users
// away.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !(strings.HasPrefix(u.Path, "/console/") || isLinkPage(u.Path)) ||
		strings.HasPrefix(next, "//") || strings.Contains(next, `\`) || strings.HasPrefix(u.Path, "/console/signin") {
		return ""
	}
	return u.RequestURI()
}

// refererPath is the console page a form was posted from.
func refererPath(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host {
		return ""
	}
	return safeNext(u.RequestURI())
}

func (h *handler) start(c *call) error {
	c.redirect(homeOf(c.p))
	return nil
}

type signInData struct {
	Expired bool
}

func (h *handler) signInPage(c *call) error {
	if c.p != nil {
		c.redirect(homeOf(c.p))
		return nil
	}
	q := c.r.URL.Query()
	f := newForm(url.Values{"next": {safeNext(q.Get("next"))}})
	return c.render(http.StatusOK, "signin", &view{Title: "signin.title", Form: f, Data: signInData{Expired: q.Get("expired") == "1"}})
}

func (h *handler) signIn(c *call) error {
	f := newForm(c.postForm())
	username, password := strings.TrimSpace(f.Get("username")), f.Values.Get("password")
	u, token, err := auth.SignIn(c.r.Context(), h.app.DB, username, password, clientIP(c.r), c.r.UserAgent())
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return err
		}
		// One message whatever was wrong, so the page does not tell whether
		// the user name exists.
		f.Error = c.errText(e)
		status := http.StatusUnauthorized
		if errors.Is(err, auth.ErrThrottled) {
			status = http.StatusTooManyRequests
		}
		f.Values.Del("password")
		return c.render(status, "signin", &view{Title: "signin.title", Form: f, Data: signInData{}})
	}
	h.setCookie(c.w, sessionCookie, token, 0)
	h.setCookie(c.w, langCookie, u.Locale, 365*24*3600)
	next := safeNext(f.Get("next"))
	if next == "" {
		next = homeOf(u.Principal())
	}
	c.redirect(next)
	return nil
}

func (h *handler) signOut(c *call) error {
	if c.token != "" {
		if err := auth.SignOut(c.r.Context(), h.app.DB, c.token); err != nil {
			return err
		}
	}
	h.clearSession(c.w)
	return c.done("signin.signed_out", "/console/signin")
}

// setLocale switches the language: remembered on the account of a signed-in
// user, and in a cookie for the sign-in page.
func (h *handler) setLocale(c *call) error {
	form := c.postForm()
	lang, ok := i18n.Parse(form.Get("lang"))
	if ok {
		if c.p != nil {
			err := h.app.DB.InTx(c.r.Context(), func(tx *store.Tx) error {
				return auth.SetLocale(c.r.Context(), tx, c.p.UserID, string(lang))
			})
			if err != nil {
				return err
			}
		}
		h.setCookie(c.w, langCookie, string(lang), 365*24*3600)
	}
	next := safeNext(form.Get("next"))
	if next == "" {
		next = "/console/signin"
		if c.p != nil {
			next = homeOf(c.p)
		}
	}
	c.redirect(next)
	return nil
}

func (h *handler) passwordPage(c *call) error {
	return c.render(http.StatusOK, "password", &view{Title: "password.title", Form: newForm(nil)})
}

func (h *handler) changePassword(c *call) error {
	f := newForm(c.postForm())
	current, next, confirm := f.Values.Get("current"), f.Values.Get("new"), f.Values.Get("confirm")
	if next != confirm {
		f.fieldError("confirm", c.t("password.mismatch"))
	}
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if err := auth.ChangePassword(ctx, tx, c.p.UserID, current, next, auth.HashToken(c.token)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "user.password", ObjectType: "user", ObjectID: c.p.UserID})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		f.Values = nil // passwords are never sent back
		return c.render(http.StatusUnprocessableEntity, "password", &view{Title: "password.title", Form: f})
	}
	return c.done("password.changed", homeOf(c.p))
}

// clientIP is the address the sign-in throttle counts failures by.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
