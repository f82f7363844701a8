package api

import (
	"net/http"
	"slices"
	"sync"

	"partnercenter/client"
	"partnercenter/internal/auth"
	"partnercenter/internal/delivery"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/upload"
)

// The delivery evaluation operations (交付 > 项目交付评价), our extension:
// the projects registered when the caller's opportunities were won, the
// delivery feedback (已验收 or 中止交易), the evidence a sampled project
// gives, and the sampling run's figures that let the partner re-check its
// project's draw. The provider's side (sampling runs, evaluation) stays in
// the back office. Another partner's project answers PC.0404.

// deliveryRoutes are the API operations of this file's extension.
var deliveryRoutes = []Route{
	{Method: http.MethodGet, Pattern: "/v2/partners/delivery-projects", OperationID: "ListDeliveryProjects", Permission: auth.PermDelivery, Handle: listDeliveryProjects},
	{Method: http.MethodGet, Pattern: "/v2/partners/delivery-projects/{project_id}", OperationID: "ShowDeliveryProject", Permission: auth.PermDelivery, Handle: showDeliveryProject},
	{Method: http.MethodPost, Pattern: "/v2/partners/delivery-projects/{project_id}/feedback", OperationID: "SubmitDeliveryFeedback", Mutates: true, Permission: auth.PermDelivery, Handle: submitDeliveryFeedback},
	{Method: http.MethodPost, Pattern: "/v2/partners/delivery-projects/{project_id}/evidence-files", OperationID: "UploadDeliveryEvidenceFile", Mutates: true, Permission: auth.PermDelivery, Handle: uploadDeliveryEvidenceFile},
	{Method: http.MethodPost, Pattern: "/v2/partners/delivery-projects/{project_id}/evidence", OperationID: "SubmitDeliveryEvidence", Mutates: true, Permission: auth.PermDelivery, Handle: submitDeliveryEvidence},
	{Method: http.MethodGet, Pattern: "/v2/partners/delivery-projects/{project_id}/sampling", OperationID: "ShowDeliverySampling", Permission: auth.PermDelivery, Handle: showDeliverySampling},
}

// deliveryViewer is the calling partner as the delivery package sees it.
func (c *Call) deliveryViewer() delivery.Viewer { return delivery.Viewer{PartnerID: c.Partner.ID} }

// callerProject reads the path's project of the caller.
func (c *Call) callerProject() (*delivery.Project, error) {
	id, err := c.pathID("project_id")
	if err != nil {
		return nil, err
	}
	return delivery.Get(c.ctx(), c.reader(), c.deliveryViewer(), id)
}

// projectInfoOf is a delivery project as the API answers it;
// ShowDeliveryProject adds its evidence rounds.
func projectInfoOf(p *delivery.Project) client.DeliveryProject {
	info := client.DeliveryProject{ProjectID: p.ID, Code: p.Code, OpportunityID: p.OpportunityID, ProjectName: p.ProjectName, CustomerName: p.CustomerName,
		Amount: yuanText(p.Amount), Status: p.Status, StatusNote: p.StatusNote, StatusBy: p.StatusBy, StatusAt: formatTime(p.StatusAt),
		Evaluation: p.Evaluation, Sampled: p.Sampled(), CanFeedback: p.CanFeedback(), CanSubmitEvidence: p.CanSubmitEvidence(),
		EvidenceRound: p.EvidenceRound, RegisteredAt: formatTime(p.RegisteredAt), UpdatedAt: formatTime(p.UpdatedAt)}
	if !p.StatusDate.IsZero() {
		info.StatusDate = p.StatusDate.In(ledger.BillingZone).Format(dateLayout)
	}
	return info
}

// evidenceFileOf is the metadata of one evidence file.
func evidenceFileOf(f upload.File) client.EvidenceFile {
	return client.EvidenceFile{FileID: f.ID, FileName: f.Name, Size: f.Size, ContentType: f.ContentType, SHA256: f.SHA256}
}

// listDeliveryProjects is ListDeliveryProjects: the caller's projects,
// newest registration first, with the console's query conditions.
func listDeliveryProjects(c *Call) (any, error) {
	vals, err := c.queryFilter(100, []string{"status", "evaluation", "query"},
		map[string][]string{"status": delivery.Statuses, "evaluation": delivery.Evaluations})
	if err != nil {
		return nil, err
	}
	f := delivery.Filter{Viewer: c.deliveryViewer(), Status: vals[0], Evaluation: vals[1], Query: vals[2]}
	rows, total, err := pagedList(c, 10, delivery.MaxPage, func(offset, limit int) ([]*delivery.Project, int, error) {
		f.Offset, f.Limit = offset, limit
		return delivery.List(c.ctx(), c.reader(), f)
	}, projectInfoOf)
	if err != nil {
		return nil, err
	}
	return client.DeliveryProjects{TotalCount: total, Projects: rows}, nil
}

// showDeliveryProject is ShowDeliveryProject: one of the caller's projects
// with its evidence rounds, the latest first.
func showDeliveryProject(c *Call) (any, error) {
	p, err := c.callerProject()
	if err != nil {
		return nil, err
	}
	rounds, err := delivery.Rounds(c.ctx(), c.reader(), c.deliveryViewer(), p.ID)
	if err != nil {
		return nil, err
	}
	info := projectInfoOf(p)
	info.EvidenceRounds = answersOf(rounds, func(r delivery.Round) client.EvidenceRound {
		er := client.EvidenceRound{Round: r.Number, Note: r.Note, SubmittedBy: r.SubmittedBy, SubmittedAt: formatTime(r.SubmittedAt),
			Result: r.Result, Comment: r.Comment, EvaluatedAt: formatTime(r.EvaluatedAt), Files: map[string][]client.EvidenceFile{}}
		if er.Result == "" {
			er.Result = delivery.Evaluating
		} else {
			score := r.Score
			er.Score = &score
		}
		for item, files := range r.Files {
			for _, f := range files {
				er.Files[item] = append(er.Files[item], evidenceFileOf(f))
			}
		}
		return er
	})
	return info, nil
}

