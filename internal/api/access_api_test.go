package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"partnercenter/internal/access"
	"partnercenter/internal/api"
	"partnercenter/internal/api/signing"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// partnerKey makes a key of the distributor through the access rules, as 接入配置 does.
func (f *fixture) partnerKey(t *testing.T, p *partner.Partner, in access.KeyInput) *auth.AccessKey {
	t.Helper()
	var k *auth.AccessKey
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Kind: auth.KindPartner, PartnerID: p.ID, UserID: "u", Username: "admin"})
	if err := f.db.InTx(ctx, func(tx *store.Tx) (err error) {
		k, err = access.CreateKey(ctx, tx, f.app.Sealer, p.ID, in, api.OperationIDs())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return k
}

// customerCount is how many customers a partner has, to check that a
// refused request created none.
func (f *fixture) customerCount(t *testing.T, p *partner.Partner) int {
	t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM customers WHERE partner_id = ?`, p.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const createPath = "/v2/partners/sub-customers"

func createBody(p *partner.Partner, id string) []byte {
	return []byte(`{"xaccount_id":"` + id + `","xaccount_type":"` + p.XAccountType + `"}`)
}

func TestKeyChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		ctx := t.Context()
		n := 0
		// refused sends a creation with key and checks the refusal and that
		// no customer was created.
		refused := func(what string, key *auth.AccessKey, status int, code, want string) {
			t.Helper()
			before := f.customerCount(t, f.dist)
			n++
			a := call(t, srv, key, f.dist.DomainID, "POST", createPath, createBody(f.dist, "refused-"+string(rune('a'+n))), nil)
			a.wantError(t, status, code)
			if !strings.Contains(a.Error.Msg, want) {
				t.Errorf("%s: error_msg %q does not say %q", what, a.Error.Msg, want)
			}
			if f.customerCount(t, f.dist) != before {
				t.Fatalf("%s: a refused request created a customer", what)
			}
		}
		partnerCtx := auth.WithPrincipal(ctx, &auth.Principal{Kind: auth.KindPartner, PartnerID: f.dist.ID, UserID: "u", Username: "admin"})
		in := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := db.InTx(partnerCtx, fn); err != nil {
				t.Fatal(err)
			}
		}

		// Disabled, then enabled again.
		k := f.partnerKey(t, f.dist, access.KeyInput{})
		in(func(tx *store.Tx) error { return access.SetKeyDisabled(partnerCtx, tx, f.dist.ID, k.ID, true) })
		refused("disabled", k, http.StatusUnauthorized, "PC.0304", "disabled")
		in(func(tx *store.Tx) error { return access.SetKeyDisabled(partnerCtx, tx, f.dist.ID, k.ID, false) })
		if a := call(t, srv, k, f.dist.DomainID, "POST", createPath, createBody(f.dist, "enabled-1"), nil); a.Status != http.StatusOK {
			t.Fatalf("enabled again: %d %s", a.Status, a.Body)
		}
		// The key's last use is recorded, with the caller's address.
		used, _ := access.GetKey(ctx, db.Reader(), f.dist.ID, k.ID)
		if used.LastUsedAt.IsZero() || used.LastUsedIP != "127.0.0.1" {
			t.Fatalf("last use %v from %q", used.LastUsedAt, used.LastUsedIP)
		}

		// Revoked by the provider: the message says so and why.
		staff := auth.WithPrincipal(ctx, &auth.Principal{Kind: auth.KindStaff, UserID: "s", Username: "support"})
		revoked := f.partnerKey(t, f.dist, access.KeyInput{})
		if err := db.InTx(staff, func(tx *store.Tx) error { return access.RevokeKey(staff, tx, revoked.ID, "SK 泄露到公开仓库") }); err != nil {
			t.Fatal(err)
		}
		refused("revoked", revoked, http.StatusUnauthorized, "PC.0304", "revoked by the provider: SK 泄露到公开仓库")
		in(func(tx *store.Tx) error { return access.DeleteKey(partnerCtx, tx, f.dist.ID, revoked.ID) }) // room for more keys

		// Deleted: as if it never existed.
		deleted := f.partnerKey(t, f.dist, access.KeyInput{})
		in(func(tx *store.Tx) error { return access.DeleteKey(partnerCtx, tx, f.dist.ID, deleted.ID) })
		refused("deleted", deleted, http.StatusUnauthorized, "PC.0302", "not exist")

		// Rotated: both keys work in the window; after it the old one is
		// refused. The rotation is made two hours back with a one-hour
		// window, so the window has ended now.
		f.skew.Store(int64(-2 * time.Hour))
		var next *auth.AccessKey
		in(func(tx *store.Tx) (err error) {
			next, err = access.RotateKey(partnerCtx, tx, f.app.Sealer, f.dist.ID, k.ID, time.Hour)
			return err
		})
		f.skew.Store(0)
		refused("rotated out", k, http.StatusUnauthorized, "PC.0306", "rotated out")
		if a := call(t, srv, next, f.dist.DomainID, "POST", createPath, createBody(f.dist, "successor-1"), nil); a.Status != http.StatusOK {
			t.Fatalf("the successor: %d %s", a.Status, a.Body)
		}
		inWindow := f.partnerKey(t, f.dist, access.KeyInput{})
		in(func(tx *store.Tx) error {
			_, err := access.RotateKey(partnerCtx, tx, f.app.Sealer, f.dist.ID, inWindow.ID, 24*time.Hour)
			return err
		})
		if a := call(t, srv, inWindow, f.dist.DomainID, "POST", createPath, createBody(f.dist, "in-window-1"), nil); a.Status != http.StatusOK {
			t.Fatalf("the old key within its window: %d %s", a.Status, a.Body)
		}

		// Allow-list (on another partner's keys: the distributor's five are
		// taken): the connection's address decides, not X-Forwarded-For.
		elsewhere := f.partnerKey(t, f.plain, access.KeyInput{AllowList: []string{"203.0.113.0/24"}})
		before := f.customerCount(t, f.plain)
		a := call(t, srv, elsewhere, f.plain.DomainID, "POST", createPath, createBody(f.plain, "forwarded-1"),
			http.Header{"X-Forwarded-For": {"203.0.113.9"}})
		a.wantError(t, http.StatusForbidden, "PC.0307")
		if !strings.Contains(a.Error.Msg, "127.0.0.1") || f.customerCount(t, f.plain) != before {
			t.Fatalf("outside the allow-list: %s", a.Body)
		}
		here := f.partnerKey(t, f.plain, access.KeyInput{AllowList: []string{"127.0.0.1", "10.0.0.0/8"}})
		if a := call(t, srv, here, f.plain.DomainID, "POST", createPath, createBody(f.plain, "allowed-1"), nil); a.Status != http.StatusOK {
			t.Fatalf("inside the allow-list: %d %s", a.Status, a.Body)
		}
	})
}

func TestKeyScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		k := f.partnerKey(t, f.dist, access.KeyInput{Scope: []string{"ListSubCustomers"}})
		before := f.customerCount(t, f.dist)
		a := call(t, srv, k, f.dist.DomainID, "POST", createPath, createBody(f.dist, "scoped-1"), nil)
		a.wantError(t, http.StatusForbidden, "PC.0308")
		if !strings.Contains(a.Error.Msg, "CreateSubCustomer") || f.customerCount(t, f.dist) != before {
			t.Fatalf("outside the scope: %s", a.Body)
		}
		if a := call(t, srv, k, f.dist.DomainID, "POST", "/v2/partners/sub-customers/query", []byte(`{}`), nil); a.Status != http.StatusOK {
			t.Fatalf("inside the scope: %d %s", a.Status, a.Body)
		}
	})
}

// sendTwice signs one request and sends the very same bytes twice, as one
// who captured it would.
func sendTwice(t *testing.T, srv *httptest.Server, key *auth.AccessKey, p *partner.Partner, body []byte, header http.Header) [2]apiAnswer {
	t.Helper()
	r, err := http.NewRequest("POST", srv.URL+createPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Domain-Id", p.DomainID)
	for k, v := range header {
		r.Header[k] = v
	}
	if err := signing.Sign(r, body, key.ID, key.Secret, time.Now()); err != nil {
		t.Fatal(err)
	}
	var out [2]apiAnswer
	for i := range out {
		again := r.Clone(t.Context())
		again.Body = io.NopCloser(bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(again)
		if err != nil {
			t.Fatal(err)
		}
		out[i].Status, out[i].Header = resp.StatusCode, resp.Header
		out[i].Body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	return out
}

func TestReplayedMutationRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		before := f.customerCount(t, f.dist)
		got := sendTwice(t, srv, f.distKey, f.dist, createBody(f.dist, "replayed-1"), nil)
		if got[0].Status != http.StatusOK || got[1].Status != http.StatusUnauthorized || !strings.Contains(string(got[1].Body), `"PC.0309"`) {
			t.Fatalf("a replay: %d %s, then %d %s", got[0].Status, got[0].Body, got[1].Status, got[1].Body)
		}
		if f.customerCount(t, f.dist) != before+1 {
			t.Fatal("the replay created a customer")
		}
		// With an Idempotency-Key the copy is answered as the first was.
		got = sendTwice(t, srv, f.distKey, f.dist, createBody(f.dist, "replayed-2"), http.Header{"Idempotency-Key": {"create-replayed-2"}})
		if got[0].Status != http.StatusOK || got[1].Status != http.StatusOK || got[1].Header.Get("Idempotency-Replayed") != "true" ||
			!bytes.Equal(got[0].Body, got[1].Body) {
			t.Fatalf("an idempotent retry: %d %s, then %d %s", got[0].Status, got[0].Body, got[1].Status, got[1].Body)
		}
		// A query may be sent again.
		r := call(t, srv, f.distKey, f.dist.DomainID, "POST", "/v2/partners/sub-customers/query", []byte(`{}`), nil)
		again := call(t, srv, f.distKey, f.dist.DomainID, "POST", "/v2/partners/sub-customers/query", []byte(`{}`), nil)
		if r.Status != http.StatusOK || again.Status != http.StatusOK {
			t.Fatalf("a repeated query: %d then %d", r.Status, again.Status)
		}
		if f.customerCount(t, f.dist) != before+2 {
			t.Fatalf("%d customers created, want 2", f.customerCount(t, f.dist)-before)
		}
	})
}

// Customers created through the API carry the platform identifier that
// completing 接入配置 assigned; before it, the API says to complete it.
func TestCustomersCarryThePlatformIdentifier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		ctx := t.Context()
		var p *partner.Partner
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			p, err = partner.Create(ctx, tx, partner.NewPartner{Name: storetest.Name("newcomer"), Type: partner.Reseller, Stage: partner.Registered})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		k := f.partnerKey(t, p, access.KeyInput{})
		c := client(t, srv, k.ID, k.Secret, p.DomainID)
		_, err := c.CreateSubCustomer(&model.CreateSubCustomerRequest{Body: &model.CreateCustomerV2Req{XaccountId: "user-1", XaccountType: "anything"}})
		se := wantSDKError(t, err, http.StatusBadRequest, "CBC.0100")
		if !strings.Contains(se.ErrorMessage, "complete the access configuration first") || f.customerCount(t, p) != 0 {
			t.Fatalf("before configuration: %q", se.ErrorMessage)
		}

		var xat string
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			_, xat, err = access.Configure(ctx, tx, p.ID, access.RegistrationInput{PlatformName: "新平台", ContactName: "李雷",
				ContactPhone: "13800001111", ContactEmail: "li@newcomer.example", PayReturnURL: "https://newcomer.example/paid",
				RechargeReturnURL: "https://newcomer.example/recharged"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		created, err := c.CreateSubCustomer(&model.CreateSubCustomerRequest{Body: &model.CreateCustomerV2Req{XaccountId: "user-1", XaccountType: xat}})
		if err != nil {
			t.Fatal(err)
		}
		got := subCustomers(t, c, model.QuerySubCustomerListReq{CustomerId: created.DomainId}, 1)[0]
		if *got.XaccountType != xat || *got.XaccountId != "user-1" || !strings.HasPrefix(xat, "pc_") {
			t.Fatalf("the customer carries %q/%q, the platform is %q", *got.XaccountType, *got.XaccountId, xat)
		}
	})
}

// The provider documents 10 requests a second per key and operation, 5 for
// CheckUserIdentity: the 6th at once is refused in the SDK's error shape,
// while the same key's other operations go on.
func TestRateLimitPerOperation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := f.start(t, server.New(f.app))
		check := &model.CheckUserIdentityRequest{Body: &model.CheckSubcustomerUserReq{SearchType: "name", SearchValue: "nobody-here"}}
		// The bucket refills at 5 a second; on a busy machine six calls
		// may take longer than the 200 ms that refills one, so a run that
		// did is tried again with a fresh key.
		for attempt := 0; ; attempt++ {
			k := f.partnerKey(t, f.plain, access.KeyInput{})
			c := client(t, srv, k.ID, k.Secret, f.plain.DomainID)
			start := time.Now()
			var limited error
			ok := 0
			for range 6 {
				if _, err := c.CheckUserIdentity(check); err != nil {
					limited = err
					break
				}
				ok++
			}
			if limited == nil && time.Since(start) > 150*time.Millisecond && attempt < 3 {
				continue
			}
			if ok != 5 {
				t.Fatalf("%d calls passed before the limit, want 5 (%v)", ok, limited)
			}
			var se *sdkerr.ServiceResponseError
			if !errors.As(limited, &se) || se.StatusCode != http.StatusTooManyRequests || se.ErrorCode != "APIGW.0308" {
				t.Fatalf("the 6th call: %v", limited)
			}
			if _, err := c.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{}}); err != nil {
				t.Fatalf("another operation of the same key: %v", err)
			}
			return
		}
	})
}

func TestRateLimitConfiguration(t *testing.T) {
	cfg, err := api.ConfigFromEnv(func(k string) string {
		return map[string]string{api.EnvRateLimits: "CheckUserIdentity=2, ListSubCustomers=20", api.EnvTrustedProxies: "10.0.0.0/8,192.0.2.1"}[k]
	})
	if err != nil || cfg.RateLimit != 10 || cfg.RateLimits["CheckUserIdentity"] != 2 || cfg.RateLimits["ListSubCustomers"] != 20 || len(cfg.TrustedProxies) != 2 {
		t.Fatalf("%+v %v", cfg, err)
	}
	for _, bad := range []map[string]string{{api.EnvRateLimits: "CheckUserIdentity"}, {api.EnvRateLimits: "X=-1"}, {api.EnvTrustedProxies: "proxy.local"}} {
		if _, err := api.ConfigFromEnv(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// Behind a trusted proxy the client is the nearest untrusted address of
// X-Forwarded-For; what the client itself put further left is not believed.
func TestAllowListBehindTrustedProxy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cfg := api.DefaultConfig()
		cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		srv := f.startAPI(t, cfg)
		k := f.partnerKey(t, f.dist, access.KeyInput{AllowList: []string{"203.0.113.0/24"}})
		for xff, want := range map[string]int{
			"198.51.100.1, 203.0.113.9": http.StatusOK,
			"203.0.113.9, 198.51.100.1": http.StatusForbidden,
			"":                          http.StatusForbidden,
		} {
			a := call(t, srv, k, f.dist.DomainID, "POST", "/v2/partners/sub-customers/query", []byte(`{}`), http.Header{"X-Forwarded-For": {xff}})
			if a.Status != want {
				t.Errorf("X-Forwarded-For %q: %d %s, want %d", xff, a.Status, a.Body, want)
			}
		}
		used, _ := access.GetKey(t.Context(), db.Reader(), f.dist.ID, k.ID)
		if used.LastUsedIP != "203.0.113.9" {
			t.Errorf("last used from %q", used.LastUsedIP)
		}
	})
}
