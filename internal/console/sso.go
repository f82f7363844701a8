package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/sso"
	"partnercenter/internal/store"
)

// Single sign-on through a partner's own SAML identity provider, the
// console being the service provider. The SAML rules live in package sso;
// here are its four addresses: the SP metadata to give the IdP, the start
// of a sign-in (an AuthnRequest by redirect), the assertion consumer
// service that receives the IdP's signed response and opens a session, and
// the form of the sign-in page where a user names the platform.

const ssoPath = "/console/sso"

// ssoCookie holds a random value naming this browser's outstanding
// AuthnRequests, so that a response is accepted only in the browser that
// asked for it.
const ssoCookie = "pc_sso"

func (h *handler) ssoRoutes() {
	h.public("GET "+ssoPath, h.ssoStart)
	h.public("GET "+ssoPath+"/{platform}/metadata", h.ssoMetadata)
	h.public("GET "+ssoPath+"/{platform}/login", h.ssoLogin)
	// The IdP's page posts the response from the IdP's origin, which the
	// cross-origin protection would refuse; the response's signature, its
	// audience and recipient, and the request it must answer in this
	// browser stand in for that protection here.
	h.mux.Handle("POST "+ssoPath+"/{platform}/acs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, false, nil, h.ssoACS)
	}))
}

// spOf is this console's SP for a platform, at the address the browser
// used.
func (c *call) spOf(platform string) sso.SP { return sso.SPFor(c.publicLink(""), platform) }

type ssoStartView struct {
	Platform     string
	PlatformName string
	LoginURL     string
	Error        string
}

// ssoStart answers the sign-in page's 企业单点登录 form. It shows which
// organisation the identifier names and a link on to its IdP: a link, not a
// redirect, because the console's pages allow forms to go only to this site
// and browsers apply that to the redirects that follow a form.
func (h *handler) ssoStart(c *call) error {
	q := c.r.URL.Query()
	platform := strings.TrimSpace(q.Get("platform"))
	f := newForm(url.Values{"platform": {platform}, "next": {safeNext(q.Get("next"))}})
	v := ssoStartView{Platform: platform}
	status := http.StatusOK
	if platform != "" {
		p, err := sso.FindProvider(c.r.Context(), h.app.DB.Reader(), platform)
		switch {
		case err == nil:
			v.PlatformName, v.Platform = p.PlatformName, p.Platform
			v.LoginURL = ssoPath + "/" + url.PathEscape(p.Platform) + "/login"
			if next := f.Get("next"); next != "" {
				v.LoginURL += "?" + url.Values{"next": {next}}.Encode()
			}
		case errors.Is(err, sso.ErrNoSSO):
			v.Error, status = c.t("sso.not_configured"), http.StatusNotFound
			f.fieldError("platform", v.Error)
		default:
			return err
		}
	}
	return c.render(status, "sso_start", &view{Title: "sso.title", Form: f, Data: v})
}

func (h *handler) ssoMetadata(c *call) error {
	p, err := sso.FindProvider(c.r.Context(), h.app.DB.Reader(), c.r.PathValue("platform"))
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "application/samlmetadata+xml")
	c.w.Header().Set("Content-Disposition", `inline; filename="sp-metadata.xml"`)
	_, err = c.w.Write(c.spOf(p.Platform).Metadata())
	return err
}

// ssoLogin sends the browser to the partner's IdP with a new AuthnRequest.
func (h *handler) ssoLogin(c *call) error {
	ctx := c.r.Context()
	p, err := sso.FindProvider(ctx, h.app.DB.Reader(), c.r.PathValue("platform"))
	if err != nil {
		return err
	}
	nonce := ""
	if ck, err := c.r.Cookie(ssoCookie); err == nil && len(ck.Value) == 32 {
		nonce = ck.Value
	} else {
		nonce = ids.Token(24)
	}
	h.setSSOCookie(c.w, nonce)
	var target string
	err = h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		target, err = sso.StartLogin(ctx, tx, p, c.spOf(p.Platform), nonce, safeNext(c.r.URL.Query().Get("next")))
		return err
	})
	if err != nil {
		return err
	}
	http.Redirect(c.w, c.r, target, http.StatusSeeOther)
	return nil
}

// setSSOCookie keeps the browser's nonce for the length of a sign-in. The
// IdP's page posts the response from another site, which carries a Lax
// cookie only when the IdP is on the same site; over TLS the cookie is
// therefore SameSite=None (and Secure).
func (h *handler) setSSOCookie(w http.ResponseWriter, nonce string) {
	ck := &http.Cookie{Name: ssoCookie, Value: nonce, Path: ssoPath + "/", MaxAge: int(sso.RequestLifetime.Seconds()),
		HttpOnly: true, Secure: h.app.SecureCookies, SameSite: http.SameSiteLaxMode}
	if h.app.SecureCookies {
		ck.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, ck)
}

// ssoACS receives the IdP's response, verifies it and signs the user in
// with a new session. Whatever is wrong, nothing is stored and the user sees
// what it was.
func (h *handler) ssoACS(c *call) error {
	ctx := c.r.Context()
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, sso.MaxFormBytes)
	if err := c.r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return c.ssoRefused(http.StatusRequestEntityTooLarge, "", sso.ErrTooLarge)
		}
		return c.ssoRefused(http.StatusBadRequest, "", sso.ErrMalformed)
	}
	platform := c.r.PathValue("platform")
	p, err := sso.FindProvider(ctx, h.app.DB.Reader(), platform)
	if err != nil {
		return err
	}
	doc, err := sso.DecodeResponse(c.r.PostForm.Get("SAMLResponse"))
	if err != nil {
		return c.ssoRefused(http.StatusBadRequest, p.Platform, err)
	}
	sp := c.spOf(p.Platform)
	v := sso.Verifier{IdPEntityID: p.IdP.EntityID, Certs: p.IdP.Certs, SPEntityID: sp.EntityID, ACSURL: sp.ACSURL, Now: h.app.DB.Now()}
	a, err := v.Verify(doc)
	if err != nil {
		return c.ssoRefused(http.StatusForbidden, p.Platform, err)
	}
	nonce := ""
	if ck, err := c.r.Cookie(ssoCookie); err == nil {
		nonce = ck.Value
	}
	var done *sso.SignIn
	err = h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		done, err = sso.Complete(ctx, tx, p, a, nonce, clientIP(c.r), c.r.UserAgent())
		return err
	})
	if err != nil {
		return c.ssoRefused(http.StatusForbidden, p.Platform, err)
	}
	if c.token != "" {
		// The browser's earlier session ends: the new one replaces it.
		if err := auth.SignOut(context.WithoutCancel(ctx), h.app.DB, c.token); err != nil {
			return err
		}
	}
	h.setCookie(c.w, sessionCookie, done.Token, 0)
	h.setCookie(c.w, langCookie, done.User.Locale, 365*24*3600)
	next := safeNext(done.Next)
	if next == "" {
		next = homeOf(done.User.Principal())
	}
	http.Redirect(c.w, c.r, next, http.StatusSeeOther)
	return nil
}

// ssoRefused shows why a response was not accepted. Errors of the response
// are the user's to read (and their IdP administrator's); anything else is
// an internal error.
func (c *call) ssoRefused(status int, platform string, err error) error {
	e, ok := apperr.As(err)
	if !ok || !strings.HasPrefix(e.Key, "sso.") {
		return err
	}
	c.h.app.Log.Warn("console: single sign-on refused", "platform", platform, "reason", e.Key, "ip", clientIP(c.r))
	c.errorPage(status, "sso.failed_title", c.errText(e))
	return nil
}
