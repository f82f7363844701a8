package store

import (
	"context"
	"database/sql"
	"fmt"

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
// customers all left keeps its rows, summing to zero. Triggers are written
// differently on SQLite and PostgreSQL, which is why this migration is Go
// rather than one SQL file for both dialects.
func init() {
	goose.AddNamedMigrationContext("00030_customer_counts.go", customerCountsUp, customerCountsDown)
}

// A partner's count is the sum of its rows, one for each of up to
// customerCountSlots slots: every change adds or takes one in its
// transaction's slot (the transaction id modulo 16 on PostgreSQL, so that
// a transaction's changes of one partner lock one row, and concurrent
// transactions, whose ids follow each other, spread over the slots). With
// one row a partner, every transaction creating a customer of the partner
// held that row from its insert to its commit and the next one waited
// (the mixed benchmark's 85 creations a second for one partner: 9.5 ms an
// insert, most of it waiting). Which slot a change lands in never matters
// to the sum, so a customer added in one slot and removed in another
// leaves the total right (and one slot, alone, may read below zero).
// SQLite has one writer: slot 0.
const customerCountSlots = 16

// customerCountsChange adds delta (1 or -1) for the partner of row (NEW or
// OLD), in the slot the expression picks.
func customerCountsChange(row, delta, slot string) string {
	return `INSERT INTO partner_customer_counts (partner_id, slot, customers) SELECT ` + row + `.partner_id, ` + slot + `, ` + delta +
		` WHERE ` + row + `.partner_id IS NOT NULL
	ON CONFLICT (partner_id, slot) DO UPDATE SET customers = partner_customer_counts.customers + excluded.customers`
}

// customerCountsTriggers names the triggers on customers.
var customerCountsTriggers = []string{"customers_count_insert", "customers_count_delete", "customers_count_update"}

func customerCountsUp(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		`CREATE TABLE partner_customer_counts (
			partner_id TEXT NOT NULL,
			slot       INTEGER NOT NULL DEFAULT 0,
			customers  BIGINT NOT NULL,
			PRIMARY KEY (partner_id, slot)
		)`,
		`INSERT INTO partner_customer_counts (partner_id, customers)
		SELECT partner_id, COUNT(*) FROM customers WHERE partner_id IS NOT NULL GROUP BY partner_id`,
	}
	if isPostgres(ctx, tx) {
		slot := fmt.Sprintf("(txid_current() %% %d)::int", customerCountSlots)
		stmts = append(stmts,
			`CREATE FUNCTION partner_customer_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF TG_OP <> 'INSERT' THEN
					`+customerCountsChange("OLD", "-1", slot)+`;
				END IF;
				IF TG_OP <> 'DELETE' THEN
					`+customerCountsChange("NEW", "1", slot)+`;
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
		take, add := customerCountsChange("OLD", "-1", "0"), customerCountsChange("NEW", "1", "0")
		stmts = append(stmts,
			`CREATE TRIGGER customers_count_insert AFTER INSERT ON customers WHEN NEW.partner_id IS NOT NULL BEGIN
				`+add+`;
			END`,
			`CREATE TRIGGER customers_count_delete AFTER DELETE ON customers WHEN OLD.partner_id IS NOT NULL BEGIN
				`+take+`;
			END`,
			`CREATE TRIGGER customers_count_update AFTER UPDATE OF partner_id ON customers WHEN OLD.partner_id IS NOT NEW.partner_id BEGIN
				`+take+`;
				`+add+`;
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
