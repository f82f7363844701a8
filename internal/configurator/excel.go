package configurator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// MaxSheetBytes bounds an imported sheet.
const MaxSheetBytes = 2 << 20

// SheetRow is one row of an imported sheet, as typed: the product's spec
// code, the billing mode (包月, 包年, 按需 or monthly, yearly, pay_per_use),
// the period (months, years or hours) and the quantity.
type SheetRow struct {
	Row      int // the spreadsheet's row number, from 1
	SpecCode string
	Mode     string
	Period   string
	Quantity string
}

// RowError is why one row of a sheet cannot be imported.
type RowError struct {
	Row int
	Err *apperr.Error
}

// ImportError lists every bad row of a sheet. An import with any bad row
// imports nothing, so that a list is never missing a line silently.
type ImportError struct {
	Rows []RowError
}

func (e *ImportError) Error() string {
	parts := make([]string, len(e.Rows))
	for i, r := range e.Rows {
		parts[i] = fmt.Sprintf("row %d: %s", r.Row, r.Err.Msg)
	}
	return "bad rows: " + strings.Join(parts, "; ")
}

// Sheet errors that concern the whole file.
var (
	ErrSheetUnreadable = apperr.Field("file", "configurator.sheet_unreadable", "the file is not an Excel (.xlsx) sheet")
	ErrSheetEmpty      = apperr.Field("file", "configurator.sheet_empty", "the sheet has no lines")
	ErrSheetTooLarge   = apperr.Field("file", "configurator.sheet_too_large", "a sheet has at most %d lines and 2 MB", MaxLines)
)

var modeWords = map[string]string{
	"包月": Monthly, "monthly": Monthly, "包年": Yearly, "yearly": Yearly, "按需": PayPerUse, "pay_per_use": PayPerUse, "pay-per-use": PayPerUse,
}

// ReadSheet reads the first sheet of an .xlsx file: a first row that is a
// header (its first cell is not a spec code of the catalogue's form... it
// names 规格 or spec) is skipped, blank rows too.
func ReadSheet(r io.Reader) ([]SheetRow, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSheetBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSheetBytes {
		return nil, ErrSheetTooLarge
	}
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 20 * MaxSheetBytes, UnzipXMLSizeLimit: 4 * MaxSheetBytes})
	if err != nil {
		return nil, ErrSheetUnreadable
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return nil, ErrSheetEmpty
	}
	rows, err := x.Rows(sheets[0])
	if err != nil {
		return nil, ErrSheetUnreadable
	}
	defer rows.Close()
	var out []SheetRow
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, ErrSheetUnreadable
		}
		cell := func(i int) string {
			if i < len(cells) {
				return strings.TrimSpace(cells[i])
			}
			return ""
		}
		row := SheetRow{Row: n, SpecCode: cell(0), Mode: cell(1), Period: cell(2), Quantity: cell(3)}
		first := strings.ToLower(row.SpecCode)
		switch {
		case row.SpecCode == "" && row.Mode == "" && row.Period == "" && row.Quantity == "":
			continue
		case n == 1 && (strings.Contains(first, "规格") || strings.Contains(first, "spec")):
			continue
		case len(out) == MaxLines:
			return nil, ErrSheetTooLarge
		}
		out = append(out, row)
	}
	if rows.Error() != nil {
		return nil, ErrSheetUnreadable
	}
	if len(out) == 0 {
		return nil, ErrSheetEmpty
	}
	return out, nil
}

