package order_test

import (
	"context"
	"errors"
	"testing"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/order"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The quote of 退订 is what the unsubscription then refunds, to the fen, and
// changes nothing.
func TestQuoteRefundsIsWhatUnsubscribeRefunds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.authorise(t)
		o, err := f.create(t,
			order.LineRequest{ProductID: f.vm.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodMonth, PeriodNum: 3, Quantity: 1},
			order.LineRequest{ProductID: f.disk.ID, Region: "cn-north-4", PeriodType: catalogue.PeriodYear, PeriodNum: 1, Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		paid, err := f.pay(t, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		vm, disk := paid.Lines[0].ResourceID, paid.Lines[1].ResourceID
		at := paid.PaidAt.AddDate(0, 0, 17).Add(5321)
		var quotes []order.RefundQuote
		if err := db.InTxAt(ctx, at, func(tx *store.Tx) (err error) {
			quotes, err = order.QuoteRefunds(ctx, tx, f.scope(), []string{vm, disk})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(quotes) != 2 || quotes[0].Err != nil || quotes[1].Err != nil || quotes[0].Refund <= 0 || quotes[0].Refund >= 300_00 {
			t.Fatalf("quotes %+v", quotes)
		}
		balance := f.balance(t)
		var unsub []*order.Order
		if err := db.InTxAt(ctx, at, func(tx *store.Tx) (err error) {
			unsub, _, err = order.Unsubscribe(ctx, tx, order.UnsubscribeRequest{PartnerID: f.p.ID, ResourceIDs: []string{vm, disk}, CreatedBy: "tester"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want := quotes[0].Refund + quotes[1].Refund
		if -unsub[0].Amount != want || f.balance(t) != balance+want {
			t.Errorf("quoted %d, refunded %d, balance %d → %d", want, -unsub[0].Amount, balance, f.balance(t))
		}
		// Released now: the quote says so; another partner's scope finds nothing.
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			if quotes, err = order.QuoteRefunds(ctx, tx, f.scope(), []string{vm}); err != nil {
				return err
			}
			if !errors.Is(quotes[0].Err, order.ErrResourceClosed) {
				t.Errorf("a released resource: %v", quotes[0].Err)
			}
			if quotes, err = order.QuoteRefunds(ctx, tx, customer.PartnerScope(f.other.ID), []string{disk}); err != nil {
				return err
			}
			if !errors.Is(quotes[0].Err, order.ErrResourceNotFound) || quotes[0].Resource != nil {
				t.Errorf("another partner's resource: %+v", quotes[0])
			}
			_, err = order.QuoteRefunds(ctx, tx, f.scope(), nil)
			wantKey(t, err, "order.resource_ids_count")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		f.check(t)
	})
}
