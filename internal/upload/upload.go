// Package upload owns the files partners upload (evidence of a delivered
// project, a solution's approval materials, ...): the bytes in a blob store
// (a local directory by default, any S3-compatible bucket when configured)
// and one metadata row per file in the uploads table (owner partner, kind,
// name, size, sniffed content type, sha256, created).
//
// How other capabilities use it:
//
//   - Register the kinds of file they accept, with a size limit and the
//     content types allowed, from an init function:
//     upload.RegisterKind("solution.material", upload.Rule{MaxBytes: 20 << 20, Types: upload.Documents}).
//   - Receive a file with Store.Save (it commits the metadata row in a
//     transaction of its own: an upload nobody refers to is harmless), then
//     keep the returned File.ID in their own rows; in their transaction they
//     check a referenced id with Lookup(ctx, tx, partnerID, id, kinds...),
//     which answers not-found for another partner's file.
//   - Link to the console route /console/files/{id} to let a user download
//     it: only the owning partner and provider staff get the file.
//
// The content type is sniffed from the bytes (net/http.DetectContentType
// plus the zip entries that tell xlsx, docx and pptx apart), never taken from
// the name or the client's header; a file over its kind's limit or of a type
// the kind does not accept is refused with a field error on "file" and
// nothing is stored. Blobs are keyed by the file's id, never by its name, so
// a name cannot reach outside the store.
//
// Configuration (FromEnv): PARTNERCENTER_UPLOAD_DIR names the local
// directory (default: "uploads" beside the SQLite database file, or
// ./data/uploads on PostgreSQL); PARTNERCENTER_S3_ENDPOINT, _S3_BUCKET,
// _S3_ACCESS_KEY, _S3_SECRET_KEY and optionally _S3_REGION (default
// us-east-1) switch to an S3-compatible store, addressed path-style.
package upload

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Content types a kind may accept, as the sniffer names them.
const (
	PDF  = "application/pdf"
	PNG  = "image/png"
	JPEG = "image/jpeg"
	GIF  = "image/gif"
	WebP = "image/webp"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	Zip  = "application/zip"
	Text = "text/plain"
)

// Documents are the types of an office document or a scan of one.
var Documents = []string{PDF, DOCX, XLSX, PPTX, PNG, JPEG}

// Images are the picture types browsers show.
var Images = []string{PNG, JPEG, GIF, WebP}

// Rule limits the files of one kind.
type Rule struct {
	MaxBytes int64
	Types    []string // sniffed content types accepted
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Rule{}
)

// RegisterKind declares a kind of file and its limits; call it from an init
// function of the capability that owns the kind ("delivery.sow", ...).
func RegisterKind(kind string, r Rule) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[kind]; dup {
		panic("upload: kind registered twice: " + kind)
	}
	kinds[kind] = r
}

// RuleOf returns the limits of a registered kind.
func RuleOf(kind string) (Rule, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	r, ok := kinds[kind]
	return r, ok
}

// File is the metadata of one stored file.
type File struct {
	ID          string
	PartnerID   string
	Kind        string
	Name        string
	Size        int64
	ContentType string
	SHA256      string
	CreatedBy   string
	CreatedAt   time.Time
}

