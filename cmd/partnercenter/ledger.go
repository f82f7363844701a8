package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"partnercenter/internal/ledger"
)

// errInvariants makes `ledger check` exit non-zero after printing its report.
var errInvariants = errors.New("ledger invariants broken")

func ledgerCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		return errors.New("usage: partnercenter ledger check [--db URL]")
	}
	fs := flag.NewFlagSet("ledger check", flag.ContinueOnError)
	var c common
	c.register(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	violations, err := ledger.Check(ctx, db.Reader())
	if err != nil {
		return err
	}
	if len(violations) == 0 {
		fmt.Fprintln(stdout, "ledger check: every invariant holds")
		return nil
	}
	fmt.Fprintf(stdout, "ledger check: %d violation(s)\n", len(violations))
	for _, v := range violations {
		fmt.Fprintln(stdout, "  "+v.String())
	}
	return errInvariants
}
