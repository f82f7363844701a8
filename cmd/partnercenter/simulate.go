package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/metering"
	"partnercenter/internal/platform/money"
)

// simulate: advances the deployment's simulated clock and works through the
// time passed as the jobs would have (metering, resource lifecycle, unpaid
// orders), for demos and benchmarks. A running server follows the new clock
// at its next metering run.
func simulateCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	var c common
	c.register(fs)
	days := fs.Int("days", 1, "days to advance the simulated clock by")
	step := fs.Duration("step", time.Hour, "simulated time between two runs of the jobs (1h like the metering job; larger steps catch up faster)")
	check := fs.Bool("check", false, "run the ledger check afterwards")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *days < 1 || *days > 3660 {
		return errors.New("--days must be from 1 to 3660")
	}
	grace, err := metering.GraceFromEnv()
	if err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	began := time.Now()
	res, err := metering.Simulate(ctx, db, time.Duration(*days)*24*time.Hour, *step, metering.Options{Window: *step, Grace: grace})
	elapsed := time.Since(began)
	fmt.Fprintf(stdout, "simulate: clock %s → %s, %d steps in %s\n", res.From.Format(time.RFC3339), res.To.Format(time.RFC3339),
		res.Steps, elapsed.Round(time.Millisecond))
	m := res.Metering
	rate := 0.0
	if elapsed > 0 {
		rate = float64(m.ResourceHours) / elapsed.Seconds()
	}
	fmt.Fprintf(stdout, "  metering: %d resource-hours (%.0f/s), %s yuan rated: coupons %s, balances %s, debt %s; debt settled %s\n",
		m.ResourceHours, rate, money.Format(m.Amount), money.Format(m.Coupons), money.Format(m.Balance), money.Format(m.Debt), money.Format(m.Settled))
	fmt.Fprintf(stdout, "  arrears: %d customers frozen, %d restarted\n", m.Frozen, m.Unfrozen)
	fmt.Fprintf(stdout, "  resources: %d renewed, %d expired, %d released; %d unpaid orders cancelled\n",
		res.Lifecycle.Renewed, res.Lifecycle.Expired, res.Lifecycle.Released, res.Cancelled)
	if err != nil {
		return err
	}
	if *check {
		vs, err := ledger.Check(ctx, db.Reader())
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			for _, v := range vs {
				fmt.Fprintln(stdout, "  "+v.String())
			}
			return errInvariants
		}
		fmt.Fprintln(stdout, "  ledger check: every invariant holds")
	}
	return nil
}
