package metering_test

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/metering"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkMeterMonth meters one simulated month (720 hours) of
// PARTNERCENTER_BENCH_CUSTOMERS customers (1,000) × 10 pay-per-use
// resources on SQLite, each customer funded for the month, then checks the
// ledger. Sub-benchmarks: the job catching up a day per transaction, and
// hour by hour as `partnercenter simulate` steps. Reported: resource-hours
// per second.
func BenchmarkMeterMonth(b *testing.B) {
	customers := envInt("PARTNERCENTER_BENCH_CUSTOMERS", 1000)
	days := envInt("PARTNERCENTER_BENCH_DAYS", 30)
	for _, step := range []time.Duration{24 * time.Hour, time.Hour} {
		b.Run("step="+step.String(), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				ctx := context.Background()
				db := storetest.SQLite(b)
				start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
				if _, err := metering.Load(ctx, db, metering.LoadSpec{Partner: "bench", Customers: customers, Resources: 10,
					Funding: 20_000_00, Start: start}); err != nil {
					b.Fatal(err)
				}
				if p := os.Getenv("PARTNERCENTER_BENCH_PRAGMA"); p != "" {
					// An experiment: a writer connection setting (cache_size, mmap_size).
					if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, "PRAGMA "+p); return err }); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				began, cpuBefore := time.Now(), cpuTime()
				var total metering.Result
				end := start.Add(time.Duration(days) * 24 * time.Hour)
				for at := start.Add(step); !at.After(end); at = at.Add(step) {
					res, err := metering.Run(ctx, db, at, metering.Options{Window: step, Customers: envInt("PARTNERCENTER_BENCH_BATCH", 200)})
					if err != nil {
						b.Fatal(err)
					}
					total.ResourceHours += res.ResourceHours
					total.Debt += res.Debt
				}
				elapsed, cpu := time.Since(began), cpuTime()-cpuBefore
				b.StopTimer()
				if want := int64(customers) * 10 * int64(days) * 24; total.ResourceHours != want || total.Debt != 0 {
					b.Fatalf("metered %d resource-hours (debt %d), want %d", total.ResourceHours, total.Debt, want)
				}
				b.ReportMetric(float64(total.ResourceHours)/elapsed.Seconds(), "resource-hours/s")
				// CPU time of the process during the run: the machine may be
				// shared, and this does not depend on what else runs.
				b.ReportMetric(cpu.Seconds(), "cpu-s")
				b.ReportMetric(float64(total.ResourceHours)/cpu.Seconds(), "resource-hours/cpu-s")
				vs, err := ledger.Check(ctx, db.Reader())
				if err != nil {
					b.Fatal(err)
				}
				if len(vs) > 0 {
					b.Fatalf("ledger check: %v", vs)
				}
				b.StartTimer() // b.Loop wants it running
			}
		})
	}
}
