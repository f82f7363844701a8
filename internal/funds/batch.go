package funds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"partnercenter/internal/customer"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// Batch 拨款 / 回收: a partner uploads a CSV or Excel file of (customer,
// amount, memo) lines; every line is checked and kept as a preview; once the
// partner confirms, a background job applies the lines one by one, each in
// its own transaction (a line is applied whole or not at all), and records
// each line's outcome. Each line's client id is derived from the file's
// SHA-256 and the line number, so uploading the same file again replays the
// lines already applied and pays only those that failed before.

// Batch operations.
const (
	BatchAllocate = "allocate" // 拨款
	BatchReclaim  = "reclaim"  // 回收
)

// BatchOperations lists the operations in display order.
var BatchOperations = []string{BatchAllocate, BatchReclaim}

// Batch statuses.
const (
	BatchPreview   = "preview"   // checked, waiting for the partner's confirmation
	BatchQueued    = "queued"    // confirmed, waiting for the job
	BatchRunning   = "running"   // being applied
	BatchDone      = "done"      // every valid line has an outcome
	BatchCancelled = "cancelled" // the partner discarded the preview
)

// Row statuses.
const (
	RowInvalid = "invalid" // refused by the check; never applied
	RowPending = "pending" // valid, not applied yet
	RowOK      = "ok"
	RowFailed  = "failed" // refused when applied (balance, customer gone...)
)

// Limits of an upload.
const (
	MaxBatchRows  = 10_000
	MaxBatchBytes = 5 << 20
)

// Batch file formats.
const (
	BatchCSV  = "csv"
	BatchXLSX = "xlsx"
)

var (
	errBatchTooLarge = apperr.Field("file", "funds.batch_file_too_large", "the file is larger than 5 MB")
	errBatchTooMany  = apperr.Field("file", "funds.batch_too_many_rows", "the file has more than %d lines", MaxBatchRows)
	errBatchEmpty    = apperr.Field("file", "funds.batch_empty", "the file has no lines to apply")
	errBatchFormat   = apperr.Field("file", "funds.batch_format", "upload a CSV or Excel (.xlsx) file")
	errBatchXLSX     = apperr.Field("file", "funds.batch_xlsx_invalid", "the Excel file cannot be read")
	errBatchNotFound = apperr.NotFoundf("funds.batch_not_found", "batch not found")
	errBatchState    = apperr.New(apperr.Conflict, "funds.batch_not_preview", "this batch has already been confirmed or discarded")
	errBatchInvalid  = apperr.New(apperr.Conflict, "funds.batch_has_invalid", "fix the lines marked in the file and upload it again")
)

// BatchLine is one line of an uploaded file, as written.
type BatchLine struct {
	Line     int    // the row number in the file, the header counted
	Customer string // account name or customer id
	Amount   string // yuan
	Memo     string
}

// BatchFile is an upload read into lines.
type BatchFile struct {
	SHA256 string
	Lines  []BatchLine
}

// ReadBatchFile reads an upload of at most MaxBatchBytes in format BatchCSV
// or BatchXLSX.
func ReadBatchFile(r io.Reader, format string) (*BatchFile, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBatchBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxBatchBytes {
		return nil, errBatchTooLarge
	}
	sum := sha256.Sum256(data)
	f := &BatchFile{SHA256: hex.EncodeToString(sum[:])}
	switch format {
	case BatchCSV:
		f.Lines, err = ParseBatchCSV(data)
	case BatchXLSX:
		f.Lines, err = parseBatchXLSX(data)
	default:
		err = errBatchFormat
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// ParseBatchCSV reads the lines of a CSV upload. A UTF-8 byte-order mark is
// skipped; a file that is not UTF-8 is read as GB18030, which is what a
// Chinese-language spreadsheet saves CSV in.
func ParseBatchCSV(data []byte) ([]BatchLine, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return nil, apperr.Field("file", "funds.batch_encoding", "save the file as UTF-8")
		}
		data = decoded
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	return collectLines(func(row func(int, []string) error) error {
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				return apperr.Field("file", "funds.batch_csv_invalid", "line %d of the file cannot be read", perr.StartLine)
			}
			if err != nil {
				return err
			}
			// The line a record starts on is its row in a spreadsheet,
			// blank lines included.
			line, _ := r.FieldPos(0)
			if err := row(line, rec); err != nil {
				return err
			}
		}
	}, false)
}

