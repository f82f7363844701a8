package invoice_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"partnercenter/internal/invoice"
)

func issuedRequest() *invoice.Request {
	return &invoice.Request{Code: "INV261205ABCDEFGH", Status: invoice.Issued, Amount: 123456, InvoiceNumber: "24312000000012345678",
		IssuedAt: time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC), // 2026-12-05 in UTC+8
		InfoFields: invoice.InfoFields{TitleType: invoice.Enterprise, InvoiceType: invoice.VATSpecial, Title: "上海甲科技有限公司",
			TaxpayerID: validID, BankName: "招商银行", BankAccount: "6225880123456789", Address: "上海市", Phone: "021-12345678"}}
}

// TestInvoicePDFIsWellFormed checks the file's structure the way a reader
// does: the header, the cross-reference table whose every offset lands on
// its object, the trailer and startxref; and that the text holds the title,
// the taxpayer id, the number, the date and the amount in figures and in
// capitals.
func TestInvoicePDFIsWellFormed(t *testing.T) {
	pdf, err := invoice.PDF(issuedRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("header or end missing")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 8\n0000000000 65535 f \n")) {
		t.Fatalf("startxref %d does not point at the table: %q", xref, pdf[xref:min(len(pdf), xref+30)])
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(pdf[xref:], -1)
	if len(entries) != 7 {
		t.Fatalf("%d in-use entries, want 7", len(entries))
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("object %d: offset %d points at %q", i+1, off, pdf[off:off+10])
		}
	}
	if !bytes.Contains(pdf, []byte("trailer\n<< /Size 8 /Root 1 0 R >>")) {
		t.Error("trailer missing")
	}
	if !bytes.Contains(pdf, []byte("/BaseFont /STSong-Light /Encoding /UniGB-UCS2-H")) {
		t.Error("the CJK font is not the reader-supplied one")
	}
	// The content stream's declared length is its length.
	sm := regexp.MustCompile(`(?s)<< /Length (\d+) >>\nstream\n(.*?)endstream`).FindSubmatch(pdf)
	if sm == nil {
		t.Fatal("no content stream")
	}
	if n, _ := strconv.Atoi(string(sm[1])); n != len(sm[2]) {
		t.Errorf("stream length %d, actual %d", n, len(sm[2]))
	}
	text := pdfText(t, sm[2])
	for _, want := range []string{"电子发票（增值税专用发票）", "上海甲科技有限公司", validID, "24312000000012345678", "2026年12月05日",
		"（小写）￥1,234.56", "壹仟贰佰叁拾肆元伍角陆分", "1,164.68", "69.88", "*信息技术服务*云服务费"} {
		if !strings.Contains(text, want) {
			t.Errorf("the invoice does not show %q:\n%s", want, text)
		}
	}
}

// pdfText decodes the UTF-16BE hex strings shown by Tj.
func pdfText(t *testing.T, stream []byte) string {
	var out strings.Builder
	for _, m := range regexp.MustCompile(`<([0-9A-F]+)> Tj`).FindAllSubmatch(stream, -1) {
		b, err := hex.DecodeString(string(m[1]))
		if err != nil || len(b)%2 != 0 {
			t.Fatalf("bad hex string %s", m[1])
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		out.WriteString(string(utf16.Decode(u)) + "\n")
	}
	return out.String()
}

func TestNoPDFBeforeIssuing(t *testing.T) {
	for _, s := range []string{invoice.PendingReview, invoice.Issuing, invoice.Rejected, invoice.Returned} {
		r := issuedRequest()
		r.Status = s
		if _, err := invoice.PDF(r); err != invoice.ErrNoInvoice {
			t.Errorf("%s: %v", s, err)
		}
	}
}
