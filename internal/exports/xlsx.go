package exports

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// xlsxWriter streams an .xlsx workbook: rows go straight into the sheet's
// compressed zip entry as they are written, so memory stays flat however
// many rows (a general-purpose spreadsheet library builds the whole file in
// memory before writing it out; see docs/decisions.md). Cells are inline
// strings, or numbers for the columns the source marks numeric. A sheet
// holds at most maxSheetRows data rows; later rows continue on new sheets,
// each with the header.
type xlsxWriter struct {
	zw       *zip.Writer
	sheet    *bufio.Writer
	header   []string
	numeric  map[int]bool
	sheets   int
	rowsHere int
	rowNo    int
}

func newXLSXWriter(w io.Writer, header []string, numeric []int) (*xlsxWriter, error) {
	x := &xlsxWriter{zw: zip.NewWriter(w), header: header, numeric: map[int]bool{}}
	for _, c := range numeric {
		x.numeric[c] = true
	}
	return x, x.nextSheet()
}

func (x *xlsxWriter) nextSheet() error {
	if x.sheet != nil {
		if err := x.endSheet(); err != nil {
			return err
		}
	}
	x.sheets++
	f, err := x.zw.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", x.sheets))
	if err != nil {
		return err
	}
	x.sheet = bufio.NewWriterSize(f, 64<<10)
	x.rowsHere, x.rowNo = 0, 0
	x.sheet.WriteString(xmlHeader + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	return x.writeRow(x.header, true)
}

func (x *xlsxWriter) endSheet() error {
	x.sheet.WriteString(`</sheetData></worksheet>`)
	return x.sheet.Flush()
}

// Row writes one data row.
func (x *xlsxWriter) Row(cells []string) error {
	if x.rowsHere == maxSheetRows {
		if err := x.nextSheet(); err != nil {
			return err
		}
	}
	x.rowsHere++
	return x.writeRow(cells, false)
}

func (x *xlsxWriter) writeRow(cells []string, header bool) error {
	x.rowNo++
	w := x.sheet
	w.WriteString(`<row r="`)
	w.WriteString(strconv.Itoa(x.rowNo))
	w.WriteString(`">`)
	for i, v := range cells {
		if !header && x.numeric[i] && v != "" {
			w.WriteString(`<c t="n"><v>`)
			xmlEscape(w, v)
			w.WriteString(`</v></c>`)
			continue
		}
		w.WriteString(`<c t="inlineStr"><is><t xml:space="preserve">`)
		xmlEscape(w, v)
		w.WriteString(`</t></is></c>`)
	}
	_, err := w.WriteString(`</row>`)
	return err
}

// Close finishes the last sheet and writes the workbook's parts.
func (x *xlsxWriter) Close() error {
	if err := x.endSheet(); err != nil {
		return err
	}
	var sheets, rels, types strings.Builder
	for i := 1; i <= x.sheets; i++ {
		fmt.Fprintf(&sheets, `<sheet name="Sheet%d" sheetId="%d" r:id="rId%d"/>`, i, i, i)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i, i)
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i)
	}
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			types.String() + `</Types>`},
		{"_rels/.rels", xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", xmlHeader + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>` + sheets.String() + `</sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			rels.String() + `</Relationships>`},
	}
	for _, p := range parts {
		f, err := x.zw.Create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return err
		}
	}
	return x.zw.Close()
}

// xmlEscape writes s as XML text, dropping the control characters XML 1.0
// cannot carry (a memo could hold one).
func xmlEscape(w *bufio.Writer, s string) {
	for _, r := range s {
		switch {
		case r == '<':
			w.WriteString("&lt;")
		case r == '>':
			w.WriteString("&gt;")
		case r == '&':
			w.WriteString("&amp;")
		case r == '"':
			w.WriteString("&quot;")
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
		default:
			w.WriteRune(r)
		}
	}
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
