package api

import (
	"encoding/json"
	"net/http"

	"partnercenter/internal/auth"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// Callbacks (服务支持 > 能力开放 > 事件回调) in the API, our extension under the
// BSS conventions: the partner's endpoints with the events each subscribes
// to, the delivery log with each attempt, a manual re-send and the test
// event. The rules are the webhook package's; another partner's ids answer
// not found. How deliveries are signed is in the API document's tag.

// webhookRoutes are the API operations of this file's extension.
var webhookRoutes = []Route{
	{Method: http.MethodGet, Pattern: "/v2/partners/webhooks/endpoints", OperationID: "ListWebhookEndpoints", Permission: auth.PermAccess, Handle: listWebhookEndpoints},
	{Method: http.MethodPost, Pattern: "/v2/partners/webhooks/endpoints", OperationID: "CreateWebhookEndpoint", Mutates: true, Permission: auth.PermAccess, Handle: createWebhookEndpoint},
	{Method: http.MethodPut, Pattern: "/v2/partners/webhooks/endpoints/{endpoint_id}", OperationID: "UpdateWebhookEndpoint", Mutates: true, Permission: auth.PermAccess, Handle: updateWebhookEndpoint},
	{Method: http.MethodDelete, Pattern: "/v2/partners/webhooks/endpoints/{endpoint_id}", OperationID: "DeleteWebhookEndpoint", Mutates: true, Permission: auth.PermAccess, Handle: deleteWebhookEndpoint},
	{Method: http.MethodPost, Pattern: "/v2/partners/webhooks/endpoints/{endpoint_id}/rotate-secret", OperationID: "RotateWebhookEndpointSecret", Mutates: true, Permission: auth.PermAccess, Handle: rotateWebhookEndpointSecret},
	{Method: http.MethodPost, Pattern: "/v2/partners/webhooks/endpoints/{endpoint_id}/test", OperationID: "SendWebhookTestEvent", Mutates: true, Permission: auth.PermAccess, Handle: sendWebhookTestEvent},
	{Method: http.MethodGet, Pattern: "/v2/partners/webhooks/deliveries", OperationID: "ListWebhookDeliveries", Permission: auth.PermAccess, Handle: listWebhookDeliveries},
	{Method: http.MethodGet, Pattern: "/v2/partners/webhooks/deliveries/{delivery_id}", OperationID: "ShowWebhookDelivery", Permission: auth.PermAccess, Handle: showWebhookDelivery},
	{Method: http.MethodPost, Pattern: "/v2/partners/webhooks/deliveries/{delivery_id}/resend", OperationID: "ResendWebhookDelivery", Mutates: true, Permission: auth.PermAccess, Handle: resendWebhookDelivery},
}

// webhookEndpointJSON is an endpoint as the API answers it; the secret
// only in the answers that make one.
type webhookEndpointJSON struct {
	ID                      string   `json:"id"`
	URL                     string   `json:"url"`
	Events                  []string `json:"events"`
	Enabled                 bool     `json:"enabled"`
	DisabledReason          string   `json:"disabled_reason,omitempty"`
	Description             string   `json:"description"`
	Secret                  string   `json:"secret,omitempty"`
	PreviousSecretExpiresAt string   `json:"previous_secret_expires_at,omitempty"`
	CreatedAt               string   `json:"created_at"`
	UpdatedAt               string   `json:"updated_at"`
}

func webhookEndpointOf(e *webhook.Endpoint, now func() string) webhookEndpointJSON {
	out := webhookEndpointJSON{ID: e.ID, URL: e.URL, Events: e.Events, Enabled: e.Enabled, DisabledReason: e.DisabledReason,
		Description: e.Description, Secret: e.Secret, CreatedAt: formatTime(e.CreatedAt), UpdatedAt: formatTime(e.UpdatedAt)}
	if p := formatTime(e.PreviousUntil); p > now() {
		out.PreviousSecretExpiresAt = p
	}
	return out
}

// webhookEndpointReq is the body of CreateWebhookEndpoint and
// UpdateWebhookEndpoint; on an update an absent field keeps its value.
type webhookEndpointReq struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Enabled     *bool     `json:"enabled"`
	Description *string   `json:"description"`
}

