package upload

import (
	"archive/zip"
	"io"
	"net/http"
	"strings"
)

// Sniff names the content type of the size bytes in r from what they are,
// not from any name: net/http.DetectContentType for the first 512 bytes
// (PDF, images, zip, text), then, for a zip, the entries that make it an
// Office Open XML document. Parameters such as "; charset=utf-8" are dropped.
func Sniff(r io.ReaderAt, size int64) (string, error) {
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return "", err
	}
	ctype := http.DetectContentType(head[:n])
	if i := strings.IndexByte(ctype, ';'); i >= 0 {
		ctype = ctype[:i]
	}
	if ctype == Zip {
		return sniffOffice(r, size), nil
	}
	return ctype, nil
}

// officeMarkers are the part each Office Open XML package must hold.
var officeMarkers = map[string]string{
	"xl/workbook.xml":      XLSX,
	"word/document.xml":    DOCX,
	"ppt/presentation.xml": PPTX,
}

// sniffOffice tells an xlsx, docx or pptx from a plain zip by its entries; a
// zip that does not open as one is still a zip.
func sniffOffice(r io.ReaderAt, size int64) string {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return Zip
	}
	hasContentTypes := false
	found := ""
	for _, f := range z.File {
		if f.Name == "[Content_Types].xml" {
			hasContentTypes = true
		}
		if t, ok := officeMarkers[f.Name]; ok {
			found = t
		}
	}
	if hasContentTypes && found != "" {
		return found
	}
	return Zip
}
