package customer_test

import (
	"context"
	"fmt"
	"testing"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// checkCounts compares every partner's partner_customer_counts row (none
// is zero) with the count of its customers, and the total of its unfiltered
// list, on a page and past the last page, with both.
func checkCounts(t *testing.T, db *store.DB, when string) {
	t.Helper()
	ctx := context.Background()
	q := db.Reader()
	ids := storetest.Column(t, db, `SELECT id FROM partners ORDER BY id`)
	for _, id := range ids {
		var want, got int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE partner_id = ?`, id).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(customers), 0) FROM partner_customer_counts WHERE partner_id = ?`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: partner %s counts %d customers, has %d", when, id, got, want)
		}
		for _, f := range []customer.Filter{{Limit: 2}, {Offset: 1000}} {
			if _, total, err := customer.List(ctx, q, customer.PartnerScope(id), f); err != nil || total != want {
				t.Errorf("%s: partner %s lists %d customers (offset %d), has %d: %v", when, id, total, f.Offset, want, err)
			}
		}
	}
}

func TestCustomerCountsFollowEveryChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := auth.WithPrincipal(context.Background(), f.mainUser.Principal())
		tx := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := db.InTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		var resB *partner.Partner
		tx(func(tx *store.Tx) error {
			var err error
			resB, err = partner.Create(ctx, tx, partner.NewPartner{Name: "res-b", Type: partner.Reseller, Stage: partner.Certified,
				ParentID: f.dist.ID, XAccountType: "plat_res_b"})
			return err
		})
		checkCounts(t, db, "before any customer")

		var dists []*customer.Customer
		for i := range 5 {
			dists = append(dists, f.create(t, f.dist, customer.NewCustomer{DomainName: fmt.Sprintf("count-dist-%d", i),
				Label: map[bool]string{true: "vip"}[i%2 == 0]}))
		}
		moving := f.create(t, f.resA, customer.NewCustomer{DomainName: "count-res-a-1"})
		f.create(t, f.resA, customer.NewCustomer{DomainName: "count-res-a-2"})
		f.create(t, resB, customer.NewCustomer{DomainName: "count-res-b-1"})
		f.create(t, f.other, customer.NewCustomer{DomainName: "count-other-1"})
		checkCounts(t, db, "after creating")

		// Free accounts count for nobody until a partner's invite is accepted.
		var free1, free2 *customer.Customer
		tx(func(tx *store.Tx) error {
			var err error
			if free1, err = customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: "count-free-1"}); err != nil {
				return err
			}
			free2, err = customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: "count-free-2"})
			return err
		})
		checkCounts(t, db, "after registering free accounts")
		var token string
		tx(func(tx *store.Tx) error {
			var err error
			token, _, err = customer.InviteAccount(ctx, tx, f.dist.ID, "count-free-1", customer.Resale)
			return err
		})
		tx(func(tx *store.Tx) error { _, _, _, err := customer.AcceptInvite(ctx, tx, token); return err })
		tx(func(tx *store.Tx) error { return customer.Associate(ctx, tx, f.other.ID, free2.ID, customer.Referral) })
		checkCounts(t, db, "after association")

		// Dissociation, and a dissociated account taken by another partner.
		tx(func(tx *store.Tx) error { return customer.Unassociate(ctx, tx, f.dist.ID, free1.ID) })
		tx(func(tx *store.Tx) error { return customer.Unassociate(ctx, tx, f.dist.ID, dists[0].ID) })
		checkCounts(t, db, "after dissociation")
		tx(func(tx *store.Tx) error { return customer.Associate(ctx, tx, resB.ID, free1.ID, customer.Resale) })
		checkCounts(t, db, "after association elsewhere")

		// Writers other than this package: a move between partners, an
		// update that keeps the partner, deletions with and without one.
		exec := func(query string, args ...any) {
			t.Helper()
			if _, err := db.WriterPool().ExecContext(ctx, db.Rebind(query), args...); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}
		exec(`UPDATE customers SET partner_id = ? WHERE id = ?`, resB.ID, moving.ID)
		exec(`UPDATE customers SET partner_id = partner_id, label = 'same' WHERE partner_id = ?`, f.dist.ID)
		checkCounts(t, db, "after direct updates")
		exec(`INSERT INTO customers (id, domain_name, created_at, partner_id) VALUES ('count-gone-1', 'count-gone-1', 0, ?), ('count-gone-2', 'count-gone-2', 0, NULL)`, f.other.ID)
		checkCounts(t, db, "after a direct insert")
		exec(`DELETE FROM customers WHERE id IN ('count-gone-1', 'count-gone-2')`)
		checkCounts(t, db, "after deletion")
	})
}

