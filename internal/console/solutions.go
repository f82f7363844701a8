package console

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
)

// 解决方案构建 (seed snippet 8): the partner's solutions with query
// conditions (name, status) and paging; the 操作 column offers what the
// status allows: 查看 always, 编辑 and 提交 for a draft or a returned
// solution, and 配置器开发 exactly in 配置器开发中, which opens the
// solution's page of 解决方案配置中心 (solutionConfiguratorPath). A
// solution's page shows its materials, the timeline of its statuses and
// the PSA assistance thread (申请PSA协助). The back office's side is in
// solutions_staff.go. Another partner's solution answers not found: every
// read goes through the partner's solution.Viewer.

const solutionsPath = "/console/solutions"

// solutionConfiguratorPath is the configurator page of a solution in
// 解决方案配置中心 (configurator*.go registers it).
func solutionConfiguratorPath(id string) string { return solutionsPath + "/" + id + "/configurator" }

// solutionRoutes registers the pages of this area.
func (h *handler) solutionRoutes() {
	need := perms(auth.PermSolution)
	h.page("GET "+solutionsPath, need, h.solutionsPage)
	h.pageAndForm(solutionsPath+"/new", need, h.newSolutionPage)
	h.page("GET "+solutionsPath+"/{id}", need, h.solutionPage)
	h.pageAndForm(solutionsPath+"/{id}/edit", need, h.editSolutionPage)
	h.page("POST "+solutionsPath+"/{id}/submit", need, h.submitSolution)
	h.page("POST "+solutionsPath+"/{id}/messages", need, h.askPSA)
	h.page("POST "+solutionsPath+"/{id}/files/{file}/delete", need, h.removeSolutionFile)
	h.staffSolutionRoutes()
}

// Label keys of the domain's values.
func solutionStatusKey(s string) string { return "solution.status." + s }
func solutionActionKey(s string) string { return "solution.action." + s }
func solutionFileKey(s string) string   { return "solution.file." + s }

// solutionsView is what solutions.html shows.
type solutionsView struct {
	Staff    bool // the back office's queue
	Awaiting bool // only those awaiting the PSA's answer
	Statuses []option
	Rows     []solutionRow
	Pager    pager
	Reset    string // the list's address
}

// solutionRow is one solution of a list with its labels and the 操作
// column's links and buttons.
type solutionRow struct {
	*solution.Solution
	Status, Industry string
	Href             string
	Edit             string // 编辑
	Submit           string // 提交: the address it posts to
	Configurator     string // 配置器开发
}

func (c *call) solutionRow(s *solution.Solution, base string) solutionRow {
	r := solutionRow{Solution: s, Status: c.t(solutionStatusKey(s.Status)), Industry: c.industryName(s.Industry), Href: base + "/" + s.ID}
	if c.p.IsStaff() {
		return r
	}
	if solution.Editable(s.Status) {
		r.Edit = r.Href + "/edit"
	}
	if slices.Contains(solution.Actions(solution.Partner, s.Status), solution.Submit) {
		r.Submit = r.Href + "/submit"
	}
	if solution.AllowsConfiguratorDevelopment(s.Status) {
		r.Configurator = solutionConfiguratorPath(s.ID)
	}
	return r
}

// solutionFilter reads the query conditions of a list, putting a bad
// status next to its field.
func (c *call) solutionFilter(f *form, v solution.Viewer) solution.Filter {
	filter := solution.Filter{Viewer: v, Name: f.Get("name"), Status: f.Get("status"), Limit: pageSize}
	if filter.Status != "" && !slices.Contains(solution.Statuses, filter.Status) {
		f.fieldError("status", c.t("form.invalid"))
		filter.Status = ""
	}
	return filter
}

// listSolutions fills a list view from the request's conditions and page.
func (h *handler) listSolutions(c *call, f *form, filter solution.Filter, base string) (*solutionsView, error) {
	v := &solutionsView{Staff: c.p.IsStaff(), Awaiting: filter.AwaitingPSA, Statuses: optionsOf(c.lang, solution.Statuses, solutionStatusKey),
		Reset: base}
	page, offset := pageOf(c.r)
	filter.Offset = offset
	total := 0
	if f.ok() {
		list, n, err := solution.List(c.r.Context(), h.app.DB.Reader(), filter)
		if err != nil {
			return nil, err
		}
		total = n
		for _, s := range list {
			v.Rows = append(v.Rows, c.solutionRow(s, base))
		}
	}
	v.Pager = newPager(c.r, page, total)
	return v, nil
}

func (h *handler) solutionsPage(c *call) error {
	f := newForm(c.r.URL.Query())
	v, err := h.listSolutions(c, f, c.solutionFilter(f, solution.Viewer{PartnerID: c.p.PartnerID}), solutionsPath)
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "solutions", &view{Title: "solutions.title", Active: solutionsPath, Form: f, Data: v})
}

// solutionActor is the signed-in user as a side of the solution flow.
func (c *call) solutionActor() solution.Actor {
	if c.p.IsStaff() {
		return solution.Actor{Side: solution.PSA, UserID: c.p.UserID, Name: c.p.ActorName()}
	}
	return solution.Actor{Side: solution.Partner, PartnerID: c.p.PartnerID, UserID: c.p.UserID, Name: c.p.ActorName()}
}

// auditSolution records a change of a solution in the audit log.
func auditSolution(ctx context.Context, tx *store.Tx, action string, before, after *solution.Solution) error {
	ch := audit.Change{PartnerID: after.PartnerID, Action: action, ObjectType: "solution", ObjectID: after.ID,
		After: map[string]any{"name": after.Name, "status": after.Status}}
	if before != nil {
		ch.Before = map[string]any{"name": before.Name, "status": before.Status}
	}
	return audit.Record(ctx, tx, ch)
}

// auditSolutionFile records a material attached to or removed from a
// solution in the audit log.
func auditSolutionFile(ctx context.Context, tx *store.Tx, action string, s *solution.Solution, f *solution.File) error {
	return audit.Record(ctx, tx, audit.Change{PartnerID: s.PartnerID, Action: action, ObjectType: "solution", ObjectID: s.ID,
		After: map[string]any{"name": s.Name, "kind": f.Kind, "file": f.Name, "upload_id": f.UploadID}})
}

// solutionNotificationHref is the solution page a notification of the
// solution package opens, on the user's side; ok is false for the
// notifications of other areas.
func solutionNotificationHref(c *call, n opportunity.Notification) (href string, ok bool) {
	if !strings.HasPrefix(n.Kind, "solution.") {
		return "", false
	}
	switch {
	case c.p.IsStaff() && c.p.Can(auth.PermStaffSolutions):
		return staffSolutionsPath + "/" + n.SubjectID + "#thread", true
	case !c.p.IsStaff() && c.p.Can(auth.PermSolution):
		return solutionsPath + "/" + n.SubjectID + "#thread", true
	}
	return "", true
}