// Blobs stores the bytes of files by key (the file's id).
type Blobs interface {
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// errNoBlob is what a Blobs returns for a key it does not hold.
var errNoBlob = errors.New("upload: no such blob")

// Store receives, describes and serves uploaded files.
type Store struct {
	db    *store.DB
	blobs Blobs
}

// New returns a store keeping metadata in db and bytes in blobs.
func New(db *store.DB, blobs Blobs) *Store { return &Store{db: db, blobs: blobs} }

// Location says where the bytes go: the local directory, or the bucket's URL.
func (s *Store) Location() string {
	switch b := s.blobs.(type) {
	case Dir:
		return string(b)
	case *S3:
		return b.objectURL("").String()
	}
	return fmt.Sprintf("%T", s.blobs)
}

// Env names of the configuration read by FromEnv.
const (
	EnvDir         = "PARTNERCENTER_UPLOAD_DIR"
	EnvS3Endpoint  = "PARTNERCENTER_S3_ENDPOINT"
	EnvS3Bucket    = "PARTNERCENTER_S3_BUCKET"
	EnvS3AccessKey = "PARTNERCENTER_S3_ACCESS_KEY"
	EnvS3SecretKey = "PARTNERCENTER_S3_SECRET_KEY"
	EnvS3Region    = "PARTNERCENTER_S3_REGION"
)

// FromEnv returns the store the environment configures: S3 when an endpoint
// is set, else a local directory (PARTNERCENTER_UPLOAD_DIR, or "uploads"
// beside the SQLite database).
func FromEnv(ctx context.Context, db *store.DB) (*Store, error) {
	if endpoint := os.Getenv(EnvS3Endpoint); endpoint != "" {
		s3, err := NewS3(S3Config{
			Endpoint:  endpoint,
			Bucket:    os.Getenv(EnvS3Bucket),
			AccessKey: os.Getenv(EnvS3AccessKey),
			SecretKey: os.Getenv(EnvS3SecretKey),
			Region:    os.Getenv(EnvS3Region),
		})
		if err != nil {
			return nil, err
		}
		return New(db, s3), nil
	}
	dir := os.Getenv(EnvDir)
	if dir == "" {
		dir = defaultDir(ctx, db)
	}
	return New(db, Dir(dir)), nil
}

// defaultDir is "uploads" beside the SQLite database file; an in-memory or
// PostgreSQL database has no file, so ./data/uploads serves.
func defaultDir(ctx context.Context, db *store.DB) string {
	if db.Dialect == store.SQLite {
		var seq int
		var name, file string
		err := db.Reader().QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file)
		if err == nil && file != "" {
			return filepath.Join(filepath.Dir(file), "uploads")
		}
	}
	return filepath.Join("data", "uploads")
}

// Upload is one file to receive.
type Upload struct {
	PartnerID string // the owner
	Kind      string
	Name      string // as the client named it; cleaned before it is stored
	CreatedBy string // user id
	Body      io.Reader
}

