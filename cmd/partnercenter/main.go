// Command partnercenter runs the partner center and its administrative tasks.
//
//	partnercenter [serve] [--addr 127.0.0.1:8080] [--db URL] [--demo]
//	partnercenter migrate [--db URL]
//	partnercenter demo [--scale small|medium|large|FRACTION] [--db URL]
//	partnercenter user create --username NAME --role ROLE [--partner NAME] [--main] [--password P]
//	partnercenter access-key create --partner NAME
//	partnercenter ledger check
//	partnercenter simulate --days N
//	partnercenter bench api --url URL --ak AK --sk SK --domain-id ID
//	partnercenter bench mixed --targets URL,URL,... --ak AK --sk SK --domain-id ID --xaccount-type T
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"partnercenter/internal/auth"
	"partnercenter/internal/metering"
	"partnercenter/internal/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "partnercenter:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, stdout)
	case "demo":
		return loadDemo(ctx, args, stdout)
	case "user":
		return userCommand(ctx, args, stdout)
	case "access-key":
		return accessKeyCommand(ctx, args, stdout)
	case "ledger":
		return ledgerCommand(ctx, args, stdout)
	case "bench":
		return benchCommand(ctx, args, stdout)
	case "simulate":
		return simulateCommand(ctx, args, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  partnercenter [serve] [--addr 127.0.0.1:8080] [--db URL] [--demo]
  partnercenter migrate [--db URL]
  partnercenter demo [--scale small|medium|large|FRACTION] [--db URL]
  partnercenter user create --username NAME --role ROLE [--partner NAME] [--main] [--password P] [--db URL]
  partnercenter access-key create --partner NAME [--db URL]
  partnercenter ledger check [--db URL]
  partnercenter simulate --days N [--step 1h] [--check] [--db URL]
  partnercenter bench api --url URL --ak AK --sk SK --domain-id ID [--clients 32] [--duration 20s] [--op allocate]
  partnercenter bench mixed --targets URL,URL,... --ak AK --sk SK --domain-id ID --xaccount-type T [--clients 32] [--duration 20s]

demo --scale medium or large adds generated partners, customers, ledger
movements and opportunities to the demo (large: 1,000 partners, 1,000,000
customers, 10,000,000 ledger entries, 1,000,000 opportunities); they are
meant for PostgreSQL, where they are copied in bulk.

The database URL is sqlite:PATH (default sqlite:./data/partnercenter.db) or
postgres://...; it may also be given in PARTNERCENTER_DB.
`

// common holds the flags every subcommand takes.
type common struct {
	db      string
	keyFile string
}

func (c *common) register(fs *flag.FlagSet) {
	def := os.Getenv("PARTNERCENTER_DB")
	if def == "" {
		def = "sqlite:./data/partnercenter.db"
	}
	fs.StringVar(&c.db, "db", def, "database URL: sqlite:PATH or postgres://... (env PARTNERCENTER_DB)")
	fs.StringVar(&c.keyFile, "key-file", "./data/master.key",
		"file holding the master key that seals API secrets; created if missing (env PARTNERCENTER_MASTER_KEY, base64, takes precedence)")
}

// open connects to the database and applies pending migrations, the job
// queue's included.
func (c *common) open(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, c.db)
	if err != nil {
		return nil, err
	}
	if err := migrateAll(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := metering.UseStoredClock(ctx, db); err != nil { // the simulated clock, if a simulation advanced it
		db.Close()
		return nil, err
	}
	return db, nil
}

// sealer loads the master key, creating a key file on first use so that a
// newcomer needs no set-up; production passes PARTNERCENTER_MASTER_KEY.
func (c *common) sealer() (*auth.Sealer, error) {
	if env := os.Getenv("PARTNERCENTER_MASTER_KEY"); env != "" {
		key, err := base64.StdEncoding.DecodeString(env)
		if err != nil {
			return nil, fmt.Errorf("PARTNERCENTER_MASTER_KEY is not base64: %w", err)
		}
		return auth.NewSealer(key)
	}
	raw, err := os.ReadFile(c.keyFile)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := randRead(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(c.keyFile), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(c.keyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write master key: %w", err)
		}
		return auth.NewSealer(key)
	}
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("%s is not base64: %w", c.keyFile, err)
	}
	return auth.NewSealer(key)
}

func newLogger(w io.Writer, json bool) *slog.Logger {
	if json {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
