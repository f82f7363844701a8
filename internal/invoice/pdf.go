package invoice

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
)

// The electronic invoice is a one-page PDF written by hand rather than with
// a layout library: its text is set in the Type0 font STSong-Light with the
// encoding UniGB-UCS2-H, one of the CJK fonts every PDF reader supplies, so
// no font is embedded and the file stays a few kilobytes; the text is
// written as UTF-16BE hex strings, which that encoding reads directly.

// Seller is the issuer printed on every invoice.
const Seller = "伙伴中心云服务提供商"

// ItemName is the one line of goods an invoice lists: cloud services are
// information technology services (信息技术服务) in the tax catalogue.
const ItemName = "*信息技术服务*云服务费"

// TaxRatePercent is the VAT rate of information technology services.
const TaxRatePercent = 6

// ErrNoInvoice answers a download of a request that has no invoice (not
// issued yet, rejected or returned).
var ErrNoInvoice = apperr.New(apperr.Conflict, "invoice.no_invoice", "the invoice has not been issued")

// Tax splits an amount with tax included into the amount without tax and
// the tax, rounding the tax to the nearest fen so that the parts sum to the
// total.
func Tax(total int64) (net, tax int64) {
	tax = (total*TaxRatePercent + (100+TaxRatePercent)/2) / (100 + TaxRatePercent)
	return total - tax, tax
}

// PDF writes a request's electronic invoice.
func PDF(r *Request) ([]byte, error) {
	if !r.HasInvoice() {
		return nil, ErrNoInvoice
	}
	return renderPDF(pageOf(r)), nil
}

// text is a run of text at a position, in points from the bottom left.
type text struct {
	x, y, size float64
	s          string
}

// page is what the invoice page draws: text and ruled lines.
type page struct {
	texts []text
	lines [][4]float64 // x1, y1, x2, y2
}

func pageOf(r *Request) page {
	kind := "电子发票（增值税普通发票）"
	if r.InvoiceType == VATSpecial {
		kind = "电子发票（增值税专用发票）"
	}
	day := r.IssuedAt.In(RuleDate.Location())
	net, tax := Tax(r.Amount)
	yuan := func(fen int64) string { return "￥" + money.Format(fen) }
	p := page{texts: []text{
		{160, 790, 18, kind},
		{380, 760, 10, "发票号码：" + r.InvoiceNumber},
		{380, 744, 10, fmt.Sprintf("开票日期：%d年%02d月%02d日", day.Year(), day.Month(), day.Day())},
		{50, 744, 10, "申请编号：" + r.Code},
		{50, 712, 11, "购买方"},
		{110, 712, 10, "名称：" + r.Title},
		{110, 696, 10, "纳税人识别号：" + r.TaxpayerID},
		{110, 680, 10, "地址、电话：" + strings.TrimSpace(r.Address+" "+r.Phone)},
		{110, 664, 10, "开户行及账号：" + strings.TrimSpace(r.BankName+" "+r.BankAccount)},
		{50, 632, 11, "销售方"},
		{110, 632, 10, "名称：" + Seller},
		{50, 596, 10, "项目名称"}, {230, 596, 10, "单位"}, {280, 596, 10, "数量"}, {330, 596, 10, "金额"},
		{430, 596, 10, "税率"}, {480, 596, 10, "税额"},
		{50, 576, 10, ItemName}, {230, 576, 10, "项"}, {280, 576, 10, "1"}, {330, 576, 10, money.Format(net)},
		{430, 576, 10, fmt.Sprintf("%d%%", TaxRatePercent)}, {480, 576, 10, money.Format(tax)},
		{50, 548, 10, "合计"}, {330, 548, 10, yuan(net)}, {480, 548, 10, yuan(tax)},
		{50, 520, 10, "价税合计（大写）：" + Capitals(r.Amount)},
		{380, 520, 10, "（小写）" + yuan(r.Amount)},
		{50, 490, 9, "开票人：" + Seller},
	}}
	for _, y := range []float64{728, 620, 610, 560, 536, 508} {
		p.lines = append(p.lines, [4]float64{40, y, 555, y})
	}
	return p
}

// renderPDF writes the page as a PDF 1.4 file: catalogue, pages, page,
// the Type0 font and its CID font and descriptor, and the content stream,
// followed by the cross-reference table with each object's byte offset.
func renderPDF(p page) []byte {
	var content bytes.Buffer
	content.WriteString("0.5 w\n")
	for _, l := range p.lines {
		fmt.Fprintf(&content, "%.1f %.1f m %.1f %.1f l S\n", l[0], l[1], l[2], l[3])
	}
	for _, t := range p.texts {
		fmt.Fprintf(&content, "BT /F1 %.1f Tf %.1f %.1f Td <%s> Tj ET\n", t.size, t.x, t.y, utf16Hex(t.s))
	}
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 7 0 R >>",
		"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [5 0 R] >>",
		// Latin characters (CIDs 1-95) are drawn half as wide as the
		// ideographs, which keep the default width of 1000.
		"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> " +
			"/FontDescriptor 6 0 R /DW 1000 /W [1 95 500] >>",
		"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 " +
			"/Descent -120 /CapHeight 880 /StemV 93 >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return out.Bytes()
}

// utf16Hex encodes s as UTF-16BE in hex, as UniGB-UCS2-H reads it. The
// encoding covers the Basic Multilingual Plane only, so a character beyond
// it is printed as a question mark.
func utf16Hex(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xFFFF {
			r = '?'
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&b, "%04X", u)
		}
	}
	return b.String()
}
