package customer_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

type fixture struct {
	db                   *store.DB
	dist, resA, other    *partner.Partner
	mainUser, manager    *auth.User
	otherManager, seller *auth.User
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db}
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		mk := func(name string, typ partner.Type, parent, xat string) *partner.Partner {
			if err != nil {
				return nil
			}
			var p *partner.Partner
			p, err = partner.Create(ctx, tx, partner.NewPartner{Name: name, Type: typ, Stage: partner.Certified, ParentID: parent, XAccountType: xat})
			return p
		}
		f.dist = mk("dist", partner.TotalDistributor, "", "plat_dist")
		f.other = mk("other", partner.Reseller, "", "plat_other")
		if err != nil {
			return err
		}
		f.resA = mk("res-a", partner.Reseller, f.dist.ID, "plat_res_a")
		user := func(name, partnerID string, main bool, roles ...auth.Role) *auth.User {
			if err != nil {
				return nil
			}
			var u *auth.User
			u, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: name, PartnerID: partnerID, IsMain: main, Roles: roles, Password: "Passw0rd#x"})
			return u
		}
		f.mainUser = user("dist", f.dist.ID, true, auth.PartnerAdmin)
		f.manager = user("dist-mgr", f.dist.ID, false, auth.PartnerManager)
		f.seller = user("dist-sales", f.dist.ID, false, auth.PartnerSales)
		f.otherManager = user("other-mgr", f.other.ID, false, auth.PartnerManager)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) create(t *testing.T, p *partner.Partner, n customer.NewCustomer) *customer.Customer {
	t.Helper()
	var c *customer.Customer
	err := f.db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		c, err = customer.Create(context.Background(), tx, p, n, false)
		return err
	})
	if err != nil {
		t.Fatalf("create %s: %v", n.DomainName, err)
	}
	return c
}

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Field + "/" + e.Key
	}
	return fmt.Sprintf("not a domain error: %v", err)
}

func TestCreateValidatesEveryRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		f.create(t, f.dist, customer.NewCustomer{DomainName: "acme-cloud", XAccountID: "u-1"})
		cases := []struct {
			n    customer.NewCustomer
			api  bool
			want string
		}{
			{customer.NewCustomer{DomainName: "abcd"}, false, "domain_name/customer.domain_name_length"},
			{customer.NewCustomer{DomainName: "a234567890123456789012345678901234"}, false, "domain_name/customer.domain_name_length"},
			{customer.NewCustomer{DomainName: "1234567"}, false, "domain_name/customer.domain_name_digits"},
			{customer.NewCustomer{DomainName: "op_customer"}, false, "domain_name/customer.domain_name_prefix"},
			{customer.NewCustomer{DomainName: "shadow_abc"}, false, "domain_name/customer.domain_name_prefix"},
			{customer.NewCustomer{DomainName: "9abcdef"}, false, "domain_name/customer.domain_name_chars"},
			{customer.NewCustomer{DomainName: "abc.def"}, false, "domain_name/customer.domain_name_chars"},
			{customer.NewCustomer{DomainName: "acme-cloud"}, false, "domain_name/customer.domain_name_taken"},
			{customer.NewCustomer{DomainName: "acme-two", XAccountID: "u-1"}, false, "xaccount_id/customer.xaccount_id_taken"},
			{customer.NewCustomer{DomainName: "acme-two", XAccountID: "u-2", XAccountType: "plat_other"}, true, "xaccount_type/customer.xaccount_type_mismatch"},
			{customer.NewCustomer{DomainName: "acme-two", XAccountType: "plat_dist"}, true, "xaccount_id/customer.xaccount_id_required"},
			{customer.NewCustomer{DomainName: "acme-two", Mobile: "12345"}, false, "mobile_phone/customer.mobile_invalid"},
			{customer.NewCustomer{DomainName: "acme-two", Email: "not-an-email"}, false, "email/customer.email_invalid"},
		}
		for _, c := range cases {
			err := db.InTx(ctx, func(tx *store.Tx) error { _, err := customer.Create(ctx, tx, f.dist, c.n, c.api); return err })
			if got := fieldOf(err); got != c.want {
				t.Errorf("%+v: got %s, want %s", c.n, got, c.want)
			}
		}
		// The same xaccount_id on another platform is a different user.
		f.create(t, f.other, customer.NewCustomer{DomainName: "other-cust", XAccountID: "u-1"})
		// An empty name is generated.
		gen := f.create(t, f.dist, customer.NewCustomer{})
		if err := customer.ValidateDomainName("x", gen.DomainName); err != nil || len(gen.DomainName) != 32 {
			t.Errorf("generated name %q: %v", gen.DomainName, err)
		}
		all, total, _ := customer.List(ctx, db.Reader(), customer.PartnerScope(f.dist.ID), customer.Filter{})
		if total != 2 || all[0].AssociationType != customer.Resale || all[0].XAccountType == "" && all[1].XAccountType == "" {
			t.Errorf("dist customers = %d: %+v", total, all)
		}
	})
}

func TestListScopesAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		for i := 0; i < 12; i++ {
			f.create(t, f.dist, customer.NewCustomer{DomainName: fmt.Sprintf("dist-cust-%02d", i), RealName: fmt.Sprintf("公司%02d", i), Label: map[bool]string{true: "vip", false: ""}[i%3 == 0]})
		}
		f.create(t, f.resA, customer.NewCustomer{DomainName: "resa-cust-1"})
		f.create(t, f.resA, customer.NewCustomer{DomainName: "resa-cust-2"})
		f.create(t, f.other, customer.NewCustomer{DomainName: "other-cust-1"})

		mainP := f.mainUser.Principal()
		own, err := customer.ScopeFor(ctx, db.Reader(), mainP, customer.OwnCustomers, "")
		if err != nil {
			t.Fatal(err)
		}
		page1, total, _ := customer.List(ctx, db.Reader(), own, customer.Filter{Limit: 10})
		page2, _, _ := customer.List(ctx, db.Reader(), own, customer.Filter{Offset: 10, Limit: 10})
		if total != 12 || len(page1) != 10 || len(page2) != 2 {
			t.Fatalf("own: total %d, pages %d+%d", total, len(page1), len(page2))
		}
		if _, n, _ := customer.List(ctx, db.Reader(), own, customer.Filter{Label: "vip"}); n != 4 {
			t.Errorf("label vip = %d, want 4", n)
		}
		if _, n, _ := customer.List(ctx, db.Reader(), own, customer.Filter{AccountName: "cust-0"}); n != 10 {
			t.Errorf("account name cust-0 = %d, want 10", n)
		}
		if _, n, _ := customer.List(ctx, db.Reader(), own, customer.Filter{RealName: "公司11"}); n != 1 {
			t.Errorf("real name = %d, want 1", n)
		}
		if _, n, _ := customer.List(ctx, db.Reader(), own, customer.Filter{AssociationType: customer.Referral}); n != 0 {
			t.Errorf("referral = %d, want 0", n)
		}
		if _, n, _ := customer.List(ctx, db.Reader(), own, customer.Filter{AssociatedFrom: time.Now().Add(time.Hour)}); n != 0 {
			t.Errorf("associated in the future = %d", n)
		}

		resellers, err := customer.ScopeFor(ctx, db.Reader(), mainP, customer.ResellerCustomers, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, n, _ := customer.List(ctx, db.Reader(), resellers, customer.Filter{}); n != 2 {
			t.Errorf("resellers' customers = %d, want 2", n)
		}
		viaIndirect, err := customer.ScopeFor(ctx, db.Reader(), mainP, customer.OwnCustomers, f.resA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, n, _ := customer.List(ctx, db.Reader(), viaIndirect, customer.Filter{}); n != 2 {
			t.Errorf("indirect_partner_id = %d, want 2", n)
		}
		if _, err := customer.ScopeFor(ctx, db.Reader(), mainP, customer.OwnCustomers, f.other.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another partner as indirect: %v", err)
		}
		otherCustomer, _, _ := customer.List(ctx, db.Reader(), customer.PartnerScope(f.other.ID), customer.Filter{})
		if _, err := customer.Get(ctx, db.Reader(), own, otherCustomer[0].ID); !errors.Is(err, customer.ErrNotFound) {
			t.Errorf("another tenant's customer: %v", err)
		}
		// A reseller has no resellers' tab.
		resAMain := &auth.Principal{Kind: auth.KindPartner, PartnerID: f.resA.ID, IsMain: true}
		if _, err := customer.ScopeFor(ctx, db.Reader(), resAMain, customer.ResellerCustomers, ""); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("reseller's reseller tab: %v", err)
		}
		if _, err := customer.ScopeFor(ctx, db.Reader(), resAMain, customer.OwnCustomers, f.dist.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("reseller acting for its distributor: %v", err)
		}

		// A manager sees only the customers assigned to it.
		mgrScope, err := customer.ScopeFor(ctx, db.Reader(), f.manager.Principal(), customer.OwnCustomers, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, n, _ := customer.List(ctx, db.Reader(), mgrScope, customer.Filter{}); n != 0 {
			t.Fatalf("manager before assignment sees %d", n)
		}
		ctxMain := auth.WithPrincipal(ctx, mainP)
		for _, c := range page1[:3] {
			if err := db.InTx(ctxMain, func(tx *store.Tx) error {
				_, _, err := customer.AssignManager(ctxMain, tx, f.dist.ID, c.ID, f.manager.ID, time.Time{})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		mine, n, _ := customer.List(ctx, db.Reader(), mgrScope, customer.Filter{})
		if n != 3 || mine[0].Manager == nil || mine[0].Manager.Username != "dist-mgr" {
			t.Fatalf("manager sees %d, manager %+v", n, mine)
		}
		if _, err := customer.Get(ctx, db.Reader(), mgrScope, page1[5].ID); !errors.Is(err, customer.ErrNotFound) {
			t.Errorf("manager reading an unassigned customer: %v", err)
		}
		if _, n, _ := customer.List(ctx, db.Reader(), own, customer.Filter{ManagerUserID: f.manager.ID}); n != 3 {
			t.Errorf("filter by manager = %d, want 3", n)
		}
	})
}

func TestManagerPeriodsAttributeConsumption(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := auth.WithPrincipal(context.Background(), f.mainUser.Principal())
		c := f.create(t, f.dist, customer.NewCustomer{DomainName: "attributed"})
		assign := func(userID string, from time.Time) error {
			return db.InTx(ctx, func(tx *store.Tx) error {
				_, _, err := customer.AssignManager(ctx, tx, f.dist.ID, c.ID, userID, from)
				return err
			})
		}
		t0 := time.Now().UTC()
		if err := assign(f.manager.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := assign(f.manager.ID, time.Time{}); fieldOf(err) != "manager/customer.manager_same" {
			t.Errorf("same manager again: %s", fieldOf(err))
		}
		t1 := t0.Add(48 * time.Hour)
		if err := assign(f.mainUser.ID, t1); err != nil {
			t.Fatal(err)
		}
		for _, c2 := range []struct {
			err  error
			want string
		}{
			{assign(f.manager.ID, t0.Add(-24*time.Hour)), "from/customer.manager_from_past"},
			{assign(f.manager.ID, t0.Add(24*time.Hour)), "from/customer.manager_from_overlap"},
			{assign(f.otherManager.ID, time.Time{}), "manager/customer.manager_not_found"},
			{assign(f.seller.ID, time.Time{}), "manager/customer.manager_not_manager"},
		} {
			if got := fieldOf(c2.err); got != c2.want {
				t.Errorf("got %s, want %s", got, c2.want)
			}
		}
		at := func(when time.Time) string {
			m, err := customer.ManagerAt(ctx, db.Reader(), c.ID, when)
			if err != nil {
				t.Fatal(err)
			}
			if m == nil {
				return ""
			}
			return m.Username
		}
		if got := at(t0.Add(-time.Second)); got != "" {
			t.Errorf("before any assignment: %q", got)
		}
		if got := at(t0.Add(time.Hour)); got != "dist-mgr" {
			t.Errorf("in the first period: %q", got)
		}
		if got := at(t1.Add(time.Hour)); got != "dist" {
			t.Errorf("in the second period: %q", got)
		}
		hist, _ := customer.ManagerHistory(ctx, db.Reader(), c.ID)
		if len(hist) != 2 || !hist[0].Ends.Equal(t1.Truncate(time.Microsecond)) || !hist[1].Ends.IsZero() {
			t.Errorf("history = %+v", hist)
		}
	})
}

func TestFreezeInvitesAndTypeSwitch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := auth.WithPrincipal(context.Background(), f.mainUser.Principal())
		c := f.create(t, f.dist, customer.NewCustomer{DomainName: "freezable"})
		tx := func(fn func(tx *store.Tx) error) error { return db.InTx(ctx, fn) }

		if err := tx(func(tx *store.Tx) error { _, _, err := customer.Freeze(ctx, tx, f.dist.ID, c.ID, 1, " "); return err }); fieldOf(err) != "reason/customer.freeze_reason_required" {
			t.Errorf("freeze without reason: %s", fieldOf(err))
		}
		if err := tx(func(tx *store.Tx) error { _, _, err := customer.Freeze(ctx, tx, f.other.ID, c.ID, 1, "r"); return err }); !errors.Is(err, customer.ErrNotFound) {
			t.Errorf("freezing another tenant's customer: %v", err)
		}
		if err := tx(func(tx *store.Tx) error {
			_, _, err := customer.Freeze(ctx, tx, f.dist.ID, c.ID, 2, "overdue")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		got, _ := customer.Get(ctx, db.Reader(), customer.PartnerScope(f.dist.ID), c.ID)
		if got.Frozen != 2 || got.FrozenReason != "overdue" || got.CanTrade() == nil {
			t.Errorf("frozen customer = %+v", got)
		}
		// A frozen customer cannot switch type.
		if err := tx(func(tx *store.Tx) error {
			_, _, err := customer.RequestTypeSwitch(ctx, tx, f.dist.ID, c.ID, customer.Referral)
			return err
		}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("switching a frozen customer: %v", err)
		}
		if err := tx(func(tx *store.Tx) error { _, _, err := customer.Unfreeze(ctx, tx, f.dist.ID, c.ID, "paid"); return err }); err != nil {
			t.Fatal(err)
		}

		// Switch to referral with the customer's confirmation; referral cannot be frozen.
		var token string
		if err := tx(func(tx *store.Tx) error {
			var err error
			token, _, err = customer.RequestTypeSwitch(ctx, tx, f.dist.ID, c.ID, customer.Referral)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := tx(func(tx *store.Tx) error { _, _, _, err := customer.AcceptInvite(ctx, tx, token); return err }); err != nil {
			t.Fatal(err)
		}
		if err := tx(func(tx *store.Tx) error { _, _, _, err := customer.AcceptInvite(ctx, tx, token); return err }); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("reused link: %v", err)
		}
		if err := tx(func(tx *store.Tx) error { _, _, err := customer.Freeze(ctx, tx, f.dist.ID, c.ID, 1, "x"); return err }); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("freezing a referral customer: %v", err)
		}

		// Invite an unassociated account: another partner cannot invite it
		// once it is taken, and an expired link does nothing.
		if _, err := db.WriterPool().Exec(db.Rebind(`INSERT INTO customers (id, domain_name, created_at) VALUES ('free1', 'free-account', 0), ('free2', 'free-account-2', 0)`)); err != nil {
			t.Fatal(err)
		}
		var inv string
		if err := tx(func(tx *store.Tx) error {
			var err error
			inv, _, err = customer.InviteAccount(ctx, tx, f.dist.ID, "free-account", customer.Resale)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := tx(func(tx *store.Tx) error { _, _, _, err := customer.AcceptInvite(ctx, tx, inv); return err }); err != nil {
			t.Fatal(err)
		}
		if err := tx(func(tx *store.Tx) error {
			_, _, err := customer.InviteAccount(ctx, tx, f.other.ID, "free-account", customer.Resale)
			return err
		}); fieldOf(err) != "domain_name/customer.associated_elsewhere" {
			t.Errorf("inviting another partner's customer: %s", fieldOf(err))
		}
		if err := tx(func(tx *store.Tx) error {
			var err error
			inv, _, err = customer.InviteAccount(ctx, tx, f.other.ID, "free-account-2", customer.Referral)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		real := db.Now
		db.Now = func() time.Time { return real().Add(customer.InviteValidity + time.Minute) }
		if err := tx(func(tx *store.Tx) error { _, _, _, err := customer.AcceptInvite(ctx, tx, inv); return err }); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("expired link: %v", err)
		}
		db.Now = real
		if _, err := customer.GetInvite(ctx, db.Reader(), "forged-token"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown link: %v", err)
		}
		free2, _, _ := customer.List(ctx, db.Reader(), customer.PartnerScope(f.other.ID), customer.Filter{})
		if len(free2) != 0 {
			t.Errorf("an expired link associated the account")
		}
	})
}

func TestCheckIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		f.create(t, f.dist, customer.NewCustomer{DomainName: "taken-name", Email: "a@b.example", Mobile: "13800000000"})
		check := func(typ, v string) (*customer.Identity, error) {
			return customer.CheckIdentity(ctx, db.Reader(), typ, v)
		}
		if id, err := check("name", "Taken-Name"); err != nil || id.Available {
			t.Errorf("taken name: %+v %v", id, err)
		}
		if id, err := check("name", "free-name"); err != nil || !id.Available {
			t.Errorf("free name: %+v %v", id, err)
		}
		if id, err := check("email", "a@b.example"); err != nil || id.Available {
			t.Errorf("taken email: %+v %v", id, err)
		}
		if id, err := check("mobile", "0086-13800000000"); err != nil || !id.Available || id.MobileRemainAccount != customer.MaxAccountsPerMobile-1 {
			t.Errorf("mobile: %+v %v", id, err)
		}
		for _, bad := range [][2]string{{"name", "1234567"}, {"name", "op_abcdef"}, {"mobile", "13800000000"}, {"email", "x"}, {"phone", "x"}, {"name", ""}} {
			if _, err := check(bad[0], bad[1]); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%v: %v", bad, err)
			}
		}
	})
}
