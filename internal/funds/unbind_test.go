package funds_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestUnbindReturnsTheBalanceOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		main := &auth.Principal{Kind: auth.KindPartner, UserID: "u-main", Username: "dist", PartnerID: f.dist.ID, IsMain: true}
		sales := &auth.Principal{Kind: auth.KindPartner, UserID: "u-sales", Username: "sales", PartnerID: f.dist.ID, Roles: []auth.Role{auth.PartnerSales}}
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Recharge(ctx, tx, f.dist.ID, 500_00, "bank_transfer", "", "")
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 321_45, "", "dist", "")
		}); err != nil {
			t.Fatal(err)
		}
		hooked := 0
		funds.RegisterUnbindHook(func(ctx context.Context, tx *store.Tx, partnerID, customerID string) error {
			if customerID == f.resale.ID {
				hooked++
			}
			return nil
		})
		request := func(p *auth.Principal) (string, error) {
			var token string
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				token, _, err = funds.RequestUnbind(ctx, tx, p, f.resale.ID)
				return err
			})
			return token, err
		}
		if _, err := request(sales); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a sub-account unbinding: %v", err)
		}
		// Frozen customers cannot be unbound.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := customer.Freeze(ctx, tx, f.dist.ID, f.resale.ID, customer.FrozenAccount, "test")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := request(main); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("unbinding a frozen customer: %v", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := customer.Unfreeze(ctx, tx, f.dist.ID, f.resale.ID, "ok")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		token, err := request(main)
		if err != nil {
			t.Fatal(err)
		}
		// Nothing moves until the customer confirms.
		if got := f.customerBalance(t, f.resale.ID); got != 321_45 {
			t.Fatalf("balance before confirmation = %d", got)
		}
		confirm := func(tok string) (*funds.UnbindRequest, error) {
			var r *funds.UnbindRequest
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				r, err = funds.ConfirmUnbind(ctx, tx, tok)
				return err
			})
			return r, err
		}
		r, err := confirm(token)
		if err != nil || r.ReturnedAmount != 321_45 || r.TransID == "" {
			t.Fatalf("confirm: %+v %v", r, err)
		}
		if _, err := confirm(token); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("confirming twice: %v", err)
		}
		if b := f.balances(t, f.dist.ID); b.Recharge != 500_00 || f.customerBalance(t, f.resale.ID) != 0 || hooked != 1 {
			t.Fatalf("after unbinding: partner %d, customer %d, hook %d", b.Recharge, f.customerBalance(t, f.resale.ID), hooked)
		}
		if _, err := customer.Get(ctx, db.Reader(), customer.PartnerScope(f.dist.ID), f.resale.ID); !errors.Is(err, customer.ErrNotFound) {
			t.Fatalf("the unbound customer is still the partner's: %v", err)
		}
		adj, _, _ := funds.Adjustments(ctx, db.Reader(), funds.AdjustmentFilter{PartnerID: f.dist.ID, OperationType: funds.OpUnbind})
		if len(adj) != 1 || adj[0].Amount != 321_45 {
			t.Fatalf("unbind adjustment: %+v", adj)
		}
		// Re-associated at once, it cannot be unbound again within three months.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return customer.Associate(ctx, tx, f.dist.ID, f.resale.ID, customer.Resale)
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := request(main); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("second unbinding within three months: %v", err)
		}
		real := db.Now
		db.Now = func() time.Time { return real().AddDate(0, 3, 1) }
		tok2, err := request(main)
		if err != nil {
			t.Fatalf("unbinding after three months: %v", err)
		}
		db.Now = func() time.Time { return real().AddDate(0, 3, 9) }
		if _, err := confirm(tok2); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("an expired link: %v", err)
		}
		db.Now = real
		if _, err := confirm("forged"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("a forged link: %v", err)
		}
		checkLedger(t, db)
	})
}

func TestWithdrawalHoldsUntilDecided(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Recharge(ctx, tx, f.dist.ID, 100_00, "bank_transfer", "", "")
		}); err != nil {
			t.Fatal(err)
		}
		withdraw := func(amount int64) (*funds.Withdrawal, error) {
			var w *funds.Withdrawal
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				w, err = funds.RequestWithdrawal(ctx, tx, f.dist.ID, amount, "6222 0000 1111", "dist")
				return err
			})
			return w, err
		}
		decide := func(id string, approve bool, reason string) error {
			return db.InTx(ctx, func(tx *store.Tx) error {
				_, err := funds.DecideWithdrawal(ctx, tx, id, approve, reason, "finance")
				return err
			})
		}
		w1, err := withdraw(70_00)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := withdraw(30_01); apperr.CodeOf(err) != apperr.Insufficient {
			t.Fatalf("withdrawing held money: %v", err)
		}
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 30_01, "", "dist", "")
		}); apperr.CodeOf(err) != apperr.Insufficient {
			t.Fatalf("allocating held money: %v", err)
		}
		if err := decide(w1.ID, false, ""); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("rejecting without a reason: %v", err)
		}
		if err := decide(w1.ID, false, "wrong bank account"); err != nil {
			t.Fatal(err)
		}
		if b := f.balances(t, f.dist.ID); b.RechargeAvailable != 100_00 {
			t.Fatalf("after rejection available = %d", b.RechargeAvailable)
		}
		w2, _ := withdraw(40_00)
		if err := decide(w2.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if err := decide(w2.ID, false, "again"); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("deciding twice: %v", err)
		}
		if b := f.balances(t, f.dist.ID); b.Recharge != 60_00 || b.RechargeAvailable != 60_00 {
			t.Fatalf("after approval: %+v", b)
		}
		list, total, _ := funds.Withdrawals(ctx, db.Reader(), f.dist.ID, "", 0, 10)
		if total != 2 || list[0].Status != funds.WithdrawalApproved || list[1].Reason != "wrong bank account" {
			t.Fatalf("withdrawals: %+v", list)
		}
		// The statement shows the recharge and the approved withdrawal.
		q := funds.StatementQuery{PartnerID: f.dist.ID}
		if err := q.Normalize(time.Now()); err != nil {
			t.Fatal(err)
		}
		lines, tot, err := funds.Statement(ctx, db.Reader(), q)
		if err != nil || tot.Count != 2 || tot.Income != 100_00 || tot.Expense != 40_00 || lines[0].TradeDetailType != "WITHDRAW" || lines[0].BalanceAfter != 60_00 {
			t.Fatalf("statement: %+v %+v %v", lines, tot, err)
		}
		for _, bad := range []funds.StatementQuery{
			{PartnerID: f.dist.ID, BalanceType: "BALANCE_TYPE_GOLD"},
			{PartnerID: f.dist.ID, TradeType: "STEAL"},
			{PartnerID: f.dist.ID, From: time.Now().AddDate(-2, 0, 0)},
			{PartnerID: f.dist.ID, From: time.Now(), To: time.Now().AddDate(0, 0, -1)},
		} {
			if err := bad.Normalize(time.Now()); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		checkLedger(t, db)
	})
}
