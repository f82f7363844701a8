package client

import (
	"context"
	"net/url"
)

// Delivery evaluation (项目交付评价): the projects registered when the
// partner's opportunities were won, delivery feedback, the evidence of a
// sampled project and the sampling figures to re-check its draw.

// Delivery statuses and evaluation states.
const (
	DeliveryRegistered = "registered" // 已登记
	DeliveryAccepted   = "accepted"   // 已验收
	DeliveryTerminated = "terminated" // 中止交易

	EvaluationAwaitingSampling = "awaiting_sampling" // 待抽样
	EvaluationNotSampled       = "not_sampled"       // 未抽中
	EvaluationEvidenceRequired = "evidence_required" // 已抽中, 待提交举证材料
	EvaluationEvaluating       = "evaluating"        // 评估中
	EvaluationPassed           = "passed"            // 评估通过
	EvaluationRejected         = "rejected"          // 评估驳回
)

// Evidence items.
const (
	EvidenceSOW           = "sow"           // SOW（含客户签字确认）, required
	EvidenceAcceptance    = "acceptance"    // 验收报告, required
	EvidencePlan          = "plan"          // 交付计划
	EvidenceStaff         = "staff"         // 交付人员清单
	EvidenceThanks        = "thanks"        // 客户感谢信
	EvidenceRetrospective = "retrospective" // 项目复盘
)

// DeliveryProject is a project; ShowDeliveryProject fills EvidenceRounds.
type DeliveryProject struct {
	ProjectID         string          `json:"project_id"`
	Code              string          `json:"code"`
	OpportunityID     string          `json:"opportunity_id"`
	ProjectName       string          `json:"project_name"`
	CustomerName      string          `json:"customer_name"`
	Amount            string          `json:"amount"`
	Status            string          `json:"status"`
	StatusDate        string          `json:"status_date,omitempty"`
	StatusNote        string          `json:"status_note,omitempty"`
	StatusBy          string          `json:"status_by,omitempty"`
	StatusAt          string          `json:"status_at,omitempty"`
	Evaluation        string          `json:"evaluation,omitempty"`
	Sampled           bool            `json:"sampled"`
	CanFeedback       bool            `json:"can_feedback"`
	CanSubmitEvidence bool            `json:"can_submit_evidence"`
	EvidenceRound     int             `json:"evidence_round"`
	RegisteredAt      string          `json:"registered_at"`
	UpdatedAt         string          `json:"updated_at"`
	EvidenceRounds    []EvidenceRound `json:"evidence_rounds,omitempty"`
}

// EvidenceRound is one evidence submission with its evaluation.
type EvidenceRound struct {
	Round       int                       `json:"round"`
	Note        string                    `json:"note,omitempty"`
	SubmittedBy string                    `json:"submitted_by"`
	SubmittedAt string                    `json:"submitted_at"`
	Result      string                    `json:"result"`
	Score       *int                      `json:"score,omitempty"`
	Comment     string                    `json:"comment,omitempty"`
	EvaluatedAt string                    `json:"evaluated_at,omitempty"`
	Files       map[string][]EvidenceFile `json:"files"`
}

// EvidenceFile is the metadata of an evidence file.
type EvidenceFile struct {
	FileID      string `json:"file_id"`
	FileName    string `json:"file_name"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
}

// DeliveryFilter selects projects for ListDeliveryProjects.
type DeliveryFilter struct {
	Status     string
	Evaluation string
	Query      string // part of the code, project or customer name
	Page
}

// DeliveryProjects is one page of projects.
type DeliveryProjects struct {
	TotalCount int               `json:"total_count"`
	Projects   []DeliveryProject `json:"projects"`
}

// DeliveryFeedback is a project's delivery status as the partner reports it.
type DeliveryFeedback struct {
	Status string `json:"status"`         // DeliveryAccepted or DeliveryTerminated
	Date   string `json:"date"`           // YYYY-MM-DD in UTC+8
	Note   string `json:"note,omitempty"` // required for a termination
}

// DeliveryEvidence is one evidence round: file ids (UploadDeliveryEvidenceFile) by item.
type DeliveryEvidence struct {
	Note  string              `json:"note,omitempty"`
	Files map[string][]string `json:"files"`
}

// DeliverySampling is what re-checks a project's draw: the project was
// drawn when ProjectScore (sha256 of seed:project_id, hex) is at most CutoffScore.
type DeliverySampling struct {
	ProjectID        string `json:"project_id"`
	RunCode          string `json:"run_code"`
	RunAt            string `json:"run_at"`
	RateBP           int    `json:"rate_bp"`
	Seed             string `json:"seed"`
	CandidateCount   int    `json:"candidate_count"`
	CandidatesSHA256 string `json:"candidates_sha256"`
	DrawnCount       int    `json:"drawn_count"`
	ProjectScore     string `json:"project_score"`
	CutoffScore      string `json:"cutoff_score"`
	Drawn            bool   `json:"drawn"`
	Verified         bool   `json:"verified"`
}

func projectPath(id string) string { return "/v2/partners/delivery-projects/" + pathEscape(id) }

// ListDeliveryProjects returns a page of the partner's projects, newest first.
func (c *Client) ListDeliveryProjects(ctx context.Context, f DeliveryFilter) (*DeliveryProjects, error) {
	q := url.Values{}
	setNonEmpty(q, "status", f.Status, "evaluation", f.Evaluation, "query", f.Query)
	var out DeliveryProjects
	return &out, c.get(ctx, "/v2/partners/delivery-projects", f.Page.values(q), &out)
}

// ShowDeliveryProject returns a project with its evidence rounds.
func (c *Client) ShowDeliveryProject(ctx context.Context, id string) (*DeliveryProject, error) {
	var out DeliveryProject
	return &out, c.get(ctx, projectPath(id), nil, &out)
}

// SubmitDeliveryFeedback reports a registered project accepted or terminated.
func (c *Client) SubmitDeliveryFeedback(ctx context.Context, id string, f DeliveryFeedback, opts ...CallOption) (*DeliveryProject, error) {
	var out DeliveryProject
	return &out, c.post(ctx, projectPath(id)+"/feedback", f, &out, opts...)
}

// UploadDeliveryEvidenceFile stores one evidence file for a project that
// takes evidence now; SubmitDeliveryEvidence lists its FileID.
func (c *Client) UploadDeliveryEvidenceFile(ctx context.Context, id, fileName string, content []byte, opts ...CallOption) (*EvidenceFile, error) {
	in := struct {
		FileName string `json:"file_name"`
		Content  []byte `json:"content"`
	}{fileName, content}
	var out EvidenceFile
	return &out, c.post(ctx, projectPath(id)+"/evidence-files", in, &out, opts...)
}

// SubmitDeliveryEvidence submits a sampled project's evidence round.
func (c *Client) SubmitDeliveryEvidence(ctx context.Context, id string, e DeliveryEvidence, opts ...CallOption) (*DeliveryProject, error) {
	var out DeliveryProject
	return &out, c.post(ctx, projectPath(id)+"/evidence", e, &out, opts...)
}

// ShowDeliverySampling returns the sampling run that took a project.
func (c *Client) ShowDeliverySampling(ctx context.Context, id string) (*DeliverySampling, error) {
	var out DeliverySampling
	return &out, c.get(ctx, projectPath(id)+"/sampling", nil, &out)
}
