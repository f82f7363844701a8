package customer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnercenter/internal/customer"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
)

// The list benchmarks run against 1,000,000 customers over 1,000 partners
// (1,000 each, a tenth of them with a manager). The database is built once
// and kept in the temporary directory, since building it takes a while.
const (
	benchPartners  = 1000
	benchCustomers = 1000 // per partner
)

var benchOnce sync.Once
var benchDB *store.DB

func openBenchDB(b *testing.B) *store.DB {
	benchOnce.Do(func() {
		ctx := context.Background()
		path := filepath.Join(os.TempDir(), "partnercenter-bench-customers-v1.db")
		_, statErr := os.Stat(path)
		db, err := store.Open(ctx, "sqlite:"+path)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if statErr != nil {
			if err := seedBench(ctx, db); err != nil {
				os.Remove(path)
				b.Fatal(err)
			}
		}
		benchDB = db
	})
	return benchDB
}

func seedBench(ctx context.Context, db *store.DB) error {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for p := 0; p < benchPartners; p++ {
		pid := fmt.Sprintf("p%04d", p)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
				VALUES (?, ?, ?, 'reseller', 'certified', ?, ?, 0)`, pid, "partner-"+pid, pid, "dom-"+pid, "dn-"+pid); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, partner_id, roles, password_hash, created_at, password_changed_at)
				VALUES (?, ?, ?, ?, 'manager', 'x', 0, 0)`, "m-"+pid, "mgr-"+pid, "mgr", pid); err != nil {
				return err
			}
			const chunk = 250
			for start := 0; start < benchCustomers; start += chunk {
				var sb strings.Builder
				sb.WriteString(`INSERT INTO customers (id, domain_name, real_name, customer_type, verified_status, created_at, partner_id, association_type, label, associated_at) VALUES `)
				args := make([]any, 0, chunk*8)
				for i := start; i < start+chunk; i++ {
					if i > start {
						sb.WriteString(", ")
					}
					sb.WriteString("(?, ?, ?, 1, 2, 0, ?, ?, ?, ?)")
					id := fmt.Sprintf("%s-c%04d", pid, i)
					label := ""
					if i%7 == 0 {
						label = "vip"
					}
					args = append(args, id, "acct-"+id, fmt.Sprintf("公司 %s %d", pid, i), pid, 1+i%2, label,
						store.Micros(base.Add(time.Duration(i)*time.Hour)))
				}
				if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
					return err
				}
			}
			for i := 0; i < benchCustomers; i += 10 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO customer_manager_periods (id, customer_id, partner_id, manager_user_id, starts_at, assigned_by, assigned_at)
					VALUES (?, ?, ?, ?, ?, 'bench', 0)`, fmt.Sprintf("%s-mp%04d", pid, i), fmt.Sprintf("%s-c%04d", pid, i), pid, "m-"+pid, store.Micros(base)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkListCustomers lists one partner's customers with each single
// filter, first page and 100th page (10 rows a page), and reports the 99th
// percentile of the query time.
func BenchmarkListCustomers(b *testing.B) {
	db := openBenchDB(b)
	ctx := context.Background()
	from := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)
	filters := map[string]customer.Filter{
		"none":             {},
		"account_name":     {AccountName: "c05"},
		"real_name":        {RealName: "公司"},
		"label":            {Label: "vip"},
		"association_type": {AssociationType: customer.Resale},
		"associated_range": {AssociatedFrom: from, AssociatedTo: from.AddDate(0, 2, 0)},
		"manager":          {ManagerUserID: "m-p0500"},
	}
	names := make([]string, 0, len(filters))
	for n := range filters {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, page := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/page%d", name, page), func(b *testing.B) {
				f := filters[name]
				f.Limit = 10
				f.Offset = (page - 1) * 10
				scope := customer.PartnerScope("p0500")
				var durations []time.Duration
				for b.Loop() {
					start := time.Now()
					if _, _, err := customer.List(ctx, db.Reader(), scope, f); err != nil {
						b.Fatal(err)
					}
					durations = append(durations, time.Since(start))
				}
				slices.Sort(durations)
				b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}

// BenchmarkCreateCustomer creates customers one transaction each from 32
// concurrent callers, on SQLite with synchronous=FULL, as CreateSubCustomer
// does.
func BenchmarkCreateCustomer(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "create.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	var p *partner.Partner
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "bench", Type: partner.Reseller, Stage: partner.Certified, XAccountType: "plat"})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	b.SetParallelism(16) // 32 goroutines on 2 cores, as 32 API clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: fmt.Sprintf("bench-%07d", i),
					XAccountID: fmt.Sprintf("x%07d", i), XAccountType: "plat"}, true)
				return err
			})
			if err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