// feedbackReq is the body of SubmitDeliveryFeedback.
type feedbackReq struct {
	Status *string `json:"status"`
	Date   *string `json:"date"`
	Note   *string `json:"note"`
}

// submitDeliveryFeedback is SubmitDeliveryFeedback: a registered (已登记)
// project is reported accepted (已验收, it then waits for sampling) or
// terminated (中止交易, with the reason), once.
func submitDeliveryFeedback(c *Call) (any, error) {
	id, err := c.pathID("project_id")
	if err != nil {
		return nil, err
	}
	var req feedbackReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	fb := delivery.Feedback{Status: strOr(req.Status), Note: strOr(req.Note)}
	if fb.Date, err = billingDate("date", strOr(req.Date)); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		p, err := delivery.SubmitFeedback(c.ctx(), tx, c.Partner.ID, c.Principal.ActorName(), id, fb)
		if err != nil {
			return nil, err
		}
		return projectInfoOf(p), nil
	})
}

// uploadDeliveryEvidenceFile is UploadDeliveryEvidenceFile: one evidence
// file of a project that takes evidence now is stored, and its file_id is
// what SubmitDeliveryEvidence lists.
func uploadDeliveryEvidenceFile(c *Call) (any, error) {
	id, err := c.pathID("project_id")
	if err != nil {
		return nil, err
	}
	var req fileReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	p, err := delivery.Get(c.ctx(), c.reader(), c.deliveryViewer(), id)
	if err != nil {
		return nil, err
	}
	// Checked before the bytes are kept, as the console's form does.
	if err := delivery.EvidenceRefused(p); err != nil {
		return nil, err
	}
	f, err := c.saveFile(req, delivery.EvidenceKind)
	if err != nil {
		return nil, err
	}
	return evidenceFileOf(f), nil
}

// evidenceReq is the body of SubmitDeliveryEvidence.
type evidenceReq struct {
	Note  *string             `json:"note"`
	Files map[string][]string `json:"files"`
}

// submitDeliveryEvidence is SubmitDeliveryEvidence: a sampled project's
// evidence round, the files by item (SOW and 验收报告 required); the
// project then waits for evaluation (评估中).
func submitDeliveryEvidence(c *Call) (any, error) {
	id, err := c.pathID("project_id")
	if err != nil {
		return nil, err
	}
	var req evidenceReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	for item, ids := range req.Files {
		if !slices.Contains(delivery.Items, item) {
			return nil, fieldError("CBC.0100", "files", "api.enum", "must have keys among %v, not %q", delivery.Items, item)
		}
		for _, fileID := range ids {
			if fileID == "" || len(fileID) > 64 {
				return nil, fieldError("CBC.0100", "files."+item, "api.id_length", "must hold file ids of 1 to 64 characters")
			}
		}
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		p, err := delivery.SubmitEvidence(c.ctx(), tx, c.Partner.ID, c.Principal.ActorName(), id, delivery.Evidence{Note: strOr(req.Note), Files: req.Files})
		if e, ok := apperr.As(err); ok && slices.Contains(delivery.Items, e.Field) {
			moved := *e
			moved.Field = "files." + e.Field
			return nil, &moved
		}
		if err != nil {
			return nil, err
		}
		return projectInfoOf(p), nil
	})
}

// errNotSampledYet answers ShowDeliverySampling for a project no run has
// taken yet.
func errNotSampledYet() error {
	return apiError("PC.0409", "api.delivery_not_sampled_yet", "no sampling run has taken this project yet: only an accepted project is sampled, at the next run")
}

// showDeliverySampling is ShowDeliverySampling: the sampling run that took
// one of the caller's projects, with the seed, the candidate count and
// digest, the project's score and the run's cutoff.
func showDeliverySampling(c *Call) (any, error) {
	p, err := c.callerProject()
	if err != nil {
		return nil, err
	}
	if p.SamplingRunID == "" {
		return nil, errNotSampledYet()
	}
	r, err := delivery.GetRun(c.ctx(), c.reader(), p.SamplingRunID)
	if err != nil {
		return nil, err
	}
	check := checkRun(r)
	score := delivery.Score(r.Seed, p.ID)
	return client.DeliverySampling{ProjectID: p.ID, RunCode: r.Code, RunAt: formatTime(r.CreatedAt), RateBP: r.RateBP, Seed: r.Seed,
		CandidateCount: r.CandidateCount(), CandidatesSHA256: r.CandidatesSHA256, DrawnCount: r.DrawnCount(),
		ProjectScore: score, CutoffScore: check.cutoff, Drawn: r.Drew(p.ID), Verified: check.verified}, nil
}

// runCheck is what re-computing a run's draw found.
type runCheck struct {
	cutoff   string
	verified bool
}

// runChecks keeps each run's check by the run's fingerprint: re-drawing
// 100,000 candidates takes about 0.2 s, which every partner's look at its
// project would otherwise pay again, while the fingerprint, taken of the
// run as read each time, still tells a changed run from the one checked.
var runChecks sync.Map // fingerprint → runCheck

func checkRun(r *delivery.Run) runCheck {
	key := r.Fingerprint()
	if v, ok := runChecks.Load(key); ok {
		return v.(runCheck)
	}
	check := runCheck{cutoff: r.Cutoff(), verified: delivery.Verify(r) == nil}
	runChecks.Store(key, check)
	return check
}
