package console

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"partnercenter/internal/audit"
	"partnercenter/internal/exports"
	"partnercenter/internal/funds"
	"partnercenter/internal/jobs"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// 导出 and 我的导出: the 收支明细 and 调账记录 tabs start a background export
// of the query they show (CSV or Excel); 我的导出 lists the user's exports
// with their progress, polling while one runs, and downloads finished
// files. An export belongs to the user who asked for it: another user's
// answers not found.

const exportsPath = fundsPath + "/exports"

// exportTitles name the kinds of export this console starts.
var exportTitles = map[string]string{
	funds.ExportStatement:   "export.statement.title",
	funds.ExportAdjustments: "export.adjustments.title",
}

// exportsView is the 我的导出 tab.
type exportsView struct {
	Base string // the page's exports address: the list's refresh, base of the downloads
	Rows []exportRow
	// Active is set while an export is queued or running: the list then
	// refreshes itself.
	Active bool
}

type exportRow struct {
	*exports.Export
	Title, StatusText string
}

func (h *handler) exportsPage(c *call) error {
	v, err := h.exportList(c, "/console/funds/exports")
	if err != nil {
		return err
	}
	return c.renderFunds(http.StatusOK, &fundsView{Tab: "exports", Exports: v}, nil)
}

// exportList is the signed-in user's latest exports of the given kinds (all
// kinds when none is named), for a page whose exports live under base.
func (h *handler) exportList(c *call, base string, kinds ...string) (*exportsView, error) {
	list, err := exports.List(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.p.UserID, 50)
	if err != nil {
		return nil, err
	}
	v := &exportsView{Base: base}
	for _, e := range list {
		if len(kinds) > 0 && !slices.Contains(kinds, e.Kind) {
			continue
		}
		v.Active = v.Active || e.Status == exports.Queued || e.Status == exports.Running
		title := e.Kind
		if key, ok := exportTitles[e.Kind]; ok {
			title = c.t(key)
		}
		v.Rows = append(v.Rows, exportRow{Export: e, Title: title, StatusText: c.t(exportStatusKey(e.Status))})
	}
	return v, nil
}

// createExport starts an export of the query a tab shows, checked as the
// tab checks it; a refused query shows the tab again with its messages.
func (h *handler) createExport(c *call) error {
	f := newForm(c.postForm())
	kind := f.Get("kind")
	var params any
	var again func(status int) error
	switch kind {
	case funds.ExportStatement:
		q, err := c.statementQuery(f)
		if err != nil {
			return err
		}
		params = funds.StatementExport{BalanceType: q.BalanceType, From: q.From, To: q.To, TradeType: q.TradeType}
		again = func(status int) error { return h.renderStatement(c, status, f) }
	case funds.ExportAdjustments:
		af, err := c.adjustmentFilter(f)
		if err != nil {
			return err
		}
		params = funds.AdjustmentsExport{CustomerID: af.CustomerID, OperationType: af.OperationType, From: af.From, To: af.To}
		again = func(status int) error { return h.renderAdjustments(c, status, f) }
	default:
		return apperr.New(apperr.Invalid, "exports.kind_unknown", "unknown export")
	}
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		e, err := exports.Create(ctx, tx, c.p.PartnerID, c.p.UserID, kind, f.Get("format"), string(c.lang), params)
		if err != nil {
			return err
		}
		if err := h.background(ctx, tx, jobs.ExportArgs{ID: e.ID}, func(ctx context.Context) error { return exports.Run(ctx, h.app.DB, e.ID) }); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "export.create", ObjectType: "export", ObjectID: e.ID,
			After: map[string]any{"kind": kind, "format": e.Format}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		// The tab is shown at its own address, so that its pager and
		// language switch lead back to it rather than to this post.
		path := fundsPath
		if kind == funds.ExportAdjustments {
			path += "/adjustments"
		}
		c.r.URL = &url.URL{Path: path, RawQuery: f.Values.Encode()}
		return again(http.StatusUnprocessableEntity)
	}
	return c.done("exports.created", exportsPath)
}

// downloadExport sends a finished export's file.
func (h *handler) downloadExport(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	e, err := exports.Get(ctx, q, c.p.PartnerID, c.p.UserID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if e.Status != exports.Done {
		return apperr.New(apperr.Conflict, "exports.not_ready", "the file is not ready yet")
	}
	return c.attachment(e.FileName, e.ContentType(), e.Size, func(w io.Writer) error { return exports.WriteFile(ctx, q, e, w) })
}

// attachment answers with a file to save. Once a byte is out, a failure can
// only be logged: the status has gone.
func (c *call) attachment(name, contentType string, size int64, write func(io.Writer) error) error {
	hdr := c.w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if size > 0 {
		hdr.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	w := &countingWriter{w: c.w}
	err := write(w)
	if err != nil && w.n > 0 {
		c.h.app.Log.Error("console: download failed", "file", name, "err", err)
		return nil
	}
	return err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	return n, err
}

// jobArgs are a background job's arguments (river.JobArgs).
type jobArgs interface{ Kind() string }

// background starts work once tx commits. When the node runs jobs, the job
// is enqueued in tx, so that it exists exactly when the change does and
// any node may run it. Without a job runner (tests, one-off tools) run
// starts in a goroutine after the commit.
func (h *handler) background(ctx context.Context, tx *store.Tx, args jobArgs, run func(context.Context) error) error {
	if h.app.Jobs != nil {
		return h.app.Jobs.Enqueue(ctx, tx, args)
	}
	tx.AfterCommit(func() {
		go func() {
			if err := run(context.Background()); err != nil {
				h.app.Log.Error("console: background work failed", "kind", args.Kind(), "err", err)
			}
		}()
	})
	return nil
}
