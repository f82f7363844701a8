package console_test

import (
	"context"
	"html/template"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/chromedp"

	"partnercenter/internal/access"
	"partnercenter/internal/app"
	"partnercenter/internal/auth"
	"partnercenter/internal/demo"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/server"
	"partnercenter/internal/sso/ssotest"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// idpPage posts the SAML response back to the ACS as an IdP's page does.
var idpPage = template.Must(template.New("idp").Parse(`<!doctype html><html><body>
<form method="post" action="{{.ACS}}" id="saml"><input type="hidden" name="SAMLResponse" value="{{.Response}}">
<input type="hidden" name="RelayState" value="{{.Relay}}"><noscript><button>Continue</button></noscript></form>
<script>document.getElementById("saml").submit()</script></body></html>`))

// TestBrowserSSO signs in through a test identity provider: the sign-in
// page's 企业单点登录 form, the link on to the IdP, the IdP's page posting
// the signed response back, and the console's home page. The console is
// served over TLS (as in production, with Secure cookies); the IdP is
// another TLS server on this machine that signs in whoever asks as the
// partner's main account.
func TestBrowserSSO(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	if err := demo.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	sealer, err := auth.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	a := &app.App{DB: db, Sealer: sealer, Log: slog.New(slog.DiscardHandler), Metrics: metrics.New(), SecureCookies: true}
	srv := httptest.NewUnstartedServer(server.New(a))
	// The browser's first connections, before it is told to accept the
	// test certificates, fail their handshakes; that is not worth a log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e := &env{t: t, db: db, app: a, srv: srv}

	var idp *ssotest.IdP
	idpSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := ssotest.DecodeRequest(r.URL.String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		doc := idp.Build(t, ssotest.Response{Now: db.Now(), InResponseTo: req.ID, Destination: req.ACSURL, Recipient: req.ACSURL,
			Audience: req.Issuer, NameID: "reseller@partner.example", SignResponse: true, SignAssertion: true})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = idpPage.Execute(w, map[string]string{"ACS": req.ACSURL, "Response": ssotest.Encode(doc), "Relay": req.RelayState})
	}))
	idpSrv.Config.ErrorLog = srv.Config.ErrorLog
	idpSrv.StartTLS()
	t.Cleanup(idpSrv.Close)
	idp = ssotest.New(t, "https://idp.reseller.example/saml", idpSrv.URL+"/sso")

	// The reseller uploads the IdP's metadata on 接入配置.
	p, err := partner.GetByName(ctx, db.Reader(), "reseller")
	if err != nil {
		t.Fatal(err)
	}
	md := idp.Metadata()
	err = db.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := access.Configure(ctx, tx, p.ID, access.RegistrationInput{PlatformName: "经销商商城", ContactName: "钱进",
			ContactPhone: "13900001234", ContactEmail: "ops@reseller.example", IdPMetadata: &md,
			PayReturnURL: "https://shop.reseller.example/paid", RechargeReturnURL: "https://shop.reseller.example/recharged"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, e)
	// Both servers have certificates of their own making.
	if _, err := chromedp.Call(b.ctx, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true}); err != nil {
		t.Fatalf("accept the test certificates: %v", err)
	}
	b.open("/console/signin?next=%2Fconsole%2Fcustomers")
	b.do("type the platform identifier", chromedp.SendKeys(chromedp.CSS("#f-platform"), p.XAccountType))
	b.clickAndLoad(`#sso-signin button[type=submit]`)
	if got := b.text("#sso-organisation"); !strings.Contains(got, "经销商商城") {
		t.Errorf("the organisation shown: %q", got)
	}
	b.screenshot("sso-start")
	b.checkConsole("企业单点登录")

	// On to the IdP, whose page posts the response back; the console
	// lands on the page asked for, signed in.
	b.do("continue to the identity provider", chromedp.Click(chromedp.CSS("#sso-continue"), chromedp.NodeVisible))
	deadline := time.Now().Add(30 * time.Second)
	for {
		loc := eval[string](b, `location.href`)
		if loc == srv.URL+"/console/customers" {
			break
		}
		if time.Now().After(deadline) {
			body := eval[string](b, `document.body ? document.body.innerText : ""`)
			t.Fatalf("single sign-on ended at %s:\n%s", loc, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.do("wait for the page", chromedp.WaitVisible(chromedp.CSS("nav.topnav")))
	if got := b.text("details.account > summary"); !strings.Contains(got, p.DisplayName) {
		t.Errorf("signed in as %q, want the reseller %q", got, p.DisplayName)
	}
	b.screenshot("sso-signed-in")
	b.checkConsole("after single sign-on")
}
