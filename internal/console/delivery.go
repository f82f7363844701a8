package console

import (
	"context"
	"mime/multipart"
	"net/http"
	"slices"

	"partnercenter/internal/auth"
	"partnercenter/internal/delivery"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
	"partnercenter/internal/upload"
)

// 项目交付评价 (交付 > 基线解决方案 > 项目交付评价, seed snippets 9 and 12):
// the partner's registered projects with a status filter; 反馈交付状态 on a
// registered project (已验收 or 中止交易); 提交举证材料 on a project drawn by
// sampling, again after a rejection; and each project's evaluation results.
// A project that was not sampled says its flow has ended. The back office's
// side is in delivery_staff.go. Another partner's project answers not found:
// every read goes through the partner's delivery.Viewer.

const deliveryPath = "/console/delivery/evaluations"

// deliveryRoutes registers the pages of this area, and the downloads of
// uploaded files (files.go), which every area's pages link to.
func (h *handler) deliveryRoutes() {
	h.page("GET "+filesPath+"/{id}", nil, h.downloadFile)

	need := perms(auth.PermDelivery)
	h.page("GET "+deliveryPath, need, h.deliveryPage)
	h.page("GET "+deliveryPath+"/{id}", need, h.deliveryProjectPage)
	h.pageAndForm(deliveryPath+"/{id}/feedback", need, h.deliveryFeedbackPage)
	h.pageAndForm(deliveryPath+"/{id}/evidence", need, h.deliveryEvidencePage)
	h.staffDeliveryRoutes()
}

// Label keys of the domain's values.
func deliveryStatusKey(s string) string     { return "delivery.status." + s }
func deliveryEvaluationKey(s string) string { return "delivery.evaluation." + s }
func deliveryItemKey(s string) string       { return "delivery.item." + s }

// deliveryRow is one project of a list with its labels and operations.
type deliveryRow struct {
	*delivery.Project
	StatusText, EvaluationText string
	Href                       string
	Ops                        []tab // 反馈交付状态, 提交举证材料: what the project allows now
}

func (c *call) deliveryRow(p *delivery.Project, base string) deliveryRow {
	row := deliveryRow{Project: p, StatusText: c.t(deliveryStatusKey(p.Status)), EvaluationText: "-", Href: base + "/" + p.ID}
	if p.Evaluation != "" {
		row.EvaluationText = c.t(deliveryEvaluationKey(p.Evaluation))
	}
	if base == deliveryPath {
		if p.CanFeedback() {
			row.Ops = append(row.Ops, tab{Label: "delivery.feedback", Href: row.Href + "/feedback"})
		}
		if p.CanSubmitEvidence() {
			row.Ops = append(row.Ops, tab{Label: "delivery.submit_evidence", Href: row.Href + "/evidence"})
		}
	}
	return row
}

// deliveryListView is what a list of projects shows, for the partner and
// for the back office.
type deliveryListView struct {
	Tab                   string
	Tabs                  []tab
	Statuses, Evaluations []option
	Action, Reset         string
	Rows                  []deliveryRow
	Pager                 pager
	Staff                 bool
}

// deliveryFilter reads the query conditions of a list of projects.
func (c *call) deliveryFilter(f *form, v delivery.Viewer) delivery.Filter {
	filter := delivery.Filter{Viewer: v, Query: f.Get("q"), Limit: pageSize}
	choose := func(field string, allowed []string) string {
		value := f.Get(field)
		if value != "" && !slices.Contains(allowed, value) {
			f.fieldError(field, c.t("form.invalid"))
			return ""
		}
		return value
	}
	filter.Status = choose("status", delivery.Statuses)
	filter.Evaluation = choose("evaluation", delivery.Evaluations)
	return filter
}

// listDeliveries fills a list view for a viewer; base is where its rows link.
func (h *handler) listDeliveries(c *call, f *form, viewer delivery.Viewer, base string, v *deliveryListView) error {
	v.Statuses = optionsOf(c.lang, delivery.Statuses, deliveryStatusKey)
	v.Evaluations = optionsOf(c.lang, delivery.Evaluations, deliveryEvaluationKey)
	filter := c.deliveryFilter(f, viewer)
	page, offset := pageOf(c.r)
	filter.Offset = offset
	total := 0
	if f.ok() {
		list, n, err := delivery.List(c.r.Context(), h.app.DB.Reader(), filter)
		if err != nil {
			return err
		}
		total = n
		for _, p := range list {
			v.Rows = append(v.Rows, c.deliveryRow(p, base))
		}
	}
	v.Pager = newPager(c.r, page, total)
	return nil
}

