package funds_test

import (
	"context"
	"errors"
	"testing"

	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// Moves handed over together apply one after another, each on the balances
// the ones before it left; a refused one changes nothing and the others go
// on; a client id twice in one call or sent before answers as a retry.
func TestMoveCustomersTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Recharge(ctx, tx, f.dist.ID, 100_00, "bank_transfer", "BANK-001", "")
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := funds.SetCreditLine(ctx, tx, f.dist.ID, 50_00, "line", "finance")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 10_00, "", "dist", "before")
		}); err != nil {
			t.Fatal(err)
		}
		move := func(op string, customerID string, amount int64, client string) funds.CustomerMove {
			return funds.CustomerMove{PartnerID: f.dist.ID, CustomerID: customerID, Op: op, Amount: amount, Operator: "dist", Client: client}
		}
		moves := []funds.CustomerMove{
			move(funds.OpAllocate, f.resale.ID, 60_00, "m1"),     // 60 from recharge (30 left)
			move(funds.OpAllocate, f.resale.ID, 50_00, "m2"),     // 30 recharge + 20 credit
			move(funds.OpAllocate, f.resale.ID, 40_00, "m3"),     // credit has 30 left: refused
			move(funds.OpReclaim, f.resale.ID, 25_00, "m4"),      // 20 repays credit, 5 to recharge
			move(funds.OpAllocate, f.referral.ID, 1_00, "m5"),    // referral: refused
			move(funds.OpAllocate, f.otherCust.ID, 1_00, "m6"),   // another partner's: not found
			move(funds.OpAllocate, f.resale.ID, 0, "m7"),         // zero: refused
			move(funds.OpAllocate, f.resale.ID, 60_00, "m1"),     // m1 again: its result
			move(funds.OpAllocate, f.resale.ID, 10_00, "before"), // sent before: that result
			move(funds.OpAllocate, f.resale.ID, 99_00, "before"), // sent before with another amount
		}
		var results []*funds.Result
		var errs []error
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			results, errs, err = funds.MoveCustomers(ctx, tx, moves)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 1, 3} {
			if errs[i] != nil || results[i] == nil || results[i].Replayed {
				t.Errorf("move %d: %+v %v", i, results[i], errs[i])
			}
		}
		var ins *ledger.InsufficientError
		if !errors.As(errs[2], &ins) {
			t.Errorf("m3 beyond the credit line: %v", errs[2])
		}
		if !errors.Is(errs[4], funds.ErrReferral) || !errors.Is(errs[5], customer.ErrNotFound) || errs[6] == nil {
			t.Errorf("refusals: %v / %v / %v", errs[4], errs[5], errs[6])
		}
		if errs[7] != nil || !results[7].Replayed || results[7].TransID != results[0].TransID {
			t.Errorf("m1 twice: %+v %v", results[7], errs[7])
		}
		if errs[8] != nil || !results[8].Replayed {
			t.Errorf("a client id sent before: %+v %v", results[8], errs[8])
		}
		if !errors.Is(errs[9], ledger.ErrIdempotencyConflict) {
			t.Errorf("a client id sent before with another amount: %v", errs[9])
		}
		b := f.balances(t, f.dist.ID)
		if b.Recharge != 5_00 || b.CreditUsed != 0 {
			t.Errorf("partner after the moves: %+v", b)
		}
		if got := f.customerBalance(t, f.resale.ID); got != 10_00+60_00+50_00-25_00 {
			t.Errorf("customer %d", got)
		}
		for _, c := range []string{f.referral.ID, f.otherCust.ID} {
			if got := f.customerBalance(t, c); got != 0 {
				t.Errorf("a refused move funded %s with %d", c, got)
			}
		}
		_, total, err := funds.Adjustments(ctx, db.Reader(), funds.AdjustmentFilter{PartnerID: f.dist.ID})
		if err != nil || total != 4 {
			t.Errorf("调账记录: %d rows, %v (want the earlier one and m1, m2, m4)", total, err)
		}
		checkLedger(t, db)
	})
}
