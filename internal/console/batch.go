package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"

	"partnercenter/internal/audit"
	"partnercenter/internal/funds"
	"partnercenter/internal/jobs"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 批量调账: 拨款 or 回收 for many customers from an uploaded CSV or Excel
// file. Upload → a preview with each line's check → confirm → a background
// job applies the lines (funds.RunBatch) while the page shows its progress
// and then each line's result.

const batchesPath = fundsPath + "/batches"

// batchesView is the 批量调账 tab: the upload form and the partner's batches.
type batchesView struct {
	Rows       []batchSummary
	Pager      pager
	Operations []option
	MaxRows    int
	MaxMB      int
}

type batchSummary struct {
	*funds.Batch
	Operation, Status string
}

func (c *call) batchSummary(b *funds.Batch) batchSummary {
	return batchSummary{Batch: b, Operation: c.t(batchOpKey(b.Operation)), Status: c.t(batchStatusKey(b.Status))}
}

func (h *handler) batchesPage(c *call) error {
	return h.renderBatches(c, http.StatusOK, newForm(url.Values{"operation": {funds.BatchAllocate}}))
}

func (h *handler) renderBatches(c *call, status int, f *form) error {
	page, offset := pageOf(c.r)
	list, total, err := funds.Batches(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, offset, pageSize)
	if err != nil {
		return err
	}
	v := &batchesView{Pager: newPager(c.r, page, total), Operations: optionsOf(c.lang, funds.BatchOperations, batchOpKey),
		MaxRows: funds.MaxBatchRows, MaxMB: funds.MaxBatchBytes >> 20}
	for _, b := range list {
		v.Rows = append(v.Rows, c.batchSummary(b))
	}
	return c.renderFunds(status, &fundsView{Tab: "batches", Batches: v}, f)
}

