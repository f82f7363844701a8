package opportunity_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"partnercenter/internal/opportunity"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// queueInOneSort is the review queue's order as one ORDER BY over every
// matching PO, how it was read before it was read in three parts; the
// parts must give exactly this order, page by page.
func queueInOneSort(t *testing.T, db *store.DB, psm, status string, now time.Time) []string {
	t.Helper()
	where, args := "o.origin = ? AND o.review_status <> ?", []any{opportunity.PO, opportunity.Draft}
	if psm != "" {
		where, args = where+" AND o.psm_user_id = ?", append(args, psm)
	}
	if status != "" {
		where, args = where+" AND o.review_status = ?", append(args, status)
	}
	return storetest.Column(t, db, `SELECT o.id FROM opportunities o WHERE `+where+`
		ORDER BY CASE WHEN o.review_status IN (?, ?) AND o.review_due_at <= ? THEN 0
		WHEN o.review_status IN (?, ?, ?) THEN 1 ELSE 2 END, COALESCE(o.review_due_at, 0), o.created_at DESC, o.id`,
		append(args, opportunity.Submitted, opportunity.InReview, store.Micros(now),
			opportunity.Submitted, opportunity.InReview, opportunity.ActionRequired)...)
}

// insertPOs writes n POs of the fixture's partner straight into the table,
// numbered from first, each as gen(i) describes it.
func insertPOs(t *testing.T, db *store.DB, partnerID string, first, n int, gen func(i int) (status, psm string, due any, created int64)) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		for i := first; i < first+n; i++ {
			status, psm, due, created := gen(i)
			if _, err := tx.ExecContext(ctx, `INSERT INTO opportunities (id, code, origin, partner_id, customer_key, project_name, review_status,
					sales_stage, psm_user_id, review_due_at, created_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 'identify', ?, ?, 'test', ?, ?)`,
				fmt.Sprintf("q-%06d", i), fmt.Sprintf("POQ%06d", i), opportunity.PO, partnerID, fmt.Sprintf("k%d", i), fmt.Sprintf("queue %d", i),
				status, psm, due, created, created); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Every status, due dates missing, past, at the moment of the query and
// ahead, creation times that tie: read page by page, the queue is the
// one-sort order, for everyone's queue, a PSM's and a status filter.
func TestReviewQueuePagesAreTheWholeQueueInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		now := time.Now()
		statuses := []string{opportunity.Draft, opportunity.Submitted, opportunity.InReview, opportunity.ActionRequired,
			opportunity.Approved, opportunity.Rejected, opportunity.Expired}
		rnd := rand.New(rand.NewPCG(3, 4))
		hour := int64(time.Hour / time.Microsecond)
		insertPOs(t, db, f.p.ID, 0, 400, func(i int) (string, string, any, int64) {
			psm := f.psmA.ID
			if i%3 == 0 {
				psm = f.psmB.ID
			}
			var due any
			switch rnd.IntN(5) {
			case 0: // none
			case 1:
				due = store.Micros(now)
			case 2:
				due = store.Micros(now) + int64(rnd.IntN(3)-1)
			default:
				due = store.Micros(now) + int64(rnd.IntN(200)-100)*hour
			}
			return statuses[rnd.IntN(len(statuses))], psm, due, store.Micros(now) - int64(rnd.IntN(40))*hour
		})
		for _, c := range []struct {
			filter opportunity.QueueFilter
			psm    string
		}{
			{opportunity.QueueFilter{All: true}, ""},
			{opportunity.QueueFilter{PSMUserID: f.psmB.ID}, f.psmB.ID},
			{opportunity.QueueFilter{All: true, ReviewStatus: opportunity.InReview}, ""},
			{opportunity.QueueFilter{All: true, ReviewStatus: opportunity.Approved}, ""},
		} {
			want := queueInOneSort(t, db, c.psm, c.filter.ReviewStatus, now)
			if len(want) < 40 {
				t.Fatalf("%+v: only %d POs", c.filter, len(want))
			}
			var got []string
			for page := 0; ; page++ {
				qf := c.filter
				qf.Now, qf.Limit, qf.Offset = now, 7, page*7
				list, total, more, err := opportunity.ReviewQueue(ctx, db.Reader(), qf)
				if err != nil {
					t.Fatal(err)
				}
				if total != len(want) || more {
					t.Fatalf("%+v: total %d (more %v), want %d", c.filter, total, more, len(want))
				}
				if len(list) == 0 {
					break
				}
				for _, o := range list {
					got = append(got, o.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%+v: pages\n%v\nwant\n%v", c.filter, got, want)
			}
		}
	})
}

// Past QueueCountCap the queue says there are more instead of counting
// them; a filter that narrows it below the cap is counted exactly.
func TestReviewQueueCountStopsAtTheCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		now := time.Now()
		n := opportunity.QueueCountCap + 5
		insertPOs(t, db, f.p.ID, 0, n, func(i int) (string, string, any, int64) {
			if i%1000 == 0 {
				return opportunity.Submitted, f.psmB.ID, store.Micros(now) - int64(i), store.Micros(now)
			}
			return opportunity.Approved, f.psmA.ID, store.Micros(now) - int64(i), store.Micros(now)
		})
		list, total, more, err := opportunity.ReviewQueue(ctx, db.Reader(), opportunity.QueueFilter{All: true, Now: now, Limit: 20})
		if err != nil || total != opportunity.QueueCountCap || !more || len(list) != 20 {
			t.Fatalf("every PO: %d rows, total %d, more %v, %v", len(list), total, more, err)
		}
		// The eleven overdue ones first, the most overdue first.
		if list[0].ID != fmt.Sprintf("q-%06d", 10_000) || list[10].ID != "q-000000" || list[11].ReviewStatus != opportunity.Approved {
			t.Errorf("first page: %v", codes(list))
		}
		list, total, more, err = opportunity.ReviewQueue(ctx, db.Reader(), opportunity.QueueFilter{PSMUserID: f.psmB.ID, Now: now, Limit: 20})
		if err != nil || total != 11 || more || len(list) != 11 || list[10].ID != "q-000000" {
			t.Fatalf("psm-b: %v, total %d, more %v, %v", codes(list), total, more, err)
		}
		// The last page, past the cap.
		list, _, _, err = opportunity.ReviewQueue(ctx, db.Reader(), opportunity.QueueFilter{All: true, Now: now, Limit: 20, Offset: n - 3})
		if err != nil || len(list) != 3 {
			t.Fatalf("last page: %v, %v", codes(list), err)
		}
	})
}
