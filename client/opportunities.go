package client

import (
	"context"
	"encoding/json"
	"net/url"
)

// Co-selling (机会点管理): the partner's deal registrations (PO) from draft
// through the provider's review, the opportunities the provider offers it
// (HO), the sales stages, delivery and the funnel. Amounts in answers are
// JSON numbers of yuan with two decimals, kept exact as json.Number; dates
// are "2026-12-31" in UTC+8; times are UTC.

// Origins, review statuses and sales stages.
const (
	OriginPO = "PO" // partner-originated
	OriginHO = "HO" // provider-originated

	ReviewDraft          = "draft"
	ReviewSubmitted      = "submitted"
	ReviewInReview       = "in_review"
	ReviewActionRequired = "action_required"
	ReviewApproved       = "approved"
	ReviewRejected       = "rejected"
	ReviewExpired        = "expired"

	StageIdentify = "identify"
	StageShare    = "share"
	StageConfirm  = "confirm"
	StageWon      = "won"  // 达成销售
	StageLost     = "lost" // with a LostReason
)

// OpportunityFields are a PO's fields. On CreateOpportunity a draft may be
// incomplete; on UpdateOpportunity a nil field keeps its value (while
// action is required only the reviewer's whitelist may change).
// EstimatedAmount is yuan with at most two decimals ("500000.50");
// ExpectedCloseDate is a date in UTC+8.
type OpportunityFields struct {
	CustomerID        *string   `json:"customer_id,omitempty"`
	ProspectName      *string   `json:"prospect_name,omitempty"`
	ProjectName       *string   `json:"project_name,omitempty"`
	Industry          *string   `json:"industry,omitempty"`
	OfficeID          *string   `json:"office_id,omitempty"`
	Products          *[]string `json:"products,omitempty"`
	EstimatedAmount   *string   `json:"estimated_amount,omitempty"`
	ExpectedCloseDate *string   `json:"expected_close_date,omitempty"`
	PartnerSolution   *string   `json:"partner_solution,omitempty"`
	CustomerConsent   *bool     `json:"customer_consent,omitempty"`
	ContactName       *string   `json:"contact_name,omitempty"`
	ContactPhone      *string   `json:"contact_phone,omitempty"`
	Description       *string   `json:"description,omitempty"`
}

// Opportunity is a PO of the partner or an HO it accepted; ShowOpportunity
// fills Timeline.
type Opportunity struct {
	OpportunityID     string             `json:"opportunity_id"`
	Code              string             `json:"code"`
	Origin            string             `json:"origin"`
	CustomerID        string             `json:"customer_id,omitempty"`
	CustomerName      string             `json:"customer_name,omitempty"`
	ProspectName      string             `json:"prospect_name,omitempty"`
	ProjectName       string             `json:"project_name"`
	Industry          string             `json:"industry"`
	OfficeID          string             `json:"office_id,omitempty"`
	Products          []string           `json:"products"`
	EstimatedAmount   json.Number        `json:"estimated_amount"`
	ExpectedCloseDate string             `json:"expected_close_date,omitempty"`
	PartnerSolution   string             `json:"partner_solution"`
	CustomerConsent   bool               `json:"customer_consent"`
	ContactName       string             `json:"contact_name"`
	ContactPhone      string             `json:"contact_phone"`
	Description       string             `json:"description"`
	ReviewStatus      string             `json:"review_status"`
	SalesStage        string             `json:"sales_stage"`
	LostReason        string             `json:"lost_reason,omitempty"`
	ReviewerComment   string             `json:"reviewer_comment,omitempty"`
	DecisionReason    string             `json:"decision_reason,omitempty"`
	SubmittedAt       string             `json:"submitted_at,omitempty"`
	ReviewDueAt       string             `json:"review_due_at,omitempty"`
	DecidedAt         string             `json:"decided_at,omitempty"`
	ApprovedAt        string             `json:"approved_at,omitempty"`
	SignedDate        string             `json:"signed_date,omitempty"`
	DeliveredDate     string             `json:"delivered_date,omitempty"`
	CreatedAt         string             `json:"created_at"`
	UpdatedAt         string             `json:"updated_at"`
	Timeline          []OpportunityEvent `json:"timeline,omitempty"`
}

// OpportunityEvent is one change in an opportunity's history.
type OpportunityEvent struct {
	At      string              `json:"at"`
	Actor   string              `json:"actor"`
	Action  string              `json:"action"`
	Changes []OpportunityChange `json:"changes,omitempty"`
	Comment string              `json:"comment,omitempty"`
}

// OpportunityChange is one field's value before and after a change.
type OpportunityChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

const opportunitiesPath = "/v2/partners/opportunities"

func opportunityPath(id string) string { return opportunitiesPath + "/" + pathEscape(id) }

// CreateOpportunity registers a deal (商机报备): a PO draft.
func (c *Client) CreateOpportunity(ctx context.Context, in OpportunityFields, opts ...CallOption) (*Opportunity, error) {
	var out Opportunity
	return &out, c.post(ctx, opportunitiesPath, in, &out, opts...)
}

// OpportunityFilter selects opportunities; zero values do not filter.
// CreatedFrom (inclusive) and CreatedTo (exclusive) are UTC times.
type OpportunityFilter struct {
	Origin       string
	ReviewStatus string
	SalesStage   string
	Industry     string
	Query        string // part of the code, project or prospect name
	CreatedFrom  string
	CreatedTo    string
	Page
}

// Opportunities is one page of opportunities and the count of all that
// match.
type Opportunities struct {
	TotalCount    int           `json:"total_count"`
	Opportunities []Opportunity `json:"opportunities"`
}

