package main

import (
	"context"

	"partnercenter/internal/jobs"
	"partnercenter/internal/store"
)

// migrationLock is the PostgreSQL advisory lock key under which migrations
// run ("pcMIG").
const migrationLock int64 = 0x70634d4947

// migrateAll applies the store's and the job queue's pending migrations.
// Several nodes started together against one PostgreSQL would otherwise run
// the same migration at once, and all but one fail (CREATE TABLE racing on
// pg_type's unique index) and exit. So on PostgreSQL the migrations run while
// a transaction of their own holds an advisory lock: the other nodes wait on
// it, then find nothing to do. A transaction-level lock, unlike a session
// one, is also held and released correctly through pgbouncer in transaction
// pooling.
func migrateAll(ctx context.Context, db *store.DB) error {
	if db.Dialect == store.Postgres {
		lock, err := db.WriterPool().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer lock.Rollback() // ends the transaction, releasing the lock
		if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	return jobs.Migrate(ctx, db)
}
