package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"partnercenter/internal/auth"
	"partnercenter/internal/ledger"
	"partnercenter/internal/store"
)

// sink receives the generated rows inside one transaction: COPY on
// PostgreSQL, multi-row INSERTs on SQLite's writer connection.
type sink interface {
	copy(ctx context.Context, table string, cols []string, next func(row []any) bool) (int, error)
	exec(ctx context.Context, query string, args ...any) (int64, error)
}

// pgSink copies through pgx on one connection. COPY statements are cut at
// copyChunk rows, so that the foreign-key checks PostgreSQL queues for
// the end of a statement stay bounded in memory.
type pgSink struct {
	tx     pgx.Tx
	rebind func(string) string
}

const copyChunk = 500_000

func (s pgSink) copy(ctx context.Context, table string, cols []string, next func(row []any) bool) (int, error) {
	total, done := 0, false
	for !done {
		n := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if n == copyChunk {
				return nil, nil
			}
			row := make([]any, len(cols))
			if !next(row) {
				done = true
				return nil, nil
			}
			n++
			return row, nil
		})
		copied, err := s.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
		if err != nil {
			return total, fmt.Errorf("copy %s: %w", table, err)
		}
		total += int(copied)
	}
	return total, nil
}

func (s pgSink) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := s.tx.Exec(ctx, s.rebind(query), args...)
	return tag.RowsAffected(), err
}

