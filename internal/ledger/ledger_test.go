package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

type accts struct{ world, a, b, credit *ledger.Account }

func open(t *testing.T, db *store.DB) accts {
	t.Helper()
	var x accts
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		spec := func(owner, kind string, unbounded bool, limit int64) *ledger.Account {
			if err != nil {
				return nil
			}
			var a *ledger.Account
			a, err = ledger.Open(context.Background(), tx, ledger.AccountSpec{Kind: kind, OwnerType: "test", OwnerID: owner, Unbounded: unbounded, CreditLimit: limit})
			return a
		}
		x.world = spec("world", "cash", true, 0)
		x.a = spec("a", "balance", false, 0)
		x.b = spec("b", "balance", false, 0)
		x.credit = spec("a", "credit", false, 50_00)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func apply(db *store.DB, reqs ...ledger.Request) ([]*ledger.Transfer, error) {
	var out []*ledger.Transfer
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = ledger.Apply(context.Background(), tx, reqs...)
		return err
	})
	return out, err
}

func balance(t *testing.T, db *store.DB, a *ledger.Account) *ledger.Account {
	t.Helper()
	got, err := ledger.Get(context.Background(), db.Reader(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func mustCheck(t *testing.T, db *store.DB) {
	t.Helper()
	vs, err := ledger.Check(context.Background(), db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("invariant broken: %s", v)
	}
}

func TestTransfersIdempotencyAndLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		x := open(t, db)
		if _, err := apply(db, ledger.Request{ClientID: "r1", Debit: x.world.ID, Credit: x.a.ID, Amount: 100_00, Code: "RECHARGE"}); err != nil {
			t.Fatal(err)
		}
		// The same request again moves nothing and answers the first result.
		again, err := apply(db, ledger.Request{ClientID: "r1", Debit: x.world.ID, Credit: x.a.ID, Amount: 100_00, Code: "RECHARGE"})
		if err != nil || !again[0].Replayed {
			t.Fatalf("replay: %+v, %v", again, err)
		}
		// The same id for a different request is refused.
		if _, err := apply(db, ledger.Request{ClientID: "r1", Debit: x.world.ID, Credit: x.a.ID, Amount: 99_00, Code: "RECHARGE"}); !errors.Is(err, ledger.ErrIdempotencyConflict) {
			t.Fatalf("different body under the same id: %v", err)
		}
		if got := balance(t, db, x.a).Balance(); got != 100_00 {
			t.Fatalf("balance = %d, want 10000", got)
		}
		// Beyond the balance: refused, nothing moved.
		_, err = apply(db, ledger.Request{ClientID: "r2", Debit: x.a.ID, Credit: x.b.ID, Amount: 100_01, Code: "ALLOCATE"})
		var insufficient *ledger.InsufficientError
		if !errors.As(err, &insufficient) || apperr.CodeOf(err) != apperr.Insufficient || insufficient.Available != 100_00 {
			t.Fatalf("overdraft: %v", err)
		}
		// A credit account may go down to its limit, not further.
		if _, err := apply(db, ledger.Request{ClientID: "c1", Debit: x.credit.ID, Credit: x.b.ID, Amount: 50_00, Code: "ALLOCATE"}); err != nil {
			t.Fatal(err)
		}
		if _, err := apply(db, ledger.Request{ClientID: "c2", Debit: x.credit.ID, Credit: x.b.ID, Amount: 1, Code: "ALLOCATE"}); apperr.CodeOf(err) != apperr.Insufficient {
			t.Fatalf("beyond the credit limit: %v", err)
		}
		// Linked transfers fail together: the first would succeed alone.
		_, err = apply(db,
			ledger.Request{ClientID: "l1", Debit: x.a.ID, Credit: x.b.ID, Amount: 10_00, Code: "ALLOCATE"},
			ledger.Request{ClientID: "l2", Debit: x.b.ID, Credit: x.a.ID, Amount: 1_000_00, Code: "RECLAIM"})
		if apperr.CodeOf(err) != apperr.Insufficient {
			t.Fatalf("linked: %v", err)
		}
		if got := balance(t, db, x.a).Balance(); got != 100_00 {
			t.Fatalf("after a failed linked pair, a = %d", got)
		}
		for _, bad := range []ledger.Request{
			{ClientID: "z", Debit: x.a.ID, Credit: x.b.ID, Amount: 0, Code: "X"},
			{ClientID: "z", Debit: x.a.ID, Credit: x.b.ID, Amount: -5, Code: "X"},
			{ClientID: "z", Debit: x.a.ID, Credit: x.a.ID, Amount: 5, Code: "X"},
			{ClientID: "", Debit: x.a.ID, Credit: x.b.ID, Amount: 5, Code: "X"},
			{ClientID: "z", Debit: x.a.ID, Credit: x.b.ID, Amount: 5},
		} {
			if _, err := apply(db, bad); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		mustCheck(t, db)
	})
}

func TestHoldsPostVoidTimeoutAndHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		x := open(t, db)
		ctx := context.Background()
		real := db.Now
		t0 := real().UTC()
		db.Now = func() time.Time { return t0 }
		if _, err := apply(db, ledger.Request{ClientID: "fund", Debit: x.world.ID, Credit: x.a.ID, Amount: 100_00, Code: "RECHARGE"}); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return t0.Add(time.Hour) }
		hold, err := apply(db, ledger.Request{ClientID: "h1", Debit: x.a.ID, Credit: x.b.ID, Amount: 60_00, Code: "ORDER", Pending: true, Timeout: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		a := balance(t, db, x.a)
		if a.Balance() != 100_00 || a.Available() != 40_00 {
			t.Fatalf("with a hold: balance %d available %d", a.Balance(), a.Available())
		}
		if _, err := apply(db, ledger.Request{ClientID: "x", Debit: x.a.ID, Credit: x.b.ID, Amount: 40_01, Code: "ALLOCATE"}); apperr.CodeOf(err) != apperr.Insufficient {
			t.Fatalf("spending the held money: %v", err)
		}
		// Post part of the hold: the rest is released.
		if _, err := apply(db, ledger.Request{ClientID: "p1", PostPendingID: hold[0].ID, Amount: 45_00, Code: "ORDER"}); err != nil {
			t.Fatal(err)
		}
		a = balance(t, db, x.a)
		if a.Balance() != 55_00 || a.Available() != 55_00 || balance(t, db, x.b).Balance() != 45_00 {
			t.Fatalf("after partial post: a %d/%d", a.Balance(), a.Available())
		}
		if again, err := apply(db, ledger.Request{ClientID: "p1", PostPendingID: hold[0].ID, Amount: 45_00, Code: "ORDER"}); err != nil || !again[0].Replayed {
			t.Fatalf("retrying a post: %v", err)
		}
		if _, err := apply(db, ledger.Request{ClientID: "p2", VoidPendingID: hold[0].ID, Code: "ORDER"}); !errors.Is(err, ledger.ErrPendingSettled) {
			t.Fatalf("voiding a posted hold: %v", err)
		}
		// A hold that times out is released by VoidExpired and cannot be posted.
		h2, err := apply(db, ledger.Request{ClientID: "h2", Debit: x.a.ID, Credit: x.b.ID, Amount: 5_00, Code: "ORDER", Pending: true, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		h3, err := apply(db, ledger.Request{ClientID: "h3", Debit: x.a.ID, Credit: x.b.ID, Amount: 7_00, Code: "ORDER", Pending: true})
		if err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return t0.Add(2 * time.Hour) }
		if _, err := apply(db, ledger.Request{ClientID: "p3", PostPendingID: h2[0].ID, Code: "ORDER"}); !errors.Is(err, ledger.ErrPendingExpired) {
			t.Fatalf("posting an expired hold: %v", err)
		}
		var n int
		if err := db.InTx(ctx, func(tx *store.Tx) error { n, err = ledger.VoidExpired(ctx, tx, 100); return err }); err != nil || n != 1 {
			t.Fatalf("void expired = %d, %v", n, err)
		}
		if _, err := apply(db, ledger.Request{ClientID: "v3", VoidPendingID: h3[0].ID, Code: "ORDER"}); err != nil {
			t.Fatal(err)
		}
		a = balance(t, db, x.a)
		if a.Balance() != 55_00 || a.DebitsPending != 0 {
			t.Fatalf("after voids: balance %d pending %d", a.Balance(), a.DebitsPending)
		}
		db.Now = real
		// Balance at past moments.
		for _, c := range []struct {
			at   time.Time
			want int64
		}{{t0.Add(-time.Second), 0}, {t0, 100_00}, {t0.Add(90 * time.Minute), 55_00}} {
			got, err := ledger.BalanceAt(ctx, db.Reader(), x.a.ID, c.at)
			if err != nil || got != c.want {
				t.Errorf("balance at %v = %d, %v; want %d", c.at, got, err, c.want)
			}
		}
		mustCheck(t, db)
	})
}

