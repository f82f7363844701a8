package console

import (
	"mime"
	"testing"
)

// A download's name survives the header whole, whatever it holds, and adds
// no parameter of its own.
func TestContentDispositionKeepsTheName(t *testing.T) {
	for _, name := range []string{"sow.pdf", "验收报告（签字版）.pdf", `a"; filename="evil.html`, "plan 2026.xlsx"} {
		header := contentDisposition(name)
		disposition, params, err := mime.ParseMediaType(header)
		if err != nil || disposition != "attachment" || params["filename"] != name || len(params) != 1 {
			t.Errorf("%q → %q → %s %v %v", name, header, disposition, params, err)
		}
	}
}
