package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/api"
	"partnercenter/internal/store/storetest"
)

// The load tool as docs/performance.md runs it: a demo server without a
// rate limit, a fresh access key, a short run. Every request succeeds and
// the ledger still balances afterwards.
func TestBenchAPI(t *testing.T) {
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			benchDemoServer(t, dsn, func(addr string, vals map[string]string) {
				var report bytes.Buffer
				err := run(context.Background(), []string{"bench", "api", "--url", addr, "--ak", vals["AK"], "--sk", vals["SK"], "--domain-id", vals["DOMAIN_ID"],
					"--clients", "4", "--duration", "1s"}, &report, io.Discard)
				if err != nil {
					t.Fatalf("bench: %v\n%s", err, report.String())
				}
				for _, want := range []string{"requests/s", "p99", "errors 0)"} {
					if !strings.Contains(report.String(), want) {
						t.Errorf("report does not say %q:\n%s", want, report.String())
					}
				}
			})
		})
	}
}

// benchDemoServer serves the demo data set on dsn without a rate limit,
// creates an access key of the distributor, calls fn with the server's
// address and the key's values (AK, SK, DOMAIN_ID, XACCOUNT_TYPE), stops the
// server and checks the ledger.
func benchDemoServer(t *testing.T, dsn string, fn func(addr string, vals map[string]string)) {
	t.Helper()
	t.Setenv(api.EnvRateLimit, "0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	key := filepath.Join(t.TempDir(), "master.key")
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--demo", "--db", dsn, "--key-file", key}, out, io.Discard)
	}()
	addr := waitForAddr(t, out, done)
	var keyOut bytes.Buffer
	if err := run(ctx, []string{"access-key", "create", "--partner", "distributor", "--db", dsn, "--key-file", key}, &keyOut, io.Discard); err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z_]+)=(\S+)$`).FindAllStringSubmatch(keyOut.String(), -1) {
		vals[m[1]] = m[2]
	}
	fn(addr, vals)
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	var check bytes.Buffer
	if err := run(context.Background(), []string{"ledger", "check", "--db", dsn, "--key-file", key}, &check, io.Discard); err != nil {
		t.Fatalf("ledger check after the run: %v\n%s", err, check.String())
	}
}

func TestBenchAPIRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "api"},
		{"bench", "api", "--ak", "a", "--sk", "s", "--domain-id", "d", "--op", "orders"},
		{"bench", "api", "--ak", "a", "--sk", "s", "--domain-id", "d", "--clients", "0"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
