// Package exports produces large downloads (statements, adjustment records,
// lists) in the background: a request records what to export, a job writes
// the rows as CSV (with a UTF-8 byte-order mark, so Excel reads Chinese
// text) or as .xlsx with a streaming writer, reporting progress as it goes;
// the file is kept in the database in chunks, so any node serves the
// download, and is removed after ExpiresAfter. Memory stays flat however
// many rows: rows are read in pages and written out as they come.
package exports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// ExpiresAfter is how long a finished file is kept.
const ExpiresAfter = 7 * 24 * time.Hour

// Formats.
const (
	CSV  = "csv"
	XLSX = "xlsx"
)

// Statuses.
const (
	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "failed"
)

// Source produces the rows of one kind of export. Params are the kind's own
// query, as JSON; a source must apply the tenant scope itself from partnerID.
type Source struct {
	// Title names the file ("收支明细").
	Title func(locale string) string
	// Header is the first row.
	Header func(locale string) []string
	// NumericColumns are written as numbers in spreadsheets (amounts), so
	// that they can be summed; their text must be a plain decimal.
	NumericColumns []int
	// Count is how many rows there will be (for the progress bar).
	Count func(ctx context.Context, q store.Queryer, partnerID string, params json.RawMessage) (int64, error)
	// Each calls row for every row, in order.
	Each func(ctx context.Context, q store.Queryer, partnerID string, params json.RawMessage, locale string, row func([]string) error) error
	// Validate checks the params when the export is requested.
	Validate func(ctx context.Context, q store.Queryer, partnerID string, params json.RawMessage) error
}

var sources = map[string]Source{}

// Register adds a kind of export; call it from an init function.
func Register(kind string, s Source) { sources[kind] = s }

// Kinds lists the registered kinds.
func Kinds() []string {
	out := make([]string, 0, len(sources))
	for k := range sources {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Export is one requested export.
type Export struct {
	ID         string
	PartnerID  string
	UserID     string
	Kind       string
	Params     json.RawMessage
	Format     string
	Locale     string
	Status     string
	RowsDone   int64
	RowsTotal  int64
	FileName   string
	Size       int64
	Error      string
	CreatedAt  time.Time
	FinishedAt time.Time
	ExpiresAt  time.Time
}

// Progress is the share done, 0 to 100.
func (e *Export) Progress() int {
	switch {
	case e.Status == Done:
		return 100
	case e.RowsTotal <= 0:
		return 0
	}
	return int(min(99, e.RowsDone*100/e.RowsTotal))
}

// Create records an export to run; the caller enqueues the job (in the same
// transaction) or runs it with Run.
func Create(ctx context.Context, tx *store.Tx, partnerID, userID, kind, format, locale string, params any) (*Export, error) {
	src, ok := sources[kind]
	if !ok {
		return nil, apperr.Field("kind", "exports.kind_unknown", "unknown export")
	}
	if format != CSV && format != XLSX {
		return nil, apperr.Field("format", "exports.format_invalid", "choose CSV or Excel")
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	if src.Validate != nil {
		if err := src.Validate(ctx, tx, partnerID, raw); err != nil {
			return nil, err
		}
	}
	e := &Export{ID: ids.New(), PartnerID: partnerID, UserID: userID, Kind: kind, Params: raw, Format: format, Locale: locale,
		Status: Queued, CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(ExpiresAfter)}
	_, err = tx.ExecContext(ctx, `INSERT INTO exports (id, partner_id, user_id, kind, params, format, locale, status, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, partnerID, userID, kind, string(raw), format, locale, e.Status,
		store.Micros(e.CreatedAt), store.Micros(e.ExpiresAt))
	return e, err
}

const columns = `id, partner_id, user_id, kind, params, format, locale, status, rows_done, rows_total, file_name, size, error,
	created_at, COALESCE(finished_at, 0), expires_at`

func scan(row interface{ Scan(...any) error }) (*Export, error) {
	var e Export
	var params string
	var created, finished, expires int64
	if err := row.Scan(&e.ID, &e.PartnerID, &e.UserID, &e.Kind, &params, &e.Format, &e.Locale, &e.Status, &e.RowsDone, &e.RowsTotal,
		&e.FileName, &e.Size, &e.Error, &created, &finished, &expires); err != nil {
		return nil, store.ScanErr(err)
	}
	e.Params = json.RawMessage(params)
	e.CreatedAt, e.FinishedAt, e.ExpiresAt = store.Time(created), store.Time(finished), store.Time(expires)
	return &e, nil
}

var errNotFound = apperr.NotFoundf("exports.not_found", "export not found")

// Get returns one of a user's exports; another user's answers not found.
func Get(ctx context.Context, q store.Queryer, partnerID, userID, id string) (*Export, error) {
	e, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM exports WHERE id = ? AND partner_id = ? AND user_id = ?`, id, partnerID, userID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	return e, err
}

// List returns a user's exports ("my exports"), newest first.
func List(ctx context.Context, q store.Queryer, partnerID, userID string, limit int) ([]*Export, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM exports WHERE partner_id = ? AND user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
		partnerID, userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Export
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WriteFile writes a finished export's file to w.
func WriteFile(ctx context.Context, q store.Queryer, e *Export, w io.Writer) error {
	if e.Status != Done {
		return apperr.New(apperr.Conflict, "exports.not_ready", "the file is not ready yet")
	}
	for seq := 0; ; seq++ {
		var data []byte
		err := store.ScanErr(q.QueryRowContext(ctx, `SELECT data FROM export_chunks WHERE export_id = ? AND seq = ?`, e.ID, seq).Scan(&data))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
}

// ContentType is the MIME type of the export's file.
func (e *Export) ContentType() string {
	if e.Format == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// DeleteExpired removes exports past their expiry, files included.
func DeleteExpired(ctx context.Context, tx *store.Tx) (int64, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM export_chunks WHERE export_id IN (SELECT id FROM exports WHERE expires_at < ?)`,
		store.Micros(tx.Now)); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM exports WHERE expires_at < ?`, store.Micros(tx.Now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func fileName(src Source, e *Export) string {
	title := e.Kind
	if src.Title != nil {
		title = src.Title(e.Locale)
	}
	title = strings.NewReplacer("/", "-", `\`, "-", `"`, "", "\n", " ").Replace(title)
	return fmt.Sprintf("%s-%s.%s", title, e.CreatedAt.In(time.FixedZone("CST", 8*3600)).Format("20060102-150405"), e.Format)
}
