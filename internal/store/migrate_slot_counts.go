package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// countSlots is how many slots a key of a counts table has (migrations
// 00030 and 00032). A key's count is the sum of its rows, one for each of
// up to countSlots slots: every change adds or takes one in its
// transaction's slot (the transaction id modulo 16 on PostgreSQL, so that
// a transaction's changes of one key lock one row, and concurrent
// transactions, whose ids follow each other, spread over the slots). With
// one row a key, every transaction creating a customer of a partner held
// that row from its insert to its commit and the next one waited (the
// mixed benchmark's 85 creations a second for one partner: 9.5 ms an
// insert, most of it waiting). Which slot a change lands in never matters
// to the sum, so a row counted in one slot and removed in another leaves
// the total right (and one slot, alone, may read below zero). SQLite has
// one writer: slot 0.
const countSlots = 16

// slotCounter is a counts table that triggers on a counted table keep in
// the transaction of every change, whoever writes it: an insert adds one
// under each of the row's keys, a delete takes one away, and an update of
// a column the keys are made of takes one from the old keys and adds one
// to the new. Keys with a NULL part count nothing. Triggers are written
// differently on SQLite and PostgreSQL, which is why the migrations that
// create them are Go rather than one SQL file for both dialects.
type slotCounter struct {
	counts   string   // the counts table
	column   string   // its count column
	keyCols  []string // its key columns, slot aside
	table    string   // the counted table
	function string   // the PostgreSQL trigger function
	// keysOf gives the keys a row counts under (the values of keyCols),
	// as expressions of the row NEW or OLD.
	keysOf func(row string) [][]string
	// when, if set, is the condition on NEW or OLD for a row to be
	// counted at all; the insert and delete triggers fire only then.
	when func(row string) string
	// moving are the columns of table whose update moves a row's counts.
	moving []string
}

// change is the statement that adds delta (1 or -1) to key's count in the
// slot the expression picks. Its SELECT has a WHERE in any case: SQLite
// would read the ON CONFLICT of an INSERT ... SELECT without one as part
// of the SELECT.
func (c slotCounter) change(key []string, slot, delta string) string {
	notNull := make([]string, len(key))
	for i, v := range key {
		notNull[i] = v + ` IS NOT NULL`
	}
	cols := strings.Join(c.keyCols, ", ")
	return `INSERT INTO ` + c.counts + ` (` + cols + `, slot, ` + c.column + `) SELECT ` + strings.Join(key, ", ") + `, ` + slot + `, ` + delta +
		` WHERE ` + strings.Join(notNull, ` AND `) + `
	ON CONFLICT (` + cols + `, slot) DO UPDATE SET ` + c.column + ` = ` + c.counts + `.` + c.column + ` + excluded.` + c.column
}

// changes are the statements, each ending in a semicolon, that add delta
// under every key of row.
func (c slotCounter) changes(row, slot, delta string) string {
	var b strings.Builder
	for _, key := range c.keysOf(row) {
		b.WriteString(c.change(key, slot, delta) + ";\n")
	}
	return b.String()
}

// trigger is the name of the trigger after op (insert, delete, update).
func (c slotCounter) trigger(op string) string { return c.table + "_count_" + op }

// createTriggers are the statements that create the triggers (and on
// PostgreSQL the function they call, which tells the operation from
// TG_OP).
func (c slotCounter) createTriggers(postgres bool) []string {
	slot, distinct := "0", " IS NOT "
	if postgres {
		slot, distinct = fmt.Sprintf("(txid_current() %% %d)::int", countSlots), " IS DISTINCT FROM "
	}
	moved := make([]string, len(c.moving))
	for i, col := range c.moving {
		moved[i] = "OLD." + col + distinct + "NEW." + col
	}
	counted := func(row string) string {
		if c.when == nil {
			return ""
		}
		return c.when(row)
	}
	add, take := c.changes("NEW", slot, "1"), c.changes("OLD", slot, "-1")
	triggers := []struct{ op, event, when, body string }{
		{"insert", "INSERT", counted("NEW"), add},
		{"delete", "DELETE", counted("OLD"), take},
		{"update", "UPDATE OF " + strings.Join(c.moving, ", "), strings.Join(moved, " OR "), take + add},
	}
	var stmts []string
	if postgres {
		stmts = append(stmts, `CREATE FUNCTION `+c.function+`() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF TG_OP <> 'INSERT' THEN
					`+take+`
				END IF;
				IF TG_OP <> 'DELETE' THEN
					`+add+`
				END IF;
				RETURN NULL;
			END $$`)
	}
	for _, t := range triggers {
		head := `CREATE TRIGGER ` + c.trigger(t.op) + ` AFTER ` + t.event + ` ON ` + c.table + ` FOR EACH ROW`
		if t.when != "" {
			head += ` WHEN (` + t.when + `)`
		}
		if postgres {
			stmts = append(stmts, head+` EXECUTE FUNCTION `+c.function+`()`)
		} else {
			stmts = append(stmts, head+` BEGIN
				`+t.body+`END`)
		}
	}
	return stmts
}

// dropTriggers are the statements that drop what createTriggers created.
func (c slotCounter) dropTriggers(postgres bool) []string {
	var stmts []string
	for _, op := range []string{"insert", "delete", "update"} {
		if postgres {
			stmts = append(stmts, `DROP TRIGGER `+c.trigger(op)+` ON `+c.table)
		} else {
			stmts = append(stmts, `DROP TRIGGER `+c.trigger(op))
		}
	}
	if postgres {
		stmts = append(stmts, `DROP FUNCTION `+c.function+`()`)
	}
	return stmts
}

// execAll runs the statements of a migration in order.
func execAll(ctx context.Context, tx *sql.Tx, stmts []string) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
