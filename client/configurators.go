package client

import (
	"context"
	"net/url"
)

// 解决方案配置中心: the partner's configurators, evaluated as the console's
// live preview, and the configuration lists (配置单) made with the
// published ones. Amounts are yuan strings with two decimals.

// Configurator statuses.
const (
	ConfiguratorEditing   = "editing"   // 配置器开发中
	ConfiguratorPending   = "pending"   // publication requested
	ConfiguratorPublished = "published" // signed off: lists are made with it
)

// Configuration list statuses.
const (
	ListDraft     = "draft"
	ListSubmitted = "submitted"
)

// Configurator is a solution's configurator; ShowSolutionConfigurator fills
// the definition.
type Configurator struct {
	ConfiguratorID string                  `json:"configurator_id"`
	SolutionID     string                  `json:"solution_id"`
	SolutionName   string                  `json:"solution_name"`
	Status         string                  `json:"status"`
	Revision       int64                   `json:"revision"`
	PublishedAt    string                  `json:"published_at,omitempty"`
	UpdatedAt      string                  `json:"updated_at"`
	Parameters     []ConfiguratorParameter `json:"parameters,omitempty"`
	Lines          []ConfiguratorLine      `json:"lines,omitempty"`
	Tiers          []ConfiguratorTier      `json:"tiers,omitempty"`
	Defaults       map[string]string       `json:"defaults,omitempty"`
}

// ConfiguratorParameter is a number (Min, Max, Step) or a choice (Options).
type ConfiguratorParameter struct {
	Name    string             `json:"name"`
	Label   string             `json:"label"`
	Kind    string             `json:"kind"`
	Min     string             `json:"min,omitempty"`
	Max     string             `json:"max,omitempty"`
	Step    string             `json:"step,omitempty"`
	Options []string           `json:"options,omitempty"`
	Default string             `json:"default"`
	Rules   []ConfiguratorRule `json:"rules"`
}

// ConfiguratorRule is a check of a parameter's value, with the message a
// failing value answers.
type ConfiguratorRule struct {
	Expr    string `json:"expr"`
	Message string `json:"message"`
}

// ConfiguratorLine maps the parameters to a product's quantity.
type ConfiguratorLine struct {
	No        int    `json:"no"`
	ProductID string `json:"product_id"`
	SpecCode  string `json:"spec_code"`
	Quantity  string `json:"quantity"`
	Mode      string `json:"mode"`
	Period    int    `json:"period"`
}

// ConfiguratorTier is a discount by quantity.
type ConfiguratorTier struct {
	ProductID   string `json:"product_id,omitempty"`
	MinQuantity int64  `json:"min_quantity"`
	Rate        string `json:"rate"`
}

// ConfiguratorList is one page of configurators.
type ConfiguratorList struct {
	TotalCount    int            `json:"total_count"`
	Configurators []Configurator `json:"configurators"`
}

// Bill is a priced bill of materials.
type Bill struct {
	Lines      []BillLine `json:"lines"`
	ListAmount string     `json:"list_amount"`
	Discount   string     `json:"discount"`
	Total      string     `json:"total"`
}

// BillLine is one product of a bill.
type BillLine struct {
	No           int    `json:"no"`
	ProductID    string `json:"product_id"`
	SpecCode     string `json:"spec_code"`
	SpecNameZh   string `json:"spec_name_zh"`
	SpecNameEn   string `json:"spec_name_en"`
	Mode         string `json:"mode"`
	Period       int    `json:"period"`
	Quantity     int64  `json:"quantity"`
	UnitPrice    string `json:"unit_price"`
	ListAmount   string `json:"list_amount"`
	DiscountRate string `json:"discount_rate"`
	Discount     string `json:"discount"`
	Amount       string `json:"amount"`
}

// Evaluation is a configurator's bill for a set of values.
type Evaluation struct {
	ConfiguratorID string            `json:"configurator_id"`
	Revision       int64             `json:"revision"`
	Values         map[string]string `json:"values"`
	Bill           Bill              `json:"bill"`
}

