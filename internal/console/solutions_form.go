package console

import (
	"context"
	"errors"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/upload"

	"partnercenter/internal/solution"
	"partnercenter/internal/store"
)

// 创建解决方案 and editing a draft or returned solution: 保存草稿 keeps
// what is filled in (a name at least); 提交 saves and submits it for joint
// approval (联合立项), and when something is missing shows every missing
// field's message next to it (solution.MissingForSubmission), saving
// nothing.

// solutionFormView is what solutions_form.html shows.
type solutionFormView struct {
	S          *solution.Solution // nil: a new solution
	Action     string
	Back       string
	Industries []option
	Materials  []solutionMaterial
}

// solutionMaterial is one kind of material on the form: its file input
// and the files already attached.
type solutionMaterial struct {
	Field, Label string
	Files        []solutionFileRow
}

// materials groups a solution's files by kind, in form order.
func (c *call) materials(files []solution.File) []solutionMaterial {
	rows := c.solutionFileRows(files)
	out := make([]solutionMaterial, len(solution.FileKinds))
	for i, kind := range solution.FileKinds {
		out[i] = solutionMaterial{Field: kind, Label: solutionFileKey(kind)}
		for _, r := range rows {
			if r.File.Kind == kind {
				out[i].Files = append(out[i].Files, r)
			}
		}
	}
	return out
}

func (h *handler) newSolutionPage(c *call) error {
	if c.r.Method == http.MethodGet {
		return h.renderSolutionForm(c, http.StatusOK, nil, newForm(nil))
	}
	return h.saveSolution(c, nil)
}

func (h *handler) editSolutionPage(c *call) error {
	s, err := solution.Get(c.r.Context(), h.app.DB.Reader(), solution.Viewer{PartnerID: c.p.PartnerID}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if !solution.Editable(s.Status) {
		return solution.ErrNotEditable
	}
	if c.r.Method == http.MethodGet {
		return h.renderSolutionForm(c, http.StatusOK, s, newForm(solutionValues(s)))
	}
	return h.saveSolution(c, s)
}

func solutionValues(s *solution.Solution) url.Values {
	return url.Values{"name": {s.Name}, "industry": {s.Industry}, "description": {s.Description}}
}

func (h *handler) renderSolutionForm(c *call, status int, s *solution.Solution, f *form) error {
	v := &solutionFormView{S: s, Action: solutionsPath + "/new", Back: solutionsPath,
		Industries: optionsOf(c.lang, solution.Industries, industryKey)}
	title := "solutions.new_title"
	v.Materials = c.materials(nil)
	if s != nil {
		v.Action, v.Back, title = solutionsPath+"/"+s.ID+"/edit", solutionsPath+"/"+s.ID, "solutions.edit_title"
		files, err := solution.Files(c.r.Context(), h.app.DB.Reader(), s.ID)
		if err != nil {
			return err
		}
		v.Materials = c.materials(files)
		for _, m := range v.Materials {
			for i := range m.Files {
				m.Files[i].Remove = solutionsPath + "/" + s.ID + "/files/" + m.Files[i].File.ID + "/delete"
			}
		}
	}
	return c.render(status, "solutions_form", &view{Title: title, Active: solutionsPath, Form: f, Data: v})
}

// errSolutionMissing rolls back a submission that lacks fields; their
// messages are on the form.
var errSolutionMissing = errors.New("solution fields missing")

// uploadStores holds each handler's store of uploaded files.
var uploadStores sync.Map // *handler → *upload.Store

// uploadStore is where the console keeps uploaded files (a solution's
// materials, the downloads of files.go): the store the environment
// configures (upload.FromEnv), opened once per server.
func (h *handler) uploadStore(ctx context.Context) (*upload.Store, error) {
	if s, ok := uploadStores.Load(h); ok {
		return s.(*upload.Store), nil
	}
	s, err := upload.FromEnv(ctx, h.app.DB)
	if err != nil {
		return nil, err
	}
	actual, _ := uploadStores.LoadOrStore(h, s)
	return actual.(*upload.Store), nil
}

// solutionPostForm reads a solution's form: a multipart body carrying up
// to one file of each kind of material.
func (c *call) solutionPostForm() (*form, map[string][]*multipart.FileHeader) {
	if !strings.HasPrefix(c.r.Header.Get("Content-Type"), "multipart/") {
		return newForm(c.postForm()), nil
	}
	limit := int64(len(solution.FileKinds))*solution.MaxMaterialBytes + 1<<20
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, limit)
	if err := c.r.ParseMultipartForm(8 << 20); err != nil {
		f := newForm(nil)
		f.Error = c.errText(upload.TooLarge(solution.MaxMaterialBytes))
		return f, nil
	}
	return newForm(c.r.PostForm), c.r.MultipartForm.File
}

// saveMaterials stores the files chosen on the form and returns their
// upload ids by kind; a refused file's message goes next to its input.
func (h *handler) saveMaterials(c *call, f *form, files map[string][]*multipart.FileHeader) (map[string]string, error) {
	out := map[string]string{}
	for _, kind := range solution.FileKinds {
		if len(files[kind]) == 0 || files[kind][0].Filename == "" {
			continue
		}
		fh := files[kind][0]
		body, err := fh.Open()
		if err != nil {
			return nil, err
		}
		uploads, err := h.uploadStore(c.r.Context())
		if err != nil {
			body.Close()
			return nil, err
		}
		saved, err := uploads.Save(c.r.Context(), upload.Upload{PartnerID: c.p.PartnerID, Kind: solution.UploadKind(kind), Name: fh.Filename,
			CreatedBy: c.p.UserID, Body: body})
		body.Close()
		if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
			f.fieldError(kind, c.errText(e))
			continue
		}
		if err != nil {
			return nil, err
		}
		out[kind] = saved.ID
	}
	return out, nil
}

