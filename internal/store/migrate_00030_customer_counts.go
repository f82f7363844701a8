package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// Migration 00030: partner_customer_counts, how many customers each partner
// has. ListSubCustomers and the 我的客户 list return a page with the total
// count; counting the partner's customers read every one of them on every
// call (a partner of 12,700 customers: 7 ms a call under load, the most
// expensive statement of the mixed benchmark; 157,000 customers: 25 to
// 45 ms). An unfiltered list reads the partner's one row here instead.
//
// Triggers on customers keep the counts in the transaction of every
// change, whoever writes it (creation, association and dissociation
// through invites, the demo loader): an insert with a partner adds one, a
// delete takes one away, and an update that changes partner_id moves one
// from the old partner (if any) to the new (if any). A partner whose
// customers all left keeps its row, at zero. Triggers are written
// differently on SQLite and PostgreSQL, which is why this migration is Go
// rather than one SQL file for both dialects.
func init() {
	goose.AddNamedMigrationContext("00030_customer_counts.go", customerCountsUp, customerCountsDown)
}

// customerCountsAdd counts one more customer for the partner of NEW, if it
// has one.
const customerCountsAdd = `INSERT INTO partner_customer_counts (partner_id, customers) SELECT NEW.partner_id, 1 WHERE NEW.partner_id IS NOT NULL
	ON CONFLICT (partner_id) DO UPDATE SET customers = partner_customer_counts.customers + 1`

// customerCountsTake counts one customer less for the partner of OLD; with
// no partner it changes nothing.
const customerCountsTake = `UPDATE partner_customer_counts SET customers = customers - 1 WHERE partner_id = OLD.partner_id`

// customerCountsTriggers names the triggers on customers.
var customerCountsTriggers = []string{"customers_count_insert", "customers_count_delete", "customers_count_update"}

func customerCountsUp(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		`CREATE TABLE partner_customer_counts (
			partner_id TEXT PRIMARY KEY,
			customers  BIGINT NOT NULL
		)`,
		`INSERT INTO partner_customer_counts (partner_id, customers)
		SELECT partner_id, COUNT(*) FROM customers WHERE partner_id IS NOT NULL GROUP BY partner_id`,
	}
	if isPostgres(ctx, tx) {
		stmts = append(stmts,
			`CREATE FUNCTION partner_customer_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF TG_OP <> 'INSERT' THEN
					`+customerCountsTake+`;
				END IF;
				IF TG_OP <> 'DELETE' THEN
					`+customerCountsAdd+`;
				END IF;
				RETURN NULL;
			END $$`,
			`CREATE TRIGGER customers_count_insert AFTER INSERT ON customers FOR EACH ROW
				WHEN (NEW.partner_id IS NOT NULL) EXECUTE FUNCTION partner_customer_counts_keep()`,
			`CREATE TRIGGER customers_count_delete AFTER DELETE ON customers FOR EACH ROW
				WHEN (OLD.partner_id IS NOT NULL) EXECUTE FUNCTION partner_customer_counts_keep()`,
			`CREATE TRIGGER customers_count_update AFTER UPDATE OF partner_id ON customers FOR EACH ROW
				WHEN (OLD.partner_id IS DISTINCT FROM NEW.partner_id) EXECUTE FUNCTION partner_customer_counts_keep()`)
	} else {
		stmts = append(stmts,
			`CREATE TRIGGER customers_count_insert AFTER INSERT ON customers WHEN NEW.partner_id IS NOT NULL BEGIN
				`+customerCountsAdd+`;
			END`,
			`CREATE TRIGGER customers_count_delete AFTER DELETE ON customers WHEN OLD.partner_id IS NOT NULL BEGIN
				`+customerCountsTake+`;
			END`,
			`CREATE TRIGGER customers_count_update AFTER UPDATE OF partner_id ON customers WHEN OLD.partner_id IS NOT NEW.partner_id BEGIN
				`+customerCountsTake+`;
				`+customerCountsAdd+`;
			END`)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func customerCountsDown(ctx context.Context, tx *sql.Tx) error {
	postgres := isPostgres(ctx, tx)
	var stmts []string
	for _, name := range customerCountsTriggers {
		if postgres {
			name += ` ON customers`
		}
		stmts = append(stmts, `DROP TRIGGER `+name)
	}
	if postgres {
		stmts = append(stmts, `DROP FUNCTION partner_customer_counts_keep()`)
	}
	stmts = append(stmts, `DROP TABLE partner_customer_counts`)
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