// Save checks the file against its kind's rule, stores the bytes and commits
// the metadata row. Too large, empty or of a type the kind does not accept:
// a field error on "file", and nothing is stored.
func (s *Store) Save(ctx context.Context, u Upload) (File, error) {
	rule, ok := RuleOf(u.Kind)
	if !ok {
		return File{}, fmt.Errorf("upload: unknown kind %q", u.Kind)
	}
	name := CleanName(u.Name)
	if name == "" {
		return File{}, apperr.Field("file", "upload.required", "choose a file to upload")
	}
	spool, err := os.CreateTemp("", "upload-*")
	if err != nil {
		return File{}, err
	}
	defer func() { spool.Close(); os.Remove(spool.Name()) }()
	sum := sha256.New()
	// Read one byte past the limit to tell "exactly the limit" from "more".
	size, err := io.Copy(io.MultiWriter(spool, sum), io.LimitReader(u.Body, rule.MaxBytes+1))
	if err != nil {
		return File{}, fmt.Errorf("upload: receive: %w", err)
	}
	if size > rule.MaxBytes {
		return File{}, TooLarge(rule.MaxBytes)
	}
	if size == 0 {
		return File{}, apperr.Field("file", "upload.empty", "the file is empty")
	}
	ctype, err := Sniff(spool, size)
	if err != nil {
		return File{}, err
	}
	if !accepts(rule, ctype) {
		return File{}, apperr.Field("file", "upload.forbidden_type",
			"files of type %s are not accepted here (accepted: %s)", ctype, strings.Join(rule.Types, ", "))
	}
	f := File{
		ID: ids.New(), PartnerID: u.PartnerID, Kind: u.Kind, Name: name, Size: size,
		ContentType: ctype, SHA256: hex.EncodeToString(sum.Sum(nil)), CreatedBy: u.CreatedBy,
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return File{}, err
	}
	if err := s.blobs.Put(ctx, f.ID, spool, size, ctype); err != nil {
		return File{}, fmt.Errorf("upload: store %s: %w", f.ID, err)
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		f.CreatedAt = tx.Now
		_, err := tx.ExecContext(ctx, `INSERT INTO uploads (id, partner_id, kind, name, size, content_type, sha256, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.PartnerID, f.Kind, f.Name, f.Size, f.ContentType, f.SHA256, f.CreatedBy, store.Micros(tx.Now))
		return err
	})
	if err != nil {
		// The row did not land: the blob would be an orphan nobody can reach.
		_ = s.blobs.Delete(context.WithoutCancel(ctx), f.ID)
		return File{}, err
	}
	return f, nil
}

// TooLarge is the error for a file over the limit; the console also uses it
// when the request body itself is over the limit.
func TooLarge(limit int64) *apperr.Error {
	return apperr.Field("file", "upload.too_large", "the file is larger than %s", HumanSize(limit))
}

func accepts(r Rule, ctype string) bool {
	for _, t := range r.Types {
		if t == ctype {
			return true
		}
	}
	return false
}

// HumanSize formats a byte count for messages: 20 MB, 512 KB, 300 B.
func HumanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// CleanName keeps the last element of a client-supplied name (browsers on
// Windows may send a whole path), drops control characters and caps its
// length; the name is only shown and offered as the download's name.
func CleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

const fileColumns = `id, partner_id, kind, name, size, content_type, sha256, created_by, created_at`

func scanFile(row interface{ Scan(...any) error }) (File, error) {
	var f File
	var created int64
	if err := row.Scan(&f.ID, &f.PartnerID, &f.Kind, &f.Name, &f.Size, &f.ContentType, &f.SHA256, &f.CreatedBy, &created); err != nil {
		return File{}, err
	}
	f.CreatedAt = store.Time(created)
	return f, nil
}

// ErrNotFound is the answer for a file that does not exist or that the
// asker may not see.
var ErrNotFound = apperr.NotFoundf("upload.not_found", "no such file")

// Lookup returns a file's metadata for partnerID (empty: provider staff,
// who see every file). Another partner's file answers ErrNotFound. With
// kinds, a file of another kind is refused as well.
func Lookup(ctx context.Context, q store.Queryer, partnerID, id string, kinds ...string) (File, error) {
	query := `SELECT ` + fileColumns + ` FROM uploads WHERE id = ?`
	args := []any{id}
	if partnerID != "" {
		query += ` AND partner_id = ?`
		args = append(args, partnerID)
	}
	f, err := scanFile(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, ErrNotFound
	}
	if err != nil {
		return File{}, store.ScanErr(err)
	}
	if len(kinds) > 0 && !contains(kinds, f.Kind) {
		return File{}, apperr.Field("file", "upload.wrong_kind", "the file %s is not of the expected kind", f.Name)
	}
	return f, nil
}

// LookupMany returns the metadata of several files of one partner (empty:
// any), in the order of ids; missing or foreign ids are left out.
func LookupMany(ctx context.Context, q store.Queryer, partnerID string, ids []string) ([]File, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	query := `SELECT ` + fileColumns + ` FROM uploads WHERE id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	if partnerID != "" {
		query += ` AND partner_id = ?`
		args = append(args, partnerID)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[string]File{}
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, store.ScanErr(err)
		}
		byID[f.ID] = f
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]File, 0, len(byID))
	for _, id := range ids {
		if f, ok := byID[id]; ok {
			out = append(out, f)
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Discard removes files that nothing refers to yet: a form that stored some
// of its files and then refused another drops the ones it kept. A file that
// is referenced (a foreign key points at its row) is refused by the
// database, and nothing is removed.
func (s *Store) Discard(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, args...)
		return err
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.blobs.Delete(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Open returns a file's metadata and its bytes for partnerID (empty: provider
// staff). Another partner's file answers ErrNotFound. The caller closes the
// reader.
func (s *Store) Open(ctx context.Context, partnerID, id string) (File, io.ReadCloser, error) {
	f, err := Lookup(ctx, s.db.Reader(), partnerID, id)
	if err != nil {
		return File{}, nil, err
	}
	body, err := s.blobs.Get(ctx, f.ID)
	if errors.Is(err, errNoBlob) {
		return File{}, nil, fmt.Errorf("upload: file %s has a row but no bytes", f.ID)
	}
	if err != nil {
		return File{}, nil, err
	}
	return f, body, nil
}
