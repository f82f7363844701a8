package order_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/order"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// Many payments at once, several of the same order and all sharing one
// coupon: each order is paid exactly once, the coupon never pays more than
// its face value, the balance never goes below zero, and the ledger holds.
func TestConcurrentPayments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.authorise(t)
		const orders = 12 // 12 × 100 yuan against a 1,000 yuan balance and a 150 yuan coupon
		var ids []string
		for range orders {
			o, err := f.create(t, order.LineRequest{ProductID: f.vm.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodMonth, PeriodNum: 1, Quantity: 1})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		var couponID string
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			rs, err := coupon.Issue(ctx, tx, coupon.IssueRequest{PartnerID: f.p.ID, QuotaID: f.quota.ID, CustomerIDs: []string{f.c.ID}, FaceValue: 150_00, Operator: "t"})
			if err != nil || rs[0].Err != nil {
				return errors.Join(err, rs[0].Err)
			}
			couponID = rs[0].CouponID
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		paid := map[string]int{}
		for i := range orders * 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := ids[i%orders]
				var coupons []string
				if i%3 == 0 {
					coupons = []string{couponID}
				}
				o, err := f.pay(t, id, coupons...)
				if err == nil {
					mu.Lock()
					paid[o.ID]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		var total, fromCoupons int64
		for _, id := range ids {
			o, err := order.Get(ctx, db.Reader(), f.scope(), id)
			if err != nil {
				t.Fatal(err)
			}
			if paid[id] > 1 {
				t.Fatalf("order %s paid %d times", id, paid[id])
			}
			if (o.Status == order.StatusCompleted) != (paid[id] == 1) {
				t.Fatalf("order %s status %d, payments %d", id, o.Status, paid[id])
			}
			total += o.BalanceAmount
			fromCoupons += o.CouponAmount
		}
		// The balance pays ten orders; the coupon, if any payment used it, more.
		if len(paid) < 10 {
			t.Fatalf("only %d orders paid", len(paid))
		}
		if fromCoupons > 150_00 {
			t.Fatalf("the coupon paid %d", fromCoupons)
		}
		if b := f.balance(t); b != 1_000_00-total || b < 0 {
			t.Fatalf("balance %d, paid from it %d", b, total)
		}
		f.check(t)
	})
}
