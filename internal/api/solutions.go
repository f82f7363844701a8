package api

import (
	"net/http"
	"slices"

	"partnercenter/internal/auth"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
)

// The solution operations (解决方案构建), our extension: what a partner does
// on its solutions in the console, under the API's conventions. An access
// key acts as its partner's main account: the partner's own solutions are
// its solutions; another partner's id answers PC.0404. The PSA's side
// (approval, return, the later stages) stays in the back office.

// solutionRoutes are the API operations of this file's extension: the
// solutions, then the configurators and configuration lists of
// 解决方案配置中心 (configurators.go).
var solutionRoutes = slices.Concat(solutionOps, configuratorOps)

var solutionOps = []Route{
	{Method: http.MethodGet, Pattern: "/v2/partners/solutions", OperationID: "ListSolutions", Permission: auth.PermSolution, Handle: listSolutions},
	{Method: http.MethodPost, Pattern: "/v2/partners/solutions", OperationID: "CreateSolution", Mutates: true, Permission: auth.PermSolution, Handle: createSolution},
	{Method: http.MethodGet, Pattern: "/v2/partners/solutions/{solution_id}", OperationID: "ShowSolution", Permission: auth.PermSolution, Handle: showSolution},
	{Method: http.MethodPut, Pattern: "/v2/partners/solutions/{solution_id}", OperationID: "UpdateSolution", Mutates: true, Permission: auth.PermSolution, Handle: updateSolution},
	{Method: http.MethodPost, Pattern: "/v2/partners/solutions/{solution_id}/submit", OperationID: "SubmitSolution", Mutates: true, Permission: auth.PermSolution, Handle: submitSolution},
	{Method: http.MethodGet, Pattern: "/v2/partners/solutions/{solution_id}/messages", OperationID: "ListSolutionMessages", Permission: auth.PermSolution, Handle: listSolutionMessages},
	{Method: http.MethodPost, Pattern: "/v2/partners/solutions/{solution_id}/messages", OperationID: "CreateSolutionMessage", Mutates: true, Permission: auth.PermSolution, Handle: createSolutionMessage},
	{Method: http.MethodPost, Pattern: "/v2/partners/solutions/{solution_id}/materials", OperationID: "AddSolutionMaterial", Mutates: true, Permission: auth.PermSolution, Handle: addSolutionMaterial},
	{Method: http.MethodGet, Pattern: "/v2/partners/solutions/{solution_id}/materials/{material_id}", OperationID: "DownloadSolutionMaterial", Permission: auth.PermSolution, Handle: downloadSolutionMaterial},
	{Method: http.MethodDelete, Pattern: "/v2/partners/solutions/{solution_id}/materials/{material_id}", OperationID: "DeleteSolutionMaterial", Mutates: true, Permission: auth.PermSolution, Handle: deleteSolutionMaterial},
}

// solutionActor is the calling partner as the solution package sees it.
func (c *Call) solutionActor() solution.Actor {
	return solution.Actor{Side: solution.Partner, PartnerID: c.Partner.ID, Name: c.Principal.ActorName()}
}

// pathID reads a path's id parameter.
func (c *Call) pathID(name string) (string, error) {
	id := c.Request.PathValue(name)
	if id == "" || len(id) > 64 {
		return "", fieldError("CBC.0100", name, "api.id_length", "must be 1 to 64 characters")
	}
	return id, nil
}

// solutionInfo is a solution as the API answers it; ShowSolution adds its
// materials and history.
type solutionInfo struct {
	SolutionID   string             `json:"solution_id"`
	Name         string             `json:"name"`
	Industry     string             `json:"industry,omitempty"`
	Description  string             `json:"description"`
	Status       string             `json:"status"`
	Editable     bool               `json:"editable"`
	CanSubmit    bool               `json:"can_submit"`
	ReturnReason string             `json:"return_reason,omitempty"`
	AwaitingPSA  bool               `json:"awaiting_psa"`
	SubmittedAt  string             `json:"submitted_at,omitempty"`
	ApprovedAt   string             `json:"approved_at,omitempty"`
	PublishedAt  string             `json:"published_at,omitempty"`
	CreatedBy    string             `json:"created_by"`
	CreatedAt    string             `json:"created_at"`
	UpdatedAt    string             `json:"updated_at"`
	Materials    []solutionMaterial `json:"materials,omitempty"`
	History      []solutionEvent    `json:"history,omitempty"`
}

