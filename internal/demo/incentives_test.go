package demo_test

import (
	"context"
	"testing"

	"partnercenter/internal/demo"
	"partnercenter/internal/incentive"
	"partnercenter/internal/ledger"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The demo's incentives hold a payout in every status, a completed one for
// every method, the voucher quota error, a month to confirm and this
// month's estimates, with the ledger sound.
func TestDemoIncentives(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		payouts, _, err := incentive.ListPayouts(ctx, db.Reader(), incentive.PayoutFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		statuses, paidBy := map[string]int{}, map[string]int{}
		for _, p := range payouts {
			statuses[p.Status]++
			if p.Status == incentive.PayoutCompleted {
				paidBy[p.Method]++
			}
			if p.Status == incentive.PayoutError {
				if desc, _ := p.Outcome(); desc != "incentive.outcome.voucher_error" || p.Method != incentive.MethodVoucherQuota {
					t.Errorf("error row %+v says %s", p, desc)
				}
			}
		}
		for _, s := range incentive.PayoutStatuses {
			if statuses[s] == 0 {
				t.Errorf("no payout %s: %v", s, statuses)
			}
		}
		for _, m := range incentive.Methods {
			if paidBy[m] == 0 {
				t.Errorf("no payout completed by %s: %v", m, paidBy)
			}
		}
		statements, _, err := incentive.ListStatements(ctx, db.Reader(), incentive.StatementFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		reconciled := map[string]int{}
		for _, s := range statements {
			reconciled[s.Status]++
		}
		for _, s := range incentive.StatementStatuses {
			if reconciled[s] == 0 {
				t.Errorf("no statement %s: %v", s, reconciled)
			}
		}
		if v, err := ledger.Check(ctx, db.Reader()); err != nil || len(v) > 0 {
			t.Fatalf("ledger check: %v %v", v, err)
		}
	})
}