func (c *Call) webhookFields() (webhook.Fields, error) {
	var req webhookEndpointReq
	if err := c.Decode(&req); err != nil {
		return webhook.Fields{}, err
	}
	if req.Events != nil && len(*req.Events) > len(webhook.Types) {
		return webhook.Fields{}, fieldError("CBC.0100", "events", "api.too_many", "must hold at most %d event types", len(webhook.Types))
	}
	return webhook.Fields{URL: req.URL, Events: req.Events, Enabled: req.Enabled, Description: req.Description}, nil
}

func (c *Call) nowText() string { return formatTime(c.s.app.DB.Now()) }

// listWebhookEndpointsResponse is the partner's endpoints.
type listWebhookEndpointsResponse struct {
	TotalCount int                   `json:"total_count"`
	Endpoints  []webhookEndpointJSON `json:"endpoints"`
}

// listWebhookEndpoints is ListWebhookEndpoints: the caller's endpoints,
// oldest first.
func listWebhookEndpoints(c *Call) (any, error) {
	list, err := webhook.List(c.ctx(), c.reader(), c.Partner.ID)
	if err != nil {
		return nil, err
	}
	out := listWebhookEndpointsResponse{TotalCount: len(list), Endpoints: make([]webhookEndpointJSON, 0, len(list))}
	for _, e := range list {
		out.Endpoints = append(out.Endpoints, webhookEndpointOf(e, c.nowText))
	}
	return out, nil
}

// createWebhookEndpoint is CreateWebhookEndpoint: a new endpoint, answered
// with its secret, the only time the secret is shown.
func createWebhookEndpoint(c *Call) (any, error) {
	f, err := c.webhookFields()
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		e, err := webhook.Create(c.ctx(), tx, c.s.app.Sealer, c.Partner.ID, f)
		if err != nil {
			return nil, err
		}
		return webhookEndpointOf(e, c.nowText), nil
	})
}

// updateWebhookEndpoint is UpdateWebhookEndpoint.
func updateWebhookEndpoint(c *Call) (any, error) {
	id, err := c.extPathID("endpoint_id")
	if err != nil {
		return nil, err
	}
	f, err := c.webhookFields()
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		e, err := webhook.Update(c.ctx(), tx, c.Partner.ID, id, f)
		if err != nil {
			return nil, err
		}
		return webhookEndpointOf(e, c.nowText), nil
	})
}

// deleteWebhookEndpointResponse names what was deleted.
type deleteWebhookEndpointResponse struct {
	ID string `json:"id"`
}

// deleteWebhookEndpoint is DeleteWebhookEndpoint: the endpoint and its
// delivery log go.
func deleteWebhookEndpoint(c *Call) (any, error) {
	id, err := c.extPathID("endpoint_id")
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		return deleteWebhookEndpointResponse{ID: id}, webhook.Delete(c.ctx(), tx, c.Partner.ID, id)
	})
}

// rotateWebhookEndpointSecret is RotateWebhookEndpointSecret: a new secret,
// answered once; the old one signs beside it for 24 hours.
func rotateWebhookEndpointSecret(c *Call) (any, error) {
	id, err := c.extPathID("endpoint_id")
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		e, err := webhook.RotateSecret(c.ctx(), tx, c.s.app.Sealer, c.Partner.ID, id)
		if err != nil {
			return nil, err
		}
		return webhookEndpointOf(e, c.nowText), nil
	})
}

// sendWebhookTestEvent is SendWebhookTestEvent: a webhook.test event to
// one endpoint, answered with its delivery.
func sendWebhookTestEvent(c *Call) (any, error) {
	id, err := c.extPathID("endpoint_id")
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		d, err := webhook.SendTest(c.ctx(), tx, c.Partner.ID, id)
		if err != nil {
			return nil, err
		}
		return webhookDeliveryOf(d), nil
	})
}

// webhookDeliveryJSON is a delivery as the API answers it; the body and
// the attempts in ShowWebhookDelivery only.
type webhookDeliveryJSON struct {
	ID             string               `json:"id"`
	EventID        string               `json:"event_id"`
	EventType      string               `json:"event_type"`
	EndpointID     string               `json:"endpoint_id"`
	EndpointURL    string               `json:"endpoint_url"`
	Status         string               `json:"status"`
	Attempts       int                  `json:"attempts"`
	NextAttemptAt  string               `json:"next_attempt_at,omitempty"`
	LastStatusCode int                  `json:"last_status_code,omitempty"`
	LastError      string               `json:"last_error,omitempty"`
	LastDurationMS int64                `json:"last_duration_ms"`
	LastAttemptAt  string               `json:"last_attempt_at,omitempty"`
	GaveUpReason   string               `json:"gave_up_reason,omitempty"`
	CreatedAt      string               `json:"created_at"`
	Payload        json.RawMessage      `json:"payload,omitempty"`
	AttemptLog     []webhookAttemptJSON `json:"attempt_log,omitempty"`
}

