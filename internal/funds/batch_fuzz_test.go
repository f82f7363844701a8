package funds_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"partnercenter/internal/funds"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
)

// batchHeader is the template's header; its amount column names 金额, so the
// parser skips it.
var batchHeader = []string{"客户账号名或ID", "金额（元）", "备注"}

// FuzzReadBatchXLSX feeds the Excel path of batch 拨款/回收 two things: raw
// bytes as an upload (a broken or hostile .xlsx is refused as a domain error
// naming the file, never a panic or an unbounded read), and one line written
// into a real .xlsx by the template writer, which must read back as written:
// what a partner types in Excel is what the preview shows.
func FuzzReadBatchXLSX(f *testing.F) {
	tpl := func(example ...string) []byte {
		var b bytes.Buffer
		if err := funds.WriteBatchTemplate(&b, funds.BatchXLSX, batchHeader, example); err != nil {
			f.Fatal(err)
		}
		return b.Bytes()
	}
	valid := tpl("cust-a", "100.50", "三月拨款")
	f.Add(valid, "cust-a", "100.50", "三月拨款")
	f.Add(tpl("", "", ""), " 客户 ", "0.30000000000000004", "")
	f.Add(valid[:len(valid)/2], "=HYPERLINK(\"x\")", "1e2", "<script>")
	f.Add([]byte("PK\x03\x04 not really a zip"), "c", "-1.005", "m")
	f.Add([]byte{}, "", "金额", "")
	f.Fuzz(func(t *testing.T, data []byte, customer, amount, memo string) {
		file, err := funds.ReadBatchFile(bytes.NewReader(data), funds.BatchXLSX)
		if err != nil {
			e, ok := apperr.As(err)
			if !ok || e.Field != "file" {
				t.Fatalf("a refusal that does not name the file: %v", err)
			}
		} else {
			checkBatchLines(t, file.Lines)
		}

		// The round trip, for what a spreadsheet can hold as text.
		if !cellText(customer) || !cellText(amount) || !cellText(memo) {
			return
		}
		var b bytes.Buffer
		if funds.WriteBatchTemplate(&b, funds.BatchXLSX, batchHeader, []string{customer, amount, memo}) != nil {
			return // beyond what a cell holds
		}
		back, err := funds.ReadBatchFile(&b, funds.BatchXLSX)
		c, a, m := strings.TrimSpace(customer), strings.TrimSpace(amount), strings.TrimSpace(memo)
		if c == "" && a == "" && m == "" {
			if e, ok := apperr.As(err); !ok || e.Key != "funds.batch_empty" {
				t.Fatalf("a blank line reads as %+v, %v", back, err)
			}
			return
		}
		if err != nil || len(back.Lines) != 1 {
			t.Fatalf("%q %q %q read back as %+v, %v", customer, amount, memo, back, err)
		}
		l := back.Lines[0]
		if l.Line != 2 || l.Customer != c || l.Memo != m {
			t.Fatalf("%q %q %q read back as %+v", customer, amount, memo, l)
		}
		// An amount comes back as typed, unless it is a fen amount carrying a
		// float's binary noise, which comes back rounded to the fen.
		if l.Amount != a {
			if _, perr := money.Parse(a); !errors.Is(perr, money.ErrTooPrecise) {
				t.Fatalf("amount %q read back as %q", a, l.Amount)
			}
			if _, perr := money.Parse(l.Amount); perr != nil {
				t.Fatalf("amount %q rounded to %q, which does not parse: %v", a, l.Amount, perr)
			}
		}
	})
}

// checkBatchLines holds for every parsed upload: within the limit, rows
// numbered upwards as a spreadsheet numbers them, no blank line kept.
func checkBatchLines(t *testing.T, lines []funds.BatchLine) {
	t.Helper()
	if len(lines) == 0 || len(lines) > funds.MaxBatchRows {
		t.Fatalf("%d lines", len(lines))
	}
	prev := 0
	for _, l := range lines {
		if l.Line <= prev {
			t.Fatalf("line numbers not increasing: %v", lines)
		}
		prev = l.Line
		if l.Customer == "" && l.Amount == "" && l.Memo == "" {
			t.Fatalf("a blank line was kept: %+v", l)
		}
	}
}

// cellText is text a spreadsheet cell keeps as it is: valid UTF-8 of
// printable characters (XML 1.0 cannot carry most control characters).
func cellText(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 1000 {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) && r != ' ' {
			return false
		}
	}
	return true
}
