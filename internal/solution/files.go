package solution

import (
	"context"
	"errors"
	"slices"
	"time"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/upload"
)

// File kinds: the materials a solution is submitted with.
const (
	ApprovalMaterials = "approval_materials" // 立项材料
	FeatureList       = "feature_list"       // 功能清单
)

// FileKinds lists them in form order.
var FileKinds = []string{ApprovalMaterials, FeatureList}

// File is a stored file attached to a solution. The bytes and their
// metadata are the upload package's; UploadID names them there, and the
// name, size and type are copied so that lists need no join.
type File struct {
	ID          string
	Kind        string
	UploadID    string
	Name        string
	Size        int64
	ContentType string
	CreatedBy   string
	CreatedAt   time.Time
}

// UploadKind is the upload package's kind of a solution's material.
func UploadKind(kind string) string { return "solution." + kind }

// MaxMaterialBytes is the largest material accepted.
const MaxMaterialBytes = 20 << 20

func init() {
	for _, kind := range FileKinds {
		upload.RegisterKind(UploadKind(kind), upload.Rule{MaxBytes: MaxMaterialBytes, Types: upload.Documents})
	}
}

// Attach records a file the partner uploaded (upload.Store.Save with
// UploadKind(kind)) as one of a draft or returned solution's materials.
// Another partner's upload, or one of another kind, answers as unknown.
func Attach(ctx context.Context, tx *store.Tx, a Actor, id, kind, uploadID string) (*File, error) {
	if !slices.Contains(FileKinds, kind) {
		return nil, apperr.Field("kind", "solution.file_kind_invalid", "unknown kind of material")
	}
	if uploadID == "" {
		return nil, apperr.Field(kind, "solution.file_required", "choose the file")
	}
	s, err := lockEditable(ctx, tx, a, id)
	if err != nil {
		return nil, err
	}
	u, err := upload.Lookup(ctx, tx, a.PartnerID, uploadID, UploadKind(kind))
	if errors.Is(err, upload.ErrNotFound) {
		return nil, apperr.Field(kind, "solution.file_unknown", "the uploaded file does not exist")
	}
	if e, ok := apperr.As(err); ok && e.Field == "file" {
		// The upload's refusal (a file of another kind) belongs next to
		// this material's input.
		moved := *e
		moved.Field = kind
		return nil, &moved
	}
	if err != nil {
		return nil, err
	}
	f := File{ID: ids.New(), Kind: kind, UploadID: u.ID, Name: u.Name, Size: u.Size, ContentType: u.ContentType, CreatedBy: a.Name,
		CreatedAt: tx.Now}
	if _, err := tx.ExecContext(ctx, `INSERT INTO solution_files (id, solution_id, kind, upload_id, file_name, size, content_type, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.ID, id, f.Kind, f.UploadID, f.Name, f.Size, f.ContentType, a.Name, store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE solutions SET updated_at = ? WHERE id = ?`, store.Micros(tx.Now), id); err != nil {
		return nil, err
	}
	if err := record(ctx, tx, id, a.Name, "file_added", s.Status, s.Status, f.Name); err != nil {
		return nil, err
	}
	return &f, nil
}

// errFileNotFound answers for a file not of the solution.
var errFileNotFound = apperr.NotFoundf("solution.file_not_found", "the file does not exist")

// Detach removes a file from a draft or returned solution's materials
// and returns it.
func Detach(ctx context.Context, tx *store.Tx, a Actor, id, fileID string) (*File, error) {
	s, err := lockEditable(ctx, tx, a, id)
	if err != nil {
		return nil, err
	}
	f, err := FileOf(ctx, tx, id, fileID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM solution_files WHERE id = ? AND solution_id = ?`, fileID, id); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE solutions SET updated_at = ? WHERE id = ?`, store.Micros(tx.Now), id); err != nil {
		return nil, err
	}
	return f, record(ctx, tx, id, a.Name, "file_removed", s.Status, s.Status, f.Name)
}

const fileColumns = `id, kind, upload_id, file_name, size, content_type, created_by, created_at`

func scanFile(row interface{ Scan(...any) error }) (File, error) {
	var f File
	var at int64
	err := row.Scan(&f.ID, &f.Kind, &f.UploadID, &f.Name, &f.Size, &f.ContentType, &f.CreatedBy, &at)
	f.CreatedAt = store.Time(at)
	return f, store.ScanErr(err)
}

// Files returns a solution's files in kind and upload order. The caller
// has checked that the viewer may see the solution (Get).
func Files(ctx context.Context, q store.Queryer, id string) ([]File, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+fileColumns+` FROM solution_files WHERE solution_id = ? ORDER BY kind, created_at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FileOf returns one file of a solution (for a download, after Get).
func FileOf(ctx context.Context, q store.Queryer, id, fileID string) (*File, error) {
	f, err := scanFile(q.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM solution_files WHERE solution_id = ? AND id = ?`, id, fileID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errFileNotFound
	}
	if err != nil {
		return nil, err
	}
	return &f, nil
}
