package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"partnercenter/internal/webhook/signature"
)

// Callbacks (事件回调): the partner's endpoints, the delivery log, re-sending
// and the test event; VerifyWebhook checks a delivery on the receiving side.

// WebhookEndpoint is a URL that receives the partner's events.
type WebhookEndpoint struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Enabled        bool     `json:"enabled"`
	DisabledReason string   `json:"disabled_reason,omitempty"`
	Description    string   `json:"description"`
	// Secret is answered by CreateWebhookEndpoint and
	// RotateWebhookEndpointSecret only: keep it, it is not shown again.
	Secret string `json:"secret,omitempty"`
	// PreviousSecretExpiresAt is when the secret replaced by the last
	// rotation stops signing deliveries.
	PreviousSecretExpiresAt string `json:"previous_secret_expires_at,omitempty"`
	CreatedAt               string `json:"created_at"`
	UpdatedAt               string `json:"updated_at"`
}

// WebhookEndpointRequest creates or changes an endpoint; on an update a nil
// field keeps its value.
type WebhookEndpointRequest struct {
	URL         *string   `json:"url,omitempty"`
	Events      *[]string `json:"events,omitempty"`
	Enabled     *bool     `json:"enabled,omitempty"`
	Description *string   `json:"description,omitempty"`
}

// WebhookEndpointList is the answer of ListWebhookEndpoints.
type WebhookEndpointList struct {
	TotalCount int               `json:"total_count"`
	Endpoints  []WebhookEndpoint `json:"endpoints"`
}

// WebhookDelivery is one event sent to one endpoint, with the outcome of
// its last attempt; ShowWebhookDelivery adds the body and every attempt.
type WebhookDelivery struct {
	ID             string           `json:"id"`
	EventID        string           `json:"event_id"`
	EventType      string           `json:"event_type"`
	EndpointID     string           `json:"endpoint_id"`
	EndpointURL    string           `json:"endpoint_url"`
	Status         string           `json:"status"`
	Attempts       int              `json:"attempts"`
	NextAttemptAt  string           `json:"next_attempt_at,omitempty"`
	LastStatusCode int              `json:"last_status_code,omitempty"`
	LastError      string           `json:"last_error,omitempty"`
	LastDurationMS int64            `json:"last_duration_ms"`
	LastAttemptAt  string           `json:"last_attempt_at,omitempty"`
	GaveUpReason   string           `json:"gave_up_reason,omitempty"`
	CreatedAt      string           `json:"created_at"`
	Payload        json.RawMessage  `json:"payload,omitempty"`
	AttemptLog     []WebhookAttempt `json:"attempt_log,omitempty"`
}

// WebhookAttempt is one attempt of a delivery.
type WebhookAttempt struct {
	AttemptedAt string `json:"attempted_at"`
	StatusCode  int    `json:"status_code,omitempty"`
	Error       string `json:"error,omitempty"`
	DurationMS  int64  `json:"duration_ms"`
	Response    string `json:"response,omitempty"`
}

// WebhookDeliveryList is one page of the delivery log.
type WebhookDeliveryList struct {
	TotalCount int               `json:"total_count"`
	Deliveries []WebhookDelivery `json:"deliveries"`
}

// WebhookDeliveryFilter selects deliveries; empty fields do not filter.
// CreatedFrom and CreatedTo are UTC times such as 2026-01-02T15:04:05Z.
type WebhookDeliveryFilter struct {
	EndpointID, EventType, Status, EventID string
	CreatedFrom, CreatedTo                 string
	Page
}

// ListWebhookEndpoints lists the partner's endpoints.
func (c *Client) ListWebhookEndpoints(ctx context.Context) (*WebhookEndpointList, error) {
	var out WebhookEndpointList
	return &out, c.get(ctx, "/v2/partners/webhooks/endpoints", nil, &out)
}

