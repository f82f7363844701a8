package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"partnercenter/client"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/webhook"
)

// receiver is a Standard Webhooks receiver: it verifies each request with
// the client's VerifyWebhook, answers with what answer decides and keeps
// what it accepted by webhook-id.
type receiver struct {
	t       testing.TB
	secrets []string
	// tolerance is VerifyWebhook's; tests on a simulated clock set 0.
	tolerance time.Duration
	answer    func() int // the status to answer; 0 closes the connection
	mu        sync.Mutex
	got       map[string]int // event id -> requests
	ok        map[string]int // event id -> 2xx answers
	types     map[string]string
	bad       int // requests whose signature did not verify
}

func newReceiver(t testing.TB, answer func() int, secrets ...string) (*receiver, *httptest.Server) {
	r := &receiver{t: t, secrets: secrets, tolerance: 5 * time.Minute, answer: answer, got: map[string]int{}, ok: map[string]int{}, types: map[string]string{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	verified := false
	for _, s := range r.secrets {
		if client.VerifyWebhook(s, req.Header, body, r.tolerance) == nil {
			verified = true
		}
	}
	id := req.Header.Get("webhook-id")
	status := r.answer()
	r.mu.Lock()
	if !verified {
		r.bad++
	}
	r.got[id]++
	var env struct{ Type string }
	_ = json.Unmarshal(body, &env)
	r.types[id] = env.Type
	if status/100 == 2 {
		r.ok[id]++
	}
	r.mu.Unlock()
	if status == 0 {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, "answer %d", status)
}

func (r *receiver) counts() (got, ok map[string]int, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	got, ok = map[string]int{}, map[string]int{}
	for k, v := range r.got {
		got[k] = v
	}
	for k, v := range r.ok {
		ok[k] = v
	}
	return got, ok, r.bad
}

func always(status int) func() int { return func() int { return status } }

// TestExactlyOnceUnderHalfFailingReceiver is the done-when test: 2,000
// events to a receiver that fails a random half of its requests (500 or a
// closed connection) are each accepted exactly once.
func TestExactlyOnceUnderHalfFailingReceiver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := testSealer(t)
		addPartners(t, db)
		var rmu sync.Mutex
		rnd := rand.New(rand.NewPCG(1, 2))
		var rec *receiver
		rec, srv := newReceiver(t, func() int {
			rmu.Lock()
			defer rmu.Unlock()
			switch rnd.IntN(4) {
			case 0:
				return http.StatusInternalServerError
			case 1:
				return 0
			}
			return http.StatusNoContent
		})
		e := createEndpoint(t, db, sealer, "p1", srv.URL+"/hook", webhook.FundsAllocated)
		rec.secrets = []string{e.Secret}

		const events = 2000
		for i := 0; i < events; i += 100 {
			batch := make([]webhook.Event, 100)
			for j := range batch {
				batch[j] = webhook.Event{Type: webhook.FundsAllocated, Data: allocated{fmt.Sprintf("c%d", i+j), webhook.Money(int64(i + j))}}
			}
			emit(t, db, "p1", batch...)
		}
		start(t, db, sealer, webhook.Config{Schedule: []time.Duration{time.Millisecond}})
		eventually(t, "every delivery to succeed", func() bool { return countWhere(t, db, "status <> ?", webhook.StatusSucceeded) == 0 })

		got, ok, bad := rec.counts()
		if bad != 0 {
			t.Fatalf("%d requests failed signature verification", bad)
		}
		if len(ok) != events {
			t.Fatalf("receiver accepted %d distinct event ids, want %d", len(ok), events)
		}
		retried := 0
		for id, n := range ok {
			if n != 1 {
				t.Fatalf("event %s answered 2xx %d times", id, n)
			}
			if got[id] > 1 {
				retried++
			}
		}
		if retried < events/4 {
			t.Fatalf("only %d events needed a retry: the receiver did not fail half the time", retried)
		}
		// Our side's records: every delivery succeeded once, after as many
		// attempts as its log shows.
		var deliveries, successes, mismatched int
		q := `SELECT COUNT(*), (SELECT COUNT(*) FROM webhook_attempts WHERE status_code BETWEEN 200 AND 299),
			(SELECT COUNT(*) FROM webhook_deliveries d WHERE attempts <> (SELECT COUNT(*) FROM webhook_attempts a WHERE a.delivery_id = d.id))
			FROM webhook_deliveries WHERE status = 'succeeded'`
		if err := db.Reader().QueryRowContext(ctx, q).Scan(&deliveries, &successes, &mismatched); err != nil {
			t.Fatal(err)
		}
		if deliveries != events || successes != events || mismatched != 0 {
			t.Fatalf("succeeded deliveries %d, 2xx attempts %d, deliveries whose attempts disagree with the log %d; want %d, %d, 0",
				deliveries, successes, mismatched, events, events)
		}
	})
}

