package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"partnercenter/internal/app"
	"partnercenter/internal/auth"
	"partnercenter/internal/demo"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
)

// env is the whole server on a test database holding the demo data.
type env struct {
	t   testing.TB
	db  *store.DB
	app *app.App
	srv *httptest.Server
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	if err := demo.Load(context.Background(), db); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	sealer, err := auth.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	a := &app.App{DB: db, Sealer: sealer, Log: slog.New(slog.DiscardHandler), Metrics: metrics.New()}
	srv := httptest.NewServer(server.New(a))
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, app: a, srv: srv}
}

// client is one browser-like visitor: it keeps cookies and does not follow
// redirects, so that tests see them.
type client struct {
	e  *env
	hc *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.e.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (c *client) get(path string) (*http.Response, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	return c.do(req)
}

// post submits a form as a same-origin browser page would.
func (c *client) post(path string, form url.Values, header ...string) (*http.Response, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// signIn signs the client in with the demo password and checks it worked.
func (c *client) signIn(username string) {
	c.e.t.Helper()
	resp, body := c.post("/console/signin", url.Values{"username": {username}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		c.e.t.Fatalf("sign in as %s: status %d\n%s", username, resp.StatusCode, body)
	}
}

func (c *client) cookie(name string) *http.Cookie {
	u, _ := url.Parse(c.e.srv.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// signedIn starts the server on db and signs a new client in.
func signedIn(t testing.TB, db *store.DB, username string) (*env, *client) {
	t.Helper()
	e := newEnv(t, db)
	c := e.client()
	c.signIn(username)
	return e, c
}