type webhookAttemptJSON struct {
	AttemptedAt string `json:"attempted_at"`
	StatusCode  int    `json:"status_code,omitempty"`
	Error       string `json:"error,omitempty"`
	DurationMS  int64  `json:"duration_ms"`
	Response    string `json:"response,omitempty"`
}

func webhookDeliveryOf(d *webhook.Delivery) webhookDeliveryJSON {
	out := webhookDeliveryJSON{ID: d.ID, EventID: d.EventID, EventType: d.EventType, EndpointID: d.EndpointID, EndpointURL: d.EndpointURL,
		Status: d.Status, Attempts: d.Attempts, NextAttemptAt: formatTime(d.NextAttemptAt), LastStatusCode: d.LastStatusCode,
		LastError: d.LastError, LastDurationMS: d.LastDuration.Milliseconds(), LastAttemptAt: formatTime(d.LastAttemptAt),
		GaveUpReason: d.GaveUpReason, CreatedAt: formatTime(d.CreatedAt)}
	if d.Payload != "" {
		out.Payload = json.RawMessage(d.Payload)
	}
	for _, a := range d.AttemptLog {
		out.AttemptLog = append(out.AttemptLog, webhookAttemptJSON{AttemptedAt: formatTime(a.At), StatusCode: a.StatusCode, Error: a.Error,
			DurationMS: a.Duration.Milliseconds(), Response: a.Response})
	}
	return out
}

// listWebhookDeliveriesResponse is one page of the delivery log.
type listWebhookDeliveriesResponse struct {
	TotalCount int                   `json:"total_count"`
	Deliveries []webhookDeliveryJSON `json:"deliveries"`
}

// listWebhookDeliveries is ListWebhookDeliveries: the caller's deliveries,
// newest first, filtered by endpoint, event type, event id, status and
// creation time.
func listWebhookDeliveries(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "endpoint_id", "event_type", "status", "event_id", "created_from", "created_to")
	if err != nil {
		return nil, err
	}
	if err := enumParam("event_type", vals[1], append([]string{webhook.Test}, webhook.Types...)); err != nil {
		return nil, err
	}
	if err := enumParam("status", vals[2], webhook.Statuses); err != nil {
		return nil, err
	}
	from, to, err := timeRange("created_from", &vals[4], "created_to", &vals[5])
	if err != nil {
		return nil, err
	}
	p, err := c.queryPaging(20, 100)
	if err != nil {
		return nil, err
	}
	list, total, err := webhook.ListDeliveries(c.ctx(), c.reader(), webhook.Filter{PartnerID: c.Partner.ID, EndpointID: vals[0], EventType: vals[1],
		Status: vals[2], EventID: vals[3], From: from, To: to, Offset: p.Offset, Limit: p.Limit})
	if err != nil {
		return nil, err
	}
	out := listWebhookDeliveriesResponse{TotalCount: total, Deliveries: make([]webhookDeliveryJSON, 0, len(list))}
	for _, d := range list {
		out.Deliveries = append(out.Deliveries, webhookDeliveryOf(d))
	}
	return out, nil
}

// showWebhookDelivery is ShowWebhookDelivery: one delivery with the body
// sent and every attempt, oldest first.
func showWebhookDelivery(c *Call) (any, error) {
	id, err := c.extPathID("delivery_id")
	if err != nil {
		return nil, err
	}
	d, err := webhook.GetDelivery(c.ctx(), c.reader(), c.Partner.ID, id)
	if err != nil {
		return nil, err
	}
	return webhookDeliveryOf(d), nil
}

// resendWebhookDelivery is ResendWebhookDelivery: the delivery is queued
// again now, with the same event id and a fresh 24-hour retry window.
func resendWebhookDelivery(c *Call) (any, error) {
	id, err := c.extPathID("delivery_id")
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		d, err := webhook.Resend(c.ctx(), tx, c.Partner.ID, id)
		if err != nil {
			return nil, err
		}
		return webhookDeliveryOf(d), nil
	})
}
