package funds_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

type fixture struct {
	db                  *store.DB
	dist, resA, other   *partner.Partner
	resale, referral    *customer.Customer
	otherCust, resaCust *customer.Customer
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		mkP := func(name string, typ partner.Type, parent string) *partner.Partner {
			if err != nil {
				return nil
			}
			var p *partner.Partner
			p, err = partner.Create(ctx, tx, partner.NewPartner{Name: name, Type: typ, Stage: partner.Certified, ParentID: parent})
			return p
		}
		f.dist = mkP("dist", partner.TotalDistributor, "")
		f.other = mkP("other", partner.Reseller, "")
		if err != nil {
			return err
		}
		f.resA = mkP("res-a", partner.Reseller, f.dist.ID)
		mkC := func(p *partner.Partner, name string) *customer.Customer {
			if err != nil {
				return nil
			}
			var c *customer.Customer
			c, err = customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: name}, false)
			return c
		}
		f.resale = mkC(f.dist, "resale-cust")
		f.otherCust = mkC(f.other, "other-cust")
		f.resaCust = mkC(f.resA, "resa-cust")
		if err != nil {
			return err
		}
		acct, err := customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: "referral-cust"})
		if err != nil {
			return err
		}
		if err := customer.Associate(ctx, tx, f.dist.ID, acct.ID, customer.Referral); err != nil {
			return err
		}
		f.referral = acct
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) do(fn func(ctx context.Context, tx *store.Tx) (*funds.Result, error)) (*funds.Result, error) {
	var r *funds.Result
	err := f.db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		r, err = fn(context.Background(), tx)
		return err
	})
	return r, err
}

func (f *fixture) balances(t *testing.T, partnerID string) *funds.Balances {
	t.Helper()
	b, err := funds.PartnerBalances(context.Background(), f.db.Reader(), partnerID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) customerBalance(t *testing.T, id string) int64 {
	t.Helper()
	b, _, err := funds.CustomerBalance(context.Background(), f.db.Reader(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkLedger(t *testing.T, db *store.DB) {
	t.Helper()
	vs, err := ledger.Check(context.Background(), db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("ledger invariant: %s", v)
	}
}

func TestAllocateAndReclaimSplitBetweenRechargeAndCredit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Recharge(ctx, tx, f.dist.ID, 1000_00, "bank_transfer", "BANK-001", "")
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := funds.SetCreditLine(ctx, tx, f.dist.ID, 500_00, "annual review", "finance")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// 1,200 yuan: 1,000 from the recharge account, 200 from credit.
		res, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 1200_00, "Q4 budget", "dist", "alloc-1")
		})
		if err != nil || res.TransID == "" {
			t.Fatalf("allocate: %+v %v", res, err)
		}
		b := f.balances(t, f.dist.ID)
		if b.Recharge != 0 || b.CreditUsed != 200_00 || b.CreditAvailable != 300_00 || f.customerBalance(t, f.resale.ID) != 1200_00 {
			t.Fatalf("after allocate: %+v, customer %d", b, f.customerBalance(t, f.resale.ID))
		}
		// A retry with the same id does not pay twice; another amount under the same id is refused.
		again, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 1200_00, "Q4 budget", "dist", "alloc-1")
		})
		if err != nil || !again.Replayed || again.TransID != res.TransID {
			t.Fatalf("retry: %+v %v", again, err)
		}
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 1_00, "Q4 budget", "dist", "alloc-1")
		}); !errors.Is(err, ledger.ErrIdempotencyConflict) {
			t.Fatalf("same id, other amount: %v", err)
		}
		// Reclaim 250: 200 repays the credit, 50 goes to the recharge account.
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Reclaim(ctx, tx, f.dist.ID, f.resale.ID, 250_00, "", "dist", "")
		}); err != nil {
			t.Fatal(err)
		}
		b = f.balances(t, f.dist.ID)
		if b.Recharge != 50_00 || b.CreditUsed != 0 || f.customerBalance(t, f.resale.ID) != 950_00 {
			t.Fatalf("after reclaim: %+v, customer %d", b, f.customerBalance(t, f.resale.ID))
		}
		// The credit line cannot go below what is used.
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 150_00, "", "dist", "")
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := funds.SetCreditLine(ctx, tx, f.dist.ID, 50_00, "cut", "finance")
			return err
		}); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("credit line below used: %v", err)
		}
		hist, _ := funds.CreditLineHistory(ctx, db.Reader(), f.dist.ID)
		if len(hist) != 1 || hist[0].After != 500_00 || hist[0].Reason != "annual review" {
			t.Fatalf("credit line history: %+v", hist)
		}
		adj, total, err := funds.Adjustments(ctx, db.Reader(), funds.AdjustmentFilter{PartnerID: f.dist.ID})
		if err != nil || total != 3 || adj[0].OperationType != funds.OpAllocate || adj[1].OperationType != funds.OpReclaim || adj[2].Memo != "Q4 budget" {
			t.Fatalf("adjustments: %d %+v %v", total, adj, err)
		}
		checkLedger(t, db)
	})
}

func TestBadAllocationsChangeNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Recharge(ctx, tx, f.dist.ID, 100_00, "online_payment", "", "")
		}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			fn   func(ctx context.Context, tx *store.Tx) (*funds.Result, error)
			code apperr.Code
		}{
			{"zero", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 0, "", "x", "")
			}, apperr.Invalid},
			{"negative", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, -1, "", "x", "")
			}, apperr.Invalid},
			{"above balance", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 100_01, "", "x", "")
			}, apperr.Insufficient},
			{"referral", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.Allocate(ctx, tx, f.dist.ID, f.referral.ID, 1_00, "", "x", "")
			}, apperr.Conflict},
			{"another partner's customer", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.Allocate(ctx, tx, f.dist.ID, f.otherCust.ID, 1_00, "", "x", "")
			}, apperr.NotFound},
			{"reseller's customer without acting for it", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.Allocate(ctx, tx, f.dist.ID, f.resaCust.ID, 1_00, "", "x", "")
			}, apperr.NotFound},
			{"reclaim above the customer's balance", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.Reclaim(ctx, tx, f.dist.ID, f.resale.ID, 1, "", "x", "")
			}, apperr.Insufficient},
			{"reseller of another distributor", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.AllocateToReseller(ctx, tx, f.dist.ID, f.other.ID, 1_00, "x", "")
			}, apperr.NotFound},
			{"reclaim more than the reseller holds", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.ReclaimFromReseller(ctx, tx, f.dist.ID, f.resA.ID, 1_00, "x", "")
			}, apperr.Insufficient},
		}
		for _, c := range cases {
			if _, err := f.do(c.fn); apperr.CodeOf(err) != c.code {
				t.Errorf("%s: err %v, want %s", c.name, err, c.code)
			}
		}
		if b := f.balances(t, f.dist.ID); b.Recharge != 100_00 {
			t.Errorf("partner balance %d after refused operations", b.Recharge)
		}
		if _, total, _ := funds.Adjustments(context.Background(), db.Reader(), funds.AdjustmentFilter{PartnerID: f.dist.ID}); total != 0 {
			t.Errorf("%d adjustments recorded by refused operations", total)
		}
		// A distributor funds its reseller, which funds its own customer.
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.AllocateToReseller(ctx, tx, f.dist.ID, f.resA.ID, 60_00, "dist", "")
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.resA.ID, f.resaCust.ID, 20_00, "", "res-a", "")
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.ReclaimFromReseller(ctx, tx, f.dist.ID, f.resA.ID, 40_01, "dist", "")
		}); apperr.CodeOf(err) != apperr.Insufficient {
			t.Errorf("reclaiming money the reseller already gave its customer: %v", err)
		}
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.ReclaimFromReseller(ctx, tx, f.dist.ID, f.resA.ID, 40_00, "dist", "")
		}); err != nil {
			t.Fatal(err)
		}
		if adj, _, _ := funds.Adjustments(context.Background(), db.Reader(), funds.AdjustmentFilter{PartnerID: f.dist.ID, CustomerID: f.resA.ID}); len(adj) != 2 {
			t.Errorf("adjustments filtered by the reseller: %d, want its allocation and reclaim", len(adj))
		}
		if b := f.balances(t, f.dist.ID); b.Recharge != 80_00 {
			t.Errorf("distributor after reseller round trip: %d", b.Recharge)
		}
		checkLedger(t, db)
	})
}

