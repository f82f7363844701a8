package api

import (
	"net/http"
	"slices"

	"partnercenter/client"
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

// solutionInfoOf is a solution as the API answers it; ShowSolution adds
// its materials and history.
func solutionInfoOf(s *solution.Solution) client.Solution {
	return client.Solution{SolutionID: s.ID, Name: s.Name, Industry: s.Industry, Description: s.Description, Status: s.Status,
		Editable: solution.Editable(s.Status), CanSubmit: slices.Contains(solution.Actions(solution.Partner, s.Status), solution.Submit),
		ReturnReason: s.ReturnReason, AwaitingPSA: s.AwaitingPSA, SubmittedAt: formatTime(s.SubmittedAt), ApprovedAt: formatTime(s.ApprovedAt),
		PublishedAt: formatTime(s.PublishedAt), CreatedBy: s.CreatedBy, CreatedAt: formatTime(s.CreatedAt), UpdatedAt: formatTime(s.UpdatedAt)}
}

// materialOf is the metadata of one of a solution's files.
func materialOf(f solution.File) client.SolutionMaterial {
	return client.SolutionMaterial{MaterialID: f.ID, Kind: f.Kind, FileName: f.Name, Size: f.Size, ContentType: f.ContentType,
		CreatedBy: f.CreatedBy, CreatedAt: formatTime(f.CreatedAt)}
}

// listSolutions is ListSolutions: the caller's solutions, the latest change
// first, filtered by status and part of the name as the console's list.
func listSolutions(c *Call) (any, error) {
	vals, err := c.queryFilter(100, []string{"status", "name"}, map[string][]string{"status": solution.Statuses})
	if err != nil {
		return nil, err
	}
	f := solution.Filter{Viewer: c.solutionActor().Viewer(), Status: vals[0], Name: vals[1]}
	rows, total, err := pagedList(c, 10, 100, func(offset, limit int) ([]*solution.Solution, int, error) {
		f.Offset, f.Limit = offset, limit
		return solution.List(c.ctx(), c.reader(), f)
	}, solutionInfoOf)
	if err != nil {
		return nil, err
	}
	return client.SolutionList{TotalCount: total, Solutions: rows}, nil
}

// applySolutionFields overlays the body of CreateSolution or
// UpdateSolution on f: on an update, an absent field keeps its value. The
// lengths and the industry are the solution package's to check, so that
// the API refuses what the console refuses, with the same field.
func applySolutionFields(r client.SolutionFields, f *solution.Fields) {
	for _, s := range []struct{ v, dst *string }{{r.Name, &f.Name}, {r.Industry, &f.Industry}, {r.Description, &f.Description}} {
		if s.v != nil {
			*s.dst = *s.v
		}
	}
}

// createSolution is CreateSolution: a draft (草稿) of the caller.
func createSolution(c *Call) (any, error) {
	var req client.SolutionFields
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var f solution.Fields
	applySolutionFields(req, &f)
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
	var req client.SolutionFields
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
		applySolutionFields(req, &f)
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
				return nil, missingFieldsError(missing)
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
	info.Materials = answersOf(files, materialOf)
	info.History = answersOf(events, func(e solution.Event) client.SolutionEvent {
		ev := client.SolutionEvent{At: formatTime(e.At), Actor: e.Actor, Action: e.Action, Comment: e.Comment}
		if e.From != e.To {
			ev.FromStatus, ev.ToStatus = e.From, e.To
		}
		return ev
	})
	return info, nil
}

// messageOf is one message of a solution's PSA assistance thread.
func messageOf(m solution.Message) client.SolutionMessage {
	return client.SolutionMessage{MessageID: m.ID, Side: string(m.Side), Author: m.Author, Body: m.Body, CreatedAt: formatTime(m.CreatedAt)}
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
	return client.SolutionThread{AwaitingPSA: s.AwaitingPSA, Messages: answersOf(thread, messageOf)}, nil
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
