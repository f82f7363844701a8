package metering_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/metering"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// envKillChild makes the test binary a metering process over the database
// it names (the kill test's child), instead of running tests.
const envKillChild = "PARTNERCENTER_METERING_CHILD_DSN"

var killStart = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

const killHours = 120

func TestMain(m *testing.M) {
	if dsn := os.Getenv(envKillChild); dsn != "" {
		if err := meterHourByHour(context.Background(), dsn); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// meterHourByHour meters the kill test's load an hour at a time, in small
// transactions, as `partnercenter simulate` does.
func meterHourByHour(ctx context.Context, dsn string) error {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for h := 1; h <= killHours; h++ {
		if _, err := metering.Run(ctx, db, killStart.Add(time.Duration(h)*time.Hour), metering.Options{Customers: 4}); err != nil {
			return err
		}
	}
	return nil
}

func countFees(t *testing.T, dsn string) int64 {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fee_records`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type customerTotals struct{ n, amount, balance, debt int64 }

func totalsByName(t *testing.T, db *store.DB) map[string]customerTotals {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT c.domain_name, COUNT(*), SUM(f.amount), SUM(f.balance_amount),
		SUM(f.debt_amount) FROM fee_records f JOIN customers c ON c.id = f.customer_id WHERE f.source = 'usage' GROUP BY c.domain_name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]customerTotals{}
	for rows.Next() {
		var name string
		var s customerTotals
		if err := rows.Scan(&name, &s.n, &s.amount, &s.balance, &s.debt); err != nil {
			t.Fatal(err)
		}
		out[name] = s
	}
	return out
}

// TestKilledMeteringChargesEachHourOnce kills a metering process at random
// moments, restarts it, lets it finish, and compares the outcome with an
// uninterrupted run of the same load: the same fee records to the fen, each
// resource-hour once, balances equal to funding less what was charged, and
// the ledger check passing. The load runs some customers out of money, so
// arrears and freezing happen mid-run too.
func TestKilledMeteringChargesEachHourOnce(t *testing.T) {
	ctx := context.Background()
	spec := metering.LoadSpec{Partner: "kill", Customers: 20, Resources: 10, Funding: 1000_00, Start: killStart}

	reference := storetest.SQLite(t)
	if _, err := metering.Load(ctx, reference, spec); err != nil {
		t.Fatal(err)
	}
	for h := 1; h <= killHours; h++ {
		if _, err := metering.Run(ctx, reference, killStart.Add(time.Duration(h)*time.Hour), metering.Options{Customers: 4}); err != nil {
			t.Fatal(err)
		}
	}

	dsn := storetest.SQLiteDSN(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := metering.Load(ctx, db, spec); err != nil {
		t.Fatal(err)
	}
	db.Close()

	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envKillChild+"="+dsn)
		cmd.Stderr = os.Stderr
		return cmd
	}
	// Each child is killed when the charged hours pass a random point of
	// what is left, so the kills land while it is working, whatever the
	// machine's speed; a child that finishes first ends the loop.
	var total int64
	if err := reference.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM fee_records`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	kills := 0
	var progress []int64
	for i := 0; i < 5; i++ {
		before := countFees(t, dsn)
		target := before + 1 + rand.Int64N(max(1, (total-before)*3/4))
		cmd := child()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		finished := false
	poll:
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("the child failed: %v", err)
				}
				finished = true
				break poll
			case <-time.After(2 * time.Millisecond):
				if countFees(t, dsn) >= target {
					if err := cmd.Process.Kill(); err != nil {
						t.Fatal(err)
					}
					<-done
					kills++
					break poll
				}
			}
		}
		progress = append(progress, countFees(t, dsn))
		if finished {
			break
		}
	}
	if kills < 2 {
		t.Fatalf("killed only %d times before the child finished: make the load bigger", kills)
	}
	if err := child().Run(); err != nil {
		t.Fatalf("the last run failed: %v", err)
	}
	t.Logf("killed %d times; resource-hours charged at each kill: %v", kills, progress)
	if progress[len(progress)-1] == 0 {
		t.Fatal("no hour was charged before the last kill: the kills test nothing")
	}

	db, err = store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var dups int
	if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT resource_id, fee_at FROM fee_records WHERE source = 'usage'
		GROUP BY resource_id, fee_at HAVING COUNT(*) > 1) d`).Scan(&dups); err != nil {
		t.Fatal(err)
	}
	if dups != 0 {
		t.Fatalf("%d resource-hours charged more than once", dups)
	}
	// Every resource has one record per hour from its start to its cursor.
	var gaps int
	if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM cloud_resources r WHERE r.charging_mode = 3
		AND (SELECT COUNT(*) FROM fee_records f WHERE f.resource_id = r.id) <> (r.metered_until - r.effective_at) / 3600000000`).Scan(&gaps); err != nil {
		t.Fatal(err)
	}
	if gaps != 0 {
		t.Fatalf("%d resources whose records do not cover their metered hours once each", gaps)
	}
	want, got := totalsByName(t, reference), totalsByName(t, db)
	if len(want) != spec.Customers || len(got) != len(want) {
		t.Fatalf("%d customers metered, want %d", len(got), len(want))
	}
	var debt int64
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %+v, uninterrupted run %+v", name, got[name], w)
		}
		debt += w.debt
	}
	if debt == 0 {
		t.Error("no customer ran out of money: the load does not exercise arrears")
	}
	var mismatched int
	if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM customers c
		JOIN ledger_accounts a ON a.owner_type = 'customer' AND a.owner_id = c.id AND a.kind = 'customer_balance'
		LEFT JOIN customer_arrears ar ON ar.customer_id = c.id
		WHERE a.credits_posted - a.debits_posted <> ? - (SELECT COALESCE(SUM(balance_amount), 0) FROM fee_records f WHERE f.customer_id = c.id)
			- COALESCE(ar.settled, 0)`, spec.Funding).Scan(&mismatched); err != nil {
		t.Fatal(err)
	}
	if mismatched != 0 {
		t.Fatalf("%d customers whose balance is not their funding less what metering charged", mismatched)
	}
	vs, err := ledger.Check(ctx, db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Error(v)
	}
}
