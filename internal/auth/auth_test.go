package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

const pw = "Corr3ct#Horse"

func createUser(t *testing.T, db *store.DB, n auth.NewUser) *auth.User {
	t.Helper()
	var u *auth.User
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		u, err = auth.CreateUser(context.Background(), tx, n)
		return err
	})
	if err != nil {
		t.Fatalf("create user %s: %v", n.Username, err)
	}
	return u
}

func TestSignInSessionsAndThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := createUser(t, db, auth.NewUser{Username: "alice", Roles: []auth.Role{auth.StaffFinance}, Password: pw})

		// Unknown user and wrong password get the same answer.
		_, _, errUnknown := auth.SignIn(ctx, db, "nobody", pw, "10.0.0.1", "ua")
		_, _, errWrong := auth.SignIn(ctx, db, "alice", "Wr0ng#Pass", "10.0.0.1", "ua")
		if errUnknown != auth.ErrSignIn || errWrong != auth.ErrSignIn {
			t.Fatalf("unknown user: %v, wrong password: %v; want ErrSignIn for both", errUnknown, errWrong)
		}

		got, token, err := auth.SignIn(ctx, db, "alice", pw, "10.0.0.1", "ua")
		if err != nil || got.ID != u.ID {
			t.Fatalf("sign in: %v", err)
		}
		if me, err := auth.Authenticate(ctx, db, token); err != nil || me.ID != u.ID {
			t.Fatalf("authenticate: %v", err)
		}
		var stored string
		if err := db.Reader().QueryRowContext(ctx, `SELECT token_hash FROM sessions`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == token || stored != auth.HashToken(token) {
			t.Fatal("the session table must hold the token's hash, not the token")
		}

		// An idle session ends.
		real := db.Now
		db.Now = func() time.Time { return real().Add(auth.IdleTimeout + time.Minute) }
		if _, err := auth.Authenticate(ctx, db, token); err != auth.ErrNoSession {
			t.Fatalf("idle session: err = %v, want ErrNoSession", err)
		}
		db.Now = real

		// Sign out ends the session.
		_, token, _ = auth.SignIn(ctx, db, "alice", pw, "10.0.0.1", "ua")
		if err := auth.SignOut(ctx, db, token); err != nil {
			t.Fatal(err)
		}
		if _, err := auth.Authenticate(ctx, db, token); err != auth.ErrNoSession {
			t.Fatalf("after sign-out: err = %v, want ErrNoSession", err)
		}

		// After MaxFailures wrong passwords even the right one is refused
		// until the window passes.
		for i := 0; i < auth.MaxFailures; i++ {
			if _, _, err := auth.SignIn(ctx, db, "alice", "Wr0ng#Pass", "10.0.0.2", "ua"); err != auth.ErrSignIn {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		if _, _, err := auth.SignIn(ctx, db, "alice", pw, "10.0.0.2", "ua"); err != auth.ErrThrottled {
			t.Fatalf("throttled sign-in: err = %v, want ErrThrottled", err)
		}
		db.Now = func() time.Time { return real().Add(auth.FailureWindow + time.Minute) }
		if _, _, err := auth.SignIn(ctx, db, "alice", pw, "10.0.0.2", "ua"); err != nil {
			t.Fatalf("sign-in after the window: %v", err)
		}
		db.Now = real
	})
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := createUser(t, db, auth.NewUser{Username: "bob", Roles: []auth.Role{auth.StaffAdmin}, Password: pw})
		_, keep, _ := auth.SignIn(ctx, db, "bob", pw, "1.1.1.1", "a")
		_, other, _ := auth.SignIn(ctx, db, "bob", pw, "2.2.2.2", "b")

		err := db.InTx(ctx, func(tx *store.Tx) error {
			return auth.ChangePassword(ctx, tx, u.ID, "wrong", "N3w#Password", auth.HashToken(keep))
		})
		if e, ok := apperr.As(err); !ok || e.Field != "current" {
			t.Fatalf("wrong current password: err = %v, want a field error on current", err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error { return auth.ChangePassword(ctx, tx, u.ID, pw, "short", auth.HashToken(keep)) })
		if e, ok := apperr.As(err); !ok || e.Field != "new" {
			t.Fatalf("weak new password: err = %v, want a field error on new", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return auth.ChangePassword(ctx, tx, u.ID, pw, "N3w#Password", auth.HashToken(keep))
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := auth.Authenticate(ctx, db, keep); err != nil {
			t.Errorf("the session that changed the password ended: %v", err)
		}
		if _, err := auth.Authenticate(ctx, db, other); err != auth.ErrNoSession {
			t.Errorf("another session survived the password change: %v", err)
		}
		if _, _, err := auth.SignIn(ctx, db, "bob", "N3w#Password", "1.1.1.1", "a"); err != nil {
			t.Errorf("sign in with the new password: %v", err)
		}
	})
}

func TestPermissions(t *testing.T) {
	main := &auth.Principal{Kind: auth.KindPartner, PartnerID: "p", IsMain: true}
	manager := &auth.Principal{Kind: auth.KindPartner, PartnerID: "p", Roles: []auth.Role{auth.PartnerManager}}
	staffAdmin := &auth.Principal{Kind: auth.KindStaff, Roles: []auth.Role{auth.StaffAdmin}}
	psm := &auth.Principal{Kind: auth.KindStaff, Roles: []auth.Role{auth.StaffPSM}}
	cases := []struct {
		who  *auth.Principal
		perm auth.Permission
		want bool
	}{
		{main, auth.PermOrgManage, true},
		{main, auth.PermStaffPartners, false},
		{manager, auth.PermOrgManage, false},
		{manager, auth.PermProfileView, true},
		{staffAdmin, auth.PermStaffPartners, true},
		{staffAdmin, auth.PermOrgManage, false},
		{psm, auth.PermStaffPartners, false},
		{nil, auth.PermProfileView, false},
	}
	for _, c := range cases {
		if got := c.who.Can(c.perm); got != c.want {
			t.Errorf("%+v Can(%s) = %v, want %v", c.who, c.perm, got, c.want)
		}
	}
}

func TestUserValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createUser(t, db, auth.NewUser{Username: "carol", Roles: []auth.Role{auth.StaffBD}, Password: pw})
		bad := []struct {
			n     auth.NewUser
			field string
		}{
			{auth.NewUser{Username: "Carol!", Roles: []auth.Role{auth.StaffBD}, Password: pw}, "username"},
			{auth.NewUser{Username: "carol", Roles: []auth.Role{auth.StaffBD}, Password: pw}, "username"},
			{auth.NewUser{Username: "dave", Roles: []auth.Role{"wizard"}, Password: pw}, "roles"},
			{auth.NewUser{Username: "dave", Roles: []auth.Role{auth.PartnerSales}, PartnerID: "", Password: pw}, "roles"},
			{auth.NewUser{Username: "dave", Roles: []auth.Role{auth.StaffBD}, Password: "alllowercase"}, "password"},
		}
		for _, b := range bad {
			err := db.InTx(ctx, func(tx *store.Tx) error { _, err := auth.CreateUser(ctx, tx, b.n); return err })
			e, ok := apperr.As(err)
			if !ok || e.Field != b.field {
				t.Errorf("%+v: err = %v, want a field error on %s", b.n.Username, err, b.field)
			}
		}
		var n int
		_ = db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
		if n != 1 {
			t.Errorf("users = %d after refused creations, want 1", n)
		}
	})
}

