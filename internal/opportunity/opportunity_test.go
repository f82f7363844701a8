package opportunity_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

type fixture struct {
	db              *store.DB
	p, other        *partner.Partner
	c               *customer.Customer
	office          *opportunity.Office
	psmA, psmB, pdm *auth.User
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		user := func(name string, role auth.Role) *auth.User {
			if err != nil {
				return nil
			}
			var u *auth.User
			u, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: name, DisplayName: name, Roles: []auth.Role{role}, Password: "Passw0rd!long"})
			return u
		}
		f.psmA, f.psmB, f.pdm = user("psm-a", auth.StaffPSM), user("psm-b", auth.StaffPSM), user("pdm-1", auth.StaffPDM)
		if err != nil {
			return err
		}
		if f.p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "seller", Type: partner.Reseller, Stage: partner.Certified, PDMUserID: f.pdm.ID}); err != nil {
			return err
		}
		if f.other, err = partner.Create(ctx, tx, partner.NewPartner{Name: "other", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
			return err
		}
		if f.c, err = customer.Create(ctx, tx, f.p, customer.NewCustomer{DomainName: "buyer-co"}, false); err != nil {
			return err
		}
		f.office = &opportunity.Office{NameZh: "北京代表处", NameEn: "Beijing office"}
		if err := opportunity.SaveOffice(ctx, tx, f.office); err != nil {
			return err
		}
		if err := opportunity.SetOfficePSM(ctx, tx, f.office.ID, f.psmA.ID, []string{"finance"}); err != nil {
			return err
		}
		return opportunity.SetOfficePSM(ctx, tx, f.office.ID, f.psmB.ID, []string{"government", "finance"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) fields(project, industry string) opportunity.Fields {
	return opportunity.Fields{CustomerID: f.c.ID, ProjectName: project, Industry: industry, OfficeID: f.office.ID,
		Products: []string{"hws.service.type.ec2"}, Amount: 500_000_00, ExpectedClose: time.Now().AddDate(0, 2, 0),
		PartnerSolution: "migration service", CustomerConsent: true}
}

func (f *fixture) submit(t *testing.T, p *partner.Partner, fields opportunity.Fields) *opportunity.Opportunity {
	t.Helper()
	var o *opportunity.Opportunity
	err := f.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		if o, err = opportunity.CreateDraft(context.Background(), tx, p.ID, "seller-admin", fields); err != nil {
			return err
		}
		o, err = opportunity.Submit(context.Background(), tx, p.ID, "seller-admin", o.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (f *fixture) decide(t *testing.T, reviewer *auth.User, id string, d opportunity.Decision) (*opportunity.Opportunity, error) {
	t.Helper()
	var o *opportunity.Opportunity
	err := f.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		o, err = opportunity.Decide(context.Background(), tx, reviewer.ID, reviewer.Username, id, d)
		return err
	})
	return o, err
}

func key(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Key
	}
	return ""
}

func approve() opportunity.Decision {
	return opportunity.Decision{Outcome: opportunity.Approve, Checklist: opportunity.Checklist}
}

// The routing rule: industry first, then the fewest open reviews, then the
// user name; the partner's PDM, or the central queue.
func TestRouting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		// Government: only psm-b covers it.
		gov := f.submit(t, f.p, f.fields("gov cloud", "government"))
		if gov.PSMUserID != f.psmB.ID || gov.PDMUserID != f.pdm.ID || gov.PDMQueue {
			t.Fatalf("government PO routed to %s / %s", gov.PSMUserID, gov.PDMUserID)
		}
		// Finance: both cover it; psm-a has fewer open reviews (0 vs 1).
		fin := f.submit(t, f.p, f.fields("bank core", "finance"))
		if fin.PSMUserID != f.psmA.ID {
			t.Fatalf("finance PO routed to %s, want psm-a", fin.PSMUserID)
		}
		// Finance again: 1 each, the tie goes to the first user name.
		fin2 := f.submit(t, f.p, f.fields("bank data", "finance"))
		if fin2.PSMUserID != f.psmA.ID {
			t.Fatalf("tie routed to %s, want psm-a", fin2.PSMUserID)
		}
		// Retail: nobody covers it, so everyone is a candidate: psm-b has 1 open, psm-a 2.
		retail := f.submit(t, f.other, opportunity.Fields{ProspectName: "Shop Ltd", ProjectName: "shop", Industry: "retail",
			OfficeID: f.office.ID, Products: []string{"hws.service.type.obs"}, Amount: 1_00, ExpectedClose: time.Now().AddDate(0, 1, 0),
			PartnerSolution: "s", CustomerConsent: true})
		if retail.PSMUserID != f.psmB.ID || !retail.PDMQueue || retail.PDMUserID != "" {
			t.Fatalf("retail PO routed to %s, queue %v", retail.PSMUserID, retail.PDMQueue)
		}
	})
}

