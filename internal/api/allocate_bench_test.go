package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"partnercenter/internal/api/signing"
	"partnercenter/internal/app"
	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The allocation path in process, on each database, from 32 goroutines
// as 32 API clients: what `partnercenter bench api` measures over HTTP,
// without the network and the load generator, and the funds operation
// alone, without the API. Each goroutine allocates 0.01 to one of eight
// customers and reclaims it, in turn.

type allocBench struct {
	db        *store.DB
	s         *service
	p         *partner.Partner
	key       *auth.AccessKey
	customers []string
}

func newAllocBench(b *testing.B, db *store.DB) *allocBench {
	ctx := context.Background()
	sealer, err := auth.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		b.Fatal(err)
	}
	a := &allocBench{db: db}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if a.p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "bench-dist", Type: partner.TotalDistributor, Stage: partner.Certified}); err != nil {
			return err
		}
		if a.key, err = auth.CreateAccessKey(ctx, tx, sealer, a.p.ID, "bench", "bench"); err != nil {
			return err
		}
		for i := range 8 {
			c, err := customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: fmt.Sprintf("bench-cust-%d", i)})
			if err != nil {
				return err
			}
			if err := customer.Associate(ctx, tx, a.p.ID, c.ID, customer.Resale); err != nil {
				return err
			}
			a.customers = append(a.customers, c.ID)
		}
		_, err = funds.Recharge(ctx, tx, a.p.ID, 1_000_000_00, "bank_transfer", "bench", "")
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.RateLimit = 0
	a.s = newService(&app.App{DB: db, Sealer: sealer, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, cfg)
	return a
}

// run calls op from 32 goroutines; op gets the goroutine's customer and
// whether to allocate or reclaim.
func (a *allocBench) run(b *testing.B, op func(customerID string, allocate bool) error) {
	var next atomic.Int64
	b.SetParallelism(16) // × GOMAXPROCS 2: 32 goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		customerID := a.customers[next.Add(1)%int64(len(a.customers))]
		allocate := true
		for pb.Next() {
			if err := op(customerID, allocate); err != nil {
				b.Error(err)
				return
			}
			allocate = !allocate
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// eachDB runs a benchmark on SQLite in a file and, with
// PARTNERCENTER_TEST_DATABASE_URL set, on PostgreSQL.
func eachDB(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	if os.Getenv(storetest.EnvPostgres) != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
	}
}

func BenchmarkAllocateFunds(b *testing.B) {
	eachDB(b, func(b *testing.B, db *store.DB) {
		a := newAllocBench(b, db)
		ctx := context.Background()
		a.run(b, func(customerID string, allocate bool) error {
			return a.db.InTx(ctx, func(tx *store.Tx) error {
				move := funds.Reclaim
				if allocate {
					move = funds.Allocate
				}
				_, err := move(ctx, tx, a.p.ID, customerID, 1, "", "bench", "")
				return err
			})
		})
	})
}

func BenchmarkAllocateAPI(b *testing.B) {
	eachDB(b, benchmarkAllocateAPI)
}

func benchmarkAllocateAPI(b *testing.B, db *store.DB) {
	a := newAllocBench(b, db)
	mux := http.NewServeMux()
	mount(mux, a.s, routes)
	var seq atomic.Int64
	a.run(b, func(customerID string, allocate bool) error {
		path := "/v2/accounts/partner-accounts/reclaim"
		if allocate {
			path = "/v2/accounts/partner-accounts/adjust-amount"
		}
		body := []byte(fmt.Sprintf(`{"customer_id":%q,"amount":"0.01"}`, customerID))
		r := httptest.NewRequest(http.MethodPost, "http://bench.test"+path, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Domain-Id", a.p.DomainID)
		r.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", seq.Add(1)))
		if err := signing.Sign(r, body, a.key.ID, a.key.Secret, time.Now()); err != nil {
			return err
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			return fmt.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
		return nil
	})
}
