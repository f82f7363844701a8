package client

import (
	"context"
	"net/url"
)

// Solutions (解决方案构建): the partner's solutions from draft to joint
// approval, their materials and the PSA assistance thread.

// Solution statuses.
const (
	SolutionDraft           = "draft"            // 草稿
	SolutionJointApproval   = "joint_approval"   // 联合立项审批中
	SolutionReturned        = "returned"         // 已退回
	SolutionJointDesign     = "joint_design"     // 联合设计中
	SolutionJointValidation = "joint_validation" // 联合验证中
	SolutionConfiguratorDev = "configurator_dev" // 配置器开发中
	SolutionPublished       = "published"        // 已发布
	SolutionOffline         = "offline"          // 已下线
)

// Kinds of solution material.
const (
	MaterialApproval    = "approval_materials" // 立项材料
	MaterialFeatureList = "feature_list"       // 功能清单
)

// Solution is a partner's solution; ShowSolution fills Materials and History.
type Solution struct {
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
	Materials    []SolutionMaterial `json:"materials,omitempty"`
	History      []SolutionEvent    `json:"history,omitempty"`
}

// SolutionMaterial is the metadata of a solution's file.
type SolutionMaterial struct {
	MaterialID  string `json:"material_id"`
	Kind        string `json:"kind"`
	FileName    string `json:"file_name"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	CreatedBy   string `json:"created_by"`
	CreatedAt   string `json:"created_at"`
}

// SolutionMaterialContent is a material with its bytes.
type SolutionMaterialContent struct {
	SolutionMaterial
	SHA256  string `json:"sha256"`
	Content []byte `json:"content"`
}

// SolutionEvent is one entry of a solution's history.
type SolutionEvent struct {
	At         string `json:"at"`
	Actor      string `json:"actor"`
	Action     string `json:"action"`
	FromStatus string `json:"from_status,omitempty"`
	ToStatus   string `json:"to_status,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// SolutionFields are a solution's fields; on an update, nil keeps a value.
type SolutionFields struct {
	Name        *string `json:"name,omitempty"`
	Industry    *string `json:"industry,omitempty"`
	Description *string `json:"description,omitempty"`
}

// SolutionFilter selects solutions for ListSolutions.
type SolutionFilter struct {
	Status string
	Name   string // part of the name
	Page
}

// SolutionList is one page of solutions.
type SolutionList struct {
	TotalCount int        `json:"total_count"`
	Solutions  []Solution `json:"solutions"`
}

// SolutionMessage is one message of a PSA assistance thread.
type SolutionMessage struct {
	MessageID string `json:"message_id"`
	Side      string `json:"side"` // partner or psa
	Author    string `json:"author"`
	Body      string `json:"body"`
	CreatedAt string `json:"created_at"`
}

// SolutionThread is a solution's whole thread, oldest first.
type SolutionThread struct {
	AwaitingPSA bool              `json:"awaiting_psa"`
	Messages    []SolutionMessage `json:"messages"`
}

func solutionPath(id string) string { return "/v2/partners/solutions/" + pathEscape(id) }

// ListSolutions returns a page of the partner's solutions, the latest change first.
func (c *Client) ListSolutions(ctx context.Context, f SolutionFilter) (*SolutionList, error) {
	q := url.Values{}
	setNonEmpty(q, "status", f.Status, "name", f.Name)
	var out SolutionList
	return &out, c.get(ctx, "/v2/partners/solutions", f.Page.values(q), &out)
}

// CreateSolution makes a draft solution.
func (c *Client) CreateSolution(ctx context.Context, f SolutionFields, opts ...CallOption) (*Solution, error) {
	var out Solution
	return &out, c.post(ctx, "/v2/partners/solutions", f, &out, opts...)
}

// ShowSolution returns a solution with its materials and history.
func (c *Client) ShowSolution(ctx context.Context, id string) (*Solution, error) {
	var out Solution
	return &out, c.get(ctx, solutionPath(id), nil, &out)
}

// UpdateSolution changes a draft or returned solution's fields.
func (c *Client) UpdateSolution(ctx context.Context, id string, f SolutionFields, opts ...CallOption) (*Solution, error) {
	var out Solution
	return &out, c.put(ctx, solutionPath(id), f, &out, opts...)
}

// SubmitSolution submits a draft or returned solution for joint approval.
func (c *Client) SubmitSolution(ctx context.Context, id string, opts ...CallOption) (*Solution, error) {
	var out Solution
	return &out, c.post(ctx, solutionPath(id)+"/submit", nil, &out, opts...)
}

// ListSolutionMessages returns a solution's PSA assistance thread.
func (c *Client) ListSolutionMessages(ctx context.Context, id string) (*SolutionThread, error) {
	var out SolutionThread
	return &out, c.get(ctx, solutionPath(id)+"/messages", nil, &out)
}

// CreateSolutionMessage asks the PSA for help on a solution.
func (c *Client) CreateSolutionMessage(ctx context.Context, id, body string, opts ...CallOption) (*SolutionMessage, error) {
	var out SolutionMessage
	return &out, c.post(ctx, solutionPath(id)+"/messages", map[string]string{"body": body}, &out, opts...)
}

// AddSolutionMaterial attaches a file of a kind of material to a draft or
// returned solution.
func (c *Client) AddSolutionMaterial(ctx context.Context, id, kind, fileName string, content []byte, opts ...CallOption) (*SolutionMaterial, error) {
	in := struct {
		Kind     string `json:"kind"`
		FileName string `json:"file_name"`
		Content  []byte `json:"content"`
	}{kind, fileName, content}
	var out SolutionMaterial
	return &out, c.post(ctx, solutionPath(id)+"/materials", in, &out, opts...)
}

// DownloadSolutionMaterial returns a material with its bytes.
func (c *Client) DownloadSolutionMaterial(ctx context.Context, id, materialID string) (*SolutionMaterialContent, error) {
	var out SolutionMaterialContent
	return &out, c.get(ctx, solutionPath(id)+"/materials/"+pathEscape(materialID), nil, &out)
}

// DeleteSolutionMaterial removes a material from a draft or returned solution.
func (c *Client) DeleteSolutionMaterial(ctx context.Context, id, materialID string, opts ...CallOption) (*SolutionMaterial, error) {
	var out SolutionMaterial
	return &out, c.del(ctx, solutionPath(id)+"/materials/"+pathEscape(materialID), &out, opts...)
}