func TestSealerRoundTripAndAccessKeys(t *testing.T) {
	key := make([]byte, 32)
	s, err := auth.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("secret")
	if sealed == "secret" {
		t.Fatal("sealed text equals the plaintext")
	}
	if got, err := s.Open(sealed); err != nil || got != "secret" {
		t.Fatalf("open = %q, %v", got, err)
	}
	other, _ := auth.NewSealer(append([]byte{1}, key[1:]...))
	if _, err := other.Open(sealed); err == nil {
		t.Fatal("a sealed secret opened under another master key")
	}
	if _, err := auth.NewSealer(key[:16]); err == nil {
		t.Fatal("a 16-byte master key was accepted")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := db.Reader().ExecContext(ctx, "SELECT 1")
		if err == nil {
			t.Fatal("a Reader accepted a write")
		}
		var k *auth.AccessKey
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
				VALUES ('p1', 'p1', 'p1', 'reseller', 'registered', 'd1', 'd1', 0)`)
			if err != nil {
				return err
			}
			k, err = auth.CreateAccessKey(ctx, tx, s, "p1", "test", "me")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := auth.LookupAccessKey(ctx, db.Reader(), s, k.ID)
		if err != nil || got.Secret != k.Secret || got.PartnerID != "p1" {
			t.Fatalf("lookup = %+v, %v", got, err)
		}
		if _, err := auth.LookupAccessKey(ctx, db.Reader(), s, "PCNOSUCHKEY"); !errors.Is(err, auth.ErrUnknownKey) {
			t.Fatalf("unknown key: err = %v", err)
		}
	})
}