func (h *handler) deliveryPage(c *call) error {
	f := newForm(c.r.URL.Query())
	v := &deliveryListView{Action: deliveryPath, Reset: deliveryPath}
	if err := h.listDeliveries(c, f, delivery.Viewer{PartnerID: c.p.PartnerID}, deliveryPath, v); err != nil {
		return err
	}
	return c.render(http.StatusOK, "delivery", &view{Title: "nav.delivery_evaluation", Active: deliveryPath, Form: f, Data: v})
}

// deliveryDetail is a project with its sampling and evidence, as both sides
// see it; Evaluate is the evaluator's form, for the back office only.
type deliveryDetail struct {
	deliveryRow
	Back     string
	Flow     string // the sentence that says where the evaluation stands
	Run      *delivery.Run
	RunHref  string
	Rounds   []roundView
	Evaluate bool
	Staff    bool
}

// roundView is one evidence round with its files by item, in item order.
type roundView struct {
	delivery.Round
	ResultText string
	Items      []itemFiles
}

type itemFiles struct {
	Label string
	Files []fileLink
}

type fileLink struct {
	upload.File
	Href string
}

func (c *call) roundViews(rounds []delivery.Round) []roundView {
	out := make([]roundView, 0, len(rounds))
	for _, r := range rounds {
		rv := roundView{Round: r, ResultText: c.t(deliveryEvaluationKey(delivery.Evaluating))}
		if r.Result != "" {
			rv.ResultText = c.t(deliveryEvaluationKey(r.Result))
		}
		for _, item := range delivery.Items {
			if files := r.Files[item]; len(files) > 0 {
				links := make([]fileLink, len(files))
				for i, f := range files {
					links[i] = fileLink{File: f, Href: fileHref(f.ID)}
				}
				rv.Items = append(rv.Items, itemFiles{Label: c.t(deliveryItemKey(item)), Files: links})
			}
		}
		out = append(out, rv)
	}
	return out
}

// deliveryDetailOf gathers what a project's page shows for a viewer.
func (h *handler) deliveryDetailOf(c *call, viewer delivery.Viewer, base, id string) (*deliveryDetail, error) {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	p, err := delivery.Get(ctx, q, viewer, id)
	if err != nil {
		return nil, err
	}
	d := &deliveryDetail{deliveryRow: c.deliveryRow(p, base), Back: base, Staff: viewer.PartnerID == ""}
	d.Flow = c.t("delivery.flow." + or(p.Evaluation, p.Status))
	if p.SamplingRunID != "" {
		if d.Run, err = delivery.GetRun(ctx, q, p.SamplingRunID); err != nil {
			return nil, err
		}
		if d.Staff {
			d.RunHref = staffDeliveryPath + "/runs/" + d.Run.ID
		}
	}
	rounds, err := delivery.Rounds(ctx, q, viewer, id)
	if err != nil {
		return nil, err
	}
	d.Rounds = c.roundViews(rounds)
	return d, nil
}

func (h *handler) deliveryProjectPage(c *call) error {
	d, err := h.deliveryDetailOf(c, delivery.Viewer{PartnerID: c.p.PartnerID}, deliveryPath, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "delivery_detail", &view{Title: "delivery.detail_title", Active: deliveryPath, Form: newForm(nil), Data: d})
}

// deliveryFormView is the page of 反馈交付状态 or 提交举证材料.
type deliveryFormView struct {
	*deliveryDetail
	Kind     string // feedback or evidence
	Statuses []option
	Items    []evidenceField
	Closed   string // why the form cannot be used now; the page says it instead of the form
}

type evidenceField struct {
	Field, Label string
	Required     bool
}

// Required reports whether an evidence item must have a file.
func (v *deliveryFormView) Required(item string) bool {
	return slices.Contains(delivery.RequiredItems, item)
}

func (h *handler) renderDeliveryForm(c *call, status int, kind string, d *deliveryDetail, f *form) error {
	v := &deliveryFormView{deliveryDetail: d, Kind: kind}
	title := "delivery.feedback"
	switch kind {
	case "feedback":
		v.Statuses = optionsOf(c.lang, []string{delivery.Accepted, delivery.Terminated}, deliveryStatusKey)
		if !d.CanFeedback() {
			v.Closed = c.t("delivery.closed")
		}
	case "evidence":
		title = "delivery.submit_evidence"
		for _, item := range delivery.Items {
			v.Items = append(v.Items, evidenceField{Field: item, Label: deliveryItemKey(item), Required: slices.Contains(delivery.RequiredItems, item)})
		}
		if !d.CanSubmitEvidence() {
			v.Closed = d.Flow
		}
	}
	return c.render(status, "delivery_form", &view{Title: title, Active: deliveryPath, Form: f, Data: v})
}

