package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestDemoAndAccessKeyCommands(t *testing.T) {
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			key := filepath.Join(t.TempDir(), "master.key")
			var out bytes.Buffer
			if err := run(ctx, []string{"demo", "--db", dsn, "--key-file", key}, &out, io.Discard); err != nil {
				t.Fatalf("demo: %v", err)
			}
			// Loading twice is refused rather than mixing demo rows into data.
			if err := run(ctx, []string{"demo", "--db", dsn, "--key-file", key}, &out, io.Discard); err == nil {
				t.Fatal("second demo load succeeded, want a refusal")
			}
			out.Reset()
			if err := run(ctx, []string{"access-key", "create", "--partner", "distributor", "--db", dsn, "--key-file", key}, &out, io.Discard); err != nil {
				t.Fatalf("access-key create: %v", err)
			}
			for _, want := range []string{`(?m)^AK=PC[A-Z0-9]{18}$`, `(?m)^SK=[A-Za-z0-9]{40}$`, `(?m)^DOMAIN_ID=[0-9a-f]{32}$`, `(?m)^XACCOUNT_TYPE=\S+$`} {
				if !regexp.MustCompile(want).MatchString(out.String()) {
					t.Errorf("access-key output %q does not match %s", out.String(), want)
				}
			}
			if err := run(ctx, []string{"access-key", "create", "--partner", "nobody", "--db", dsn, "--key-file", key}, io.Discard, io.Discard); err == nil {
				t.Error("access key for an unknown partner was created")
			}
			err := run(ctx, []string{"user", "create", "--username", "ops2", "--role", "finance", "--password", "weak", "--db", dsn, "--key-file", key}, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "password") {
				t.Errorf("weak password: err = %v, want a password policy error", err)
			}
			if err := run(ctx, []string{"user", "create", "--username", "ops2", "--role", "finance", "--password", "Str0ng#Pass", "--db", dsn, "--key-file", key}, io.Discard, io.Discard); err != nil {
				t.Errorf("user create: %v", err)
			}
		})
	}
}

// serve answers /readyz once started with demo data, and stops cleanly when
// its context ends (as on SIGTERM).
func TestServeStartsAndShutsDown(t *testing.T) {
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := &syncBuffer{}
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--demo", "--db", dsn,
					"--key-file", filepath.Join(t.TempDir(), "master.key")}, out, io.Discard)
			}()
			addr := waitForAddr(t, out, done)
			resp, err := http.Get(addr + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/readyz = %d, want 200", resp.StatusCode)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve returned %v after shutdown", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not stop within 30s")
			}
		})
	}
}

var listenLine = regexp.MustCompile(`listening on (http://\S+)`)

func waitForAddr(t testing.TB, out *syncBuffer, done chan error) string {
	t.Helper()
	// serve --demo loads the demo data set before it listens: some seconds
	// on a quiet machine, much more on PostgreSQL on a loaded one.
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if m := listenLine.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatal("serve did not start within 2 minutes")
	return ""
}

// BenchmarkServeReady measures the time from starting `serve` on an existing
// SQLite database to its first successful /readyz answer.
func BenchmarkServeReady(b *testing.B) {
	dir := b.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "bench.db")
	key := filepath.Join(dir, "master.key")
	if err := run(context.Background(), []string{"demo", "--db", dsn, "--key-file", key}, io.Discard, io.Discard); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		out := &syncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--key-file", key}, out, io.Discard)
		}()
		addr := waitForAddr(b, out, done)
		for {
			resp, err := http.Get(addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
		}
		b.StopTimer()
		cancel()
		<-done
		b.StartTimer()
	}
}

func TestLedgerCheckCommand(t *testing.T) {
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			key := filepath.Join(t.TempDir(), "master.key")
			var out bytes.Buffer
			if err := run(ctx, []string{"ledger", "check", "--db", dsn, "--key-file", key}, &out, io.Discard); err != nil {
				t.Fatalf("ledger check on a sound ledger: %v\n%s", err, out.String())
			}
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.WriterPool().Exec(`INSERT INTO ledger_accounts (id, kind, owner_type, owner_id, credits_posted, created_at)
				VALUES ('broken', 'balance', 'test', 'x', 5, 0)`); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			err = run(ctx, []string{"ledger", "check", "--db", dsn, "--key-file", key}, &out, io.Discard)
			if err == nil || !strings.Contains(out.String(), "account broken") {
				t.Fatalf("ledger check on a broken ledger: err %v, report %q", err, out.String())
			}
		})
	}
}