// parseBatchXLSX reads the first sheet of an Excel upload row by row.
func parseBatchXLSX(data []byte) ([]BatchLine, error) {
	// The unzip limit keeps a small file that inflates enormously (a zip
	// bomb) from exhausting memory or disk.
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 20 * MaxBatchBytes, UnzipXMLSizeLimit: 4 * MaxBatchBytes})
	if err != nil {
		return nil, errBatchXLSX
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return nil, errBatchEmpty
	}
	rows, err := x.Rows(sheets[0])
	if err != nil {
		return nil, errBatchXLSX
	}
	defer rows.Close()
	return collectLines(func(row func(int, []string) error) error {
		for n := 1; rows.Next(); n++ {
			cells, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return errBatchXLSX
			}
			if err := row(n, cells); err != nil {
				return err
			}
		}
		if rows.Error() != nil {
			return errBatchXLSX
		}
		return nil
	}, true)
}

// collectLines turns rows of cells into lines: blank rows are skipped, a
// first row naming the amount column is a header, and more than
// MaxBatchRows lines are refused. each numbers the rows as a spreadsheet
// does, so that a message can point at one. numericCells says the amounts
// may be spreadsheet numbers, written with binary noise
// ("0.30000000000000004").
func collectLines(each func(row func(n int, cells []string) error) error, numericCells bool) ([]BatchLine, error) {
	var out []BatchLine
	header := false
	err := each(func(n int, cells []string) error {
		cell := func(i int) string {
			if i < len(cells) {
				return strings.TrimSpace(cells[i])
			}
			return ""
		}
		c, a, m := cell(0), cell(1), cell(2)
		switch {
		case c == "" && a == "" && m == "":
			return nil
		case len(out) == 0 && !header && isHeader(a):
			header = true
			return nil
		case len(out) == MaxBatchRows:
			return errBatchTooMany
		}
		if numericCells {
			a = roundNoise(a)
		}
		out = append(out, BatchLine{Line: n, Customer: c, Amount: a, Memo: m})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errBatchEmpty
	}
	return out, nil
}

func isHeader(amount string) bool {
	a := strings.ToLower(amount)
	return strings.Contains(a, "金额") || strings.Contains(a, "amount")
}

// roundNoise rounds a spreadsheet number that is a fen amount but for the
// float's binary noise; a genuine third decimal (1.005) stays and is refused.
func roundNoise(s string) string {
	if _, err := money.Parse(s); !errors.Is(err, money.ErrTooPrecise) {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.Abs(f) > 1e13 {
		return s
	}
	if fen := math.Round(f * 100); math.Abs(f*100-fen) < 1e-6 {
		return strconv.FormatFloat(fen/100, 'f', 2, 64)
	}
	return s
}

// WriteBatchTemplate writes the downloadable template: the header (customer
// account name or id, amount in yuan, memo) and one example line, as CSV
// (with a byte-order mark, so that spreadsheets read Chinese text) or as
// .xlsx; the parser reads it back as it is.
func WriteBatchTemplate(w io.Writer, format string, header, example []string) error {
	if format == BatchXLSX {
		x := excelize.NewFile()
		defer x.Close()
		sheet := x.GetSheetName(0)
		for i, row := range [][]string{header, example} {
			cells := make([]any, len(row))
			for j, v := range row {
				cells[j] = v
			}
			if err := x.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &cells); err != nil {
				return err
			}
		}
		if err := x.SetColWidth(sheet, "A", "C", 24); err != nil {
			return err
		}
		return x.Write(w)
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll([][]string{header, example}); err != nil {
		return err
	}
	return cw.Error()
}

// Batch is one uploaded file and what became of it.
type Batch struct {
	ID          string
	PartnerID   string
	UserID      string
	Operator    string
	Operation   string
	FileName    string
	FileSHA256  string
	Status      string
	RowsTotal   int
	RowsInvalid int
	RowsDone    int
	RowsFailed  int
	AmountTotal int64 // of the valid lines
	CreatedAt   time.Time
	ConfirmedAt time.Time
	FinishedAt  time.Time
}

// RowsValid counts the lines to apply.
func (b *Batch) RowsValid() int { return b.RowsTotal - b.RowsInvalid }

// RowsOK counts the lines applied.
func (b *Batch) RowsOK() int { return b.RowsDone - b.RowsFailed }

// Active reports whether the job has yet to finish the batch.
func (b *Batch) Active() bool { return b.Status == BatchQueued || b.Status == BatchRunning }

// Progress is the share of the valid lines with an outcome, 0 to 100.
func (b *Batch) Progress() int {
	if b.Status == BatchDone {
		return 100
	}
	if b.RowsValid() <= 0 {
		return 0
	}
	return min(99, b.RowsDone*100/b.RowsValid())
}

// BatchRow is one line of a batch with its check and its outcome.
type BatchRow struct {
	Line        int
	CustomerRef string
	CustomerID  string
	AccountName string
	AmountText  string
	Amount      int64
	Memo        string
	Status      string
	Problem     string // message key, for invalid and failed lines
	ProblemArg  string // its argument, if it takes one
	TransID     string
	Replayed    bool // an earlier upload of the same file had applied it
}

// NewBatch is an upload to check.
type NewBatch struct {
	PartnerID string
	UserID    string
	Operator  string // recorded on each 调账记录
	Operation string
	FileName  string
	File      *BatchFile
}

// CustomerRef is a customer a file or a filter names.
type CustomerRef struct {
	ID, AccountName string
	Resale          bool
}

// LookupCustomers finds a partner's customers by customer id or exact
// account name; refs not found are absent from the map.
func LookupCustomers(ctx context.Context, q store.Queryer, partnerID string, refs []string) (map[string]CustomerRef, error) {
	out := map[string]CustomerRef{}
	seen := map[string]bool{}
	var uniq []string
	for _, r := range refs {
		if r != "" && !seen[r] {
			seen[r] = true
			uniq = append(uniq, r)
		}
	}
	const chunk = 400
	for start := 0; start < len(uniq); start += chunk {
		part := uniq[start:min(start+chunk, len(uniq))]
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")
		args := []any{partnerID}
		for range 2 {
			for _, r := range part {
				args = append(args, r)
			}
		}
		rows, err := q.QueryContext(ctx, `SELECT id, domain_name, COALESCE(association_type, 0) FROM customers
			WHERE partner_id = ? AND (id IN (`+marks+`) OR domain_name IN (`+marks+`))`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c CustomerRef
			var assoc int
			if err := rows.Scan(&c.ID, &c.AccountName, &assoc); err != nil {
				rows.Close()
				return nil, err
			}
			c.Resale = customer.AssociationType(assoc) == customer.Resale
			out[c.ID], out[c.AccountName] = c, c
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CreateBatch checks every line of an upload and keeps the batch as a
// preview: lines naming no customer of the partner, a referral customer, a
// bad amount or too long a memo are marked invalid, as are reclaims beyond
// a customer's available balance.
func CreateBatch(ctx context.Context, tx *store.Tx, n NewBatch) (*Batch, error) {
	if n.Operation != BatchAllocate && n.Operation != BatchReclaim {
		return nil, apperr.Field("operation", "funds.batch_operation_invalid", "choose 拨款 or 回收")
	}
	if n.File == nil || len(n.File.Lines) == 0 {
		return nil, errBatchEmpty
	}
	refs := make([]string, len(n.File.Lines))
	for i, l := range n.File.Lines {
		refs[i] = l.Customer
	}
	found, err := LookupCustomers(ctx, tx, n.PartnerID, refs)
	if err != nil {
		return nil, err
	}
	b := &Batch{ID: ids.New(), PartnerID: n.PartnerID, UserID: n.UserID, Operator: n.Operator, Operation: n.Operation,
		FileName: n.FileName, FileSHA256: n.File.SHA256, Status: BatchPreview, RowsTotal: len(n.File.Lines), CreatedAt: tx.Now}
	// What each customer may still give back, as reclaims in the file use it up.
	left := map[string]int64{}
	rows := make([]BatchRow, len(n.File.Lines))
	for i, l := range n.File.Lines {
		row := BatchRow{Line: l.Line, CustomerRef: l.Customer, AmountText: l.Amount, Memo: l.Memo, Status: RowPending}
		c, ok := found[l.Customer]
		if ok {
			row.CustomerID, row.AccountName = c.ID, c.AccountName
		}
		amount, amountErr := money.ParsePositive(l.Amount)
		row.Amount = amount
		switch {
		case l.Customer == "":
			row.Problem = "funds.batch_customer_missing"
		case !ok:
			row.Problem = "funds.batch_customer_unknown"
		case !c.Resale:
			row.Problem = "funds.referral_customer"
		case amountErr != nil:
			row.Problem = AmountProblem(amountErr)
		case utf8.RuneCountInString(l.Memo) > 200:
			row.Problem = "funds.memo_long"
		case n.Operation == BatchReclaim:
			avail, seen := left[c.ID]
			if !seen {
				if _, avail, err = CustomerBalance(ctx, tx, c.ID); err != nil {
					return nil, err
				}
			}
			if amount > avail {
				row.Problem, row.ProblemArg = "funds.batch_reclaim_exceeds", money.Format(max(avail, 0))
			} else {
				avail -= amount
			}
			left[c.ID] = avail
		}
		if row.Problem != "" {
			row.Status = RowInvalid
			b.RowsInvalid++
		} else {
			b.AmountTotal += amount
		}
		rows[i] = row
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO fund_batches (id, partner_id, user_id, operator, operation, file_name, file_sha256,
		status, rows_total, rows_invalid, amount_total, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.PartnerID, b.UserID, b.Operator, b.Operation, b.FileName, b.FileSHA256, b.Status, b.RowsTotal, b.RowsInvalid,
		b.AmountTotal, store.Micros(b.CreatedAt)); err != nil {
		return nil, err
	}
	return b, insertRows(ctx, tx, b.ID, rows)
}

// insertRows writes a batch's lines, many to a statement: ten thousand
// single inserts would hold the transaction open for seconds.
func insertRows(ctx context.Context, tx *store.Tx, batchID string, rows []BatchRow) error {
	const per = 200
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(part)*11)
		for _, r := range part {
			args = append(args, batchID, r.Line, r.CustomerRef, r.CustomerID, r.AccountName, r.AmountText, r.Amount, r.Memo,
				r.Status, r.Problem, r.ProblemArg)
		}
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(part)), ", ")
		if _, err := tx.ExecContext(ctx, `INSERT INTO fund_batch_rows (batch_id, line, customer_ref, customer_id, account_name,
			amount_text, amount, memo, status, problem, problem_arg) VALUES `+values, args...); err != nil {
			return err
		}
	}
	return nil
}

// AmountProblem is the message key for an amount money.ParsePositive
// refused, as forms and batch lines show it.
func AmountProblem(err error) string {
	switch {
	case errors.Is(err, money.ErrTooPrecise):
		return "funds.amount_precision"
	case errors.Is(err, money.ErrNotPositive):
		return "funds.amount_positive"
	case errors.Is(err, money.ErrOutOfRange):
		return "funds.amount_range"
	}
	return "funds.amount_invalid"
}

const batchColumns = `id, partner_id, user_id, operator, operation, file_name, file_sha256, status, rows_total, rows_invalid,
	rows_done, rows_failed, amount_total, created_at, COALESCE(confirmed_at, 0), COALESCE(finished_at, 0)`

func scanBatch(row interface{ Scan(...any) error }) (*Batch, error) {
	var b Batch
	var created, confirmed, finished int64
	if err := row.Scan(&b.ID, &b.PartnerID, &b.UserID, &b.Operator, &b.Operation, &b.FileName, &b.FileSHA256, &b.Status,
		&b.RowsTotal, &b.RowsInvalid, &b.RowsDone, &b.RowsFailed, &b.AmountTotal, &created, &confirmed, &finished); err != nil {
		return nil, store.ScanErr(err)
	}
	b.CreatedAt, b.ConfirmedAt, b.FinishedAt = store.Time(created), store.Time(confirmed), store.Time(finished)
	return &b, nil
}

// GetBatch returns one of a partner's batches; another partner's answers
// not found.
func GetBatch(ctx context.Context, q store.Queryer, partnerID, id string) (*Batch, error) {
	b, err := scanBatch(q.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM fund_batches WHERE id = ? AND partner_id = ?`, id, partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errBatchNotFound
	}
	return b, err
}

// Batches lists a partner's batches, newest first, with the total.
func Batches(ctx context.Context, q store.Queryer, partnerID string, offset, limit int) ([]*Batch, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fund_batches WHERE partner_id = ?`, partnerID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+batchColumns+` FROM fund_batches WHERE partner_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, partnerID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, b)
	}
	return out, total, rows.Err()
}

// AppliedBefore counts the earlier batches of the same file and operation
// that were confirmed: their applied lines will be replayed, not paid again.
func AppliedBefore(ctx context.Context, q store.Queryer, b *Batch) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fund_batches WHERE partner_id = ? AND file_sha256 = ? AND operation = ?
		AND id <> ? AND confirmed_at IS NOT NULL`, b.PartnerID, b.FileSHA256, b.Operation, b.ID).Scan(&n)
	return n, err
}

// RowFilter selects a batch's lines.
type RowFilter struct {
	Problems      bool // only invalid and failed lines
	Offset, Limit int
}

// BatchRows returns a page of a batch's lines in file order, with the total.
func BatchRows(ctx context.Context, q store.Queryer, batchID string, f RowFilter) ([]BatchRow, int, error) {
	where, args := "batch_id = ?", []any{batchID}
	if f.Problems {
		where += " AND status IN (?, ?)"
		args = append(args, RowInvalid, RowFailed)
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM fund_batch_rows WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	rows, err := q.QueryContext(ctx, `SELECT line, customer_ref, customer_id, account_name, amount_text, amount, memo, status, problem,
		problem_arg, trans_id, replayed FROM fund_batch_rows WHERE `+where+` ORDER BY line LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []BatchRow
	for rows.Next() {
		var r BatchRow
		if err := rows.Scan(&r.Line, &r.CustomerRef, &r.CustomerID, &r.AccountName, &r.AmountText, &r.Amount, &r.Memo, &r.Status,
			&r.Problem, &r.ProblemArg, &r.TransID, &r.Replayed); err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// ConfirmBatch queues a preview to be applied; the caller enqueues the job
// in the same transaction. A batch with invalid lines is refused: applying
// the rest and then uploading a corrected file (another SHA-256) would pay
// the rest twice.
func ConfirmBatch(ctx context.Context, tx *store.Tx, partnerID, id string) (*Batch, error) {
	return moveBatch(ctx, tx, partnerID, id, BatchQueued)
}

// CancelBatch discards a preview.
func CancelBatch(ctx context.Context, tx *store.Tx, partnerID, id string) (*Batch, error) {
	return moveBatch(ctx, tx, partnerID, id, BatchCancelled)
}

func moveBatch(ctx context.Context, tx *store.Tx, partnerID, id, to string) (*Batch, error) {
	b, err := GetBatch(ctx, tx, partnerID, id)
	if err != nil {
		return nil, err
	}
	if b.Status != BatchPreview {
		return nil, errBatchState
	}
	if to == BatchQueued && b.RowsInvalid > 0 {
		return nil, errBatchInvalid
	}
	var confirmed time.Time
	if to == BatchQueued {
		confirmed = tx.Now
	}
	// The status condition makes two concurrent confirmations queue it once.
	res, err := tx.ExecContext(ctx, `UPDATE fund_batches SET status = ?, confirmed_at = ? WHERE id = ? AND status = ?`,
		to, store.NullMicros(confirmed), b.ID, BatchPreview)
	if err != nil {
		return nil, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, errBatchState
	}
	b.Status, b.ConfirmedAt = to, confirmed
	return b, nil
}

// batchClientID is a line's client id: the same partner, operation, file
// and line give the same id, so the operation replays instead of repeating.
func batchClientID(b *Batch, line int) string {
	sum := sha256.Sum256([]byte(b.PartnerID + "\x00" + b.Operation + "\x00" + b.FileSHA256))
	return fmt.Sprintf("batch:%s:%d", hex.EncodeToString(sum[:16]), line)
}

// RunBatch applies a confirmed batch's pending lines, each in its own
// transaction, recording each outcome with the progress. It is what the
// background job calls; run again (a retried job), it continues with the
// lines still pending. It returns an error only when the database fails.
func RunBatch(ctx context.Context, db *store.DB, id string) error {
	b, err := scanBatch(db.Reader().QueryRowContext(ctx, `SELECT `+batchColumns+` FROM fund_batches WHERE id = ?`, id))
	if err != nil {
		return err
	}
	if !b.Active() {
		return nil
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE fund_batches SET status = ? WHERE id = ?`, BatchRunning, b.ID)
		return err
	}); err != nil {
		return err
	}
	for after := 0; ; {
		page, err := pendingRows(ctx, db.Reader(), b.ID, after)
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := applyRow(ctx, db, b, r); err != nil {
				return err
			}
			after = r.Line
		}
		if len(page) < pendingPage {
			break
		}
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE fund_batches SET status = ?, finished_at = ? WHERE id = ?`, BatchDone, store.Micros(tx.Now), b.ID)
		return err
	})
}

const pendingPage = 500

func pendingRows(ctx context.Context, q store.Queryer, batchID string, after int) ([]BatchRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT line, customer_id, amount, memo FROM fund_batch_rows WHERE batch_id = ? AND status = ? AND line > ?
		ORDER BY line LIMIT ?`, batchID, RowPending, after, pendingPage)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BatchRow
	for rows.Next() {
		var r BatchRow
		if err := rows.Scan(&r.Line, &r.CustomerID, &r.Amount, &r.Memo); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// applyRow applies one line in a transaction of its own; a refusal (too
// little balance, a customer unbound since the check) is the line's outcome
// and the batch goes on.
func applyRow(ctx context.Context, db *store.DB, b *Batch, r BatchRow) error {
	client := batchClientID(b, r.Line)
	err := db.InTx(ctx, func(tx *store.Tx) error {
		move := Allocate
		if b.Operation == BatchReclaim {
			move = Reclaim
		}
		res, err := move(ctx, tx, b.PartnerID, r.CustomerID, r.Amount, r.Memo, b.Operator, client)
		if err != nil {
			return err
		}
		return recordRow(ctx, tx, b.ID, r.Line, RowOK, res.TransID, res.Replayed, "", "")
	})
	e, refused := apperr.As(err)
	if !refused || e.Code == apperr.Internal {
		return err
	}
	arg := ""
	if len(e.Args) > 0 {
		arg = fmt.Sprint(e.Args[0])
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		return recordRow(ctx, tx, b.ID, r.Line, RowFailed, "", false, e.Key, arg)
	})
}

func recordRow(ctx context.Context, tx *store.Tx, batchID string, line int, status, transID string, replayed bool, problem, arg string) error {
	res, err := tx.ExecContext(ctx, `UPDATE fund_batch_rows SET status = ?, trans_id = ?, replayed = ?, problem = ?, problem_arg = ?
		WHERE batch_id = ? AND line = ? AND status = ?`, status, transID, replayed, problem, arg, batchID, line, RowPending)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		// Another run recorded the line first; counting it again would
		// overstate the progress.
		return err
	}
	failed := 0
	if status == RowFailed {
		failed = 1
	}
	_, err = tx.ExecContext(ctx, `UPDATE fund_batches SET rows_done = rows_done + 1, rows_failed = rows_failed + ? WHERE id = ?`, failed, batchID)
	return err
}
