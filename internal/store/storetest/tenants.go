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