// Import makes a list of a published configurator from the rows of a
// sheet, priced with the catalogue and the configurator's discount tiers.
// Every bad row is named in an *ImportError and nothing is imported.
func Import(ctx context.Context, tx *store.Tx, a Actor, configuratorID string, h ListHeader, rows []SheetRow) (*List, error) {
	c, day, err := newList(ctx, tx, a, configuratorID, &h)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrSheetEmpty
	}
	products, err := Products(ctx, tx)
	if err != nil {
		return nil, err
	}
	bySpec := make(map[string]string, len(products))
	for id, p := range products {
		bySpec[p.SpecCode] = id
	}
	bill := &Bill{}
	bad := &ImportError{}
	for _, r := range rows {
		rowErr := func(fieldName, key, msg string, args ...any) {
			bad.Rows = append(bad.Rows, RowError{Row: r.Row, Err: apperr.Field(fieldName, key, msg, args...)})
		}
		p := products[bySpec[r.SpecCode]]
		if p == nil || !p.OnSale {
			rowErr("spec_code", "configurator.row_spec", "no product on sale has the spec %s", r.SpecCode)
			continue
		}
		l := Line{ProductID: p.ID, Mode: modeWords[strings.ToLower(r.Mode)], Quantity: "1"}
		if l.Mode == "" {
			rowErr("mode", "configurator.row_mode", "the billing mode %s is not 包月, 包年 or 按需", r.Mode)
			continue
		}
		period, err := strconv.Atoi(r.Period)
		if err != nil {
			rowErr("period", "configurator.row_period", "the period %s is not a whole number", r.Period)
			continue
		}
		l.Period = period
		if err := checkMode(0, &l, p); err != nil {
			e, _ := apperr.As(err)
			rowErr(strings.TrimPrefix(e.Field, "lines.0."), e.Key, e.Msg, e.Args...)
			continue
		}
		quantity, err := strconv.ParseInt(r.Quantity, 10, 64)
		if err != nil || quantity < 1 || quantity > MaxLineQuantity {
			rowErr("quantity", "configurator.row_quantity", "the quantity %s is not a whole number from 1 to %d", r.Quantity, MaxLineQuantity)
			continue
		}
		bill.add(priceLine(r.Row, p, l.Mode, l.Period, quantity, c.Def.Tiers))
	}
	if len(bad.Rows) > 0 {
		return nil, bad
	}
	return insertList(ctx, tx, a, c, h.Name, FromImport, day, map[string]string{}, bill)
}

// SheetLabels are the words of a sheet in the reader's language.
type SheetLabels struct {
	Header []string          // the template's and the import's columns: spec, mode, period, quantity
	Modes  map[string]string // billing mode -> its word
	// Bill's columns: line, spec, spec name, mode, period, quantity, unit
	// price, list, discount rate, discount, amount; and the total's label.
	BillHeader []string
	Total      string
}

// WriteTemplate writes the import template: the header and one example row
// per billing mode, with spec codes of the catalogue.
func WriteTemplate(w io.Writer, labels SheetLabels, examples [][]string) error {
	rows := [][]any{anyRow(labels.Header)}
	for _, e := range examples {
		rows = append(rows, anyRow(e))
	}
	return writeSheet(w, rows)
}

// WriteList writes a list's priced bill as a sheet, amounts in yuan.
func WriteList(w io.Writer, l *List, labels SheetLabels, specName func(BillLine) string) error {
	rows := [][]any{{l.Code, l.Name}, anyRow(labels.BillHeader)}
	for _, b := range l.Bill.Lines {
		rows = append(rows, []any{b.No, b.SpecCode, specName(b), labels.Modes[b.Mode], b.Period, b.Quantity, yuan(b.UnitPrice),
			yuan(b.List), b.Rate, yuan(b.Discount), yuan(b.Amount)})
	}
	rows = append(rows, []any{labels.Total, "", "", "", "", "", "", yuan(l.Bill.List), "", yuan(l.Bill.Discount), yuan(l.Bill.Total)})
	return writeSheet(w, rows)
}

// yuan shows fen as a yuan amount with 2 decimals, text so that a sheet
// never turns it into a float.
func yuan(fen int64) string { return money.Plain(fen) }

func anyRow(cells []string) []any {
	out := make([]any, len(cells))
	for i, c := range cells {
		out[i] = c
	}
	return out
}

func writeSheet(w io.Writer, rows [][]any) error {
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	for i, row := range rows {
		if err := x.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &row); err != nil {
			return err
		}
	}
	if err := x.SetColWidth(sheet, "A", "K", 18); err != nil {
		return err
	}
	return x.Write(w)
}
