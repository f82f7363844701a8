package console

import (
	"context"
	"net/http"
	"time"

	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
)

// A solution's page, for its partner and for the back office alike: the
// fields and status, the materials (each downloadable), the timeline of
// every transition with its time, and the PSA assistance thread with its
// form (申请PSA协助 for the partner, 回复 for the PSA). Each side sees the
// actions its side may take in the status (solution.Actions): the partner
// 编辑 and 提交, the PSA approve, return with a reason, and the moves
// through joint design and validation to 配置器开发中.

// solutionDetailView is what solutions_detail.html shows.
type solutionDetailView struct {
	Row      solutionRow
	Staff    bool
	Base     string // the list's address on this side
	Files    []solutionFileRow
	Timeline []solutionEvent
	Thread   []solutionMessage
	Moves    []solutionMove // the PSA's buttons
	MoveForm *form
	AskForm  *form
}

type solutionFileRow struct {
	solution.File
	Kind, Href string
	Remove     string // where 删除 posts, on the edit form
}

type solutionEvent struct {
	At                   time.Time
	Actor, Action        string
	FromStatus, ToStatus string
	Comment              string
}

type solutionMessage struct {
	solution.Message
	FromPSA bool
}

// solutionMove is one of the PSA's actions, with whether it asks for a reason.
type solutionMove struct {
	Action, Label string
	Reason        bool
}

func (c *call) solutionFileRows(files []solution.File) []solutionFileRow {
	out := make([]solutionFileRow, len(files))
	for i, f := range files {
		out[i] = solutionFileRow{File: f, Kind: c.t(solutionFileKey(f.Kind)), Href: fileHref(f.UploadID)}
	}
	return out
}

func (h *handler) solutionPage(c *call) error {
	s, err := solution.Get(c.r.Context(), h.app.DB.Reader(), solution.Viewer{PartnerID: c.p.PartnerID}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.renderSolutionDetail(c, http.StatusOK, s, nil, nil)
}

func (h *handler) renderSolutionDetail(c *call, status int, s *solution.Solution, moveForm, askForm *form) error {
	ctx, q := c.r.Context(), store.Queryer(h.app.DB.Reader())
	v := &solutionDetailView{Staff: c.p.IsStaff(), Base: solutionsPath, MoveForm: moveForm, AskForm: askForm}
	title, active := "solutions.detail_title", solutionsPath
	if v.Staff {
		v.Base, title, active = staffSolutionsPath, "staff_solutions.detail_title", staffSolutionsPath
		for _, a := range solution.Actions(solution.PSA, s.Status) {
			v.Moves = append(v.Moves, solutionMove{Action: a, Label: c.t("staff_solutions.do." + a), Reason: solution.ReasonRequired(a)})
		}
	}
	v.Row = c.solutionRow(s, v.Base)
	if v.MoveForm == nil {
		v.MoveForm = newForm(nil)
	}
	if v.AskForm == nil {
		v.AskForm = newForm(nil)
	}
	files, err := solution.Files(ctx, q, s.ID)
	if err != nil {
		return err
	}
	v.Files = c.solutionFileRows(files)
	events, err := solution.Timeline(ctx, q, s.ID)
	if err != nil {
		return err
	}
	for _, e := range events {
		ev := solutionEvent{At: e.At, Actor: e.Actor, Action: e.Action, Comment: e.Comment}
		if i18n.Has(solutionActionKey(e.Action)) {
			ev.Action = c.t(solutionActionKey(e.Action))
		}
		if e.From != e.To {
			ev.ToStatus = c.t(solutionStatusKey(e.To))
			if e.From != "" {
				ev.FromStatus = c.t(solutionStatusKey(e.From))
			}
		}
		v.Timeline = append(v.Timeline, ev)
	}
	thread, err := solution.Thread(ctx, q, s.ID)
	if err != nil {
		return err
	}
	for _, m := range thread {
		v.Thread = append(v.Thread, solutionMessage{Message: m, FromPSA: m.Side == solution.PSA})
	}
	return c.render(status, "solutions_detail", &view{Title: title, Active: active, Data: v})
}

// askPSA is 申请PSA协助: the partner's message on its solution's thread.
func (h *handler) askPSA(c *call) error {
	return h.postSolutionMessage(c, solution.Viewer{PartnerID: c.p.PartnerID}, solutionsPath, "solutions.asked")
}

// postSolutionMessage adds the signed-in side's message to a solution's
// thread and returns to its page; a refused message is shown next to its
// field.
func (h *handler) postSolutionMessage(c *call, v solution.Viewer, base, flash string) error {
	ctx := c.r.Context()
	s, err := solution.Get(ctx, h.app.DB.Reader(), v, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(c.postForm())
	if err := c.apply(f, func(ctx2 context.Context, tx *store.Tx) error {
		_, err := solution.Post(ctx2, tx, c.solutionActor(), s.ID, f.Get("body"))
		return err
	}); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderSolutionDetail(c, http.StatusUnprocessableEntity, s, nil, f)
	}
	return c.done(flash, base+"/"+s.ID+"#thread", s.Name)
}
