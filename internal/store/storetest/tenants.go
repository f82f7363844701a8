package storetest

import (
	"context"
	"html"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"partnercenter/internal/store"
)

// Column runs q with args and returns its first column's values (text, not
// NULL) in the order the query gives them.
func Column(t testing.TB, db *store.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// Strings runs q with args and returns the values of its first column that
// are not NULL or empty, sorted, without repeats.
func Strings(t testing.TB, db *store.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var v *string
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if v != nil && *v != "" {
			seen[*v] = true
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return slices.Sorted(maps.Keys(seen))
}

// nameColumns are the columns, besides every id, that identify a partner's
// objects to a reader: names, codes, numbers and addresses, in tables with
// a partner_id column (partners: the partner's own row). Short values and
// plain words (a partner's sign-in name, a resource's name) are left out:
// they also occur where they name nothing of the partner's.
var nameColumns = map[string][]string{
	"partners":            {"display_name", "domain_id"},
	"customers":           {"domain_name", "real_name", "xaccount_id"},
	"coupons":             {"code"},
	"opportunities":       {"code", "project_name"},
	"solutions":           {"name"},
	"configuration_lists": {"code"},
	"invoice_requests":    {"code"},
	"invoice_infos":       {"taxpayer_id", "bank_account"},
	"delivery_projects":   {"code"},
	"webhook_endpoints":   {"url"},
	"users":               {"display_name"},
}

// bulkTables have a partner_id and an id but too many rows to search every
// answer for; their rows are reached through the objects above.
var bulkTables = map[string]bool{"fee_records": true, "ledger_entries": true, "ledger_daily": true, "audit_log": true}

// Identifiers are what names the objects of some partners: every id and
// the names of nameColumns. Found tells whether a text carries any.
type Identifiers struct {
	tokens  map[string]bool // ids and codes: matched as whole words
	phrases []string        // names: matched anywhere
}

// PartnerIdentifiers collects the identifiers of the objects that the
// partners named own: the id of every row of every table with a partner_id
// column (but bulkTables), and the values of nameColumns. A value that a
// partner of except holds too, or that visible lists, is left out: it is
// not the others' alone.
func PartnerIdentifiers(t testing.TB, db *store.DB, partners, except, visible []string) *Identifiers {
	t.Helper()
	ctx := context.Background()
	tables, err := tableNames(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	collect := func(owners []string) map[string]bool {
		out := map[string]bool{}
		for _, table := range tables {
			cols := columnsOf(t, db, table)
			key := "partner_id"
			if table == "partners" {
				key = "id"
			}
			if !slices.Contains(cols, key) {
				continue
			}
			var want []string
			if slices.Contains(cols, "id") && !bulkTables[table] {
				want = append(want, "id")
			}
			want = append(want, nameColumns[table]...)
			for _, col := range want {
				for _, p := range owners {
					for _, v := range Strings(t, db, `SELECT `+col+` FROM `+table+` WHERE `+key+` = ?`, p) {
						out[v] = true
					}
				}
			}
		}
		return out
	}
	theirs, shared := collect(partners), collect(except)
	for _, v := range visible {
		shared[v] = true
	}
	var keep []string
	for v := range theirs {
		if !shared[v] {
			keep = append(keep, v)
		}
	}
	return NewIdentifiers(keep...)
}

// NewIdentifiers makes Identifiers of the values given, for a test that
// collects them itself (a manager's unassigned customers, say).
func NewIdentifiers(values ...string) *Identifiers {
	ids := &Identifiers{tokens: map[string]bool{}}
	for _, v := range values {
		switch {
		case len([]rune(v)) < 6:
		case token.FindString(v) == v:
			ids.tokens[v] = true
		default:
			ids.phrases = append(ids.phrases, v)
		}
	}
	slices.Sort(ids.phrases)
	return ids
}

// token is a word of an id or a code.
var token = regexp.MustCompile(`[0-9A-Za-z_-]+`)

// Len is how many identifiers there are.
func (ids *Identifiers) Len() int { return len(ids.tokens) + len(ids.phrases) }

// Found returns the first identifier that text carries, as written or
// escaped for HTML, but those of sent (what the request itself named, which
// an answer may name back); "" when it carries none.
func (ids *Identifiers) Found(text string, sent ...string) string {
	for _, w := range token.FindAllString(text, -1) {
		if ids.tokens[w] && !slices.Contains(sent, w) {
			return w
		}
	}
	for _, p := range ids.phrases {
		if slices.Contains(sent, p) {
			continue
		}
		if strings.Contains(text, p) || strings.Contains(text, html.EscapeString(p)) {
			return p
		}
	}
	return ""
}

// columnsOf lists a table's columns.
func columnsOf(t testing.TB, db *store.DB, table string) []string {
	t.Helper()
	rows, err := db.ReaderPool().QueryContext(context.Background(), `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		t.Fatalf("columns of %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatalf("columns of %s: %v", table, err)
	}
	return cols
}

// OwnedIDs are, by kind of object, the query selecting the ids of the
// objects that the partner bound to each ? owns (or, for opportunities, is
// shared): the isolation matrices of the API and the console try them as
// other partners' ids.
var OwnedIDs = map[string]string{
	"customer":         `SELECT id FROM customers WHERE partner_id = ?`,
	"partner":          `SELECT id FROM partners WHERE id = ?`,
	"user":             `SELECT id FROM users WHERE partner_id = ?`,
	"order":            `SELECT id FROM customer_orders WHERE partner_id = ?`,
	"resource":         `SELECT id FROM cloud_resources WHERE partner_id = ?`,
	"coupon":           `SELECT id FROM coupons WHERE partner_id = ?`,
	"quota":            `SELECT id FROM coupon_quotas WHERE partner_id = ?`,
	"fund_batch":       `SELECT id FROM fund_batches WHERE partner_id = ?`,
	"coupon_batch":     `SELECT id FROM coupon_batches WHERE partner_id = ?`,
	"withdrawal":       `SELECT id FROM withdrawals WHERE partner_id = ?`,
	"export":           `SELECT id FROM exports WHERE partner_id = ?`,
	"fund_adjustment":  `SELECT trans_id FROM fund_adjustments WHERE partner_id = ?`,
	"opportunity":      `SELECT id FROM opportunities WHERE partner_id = ? UNION SELECT opportunity_id FROM opportunity_shares WHERE partner_id = ?`,
	"notification":     `SELECT id FROM notifications WHERE partner_id = ?`,
	"invoice_info":     `SELECT id FROM invoice_infos WHERE partner_id = ?`,
	"invoice_request":  `SELECT id FROM invoice_requests WHERE partner_id = ?`,
	"statement":        `SELECT id FROM incentive_statements WHERE partner_id = ?`,
	"payout":           `SELECT id FROM incentive_payouts WHERE partner_id = ?`,
	"solution":         `SELECT id FROM solutions WHERE partner_id = ?`,
	"solution_file":    `SELECT f.id FROM solution_files f JOIN solutions s ON s.id = f.solution_id WHERE s.partner_id = ?`,
	"config_list":      `SELECT id FROM configuration_lists WHERE partner_id = ?`,
	"configurator":     `SELECT id FROM configurators WHERE partner_id = ?`,
	"upload":           `SELECT id FROM uploads WHERE partner_id = ?`,
	"delivery_project": `SELECT id FROM delivery_projects WHERE partner_id = ?`,
	"access_key":       `SELECT id FROM access_keys WHERE partner_id = ?`,
	"webhook_endpoint": `SELECT id FROM webhook_endpoints WHERE partner_id = ?`,
	"webhook_delivery": `SELECT id FROM webhook_deliveries WHERE partner_id = ?`,
	"webhook_event":    `SELECT id FROM webhook_events WHERE partner_id = ?`,
	"reseller_invite":  `SELECT id FROM reseller_invites WHERE reseller_id = ? OR distributor_id = ?`,
}
