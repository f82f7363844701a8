package partner_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestResellerInvites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dist := create(t, db, partner.NewPartner{Name: "dist", Type: partner.TotalDistributor, Stage: partner.Differentiated})
		other := create(t, db, partner.NewPartner{Name: "other-dist", Type: partner.TotalDistributor, Stage: partner.Certified})
		direct := create(t, db, partner.NewPartner{Name: "direct", Type: partner.Reseller, Stage: partner.Certified})
		second := create(t, db, partner.NewPartner{Name: "second", Type: partner.Reseller, Stage: partner.Certified})
		create(t, db, partner.NewPartner{Name: "indirect", Type: partner.Reseller, Stage: partner.Certified, ParentID: other.ID})
		create(t, db, partner.NewPartner{Name: "solution", Type: partner.SolutionProvider, Stage: partner.Certified})

		t0 := time.Now().UTC().Truncate(time.Second)
		invite := func(at time.Time, distributorID, name string) (inv *partner.Invitation, err error) {
			err = db.InTxAt(ctx, at, func(tx *store.Tx) error {
				inv, err = partner.InviteReseller(ctx, tx, distributorID, name)
				return err
			})
			return
		}
		answer := func(at time.Time, accept bool, resellerID, inviteID string) error {
			return db.InTxAt(ctx, at, func(tx *store.Tx) error {
				var err error
				if accept {
					_, err = partner.AcceptResellerInvite(ctx, tx, resellerID, inviteID)
				} else {
					_, err = partner.DeclineResellerInvite(ctx, tx, resellerID, inviteID)
				}
				return err
			})
		}
		wantName := func(err error, key string) {
			t.Helper()
			if e, ok := apperr.As(err); !ok || e.Field != "name" || e.Key != key {
				t.Fatalf("got %v, want %s on the name", err, key)
			}
		}
		wantCode := func(err error, code apperr.Code) {
			t.Helper()
			if apperr.CodeOf(err) != code {
				t.Fatalf("got %v, want %s", err, code)
			}
		}

		// Refusals.
		_, err := invite(t0, dist.ID, "nobody")
		wantName(err, "reseller_invite.partner_not_found")
		_, err = invite(t0, dist.ID, "indirect")
		wantName(err, "reseller_invite.has_distributor")
		_, err = invite(t0, dist.ID, "solution")
		wantName(err, "reseller_invite.not_reseller")
		_, err = invite(t0, dist.ID, "other-dist")
		wantName(err, "reseller_invite.not_reseller")
		_, err = invite(t0, direct.ID, "second")
		wantCode(err, apperr.Forbidden)

		// An invitation, valid 7 days; a second one of the pair is refused.
		inv, err := invite(t0, dist.ID, "direct")
		if err != nil {
			t.Fatal(err)
		}
		if !inv.ExpiresAt.Equal(t0.Add(7*24*time.Hour)) || inv.Status != partner.InvitePending {
			t.Fatalf("invitation %+v", inv)
		}
		_, err = invite(t0.Add(time.Hour), dist.ID, "direct")
		wantName(err, "reseller_invite.open_exists")
		rival, err := invite(t0, other.ID, "direct")
		if err != nil {
			t.Fatalf("another distributor's invitation: %v", err)
		}
		pending, err := partner.PendingInvitations(ctx, db.Reader(), direct.ID, t0)
		if err != nil || len(pending) != 2 {
			t.Fatalf("pending %v, %v", pending, err)
		}
		sent, err := partner.SentInvitations(ctx, db.Reader(), dist.ID, t0)
		if err != nil || len(sent) != 1 || sent[0].ResellerName != "direct" || sent[0].DistributorName != "dist" {
			t.Fatalf("sent %v, %v", sent, err)
		}

		// Only the invited partner may answer; the others learn nothing.
		wantCode(answer(t0, true, second.ID, inv.ID), apperr.NotFound)
		wantCode(answer(t0, false, dist.ID, inv.ID), apperr.NotFound)

		// Accept: the reseller now sells through the distributor.
		at := t0.Add(time.Hour)
		if err := answer(at, true, direct.ID, inv.ID); err != nil {
			t.Fatal(err)
		}
		p, _ := partner.Get(ctx, db.Reader(), direct.ID)
		if p.ParentID != dist.ID || !p.AssociatedAt.Equal(at) {
			t.Fatalf("after accepting: %+v", p)
		}
		list, total, err := partner.ListIndirect(ctx, db.Reader(), partner.IndirectFilter{DistributorID: dist.ID})
		if err != nil || total != 1 || list[0].ID != direct.ID {
			t.Fatalf("indirect %v %d %v", list, total, err)
		}
		wantCode(answer(at, true, direct.ID, inv.ID), apperr.Conflict)
		wantCode(answer(at, false, direct.ID, inv.ID), apperr.Conflict)
		// The rival's invitation can no longer be accepted.
		if err := answer(at, true, direct.ID, rival.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("a second distributor: %v", err)
		}
		if p, _ := partner.Get(ctx, db.Reader(), direct.ID); p.ParentID != dist.ID {
			t.Fatalf("the rival took the reseller: %+v", p)
		}
		entries, _, err := audit.List(ctx, db.Reader(), audit.Filter{PartnerID: direct.ID})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]bool{}
		for _, e := range entries {
			actions[e.Action] = true
		}
		if !actions["reseller.invite_accept"] || !actions["partner.join_distributor"] {
			t.Errorf("audit of the reseller: %v", actions)
		}
		if entries, _, _ := audit.List(ctx, db.Reader(), audit.Filter{PartnerID: dist.ID, ObjectID: inv.ID}); len(entries) != 1 || entries[0].Action != "reseller.invite" {
			t.Errorf("audit of the distributor: %v", entries)
		}

		// Decline leaves the reseller as it was.
		inv2, err := invite(t0, dist.ID, "second")
		if err != nil {
			t.Fatal(err)
		}
		if err := answer(t0, false, second.ID, inv2.ID); err != nil {
			t.Fatal(err)
		}
		if p, _ := partner.Get(ctx, db.Reader(), second.ID); p.ParentID != "" {
			t.Fatalf("declined, yet %+v", p)
		}

		// Expiry: after 7 days the invitation is gone from the list and
		// cannot be accepted; a new one may be sent.
		inv3, err := invite(t0, dist.ID, "second")
		if err != nil {
			t.Fatal(err)
		}
		late := t0.Add(partner.InviteValidity)
		if pending, _ := partner.PendingInvitations(ctx, db.Reader(), second.ID, late); len(pending) != 0 {
			t.Errorf("expired yet pending: %v", pending)
		}
		if err := answer(late, true, second.ID, inv3.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("accept an expired invitation: %v", err)
		}
		if _, err := invite(late, dist.ID, "second"); err != nil {
			t.Fatalf("invite again after expiry: %v", err)
		}
	})
}
