package opportunity_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func codes(list []*opportunity.Opportunity) []string {
	out := make([]string, len(list))
	for i, o := range list {
		out[i] = o.Code
	}
	return out
}

// The back office's queue: a PSM's POs, a PDM's and the central queue,
// overdue first; drafts never.
func TestReviewQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		gov := f.submit(t, f.p, f.fields("gov cloud", "government"))  // psm-b, the partner's PDM
		later := f.submit(t, f.p, f.fields("gov data", "government")) // psm-b
		fields := f.fields("other finance", "finance")
		fields.CustomerID, fields.ProspectName = "", "a prospect"
		central := f.submit(t, f.other, fields) // psm-a, the central PDM queue (other has no PDM)
		if !central.PDMQueue {
			t.Fatal("the other partner's PO is not in the central queue")
		}
		var draft *opportunity.Opportunity
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			draft, err = opportunity.CreateDraft(ctx, tx, f.p.ID, "x", f.fields("draft", "finance"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// The later PO is overdue: it comes first.
		now := time.Now()
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE opportunities SET review_due_at = ? WHERE id = ?`, store.Micros(now.Add(-time.Hour)), later.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		queue := func(qf opportunity.QueueFilter) []*opportunity.Opportunity {
			t.Helper()
			qf.Now = now
			list, total, more, err := opportunity.ReviewQueue(ctx, db.Reader(), qf)
			if err != nil || total != len(list) || more {
				t.Fatalf("%+v: %d of %d, %v", qf, len(list), total, err)
			}
			return list
		}
		got := queue(opportunity.QueueFilter{PSMUserID: f.psmB.ID})
		if len(got) != 2 || got[0].ID != later.ID || got[1].ID != gov.ID || !got[0].Overdue(now) || got[1].Overdue(now) {
			t.Fatalf("psm-b's queue: %v", codes(got))
		}
		if got := queue(opportunity.QueueFilter{PSMUserID: f.psmA.ID}); len(got) != 1 || got[0].ID != central.ID {
			t.Errorf("psm-a's queue: %v", codes(got))
		}
		if got := queue(opportunity.QueueFilter{PDMUserID: f.pdm.ID}); len(got) != 3 {
			t.Errorf("the PDM's queue with the central one: %v", codes(got))
		}
		if got := queue(opportunity.QueueFilter{}); len(got) != 0 {
			t.Errorf("nobody's queue: %v", codes(got))
		}
		all := queue(opportunity.QueueFilter{All: true})
		for _, o := range all {
			if o.ID == draft.ID {
				t.Error("a draft shows in the back office")
			}
		}
		if len(all) != 3 {
			t.Errorf("all: %v", codes(all))
		}
		// A decided PO goes after the open ones; filters.
		if _, err := f.decide(t, f.psmB, later.ID, opportunity.Decision{Outcome: opportunity.Reject, Reason: "no"}); err != nil {
			t.Fatal(err)
		}
		if got := queue(opportunity.QueueFilter{PSMUserID: f.psmB.ID}); len(got) != 2 || got[0].ID != gov.ID {
			t.Errorf("after the decision: %v", codes(got))
		}
		if got := queue(opportunity.QueueFilter{PSMUserID: f.psmB.ID, ReviewStatus: opportunity.Rejected}); len(got) != 1 || got[0].ID != later.ID {
			t.Errorf("rejected: %v", codes(got))
		}
		if got := queue(opportunity.QueueFilter{All: true, Industry: "finance"}); len(got) != 1 || got[0].ID != central.ID {
			t.Errorf("finance: %v", codes(got))
		}
		if got := queue(opportunity.QueueFilter{All: true, Query: "GOV DATA", OfficeID: f.office.ID}); len(got) != 1 || got[0].ID != later.ID {
			t.Errorf("query: %v", codes(got))
		}
		if got := queue(opportunity.QueueFilter{All: true, OfficeID: "elsewhere"}); len(got) != 0 {
			t.Errorf("another office: %v", codes(got))
		}
	})
}

func TestSharesCalendarDaysAndLookups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		var diff *partner.Partner
		var ho *opportunity.Opportunity
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			if diff, err = partner.Create(ctx, tx, partner.NewPartner{Name: "diff", Type: partner.Reseller, Stage: partner.Differentiated}); err != nil {
				return err
			}
			if err := opportunity.SetCoselling(ctx, tx, diff.ID, true); err != nil {
				return err
			}
			fields := f.fields("shared project", "government")
			fields.PartnerSolution, fields.CustomerConsent = "", false
			if ho, err = opportunity.CreateHO(ctx, tx, "admin", fields); err != nil {
				return err
			}
			_, err = opportunity.Share(ctx, tx, "admin", ho.ID, []string{diff.ID}, time.Hour)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		members, err := opportunity.CosellingMembers(ctx, db.Reader())
		if err != nil || !members[diff.ID] || members[f.p.ID] {
			t.Errorf("members: %v %v", members, err)
		}
		shares, err := opportunity.SharesOf(ctx, db.Reader(), []string{ho.ID, "none"}, time.Now())
		if err != nil || len(shares[ho.ID]) != 1 || shares[ho.ID][0].Status != opportunity.ShareOffered || shares[ho.ID][0].PartnerName != "diff" {
			t.Fatalf("shares: %+v %v", shares, err)
		}
		// Past its validity an offer reads expired before the job marks it.
		later, _ := opportunity.SharesOf(ctx, db.Reader(), []string{ho.ID}, time.Now().Add(2*time.Hour))
		if later[ho.ID][0].Status != opportunity.ShareExpired {
			t.Errorf("after the validity: %s", later[ho.ID][0].Status)
		}

		day := func(s string) time.Time {
			d, _ := time.ParseInLocation("2006-01-02", s, ledger.BillingZone)
			return d
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, d := range []struct {
				day     string
				working bool
				name    string
			}{{"2026-10-02", false, "国庆节"}, {"2026-09-27", true, "调休"}, {"2027-01-01", false, "元旦"}} {
				if err := opportunity.SetCalendarDay(ctx, tx, day(d.day), d.working, d.name); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		days, err := opportunity.CalendarDays(ctx, db.Reader(), 2026)
		if err != nil || len(days) != 2 || !days[0].Day.Equal(day("2026-09-27")) || !days[0].Working || days[1].Name != "国庆节" || days[1].Working {
			t.Errorf("2026: %+v %v", days, err)
		}
		if days, _ := opportunity.CalendarDays(ctx, db.Reader(), 2027); len(days) != 1 || days[0].Name != "元旦" {
			t.Errorf("2027: %+v", days)
		}

		if id, err := opportunity.CustomerByAccountName(ctx, db.Reader(), "customer_name", " buyer-co "); err != nil || id != f.c.ID {
			t.Errorf("by account name: %s %v", id, err)
		}
		if _, err := opportunity.CustomerByAccountName(ctx, db.Reader(), "customer_name", "nobody"); key(err) != "customer.not_found" {
			t.Errorf("an unknown account: %v", err)
		}
	})
}
