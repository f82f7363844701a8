package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// Migration 00027: api_rate_buckets, the API's rate-limit state shared by
// every node on PostgreSQL (internal/ratelimit). A row is one access key's
// bucket for one operation, kept as its theoretical arrival time (tat,
// microseconds of the database's clock): the bucket is full once tat is in
// the past, so a row whose tat has passed is the same as no row and the
// housekeeping job deletes it.
//
// Every allowed request updates its row, so on PostgreSQL the table is
// UNLOGGED: its writes skip the WAL and a commit touching only it does not
// wait for a flush. After a crash PostgreSQL empties it, which only
// refills every bucket. Only tat changes, no indexed column, and pages keep
// room (fillfactor 70), so the updates are heap-only. SQLite serves a single node, whose limits stay in memory: the
// table exists there, empty, so that both schemas are the same.
func init() {
	goose.AddNamedMigrationContext("00027_rate_buckets.go", rateBucketsUp, rateBucketsDown)
}

const rateBucketsColumns = `(
    key_id    TEXT NOT NULL,
    operation TEXT NOT NULL,
    tat       BIGINT NOT NULL, -- theoretical arrival time, microseconds since the epoch (database clock)
    PRIMARY KEY (key_id, operation)
)`

func rateBucketsUp(ctx context.Context, tx *sql.Tx) error {
	q := `CREATE TABLE api_rate_buckets ` + rateBucketsColumns
	if isPostgres(ctx, tx) {
		q = `CREATE UNLOGGED TABLE api_rate_buckets ` + rateBucketsColumns + ` WITH (fillfactor = 70)`
	}
	_, err := tx.ExecContext(ctx, q)
	return err
}

func rateBucketsDown(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DROP TABLE api_rate_buckets`)
	return err
}
