package funds_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/exports"
	"partnercenter/internal/funds"
	"partnercenter/internal/store"
)

// The statement benchmarks use one partner whose recharge account holds
// 10,000,000 entries over the last year and another with 1,000,000, built
// once with SQL (the ledger's rules are not what is measured here) and kept
// in the temporary directory.
var (
	bigOnce sync.Once
	bigDB   *store.DB
)

const (
	bigPartner    = "bench-big"    // 10,000,000 entries
	exportPartner = "bench-export" // 1,000,000 entries
)

func openBigLedger(b *testing.B) *store.DB {
	bigOnce.Do(func() {
		ctx := context.Background()
		path := filepath.Join(os.TempDir(), "partnercenter-bench-ledger-v1.db")
		_, statErr := os.Stat(path)
		db, err := store.Open(ctx, "sqlite:"+path)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if statErr != nil {
			now := time.Now()
			for _, p := range []struct {
				id string
				n  int
			}{{bigPartner, 10_000_000}, {exportPartner, 1_000_000}} {
				if err := seedEntries(ctx, db, p.id, p.n, now); err != nil {
					os.Remove(path)
					b.Fatal(err)
				}
			}
		}
		bigDB = db
	})
	return bigDB
}

// seedEntries gives a partner's recharge account n entries spread evenly
// over the year before now: alternately +1.00 (RECHARGE) and -0.50
// (BEADJUST), each with its balance after, and the matching daily sums.
func seedEntries(ctx context.Context, db *store.DB, partnerID string, n int, now time.Time) error {
	start := now.AddDate(-1, 0, 0).Add(time.Hour)
	step := now.Sub(start).Microseconds() / int64(n)
	acct := "acct-" + partnerID
	w := db.WriterPool()
	stmts := []string{
		`INSERT INTO partners (id, name, display_name, partner_type, stage, domain_id, domain_name, created_at)
			VALUES ('` + partnerID + `', '` + partnerID + `', 'bench', 'reseller', 'certified', 'dom-` + partnerID + `', 'dn-` + partnerID + `', 0)`,
		`INSERT INTO ledger_accounts (id, kind, owner_type, owner_id, partner_id, created_at)
			VALUES ('` + acct + `', 'recharge', 'partner', '` + partnerID + `', '` + partnerID + `', 0)`,
		`INSERT INTO ledger_accounts (id, kind, owner_type, owner_id, unbounded, created_at)
			VALUES ('other-` + partnerID + `', 'bank', 'provider', 'bench-` + partnerID + `', TRUE, 0)`,
		`INSERT INTO ledger_transfers (id, client_id, request_hash, debit_account_id, credit_account_id, amount, kind, code, linked_id, meta, created_at)
			VALUES ('t-` + partnerID + `', 'c-` + partnerID + `', '', 'other-` + partnerID + `', '` + acct + `', 100, 'posted', 'RECHARGE', 'l-` + partnerID + `',
			'{"customer_id":"cust-1","account_name":"bench-customer"}', 0)`,
	}
	for _, s := range stmts {
		if _, err := w.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	// In slices of a million rows, so no single statement grows the WAL too far.
	for lo := 1; lo <= n; lo += 1_000_000 {
		hi := min(n, lo+999_999)
		_, err := w.ExecContext(ctx, `WITH RECURSIVE seq(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
			INSERT INTO ledger_entries (id, transfer_id, account_id, seq, amount, balance_after, code, at)
			SELECT printf('%s-%010d', ?, i), ?, ?, i,
				CASE WHEN i % 2 = 1 THEN 100 ELSE -50 END,
				(i / 2) * 50 + (i % 2) * 100,
				CASE WHEN i % 2 = 1 THEN 'RECHARGE' ELSE 'BEADJUST' END,
				? + i * ?
			FROM seq`, lo, hi, partnerID, "t-"+partnerID, acct, start.UnixMicro(), step)
		if err != nil {
			return err
		}
	}
	_, err := w.ExecContext(ctx, `INSERT INTO ledger_daily (account_id, day, code, credits, debits, n)
		SELECT account_id, (at / 1000000 + 28800) / 86400, code, SUM(MAX(amount, 0)), SUM(MAX(-amount, 0)), COUNT(*)
		FROM ledger_entries WHERE account_id = ? GROUP BY account_id, (at / 1000000 + 28800) / 86400, code`, acct)
	if err != nil {
		return err
	}
	_, err = w.ExecContext(ctx, `UPDATE ledger_accounts SET credits_posted = ?, debits_posted = ?, entry_count = ? WHERE id = ?`,
		int64((n+1)/2)*100, int64(n/2)*50, n, acct)
	return err
}

// BenchmarkStatementFirstPage: the 收支明细 first page (10 rows and the
// year's totals) of an account with 10,000,000 entries.
func BenchmarkStatementFirstPage(b *testing.B) {
	db := openBigLedger(b)
	ctx := context.Background()
	for _, tradeType := range []string{"", funds.TradeAllocate} {
		name := "all"
		if tradeType != "" {
			name = tradeType
		}
		b.Run(name, func(b *testing.B) {
			q := funds.StatementQuery{PartnerID: bigPartner, TradeType: tradeType}
			if err := q.Normalize(time.Now()); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				lines, tot, err := funds.Statement(ctx, db.Reader(), q)
				if err != nil || len(lines) != 10 || tot.Count < 4_900_000 {
					b.Fatalf("%d lines, totals %+v, %v", len(lines), tot, err)
				}
			}
		})
	}
}

// BenchmarkStatementExport writes 1,000,000 statement rows as CSV and as xlsx.
// Run it alone under /usr/bin/time -v to read the process's peak memory.
func BenchmarkStatementExport(b *testing.B) {
	db := openBigLedger(b)
	ctx := context.Background()
	for _, format := range []string{exports.CSV, exports.XLSX} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				var e *exports.Export
				if err := db.InTx(ctx, func(tx *store.Tx) error {
					var err error
					e, err = exports.Create(ctx, tx, exportPartner, "bench", funds.ExportStatement, format, "zh-CN",
						funds.StatementExport{BalanceType: funds.BalanceTypeDebit})
					return err
				}); err != nil {
					b.Fatal(err)
				}
				if err := exports.Run(ctx, db, e.ID); err != nil {
					b.Fatal(err)
				}
				got, _ := exports.Get(ctx, db.Reader(), exportPartner, "bench", e.ID)
				if got.Status != exports.Done || got.RowsDone != 1_000_000 {
					b.Fatalf("export: %+v", got)
				}
				b.ReportMetric(float64(got.Size)/(1<<20), "MiB")
				// Drop the file so the database does not grow run after run.
				if err := db.InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, `DELETE FROM export_chunks WHERE export_id = ?`, e.ID)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