// solutionMaterial is the metadata of one of a solution's files.
type solutionMaterial struct {
	MaterialID  string `json:"material_id"`
	Kind        string `json:"kind"`
	FileName    string `json:"file_name"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	CreatedBy   string `json:"created_by"`
	CreatedAt   string `json:"created_at"`
}

// solutionEvent is one entry of a solution's status history.
type solutionEvent struct {
	At         string `json:"at"`
	Actor      string `json:"actor"`
	Action     string `json:"action"`
	FromStatus string `json:"from_status,omitempty"`
	ToStatus   string `json:"to_status,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

func solutionInfoOf(s *solution.Solution) solutionInfo {
	return solutionInfo{SolutionID: s.ID, Name: s.Name, Industry: s.Industry, Description: s.Description, Status: s.Status,
		Editable: solution.Editable(s.Status), CanSubmit: slices.Contains(solution.Actions(solution.Partner, s.Status), solution.Submit),
		ReturnReason: s.ReturnReason, AwaitingPSA: s.AwaitingPSA, SubmittedAt: formatTime(s.SubmittedAt), ApprovedAt: formatTime(s.ApprovedAt),
		PublishedAt: formatTime(s.PublishedAt), CreatedBy: s.CreatedBy, CreatedAt: formatTime(s.CreatedAt), UpdatedAt: formatTime(s.UpdatedAt)}
}

func materialOf(f solution.File) solutionMaterial {
	return solutionMaterial{MaterialID: f.ID, Kind: f.Kind, FileName: f.Name, Size: f.Size, ContentType: f.ContentType,
		CreatedBy: f.CreatedBy, CreatedAt: formatTime(f.CreatedAt)}
}

// listSolutionsResponse is one page of solutions.
type listSolutionsResponse struct {
	TotalCount int            `json:"total_count"`
	Solutions  []solutionInfo `json:"solutions"`
}

// listSolutions is ListSolutions: the caller's solutions, the latest change
// first, filtered by status and part of the name as the console's list.
func listSolutions(c *Call) (any, error) {
	vals, err := c.queryStrings(100, "status", "name")
	if err != nil {
		return nil, err
	}
	if err := enumParam("status", vals[0], solution.Statuses); err != nil {
		return nil, err
	}
	p, err := c.queryPaging(10, 100)
	if err != nil {
		return nil, err
	}
	list, total, err := solution.List(c.ctx(), c.reader(), solution.Filter{Viewer: c.solutionActor().Viewer(), Status: vals[0], Name: vals[1],
		Offset: p.Offset, Limit: p.Limit})
	if err != nil {
		return nil, err
	}
	out := listSolutionsResponse{TotalCount: total, Solutions: make([]solutionInfo, 0, len(list))}
	for _, s := range list {
		out.Solutions = append(out.Solutions, solutionInfoOf(s))
	}
	return out, nil
}

// solutionReq is the body of CreateSolution and UpdateSolution; on an
// update, an absent field keeps its value.
type solutionReq struct {
	Name        *string `json:"name"`
	Industry    *string `json:"industry"`
	Description *string `json:"description"`
}

// apply overlays the request on f. The lengths and the industry are the
// solution package's to check, so that the API refuses what the console
// refuses, with the same field.
func (r *solutionReq) apply(f *solution.Fields) {
	for _, s := range []struct{ v, dst *string }{{r.Name, &f.Name}, {r.Industry, &f.Industry}, {r.Description, &f.Description}} {
		if s.v != nil {
			*s.dst = *s.v
		}
	}
}

// createSolution is CreateSolution: a draft (草稿) of the caller.
func createSolution(c *Call) (any, error) {
	var req solutionReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var f solution.Fields
	req.apply(&f)
	return c.InTx(func(tx *store.Tx) (any, error) {
		s, err := solution.Create(c.ctx(), tx, c.solutionActor(), f)
		if err != nil {
			return nil, err
		}
		return solutionInfoOf(s), solution.AuditChange(c.ctx(), tx, "solution.create", nil, s)
	})
}

// updateSolution is UpdateSolution: a draft or returned (已退回) solution's
// fields change; in any other status the edit is refused (PC.0409).
func updateSolution(c *Call) (any, error) {
	id, err := c.pathID("solution_id")
	if err != nil {
		return nil, err
	}
	var req solutionReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		a := c.solutionActor()
		cur, err := solution.Get(c.ctx(), tx, a.Viewer(), id)
		if err != nil {
			return nil, err
		}
		f := solution.Fields{Name: cur.Name, Industry: cur.Industry, Description: cur.Description}
		req.apply(&f)
		s, err := solution.Update(c.ctx(), tx, a, id, f)
		if err != nil {
			return nil, err
		}
		if s.UpdatedAt.After(cur.UpdatedAt) {
			// An edit that changes nothing leaves no entry, as in the console.
			err = solution.AuditChange(c.ctx(), tx, "solution.update", cur, s)
		}
		return solutionInfoOf(s), err
	})
}

