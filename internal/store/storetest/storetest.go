// Package storetest gives tests a fresh, migrated database: SQLite always, and
// PostgreSQL too when PARTNERCENTER_TEST_DATABASE_URL is set (each test in a
// schema of its own, dropped afterwards).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"partnercenter/internal/auth"
	"partnercenter/internal/store"
)

// EnvPostgres names the variable that turns on the PostgreSQL runs.
const EnvPostgres = "PARTNERCENTER_TEST_DATABASE_URL"

// Each runs fn once per available database, as subtests named "sqlite" and
// "postgres".
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(EnvPostgres) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// DSNs returns the database URLs a test run covers, each freshly created and
// migrated; used by tests that start whole servers or processes.
func DSNs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": SQLiteDSN(t)}
	if os.Getenv(EnvPostgres) != "" {
		out["postgres"] = PostgresDSN(t)
	}
	return out
}

// SQLite opens a migrated database in a temporary directory. It and the
// helpers below take a testing.TB so that benchmarks use them too.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, SQLiteDSN(t))
}

// SQLiteDSN names a fresh SQLite file in a temporary directory.
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
}

// Postgres opens a migrated database in a new schema of the test server.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return open(t, PostgresDSN(t))
}

// PostgresDSN creates a schema of its own on the test server and returns a URL
// whose search_path points at it. The schema is dropped when the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Fatalf("%s is not set", EnvPostgres)
	}
	schema := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema (is PostgreSQL running at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("bad %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	// A test's commits need not wait for the WAL to reach the disk: the
	// database is thrown away, and a test never survives a crash of the
	// server. Each test migrates a schema of its own, two dozen commits,
	// which otherwise wait on the disk that every test run shares.
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Name is a short unique suffix for test data.
func Name(prefix string) string {
	return fmt.Sprintf("%s%s", prefix, strings.ReplaceAll(uuid.NewString(), "-", "")[:10])
}

// Sealer seals with a random key, as a server's master key does: secrets a
// test stores open only through it.
func Sealer(t testing.TB) *auth.Sealer {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s, err := auth.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
