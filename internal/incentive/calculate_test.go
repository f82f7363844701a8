package incentive_test

import (
	"context"
	"math/big"
	"math/rand/v2"
	"testing"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/incentive"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// model computes a partner's month independently of the SQL: the exact
// incentive of every (customer, service, manager) line of flagged products
// with a policy, as a rational number of fen, and the bonus.
type model struct {
	lines map[[3]string]*big.Rat
	total *big.Rat
}

func rateOf(p *partner.Partner, svc string, m incentive.Month) (int64, bool) {
	switch {
	case p.Type == partner.TotalDistributor && svc == svcECS:
		return 333, true
	case p.Type == partner.TotalDistributor && svc == svcOBS:
		return 1250, true
	case p.Type == partner.Reseller && svc == svcECS && m <= 202611:
		return 175, true
	case p.Type == partner.Reseller && svc == svcECS:
		return 225, true
	case p.Type == partner.Reseller && svc == svcOBS:
		return 0, true
	}
	return 0, false
}

func computeModel(w *world, fees []fee, p *partner.Partner, m incentive.Month) model {
	md := model{lines: map[[3]string]*big.Rat{}, total: new(big.Rat)}
	for _, f := range fees {
		if f.p != p || f.month != m || !f.product.Incentive {
			continue
		}
		rate, ok := rateOf(p, f.product.ServiceTypeCode, m)
		if !ok {
			continue
		}
		x := new(big.Rat).SetFrac(big.NewInt(f.amount*rate), big.NewInt(10000))
		k := [3]string{f.c.ID, f.product.ServiceTypeCode, f.manager}
		if md.lines[k] == nil {
			md.lines[k] = new(big.Rat)
		}
		md.lines[k].Add(md.lines[k], x)
		md.total.Add(md.total, x)
	}
	return md
}

// roundHalfUp rounds a rational number of fen to the fen, halves up.
func roundHalfUp(r *big.Rat) int64 {
	x := new(big.Rat).Add(r, big.NewRat(1, 2))
	q := new(big.Int).Div(x.Num(), x.Denom()) // Euclidean: floor for a positive denominator
	return q.Int64()
}

// TestTotalsEqualConsumptionTimesRates writes random consumption (charges
// and refunds, flagged and unflagged products, services with and without a
// policy, several managers) over two months and checks every partner's
// month against the model: the details sum to the exact total rounded to
// the fen, each detail is within a fen of its exact share, unflagged
// products and services without a policy count for nothing, and the
// statement adds the bonus of the customers new that month.
func TestTotalsEqualConsumptionTimesRates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		rng := rand.New(rand.NewPCG(7, 11))
		managers := []string{"", "mgr-1", "mgr-2"}
		var fees []fee
		for _, m := range []incentive.Month{nov, dec} {
			for _, p := range []*partner.Partner{w.dist, w.resl} {
				cs := w.distCust
				if p == w.resl {
					cs = w.reslCust
				}
				for i := 0; i < 60; i++ {
					c := cs[rng.IntN(len(cs))]
					if m == nov && c == cs[2] {
						continue // new in December
					}
					products := []*catalogue.Product{w.vmFlagged, w.vmPlain, w.obs, w.rds}
					amount := rng.Int64N(99_999_99) + 1
					if rng.IntN(6) == 0 {
						amount = -rng.Int64N(30_000_00) - 1
					}
					f := fee{p: p, c: c, product: products[rng.IntN(len(products))], month: m, amount: amount,
						manager: managers[rng.IntN(len(managers))]}
					fees = append(fees, f)
				}
			}
		}
		w.addFees(t, fees...)
		w.calculate(t, nov, dec)

		for _, p := range []*partner.Partner{w.dist, w.resl} {
			for _, m := range []incentive.Month{nov, dec} {
				md := computeModel(w, fees, p, m)
				if len(md.lines) < 6 {
					t.Fatalf("%s %s: only %d model lines: the random consumption is too thin to test", p.Name, m, len(md.lines))
				}
				var rebate int64
				seen := 0
				for _, d := range w.details(t, p, m) {
					if d.Kind != incentive.KindRebate {
						continue
					}
					exact := md.lines[[3]string{d.CustomerID, d.ServiceTypeCode, d.ManagerUserID}]
					if exact == nil {
						t.Fatalf("%s %s: a detail the model does not have: %+v", p.Name, m, d)
					}
					diff := new(big.Rat).Sub(new(big.Rat).SetInt64(d.Amount), exact)
					if diff.Abs(diff).Cmp(big.NewRat(1, 1)) >= 0 {
						t.Errorf("%s %s: detail %+v is %s from its exact share %s", p.Name, m, d, diff.FloatString(4), exact.FloatString(4))
					}
					rebate += d.Amount
					seen++
				}
				if seen != len(md.lines) {
					t.Errorf("%s %s: %d rebate details, the model has %d lines", p.Name, m, seen, len(md.lines))
				}
				want := roundHalfUp(md.total)
				st := w.statement(t, p, m)
				if rebate != want || st.Rebate != want {
					t.Errorf("%s %s: details sum to %d, statement says %d, the model %d (exact %s)", p.Name, m, rebate, st.Rebate, want, md.total.FloatString(4))
				}
				var bonus int64
				if p == w.dist && m == nov {
					bonus = 2 * 50_00 // customers 0 and 1 start in November
				}
				if p == w.dist && m == dec {
					bonus = 50_00 // customer 2 starts in December
				}
				if st.Bonus != bonus {
					t.Errorf("%s %s: bonus %d, want %d", p.Name, m, st.Bonus, bonus)
				}
				sum := st.Rebate + st.Bonus + st.CarryIn
				if st.Payable != max(sum, 0) || st.CarryOut != min(sum, 0) {
					t.Errorf("%s %s: payable %d carry %d from %d", p.Name, m, st.Payable, st.CarryOut, sum)
				}
				wantStatus := incentive.StatusToConfirm
				if m == dec {
					wantStatus = incentive.StatusEstimated
				}
				if st.Status != wantStatus {
					t.Errorf("%s %s: status %s, want %s", p.Name, m, st.Status, wantStatus)
				}
			}
		}
	})
}

