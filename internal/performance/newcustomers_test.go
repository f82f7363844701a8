package performance

import (
	"context"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"testing"
	"time"

	"partnercenter/internal/bill"
	"partnercenter/internal/demo"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/upload"
)

// newCustomersInGo is how the new customers were counted before the database
// did it: every customer associated in the range read with its manager
// periods, and the first period in charge at some moment between the
// association and the end of that month taking it. The SQL counting must
// give exactly these figures.
func newCustomersInGo(ctx context.Context, q store.Queryer, partnerID string, first, last bill.Month) (map[Cell]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.associated_at, COALESCE(m.manager_user_id, ''), COALESCE(m.starts_at, 0), COALESCE(m.ends_at, 0)
		FROM customers c LEFT JOIN customer_manager_periods m ON m.customer_id = c.id AND m.partner_id = c.partner_id
		WHERE c.partner_id = ? AND c.associated_at >= ? AND c.associated_at < ?
		ORDER BY c.id, m.starts_at, m.assigned_at`, partnerID, store.Micros(first.Start()), store.Micros(last.End()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Cell]int64{}
	var current string
	var decided bool
	var month bill.Month
	for rows.Next() {
		var id, manager string
		var associated, starts, ends int64
		if err := rows.Scan(&id, &associated, &manager, &starts, &ends); err != nil {
			return nil, err
		}
		if id != current {
			if current != "" && !decided {
				out[Cell{Month: month}]++
			}
			current, decided, month = id, false, bill.MonthOf(store.Time(associated))
		}
		if decided || manager == "" {
			continue
		}
		if starts < store.Micros(month.End()) && (ends == 0 || ends > associated) {
			out[Cell{ManagerUserID: manager, Month: month}]++
			decided = true
		}
	}
	if current != "" && !decided {
		out[Cell{Month: month}]++
	}
	return out, rows.Err()
}

// compareNewCustomers checks every partner of the database over the whole
// queryable window, the home card's six months and each single month, and
// returns how many customers and attributed customers were compared.
func compareNewCustomers(t *testing.T, db *store.DB) (customers, attributed int64) {
	t.Helper()
	ctx := context.Background()
	q := db.Reader()
	partners := storetest.Strings(t, db, `SELECT id FROM partners ORDER BY id`)
	oldest, newest := bill.Window(time.Now())
	ranges := [][2]bill.Month{{oldest, newest}, {newest.Add(-5), newest}}
	for m := oldest; m <= newest; m = m.Add(1) {
		ranges = append(ranges, [2]bill.Month{m, m})
	}
	for _, p := range partners {
		for i, r := range ranges {
			want, err := newCustomersInGo(ctx, q, p, r[0], r[1])
			if err != nil {
				t.Fatal(err)
			}
			got, err := newCustomersByManager(ctx, q, p, r[0], r[1])
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("partner %s, %s to %s:\n SQL %v\n Go  %v", p, r[0], r[1], got, want)
			}
			if i == 0 {
				for c, n := range want {
					customers += n
					if c.ManagerUserID != "" {
						attributed += n
					}
				}
			}
		}
	}
	return customers, attributed
}

func TestNewCustomersCountedInSQLAsInGoOnTheDemo(t *testing.T) {
	// The demo's materials are uploads, which on PostgreSQL would go to
	// ./data/uploads in this package.
	t.Setenv(upload.EnvDir, t.TempDir())
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := demo.Load(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		customers, attributed := compareNewCustomers(t, db)
		t.Logf("%d new customers, %d of them attributed", customers, attributed)
		if customers == 0 {
			t.Fatal("the demo has no customers associated in the window")
		}
	})
}

// On generated partners and customers, manager periods are added at random
// around each customer's association and the ends of months: several per
// customer, starting before, at and after the association and at the end of
// its month exactly, ending before, at and after it, open or closed, some
// of them another partner's (a customer that moved).
func TestNewCustomersCountedInSQLAsInGoOnGeneratedData(t *testing.T) {
	t.Setenv(upload.EnvDir, t.TempDir())
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := storetest.Sealer(t)
		if _, err := demo.LoadScaled(ctx, db, sealer, demo.Scale{Partners: 12, Customers: 1500, Entries: 6000, Seed: 7}, io.Discard); err != nil {
			t.Fatal(err)
		}
		type customer struct {
			id, partner string
			associated  int64
		}
		var cs []customer
		rows, err := db.Reader().QueryContext(ctx, `SELECT id, partner_id, associated_at FROM customers WHERE partner_id IS NOT NULL AND associated_at IS NOT NULL ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c customer
			if err := rows.Scan(&c.id, &c.partner, &c.associated); err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
		rows.Close()
		partners := storetest.Strings(t, db, `SELECT id FROM partners ORDER BY id`)
		// Customers are spread over the window, so that every month and
		// its boundaries are met.
		oldest, newest := bill.Window(time.Now())
		span := store.Micros(newest.End()) - store.Micros(oldest.Start())
		rnd := mathrand.New(mathrand.NewPCG(1, 2))
		var assigned int64
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			managers := map[string][]string{}
			for _, p := range partners {
				for i := range 3 {
					id := fmt.Sprintf("m-%s-%d", p, i)
					if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, partner_id, roles, password_hash, created_at, password_changed_at)
						VALUES (?, ?, ?, ?, 'manager', '-', 0, 0)`, id, id, id, p); err != nil {
						return err
					}
					managers[p] = append(managers[p], id)
				}
			}
			for i, c := range cs {
				switch i % 10 {
				case 0: // just before the window
					c.associated = store.Micros(oldest.Start()) - 1
				case 1: // the first moment of a month
					c.associated = store.Micros(oldest.Add(rnd.IntN(int(newest-oldest)%100 + 1)).Start())
				default:
					c.associated = store.Micros(oldest.Start()) + rnd.Int64N(span+1_000_000)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE customers SET associated_at = ? WHERE id = ?`, c.associated, c.id); err != nil {
					return err
				}
				monthEnd := store.Micros(bill.MonthOf(store.Time(c.associated)).End())
				moments := []int64{c.associated - 86_400_000_000, c.associated - 1, c.associated, c.associated + 1,
					c.associated + 3_600_000_000, monthEnd - 1, monthEnd, monthEnd + 1}
				for range rnd.IntN(4) {
					partner := c.partner
					if rnd.IntN(8) == 0 {
						partner = partners[rnd.IntN(len(partners))]
					}
					starts := moments[rnd.IntN(len(moments))]
					var ends any
					if rnd.IntN(3) > 0 {
						e := moments[rnd.IntN(len(moments))]
						if e > starts {
							ends = e
						}
					}
					assigned++
					if _, err := tx.ExecContext(ctx, `INSERT INTO customer_manager_periods (id, customer_id, partner_id, manager_user_id, starts_at, ends_at, assigned_by, assigned_at)
						VALUES (?, ?, ?, ?, ?, ?, 'test', ?)`, fmt.Sprintf("period-%06d", assigned), c.id, partner,
						managers[partner][rnd.IntN(3)], starts, ends, assigned); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		customers, attributed := compareNewCustomers(t, db)
		t.Logf("%d customers, %d periods; %d new customers in the window, %d of them attributed", len(cs), assigned, customers, attributed)
		if attributed == 0 || attributed == customers {
			t.Fatalf("%d of %d attributed: the data does not test both kinds", attributed, customers)
		}
	})
}