func TestCheckFindsCorruption(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		x := open(t, db)
		if _, err := apply(db, ledger.Request{ClientID: "f", Debit: x.world.ID, Credit: x.a.ID, Amount: 10_00, Code: "RECHARGE"}); err != nil {
			t.Fatal(err)
		}
		mustCheck(t, db)
		// Someone edits a balance behind the ledger's back.
		if _, err := db.WriterPool().Exec(db.Rebind(`UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = ?`), x.a.ID); err != nil {
			t.Fatal(err)
		}
		vs, err := ledger.Check(context.Background(), db.Reader())
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, v := range vs {
			kinds[v.Invariant] = true
		}
		if !kinds["debits = credits"] || !kinds["balance = sum of entries"] || !kinds["last balance_after = balance"] {
			t.Fatalf("violations = %v", vs)
		}
	})
}

// Many goroutines move money between a few accounts at once; afterwards the
// balances equal a model kept in the test and every invariant holds.
func TestConcurrentTransfersKeepInvariants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		x := open(t, db)
		accounts := []*ledger.Account{x.a, x.b, x.credit}
		if _, err := apply(db,
			ledger.Request{ClientID: "seed-a", Debit: x.world.ID, Credit: x.a.ID, Amount: 500_00, Code: "RECHARGE"},
			ledger.Request{ClientID: "seed-b", Debit: x.world.ID, Credit: x.b.ID, Amount: 500_00, Code: "RECHARGE"}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		model := map[string]int64{x.a.ID: 500_00, x.b.ID: 500_00, x.credit.ID: 0}
		var wg sync.WaitGroup
		for g := 0; g < 50; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(g), 7))
				for i := 0; i < 20; i++ {
					from, to := accounts[rng.IntN(3)], accounts[rng.IntN(3)]
					if from == to {
						continue
					}
					amount := int64(1 + rng.IntN(100_00))
					id := fmt.Sprintf("g%d-%d", g, i)
					req := ledger.Request{ClientID: id, Debit: from.ID, Credit: to.ID, Amount: amount, Code: "MOVE"}
					_, err := apply(db, req)
					// A retry of the same request must not move money twice.
					if err == nil && rng.IntN(4) == 0 {
						if again, err := apply(db, req); err != nil || !again[0].Replayed {
							t.Errorf("retry %s: %v", id, err)
						}
					}
					switch {
					case err == nil:
						mu.Lock()
						model[from.ID] -= amount
						model[to.ID] += amount
						mu.Unlock()
					case apperr.CodeOf(err) == apperr.Insufficient:
					default:
						t.Errorf("transfer %s: %v", id, err)
					}
				}
			}(g)
		}
		wg.Wait()
		for id, want := range model {
			a, err := ledger.Get(context.Background(), db.Reader(), id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Balance() != want {
				t.Errorf("account %s: balance %d, model %d", id, a.Balance(), want)
			}
		}
		mustCheck(t, db)
	})
}

func TestStatementPagesTotalsAndExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		x := open(t, db)
		ctx := context.Background()
		real := db.Now
		// Three billing days: 2026-03-01 23:30 CST is still March 1st.
		day1 := time.Date(2026, 3, 1, 23, 30, 0, 0, ledger.BillingZone)
		for i := 0; i < 25; i++ {
			at := day1.Add(time.Duration(i) * 3 * time.Hour)
			db.Now = func() time.Time { return at }
			code := "RECHARGE"
			req := ledger.Request{ClientID: fmt.Sprintf("s%d", i), Debit: x.world.ID, Credit: x.a.ID, Amount: int64(i+1) * 100, Code: code}
			if i%5 == 4 {
				req = ledger.Request{ClientID: fmt.Sprintf("s%d", i), Debit: x.a.ID, Credit: x.b.ID, Amount: 50, Code: "BEADJUST", Meta: map[string]string{"customer_id": "c1"}}
			}
			if _, err := apply(db, req); err != nil {
				t.Fatal(err)
			}
		}
		db.Now = real
		first, last := ledger.DayOf(day1), ledger.DayOf(day1.Add(72*time.Hour))
		if first != ledger.DayOf(time.Date(2026, 3, 1, 0, 0, 0, 0, ledger.BillingZone)) {
			t.Fatalf("23:30 CST fell on another billing day")
		}
		lines, tot, err := ledger.Statement(ctx, db.Reader(), ledger.StatementFilter{AccountID: x.a.ID, FromDay: first, ToDay: last, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		wantIncome := int64(0)
		for i := 0; i < 25; i++ {
			if i%5 != 4 {
				wantIncome += int64(i+1) * 100
			}
		}
		if tot.Count != 25 || tot.Income != wantIncome || tot.Expense != 5*50 || len(lines) != 10 {
			t.Fatalf("totals %+v, %d lines", tot, len(lines))
		}
		if lines[0].BalanceAfter != wantIncome-250 || lines[0].Code != "BEADJUST" || lines[0].Meta["customer_id"] != "c1" || lines[0].Amount != -50 {
			t.Fatalf("newest line = %+v", lines[0])
		}
		// Only March 1st: the first entry (23:30) alone.
		_, tot1, _ := ledger.Statement(ctx, db.Reader(), ledger.StatementFilter{AccountID: x.a.ID, FromDay: first, ToDay: first})
		if tot1.Count != 1 {
			t.Fatalf("first day count = %d", tot1.Count)
		}
		byCode, totCode, _ := ledger.Statement(ctx, db.Reader(), ledger.StatementFilter{AccountID: x.a.ID, FromDay: first, ToDay: last, Codes: []string{"BEADJUST"}, Limit: 100})
		if totCode.Count != 5 || len(byCode) != 5 {
			t.Fatalf("by code: %+v", totCode)
		}
		var seen int
		var prev int64
		err = ledger.EachLine(ctx, db.Reader(), ledger.StatementFilter{AccountID: x.a.ID, FromDay: first, ToDay: last}, func(l ledger.Line) error {
			prev += l.Amount
			if l.BalanceAfter != prev {
				return fmt.Errorf("line %d: balance_after %d, running sum %d", seen, l.BalanceAfter, prev)
			}
			seen++
			return nil
		})
		if err != nil || seen != 25 {
			t.Fatalf("export saw %d lines: %v", seen, err)
		}
		mustCheck(t, db)
	})
}
