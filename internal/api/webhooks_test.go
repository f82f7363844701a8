package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	pc "partnercenter/client"
	"partnercenter/internal/api"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/webhook"
)

// hookReceiver keeps the verified callbacks it receives, by event id.
type hookReceiver struct {
	mu      sync.Mutex
	secrets []string
	bodies  map[string][]json.RawMessage // event id -> bodies received
	bad     int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.secrets {
		if pc.VerifyWebhook(s, r.Header, body, 5*time.Minute) == nil {
			id := r.Header.Get("webhook-id")
			h.bodies[id] = append(h.bodies[id], body)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	h.bad++
	w.WriteHeader(http.StatusUnauthorized)
}

func (h *hookReceiver) received(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies[id])
}

// Callbacks through the Go client: endpoints with their checks and
// tenant isolation, an event of an API call delivered signed, the log, the
// test event, a re-send with the same id, rotation and deletion.
func TestWebhooksThroughTheClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newSolFixture(t, db)
		c := f.own
		rec := &hookReceiver{bodies: map[string][]json.RawMessage{}}
		hooks := httptest.NewServer(rec)
		t.Cleanup(hooks.Close)

		// Bad input is refused by field, and nothing is stored.
		_, err := c.CreateWebhookEndpoint(ctx, pc.WebhookEndpointRequest{URL: str("http://platform.example.com/hooks")})
		extInvalid(t, err, "url")
		_, err = c.CreateWebhookEndpoint(ctx, pc.WebhookEndpointRequest{URL: str(hooks.URL), Events: &[]string{"customer.deleted"}})
		extInvalid(t, err, "events")
		if n := extMust(c.ListWebhookEndpoints(ctx))(t).TotalCount; n != 0 {
			t.Fatalf("refused endpoints were stored: %d", n)
		}

		events := []string{webhook.CustomerAssociated, webhook.FundsAllocated}
		ep := extMust(c.CreateWebhookEndpoint(ctx, pc.WebhookEndpointRequest{URL: str(hooks.URL + "/pc"), Events: &events, Description: str("销售平台")}))(t)
		if !strings.HasPrefix(ep.Secret, "whsec_") || !ep.Enabled || ep.URL != hooks.URL+"/pc" || len(ep.Events) != 2 {
			t.Fatalf("created: %+v", ep)
		}
		rec.secrets = []string{ep.Secret}
		list := extMust(c.ListWebhookEndpoints(ctx))(t)
		if list.TotalCount != 1 || list.Endpoints[0].Secret != "" || list.Endpoints[0].Description != "销售平台" {
			t.Fatalf("listed: %+v", list)
		}

		// Another partner sees none of it.
		_, err = f.other.UpdateWebhookEndpoint(ctx, ep.ID, pc.WebhookEndpointRequest{Enabled: new(bool)})
		extNotFound(t, err)
		extNotFound(t, f.other.DeleteWebhookEndpoint(ctx, ep.ID))
		_, err = f.other.SendWebhookTestEvent(ctx, ep.ID)
		extNotFound(t, err)
		if n := extMust(f.other.ListWebhookEndpoints(ctx))(t).TotalCount; n != 0 {
			t.Fatalf("the other partner lists %d endpoints", n)
		}

		d := webhook.NewDispatcher(db, f.app.Sealer, slog.New(slog.NewTextHandler(io.Discard, nil)), webhook.Config{Poll: 20 * time.Millisecond})
		d.Start(ctx)
		t.Cleanup(func() { _ = d.Stop(ctx) })

		// A customer created through the API is an event.
		cfg := api.DefaultConfig()
		cfg.RateLimit = 0
		a := call(t, f.startAPI(t, cfg), f.plainKey, f.plain.DomainID, "POST", "/v2/partners/sub-customers",
			[]byte(`{"xaccount_id":"hook-user-1","xaccount_type":"`+f.plain.XAccountType+`","domain_name":"hook-user-0001"}`), nil)
		if a.Status != http.StatusOK {
			t.Fatalf("CreateSubCustomer: %d %s", a.Status, a.Body)
		}
		var delivered pc.WebhookDelivery
		waitFor(t, "the customer.associated delivery", func() bool {
			got := extMust(c.ListWebhookDeliveries(ctx, pc.WebhookDeliveryFilter{EventType: webhook.CustomerAssociated, Status: "succeeded"}))(t)
			if got.TotalCount == 1 {
				delivered = got.Deliveries[0]
			}
			return got.TotalCount == 1
		})
		shown := extMust(c.ShowWebhookDelivery(ctx, delivered.ID))(t)
		if shown.Attempts != 1 || len(shown.AttemptLog) != 1 || shown.AttemptLog[0].StatusCode != http.StatusNoContent ||
			!strings.Contains(string(shown.Payload), `"xaccount_id":"hook-user-1"`) || rec.received(shown.EventID) != 1 {
			t.Fatalf("delivery: %+v (received %d)", shown, rec.received(shown.EventID))
		}
		_, err = f.other.ShowWebhookDelivery(ctx, delivered.ID)
		extNotFound(t, err)
		_, err = c.ListWebhookDeliveries(ctx, pc.WebhookDeliveryFilter{Status: "lost"})
		extInvalid(t, err, "status")

		// The test event, then a re-send: the same event id again.
		test := extMust(c.SendWebhookTestEvent(ctx, ep.ID))(t)
		if test.EventType != webhook.Test || test.Status != "pending" {
			t.Fatalf("test delivery: %+v", test)
		}
		waitFor(t, "the test event", func() bool { return rec.received(test.EventID) == 1 })
		extMust(c.ResendWebhookDelivery(ctx, test.ID))(t)
		waitFor(t, "the re-send", func() bool { return rec.received(test.EventID) == 2 })

		// After a rotation a receiver with either secret accepts.
		rotated := extMust(c.RotateWebhookEndpointSecret(ctx, ep.ID))(t)
		if rotated.Secret == ep.Secret || rotated.PreviousSecretExpiresAt == "" {
			t.Fatalf("rotated: %+v", rotated)
		}
		rec.mu.Lock()
		rec.secrets = []string{rotated.Secret}
		rec.mu.Unlock()
		again := extMust(c.SendWebhookTestEvent(ctx, ep.ID))(t)
		waitFor(t, "a delivery signed with the new secret", func() bool { return rec.received(again.EventID) == 1 })

		// Disabling and deleting.
		off := extMust(c.UpdateWebhookEndpoint(ctx, ep.ID, pc.WebhookEndpointRequest{Enabled: new(bool)}))(t)
		if off.Enabled || len(off.Events) != 2 {
			t.Fatalf("disabled: %+v", off)
		}
		extMust(0, c.DeleteWebhookEndpoint(ctx, ep.ID))(t)
		if n := extMust(c.ListWebhookEndpoints(ctx))(t).TotalCount; n != 0 {
			t.Fatalf("after deletion %d endpoints", n)
		}
		if n := extMust(c.ListWebhookDeliveries(ctx, pc.WebhookDeliveryFilter{}))(t).TotalCount; n != 0 {
			t.Fatalf("after deletion %d deliveries", n)
		}
		if rec.bad != 0 {
			t.Fatalf("%d callbacks did not verify", rec.bad)
		}
	})
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Allocations and reclaims through the SDK write their events with the
// movement; a refused one (more than the balance) writes none.
func TestMoneyMovementsAreEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := newMoney(t, db)
		events := []string{webhook.FundsAllocated, webhook.FundsReclaimed}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := webhook.Create(ctx, tx, m.app.Sealer, m.dist.ID, webhook.Fields{URL: str("https://hooks.example.com/pc"), Events: &events})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.allocate(m.resale.ID, "120.50", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := m.reclaim(m.resale.ID, "20.25", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := m.allocate(m.resale.ID, "99999.00", nil); err == nil {
			t.Fatal("an allocation above the balance was accepted")
		}
		list, total, err := webhook.ListDeliveries(ctx, db.Reader(), webhook.Filter{PartnerID: m.dist.ID})
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 {
			t.Fatalf("%d deliveries, want 2 (the refused allocation is not an event)", total)
		}
		for _, want := range []struct{ typ, amount string }{{webhook.FundsReclaimed, `"amount":{"fen":2025,"yuan":"20.25"}`},
			{webhook.FundsAllocated, `"amount":{"fen":12050,"yuan":"120.50"}`}} {
			i := slices.IndexFunc(list, func(d *webhook.Delivery) bool { return d.EventType == want.typ })
			if i < 0 {
				t.Fatalf("no %s event", want.typ)
			}
			d, err := webhook.GetDelivery(ctx, db.Reader(), m.dist.ID, list[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(d.Payload, want.amount) || !strings.Contains(d.Payload, `"customer_id":"`+m.resale.ID+`"`) {
				t.Fatalf("%s payload %s", want.typ, d.Payload)
			}
		}
	})
}

// Submitting a PO moves its review status: the partner's subscribed
// endpoint gets opportunity.status_changed with the change; creating the
// draft changed no status and is no event.
func TestOpportunityStatusIsAnEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, c, _ := oppClients(t, db)
		events := []string{webhook.OpportunityStatusChanged}
		inTx(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := webhook.Create(ctx, tx, f.app.Sealer, f.plain.ID, webhook.Fields{URL: str("https://hooks.example.com/pc"), Events: &events})
			return err
		})
		closeDate := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
		draft := extMust(c.CreateOpportunity(ctx, pc.OpportunityFields{CustomerID: str(f.buyer.ID), ProjectName: str("核心系统上云"),
			Industry: str("finance"), OfficeID: str(f.office.ID), Products: &[]string{"hws.service.type.ecs"}, EstimatedAmount: str("500000.50"),
			ContactName: str("张三"), ContactPhone: str("13800000001"), ExpectedCloseDate: str(closeDate), PartnerSolution: str("迁移与运维服务"),
			CustomerConsent: new(true)}))(t)
		if _, total, _ := webhook.ListDeliveries(ctx, db.Reader(), webhook.Filter{PartnerID: f.plain.ID}); total != 0 {
			t.Fatalf("creating a draft made %d deliveries", total)
		}
		extMust(c.SubmitOpportunity(ctx, draft.OpportunityID))(t)
		list, total, err := webhook.ListDeliveries(ctx, db.Reader(), webhook.Filter{PartnerID: f.plain.ID})
		if err != nil || total != 1 {
			t.Fatalf("after submission %d deliveries (%v)", total, err)
		}
		d, err := webhook.GetDelivery(ctx, db.Reader(), f.plain.ID, list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"opportunity_id":"` + draft.OpportunityID + `"`, `"review_status":{"from":"draft","to":"submitted"}`, `"code":"` + draft.Code + `"`} {
			if !strings.Contains(d.Payload, want) {
				t.Fatalf("payload %s lacks %s", d.Payload, want)
			}
		}
	})
}
