package console

import (
	"context"
	"net/http"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
)

// The back office's 解决方案审批 (PermStaffSolutions, the PSA): the queue
// of every partner's solutions by status, those whose assistance thread
// waits for an answer first to find (待回复); a solution's page with its
// materials to download, approve or return with a reason, the moves
// through joint design and validation to 配置器开发中, and the answer to
// the partner's thread.

const staffSolutionsPath = "/console/staff/solutions"

func (h *handler) staffSolutionRoutes() {
	need := perms(auth.PermStaffSolutions)
	h.page("GET "+staffSolutionsPath, need, h.staffSolutionsPage)
	h.page("GET "+staffSolutionsPath+"/{id}", need, h.staffSolutionPage)
	h.page("POST "+staffSolutionsPath+"/{id}/move", need, h.staffMoveSolution)
	h.page("POST "+staffSolutionsPath+"/{id}/messages", need, h.answerSolution)
}

func (h *handler) staffSolutionsPage(c *call) error {
	f := newForm(c.r.URL.Query())
	filter := c.solutionFilter(f, solution.Viewer{})
	filter.AwaitingPSA = f.Get("awaiting") == "1"
	v, err := h.listSolutions(c, f, filter, staffSolutionsPath)
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "solutions", &view{Title: "staff_solutions.title", Active: staffSolutionsPath, Form: f, Data: v})
}

func (h *handler) staffSolutionPage(c *call) error {
	s, err := solution.Get(c.r.Context(), h.app.DB.Reader(), solution.Viewer{}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.renderSolutionDetail(c, http.StatusOK, s, nil, nil)
}

// staffMoveSolution makes one of the PSA's transitions; a refusal (a
// missing reason, a status that moved meanwhile) is shown on the page.
func (h *handler) staffMoveSolution(c *call) error {
	ctx := c.r.Context()
	s, err := solution.Get(ctx, h.app.DB.Reader(), solution.Viewer{}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(c.postForm())
	action := f.Get("action")
	var moved *solution.Solution
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if moved, err = solution.Move(ctx, tx, c.solutionActor(), s.ID, action, f.Get("reason")); err != nil {
			return err
		}
		return auditSolution(ctx, tx, "solution."+action, s, moved)
	})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Forbidden {
			return err
		}
		f.Error = c.errText(e)
	}
	if !f.ok() {
		return h.renderSolutionDetail(c, http.StatusUnprocessableEntity, s, f, nil)
	}
	return c.done("staff_solutions.moved."+action, staffSolutionsPath+"/"+s.ID, s.Name)
}

// answerSolution is the PSA's answer on a solution's thread.
func (h *handler) answerSolution(c *call) error {
	return h.postSolutionMessage(c, solution.Viewer{}, staffSolutionsPath, "staff_solutions.answered")
}