// uploadBatch reads an upload, checks every line and keeps the batch as a
// preview; nothing moves until the partner confirms it.
func (h *handler) uploadBatch(c *call) error {
	f := newForm(nil)
	// Room for the file and the form around it; a larger body is refused
	// before it is read whole.
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, funds.MaxBatchBytes+64<<10)
	err := c.r.ParseMultipartForm(1 << 20)
	if c.r.MultipartForm != nil {
		defer func() { _ = c.r.MultipartForm.RemoveAll() }()
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		f.fieldError("file", c.t("funds.batch_file_too_large"))
	case err != nil:
		f.fieldError("file", c.t("funds.batch.file_missing"))
	default:
		f.Values = c.r.PostForm
	}
	var file *funds.BatchFile
	var name string
	if f.ok() {
		upload, hdr, err := c.r.FormFile("file")
		if err != nil {
			f.fieldError("file", c.t("funds.batch.file_missing"))
		} else {
			defer upload.Close()
			name = truncateRunes(path.Base(strings.ReplaceAll(hdr.Filename, `\`, "/")), 200)
			format := strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
			file, err = funds.ReadBatchFile(upload, format)
			if err := f.take(c, err); err != nil {
				return err
			}
		}
	}
	var b *funds.Batch
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		b, err = funds.CreateBatch(ctx, tx, funds.NewBatch{PartnerID: c.p.PartnerID, UserID: c.p.UserID, Operator: c.p.Username,
			Operation: f.Get("operation"), FileName: name, File: file})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "funds.batch_upload", ObjectType: "fund_batch", ObjectID: b.ID,
			After: map[string]any{"file_name": name, "operation": b.Operation, "rows": b.RowsTotal, "invalid": b.RowsInvalid}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderBatches(c, http.StatusUnprocessableEntity, f)
	}
	c.redirect(batchesPath + "/" + b.ID)
	return nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// batchTemplate downloads the file to fill in, in the user's language.
func (h *handler) batchTemplate(c *call) error {
	format := c.r.PathValue("format")
	if format != funds.BatchCSV && format != funds.BatchXLSX {
		return apperr.NotFoundf("error.not_found.title", "no such template")
	}
	var buf bytes.Buffer
	err := funds.WriteBatchTemplate(&buf, format,
		[]string{c.t("funds.batch.col.customer"), c.t("funds.batch.col.amount"), c.t("funds.batch.col.memo")},
		[]string{"example-account", "100.00", c.t("funds.batch.example_memo")})
	if err != nil {
		return err
	}
	contentType := "text/csv; charset=utf-8"
	if format == funds.BatchXLSX {
		contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return c.attachment(c.t("funds.batch.template_name")+"."+format, contentType, int64(buf.Len()),
		func(w io.Writer) error { _, err := buf.WriteTo(w); return err })
}

// batchView is a batch's page: the preview with the confirm button, then
// the progress, then each line's result.
type batchView struct {
	batchSummary
	Rows          []batchLine
	Pager         pager
	Problems      bool // only the lines with a problem are listed
	AllHref       string
	ProblemsHref  string
	AppliedBefore int
	// Available is what the partner can give now; Short says a 拨款 batch
	// asks for more, and lines will fail when their turn comes.
	Available int64
	Short     bool
}

type batchLine struct {
	funds.BatchRow
	Status, Problem string
}

func (h *handler) batchPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	b, err := funds.GetBatch(ctx, q, c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	v := batchView{batchSummary: c.batchSummary(b), Problems: c.r.URL.Query().Get("problems") == "1",
		AllHref: batchesPath + "/" + b.ID, ProblemsHref: batchesPath + "/" + b.ID + "?problems=1"}
	page, offset := pageOf(c.r)
	rows, total, err := funds.BatchRows(ctx, q, b.ID, funds.RowFilter{Problems: v.Problems, Offset: offset, Limit: pageSize})
	if err != nil {
		return err
	}
	v.Pager = newPager(c.r, page, total)
	for _, r := range rows {
		line := batchLine{BatchRow: r, Status: c.t(rowStatusKey(r.Status))}
		if r.Problem != "" {
			line.Problem = c.problemText(r.Problem, r.ProblemArg)
		}
		v.Rows = append(v.Rows, line)
	}
	if b.Status == funds.BatchPreview {
		if v.AppliedBefore, err = funds.AppliedBefore(ctx, q, b); err != nil {
			return err
		}
		if b.Operation == funds.BatchAllocate {
			if v.Available, err = partnerAvailable(ctx, q, c.p.PartnerID); err != nil {
				return err
			}
			v.Short = b.AmountTotal > v.Available
		}
	}
	f := newForm(url.Values{"client": {newClientToken()}})
	return c.render(http.StatusOK, "funds_batch", &view{Title: "funds.batch.title", Active: fundsPath, Form: f, Data: v})
}

// problemText is a line's problem in the user's language; arg fills the
// message's placeholder when it has one.
func (c *call) problemText(key, arg string) string {
	text := c.t(key)
	if arg != "" && strings.Contains(text, "%") {
		return c.t(key, arg)
	}
	return text
}

// confirmBatch queues a preview to be applied. The preview page is the
// confirmation: it lists every line and the total before this button.
func (h *handler) confirmBatch(c *call) error {
	return h.decideBatch(c, true)
}

// cancelBatch discards a preview.
func (h *handler) cancelBatch(c *call) error {
	return h.decideBatch(c, false)
}

func (h *handler) decideBatch(c *call, confirm bool) error {
	f := newForm(c.postForm())
	id := c.r.PathValue("id")
	target := batchesPath + "/" + id
	if !clientToken.MatchString(f.Get("client")) {
		c.setFlash("customers.form_stale", true)
		c.redirect(target)
		return nil
	}
	ctx := c.r.Context()
	repeated := false
	err := h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		first, err := funds.ClaimSubmission(ctx, tx, f.Get("client"), c.p.UserID)
		repeated = !first
		if err != nil || !first {
			return err
		}
		action := "funds.batch_cancel"
		var b *funds.Batch
		if confirm {
			action = "funds.batch_confirm"
			if b, err = funds.ConfirmBatch(ctx, tx, c.p.PartnerID, id); err != nil {
				return err
			}
			run := func(ctx context.Context) error { return funds.RunBatch(ctx, h.app.DB, b.ID) }
			if err := h.background(ctx, tx, jobs.FundBatchArgs{ID: b.ID}, run); err != nil {
				return err
			}
		} else if b, err = funds.CancelBatch(ctx, tx, c.p.PartnerID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: action, ObjectType: "fund_batch", ObjectID: b.ID,
			Before: map[string]any{"status": funds.BatchPreview},
			After:  map[string]any{"status": b.Status, "rows": b.RowsTotal, "amount": money.Format(b.AmountTotal)}})
	})
	if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
		c.setFlash(e.Key, true)
		c.redirect(target)
		return nil
	}
	switch {
	case err != nil:
		return err
	case repeated:
		return c.done("funds.submitted_before", target)
	case confirm:
		return c.done("funds.batch.confirmed", target)
	}
	return c.done("funds.batch.cancelled", batchesPath)
}