// CreateWebhookEndpoint adds an endpoint; the answer carries its secret.
func (c *Client) CreateWebhookEndpoint(ctx context.Context, in WebhookEndpointRequest, opts ...CallOption) (*WebhookEndpoint, error) {
	var out WebhookEndpoint
	return &out, c.post(ctx, "/v2/partners/webhooks/endpoints", in, &out, opts...)
}

// UpdateWebhookEndpoint changes an endpoint's URL, events, state or
// description.
func (c *Client) UpdateWebhookEndpoint(ctx context.Context, id string, in WebhookEndpointRequest, opts ...CallOption) (*WebhookEndpoint, error) {
	var out WebhookEndpoint
	return &out, c.put(ctx, "/v2/partners/webhooks/endpoints/"+pathEscape(id), in, &out, opts...)
}

// DeleteWebhookEndpoint removes an endpoint with its delivery log.
func (c *Client) DeleteWebhookEndpoint(ctx context.Context, id string, opts ...CallOption) error {
	return c.del(ctx, "/v2/partners/webhooks/endpoints/"+pathEscape(id), nil, opts...)
}

// RotateWebhookEndpointSecret gives an endpoint a new secret; the old one
// keeps signing beside it for 24 hours.
func (c *Client) RotateWebhookEndpointSecret(ctx context.Context, id string, opts ...CallOption) (*WebhookEndpoint, error) {
	var out WebhookEndpoint
	return &out, c.post(ctx, "/v2/partners/webhooks/endpoints/"+pathEscape(id)+"/rotate-secret", nil, &out, opts...)
}

// SendWebhookTestEvent sends a webhook.test event to one endpoint.
func (c *Client) SendWebhookTestEvent(ctx context.Context, endpointID string, opts ...CallOption) (*WebhookDelivery, error) {
	var out WebhookDelivery
	return &out, c.post(ctx, "/v2/partners/webhooks/endpoints/"+pathEscape(endpointID)+"/test", nil, &out, opts...)
}

// ListWebhookDeliveries lists the delivery log, newest first.
func (c *Client) ListWebhookDeliveries(ctx context.Context, f WebhookDeliveryFilter) (*WebhookDeliveryList, error) {
	q := url.Values{}
	setNonEmpty(q, "endpoint_id", f.EndpointID, "event_type", f.EventType, "status", f.Status, "event_id", f.EventID,
		"created_from", f.CreatedFrom, "created_to", f.CreatedTo)
	var out WebhookDeliveryList
	return &out, c.get(ctx, "/v2/partners/webhooks/deliveries", f.Page.values(q), &out)
}

// ShowWebhookDelivery returns one delivery with its body and attempts.
func (c *Client) ShowWebhookDelivery(ctx context.Context, id string) (*WebhookDelivery, error) {
	var out WebhookDelivery
	return &out, c.get(ctx, "/v2/partners/webhooks/deliveries/"+pathEscape(id), nil, &out)
}

// ResendWebhookDelivery queues a delivery again now, with the same event id.
func (c *Client) ResendWebhookDelivery(ctx context.Context, id string, opts ...CallOption) (*WebhookDelivery, error) {
	var out WebhookDelivery
	return &out, c.post(ctx, "/v2/partners/webhooks/deliveries/"+pathEscape(id)+"/resend", nil, &out, opts...)
}

// VerifyWebhook checks a callback received from the partner center, as a
// receiver must before trusting it: secret is the endpoint's "whsec_..."
// secret, header and body the request's; the webhook-timestamp must be
// within tolerance of the local clock (5 minutes is usual; 0 skips the
// check). A nil answer means the body is the partner center's, unaltered.
// Deliveries are retried with the same webhook-id: a receiver that has
// processed that id answers 2xx again and drops the duplicate.
func VerifyWebhook(secret string, header http.Header, body []byte, tolerance time.Duration) error {
	return signature.Verify(secret, header, body, tolerance, time.Now())
}
