package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// Migration 00021: a sampling run rewrites the evaluation of every project
// waiting for it (100,000 in the benchmark) in one transaction. On
// PostgreSQL an update is cheap only when it is HOT: the new version of the
// row fits on its page and no indexed column changes, so no index is
// touched. The index on (evaluation, status_at) changed with every such
// update and the pages were full, so each of the 100,000 rows went to a new
// page with an entry in every index: 2.0 to 3.0 s a run, against 0.3 s
// without. The index goes (the candidates are read once a run, and a
// partner's lists go by its own index), and on PostgreSQL the table leaves
// room on each page for the new versions (fillfactor 70).
func init() {
	goose.AddNamedMigrationContext("00021_delivery_hot_updates.go", deliveryHotUp, deliveryHotDown)
}

func deliveryHotUp(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DROP INDEX delivery_projects_evaluation`); err != nil {
		return err
	}
	if isPostgres(ctx, tx) {
		_, err := tx.ExecContext(ctx, `ALTER TABLE delivery_projects SET (fillfactor = 70)`)
		return err
	}
	return nil
}

func deliveryHotDown(ctx context.Context, tx *sql.Tx) error {
	if isPostgres(ctx, tx) {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE delivery_projects RESET (fillfactor)`); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `CREATE INDEX delivery_projects_evaluation ON delivery_projects (evaluation, status_at)`)
	return err
}