// deferIndexes drops the secondary indexes and the foreign keys of tables
// for the length of the bulk load and returns what builds them again.
// Millions of rows copied into a table keep every index current row by row,
// each insert a descent into a B-tree at a random place and each foreign
// key a lookup per row; building an index once from sorted rows and
// checking a foreign key with one join cost a fraction of that. Primary
// keys and unique constraints stay (other tables' keys refer to them).
// Everything happens in the load's transaction: if the load fails, the
// schema is as it was.
func (s pgSink) deferIndexes(ctx context.Context, tables []string, progress io.Writer) (rebuild func() error, err error) {
	if _, err := s.tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return nil, err
	}
	type def struct{ table, name, sql string }
	// defs reads (table, name, definition) rows of the catalogue.
	defs := func(query string) ([]def, error) {
		rows, err := s.tx.Query(ctx, query, tables)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []def
		for rows.Next() {
			var d def
			if err := rows.Scan(&d.table, &d.name, &d.sql); err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, rows.Err()
	}
	indexes, err := defs(`SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i WHERE i.indrelid = ANY($1::text[]::regclass[])
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	fks, err := defs(`SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
		FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY($1::text[]::regclass[]) ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	for _, f := range fks {
		if _, err := s.tx.Exec(ctx, `ALTER TABLE `+f.table+` DROP CONSTRAINT `+pgx.Identifier{f.name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	for _, ix := range indexes {
		if _, err := s.tx.Exec(ctx, `DROP INDEX `+ix.name); err != nil {
			return nil, err
		}
	}
	return func() error {
		for _, ix := range indexes {
			t := time.Now()
			if _, err := s.tx.Exec(ctx, ix.sql); err != nil {
				return fmt.Errorf("rebuild %s: %w", ix.name, err)
			}
			fmt.Fprintf(progress, "    index %-40s %8s\n", ix.name, time.Since(t).Round(time.Millisecond))
		}
		for _, f := range fks {
			t := time.Now()
			if _, err := s.tx.Exec(ctx, `ALTER TABLE `+f.table+` ADD CONSTRAINT `+pgx.Identifier{f.name}.Sanitize()+` `+f.sql); err != nil {
				return fmt.Errorf("foreign key %s: %w", f.name, err)
			}
			fmt.Fprintf(progress, "    foreign key %-34s %8s\n", f.table+"."+f.name, time.Since(t).Round(time.Millisecond))
		}
		return nil
	}, nil
}

// triggerCounts is a counts table that triggers on a counted table keep
// as rows are written (migrations 00030 and 00032).
type triggerCounts struct {
	table    string // the counted table
	function string // the function its counting triggers call
	counts   string // the counts table
	recount  string // counts the rows of the partners $1 into counts
}

var (
	customerCounts = triggerCounts{"customers", "partner_customer_counts_keep", "partner_customer_counts",
		`INSERT INTO partner_customer_counts (partner_id, customers)
		SELECT partner_id, COUNT(*) FROM customers WHERE partner_id = ANY($1) GROUP BY partner_id`}
	// Every record counts under '' (the partner's total) and under its
	// customer or indirect reseller: one pass, three subjects a row.
	adjustmentCounts = triggerCounts{"fund_adjustments", "fund_adjustment_counts_keep", "fund_adjustment_counts",
		`INSERT INTO fund_adjustment_counts (partner_id, subject, records)
		SELECT a.partner_id, s.subject, COUNT(*) FROM fund_adjustments a
		CROSS JOIN LATERAL (VALUES (''), (a.customer_id), (a.indirect_partner)) s (subject)
		WHERE a.partner_id = ANY($1) AND s.subject IS NOT NULL GROUP BY a.partner_id, s.subject`}
)

// deferCounts turns off, for the length of the bulk load, the triggers
// that count every row of c.table in c.counts as it is written, and
// returns what counts the partners' rows afterwards, with one INSERT ...
// SELECT, and turns the triggers on again. A trigger call per copied row
// made the copy of customers seven times slower or worse (10,000
// customers, one after the other on a busy machine: 0.37 to 1.9 s with the
// triggers; 0.05 to 0.06 s without, and 5 to 8 ms to count them after),
// and inserting the 22,256 调账记录 of scale 0.01 in one transaction took
// 3.8 s with them and 0.45 to 0.65 s without (a partner's total row
// updated 8,268 times in one transaction). The triggers are found by the function they call, so any other trigger
// on the table still fires. As with the indexes, all of it happens in the
// load's transaction.
func (s pgSink) deferCounts(ctx context.Context, c triggerCounts, partnerIDs []string) (recount func() (int, error), err error) {
	rows, err := s.tx.Query(ctx, `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::text::regclass AND tgfoid = $2::text::regproc ORDER BY tgname`,
		c.table, c.function)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	toggle := func(how string) error {
		for _, name := range names {
			if _, err := s.tx.Exec(ctx, `ALTER TABLE `+c.table+` `+how+` TRIGGER `+pgx.Identifier{name}.Sanitize()); err != nil {
				return err
			}
		}
		return nil
	}
	if err := toggle("DISABLE"); err != nil {
		return nil, err
	}
	return func() (int, error) {
		if _, err := s.tx.Exec(ctx, `DELETE FROM `+c.counts+` WHERE partner_id = ANY($1)`, partnerIDs); err != nil {
			return 0, err
		}
		tag, err := s.tx.Exec(ctx, c.recount, partnerIDs)
		if err != nil {
			return 0, err
		}
		return int(tag.RowsAffected()), toggle("ENABLE")
	}, nil
}

// bulkTables are the tables whose indexes wait for the end of the load.
var bulkTables = []string{"customers", "ledger_accounts", "ledger_transfers", "ledger_entries", "ledger_daily", "fund_adjustments", "opportunities"}

// sqliteSink writes multi-row INSERTs of as many rows as the parameter
// limit allows.
type sqliteSink struct{ tx *store.Tx }

func (s sqliteSink) copy(ctx context.Context, table string, cols []string, next func(row []any) bool) (int, error) {
	per := max(1, 30_000/len(cols))
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	args := make([]any, 0, per*len(cols))
	total, n := 0, 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		q := head + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")
		if _, err := s.tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
		total += n
		args, n = args[:0], 0
		return nil
	}
	for {
		row := make([]any, len(cols))
		if !next(row) {
			break
		}
		args = append(args, row...)
		if n++; n == per {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	return total, flush()
}

func (s sqliteSink) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// inSink runs fn in one transaction with the sink of the database.
func inSink(ctx context.Context, db *store.DB, fn func(sink) error) error {
	if db.Dialect != store.Postgres {
		return db.InTx(ctx, func(tx *store.Tx) error { return fn(sqliteSink{tx}) })
	}
	conn, err := db.WriterPool().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if err := fn(pgSink{tx: tx, rebind: db.Rebind}); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// generate plans the scaled data and writes it in one transaction.
func generate(ctx context.Context, db *store.DB, s Scale, progress io.Writer) (*Counts, error) {
	began := time.Now()
	fmt.Fprintf(progress, "generating %s on %s\n", s, db.Dialect)
	existing, err := existingAccounts(ctx, db)
	if err != nil {
		return nil, err
	}
	p, err := newPlan(s, db.Now().UTC(), existing)
	if err != nil {
		return nil, err
	}
	if err := p.readStaff(ctx, db); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "  plan: %d partners, %d customers, %d accounts, %d movements in %s\n", len(p.partners), len(p.customers),
		len(p.accounts), len(p.moves), time.Since(began).Round(time.Millisecond))
	counts := &Counts{}
	var written time.Time
	err = inSink(ctx, db, func(w sink) error {
		step := func(name string, dst *int, fn func() (int, error)) error {
			t := time.Now()
			n, err := fn()
			if err != nil {
				return fmt.Errorf("demo scale: %s: %w", name, err)
			}
			if dst != nil {
				*dst = n
			}
			el := time.Since(t)
			fmt.Fprintf(progress, "  %-22s %10d rows in %8s (%.0f rows/s)\n", name, n, el.Round(time.Millisecond), float64(n)/max(el.Seconds(), 1e-6))
			return nil
		}
		type loadStep struct {
			name string
			dst  *int
			fn   func() (int, error)
		}
		steps := []loadStep{
			{"partners", &counts.Partners, func() (int, error) { return p.writePartners(ctx, w) }},
			{"users", &counts.Users, func() (int, error) { return p.writeUsers(ctx, w) }},
			{"customers", &counts.Customers, func() (int, error) { return p.writeCustomers(ctx, w) }},
			{"ledger_accounts", &counts.Accounts, func() (int, error) { return p.writeAccounts(ctx, w) }},
			{"credit_line_changes", nil, func() (int, error) { return p.writeCreditLines(ctx, w) }},
			{"ledger_transfers", &counts.Transfers, func() (int, error) { return p.writeTransfers(ctx, w) }},
			{"ledger_entries", &counts.Entries, func() (int, error) { return p.writeEntries(ctx, w) }},
			{"ledger_daily", &counts.Daily, func() (int, error) { return p.writeDaily(ctx, w) }},
			{"fund_adjustments", &counts.Adjustments, func() (int, error) { return p.writeAdjustments(ctx, w) }},
			{"opportunities", &counts.Opportunities, func() (int, error) { return p.writeOpportunities(ctx, w) }},
		}
		var rebuild func() error
		if pg, ok := w.(pgSink); ok {
			var err error
			if rebuild, err = pg.deferIndexes(ctx, bulkTables, progress); err != nil {
				return fmt.Errorf("demo scale: set the indexes aside: %w", err)
			}
			for _, c := range []triggerCounts{customerCounts, adjustmentCounts} {
				recount, err := pg.deferCounts(ctx, c, p.partnerIDs())
				if err != nil {
					return fmt.Errorf("demo scale: set %s aside: %w", c.counts, err)
				}
				steps = append(steps, loadStep{c.counts, nil, recount})
			}
		}
		for _, st := range steps {
			if err := step(st.name, st.dst, st.fn); err != nil {
				return err
			}
		}
		if rebuild != nil {
			t := time.Now()
			fmt.Fprintln(progress, "  indexes and foreign keys:")
			if err := rebuild(); err != nil {
				return fmt.Errorf("demo scale: %w", err)
			}
			fmt.Fprintf(progress, "  indexes and foreign keys rebuilt in %s\n", time.Since(t).Round(time.Millisecond))
		}
		written = time.Now()
		return nil
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "  commit in %s\n", time.Since(written).Round(time.Millisecond))
	if db.Dialect == store.Postgres {
		// Fresh statistics, so that the first queries are planned for a
		// million customers rather than the demo's thirty, and the
		// visibility map set, so that counts can read the indexes alone
		// instead of every row: the state autovacuum would reach later.
		t := time.Now()
		if _, err := db.WriterPool().ExecContext(ctx, `VACUUM (ANALYZE)`); err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "  vacuum and analyze in %s\n", time.Since(t).Round(time.Millisecond))
	}
	fmt.Fprintf(progress, "generated in %s\n", time.Since(began).Round(time.Millisecond))
	return counts, nil
}

// readStaff finds the demo staff and offices the generated rows refer to.
func (p *plan) readStaff(ctx context.Context, db *store.DB) error {
	q := db.Reader()
	if err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE username = 'pdm'`).Scan(&p.pdmUserID); err != nil {
		return fmt.Errorf("demo scale: the demo's pdm user: %w", err)
	}
	for _, name := range []string{"psm-east", "psm-east-2"} {
		var id string
		if err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, name).Scan(&id); err != nil {
			return fmt.Errorf("demo scale: the demo's %s user: %w", name, err)
		}
		p.psmIDs = append(p.psmIDs, id)
	}
	rows, err := q.QueryContext(ctx, `SELECT id FROM offices ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		p.officeIDs = append(p.officeIDs, id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(p.officeIDs) == 0 {
		return fmt.Errorf("demo scale: the demo has no offices")
	}
	return nil
}

// partnerIDs are the ids of the generated partners.
func (p *plan) partnerIDs() []string {
	ids := make([]string, len(p.partners))
	for i, gp := range p.partners {
		ids[i] = gp.id
	}
	return ids
}

// counter returns a next function over n rows filled by fill.
func counter(n int, fill func(i int, row []any)) func(row []any) bool {
	i := 0
	return func(row []any) bool {
		if i >= n {
			return false
		}
		fill(i, row)
		i++
		return true
	}
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (p *plan) writePartners(ctx context.Context, w sink) (int, error) {
	cols := []string{"id", "name", "display_name", "partner_type", "stage", "parent_id", "domain_id", "domain_name", "xaccount_type",
		"email", "mobile", "pdm_user_id", "associated_at", "created_at", "coselling"}
	return w.copy(ctx, "partners", cols, counter(len(p.partners), func(i int, r []any) {
		gp := p.partners[i]
		var parent, assoc any
		if gp.parent >= 0 {
			parent, assoc = p.partners[gp.parent].id, gp.created
		}
		r[0], r[1], r[2], r[3], r[4], r[5] = gp.id, gp.name, gp.display+"有限公司", string(gp.typ), string(gp.stage), parent
		r[6], r[7], r[8], r[9], r[10] = gp.domainID, gp.name, gp.xaccountType, gp.name+"@partner.example", fmt.Sprintf("137%08d", i+1)
		r[11], r[12], r[13], r[14] = p.pdmUserID, assoc, gp.created, gp.coselling
	}))
}

// writeUsers gives every generated partner a main account that signs in
// with the demo password. One hash serves them all: hashing a thousand
// times would take longer than the rest of the partners' rows.
func (p *plan) writeUsers(ctx context.Context, w sink) (int, error) {
	hash := auth.HashPassword(Password)
	roles := auth.FormatRoles([]auth.Role{auth.PartnerAdmin})
	cols := []string{"id", "username", "display_name", "partner_id", "is_main", "roles", "password_hash", "locale", "time_zone",
		"email", "mobile", "disabled", "created_at", "password_changed_at"}
	return w.copy(ctx, "users", cols, counter(len(p.partners), func(i int, r []any) {
		gp := p.partners[i]
		r[0], r[1], r[2], r[3], r[4], r[5], r[6] = gp.userID, gp.name, gp.display, gp.id, true, roles, hash
		r[7], r[8], r[9], r[10], r[11], r[12], r[13] = "zh-CN", "Asia/Shanghai", gp.name+"@partner.example", "", false, gp.created, gp.created
	}))
}

func (p *plan) writeCustomers(ctx context.Context, w sink) (int, error) {
	cols := []string{"id", "domain_name", "real_name", "customer_type", "verified_status", "email", "mobile", "country_code", "level",
		"xaccount_id", "xaccount_type", "created_at", "partner_id", "association_type", "label", "associated_at", "frozen", "frozen_reason"}
	labels := []string{"", "", "", "", "vip", "重点客户", "教育", "试用"}
	return w.copy(ctx, "customers", cols, counter(len(p.customers), func(i int, r []any) {
		c := p.customers[i]
		gp := p.partners[c.partner]
		h := splitmix64(uint64(i) ^ p.s.Seed<<20)
		typ, name := int64(1), fmt.Sprintf("%s%07d有限公司", strings.TrimSuffix(demoCompanies[h%30], "有限公司"), i+1)
		if h%10 == 0 {
			typ, name = 0, fmt.Sprintf("个人开发者 %07d", i+1)
		}
		assoc := int64(1)
		if c.resale {
			assoc = 2
		}
		var xid, xtype any
		if h>>8%5 < 3 {
			xid, xtype = fmt.Sprintf("u%07d", i+1), gp.xaccountType
		}
		frozen, reason := int64(0), ""
		if h>>16%200 == 0 {
			frozen, reason = 1, "欠费未结清"
		}
		r[0], r[1], r[2], r[3], r[4] = p.customerID(i), customerDomain(i), name, typ, int64(2)
		r[5], r[6], r[7], r[8] = fmt.Sprintf("it@c%07d.example", i+1), fmt.Sprintf("139%08d", i+1), "0086", fmt.Sprintf("V%d", h>>24%6)
		r[9], r[10], r[11], r[12], r[13] = xid, xtype, c.created, gp.id, assoc
		r[14], r[15], r[16], r[17] = labels[h>>32%uint64(len(labels))], c.created, frozen, reason
	}))
}

func (p *plan) writeAccounts(ctx context.Context, w sink) (int, error) {
	var fresh []int
	for i := range p.accounts {
		if !p.accounts[i].existing {
			fresh = append(fresh, i)
		}
	}
	cols := []string{"id", "kind", "owner_type", "owner_id", "partner_id", "unbounded", "credit_limit", "debits_posted", "credits_posted",
		"debits_pending", "credits_pending", "entry_count", "created_at"}
	n, err := w.copy(ctx, "ledger_accounts", cols, counter(len(fresh), func(i int, r []any) {
		a := p.accounts[fresh[i]]
		r[0], r[1], r[2], r[3], r[4], r[5], r[6] = a.id, a.kind, a.ownerType, a.ownerID, nullStr(a.partnerID), a.unbounded, a.creditLimit
		r[7], r[8], r[9], r[10], r[11], r[12] = a.debits, a.credits, int64(0), int64(0), a.count, p.start-day
	}))
	if err != nil {
		return n, err
	}
	// The demo's accounts that generated movements touch: their totals
	// grow by what was generated, guarded against a concurrent change of
	// the numbering the entries continue.
	for _, a := range p.accounts {
		if !a.existing || a.count == a.startCount {
			continue
		}
		changed, err := w.exec(ctx, `UPDATE ledger_accounts SET debits_posted = ?, credits_posted = ?, entry_count = ?
			WHERE id = ? AND entry_count = ? AND debits_posted = ? AND credits_posted = ?`,
			a.debits, a.credits, a.count, a.id, a.startCount, a.startDebits, a.startCredits)
		if err != nil {
			return n, err
		}
		if changed != 1 {
			return n, fmt.Errorf("account %s changed during the generation", a.id)
		}
	}
	return n, nil
}

func (p *plan) writeCreditLines(ctx context.Context, w sink) (int, error) {
	var with []int
	for i, gp := range p.partners {
		if gp.creditLine > 0 && len(p.accounts) > 0 {
			with = append(with, i)
		}
	}
	cols := []string{"id", "partner_id", "before_fen", "after_fen", "reason", "changed_by", "at"}
	return w.copy(ctx, "credit_line_changes", cols, counter(len(with), func(i int, r []any) {
		gp := p.partners[with[i]]
		r[0], r[1], r[2], r[3], r[4], r[5], r[6] = p.seqID(7, i, true), gp.id, int64(0), gp.creditLine, "年度授信", "finance", gp.created
	}))
}

func (p *plan) clientID(k int) string { return fmt.Sprintf("gen%d-%09d", p.s.Seed, k) }

func (p *plan) isAdjustment(m *movement) bool {
	return m.kind == mvAllocCustomer || m.kind == mvReclaimCust || m.kind == mvAllocReseller || m.kind == mvReclaimRes
}

// adjustmentParties names an adjustment's partner, customer and indirect
// reseller and its operation type, as funds.adjust records them.
func (p *plan) adjustmentParties(m *movement) (partnerID, customerID, indirect, op string) {
	switch m.kind {
	case mvAllocCustomer, mvReclaimCust:
		c := p.customers[m.subj]
		partnerID, customerID = p.partners[c.partner].id, p.customerID(int(m.subj))
	default:
		r := p.partners[m.subj]
		partnerID, indirect = p.partners[r.parent].id, r.id
	}
	op = "SOURCE_OPERATION_BEADJUST"
	if m.kind == mvReclaimCust || m.kind == mvReclaimRes {
		op = "SOURCE_OPERATION_BERETRIEVE"
	}
	return
}

func (p *plan) writeTransfers(ctx context.Context, w sink) (int, error) {
	cols := []string{"id", "client_id", "request_hash", "debit_account_id", "credit_account_id", "amount", "kind", "pending_id", "code",
		"linked_id", "timeout_at", "meta", "created_at"}
	return w.copy(ctx, "ledger_transfers", cols, counter(len(p.moves), func(k int, r []any) {
		m := &p.moves[k]
		client, meta := p.clientID(k), ""
		switch m.kind {
		case mvGrant:
			meta = fmt.Sprintf(`{"method":"bank_transfer","reference":"GEN-%09d"}`, k)
		case mvConsume:
			meta = fmt.Sprintf(`{"customer_id":"%s","order_id":"GEN%09d"}`, p.customerID(int(m.subj)), k)
		default:
			_, cust, indirect, op := p.adjustmentParties(m)
			client += ":0" // funds labels an operation's transfers so
			if cust != "" {
				meta = fmt.Sprintf(`{"account_name":"%s","customer_id":"%s","detail":"%s"}`, customerDomain(int(m.subj)), cust, op)
			} else {
				meta = fmt.Sprintf(`{"detail":"%s","indirect_partner_id":"%s"}`, op, indirect)
			}
		}
		// The fingerprint only serves to recognise a retry of the same
		// request; no client will retry these, so a cheap one does.
		r[0], r[1], r[2] = p.seqID(4, k, true), client, fmt.Sprintf("%016x", splitmix64(uint64(k)^p.s.Seed))
		r[3], r[4], r[5], r[6], r[7] = p.accounts[m.debit].id, p.accounts[m.credit].id, m.amount, "posted", nil
		r[8], r[9], r[10], r[11], r[12] = mvCodes[m.kind], p.seqID(5, k, true), nil, meta, m.at
	}))
}

// entryOrder lists the entries (movement*2, +1 for the credit side) by
// account and then sequence, which is the order the account indexes are
// kept in: written so, they append instead of splitting pages at random.
func (p *plan) entryOrder() []uint32 {
	start := make([]int, len(p.accounts)+1)
	for _, m := range p.moves {
		start[m.debit+1]++
		start[m.credit+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	out := make([]uint32, 2*len(p.moves))
	for k, m := range p.moves {
		out[start[m.debit]] = uint32(2 * k)
		start[m.debit]++
		out[start[m.credit]] = uint32(2*k + 1)
		start[m.credit]++
	}
	return out
}

// entry describes one side of a movement.
func (p *plan) entry(e uint32) (m *movement, account int32, amount, after, seq int64) {
	m = &p.moves[e/2]
	if e%2 == 0 {
		return m, m.debit, -m.amount, m.debitAfter, m.debitSeq
	}
	return m, m.credit, m.amount, m.creditAfter, m.creditSeq
}

func (p *plan) writeEntries(ctx context.Context, w sink) (int, error) {
	order := p.entryOrder()
	cols := []string{"id", "transfer_id", "account_id", "seq", "amount", "balance_after", "code", "at"}
	return w.copy(ctx, "ledger_entries", cols, counter(len(order), func(i int, r []any) {
		m, acct, amount, after, seq := p.entry(order[i])
		r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = p.seqID(6, i, true), p.seqID(4, int(order[i]/2), true), p.accounts[acct].id,
			seq, amount, after, mvCodes[m.kind], m.at
	}))
}

// writeDaily writes the per-account, per-day, per-code sums of the
// entries. Accounts the demo already used may have rows for the same days,
// so theirs are added to those; the others' are copied.
func (p *plan) writeDaily(ctx context.Context, w sink) (int, error) {
	order := p.entryOrder()
	type sums struct{ credits, debits, n int64 }
	var (
		pos       int
		cur       = int32(-1)
		curDay    int64
		acc       [len(dailyCodes)]sums
		pending   [][]any
		upserts   [][]any
		exhausted bool
	)
	// flush moves the finished day of the current account to pending.
	flush := func() {
		for c, s := range acc {
			if s.n == 0 {
				continue
			}
			row := []any{p.accounts[cur].id, curDay, dailyCodes[c], s.credits, s.debits, s.n}
			if p.accounts[cur].existing {
				upserts = append(upserts, row)
			} else {
				pending = append(pending, row)
			}
			acc[c] = sums{}
		}
	}
	next := func(row []any) bool {
		for len(pending) == 0 {
			if exhausted {
				return false
			}
			if pos == len(order) {
				flush()
				exhausted = true
				continue
			}
			m, acct, amount, _, _ := p.entry(order[pos])
			pos++
			d := ledger.DayOf(store.Time(m.at))
			if acct != cur || d != curDay {
				if cur >= 0 {
					flush()
				}
				cur, curDay = acct, d
			}
			s := &acc[codeIndex[mvCodes[m.kind]]]
			s.credits += max(amount, 0)
			s.debits += max(-amount, 0)
			s.n++
		}
		copy(row, pending[0])
		pending = pending[1:]
		return true
	}
	n, err := w.copy(ctx, "ledger_daily", []string{"account_id", "day", "code", "credits", "debits", "n"}, next)
	if err != nil {
		return n, err
	}
	for _, r := range upserts {
		if _, err := w.exec(ctx, `INSERT INTO ledger_daily (account_id, day, code, credits, debits, n) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, day, code) DO UPDATE SET credits = ledger_daily.credits + excluded.credits,
			debits = ledger_daily.debits + excluded.debits, n = ledger_daily.n + excluded.n`, r...); err != nil {
			return n, err
		}
	}
	return n + len(upserts), nil
}

// writeAdjustments writes a 调账记录 for every allocation and reclaim, as
// funds.adjust does: the operation's client id, its fingerprint and the
// linked id of its transfer.
func (p *plan) writeAdjustments(ctx context.Context, w sink) (int, error) {
	k := 0
	cols := []string{"trans_id", "client_id", "request_hash", "partner_id", "customer_id", "indirect_partner", "operation_type", "amount",
		"memo", "operator", "at"}
	return w.copy(ctx, "fund_adjustments", cols, func(r []any) bool {
		for ; k < len(p.moves) && !p.isAdjustment(&p.moves[k]); k++ {
		}
		if k == len(p.moves) {
			return false
		}
		m := &p.moves[k]
		partnerID, cust, indirect, op := p.adjustmentParties(m)
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%s|%s|%d|%s", partnerID, cust, indirect, op, m.amount, "")))
		var operator string
		if cust != "" {
			operator = p.partners[p.customers[m.subj].partner].name
		} else {
			operator = p.partners[p.partners[m.subj].parent].name
		}
		r[0], r[1], r[2], r[3], r[4], r[5] = p.seqID(5, k, true), p.clientID(k), hex.EncodeToString(sum[:]), partnerID, nullStr(cust), nullStr(indirect)
		r[6], r[7], r[8], r[9], r[10] = op, m.amount, "", operator, m.at
		k++
		return true
	})
}

var (
	projectWords = []string{"云迁移", "数据中台", "智慧园区", "容灾备份", "大数据平台", "视频直播", "电商大促", "AI训练", "混合云", "安全合规"}
	productSets  = []string{"hws.service.type.ec2,hws.service.type.rds", "hws.service.type.ec2,hws.service.type.obs", "hws.service.type.obs",
		"hws.service.type.rds", "hws.service.type.ec2"}
)

// writeOpportunities spreads POs over the partners in proportion to their
// customers, in every review status; approved ones move through the sales
// stages.
func (p *plan) writeOpportunities(ctx context.Context, w sink) (int, error) {
	weights := make([]float64, len(p.partners))
	for i, gp := range p.partners {
		weights[i] = float64(gp.custTo-gp.custFrom) + 1
	}
	per := apportion(p.opps, weights)
	owner := make([]int32, 0, p.opps)
	for i, n := range per {
		for range n {
			owner = append(owner, int32(i))
		}
	}
	cols := []string{"id", "code", "origin", "partner_id", "customer_id", "prospect_name", "customer_key", "project_name", "project_key",
		"industry", "office_id", "products", "amount", "expected_close", "partner_solution", "customer_consent", "contact_name",
		"contact_phone", "description", "review_status", "sales_stage", "lost_reason", "psm_user_id", "pdm_user_id", "pdm_queue",
		"checklist", "reviewer_comment", "decision_reason", "duplicate_of", "submitted_at", "review_due_at", "decided_at", "approved_at",
		"signed_at", "delivered_at", "bd_reported_at", "crm_lock_until", "created_by", "created_at", "updated_at"}
	industries := []string{"finance", "government", "manufacturing", "internet", "retail", "education", "healthcare", "energy", "transport", "media", "other"}
	return w.copy(ctx, "opportunities", cols, counter(len(owner), func(k int, r []any) {
		gp := p.partners[owner[k]]
		h := splitmix64(uint64(k) ^ p.s.Seed<<24)
		created := p.now - 1 - int64(h%uint64(170*day))
		var cust any
		key, prospect := "", ""
		if n := gp.custTo - gp.custFrom; n > 0 && h>>40%2 == 0 {
			ci := gp.custFrom + int(h>>42%uint64(n))
			cust, key = p.customerID(ci), "customer:"+p.customerID(ci)
		} else {
			name := fmt.Sprintf("潜在客户%07d", k+1)
			prospect, key = name, "prospect:"+name
		}
		project := fmt.Sprintf("%s项目%07d", projectWords[h>>8%uint64(len(projectWords))], k+1)
		status, stage, lost := "approved", "identify", ""
		switch x := h >> 16 % 100; {
		case x < 10:
			status = "draft"
		case x < 18:
			status = "submitted"
		case x < 28:
			status = "in_review"
		case x < 33:
			status = "action_required"
		case x < 43:
			status = "rejected"
		case x < 50:
			status = "expired"
		default:
			stage = []string{"identify", "share", "confirm", "won", "won", "lost"}[h>>24%6]
			if stage == "lost" {
				lost = []string{"price", "competitor", "budget", "requirement_changed", "no_decision", "customer_lost", "other"}[h>>28%7]
			}
		}
		var submitted, due, decided, approved, signed any
		if status != "draft" {
			submitted, due = created+day/24, created+6*day
		}
		switch status {
		case "approved":
			decided, approved = created+3*day, created+3*day
			if stage == "won" {
				signed = created + 30*day
			}
		case "rejected", "expired":
			decided = created + 5*day
		}
		var psm any
		if status != "draft" && status != "submitted" {
			psm = p.psmIDs[h>>32%uint64(len(p.psmIDs))]
		}
		code := fmt.Sprintf("PO%s%s", store.Time(created).In(ledger.BillingZone).Format("060102"), letters8(uint64(k)))
		r[0], r[1], r[2], r[3], r[4], r[5], r[6] = p.seqID(8, k, true), code, "PO", gp.id, cust, prospect, key
		r[7], r[8], r[9], r[10], r[11] = project, project, industries[h>>36%uint64(len(industries))], p.officeIDs[h>>44%uint64(len(p.officeIDs))], productSets[h>>48%5]
		r[12], r[13], r[14], r[15], r[16] = int64(h>>12%2000+10)*1_000_000, ledger.DayOf(store.Time(created))+90, "", true, "张经理"
		r[17], r[18], r[19], r[20], r[21] = "1380000"+fmt.Sprintf("%04d", k%10000), "", status, stage, lost
		r[22], r[23], r[24], r[25], r[26], r[27], r[28] = psm, nil, false, "", "", "", ""
		r[29], r[30], r[31], r[32], r[33], r[34], r[35], r[36] = submitted, due, decided, approved, signed, nil, nil, nil
		r[37], r[38], r[39] = gp.name, created, created+day
	}))
}

// letters8 writes n in eight letters of the opportunity codes' alphabet,
// so that generated codes are unique.
func letters8(n uint64) string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = letters[n%24]
		n /= 24
	}
	return string(b[:])
}