func TestSubmissionNeedsEveryField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			o, err := opportunity.CreateDraft(ctx, tx, f.p.ID, "seller-admin", opportunity.Fields{ProjectName: "half done"})
			if err != nil {
				return err
			}
			missing := opportunity.MissingForSubmission(o, tx.Now)
			var fields []string
			for _, m := range missing {
				fields = append(fields, m.Field)
			}
			want := []string{"customer_id", "industry", "office_id", "products", "amount", "expected_close", "partner_solution", "customer_consent"}
			if len(fields) != len(want) {
				t.Fatalf("missing %v, want %v", fields, want)
			}
			_, err = opportunity.Submit(ctx, tx, f.p.ID, "seller-admin", o.ID)
			if key(err) != "opportunity.customer_required" {
				t.Fatalf("submit: %v", err)
			}
			// Another partner's customer is not this partner's to register.
			bad := f.fields("x", "finance")
			bad.CustomerID = "nope"
			_, err = opportunity.CreateDraft(ctx, tx, f.p.ID, "seller-admin", bad)
			if key(err) != "customer.not_found" {
				t.Fatalf("unknown customer: %v", err)
			}
			// Another partner sees nothing.
			_, err = opportunity.Get(ctx, tx, opportunity.Viewer{PartnerID: f.other.ID}, o.ID)
			if !errors.Is(err, opportunity.ErrNotFound) {
				t.Fatalf("another partner: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestReviewActionRequiredAndDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		first := f.submit(t, f.p, f.fields("Data Lake", "government"))
		second := f.submit(t, f.p, f.fields("data-lake", "government")) // the same project, written differently
		if _, err := f.decide(t, f.psmA, first.ID, approve()); key(err) != "opportunity.not_your_review" {
			t.Fatalf("another PSM decided: %v", err)
		}
		if _, err := f.decide(t, f.psmB, first.ID, opportunity.Decision{Outcome: opportunity.Approve, Checklist: opportunity.Checklist[:2]}); key(err) != "opportunity.checklist_incomplete" {
			t.Fatalf("incomplete checklist: %v", err)
		}
		o, err := f.decide(t, f.psmB, first.ID, opportunity.Decision{Outcome: opportunity.RequireAction, Reason: "attach the customer's consent letter"})
		if err != nil || o.ReviewStatus != opportunity.ActionRequired {
			t.Fatalf("action required: %+v %v", o, err)
		}
		// Only whitelisted fields may change now.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			changed := f.fields("Data Lake", "finance")
			_, err := opportunity.Update(ctx, tx, f.p.ID, "seller-admin", first.ID, changed)
			if key(err) != "opportunity.field_locked" {
				t.Fatalf("industry changed during action required: %v", err)
			}
			changed = f.fields("Data Lake", "government")
			changed.Amount, changed.Description = 600_000_00, "consent letter attached"
			if _, err := opportunity.Update(ctx, tx, f.p.ID, "seller-admin", first.ID, changed); err != nil {
				return err
			}
			_, err = opportunity.Submit(ctx, tx, f.p.ID, "seller-admin", first.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// The second is approved first: it holds the project, so the first
		// (approved later) is a duplicate.
		if _, err := f.decide(t, f.psmB, second.ID, approve()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.decide(t, f.psmB, first.ID, approve()); key(err) != "opportunity.duplicate" {
			t.Fatalf("duplicate approved: %v", err)
		}
		events, err := opportunity.Timeline(ctx, db.Reader(), first.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		want := []string{"created", "submitted", "decided", "edited", "resubmitted"}
		if len(actions) != len(want) {
			t.Fatalf("timeline %v, want %v", actions, want)
		}
		for i := range want {
			if actions[i] != want[i] {
				t.Fatalf("timeline %v, want %v", actions, want)
			}
		}
		if events[3].Changes["amount"][1] != "60000000" {
			t.Fatalf("edit recorded %v", events[3].Changes)
		}
	})
}

// The SLA counts working days from the calendar; an overdue review is
// rejected with its reason.
func TestReviewSLA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		// Friday 2026-09-25 (UTC+8). 10 working days: 28, 29, 30 Sep, then the
		// 1-7 October holidays, Saturday 10 October declared working, 8, 9,
		// 10, 12, 13, 14, 15 → due at the end of 15 October.
		fri := time.Date(2026, 9, 25, 10, 0, 0, 0, ledger.BillingZone)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for d := 1; d <= 7; d++ {
				if err := opportunity.SetCalendarDay(ctx, tx, time.Date(2026, 10, d, 0, 0, 0, 0, ledger.BillingZone), false, "国庆"); err != nil {
					return err
				}
			}
			return opportunity.SetCalendarDay(ctx, tx, time.Date(2026, 10, 10, 0, 0, 0, 0, ledger.BillingZone), true, "调休")
		})
		if err != nil {
			t.Fatal(err)
		}
		var o *opportunity.Opportunity
		err = db.InTxAt(ctx, fri, func(tx *store.Tx) error {
			fields := f.fields("sla", "finance")
			fields.ExpectedClose = fri.AddDate(0, 3, 0)
			o, err = opportunity.CreateDraft(ctx, tx, f.p.ID, "seller-admin", fields)
			if err != nil {
				return err
			}
			o, err = opportunity.Submit(ctx, tx, f.p.ID, "seller-admin", o.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2026, 10, 16, 0, 0, 0, 0, ledger.BillingZone)
		if !o.ReviewDueAt.Equal(want) {
			t.Fatalf("due %v, want %v", o.ReviewDueAt.In(ledger.BillingZone), want)
		}
		expire := func(at time.Time) int {
			var n int
			if err := db.InTxAt(ctx, at, func(tx *store.Tx) (err error) {
				n, err = opportunity.ExpireOverdueReviews(ctx, tx, 100)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := expire(want.Add(-time.Minute)); n != 0 {
			t.Fatalf("expired %d before the deadline", n)
		}
		if n := expire(want); n != 1 {
			t.Fatalf("expired %d at the deadline", n)
		}
		got, _ := opportunity.Get(ctx, db.Reader(), opportunity.Viewer{PartnerID: f.p.ID}, o.ID)
		if got.ReviewStatus != opportunity.Rejected || got.DecisionReason != "review_overdue" {
			t.Fatalf("after the SLA: %s %s", got.ReviewStatus, got.DecisionReason)
		}
	})
}

func TestSalesStages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		o := f.submit(t, f.p, f.fields("erp move", "finance"))
		move := func(c opportunity.StageChange) (*opportunity.Opportunity, error) {
			var out *opportunity.Opportunity
			err := db.InTx(ctx, func(tx *store.Tx) (err error) {
				out, err = opportunity.SetStage(ctx, tx, f.p.ID, "seller-admin", o.ID, c)
				return err
			})
			return out, err
		}
		if _, err := move(opportunity.StageChange{Stage: opportunity.StageConfirm}); key(err) != "opportunity.not_workable" {
			t.Fatalf("stage before approval: %v", err)
		}
		if _, err := f.decide(t, f.psmA, o.ID, approve()); err != nil {
			t.Fatal(err)
		}
		if _, err := move(opportunity.StageChange{Stage: opportunity.StageLost}); key(err) != "opportunity.lost_reason_required" {
			t.Fatalf("lost without reason: %v", err)
		}
		if _, err := move(opportunity.StageChange{Stage: opportunity.StageConfirm, Comment: "PoC passed"}); err != nil {
			t.Fatal(err)
		}
		won, err := move(opportunity.StageChange{Stage: opportunity.StageWon})
		if err != nil || won.SignedAt.IsZero() {
			t.Fatalf("won: %+v %v", won, err)
		}
		if _, err := move(opportunity.StageChange{Stage: opportunity.StageIdentify}); key(err) != "opportunity.stage_final" {
			t.Fatalf("moved after won: %v", err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			// Dated the signing day (its first moment, before the signing
			// time): accepted, and recorded no earlier than the signing.
			day := ledger.DayStart(ledger.DayOf(won.SignedAt))
			d, err := opportunity.MarkDelivered(ctx, tx, f.p.ID, "seller-admin", o.ID, day)
			if err != nil || d.DeliveredAt.Before(d.SignedAt) {
				t.Fatalf("delivered on the signing day: %+v %v", d, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		list, total, err := opportunity.List(ctx, db.Reader(), opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: f.p.ID}, SalesStage: opportunity.StageWon})
		if err != nil || total != 1 || list[0].ID != o.ID {
			t.Fatalf("list won: %d %v", total, err)
		}
		if _, total, _ := opportunity.List(ctx, db.Reader(), opportunity.Filter{Viewer: opportunity.Viewer{PartnerID: f.other.ID}}); total != 0 {
			t.Fatalf("another partner lists %d", total)
		}
		inbox, unread, err := opportunity.Inbox(ctx, db.Reader(), f.psmA.ID, 10)
		if err != nil || unread != 1 || inbox[0].Kind != "opportunity.assigned" {
			t.Fatalf("psm inbox %v %d %v", inbox, unread, err)
		}
	})
}

// A PO may name the partner's customer or a registered account of no
// partner, never another partner's customer.
func TestRegisteredCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			free, err := customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: "free-account"})
			if err != nil {
				return err
			}
			theirs, err := customer.Create(ctx, tx, f.other, customer.NewCustomer{DomainName: "their-customer"}, false)
			if err != nil {
				return err
			}
			fields := f.fields("new project", "finance")
			fields.CustomerID = free.ID
			if _, err := opportunity.CreateDraft(ctx, tx, f.p.ID, "seller", fields); err != nil {
				t.Errorf("a registered account of no partner: %v", err)
			}
			if id, err := opportunity.RegisteredCustomer(ctx, tx, f.p.ID, "customer", "free-account"); err != nil || id != free.ID {
				t.Errorf("by account name: %q %v", id, err)
			}
			fields.CustomerID = theirs.ID
			if _, err := opportunity.CreateDraft(ctx, tx, f.p.ID, "seller", fields); key(err) != "customer.not_found" {
				t.Errorf("another partner's customer: %v", err)
			}
			if _, err := opportunity.RegisteredCustomer(ctx, tx, f.p.ID, "customer", "their-customer"); key(err) != "customer.not_found" {
				t.Errorf("another partner's customer by name: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// An approved PO left open 90 days past its expected close date loses its
// registration; won ones keep theirs.
func TestRegistrationsExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		open := f.submit(t, f.p, f.fields("left open", "finance"))
		won := f.submit(t, f.p, f.fields("signed", "finance"))
		for _, o := range []*opportunity.Opportunity{open, won} {
			reviewer := f.psmA
			if o.PSMUserID == f.psmB.ID {
				reviewer = f.psmB
			}
			if _, err := f.decide(t, reviewer, o.ID, approve()); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := opportunity.SetStage(ctx, tx, f.p.ID, "x", won.ID, opportunity.StageChange{Stage: opportunity.StageWon})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		expire := func(at time.Time) int {
			var n int
			if err := db.InTxAt(ctx, at, func(tx *store.Tx) (err error) {
				n, err = opportunity.ExpireRegistrations(ctx, tx, 100)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		grace := open.ExpectedClose.Add(opportunity.RegistrationGrace)
		if n := expire(grace.Add(-time.Minute)); n != 0 {
			t.Fatalf("expired %d before the grace ended", n)
		}
		if n := expire(grace); n != 1 {
			t.Fatalf("expired %d at the end of the grace", n)
		}
		got, _ := opportunity.Get(ctx, db.Reader(), opportunity.Viewer{PartnerID: f.p.ID}, open.ID)
		kept, _ := opportunity.Get(ctx, db.Reader(), opportunity.Viewer{PartnerID: f.p.ID}, won.ID)
		if got.ReviewStatus != opportunity.Expired || kept.ReviewStatus != opportunity.Approved {
			t.Fatalf("after expiry: %s and %s", got.ReviewStatus, kept.ReviewStatus)
		}
	})
}
