package configurator_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"partnercenter/internal/configurator"
	"partnercenter/internal/platform/apperr"
)

var sheetLabels = configurator.SheetLabels{Header: []string{"规格编码", "计费模式", "周期", "数量"}}

// FuzzReadSheet feeds the configurator's Excel import two things: raw bytes
// as an upload (refused as a domain error naming the file, never a panic),
// and one row written into a real .xlsx by the template writer, which must
// read back as typed, trimmed, on the sheet's second row.
func FuzzReadSheet(f *testing.F) {
	sheet := func(rows ...[]string) []byte {
		var b bytes.Buffer
		if err := configurator.WriteTemplate(&b, sheetLabels, rows); err != nil {
			f.Fatal(err)
		}
		return b.Bytes()
	}
	valid := sheet([]string{"s6.small.1.linux", "包月", "1", "2"}, []string{"sata", "按需", "720", "1"})
	f.Add(valid, "s6.small.1.linux", "包月", "1", "2")
	f.Add(sheet(), "spec", "pay_per_use", "-1", "1e9")
	f.Add(valid[:len(valid)-100], " ", "", "", "")
	f.Add([]byte("PK\x03\x04"), "=1+1", "yearly", "0.5", "<img src=x onerror=alert(1)>")
	f.Fuzz(func(t *testing.T, data []byte, spec, mode, period, quantity string) {
		rows, err := configurator.ReadSheet(bytes.NewReader(data))
		if err != nil {
			if e, ok := apperr.As(err); !ok || e.Field != "file" {
				t.Fatalf("a refusal that does not name the file: %v", err)
			}
		} else {
			if len(rows) == 0 || len(rows) > configurator.MaxLines {
				t.Fatalf("%d rows", len(rows))
			}
			for i, r := range rows {
				if i > 0 && r.Row <= rows[i-1].Row {
					t.Fatalf("rows not numbered upwards: %+v", rows)
				}
				if r.SpecCode == "" && r.Mode == "" && r.Period == "" && r.Quantity == "" {
					t.Fatalf("a blank row was kept: %+v", r)
				}
			}
		}

		in := []string{spec, mode, period, quantity}
		if slices.IndexFunc(in, func(s string) bool { return !sheetText(s) }) >= 0 {
			return
		}
		var b bytes.Buffer
		if configurator.WriteTemplate(&b, sheetLabels, [][]string{in}) != nil {
			return // beyond what a cell holds
		}
		back, err := configurator.ReadSheet(&b)
		want := configurator.SheetRow{Row: 2, SpecCode: strings.TrimSpace(spec), Mode: strings.TrimSpace(mode),
			Period: strings.TrimSpace(period), Quantity: strings.TrimSpace(quantity)}
		if want == (configurator.SheetRow{Row: 2}) {
			if err != configurator.ErrSheetEmpty {
				t.Fatalf("a blank row reads as %+v, %v", back, err)
			}
			return
		}
		if err != nil || len(back) != 1 || back[0] != want {
			t.Fatalf("%q read back as %+v, %v; want %+v", in, back, err, want)
		}
	})
}

// sheetText is text a cell keeps as it is: valid UTF-8 of printable
// characters (XML 1.0 cannot carry most control characters).
func sheetText(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 1000 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) < 0
}