// ListOpportunities lists the partner's opportunities, newest first.
func (c *Client) ListOpportunities(ctx context.Context, f OpportunityFilter) (*Opportunities, error) {
	q := url.Values{}
	setNonEmpty(q, "origin", f.Origin, "review_status", f.ReviewStatus, "sales_stage", f.SalesStage, "industry", f.Industry,
		"query", f.Query, "created_from", f.CreatedFrom, "created_to", f.CreatedTo)
	var out Opportunities
	return &out, c.get(ctx, opportunitiesPath, f.Page.values(q), &out)
}

// ShowOpportunity answers one opportunity with its timeline.
func (c *Client) ShowOpportunity(ctx context.Context, opportunityID string) (*Opportunity, error) {
	var out Opportunity
	return &out, c.get(ctx, opportunityPath(opportunityID), nil, &out)
}

// UpdateOpportunity changes the fields set in in of a draft, or of a PO
// the reviewer asked action on (its whitelist only; another field is
// refused naming it).
func (c *Client) UpdateOpportunity(ctx context.Context, opportunityID string, in OpportunityFields, opts ...CallOption) (*Opportunity, error) {
	var out Opportunity
	return &out, c.put(ctx, opportunityPath(opportunityID), in, &out, opts...)
}

// SubmitOpportunity sends a draft, or a PO the reviewer asked action on,
// to review. An incomplete one answers CBC.0100 naming the first missing
// field.
func (c *Client) SubmitOpportunity(ctx context.Context, opportunityID string, opts ...CallOption) (*Opportunity, error) {
	var out Opportunity
	return &out, c.post(ctx, opportunityPath(opportunityID)+"/submit", nil, &out, opts...)
}

// StageChange moves an approved opportunity along the sales stages, or
// records a progress Comment on the same stage. LostReason is required for
// lost; SignedDate (UTC+8, default today) goes with won.
type StageChange struct {
	Stage      string `json:"stage"`
	LostReason string `json:"lost_reason,omitempty"`
	SignedDate string `json:"signed_date,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// SetOpportunityStage applies a StageChange.
func (c *Client) SetOpportunityStage(ctx context.Context, opportunityID string, ch StageChange, opts ...CallOption) (*Opportunity, error) {
	var out Opportunity
	return &out, c.put(ctx, opportunityPath(opportunityID)+"/stage", ch, &out, opts...)
}

// MarkOpportunityDelivered records that a won opportunity's project was
// delivered on deliveredDate (UTC+8; "" for today).
func (c *Client) MarkOpportunityDelivered(ctx context.Context, opportunityID, deliveredDate string, opts ...CallOption) (*Opportunity, error) {
	in := map[string]string{}
	if deliveredDate != "" {
		in["delivered_date"] = deliveredDate
	}
	var out Opportunity
	return &out, c.post(ctx, opportunityPath(opportunityID)+"/delivery", in, &out, opts...)
}

// Share statuses of an offered HO.
const (
	ShareOffered   = "offered"
	ShareAccepted  = "accepted"
	ShareRejected  = "rejected"
	ShareExpired   = "expired"
	ShareWithdrawn = "withdrawn"
)

// OpportunityOffer is an HO offered to the partner: the customer's details
// stay empty until it accepts.
type OpportunityOffer struct {
	Opportunity
	ShareStatus   string `json:"share_status"`
	DeclineReason string `json:"decline_reason,omitempty"`
	SharedAt      string `json:"shared_at"`
	ExpiresAt     string `json:"expires_at"`
	AnsweredAt    string `json:"answered_at,omitempty"`
}

// OpportunityOffers is one page of offers and the count of all that match.
type OpportunityOffers struct {
	TotalCount int                `json:"total_count"`
	Offers     []OpportunityOffer `json:"offers"`
}

// ListOpportunityOffers lists the HOs offered to the partner, most
// recently shared first; shareStatus "" lists every one.
func (c *Client) ListOpportunityOffers(ctx context.Context, shareStatus string, p Page) (*OpportunityOffers, error) {
	q := url.Values{}
	setNonEmpty(q, "share_status", shareStatus)
	var out OpportunityOffers
	return &out, c.get(ctx, "/v2/partners/opportunity-offers", p.values(q), &out)
}

func offerPath(id string) string { return "/v2/partners/opportunity-offers/" + pathEscape(id) }

// AcceptOpportunityOffer takes an offered HO, which becomes the partner's
// opportunity with the customer's details.
func (c *Client) AcceptOpportunityOffer(ctx context.Context, opportunityID string, opts ...CallOption) (*Opportunity, error) {
	var out Opportunity
	return &out, c.post(ctx, offerPath(opportunityID)+"/accept", nil, &out, opts...)
}

// DeclinedOffer confirms a declined offer.
type DeclinedOffer struct {
	OpportunityID string `json:"opportunity_id"`
	ShareStatus   string `json:"share_status"`
}

// DeclineOpportunityOffer refuses an offered HO with a reason.
func (c *Client) DeclineOpportunityOffer(ctx context.Context, opportunityID, reason string, opts ...CallOption) (*DeclinedOffer, error) {
	var out DeclinedOffer
	return &out, c.post(ctx, offerPath(opportunityID)+"/decline", map[string]string{"reason": reason}, &out, opts...)
}

// FunnelStage is one bar of the pipeline.
type FunnelStage struct {
	Stage  string      `json:"stage"`
	Count  int         `json:"count"`
	Amount json.Number `json:"amount"`
}

// Funnel is the partner's approved POs and accepted HOs by sales stage,
// every stage present in stage order.
type Funnel struct {
	Stages []FunnelStage `json:"stages"`
}

// ShowOpportunityFunnel answers the funnel.
func (c *Client) ShowOpportunityFunnel(ctx context.Context) (*Funnel, error) {
	var out Funnel
	return &out, c.get(ctx, "/v2/partners/opportunity-funnel", nil, &out)
}