// deliveryFeedbackPage is 反馈交付状态: accepted or terminated, the date and a note.
func (h *handler) deliveryFeedbackPage(c *call) error {
	viewer := delivery.Viewer{PartnerID: c.p.PartnerID}
	d, err := h.deliveryDetailOf(c, viewer, deliveryPath, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.r.Method != http.MethodPost {
		return h.renderDeliveryForm(c, http.StatusOK, "feedback", d, newForm(nil))
	}
	f := newForm(c.postForm())
	fb := delivery.Feedback{Status: f.Get("status"), Date: c.dayField(f, "date"), Note: f.Get("note")}
	if err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		_, err := delivery.SubmitFeedback(ctx, tx, c.p.PartnerID, c.p.ActorName(), d.ID, fb)
		return err
	}); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderDeliveryForm(c, http.StatusUnprocessableEntity, "feedback", d, f)
	}
	return c.done("delivery.feedback_saved."+fb.Status, deliveryPath+"/"+d.ID, d.Code)
}

// deliveryEvidencePage is 提交举证材料: files for each evidence item, stored
// as uploads first, then submitted together as one round.
func (h *handler) deliveryEvidencePage(c *call) error {
	viewer := delivery.Viewer{PartnerID: c.p.PartnerID}
	d, err := h.deliveryDetailOf(c, viewer, deliveryPath, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.r.Method != http.MethodPost {
		return h.renderDeliveryForm(c, http.StatusOK, "evidence", d, newForm(nil))
	}
	f, files := c.evidencePostForm()
	evidence := delivery.Evidence{Note: f.Get("note"), Files: map[string][]string{}}
	// A project that takes no evidence is refused before any file is kept.
	if f.ok() {
		if err := f.take(c, delivery.EvidenceRefused(d.Project)); err != nil {
			return err
		}
	}
	if f.ok() {
		if evidence.Files, err = h.saveEvidence(c, f, files); err != nil {
			return err
		}
	}
	if err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		_, err := delivery.SubmitEvidence(ctx, tx, c.p.PartnerID, c.p.ActorName(), d.ID, evidence)
		return err
	}); err != nil {
		return err
	}
	if !f.ok() {
		if err := h.discardEvidence(c, evidence); err != nil {
			return err
		}
		return h.renderDeliveryForm(c, http.StatusUnprocessableEntity, "evidence", d, f)
	}
	return c.done("delivery.evidence_saved", deliveryPath+"/"+d.ID, d.Code)
}

// discardEvidence drops the files kept for a round that was refused.
func (h *handler) discardEvidence(c *call, e delivery.Evidence) error {
	var kept []string
	for _, ids := range e.Files {
		kept = append(kept, ids...)
	}
	return h.discardUploads(c, kept...)
}

// evidencePostForm reads the multipart body of 提交举证材料; a body over the
// limit is refused before it is read whole.
func (c *call) evidencePostForm() (*form, map[string][]*multipart.FileHeader) {
	limit := int64(len(delivery.Items)*delivery.MaxFilesPerItem)*delivery.MaxEvidenceBytes + 1<<20
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, limit)
	if err := c.r.ParseMultipartForm(8 << 20); err != nil {
		f := newForm(nil)
		f.Error = c.errText(upload.TooLarge(delivery.MaxEvidenceBytes))
		return f, nil
	}
	return newForm(c.r.PostForm), c.r.MultipartForm.File
}

// saveEvidence stores the chosen files of each item; a refused file's
// message goes next to its item's input.
func (h *handler) saveEvidence(c *call, f *form, files map[string][]*multipart.FileHeader) (map[string][]string, error) {
	uploads, err := h.uploadStore(c.r.Context())
	if err != nil {
		return nil, err
	}
	chosen := func(item string) []*multipart.FileHeader {
		return slices.DeleteFunc(slices.Clone(files[item]), func(fh *multipart.FileHeader) bool { return fh.Filename == "" })
	}
	// A required item without a file is named before any file is kept.
	for _, item := range delivery.RequiredItems {
		if len(chosen(item)) == 0 {
			f.fieldError(item, c.t("delivery.item_required"))
		}
	}
	if !f.ok() {
		return nil, nil
	}
	out := map[string][]string{}
	var kept []string
	for _, item := range delivery.Items {
		for _, fh := range chosen(item) {
			body, err := fh.Open()
			if err != nil {
				return nil, err
			}
			saved, err := uploads.Save(c.r.Context(), upload.Upload{PartnerID: c.p.PartnerID, Kind: delivery.EvidenceKind,
				Name: fh.Filename, CreatedBy: c.p.UserID, Body: body})
			body.Close()
			if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
				f.fieldError(item, i18n.T(c.lang, "delivery.file_refused", fh.Filename, c.errText(e)))
				continue
			}
			if err != nil {
				return nil, err
			}
			out[item] = append(out[item], saved.ID)
			kept = append(kept, saved.ID)
		}
	}
	if !f.ok() {
		// One file was refused: the round is not submitted, so the files
		// kept for it would be orphans.
		return nil, uploads.Discard(c.r.Context(), kept...)
	}
	return out, nil
}
