package partner_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestResellerManagers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dist := create(t, db, partner.NewPartner{Name: "dist", Type: partner.TotalDistributor, Stage: partner.Differentiated})
		other := create(t, db, partner.NewPartner{Name: "other-dist", Type: partner.TotalDistributor, Stage: partner.Certified})
		res := create(t, db, partner.NewPartner{Name: "res-a", Type: partner.Reseller, Stage: partner.Certified, ParentID: dist.ID})
		res2 := create(t, db, partner.NewPartner{Name: "res-b", Type: partner.Reseller, Stage: partner.Certified, ParentID: dist.ID})
		foreign := create(t, db, partner.NewPartner{Name: "res-x", Type: partner.Reseller, Stage: partner.Certified, ParentID: other.ID})

		users := map[string]*auth.User{}
		for _, u := range []auth.NewUser{
			{Username: "dist", DisplayName: "主账号", PartnerID: dist.ID, IsMain: true, Roles: []auth.Role{auth.PartnerAdmin}},
			{Username: "wang", DisplayName: "客户经理 王敏", PartnerID: dist.ID, Roles: []auth.Role{auth.PartnerManager}},
			{Username: "li", DisplayName: "客户经理 李雷", PartnerID: dist.ID, Roles: []auth.Role{auth.PartnerManager}},
			{Username: "finance", DisplayName: "财务", PartnerID: dist.ID, Roles: []auth.Role{auth.PartnerFinance}},
			{Username: "gone", DisplayName: "离职经理", PartnerID: dist.ID, Roles: []auth.Role{auth.PartnerManager}},
			{Username: "stranger", DisplayName: "别家经理", PartnerID: other.ID, Roles: []auth.Role{auth.PartnerManager}},
		} {
			u.Password = "Secret-2026"
			if err := db.InTx(ctx, func(tx *store.Tx) (err error) { users[u.Username], err = auth.CreateUser(ctx, tx, u); return err }); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := auth.SetRoles(ctx, tx, dist.ID, users["gone"].ID, users["gone"].Roles, true)
			return err
		}); err != nil {
			t.Fatal(err)
		}

		t0 := time.Now().UTC().Truncate(time.Second)
		clock := t0
		db.Now = func() time.Time { return clock }
		assign := func(resellerID, userID string, from time.Time) (before, after *partner.Manager, err error) {
			err = db.InTx(ctx, func(tx *store.Tx) error {
				before, after, err = partner.AssignManager(ctx, tx, dist.ID, resellerID, userID, from)
				return err
			})
			return
		}
		wantField := func(err error, field string) {
			t.Helper()
			if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || e.Field != field {
				t.Fatalf("got %v, want a fault of %s", err, field)
			}
		}

		// Faults: who may manage, and whose reseller.
		_, _, err := assign(res.ID, users["finance"].ID, time.Time{})
		wantField(err, "manager")
		_, _, err = assign(res.ID, users["gone"].ID, time.Time{})
		wantField(err, "manager")
		_, _, err = assign(res.ID, users["stranger"].ID, time.Time{})
		wantField(err, "manager")
		_, _, err = assign(res.ID, "no-such-user", time.Time{})
		wantField(err, "manager")
		if _, _, err = assign(foreign.ID, users["wang"].ID, time.Time{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another distributor's reseller: %v, want not found", err)
		}
		if _, _, err = assign(dist.ID, users["wang"].ID, time.Time{}); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("the distributor itself: %v, want not found", err)
		}
		_, _, err = assign(res.ID, users["wang"].ID, t0.Add(-time.Hour))
		wantField(err, "from")
		_, _, err = assign(res.ID, "", time.Time{})
		wantField(err, "manager")

		// Wang from now, then Li from tomorrow, then the main account.
		before, after, err := assign(res.ID, users["wang"].ID, time.Time{})
		if err != nil || before != nil || after.Username != "wang" || !after.Since.Equal(t0) {
			t.Fatalf("first assignment: %+v %+v %v", before, after, err)
		}
		_, _, err = assign(res.ID, users["wang"].ID, time.Time{})
		wantField(err, "manager")
		tomorrow := t0.Add(24 * time.Hour)
		before, after, err = assign(res.ID, users["li"].ID, tomorrow)
		if err != nil || before.Username != "wang" || after.Username != "li" {
			t.Fatalf("reassignment: %+v %+v %v", before, after, err)
		}
		clock = tomorrow.Add(time.Hour)
		_, _, err = assign(res.ID, users["dist"].ID, tomorrow.Add(-time.Minute*30))
		wantField(err, "from")
		if _, _, err = assign(res.ID, users["dist"].ID, time.Time{}); err != nil {
			t.Fatalf("main account as manager: %v", err)
		}
		if _, _, err = assign(res2.ID, users["wang"].ID, time.Time{}); err != nil {
			t.Fatal(err)
		}

		// Who was in charge when: history is never rewritten.
		at := func(when time.Time) map[string]*partner.Manager {
			t.Helper()
			m, err := partner.ManagersAt(ctx, db.Reader(), dist.ID, []string{res.ID, res2.ID, foreign.ID}, when)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		if m := at(t0.Add(time.Hour)); m[res.ID] == nil || m[res.ID].Username != "wang" || m[res2.ID] != nil {
			t.Fatalf("an hour in: %+v", m)
		}
		if m := at(tomorrow.Add(time.Minute)); m[res.ID].Username != "li" {
			t.Fatalf("tomorrow: %+v", m[res.ID])
		}
		if m := at(clock); m[res.ID].Username != "dist" || m[res2.ID].Username != "wang" || len(m) != 2 {
			t.Fatalf("now: %+v", m)
		}
		if m, _ := partner.ManagersAt(ctx, db.Reader(), other.ID, []string{res.ID}, clock); len(m) != 0 {
			t.Fatalf("another distributor sees managers of a reseller that is not its own: %+v", m)
		}
		hist, err := partner.ManagerHistory(ctx, db.Reader(), dist.ID, res.ID)
		if err != nil || len(hist) != 3 {
			t.Fatalf("history: %+v %v", hist, err)
		}
		if hist[0].Manager.Username != "wang" || !hist[0].Ends.Equal(tomorrow) || hist[1].Manager.Username != "li" ||
			!hist[1].Ends.Equal(clock) || !hist[2].Ends.IsZero() {
			t.Fatalf("history periods: %+v", hist)
		}

		// Removing the manager ends the open period only.
		before, after, err = assign(res.ID, "", time.Time{})
		if err != nil || before.Username != "dist" || after != nil {
			t.Fatalf("removal: %+v %+v %v", before, after, err)
		}
		if m := at(clock.Add(time.Minute)); m[res.ID] != nil {
			t.Fatalf("removed manager still in charge: %+v", m[res.ID])
		}
	})
}
