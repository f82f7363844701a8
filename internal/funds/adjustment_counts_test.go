package funds_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"partnercenter/internal/funds"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// adjustmentSubjects counts the 调账记录 of every (partner, subject), as
// fund_adjustment_counts should: subject "" for all of the partner's,
// else a customer's or an indirect reseller's.
const adjustmentSubjects = `SELECT partner_id, subject, COUNT(*) FROM (
	SELECT partner_id, '' AS subject FROM fund_adjustments
	UNION ALL SELECT partner_id, customer_id FROM fund_adjustments WHERE customer_id IS NOT NULL
	UNION ALL SELECT partner_id, indirect_partner FROM fund_adjustments WHERE indirect_partner IS NOT NULL) s
	GROUP BY partner_id, subject`

// countsBy reads (partner, subject, count) rows, leaving out zeros.
func countsBy(t *testing.T, db *store.DB, query string) map[[2]string]int {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[[2]string]int{}
	for rows.Next() {
		var k [2]string
		var n int
		if err := rows.Scan(&k[0], &k[1], &n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			out[k] = n
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkAdjustmentCounts compares fund_adjustment_counts with the records
// for every (partner, subject), and the totals of the lists the counters
// serve with the records' count, on a page and past the last page.
func checkAdjustmentCounts(t *testing.T, db *store.DB, when string) {
	t.Helper()
	want := countsBy(t, db, adjustmentSubjects)
	got := countsBy(t, db, `SELECT partner_id, subject, SUM(records) FROM fund_adjustment_counts GROUP BY partner_id, subject`)
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: partner %s, subject %q: counted %d, has %d", when, k[0], k[1], got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: partner %s, subject %q: counted %d, has none", when, k[0], k[1], n)
		}
	}
	ctx := context.Background()
	for k := range want {
		// Every page, in the order of the records themselves.
		cond, args := "1 = 1", []any{k[0]}
		if k[1] != "" {
			cond, args = "(customer_id = ? OR indirect_partner = ?)", append(args, k[1], k[1])
		}
		order := storetest.Column(t, db, `SELECT trans_id FROM fund_adjustments WHERE partner_id = ? AND `+cond+
			` ORDER BY at DESC, trans_id DESC`, args...)
		var listed []string
		for offset := 0; offset <= len(order); offset += 3 {
			page, _, err := funds.Adjustments(ctx, db.Reader(), funds.AdjustmentFilter{PartnerID: k[0], CustomerID: k[1], Offset: offset, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				listed = append(listed, a.TransID)
			}
		}
		if !slices.Equal(listed, order) {
			t.Errorf("%s: partner %s, subject %q: pages list %q, want %q", when, k[0], k[1], listed, order)
		}
	}
	for k, n := range want {
		for _, page := range []funds.AdjustmentFilter{{Limit: 2}, {Offset: 1000}} {
			page.PartnerID, page.CustomerID = k[0], k[1]
			if _, total, err := funds.Adjustments(ctx, db.Reader(), page); err != nil || total != n {
				t.Errorf("%s: partner %s, subject %q (offset %d): listed %d, has %d: %v", when, k[0], k[1], page.Offset, total, n, err)
			}
		}
	}
}

// recharge pays amount into a partner's recharge account.
func (f *fixture) recharge(t *testing.T, partnerID string, amount int64) {
	t.Helper()
	if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
		return funds.Recharge(ctx, tx, partnerID, amount, "bank_transfer", "", "")
	}); err != nil {
		t.Fatal(err)
	}
}

func TestAdjustmentCountsFollowEveryRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		must := func(what string, fn func(ctx context.Context, tx *store.Tx) (*funds.Result, error)) {
			t.Helper()
			if _, err := f.do(fn); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		f.recharge(t, f.dist.ID, 1000_00)
		f.recharge(t, f.other.ID, 1000_00)
		checkAdjustmentCounts(t, db, "before any record")

		// Allocations and reclaims, one at a time, replayed, and together.
		must("allocate", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 100_00, "", "dist", "count-1")
		})
		must("allocate again", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 100_00, "", "dist", "count-1")
		})
		must("reclaim", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Reclaim(ctx, tx, f.dist.ID, f.resale.ID, 30_00, "", "dist", "")
		})
		must("allocate elsewhere", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.other.ID, f.otherCust.ID, 10_00, "", "other", "")
		})
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var moves []funds.CustomerMove
			for i := range 5 {
				moves = append(moves, funds.CustomerMove{PartnerID: f.dist.ID, CustomerID: f.resale.ID, Op: funds.OpAllocate, Amount: int64(i+1) * 1_00,
					Operator: "dist", Client: fmt.Sprintf("count-batch-%d", i)})
			}
			moves = append(moves, funds.CustomerMove{PartnerID: f.dist.ID, CustomerID: f.referral.ID, Op: funds.OpAllocate, Amount: 1_00, Operator: "dist"})
			_, _, err := funds.MoveCustomers(ctx, tx, moves)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		checkAdjustmentCounts(t, db, "after customer moves")

		// A distributor and its indirect reseller, which funds its own
		// customer.
		must("allocate to reseller", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.AllocateToReseller(ctx, tx, f.dist.ID, f.resA.ID, 60_00, "dist", "")
		})
		must("reclaim from reseller", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.ReclaimFromReseller(ctx, tx, f.dist.ID, f.resA.ID, 10_00, "dist", "")
		})
		must("reseller allocates", func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
			return funds.Allocate(ctx, tx, f.resA.ID, f.resaCust.ID, 20_00, "", "res-a", "")
		})
		checkAdjustmentCounts(t, db, "after reseller moves")

		// An unbinding returns the customer's balance with a record.
		if returned, err := unbindAndRebind(db, f.dist.ID, f.resale.ID); err != nil || returned == 0 {
			t.Fatalf("unbind: returned %d: %v", returned, err)
		}
		checkAdjustmentCounts(t, db, "after an unbinding")

		// Writers other than this package: a record moved to another
		// customer and partner, records deleted.
		exec := func(query string, args ...any) {
			t.Helper()
			if _, err := db.WriterPool().ExecContext(ctx, db.Rebind(query), args...); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}
		exec(`UPDATE fund_adjustments SET partner_id = ?, customer_id = ? WHERE client_id = 'count-batch-0'`, f.other.ID, f.otherCust.ID)
		exec(`UPDATE fund_adjustments SET memo = 'same' WHERE partner_id = ?`, f.dist.ID)
		checkAdjustmentCounts(t, db, "after direct updates")
		exec(`DELETE FROM fund_adjustments WHERE client_id IN ('count-batch-1', 'count-batch-2')`)
		checkAdjustmentCounts(t, db, "after deletion")
	})
}

func TestAdjustmentsCountFromCounters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		f.recharge(t, f.dist.ID, 1000_00)
		for i := range 4 {
			if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.Allocate(ctx, tx, f.dist.ID, f.resale.ID, 10_00, "", "dist", "")
			}); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
					return funds.Reclaim(ctx, tx, f.dist.ID, f.resale.ID, 1_00, "", "dist", "")
				}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for range 3 {
			if _, err := f.do(func(ctx context.Context, tx *store.Tx) (*funds.Result, error) {
				return funds.AllocateToReseller(ctx, tx, f.dist.ID, f.resA.ID, 5_00, "dist", "")
			}); err != nil {
				t.Fatal(err)
			}
		}
		list := func(fl funds.AdjustmentFilter) int {
			t.Helper()
			fl.PartnerID = f.dist.ID
			_, total, err := funds.Adjustments(ctx, db.Reader(), fl)
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
		now := time.Now()
		check := func(when string, off int) {
			t.Helper()
			for _, c := range []struct {
				name   string
				filter funds.AdjustmentFilter
				want   int
			}{
				{"all", funds.AdjustmentFilter{Limit: 1}, 9 + off},
				{"all past the end", funds.AdjustmentFilter{Offset: 100}, 9 + off},
				{"the customer", funds.AdjustmentFilter{CustomerID: f.resale.ID, Limit: 1}, 6 + off},
				{"the customer past the end", funds.AdjustmentFilter{CustomerID: f.resale.ID, Offset: 100}, 6 + off},
				{"the reseller", funds.AdjustmentFilter{CustomerID: f.resA.ID, Limit: 1}, 3 + off},
				{"a stranger", funds.AdjustmentFilter{CustomerID: f.otherCust.ID}, 0},
				// Other filters count the records they match.
				{"reclaims", funds.AdjustmentFilter{OperationType: funds.OpReclaim}, 2},
				{"the customer's allocations", funds.AdjustmentFilter{CustomerID: f.resale.ID, OperationType: funds.OpAllocate}, 4},
				{"since an hour ago", funds.AdjustmentFilter{From: now.Add(-time.Hour)}, 9},
				{"the reseller until an hour ago", funds.AdjustmentFilter{CustomerID: f.resA.ID, To: now.Add(-time.Hour)}, 0},
				{"the reseller until an hour on", funds.AdjustmentFilter{CustomerID: f.resA.ID, To: now.Add(time.Hour), Offset: 100}, 3},
			} {
				if n := list(c.filter); n != c.want {
					t.Errorf("%s: %s counts %d, want %d", when, c.name, n, c.want)
				}
			}
		}
		check("as recorded", 0)

		// The totals of the partner and of a customer are the counters':
		// set them apart from the records to tell which was read.
		if _, err := db.WriterPool().ExecContext(ctx, db.Rebind(`INSERT INTO fund_adjustment_counts (partner_id, subject, slot, records)
			SELECT DISTINCT partner_id, subject, 1000, 100 FROM fund_adjustment_counts`)); err != nil {
			t.Fatal(err)
		}
		check("counters off by 100", 100)
	})
}