func TestRetriesBackOffThenGiveUpAfter24Hours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := testSealer(t)
		addPartners(t, db)
		t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		clk := &clock{t: t0}
		db.Now = clk.Now
		rec, srv := newReceiver(t, always(http.StatusInternalServerError))
		e := createEndpoint(t, db, sealer, "p1", srv.URL, webhook.OrderPaid)
		rec.secrets, rec.tolerance = []string{e.Secret}, 0
		emit(t, db, "p1", webhook.Event{Type: webhook.OrderPaid, Data: map[string]string{"order_id": "o1"}})
		start(t, db, sealer, webhook.Config{Now: clk.Now, Schedule: []time.Duration{5 * time.Second, 30 * time.Second}})

		delivery := func() *webhook.Delivery {
			list, _, err := webhook.ListDeliveries(ctx, db.Reader(), webhook.Filter{PartnerID: "p1"})
			if err != nil || len(list) != 1 {
				t.Fatalf("deliveries %v %v", list, err)
			}
			return list[0]
		}
		waitAttempts := func(n int) *webhook.Delivery {
			var d *webhook.Delivery
			eventually(t, fmt.Sprintf("attempt %d recorded", n), func() bool {
				d = delivery()
				return d.Attempts == n && (d.Status != webhook.StatusPending || !d.NextAttemptAt.Before(clk.Now()))
			})
			return d
		}
		d := waitAttempts(1)
		if d.Status != webhook.StatusPending || d.LastStatusCode != 500 || !strings.Contains(d.LastError, "500") {
			t.Fatalf("after a 500: %+v", d)
		}
		if wait := d.NextAttemptAt.Sub(t0); wait < 4*time.Second || wait > 6*time.Second {
			t.Fatalf("first retry after %s, want 5 s ± 20 %%", wait)
		}
		t1 := t0.Add(7 * time.Second)
		clk.Set(t1)
		d = waitAttempts(2)
		if wait := d.NextAttemptAt.Sub(t1); wait < 24*time.Second || wait > 36*time.Second {
			t.Fatalf("second retry after %s, want 30 s ± 20 %%", wait)
		}
		// Retries go on every 30 s until the window closes; jump to its end.
		clk.Set(t0.Add(24*time.Hour - 10*time.Second))
		d = waitAttempts(3)
		if d.Status != webhook.StatusFailed || d.GaveUpReason != webhook.GaveUpRetryWindow || !d.NextAttemptAt.IsZero() {
			t.Fatalf("after the 24 h window: %+v", d)
		}
		full, err := webhook.GetDelivery(ctx, db.Reader(), "p1", d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(full.AttemptLog) != 3 || full.AttemptLog[2].StatusCode != 500 || full.AttemptLog[2].Response != "answer 500" {
			t.Fatalf("log %+v", full.AttemptLog)
		}
		got, _, bad := rec.counts()
		if bad != 0 || got[d.EventID] != 3 {
			t.Fatalf("receiver saw %d requests for the event (%d unverified), want 3", got[d.EventID], bad)
		}
	})
}

func TestSlowEndpointDoesNotHoldBackOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := testSealer(t)
		addPartners(t, db)
		release := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(slow.Close)
		t.Cleanup(func() { close(release) })
		_, fast := newReceiver(t, always(http.StatusOK))
		createEndpoint(t, db, sealer, "p1", slow.URL, webhook.CouponIssued)
		fastEndpoint := createEndpoint(t, db, sealer, "p2", fast.URL, webhook.CouponIssued)
		for i := 0; i < 12; i++ {
			emit(t, db, "p1", webhook.Event{Type: webhook.CouponIssued, Data: map[string]int{"n": i}})
		}
		for i := 0; i < 40; i++ {
			emit(t, db, "p2", webhook.Event{Type: webhook.CouponIssued, Data: map[string]int{"n": i}})
		}
		began := time.Now()
		start(t, db, sealer, webhook.Config{Workers: 8, PerEndpoint: 2, Timeout: 500 * time.Millisecond, Schedule: []time.Duration{time.Hour}})
		eventually(t, "the fast endpoint's deliveries", func() bool {
			return countWhere(t, db, "endpoint_id = ? AND status = ?", fastEndpoint.ID, webhook.StatusSucceeded) == 40
		})
		if took := time.Since(began); took > 5*time.Second {
			t.Fatalf("the fast endpoint waited %s behind the slow one", took)
		}
		eventually(t, "the slow endpoint's timeouts", func() bool {
			return countWhere(t, db, "partner_id = ? AND attempts = 1", "p1") == 12
		})
		list, _, err := webhook.ListDeliveries(ctx, db.Reader(), webhook.Filter{PartnerID: "p1", Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if d := list[0]; d.Status != webhook.StatusPending || d.LastError != "no answer within 500ms" || d.LastStatusCode != 0 {
			t.Fatalf("slow delivery %+v", d)
		}
	})
}

func TestResendTestEventGoneAndRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := testSealer(t)
		addPartners(t, db)
		status := http.StatusOK
		var smu sync.Mutex
		rec, srv := newReceiver(t, func() int { smu.Lock(); defer smu.Unlock(); return status })
		e := createEndpoint(t, db, sealer, "p1", srv.URL, webhook.CustomerFrozen)
		rec.secrets = []string{e.Secret}
		start(t, db, sealer, webhook.Config{Schedule: []time.Duration{time.Hour}})

		// The test event reaches the endpoint whatever it subscribes to.
		var test *webhook.Delivery
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			test, err = webhook.SendTest(ctx, tx, "p1", e.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the test event", func() bool { return countWhere(t, db, "id = ? AND status = ?", test.ID, webhook.StatusSucceeded) == 1 })

		// Re-sending sends the same event id again.
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := webhook.Resend(ctx, tx, "p1", test.ID); return err }); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the re-send", func() bool {
			got, _, _ := rec.counts()
			return got[test.EventID] == 2
		})
		if _, _, bad := rec.counts(); bad != 0 {
			t.Fatalf("%d unverified requests", bad)
		}
		rec.mu.Lock()
		testType := rec.types[test.EventID]
		rec.mu.Unlock()
		if testType != webhook.Test {
			t.Fatalf("the test event's type is %q", testType)
		}

		// After a rotation both secrets verify for a day: a receiver still
		// holding the old one keeps accepting.
		var rotated *webhook.Endpoint
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			rotated, err = webhook.RotateSecret(ctx, tx, sealer, "p1", e.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if rotated.Secret == e.Secret {
			t.Fatal("rotation kept the secret")
		}
		for _, only := range []string{e.Secret, rotated.Secret} {
			rec.mu.Lock()
			rec.secrets = []string{only}
			rec.mu.Unlock()
			emit(t, db, "p1", webhook.Event{Type: webhook.CustomerFrozen, Data: map[string]string{"customer_id": "c1"}})
			eventually(t, "delivery after rotation", func() bool { return countWhere(t, db, "status = ?", webhook.StatusPending) == 0 })
			if _, _, bad := rec.counts(); bad != 0 {
				t.Fatalf("a delivery after rotation did not verify with one of the secrets")
			}
		}

		// 410 Gone gives the delivery up and disables the endpoint.
		smu.Lock()
		status = http.StatusGone
		smu.Unlock()
		emit(t, db, "p1", webhook.Event{Type: webhook.CustomerFrozen, Data: map[string]string{"customer_id": "c2"}})
		eventually(t, "the 410", func() bool { return countWhere(t, db, "gave_up_reason = ?", webhook.GaveUpGone) == 1 })
		got, err := webhook.Get(ctx, db.Reader(), "p1", e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled || got.DisabledReason == "" {
			t.Fatalf("after 410 Gone the endpoint is %+v", got)
		}
	})
}

func TestSweepRemovesOldEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := testSealer(t)
		addPartners(t, db)
		t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		clk := &clock{t: t0}
		db.Now = clk.Now
		createEndpoint(t, db, sealer, "p1", "https://hooks.example.com/", webhook.OrderCancelled)
		emit(t, db, "p1", webhook.Event{Type: webhook.OrderCancelled, Data: map[string]string{"order_id": "old"}})
		clk.Set(t0.Add(webhook.Retention))
		emit(t, db, "p1", webhook.Event{Type: webhook.OrderCancelled, Data: map[string]string{"order_id": "new"}})
		clk.Set(t0.Add(webhook.Retention + time.Minute))
		var n int
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) { n, err = webhook.Sweep(ctx, tx, 100); return err }); err != nil {
			t.Fatal(err)
		}
		if n != 1 || countWhere(t, db, "1 = 1") != 1 {
			t.Fatalf("sweep removed %d events, %d deliveries left; want 1 and 1", n, countWhere(t, db, "1 = 1"))
		}
	})
}