// discardUploads drops files kept for a form that was then refused.
func (h *handler) discardUploads(c *call, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	uploads, err := h.uploadStore(c.r.Context())
	if err != nil {
		return err
	}
	return uploads.Discard(c.r.Context(), ids...)
}

// saveSolution creates or edits a solution with the materials chosen, and
// submits it when asked to.
func (h *handler) saveSolution(c *call, s *solution.Solution) error {
	ctx := c.r.Context()
	f, files := c.solutionPostForm()
	fields := solution.Fields{Name: f.Get("name"), Industry: f.Get("industry"), Description: f.Get("description")}
	submit := f.Get("action") == "submit"
	a := c.solutionActor()
	uploads, err := h.saveMaterials(c, f, files)
	if err != nil {
		return err
	}
	if !f.ok() {
		// A refused form keeps none of its files, the accepted ones
		// included: nothing would ever link to them.
		if err := h.discardUploads(c, slices.Collect(maps.Values(uploads))...); err != nil {
			return err
		}
		return h.renderSolutionForm(c, http.StatusUnprocessableEntity, s, f)
	}
	var saved *solution.Solution
	err = h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if s == nil {
			if saved, err = solution.Create(ctx, tx, a, fields); err != nil {
				return err
			}
			err = auditSolution(ctx, tx, "solution.create", nil, saved)
		} else {
			if saved, err = solution.Update(ctx, tx, a, s.ID, fields); err != nil {
				return err
			}
			if saved.UpdatedAt.After(s.UpdatedAt) {
				err = auditSolution(ctx, tx, "solution.update", s, saved)
			}
		}
		if err != nil {
			return err
		}
		for _, kind := range solution.FileKinds {
			if id, ok := uploads[kind]; ok {
				file, err := solution.Attach(ctx, tx, a, saved.ID, kind, id)
				if err != nil {
					return err
				}
				if err := auditSolutionFile(ctx, tx, "solution.attach", saved, file); err != nil {
					return err
				}
				if saved, err = solution.Get(ctx, tx, a.Viewer(), saved.ID); err != nil {
					return err
				}
			}
		}
		if !submit {
			return err
		}
		return h.submitSolutionIn(ctx, tx, c, f, saved, &saved)
	})
	if !errors.Is(err, errSolutionMissing) {
		if err := f.take(c, err); err != nil {
			return err
		}
	}
	if !f.ok() {
		if err := h.discardUploads(c, slices.Collect(maps.Values(uploads))...); err != nil {
			return err
		}
		return h.renderSolutionForm(c, http.StatusUnprocessableEntity, s, f)
	}
	key := "solutions.saved"
	if submit {
		key = "solutions.submitted"
	}
	return c.done(key, solutionsPath+"/"+saved.ID, saved.Name)
}

// submitSolutionIn submits a saved solution in tx, or puts every missing
// field's message on the form and answers errSolutionMissing.
func (h *handler) submitSolutionIn(ctx context.Context, tx *store.Tx, c *call, f *form, s *solution.Solution, out **solution.Solution) error {
	missing, err := solution.MissingForSubmission(ctx, tx, s)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		for _, m := range missing {
			f.fieldError(m.Field, c.errText(m))
		}
		return errSolutionMissing
	}
	moved, err := solution.Move(ctx, tx, c.solutionActor(), s.ID, solution.Submit, "")
	if err != nil {
		return err
	}
	*out = moved
	return auditSolution(ctx, tx, "solution.submit", s, moved)
}

// submitSolution is 提交 in the list or on the solution's page: one
// lacking fields opens in its form with every missing field's message.
func (h *handler) submitSolution(c *call) error {
	ctx := c.r.Context()
	s, err := solution.Get(ctx, h.app.DB.Reader(), solution.Viewer{PartnerID: c.p.PartnerID}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(solutionValues(s))
	saved := s
	err = h.app.DB.InTx(ctx, func(tx *store.Tx) error { return h.submitSolutionIn(ctx, tx, c, f, s, &saved) })
	if errors.Is(err, errSolutionMissing) {
		return h.renderSolutionForm(c, http.StatusUnprocessableEntity, s, f)
	}
	if err := f.take(c, err); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderSolutionDetail(c, http.StatusConflict, s, f, nil)
	}
	return c.done("solutions.submitted", solutionsPath+"/"+s.ID, s.Name)
}

// removeSolutionFile takes a material off a draft or returned solution
// (the upload itself stays, as uploads nobody refers to do).
func (h *handler) removeSolutionFile(c *call) error {
	ctx := c.r.Context()
	s, err := solution.Get(ctx, h.app.DB.Reader(), solution.Viewer{PartnerID: c.p.PartnerID}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(solutionValues(s))
	err = h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		file, err := solution.Detach(ctx, tx, c.solutionActor(), s.ID, c.r.PathValue("file"))
		if err != nil {
			return err
		}
		return auditSolutionFile(ctx, tx, "solution.detach", s, file)
	})
	if err := f.take(c, err); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderSolutionForm(c, http.StatusConflict, s, f)
	}
	return c.done("solutions.file_removed", solutionsPath+"/"+s.ID+"/edit")
}
