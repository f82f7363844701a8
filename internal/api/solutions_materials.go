package api

import (
	"bytes"
	"context"
	"io"
	"sync"

	"partnercenter/client"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/upload"
)

// Files through the API: a solution's materials and a sampled project's
// evidence. They travel base64-encoded in a JSON body, so the request body
// limit (1 MiB by default) caps a file at about 760 KB here; the console
// takes the kinds' full sizes.

// uploadStores holds each service's file store, built from the environment
// on first use as the console builds its own: both reach the same files.
var uploadStores sync.Map // *service → *upload.Store

func (c *Call) uploads() (*upload.Store, error) {
	if s, ok := uploadStores.Load(c.s); ok {
		return s.(*upload.Store), nil
	}
	s, err := upload.FromEnv(c.ctx(), c.s.app.DB)
	if err != nil {
		return nil, err
	}
	actual, _ := uploadStores.LoadOrStore(c.s, s)
	return actual.(*upload.Store), nil
}

// fileReq is a file sent in a JSON body.
type fileReq struct {
	FileName *string `json:"file_name"`
	Content  []byte  `json:"content"` // base64 in JSON
}

// save stores the file as kind for the caller's partner. The upload
// package's refusals (empty, too large, a type the kind does not take) are
// on "file"; here they name the request's field.
func (c *Call) saveFile(r fileReq, kind string) (upload.File, error) {
	name, err := optionalString("file_name", r.FileName, 255)
	if err != nil {
		return upload.File{}, err
	}
	if name == "" {
		return upload.File{}, fieldError("CBC.0100", "file_name", "api.file_name_required", "name the file, such as sow.pdf")
	}
	if len(r.Content) == 0 {
		return upload.File{}, fieldError("CBC.0100", "content", "api.file_content_required", "is required: the file's bytes, base64-encoded")
	}
	files, err := c.uploads()
	if err != nil {
		return upload.File{}, err
	}
	f, err := files.Save(c.ctx(), upload.Upload{PartnerID: c.Partner.ID, Kind: kind, Name: name, CreatedBy: c.Principal.ActorID(),
		Body: bytes.NewReader(r.Content)})
	if e, ok := apperr.As(err); ok && e.Field == "file" {
		moved := *e
		moved.Field = "content"
		if e.Key == "upload.required" {
			moved.Field = "file_name"
		}
		return upload.File{}, &moved
	}
	return f, err
}

// materialReq is the body of AddSolutionMaterial.
type materialReq struct {
	Kind *string `json:"kind"`
	fileReq
}

// addSolutionMaterial is AddSolutionMaterial: a file of one kind of
// material (立项材料 or 功能清单) joins a draft or returned solution. A
// refused file is not kept.
func addSolutionMaterial(c *Call) (any, error) {
	id, err := c.pathID("solution_id")
	if err != nil {
		return nil, err
	}
	var req materialReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	kind := strOr(req.Kind)
	if kind == "" {
		return nil, fieldError("CBC.0100", "kind", "api.enum", "must be one of %v", solution.FileKinds)
	}
	if err := enumParam("kind", kind, solution.FileKinds); err != nil {
		return nil, err
	}
	// The solution is checked before the bytes are stored, so that a file
	// for a solution that takes none is refused without leaving one behind.
	a := c.solutionActor()
	s, err := solution.Get(c.ctx(), c.reader(), a.Viewer(), id)
	if err != nil {
		return nil, err
	}
	if !solution.Editable(s.Status) {
		return nil, solution.ErrNotEditable
	}
	saved, err := c.saveFile(req.fileReq, solution.UploadKind(kind))
	if err != nil {
		return nil, err
	}
	res, err := c.InTx(func(tx *store.Tx) (any, error) {
		f, err := solution.Attach(c.ctx(), tx, a, id, kind, saved.ID)
		if err != nil {
			return nil, err
		}
		return materialOf(*f), solution.AuditFile(c.ctx(), tx, "solution.attach", s, f)
	})
	if err != nil {
		c.discard(saved.ID)
		return nil, err
	}
	return res, nil
}

// discard removes files that a refused request stored; failing that, they
// are orphans nothing refers to, which the log records.
func (c *Call) discard(ids ...string) {
	files, err := c.uploads()
	if err == nil {
		err = files.Discard(context.WithoutCancel(c.ctx()), ids...)
	}
	if err != nil {
		c.s.app.Log.Warn("api: a refused request's files were not removed", "uploads", ids, "err", err)
	}
}

// materialPath reads the path's solution and material ids.
func (c *Call) materialPath() (solutionID, materialID string, err error) {
	if solutionID, err = c.pathID("solution_id"); err != nil {
		return "", "", err
	}
	if materialID, err = c.pathID("material_id"); err != nil {
		return "", "", err
	}
	return solutionID, materialID, nil
}

// downloadSolutionMaterial is DownloadSolutionMaterial: one material of
// one of the caller's solutions, with its bytes.
func downloadSolutionMaterial(c *Call) (any, error) {
	id, fileID, err := c.materialPath()
	if err != nil {
		return nil, err
	}
	s, err := solution.Get(c.ctx(), c.reader(), c.solutionActor().Viewer(), id)
	if err != nil {
		return nil, err
	}
	f, err := solution.FileOf(c.ctx(), c.reader(), s.ID, fileID)
	if err != nil {
		return nil, err
	}
	uploads, err := c.uploads()
	if err != nil {
		return nil, err
	}
	meta, body, err := uploads.Open(c.ctx(), c.Partner.ID, f.UploadID)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	content, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	return client.SolutionMaterialContent{SolutionMaterial: materialOf(*f), SHA256: meta.SHA256, Content: content}, nil
}

// deleteSolutionMaterial is DeleteSolutionMaterial: a material leaves a
// draft or returned solution.
func deleteSolutionMaterial(c *Call) (any, error) {
	id, fileID, err := c.materialPath()
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		a := c.solutionActor()
		f, err := solution.Detach(c.ctx(), tx, a, id, fileID)
		if err != nil {
			return nil, err
		}
		s, err := solution.Get(c.ctx(), tx, a.Viewer(), id)
		if err != nil {
			return nil, err
		}
		return materialOf(*f), solution.AuditFile(c.ctx(), tx, "solution.detach", s, f)
	})
}