// submitSolution is SubmitSolution: a draft or returned solution goes to
// joint approval (联合立项审批中). One that lacks fields or materials is
// refused with every missing one in missing_fields.
func submitSolution(c *Call) (any, error) {
	id, err := c.pathID("solution_id")
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		a := c.solutionActor()
		cur, err := solution.Get(c.ctx(), tx, a.Viewer(), id)
		if err != nil {
			return nil, err
		}
		if slices.Contains(solution.Actions(solution.Partner, cur.Status), solution.Submit) {
			missing, err := solution.MissingForSubmission(c.ctx(), tx, cur)
			if err != nil {
				return nil, err
			}
			if len(missing) > 0 {
				list := make([]missingField, len(missing))
				for i, m := range missing {
					list[i] = missingField{Field: m.Field, ErrorMsg: m.Error()}
				}
				return nil, &detailedError{err: missing[0], fields: map[string]any{"missing_fields": list}}
			}
		}
		s, err := solution.Move(c.ctx(), tx, a, id, solution.Submit, "")
		if err != nil {
			return nil, err
		}
		return solutionInfoOf(s), solution.AuditChange(c.ctx(), tx, "solution.submit", cur, s)
	})
}

// showSolution is ShowSolution: one of the caller's solutions with its
// materials and its status history, oldest first.
func showSolution(c *Call) (any, error) {
	id, err := c.pathID("solution_id")
	if err != nil {
		return nil, err
	}
	ctx, q := c.ctx(), c.reader()
	s, err := solution.Get(ctx, q, c.solutionActor().Viewer(), id)
	if err != nil {
		return nil, err
	}
	files, err := solution.Files(ctx, q, s.ID)
	if err != nil {
		return nil, err
	}
	events, err := solution.Timeline(ctx, q, s.ID)
	if err != nil {
		return nil, err
	}
	info := solutionInfoOf(s)
	info.Materials = make([]solutionMaterial, 0, len(files))
	for _, f := range files {
		info.Materials = append(info.Materials, materialOf(f))
	}
	info.History = make([]solutionEvent, 0, len(events))
	for _, e := range events {
		ev := solutionEvent{At: formatTime(e.At), Actor: e.Actor, Action: e.Action, Comment: e.Comment}
		if e.From != e.To {
			ev.FromStatus, ev.ToStatus = e.From, e.To
		}
		info.History = append(info.History, ev)
	}
	return info, nil
}

// solutionMessage is one message of a solution's PSA assistance thread.
type solutionMessage struct {
	MessageID string `json:"message_id"`
	Side      string `json:"side"`
	Author    string `json:"author"`
	Body      string `json:"body"`
	CreatedAt string `json:"created_at"`
}

func messageOf(m solution.Message) solutionMessage {
	return solutionMessage{MessageID: m.ID, Side: string(m.Side), Author: m.Author, Body: m.Body, CreatedAt: formatTime(m.CreatedAt)}
}

// listSolutionMessagesResponse is a solution's whole thread.
type listSolutionMessagesResponse struct {
	AwaitingPSA bool              `json:"awaiting_psa"`
	Messages    []solutionMessage `json:"messages"`
}

// listSolutionMessages is ListSolutionMessages: the PSA assistance thread
// (申请PSA协助) of one of the caller's solutions, oldest first.
func listSolutionMessages(c *Call) (any, error) {
	id, err := c.pathID("solution_id")
	if err != nil {
		return nil, err
	}
	s, err := solution.Get(c.ctx(), c.reader(), c.solutionActor().Viewer(), id)
	if err != nil {
		return nil, err
	}
	thread, err := solution.Thread(c.ctx(), c.reader(), s.ID)
	if err != nil {
		return nil, err
	}
	out := listSolutionMessagesResponse{AwaitingPSA: s.AwaitingPSA, Messages: make([]solutionMessage, 0, len(thread))}
	for _, m := range thread {
		out.Messages = append(out.Messages, messageOf(m))
	}
	return out, nil
}

// messageReq is the body of CreateSolutionMessage.
type messageReq struct {
	Body *string `json:"body"`
}

// createSolutionMessage is CreateSolutionMessage: the partner asks the PSA
// for help on a solution (the PSA is notified); an offline (已下线)
// solution's thread is closed (PC.0409).
func createSolutionMessage(c *Call) (any, error) {
	id, err := c.pathID("solution_id")
	if err != nil {
		return nil, err
	}
	var req messageReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		m, err := solution.Post(c.ctx(), tx, c.solutionActor(), id, strOr(req.Body))
		if err != nil {
			return nil, err
		}
		return messageOf(*m), nil
	})
}
