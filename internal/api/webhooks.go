package api

import (
	"encoding/json"
	"net/http"

	"partnercenter/client"
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

// webhookEndpointOf is an endpoint as the API answers it; the secret only
// in the answers that make one.
func webhookEndpointOf(e *webhook.Endpoint, now func() string) client.WebhookEndpoint {
	out := client.WebhookEndpoint{ID: e.ID, URL: e.URL, Events: e.Events, Enabled: e.Enabled, DisabledReason: e.DisabledReason,
		Description: e.Description, Secret: e.Secret, CreatedAt: formatTime(e.CreatedAt), UpdatedAt: formatTime(e.UpdatedAt)}
	if p := formatTime(e.PreviousUntil); p > now() {
		out.PreviousSecretExpiresAt = p
	}
	return out
}

// webhookFields reads the body of CreateWebhookEndpoint and
// UpdateWebhookEndpoint; on an update an absent field keeps its value.
func (c *Call) webhookFields() (webhook.Fields, error) {
	var req client.WebhookEndpointRequest
	if err := c.Decode(&req); err != nil {
		return webhook.Fields{}, err
	}
	if req.Events != nil && len(*req.Events) > len(webhook.Types) {
		return webhook.Fields{}, fieldError("CBC.0100", "events", "api.too_many", "must hold at most %d event types", len(webhook.Types))
	}
	return webhook.Fields{URL: req.URL, Events: req.Events, Enabled: req.Enabled, Description: req.Description}, nil
}

func (c *Call) nowText() string { return formatTime(c.s.app.DB.Now()) }

// listWebhookEndpoints is ListWebhookEndpoints: the caller's endpoints,
// oldest first.
func listWebhookEndpoints(c *Call) (any, error) {
	list, err := webhook.List(c.ctx(), c.reader(), c.Partner.ID)
	if err != nil {
		return nil, err
	}
	return client.WebhookEndpointList{TotalCount: len(list), Endpoints: answersOf(list, func(e *webhook.Endpoint) client.WebhookEndpoint {
		return webhookEndpointOf(e, c.nowText)
	})}, nil
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

// webhookDeliveryOf is a delivery as the API answers it; the body and the
// attempts in ShowWebhookDelivery only.
func webhookDeliveryOf(d *webhook.Delivery) client.WebhookDelivery {
	out := client.WebhookDelivery{ID: d.ID, EventID: d.EventID, EventType: d.EventType, EndpointID: d.EndpointID, EndpointURL: d.EndpointURL,
		Status: d.Status, Attempts: d.Attempts, NextAttemptAt: formatTime(d.NextAttemptAt), LastStatusCode: d.LastStatusCode,
		LastError: d.LastError, LastDurationMS: d.LastDuration.Milliseconds(), LastAttemptAt: formatTime(d.LastAttemptAt),
		GaveUpReason: d.GaveUpReason, CreatedAt: formatTime(d.CreatedAt)}
	if d.Payload != "" {
		out.Payload = json.RawMessage(d.Payload)
	}
	out.AttemptLog = answersOf(d.AttemptLog, func(a webhook.Attempt) client.WebhookAttempt {
		return client.WebhookAttempt{AttemptedAt: formatTime(a.At), StatusCode: a.StatusCode, Error: a.Error,
			DurationMS: a.Duration.Milliseconds(), Response: a.Response}
	})
	return out
}

// listWebhookDeliveries is ListWebhookDeliveries: the caller's deliveries,
// newest first, filtered by endpoint, event type, event id, status and
// creation time.
func listWebhookDeliveries(c *Call) (any, error) {
	vals, err := c.queryFilter(64, []string{"endpoint_id", "event_type", "status", "event_id", "created_from", "created_to"},
		map[string][]string{"event_type": append([]string{webhook.Test}, webhook.Types...), "status": webhook.Statuses})
	if err != nil {
		return nil, err
	}
	f := webhook.Filter{PartnerID: c.Partner.ID, EndpointID: vals[0], EventType: vals[1], Status: vals[2], EventID: vals[3]}
	if f.From, f.To, err = timeRange("created_from", &vals[4], "created_to", &vals[5]); err != nil {
		return nil, err
	}
	rows, total, err := pagedList(c, 20, 100, func(offset, limit int) ([]*webhook.Delivery, int, error) {
		f.Offset, f.Limit = offset, limit
		return webhook.ListDeliveries(c.ctx(), c.reader(), f)
	}, webhookDeliveryOf)
	if err != nil {
		return nil, err
	}
	return client.WebhookDeliveryList{TotalCount: total, Deliveries: rows}, nil
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