// 50 goroutines allocate, reclaim and unbind at random on the same few
// accounts, some retrying their request; balances end equal to a model and
// the ledger holds.
func TestConcurrentAllocationsMatchModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Recharge(ctx, tx, f.dist.ID, 2000_00, "bank_transfer", "", "")
		}); err != nil {
			t.Fatal(err)
		}
		var second *customer.Customer
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			var err error
			second, err = customer.Create(context.Background(), tx, f.dist, customer.NewCustomer{DomainName: "second-cust"}, false)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		custs := []string{f.resale.ID, second.ID}
		var mu sync.Mutex
		model := map[string]int64{"partner": 2000_00, custs[0]: 0, custs[1]: 0}
		var wg sync.WaitGroup
		for g := 0; g < 50; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(g), 11))
				for i := 0; i < 10; i++ {
					c := custs[rng.IntN(2)]
					amount := int64(1 + rng.IntN(300_00))
					id := fmt.Sprintf("op-%d-%d", g, i)
					if rng.IntN(10) == 0 {
						// Unbind the customer (its balance returns to the
						// partner), then associate it again so the others
						// can go on funding it. Later unbindings of it are
						// refused by the three-month rule.
						returned, err := unbindAndRebind(db, f.dist.ID, c)
						switch {
						case err == nil:
							mu.Lock()
							model["partner"] += returned
							model[c] -= returned
							mu.Unlock()
						case apperr.CodeOf(err) == apperr.Conflict:
						default:
							t.Errorf("unbind %s: %v", id, err)
						}
						continue
					}
					allocate := rng.IntN(2) == 0
					op := func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
						if allocate {
							return funds.Allocate(ctx, tx, f.dist.ID, c, amount, "", "t", id)
						}
						return funds.Reclaim(ctx, tx, f.dist.ID, c, amount, "", "t", id)
					}
					_, err := f.do(op)
					if err == nil && rng.IntN(3) == 0 {
						if r, err := f.do(op); err != nil || !r.Replayed {
							t.Errorf("retry %s: %+v %v", id, r, err)
						}
					}
					switch {
					case err == nil:
						mu.Lock()
						if allocate {
							model["partner"] -= amount
							model[c] += amount
						} else {
							model["partner"] += amount
							model[c] -= amount
						}
						mu.Unlock()
					case apperr.CodeOf(err) == apperr.Insufficient:
					case apperr.CodeOf(err) == apperr.NotFound:
						// The customer is between its unbinding and its new association.
					default:
						t.Errorf("%s: %v", id, err)
					}
				}
			}(g)
		}
		wg.Wait()
		if got := f.balances(t, f.dist.ID).Recharge; got != model["partner"] {
			t.Errorf("partner %d, model %d", got, model["partner"])
		}
		for _, c := range custs {
			if got := f.customerBalance(t, c); got != model[c] {
				t.Errorf("customer %s: %d, model %d", c, got, model[c])
			}
		}
		checkLedger(t, db)
	})
}

// unbindAndRebind requests and confirms an unbinding as the partner's main
// account and the customer would, then associates the customer again.
func unbindAndRebind(db *store.DB, partnerID, customerID string) (int64, error) {
	ctx := context.Background()
	main := &auth.Principal{Kind: auth.KindPartner, UserID: "main", Username: "main", PartnerID: partnerID, IsMain: true}
	var token string
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		token, _, err = funds.RequestUnbind(ctx, tx, main, customerID)
		return err
	}); err != nil {
		return 0, err
	}
	var returned int64
	err := db.InTx(ctx, func(tx *store.Tx) error {
		r, err := funds.ConfirmUnbind(ctx, tx, token)
		if err != nil {
			return err
		}
		returned = r.ReturnedAmount
		return customer.Associate(ctx, tx, partnerID, customerID, customer.Resale)
	})
	return returned, err
}