func TestListCountsFromCounters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		var resB *partner.Partner
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			resB, err = partner.Create(ctx, tx, partner.NewPartner{Name: "res-b", Type: partner.Reseller, Stage: partner.Certified,
				ParentID: f.dist.ID, XAccountType: "plat_res_b"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for i := range 6 {
			f.create(t, f.dist, customer.NewCustomer{DomainName: fmt.Sprintf("sum-dist-%d", i), Label: map[bool]string{true: "vip"}[i < 2]})
		}
		for i := range 3 {
			f.create(t, f.resA, customer.NewCustomer{DomainName: fmt.Sprintf("sum-res-a-%d", i)})
		}
		for i := range 4 {
			f.create(t, resB, customer.NewCustomer{DomainName: fmt.Sprintf("sum-res-b-%d", i)})
		}
		main := f.mainUser.Principal()
		resellers, err := customer.ScopeFor(ctx, db.Reader(), main, customer.ResellerCustomers, "")
		if err != nil || len(resellers.PartnerIDs) != 2 {
			t.Fatalf("resellers' scope %+v: %v", resellers, err)
		}
		own := customer.PartnerScope(f.dist.ID)
		list := func(scope customer.Scope, fl customer.Filter) int {
			t.Helper()
			_, total, err := customer.List(ctx, db.Reader(), scope, fl)
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
		check := func(when string, wantOwn, wantResellers int) {
			t.Helper()
			for _, fl := range []customer.Filter{{Limit: 1}, {Offset: 100}} {
				if n := list(own, fl); n != wantOwn {
					t.Errorf("%s: own list (offset %d) counts %d, want %d", when, fl.Offset, n, wantOwn)
				}
				if n := list(resellers, fl); n != wantResellers {
					t.Errorf("%s: resellers' list (offset %d) counts %d, want %d", when, fl.Offset, n, wantResellers)
				}
			}
			// Filtered lists count what they match.
			if n := list(own, customer.Filter{Label: "vip"}); n != 2 {
				t.Errorf("%s: vip customers = %d, want 2", when, n)
			}
			if n := list(resellers, customer.Filter{AccountName: "res-b"}); n != 4 {
				t.Errorf("%s: resellers' res-b customers = %d, want 4", when, n)
			}
			if n := list(customer.Scope{}, customer.Filter{}); n != 0 {
				t.Errorf("%s: an empty scope counts %d", when, n)
			}
		}
		check("as created", 6, 7)

		// The unfiltered total is the counters' (a manager's scope is a
		// filter): set them apart from the rows to tell which was read.
		if _, err := db.WriterPool().ExecContext(ctx, db.Rebind(`INSERT INTO partner_customer_counts (partner_id, slot, customers)
			SELECT DISTINCT partner_id, 1000, 100 FROM partner_customer_counts`)); err != nil {
			t.Fatal(err)
		}
		check("counters off by 100", 106, 207)
		mgr, err := customer.ScopeFor(ctx, db.Reader(), f.manager.Principal(), customer.OwnCustomers, "")
		if err != nil {
			t.Fatal(err)
		}
		if n := list(mgr, customer.Filter{}); n != 0 {
			t.Errorf("a manager with no customer counts %d", n)
		}
	})
}
