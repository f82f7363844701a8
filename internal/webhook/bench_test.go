package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/webhook"
)

// BenchmarkDelivery measures end-to-end delivery to a local receiver: b.N
// events emitted in transactions of 50 while the dispatcher runs, timed
// until the receiver has answered 2xx to every one. It reports delivered/s.
//
//	go test -run xxx -bench Delivery -benchtime 20000x ./internal/webhook/
func BenchmarkDelivery(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchDelivery(b, storetest.SQLite(b)) })
	if os.Getenv(storetest.EnvPostgres) != "" {
		b.Run("postgres", func(b *testing.B) { benchDelivery(b, storetest.Postgres(b)) })
	}
}

func benchDelivery(b *testing.B, db *store.DB) {
	ctx := context.Background()
	sealer := testSealer(b)
	addPartners(b, db)
	var accepted atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accepted.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	createEndpoint(b, db, sealer, "p1", srv.URL, webhook.FundsAllocated)
	start(b, db, sealer, webhook.Config{})
	b.ResetTimer()
	began := time.Now()
	const batch = 50
	for i := 0; i < b.N; i += batch {
		events := make([]webhook.Event, min(batch, b.N-i))
		for j := range events {
			events[j] = webhook.Event{Type: webhook.FundsAllocated, Data: allocated{fmt.Sprintf("c%d", i+j), webhook.Money(int64(i + j))}}
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return webhook.EmitMany(ctx, tx, "p1", events) }); err != nil {
			b.Fatal(err)
		}
	}
	emitted := time.Since(began)
	for accepted.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	// The last results are recorded after the receiver's answer.
	for countWhere(b, db, "status = ?", webhook.StatusPending) > 0 {
		time.Sleep(time.Millisecond)
	}
	took := time.Since(began)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/took.Seconds(), "delivered/s")
	b.ReportMetric(float64(b.N)/emitted.Seconds(), "emitted/s")
}
