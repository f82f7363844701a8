package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"partnercenter/internal/api/signing"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/store"
)

// PayOrders through the API in process, on each database, from 32
// goroutines as 32 API clients: each call pays one order of a VM for a
// month (1.00) from its customer's balance, which creates the resource,
// its fee record and the ledger transaction. The orders are placed before
// the clock starts, as the console would place them; the eight customers
// are the allocation benchmark's.

func BenchmarkPayOrdersAPI(b *testing.B) {
	eachDB(b, benchmarkPayOrdersAPI)
}

func benchmarkPayOrdersAPI(b *testing.B, db *store.DB) {
	a := newAllocBench(b, db)
	ctx := context.Background()
	var product *catalogue.Product
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: "hws.service.type.ec2", NameZh: "弹性云服务器", NameEn: "ECS"}); err != nil {
			return err
		}
		if err := catalogue.SaveRegion(ctx, tx, catalogue.Region{Code: "cn-north-4", NameZh: "华北-北京四", NameEn: "CN North-Beijing4"}); err != nil {
			return err
		}
		product = &catalogue.Product{ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "hws.resource.type.vm", ResourceTypeZh: "云主机",
			ResourceTypeEn: "VM", SpecCode: "s6.small.1.linux", SpecZh: "s6.small.1.linux", SpecEn: "s6.small.1.linux", MonthlyPrice: 1_00, OnSale: true}
		if err := catalogue.Save(ctx, tx, product); err != nil {
			return err
		}
		// 32 customers, so that each client pays its own customer's orders
		// as a platform paying for many customers does.
		for i := len(a.customers); i < 32; i++ {
			c, err := customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: fmt.Sprintf("bench-cust-%d", i)})
			if err != nil {
				return err
			}
			if err := customer.Associate(ctx, tx, a.p.ID, c.ID, customer.Resale); err != nil {
				return err
			}
			a.customers = append(a.customers, c.ID)
		}
		for _, c := range a.customers {
			if err := order.RecordGrant(ctx, tx, a.p.ID, c); err != nil {
				return err
			}
			if _, err := funds.Allocate(ctx, tx, a.p.ID, c, 20_000_00, "", "bench", ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	orders := make([]string, b.N)
	for start := 0; start < b.N; start += 500 {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := start; i < min(start+500, b.N); i++ {
				o, err := order.Create(ctx, tx, order.NewOrder{Scope: customer.PartnerScope(a.p.ID), CustomerID: a.customers[i%len(a.customers)],
					Lines:     []order.LineRequest{{ProductID: product.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodMonth, PeriodNum: 1, Quantity: 1}},
					CreatedBy: "bench"})
				if err != nil {
					return err
				}
				orders[i] = o.ID
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	mount(mux, a.s, routes)
	// Each client pays its customer's orders; one whose customer has none
	// left pays another's. Every order is taken once.
	type queue struct {
		next   atomic.Int64
		orders []string
	}
	queues := map[string]*queue{}
	for _, c := range a.customers {
		queues[c] = &queue{}
	}
	for i, id := range orders {
		q := queues[a.customers[i%len(a.customers)]]
		q.orders = append(q.orders, id)
	}
	takeFrom := func(q *queue) (string, bool) {
		if n := int(q.next.Add(1) - 1); n < len(q.orders) {
			return q.orders[n], true
		}
		return "", false
	}
	take := func(customerID string) string {
		if id, ok := takeFrom(queues[customerID]); ok {
			return id
		}
		for _, q := range queues {
			if id, ok := takeFrom(q); ok {
				return id
			}
		}
		return ""
	}
	a.run(b, func(customerID string, _ bool) error {
		id := take(customerID)
		body := []byte(fmt.Sprintf(`{"order_id":%q,"use_coupon":"NO","use_discount":"NO"}`, id))
		r := httptest.NewRequest(http.MethodPost, "http://bench.test/v3/orders/customer-orders/pay", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Domain-Id", a.p.DomainID)
		if err := signing.Sign(r, body, a.key.ID, a.key.Secret, time.Now()); err != nil {
			return err
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			return fmt.Errorf("PayOrders %s: %d %s", id, w.Code, w.Body)
		}
		return nil
	})
	b.StopTimer()
	var paid int
	if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM customer_orders WHERE status = ?`, order.StatusCompleted).Scan(&paid); err != nil {
		b.Fatal(err)
	}
	if paid != b.N {
		b.Fatalf("%d orders paid, want %d", paid, b.N)
	}
}
