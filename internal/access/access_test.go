package access_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/access"
	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

var known = []string{"CheckUserIdentity", "CreateSubCustomer", "ListSubCustomers"}

// env is a database with a fixed clock and two partners.
type env struct {
	t      *testing.T
	db     *store.DB
	now    time.Time
	sealer *auth.Sealer
	p, q   *partner.Partner
	ctx    context.Context
}

func newEnv(t *testing.T, db *store.DB) *env {
	sealer, err := auth.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), sealer: sealer}
	db.Now = func() time.Time { return e.now }
	e.ctx = auth.WithPrincipal(context.Background(), &auth.Principal{Kind: auth.KindPartner, UserID: "u1", Username: "admin-of-p"})
	mk := func(prefix string) (p *partner.Partner) {
		name := storetest.Name(prefix)
		e.tx(func(tx *store.Tx) (err error) {
			p, err = partner.Create(e.ctx, tx, partner.NewPartner{Name: name, DomainName: "Star." + name,
				Type: partner.Reseller, Stage: partner.Certified})
			return err
		})
		return p
	}
	e.p, e.q = mk("p"), mk("q")
	return e
}

func (e *env) tx(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.InTx(e.ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

// try runs fn and returns its error, the transaction rolled back on one.
func (e *env) try(fn func(tx *store.Tx) error) error {
	return e.db.InTx(e.ctx, fn)
}

func wantKey(t *testing.T, err error, key string) {
	t.Helper()
	if e, ok := apperr.As(err); !ok || e.Key != key {
		t.Fatalf("got %v, want %s", err, key)
	}
}

func validInput() access.RegistrationInput {
	return access.RegistrationInput{PlatformName: "云商城", ContactName: "王敏", ContactPhone: "138 0000 1234",
		ContactEmail: "ops@platform.example", PayReturnURL: "https://shop.example/paid", RechargeReturnURL: "http://localhost:8000/recharged"}
}

func TestConfigureAssignsThePlatformIdentifierOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		if _, err := access.GetRegistration(e.ctx, db.Reader(), e.p.ID); !errors.Is(err, access.ErrNotConfigured) {
			t.Fatalf("before configuration: %v", err)
		}
		for field, change := range map[string]func(*access.RegistrationInput){
			"platform_name":       func(in *access.RegistrationInput) { in.PlatformName = " " },
			"contact_name":        func(in *access.RegistrationInput) { in.ContactName = "" },
			"contact_phone":       func(in *access.RegistrationInput) { in.ContactPhone = "call me" },
			"contact_email":       func(in *access.RegistrationInput) { in.ContactEmail = "ops@" },
			"pay_return_url":      func(in *access.RegistrationInput) { in.PayReturnURL = "http://shop.example/paid" },
			"recharge_return_url": func(in *access.RegistrationInput) { in.RechargeReturnURL = "/relative" },
			"idp_metadata":        func(in *access.RegistrationInput) { s := "<x/>"; in.IdPMetadata = &s },
		} {
			in := validInput()
			change(&in)
			err := e.try(func(tx *store.Tx) error { _, _, err := access.Configure(e.ctx, tx, e.p.ID, in); return err })
			if ae, ok := apperr.As(err); !ok || ae.Field != field {
				t.Errorf("%s: got %v", field, err)
			}
		}
		p, _ := partner.Get(e.ctx, db.Reader(), e.p.ID)
		if p.XAccountType != "" {
			t.Fatalf("refused configurations assigned %q", p.XAccountType)
		}

		md := readMetadata(t)
		in := validInput()
		in.IdPMetadata = &md
		var xat string
		e.tx(func(tx *store.Tx) (err error) { _, xat, err = access.Configure(e.ctx, tx, e.p.ID, in); return err })
		want := "pc_star_" + strings.ReplaceAll(e.p.Name, "-", "_")
		if xat != want {
			t.Fatalf("identifier %q, want %q (from the domain name)", xat, want)
		}
		r, err := access.GetRegistration(e.ctx, db.Reader(), e.p.ID)
		if err != nil || r.IdPEntityID != "https://idp.platform.example/saml" || r.IdPSSOURL != "https://idp.platform.example/saml/sso" || !r.ConfiguredAt.Equal(e.now) {
			t.Fatalf("registration %+v, %v", r, err)
		}

		// Saving again changes the fields, never the identifier, and keeps
		// the metadata unless told to remove it.
		e.now = e.now.Add(time.Hour)
		in = validInput()
		in.PlatformName = "云商城 2"
		e.tx(func(tx *store.Tx) (err error) { _, xat, err = access.Configure(e.ctx, tx, e.p.ID, in); return err })
		r, _ = access.GetRegistration(e.ctx, db.Reader(), e.p.ID)
		p, _ = partner.Get(e.ctx, db.Reader(), e.p.ID)
		if xat != want || p.XAccountType != want || r.PlatformName != "云商城 2" || r.IdPEntityID == "" || !r.UpdatedAt.Equal(e.now) || r.ConfiguredAt.Equal(e.now) {
			t.Fatalf("after an update: %q, partner %q, %+v", xat, p.XAccountType, r)
		}

		// Another partner whose domain name maps to the same identifier gets
		// one of its own.
		e.tx(func(tx *store.Tx) error {
			_, err := tx.ExecContext(e.ctx, `UPDATE partners SET domain_name = ? WHERE id = ?`, "star-"+e.p.Name, e.q.ID)
			return err
		})
		var other string
		e.tx(func(tx *store.Tx) (err error) {
			_, other, err = access.Configure(e.ctx, tx, e.q.ID, validInput())
			return err
		})
		if other == want || !strings.HasPrefix(other, want+"_") {
			t.Fatalf("second partner's identifier %q (first %q)", other, want)
		}

		entries, _, _ := audit.List(e.ctx, db.Reader(), audit.Filter{PartnerID: e.p.ID, ObjectID: e.p.ID, Limit: 10})
		var actions []string
		for _, en := range entries {
			actions = append(actions, en.Action)
		}
		if !slices.Equal(actions, []string{"access.registration_update", "access.configure"}) {
			t.Fatalf("audit %v", actions)
		}
	})
}

func TestKeyRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		create := func(in access.KeyInput) (k *auth.AccessKey, err error) {
			err = e.try(func(tx *store.Tx) (err error) {
				k, err = access.CreateKey(e.ctx, tx, e.sealer, e.p.ID, in, known)
				return err
			})
			return k, err
		}
		_, err := create(access.KeyInput{Scope: []string{"DeleteEverything"}})
		wantKey(t, err, "access.scope_unknown")
		_, err = create(access.KeyInput{AllowList: []string{"10.0.0.0/33"}})
		wantKey(t, err, "access.allow_list_invalid")

		k, err := create(access.KeyInput{Description: "生产", Scope: []string{"ListSubCustomers", "CheckUserIdentity", "ListSubCustomers"},
			AllowList: []string{"203.0.113.7", "10.1.2.3/16"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(k.Secret) != 40 || !slices.Equal(k.Scope, []string{"CheckUserIdentity", "ListSubCustomers"}) ||
			!slices.Equal(k.AllowList, []string{"10.1.0.0/16", "203.0.113.7"}) {
			t.Fatalf("created %+v", k)
		}
		listed, _ := access.ListKeys(e.ctx, db.Reader(), e.p.ID)
		if len(listed) != 1 || listed[0].Secret != "" || listed[0].Description != "生产" {
			t.Fatalf("list %+v", listed)
		}

		// Another partner's key answers as not found, whatever is asked.
		for _, fn := range []func(tx *store.Tx) error{
			func(tx *store.Tx) error { return access.SetKeyDisabled(e.ctx, tx, e.q.ID, k.ID, true) },
			func(tx *store.Tx) error { return access.DeleteKey(e.ctx, tx, e.q.ID, k.ID) },
			func(tx *store.Tx) error {
				_, err := access.RotateKey(e.ctx, tx, e.sealer, e.q.ID, k.ID, time.Hour)
				return err
			},
			func(tx *store.Tx) error { return access.SetKeyLists(e.ctx, tx, e.q.ID, k.ID, access.KeyInput{}, known) },
		} {
			if err := e.try(fn); apperr.CodeOf(err) != apperr.NotFound {
				t.Fatalf("another partner's key: %v", err)
			}
		}

		// Rotation: the window is one of the offered ones; both keys work
		// until it ends, then the old one is expired.
		_, err = rotate(e, k.ID, 8*24*time.Hour)
		wantKey(t, err, "access.window_invalid")
		next, err := rotate(e, k.ID, access.DefaultWindow)
		if err != nil {
			t.Fatal(err)
		}
		if next.RotatedFrom != k.ID || !slices.Equal(next.Scope, k.Scope) || !slices.Equal(next.AllowList, k.AllowList) || next.Secret == "" {
			t.Fatalf("successor %+v", next)
		}
		old, _ := access.GetKey(e.ctx, db.Reader(), e.p.ID, k.ID)
		if !old.ExpiresAt.Equal(e.now.Add(24*time.Hour)) || access.State(old, e.now.Add(23*time.Hour)) != access.StateActive ||
			access.State(old, e.now.Add(24*time.Hour)) != access.StateExpired {
			t.Fatalf("old key expires %v", old.ExpiresAt)
		}
		_, err = rotate(e, k.ID, time.Hour)
		wantKey(t, err, "access.rotate_twice")

		// At most MaxKeys live keys; an expired one no longer counts.
		for range access.MaxKeys - 2 {
			if _, err := create(access.KeyInput{}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = create(access.KeyInput{})
		wantKey(t, err, "access.too_many_keys")
		e.now = e.now.Add(25 * time.Hour)
		if _, err := create(access.KeyInput{}); err != nil {
			t.Fatalf("after the old key expired: %v", err)
		}
		err = e.try(func(tx *store.Tx) error { return access.SetKeyDisabled(e.ctx, tx, e.p.ID, k.ID, false) })
		wantKey(t, err, "access.key_expired")

		// Disable, enable, delete.
		e.tx(func(tx *store.Tx) error { return access.SetKeyDisabled(e.ctx, tx, e.p.ID, next.ID, true) })
		got, _ := access.GetKey(e.ctx, db.Reader(), e.p.ID, next.ID)
		if access.State(got, e.now) != access.StateDisabled {
			t.Fatalf("disabled key is %s", access.State(got, e.now))
		}
		_, err = rotate(e, next.ID, time.Hour)
		wantKey(t, err, "access.rotate_inactive")
		e.tx(func(tx *store.Tx) error { return access.SetKeyDisabled(e.ctx, tx, e.p.ID, next.ID, false) })
		e.tx(func(tx *store.Tx) error { return access.DeleteKey(e.ctx, tx, e.p.ID, next.ID) })
		if _, err := access.GetKey(e.ctx, db.Reader(), e.p.ID, next.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("deleted key: %v", err)
		}
		listed, _ = access.ListKeys(e.ctx, db.Reader(), e.p.ID)
		if slices.ContainsFunc(listed, func(l *auth.AccessKey) bool { return l.ID == next.ID }) {
			t.Fatal("a deleted key is listed")
		}
		// Kept for the audit: the provider can still list it.
		deleted, n, _ := access.ListAllKeys(e.ctx, db.Reader(), access.StaffFilter{State: access.StateDeleted}, e.now)
		if n != 1 || deleted[0].ID != next.ID || deleted[0].PartnerName != e.p.Name {
			t.Fatalf("deleted keys for the provider: %d %+v", n, deleted)
		}

		var actions []string
		entries, _, _ := audit.List(e.ctx, db.Reader(), audit.Filter{PartnerID: e.p.ID, Limit: 100})
		for _, en := range entries {
			if en.ObjectID == next.ID {
				actions = append(actions, en.Action)
			}
		}
		if !slices.Equal(actions, []string{"access_key.delete", "access_key.enable", "access_key.disable", "access_key.create"}) {
			t.Fatalf("audit of the successor %v", actions)
		}
	})
}

func rotate(e *env, id string, window time.Duration) (k *auth.AccessKey, err error) {
	err = e.try(func(tx *store.Tx) (err error) {
		k, err = access.RotateKey(e.ctx, tx, e.sealer, e.p.ID, id, window)
		return err
	})
	return k, err
}

func TestProviderRevokes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var k, other *auth.AccessKey
		e.tx(func(tx *store.Tx) (err error) {
			if k, err = access.CreateKey(e.ctx, tx, e.sealer, e.p.ID, access.KeyInput{}, known); err != nil {
				return err
			}
			other, err = access.CreateKey(e.ctx, tx, e.sealer, e.q.ID, access.KeyInput{}, known)
			return err
		})
		staff := auth.WithPrincipal(context.Background(), &auth.Principal{Kind: auth.KindStaff, UserID: "s1", Username: "support"})
		err := db.InTx(staff, func(tx *store.Tx) error { return access.RevokeKey(staff, tx, k.ID, " ") })
		wantKey(t, err, "access.revoke_reason_required")
		if err := db.InTx(staff, func(tx *store.Tx) error { return access.RevokeKey(staff, tx, k.ID, "密钥泄露") }); err != nil {
			t.Fatal(err)
		}
		got, _ := access.GetKey(e.ctx, db.Reader(), e.p.ID, k.ID)
		if access.State(got, e.now) != access.StateRevoked || got.RevokeReason != "密钥泄露" || got.RevokedBy != "support" {
			t.Fatalf("revoked key %+v", got)
		}
		err = e.try(func(tx *store.Tx) error { return access.SetKeyDisabled(e.ctx, tx, e.p.ID, k.ID, false) })
		wantKey(t, err, "access.key_revoked")
		if !strings.Contains(err.Error(), "密钥泄露") {
			t.Errorf("the partner is not told why: %v", err)
		}

		all, n, _ := access.ListAllKeys(e.ctx, db.Reader(), access.StaffFilter{}, e.now)
		if n != 2 || len(all) != 2 {
			t.Fatalf("all keys: %d", n)
		}
		revoked, n, _ := access.ListAllKeys(e.ctx, db.Reader(), access.StaffFilter{State: access.StateRevoked}, e.now)
		if n != 1 || revoked[0].ID != k.ID {
			t.Fatalf("revoked filter: %d", n)
		}
		byPartner, n, _ := access.ListAllKeys(e.ctx, db.Reader(), access.StaffFilter{Partner: e.q.Name, State: access.StateActive}, e.now)
		if n != 1 || byPartner[0].ID != other.ID {
			t.Fatalf("partner filter: %d", n)
		}
		entries, _, _ := audit.List(e.ctx, db.Reader(), audit.Filter{PartnerID: e.p.ID, Action: "access_key.revoke", Limit: 10})
		if len(entries) != 1 || entries[0].ActorName != "support" || !strings.Contains(entries[0].Summary, "密钥泄露") {
			t.Fatalf("revocation audit %+v", entries)
		}
	})
}

func TestRecordSignature(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		seen := func(ak, sig string) (fresh bool) {
			e.tx(func(tx *store.Tx) (err error) {
				fresh, err = access.RecordSignature(e.ctx, tx, ak, sig, e.now.Add(15*time.Minute))
				return err
			})
			return fresh
		}
		if !seen("AK1", "abc") || seen("AK1", "abc") {
			t.Fatal("a signature is new once, then a replay")
		}
		if !seen("AK2", "abc") {
			t.Fatal("the same signature of another key is new")
		}
		// Past its expiry a row is taken over, swept or not.
		e.now = e.now.Add(16 * time.Minute)
		if !seen("AK1", "abc") {
			t.Fatal("an expired signature still counts")
		}
		e.now = e.now.Add(16 * time.Minute)
		access.SweepSignatures(e.ctx, db, slog.Default())
		var n int
		if err := db.Reader().QueryRowContext(e.ctx, `SELECT COUNT(*) FROM api_signatures`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("after the sweep %d rows, %v", n, err)
		}
	})
}
