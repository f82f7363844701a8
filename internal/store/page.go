package store

// A list page and the count of every row its filter matches, in one round
// trip: the count is a first column computed by an uncorrelated subquery,
// which both databases evaluate once per statement, not once per row. When
// the page comes back empty (nothing matches, or the offset is past the
// end) there is no row to carry the count, and the caller counts apart.

// CountColumn is the select-list item "(SELECT COUNT(*) FROM from WHERE
// where)"; its placeholders come first in the statement's arguments.
func CountColumn(from, where string) string {
	return `(SELECT COUNT(*) FROM ` + from + ` WHERE ` + where + `)`
}

// Scanner is a row that scans into destinations, as *sql.Row and *sql.Rows
// are.
type Scanner interface{ Scan(dest ...any) error }

// TotalThen is row with its first column, the count of CountColumn, scanned
// into total before the destinations the caller's scan function gives.
func TotalThen(row Scanner, total *int) Scanner { return totalThen{row, total} }

type totalThen struct {
	row   Scanner
	total *int
}

func (t totalThen) Scan(dest ...any) error {
	return t.row.Scan(append([]any{t.total}, dest...)...)
}
