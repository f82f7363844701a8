package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"partnercenter/internal/ledger"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// applyEach runs ApplyEach in a transaction of its own.
func applyEach(db *store.DB, lockIDs []string, plans ...ledger.Plan) ([]ledger.Outcome, error) {
	var out []ledger.Outcome
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = ledger.ApplyEach(context.Background(), tx, lockIDs, plans)
		return err
	})
	return out, err
}

// Operations in one ApplyEach call see the balances the ones before them
// left, one that fails changes nothing, and the others still apply.
func TestApplyEachIsolatesOperations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		x := open(t, db)
		if _, err := apply(db, ledger.Request{ClientID: "fund", Debit: x.world.ID, Credit: x.a.ID, Amount: 100_00, Code: "RECHARGE"}); err != nil {
			t.Fatal(err)
		}
		// Each plan moves what is asked from a, taking the credit line for
		// what a's balance lacks, as a 拨款 does.
		move := func(id string, amount int64) ledger.Plan {
			return func(locked map[string]*ledger.Account) ([]ledger.Request, error) {
				fromA := min(max(locked[x.a.ID].Available(), 0), amount)
				var reqs []ledger.Request
				if fromA > 0 {
					reqs = append(reqs, ledger.Request{ClientID: id + ":a", Debit: x.a.ID, Credit: x.b.ID, Amount: fromA, Code: "ALLOCATE"})
				}
				if rest := amount - fromA; rest > 0 {
					reqs = append(reqs, ledger.Request{ClientID: id + ":c", Debit: x.credit.ID, Credit: x.b.ID, Amount: rest, Code: "ALLOCATE"})
				}
				return reqs, nil
			}
		}
		lockIDs := []string{x.a.ID, x.b.ID, x.credit.ID}
		out, err := applyEach(db, lockIDs,
			move("m1", 60_00), // from a
			move("m2", 70_00), // 40 from a, 30 on credit
			move("m3", 30_00), // credit has 20 left: fails, nothing moves
			move("m4", 20_00), // the last 20 of credit
			func(map[string]*ledger.Account) ([]ledger.Request, error) {
				return nil, fmt.Errorf("refused by its plan")
			})
		if err != nil {
			t.Fatal(err)
		}
		var ins *ledger.InsufficientError
		if out[0].Err != nil || out[1].Err != nil || out[3].Err != nil || !errors.As(out[2].Err, &ins) || out[4].Err == nil {
			t.Fatalf("outcomes: %v %v %v %v %v", out[0].Err, out[1].Err, out[2].Err, out[3].Err, out[4].Err)
		}
		if len(out[1].Transfers) != 2 || out[1].Transfers[0].LinkedID != out[1].Transfers[1].LinkedID ||
			out[1].Transfers[0].LinkedID == out[0].Transfers[0].LinkedID {
			t.Errorf("an operation's transfers are linked together and to no other: %+v", out[1].Transfers)
		}
		if got := balance(t, db, x.a).Balance(); got != 0 {
			t.Errorf("a = %d, want 0", got)
		}
		if got := balance(t, db, x.credit).Balance(); got != -50_00 {
			t.Errorf("credit = %d, want -5000", got)
		}
		if got := balance(t, db, x.b).Balance(); got != 150_00 {
			t.Errorf("b = %d, want 15000 (m1+m2+m4)", got)
		}
		// The running balances written with the entries agree with one
		// after another, which the check verifies.
		mustCheck(t, db)

		// A client id used before fails the whole call and nothing moves.
		before := balance(t, db, x.b).Balance()
		out, err = applyEach(db, lockIDs, func(map[string]*ledger.Account) ([]ledger.Request, error) {
			return []ledger.Request{{ClientID: "unlocked", Debit: x.world.ID, Credit: x.b.ID, Amount: 1, Code: "RECHARGE"}}, nil
		})
		if err != nil || out[0].Err == nil {
			t.Fatalf("a plan using an account it did not lock: %v, %v", err, out[0].Err)
		}
		_, err = applyEach(db, append(lockIDs, x.world.ID),
			func(map[string]*ledger.Account) ([]ledger.Request, error) {
				return []ledger.Request{{ClientID: "new", Debit: x.world.ID, Credit: x.b.ID, Amount: 1, Code: "RECHARGE"}}, nil
			},
			func(map[string]*ledger.Account) ([]ledger.Request, error) {
				return []ledger.Request{{ClientID: "m1:a", Debit: x.world.ID, Credit: x.b.ID, Amount: 1, Code: "RECHARGE"}}, nil
			})
		if !errors.Is(err, ledger.ErrIdempotencyConflict) {
			t.Fatalf("a used client id: %v", err)
		}
		if got := balance(t, db, x.b).Balance(); got != before {
			t.Errorf("b moved from %d to %d on a refused call", before, got)
		}
		mustCheck(t, db)
	})
}

// LockOwned finds accounts by owner and kind (a name without an account is
// left out), and ApplyLocked moves money on them as ApplyEach does.
func TestLockOwnedThenApplyLocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		x := open(t, db)
		if _, err := apply(db, ledger.Request{ClientID: "fund", Debit: x.world.ID, Credit: x.a.ID, Amount: 10_00, Code: "RECHARGE"}); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		names := []ledger.Owned{{OwnerType: "test", OwnerID: "a", Kind: "balance"}, {OwnerType: "test", OwnerID: "b", Kind: "balance"},
			{OwnerType: "test", OwnerID: "a", Kind: "credit"}, {OwnerType: "test", OwnerID: "nobody", Kind: "balance"}}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			locked, err := ledger.LockOwned(ctx, tx, names)
			if err != nil {
				return err
			}
			if len(locked) != 3 || locked[names[0]].ID != x.a.ID || locked[names[1]].ID != x.b.ID || locked[names[2]].ID != x.credit.ID {
				t.Fatalf("LockOwned found %v, want a, b and a's credit and not the missing one", locked)
			}
			byID := map[string]*ledger.Account{}
			for _, a := range locked {
				byID[a.ID] = a
			}
			out, err := ledger.ApplyLocked(ctx, tx, byID, []ledger.Plan{func(locked map[string]*ledger.Account) ([]ledger.Request, error) {
				return []ledger.Request{{ClientID: "owned", Debit: x.a.ID, Credit: x.b.ID, Amount: locked[x.a.ID].Available(), Code: "ALLOCATE"}}, nil
			}})
			if err == nil && out[0].Err != nil {
				err = out[0].Err
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var b int64
		if err := db.Reader().QueryRowContext(ctx, `SELECT credits_posted - debits_posted FROM ledger_accounts WHERE id = ?`, x.b.ID).Scan(&b); err != nil || b != 10_00 {
			t.Fatalf("b holds %d (%v), want the 10.00 a had", b, err)
		}
	})
}
