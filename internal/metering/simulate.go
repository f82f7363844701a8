package metering

import (
	"context"
	"time"

	"partnercenter/internal/order"
	"partnercenter/internal/store"
)

// SimResult is what a simulation did.
type SimResult struct {
	From, To  time.Time // the simulated clock before and after
	Steps     int
	Metering  Result
	Lifecycle order.LifecycleResult
	Cancelled int // orders cancelled for not being paid in time
}

// Simulate advances the simulated clock by d and works through the time
// passed step by step (an hour, normally) as the jobs would have: metering,
// the lifecycle of yearly/monthly resources and the cancelling of unpaid
// orders, each dated at its step.
func Simulate(ctx context.Context, db *store.DB, d, step time.Duration, opts Options) (SimResult, error) {
	if step < time.Hour {
		step = time.Hour
	}
	out := SimResult{From: db.Now().UTC()}
	if _, err := AdvanceClock(ctx, db, d); err != nil {
		return out, err
	}
	out.To = out.From.Add(d)
	for at := out.From.Truncate(time.Hour).Add(step); ; at = at.Add(step) {
		if at.After(out.To) {
			at = out.To
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if err := Tick(ctx, db, at, opts, &out); err != nil {
			return out, err
		}
		out.Steps++
		if !at.Before(out.To) {
			return out, nil
		}
	}
}

// Tick runs, at the moment at, what the periodic jobs run about the cloud:
// metering, then the lifecycle of yearly/monthly resources and the
// cancelling of unpaid orders, until none is left at that moment.
func Tick(ctx context.Context, db *store.DB, at time.Time, opts Options, into *SimResult) error {
	res, err := Run(ctx, db, at, opts)
	into.Metering.add(res)
	if err != nil {
		return err
	}
	const limit = 500
	for {
		var lc order.LifecycleResult
		var cancelled int
		err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
			var err error
			if cancelled, err = order.CancelOverdue(ctx, tx, limit); err != nil {
				return err
			}
			lc, err = order.RunLifecycle(ctx, tx, limit)
			return err
		})
		if err != nil {
			return err
		}
		into.Cancelled += cancelled
		into.Lifecycle.Renewed += lc.Renewed
		into.Lifecycle.Expired += lc.Expired
		into.Lifecycle.Released += lc.Released
		if cancelled < limit && lc.Renewed+lc.Expired < limit && lc.Released < limit {
			return nil
		}
	}
}
