package upload_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/upload"
)

func init() {
	upload.RegisterKind("test.doc", upload.Rule{MaxBytes: 4096, Types: upload.Documents})
}

// pdf is the smallest body the sniffer takes for a PDF.
var pdf = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// officeZip builds an Office Open XML package holding the given part.
func officeZip(t testing.TB, part string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", part} {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<x/>"))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type fixture struct {
	db       *store.DB
	files    *upload.Store
	dir      string
	p, other *partner.Partner
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, dir: t.TempDir()}
	f.files = upload.New(db, upload.Dir(f.dir))
	err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		if f.p, err = partner.Create(context.Background(), tx, partner.NewPartner{Name: "owner", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
			return err
		}
		f.other, err = partner.Create(context.Background(), tx, partner.NewPartner{Name: "other", Type: partner.Reseller, Stage: partner.Certified})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) count(t *testing.T) (rows, blobs int) {
	t.Helper()
	if err := f.db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM uploads`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(f.dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			blobs++
		}
		return nil
	})
	return rows, blobs
}

func TestSaveSniffsAndStores(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		cases := []struct {
			name string
			body []byte
			want string
		}{
			{"report.pdf", pdf, upload.PDF},
			// The name lies: the bytes are a workbook.
			{"plan.pdf", officeZip(t, "xl/workbook.xml"), upload.XLSX},
			{"sow.docx", officeZip(t, "word/document.xml"), upload.DOCX},
			{`C:\Users\me\交付\验收报告.png`, []byte("\x89PNG\r\n\x1a\n0000000000000000"), upload.PNG},
		}
		for _, c := range cases {
			file, err := f.files.Save(ctx, upload.Upload{PartnerID: f.p.ID, Kind: "test.doc", Name: c.name, CreatedBy: "u1", Body: bytes.NewReader(c.body)})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if file.ContentType != c.want || file.Size != int64(len(c.body)) || len(file.SHA256) != 64 {
				t.Errorf("%s: stored as %+v, want type %s size %d", c.name, file, c.want, len(c.body))
			}
			got, body, err := f.files.Open(ctx, f.p.ID, file.ID)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(body)
			body.Close()
			if !bytes.Equal(data, c.body) || got.Name != file.Name {
				t.Errorf("%s: read back %d bytes named %q", c.name, len(data), got.Name)
			}
		}
		last, _, _ := f.files.Open(ctx, f.p.ID, mustLastID(t, db))
		if last.Name != "验收报告.png" {
			t.Errorf("a Windows path is kept whole: %q", last.Name)
		}
	})
}

func mustLastID(t *testing.T, db *store.DB) string {
	var id string
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT id FROM uploads ORDER BY id DESC LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSaveRefusesAndStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		cases := []struct {
			name, key string
			body      []byte
		}{
			{"big.pdf", "upload.too_large", append(append([]byte(nil), pdf...), bytes.Repeat([]byte(" "), 4096)...)},
			{"script.pdf", "upload.forbidden_type", []byte("#!/bin/sh\nrm -rf /\n")},
			{"page.pdf", "upload.forbidden_type", []byte("<html><script>alert(1)</script></html>")},
			{"archive.docx", "upload.forbidden_type", officeZip(t, "other/thing.xml")},
			{"empty.pdf", "upload.empty", nil},
			{"", "upload.required", pdf},
		}
		for _, c := range cases {
			_, err := f.files.Save(ctx, upload.Upload{PartnerID: f.p.ID, Kind: "test.doc", Name: c.name, Body: bytes.NewReader(c.body)})
			e, ok := apperr.As(err)
			if !ok || e.Key != c.key || e.Field != "file" {
				t.Errorf("%s: got %v, want %s on file", c.name, err, c.key)
			}
		}
		if rows, blobs := f.count(t); rows != 0 || blobs != 0 {
			t.Errorf("refused uploads left %d rows and %d blobs", rows, blobs)
		}
		// Exactly the limit is accepted.
		exact := append(append([]byte(nil), pdf...), bytes.Repeat([]byte(" "), 4096-len(pdf))...)
		if _, err := f.files.Save(ctx, upload.Upload{PartnerID: f.p.ID, Kind: "test.doc", Name: "exact.pdf", Body: bytes.NewReader(exact)}); err != nil {
			t.Errorf("a file of exactly the limit: %v", err)
		}
	})
}

// Uploads are isolated by tenant: another partner's file does not exist for
// a partner, whether opened, looked up in a transaction or listed; provider
// staff (no partner) see it.
func TestUploadsIsolatedByTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		file, err := f.files.Save(ctx, upload.Upload{PartnerID: f.p.ID, Kind: "test.doc", Name: "sow.pdf", Body: bytes.NewReader(pdf)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.files.Open(ctx, f.other.ID, file.ID); !errors.Is(err, upload.ErrNotFound) {
			t.Errorf("another partner opened the file: %v", err)
		}
		if _, err := upload.Lookup(ctx, db.Reader(), f.other.ID, file.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another partner looked the file up: %v", err)
		}
		if got, err := upload.LookupMany(ctx, db.Reader(), f.other.ID, []string{file.ID}); err != nil || len(got) != 0 {
			t.Errorf("another partner listed the file: %v %v", got, err)
		}
		_, body, err := f.files.Open(ctx, "", file.ID)
		if err != nil {
			t.Fatalf("provider staff: %v", err)
		}
		body.Close()
		if _, err := upload.Lookup(ctx, db.Reader(), f.p.ID, file.ID, "other.kind"); err == nil {
			t.Error("a file of another kind was accepted")
		}
	})
}

func TestDirRefusesKeysOutsideIt(t *testing.T) {
	d := upload.Dir(t.TempDir())
	for _, key := range []string{"../../etc/passwd", "ab/../../x", "..", "a"} {
		if _, err := d.Get(context.Background(), key); err == nil || strings.Contains(err.Error(), "no such blob") {
			t.Errorf("key %q was not refused: %v", key, err)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd":     "passwd",
		`..\..\boot.ini`:       "boot.ini",
		"a\x00b\r\nc.pdf":      "abc.pdf",
		"..":                   "",
		"  验收报告 (final).pdf  ": "验收报告 (final).pdf",
	} {
		if got := upload.CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFromEnvDefaultsBesideTheDatabase(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Setenv(upload.EnvDir, "")
	t.Setenv(upload.EnvS3Endpoint, "")
	s, err := upload.FromEnv(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(filepath.Dir(strings.TrimPrefix(dsn, "sqlite:")), "uploads")
	if got := s.Location(); got != want {
		t.Errorf("uploads go to %q, want %q", got, want)
	}
}

func FuzzSniff(f *testing.F) {
	f.Add(pdf)
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ctype, err := upload.Sniff(bytes.NewReader(b), int64(len(b)))
		if err != nil || ctype == "" {
			t.Fatalf("Sniff: %q %v", ctype, err)
		}
	})
}

func TestDiscardRemovesRowAndBytes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		keep, err := f.files.Save(ctx, upload.Upload{PartnerID: f.p.ID, Kind: "test.doc", Name: "keep.pdf", Body: bytes.NewReader(pdf)})
		if err != nil {
			t.Fatal(err)
		}
		drop, err := f.files.Save(ctx, upload.Upload{PartnerID: f.p.ID, Kind: "test.doc", Name: "drop.pdf", Body: bytes.NewReader(pdf)})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.files.Discard(ctx, drop.ID); err != nil {
			t.Fatal(err)
		}
		if rows, blobs := f.count(t); rows != 1 || blobs != 1 {
			t.Errorf("after discarding one of two: %d rows, %d blobs", rows, blobs)
		}
		if _, _, err := f.files.Open(ctx, f.p.ID, drop.ID); !errors.Is(err, upload.ErrNotFound) {
			t.Errorf("a discarded file opens: %v", err)
		}
		if _, body, err := f.files.Open(ctx, f.p.ID, keep.ID); err != nil {
			t.Errorf("the kept file: %v", err)
		} else {
			body.Close()
		}
	})
}

func FuzzCleanName(f *testing.F) {
	f.Add(`..\..\boot.ini`)
	f.Add("a/b/验收报告.pdf")
	f.Fuzz(func(t *testing.T, name string) {
		got := upload.CleanName(name)
		if strings.ContainsAny(got, "/\\\x00\r\n") || len(got) > 200 || got == ".." || got == "." {
			t.Fatalf("CleanName(%q) = %q", name, got)
		}
	})
}