// TestNegativeItemsFirstAndCarried: a month whose refunds exceed its
// charges pays nothing and carries the remainder, which the next month
// deducts before paying.
func TestNegativeItemsFirstAndCarried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		c := w.reslCust[0]
		// October: 1,000.00 charged → 17.50. November: a 3,000.00 refund
		// and 1,000.00 charged: −2,000.00 × 1.75 % = −35.00, carried.
		// December: 4,000.00 × 2.25 % = 90.00, less 35.00 carried = 55.00.
		w.addFees(t,
			fee{p: w.resl, c: c, product: w.vmFlagged, month: oct, amount: 1000_00},
			fee{p: w.resl, c: c, product: w.vmFlagged, month: nov, amount: 1000_00, manager: "m1"},
			fee{p: w.resl, c: c, product: w.vmFlagged, month: nov, amount: -3000_00, manager: "m1"},
			fee{p: w.resl, c: c, product: w.vmFlagged, month: dec, amount: 4000_00})
		w.calculate(t, oct, nov, dec)
		o, n, d := w.statement(t, w.resl, oct), w.statement(t, w.resl, nov), w.statement(t, w.resl, dec)
		if o.Payable != 17_50 || o.CarryOut != 0 {
			t.Errorf("October: %+v", o)
		}
		if n.Consumption != 1000_00 || n.Refunds != -3000_00 || n.Rebate != -35_00 || n.Payable != 0 || n.CarryOut != -35_00 || !n.Carried() {
			t.Errorf("November: %+v", n)
		}
		if d.CarryIn != -35_00 || d.Rebate != 90_00 || d.Payable != 55_00 || d.CarryOut != 0 {
			t.Errorf("December: %+v", d)
		}
		// The refund detail itself is negative: 业绩 sees it.
		ds := w.details(t, w.resl, nov)
		if len(ds) != 1 || ds[0].Amount != -35_00 || ds[0].ManagerUserID != "m1" || ds[0].Consumption != -2000_00 || ds[0].Refunds != -3000_00 {
			t.Errorf("November details: %+v", ds)
		}
	})
}

// TestRecalculationIsIdempotent: running a month again gives the same rows;
// a confirmed month is not recomputed even when new consumption arrives.
func TestRecalculationIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		for i, c := range w.distCust {
			w.addFees(t, fee{p: w.dist, c: c, product: w.vmFlagged, month: nov, amount: int64(i+1) * 333_33, manager: "m"},
				fee{p: w.dist, c: c, product: w.obs, month: nov, amount: int64(i+1) * 77_77})
		}
		w.calculate(t, nov)
		first := snapshot(t, db)
		res, err := incentive.CalculateMonth(ctx, db, nov)
		if err != nil || res.Computed != 1 {
			t.Fatalf("second run: %+v %v", res, err)
		}
		if again := snapshot(t, db); again != first {
			t.Fatalf("a second run changed the month:\n%s\n---\n%s", first, again)
		}
		st := w.statement(t, w.dist, nov)
		if _, err := inTx(t, db, func(ctx context.Context, tx *store.Tx) (*incentive.Statement, error) {
			st, _, err := incentive.ConfirmStatement(ctx, tx, w.dist.ID, st.ID, "boss")
			return st, err
		}); err != nil {
			t.Fatal(err)
		}
		confirmed := snapshot(t, db)
		w.addFees(t, fee{p: w.dist, c: w.distCust[0], product: w.vmFlagged, month: nov, amount: 1_000_000_00})
		res, err = incentive.CalculateMonth(ctx, db, nov)
		if err != nil || res.Frozen != 1 || res.Computed != 0 {
			t.Fatalf("run after confirmation: %+v %v", res, err)
		}
		if after := snapshot(t, db); after != confirmed {
			t.Fatalf("a confirmed month changed")
		}
	})
}
