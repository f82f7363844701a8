package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// Migration 00032: fund_adjustment_counts, how many 调账记录 each partner
// has, in all and for each customer or indirect reseller. The 调账记录
// list (ListPartnerAdjustRecords, the console's 调账记录) returns a page
// with the total count, and counting the records read every matching one
// on every call: for a customer, the records of the customer or of the
// reseller (customer_id = ? OR indirect_partner = ?), a BitmapOr and a
// heap visit a record, 1.3 ms for a customer of 1,100 records and growing
// with every movement, the most expensive statement of the mixed benchmark
// (more than half of the database's time); unfiltered, every record of the
// partner (378,000 for the biggest partner of the large demo set). Those
// two lists read a partner's few rows here instead.
//
// A record counts under the empty subject (the partner's total), under its
// customer_id if it has one and under its indirect_partner if it has one.
// The list's customer filter matches a record by either column, so a
// record's count under a subject is exactly the filter's match as long as
// no record names one id in both columns: none does (a record names a
// customer or a reseller, never both), and none could, customer ids and
// partner ids being distinct generated ids (UUIDv7 from ids.Compact; the
// scale loader's seqID with a salt a table). Records are never updated
// (an operation's 调账记录 is written once with its transfers); if one
// ever were, the update trigger moves its counts with it, as for
// customers. Slots and triggers work as for partner_customer_counts
// (migration 00030, slotCounter).
func init() {
	goose.AddNamedMigrationContext("00032_adjustment_counts.go", adjustmentCountsUp, adjustmentCountsDown)
}

// adjustmentCounts keeps fund_adjustment_counts, in countSlots slots a
// (partner, subject).
var adjustmentCounts = slotCounter{
	counts: "fund_adjustment_counts", column: "records", keyCols: []string{"partner_id", "subject"},
	table: "fund_adjustments", function: "fund_adjustment_counts_keep",
	keysOf: func(row string) [][]string {
		return [][]string{
			{row + ".partner_id", "''"},
			{row + ".partner_id", row + ".customer_id"},
			{row + ".partner_id", row + ".indirect_partner"},
		}
	},
	moving: []string{"partner_id", "customer_id", "indirect_partner"},
}

func adjustmentCountsUp(ctx context.Context, tx *sql.Tx) error {
	stmts := append([]string{
		`CREATE TABLE fund_adjustment_counts (
			partner_id TEXT NOT NULL,
			subject    TEXT NOT NULL,
			slot       INTEGER NOT NULL DEFAULT 0,
			records    BIGINT NOT NULL,
			PRIMARY KEY (partner_id, subject, slot)
		)`,
		`INSERT INTO fund_adjustment_counts (partner_id, subject, records)
		SELECT partner_id, '', COUNT(*) FROM fund_adjustments GROUP BY partner_id
		UNION ALL
		SELECT partner_id, customer_id, COUNT(*) FROM fund_adjustments WHERE customer_id IS NOT NULL GROUP BY partner_id, customer_id
		UNION ALL
		SELECT partner_id, indirect_partner, COUNT(*) FROM fund_adjustments WHERE indirect_partner IS NOT NULL GROUP BY partner_id, indirect_partner`,
	}, adjustmentCounts.createTriggers(isPostgres(ctx, tx))...)
	return execAll(ctx, tx, stmts)
}

func adjustmentCountsDown(ctx context.Context, tx *sql.Tx) error {
	return execAll(ctx, tx, append(adjustmentCounts.dropTriggers(isPostgres(ctx, tx)), `DROP TABLE fund_adjustment_counts`))
}
