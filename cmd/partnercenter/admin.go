package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/demo"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
)

// cliPrincipal is the actor recorded in the audit log for command-line changes.
var cliPrincipal = &auth.Principal{Kind: auth.KindStaff, UserID: "cli", Username: "command-line"}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var c common
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "migrations applied (%s)\n", db.Dialect)
	return nil
}

func loadDemo(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var c common
	c.register(fs)
	scaleName := fs.String("scale", "small", "small: the demo data set; medium or large: the demo and generated data "+
		"(large: 1,000 partners, 1,000,000 customers, 10,000,000 ledger entries, 1,000,000 opportunities; medium a tenth), "+
		"or a fraction of large such as 0.01; medium and large are meant for PostgreSQL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	scale, err := demo.ParseScale(*scaleName)
	if err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	sealer, err := c.sealer()
	if err != nil {
		return err
	}
	if scale.Empty() {
		if err := demo.LoadSealed(ctx, db, sealer); err != nil {
			return err
		}
	} else if _, err := demo.LoadScaled(ctx, db, sealer, scale, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data loaded; every demo password is %s\n", demo.Password)
	return nil
}

func userCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: partnercenter user create --username NAME --role ROLE [--partner NAME] [--main] [--password P]")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	var c common
	c.register(fs)
	username := fs.String("username", "", "sign-in name")
	display := fs.String("display-name", "", "name shown in the console")
	role := fs.String("role", "", "role: staff admin|finance|psm|pdm|bd|psa|evaluator|support, or partner admin|finance|sales|manager|operator")
	partnerName := fs.String("partner", "", "the partner the user belongs to; empty for provider staff")
	main := fs.Bool("main", false, "the partner's main account")
	password := fs.String("password", "", "password (8-64 characters, three kinds of characters)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = auth.WithPrincipal(ctx, cliPrincipal)
	return db.InTx(ctx, func(tx *store.Tx) error {
		n := auth.NewUser{Username: *username, DisplayName: *display, IsMain: *main, Password: *password}
		if *role != "" {
			n.Roles = []auth.Role{auth.Role(*role)}
		}
		if *partnerName != "" {
			p, err := partner.GetByName(ctx, tx, *partnerName)
			if err != nil {
				return fmt.Errorf("partner %q: %w", *partnerName, err)
			}
			n.PartnerID = p.ID
		}
		u, err := auth.CreateUser(ctx, tx, n)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{PartnerID: u.PartnerID, Action: "user.create", ObjectType: "user", ObjectID: u.ID,
			After: map[string]any{"username": u.Username, "roles": u.Roles, "main": u.IsMain}}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s created\n", u.Username)
		return nil
	})
}

func accessKeyCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: partnercenter access-key create --partner NAME")
	}
	fs := flag.NewFlagSet("access-key create", flag.ContinueOnError)
	var c common
	c.register(fs)
	partnerName := fs.String("partner", "", "the partner the key acts for")
	description := fs.String("description", "created from the command line", "what the key is for")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *partnerName == "" {
		return errors.New("--partner is required")
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	sealer, err := c.sealer()
	if err != nil {
		return err
	}
	ctx = auth.WithPrincipal(ctx, cliPrincipal)
	return db.InTx(ctx, func(tx *store.Tx) error {
		p, err := partner.GetByName(ctx, tx, *partnerName)
		if err != nil {
			return fmt.Errorf("partner %q: %w", *partnerName, err)
		}
		k, err := auth.CreateAccessKey(ctx, tx, sealer, p.ID, *description, cliPrincipal.Username)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{PartnerID: p.ID, Action: "access_key.create", ObjectType: "access_key",
			ObjectID: k.ID, After: map[string]any{"description": k.Description}}); err != nil {
			return err
		}
		tx.AfterCommit(func() {
			fmt.Fprintf(stdout, "AK=%s\nSK=%s\nDOMAIN_ID=%s\n", k.ID, k.Secret, p.DomainID)
			if p.XAccountType != "" {
				fmt.Fprintf(stdout, "XACCOUNT_TYPE=%s\n", p.XAccountType)
			}
		})
		return nil
	})
}
