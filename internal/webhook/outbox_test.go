package webhook_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/webhook"
)

type allocated struct {
	CustomerID string         `json:"customer_id"`
	Amount     webhook.Amount `json:"amount"`
}

func TestEventExistsExactlyWhenItsChangeCommits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := testSealer(t)
		addPartners(t, db)

		// Without an endpoint nothing is written.
		emit(t, db, "p1", webhook.Event{Type: webhook.FundsAllocated, Data: allocated{"c1", webhook.Money(100)}})
		if n := countWhere(t, db, "1 = 1"); n != 0 {
			t.Fatalf("deliveries without an endpoint: %d", n)
		}

		e := createEndpoint(t, db, sealer, "p1", "https://hooks.example.com/pc", webhook.FundsAllocated, webhook.CouponIssued)
		createEndpoint(t, db, sealer, "p2", "https://other.example.com/pc", webhook.FundsAllocated)

		// A rolled-back change leaves no event.
		boom := errors.New("the allocation failed")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := webhook.Emit(ctx, tx, "p1", webhook.FundsAllocated, allocated{"c1", webhook.Money(100)}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		var events int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_events`).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if events != 0 {
			t.Fatalf("a rolled-back transaction left %d events", events)
		}

		// A committed one has its event, delivered only to the partner's
		// endpoint subscribed to the type.
		emit(t, db, "p1",
			webhook.Event{Type: webhook.FundsAllocated, Data: allocated{"c1", webhook.Money(12345)}},
			webhook.Event{Type: webhook.OrderPaid, Data: map[string]string{"order_id": "o1"}})
		list, total, err := webhook.ListDeliveries(ctx, db.Reader(), webhook.Filter{PartnerID: "p1"})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || list[0].EndpointID != e.ID || list[0].EventType != webhook.FundsAllocated || list[0].Status != webhook.StatusPending {
			t.Fatalf("deliveries = %d %+v", total, list)
		}
		d, err := webhook.GetDelivery(ctx, db.Reader(), "p1", list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := `"data":{"customer_id":"c1","amount":{"fen":12345,"yuan":"123.45"}}`
		if !strings.Contains(d.Payload, want) || !strings.Contains(d.Payload, `"type":"funds.allocated"`) {
			t.Fatalf("payload %s lacks %s", d.Payload, want)
		}
		if n := countWhere(t, db, "partner_id = ?", "p2"); n != 0 {
			t.Fatalf("p1's event reached p2's endpoint: %d deliveries", n)
		}

		// Another partner sees none of it.
		if _, err := webhook.GetDelivery(ctx, db.Reader(), "p2", d.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("p2 reading p1's delivery: %v", err)
		}
		if _, err := webhook.Get(ctx, db.Reader(), "p2", e.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("p2 reading p1's endpoint: %v", err)
		}

		// A disabled endpoint gets nothing new.
		off := false
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := webhook.Update(ctx, tx, "p1", e.ID, webhook.Fields{Enabled: &off})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		emit(t, db, "p1", webhook.Event{Type: webhook.FundsAllocated, Data: allocated{"c2", webhook.Money(1)}})
		if n := countWhere(t, db, "partner_id = ?", "p1"); n != 1 {
			t.Fatalf("deliveries after disabling = %d, want still 1", n)
		}
	})
}

func TestEndpointInputIsChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := testSealer(t)
		addPartners(t, db)
		for _, c := range []struct {
			url, field string
			events     []string
		}{
			{"http://hooks.example.com/pc", "url", nil},
			{"ftp://hooks.example.com/pc", "url", nil},
			{"https://user:pw@hooks.example.com/", "url", nil},
			{"", "url", nil},
			{"https://hooks.example.com/pc", "events", []string{"customer.deleted"}},
		} {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := webhook.Create(ctx, tx, sealer, "p1", webhook.Fields{URL: &c.url, Events: &c.events})
				return err
			})
			if e, ok := apperr.As(err); !ok || e.Field != c.field {
				t.Errorf("Create(%q, %v) = %v, want an error about %s", c.url, c.events, err, c.field)
			}
		}
		if n, _ := webhook.List(ctx, db.Reader(), "p1"); len(n) != 0 {
			t.Fatalf("refused endpoints were stored: %d", len(n))
		}
		for _, ok := range []string{"http://127.0.0.1:9000/hook", "http://localhost/hook", "https://hooks.example.com/pc"} {
			e := createEndpoint(t, db, sealer, "p1", ok, webhook.Types...)
			if len(e.Secret) < 40 || e.Secret[:6] != "whsec_" {
				t.Fatalf("secret %q is not a whsec_ secret", e.Secret)
			}
		}
	})
}