// ConfigurationList is a configuration list; the values and bill come with
// one list, not with a page of them.
type ConfigurationList struct {
	ListID          string            `json:"list_id"`
	Code            string            `json:"code"`
	Name            string            `json:"name"`
	ConfiguratorID  string            `json:"configurator_id"`
	SolutionName    string            `json:"solution_name"`
	Source          string            `json:"source"`
	Date            string            `json:"date"`
	Status          string            `json:"status"`
	Total           string            `json:"total"`
	OpportunityID   string            `json:"opportunity_id,omitempty"`
	OpportunityCode string            `json:"opportunity_code,omitempty"`
	OpportunityName string            `json:"opportunity_name,omitempty"`
	LinkedAt        string            `json:"linked_at,omitempty"`
	LinkDeadline    string            `json:"link_deadline,omitempty"`
	SubmittedAt     string            `json:"submitted_at,omitempty"`
	CreatedBy       string            `json:"created_by"`
	CreatedAt       string            `json:"created_at"`
	Values          map[string]string `json:"values,omitempty"`
	Bill            *Bill             `json:"bill,omitempty"`
}

// NewConfigurationList is what CreateConfigurationList takes.
type NewConfigurationList struct {
	ConfiguratorID string            `json:"configurator_id"`
	Name           string            `json:"name"`
	Date           string            `json:"date,omitempty"` // YYYY-MM-DD in UTC+8; empty: today
	Values         map[string]string `json:"values,omitempty"`
}

// ConfigurationListFilter selects lists for ListConfigurationLists.
type ConfigurationListFilter struct {
	ConfiguratorID string
	Status         string
	Page
}

// ConfigurationLists is one page of lists.
type ConfigurationLists struct {
	TotalCount int                 `json:"total_count"`
	Lists      []ConfigurationList `json:"configuration_lists"`
}

func configuratorPath(id string) string {
	return "/v2/partners/solution-configurators/" + pathEscape(id)
}
func listPath(id string) string { return "/v2/partners/configuration-lists/" + pathEscape(id) }

// ListSolutionConfigurators returns a page of the partner's configurators
// in a status (empty: any).
func (c *Client) ListSolutionConfigurators(ctx context.Context, status string, p Page) (*ConfiguratorList, error) {
	q := url.Values{}
	setNonEmpty(q, "status", status)
	var out ConfiguratorList
	return &out, c.get(ctx, "/v2/partners/solution-configurators", p.values(q), &out)
}

// ShowSolutionConfigurator returns a configurator with its definition.
func (c *Client) ShowSolutionConfigurator(ctx context.Context, id string) (*Configurator, error) {
	var out Configurator
	return &out, c.get(ctx, configuratorPath(id), nil, &out)
}

// EvaluateSolutionConfigurator prices the bill for parameter values (a
// missing one takes its default); nothing is stored.
func (c *Client) EvaluateSolutionConfigurator(ctx context.Context, id string, values map[string]string) (*Evaluation, error) {
	var out Evaluation
	return &out, c.post(ctx, configuratorPath(id)+"/evaluate", map[string]any{"values": values}, &out)
}

// CreateConfigurationList makes a list with a published configurator.
func (c *Client) CreateConfigurationList(ctx context.Context, l NewConfigurationList, opts ...CallOption) (*ConfigurationList, error) {
	var out ConfigurationList
	return &out, c.post(ctx, "/v2/partners/configuration-lists", l, &out, opts...)
}

// ListConfigurationLists returns a page of the partner's lists, the newest first.
func (c *Client) ListConfigurationLists(ctx context.Context, f ConfigurationListFilter) (*ConfigurationLists, error) {
	q := url.Values{}
	setNonEmpty(q, "configurator_id", f.ConfiguratorID, "status", f.Status)
	var out ConfigurationLists
	return &out, c.get(ctx, "/v2/partners/configuration-lists", f.Page.values(q), &out)
}

// ShowConfigurationList returns a list with its kept values and bill.
func (c *Client) ShowConfigurationList(ctx context.Context, id string) (*ConfigurationList, error) {
	var out ConfigurationList
	return &out, c.get(ctx, listPath(id), nil, &out)
}

// LinkConfigurationList links a draft list to one of the partner's opportunities.
func (c *Client) LinkConfigurationList(ctx context.Context, id, opportunityID string, opts ...CallOption) (*ConfigurationList, error) {
	var out ConfigurationList
	return &out, c.post(ctx, listPath(id)+"/link", map[string]string{"opportunity_id": opportunityID}, &out, opts...)
}

// SubmitConfigurationList makes a linked draft list final.
func (c *Client) SubmitConfigurationList(ctx context.Context, id string, opts ...CallOption) (*ConfigurationList, error) {
	var out ConfigurationList
	return &out, c.post(ctx, listPath(id)+"/submit", nil, &out, opts...)
}
