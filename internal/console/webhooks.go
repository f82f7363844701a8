package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// 服务支持 > 能力开放 > 事件回调: the partner's callback endpoints with the
// events each receives, the delivery log with each delivery's attempts,
// 重新发送 and 发送测试事件. The rules are the webhook package's; every id is
// looked up with the caller's partner, so another partner's answers not
// found. A secret is shown on the answer that made it and never again.

const webhooksPath = "/console/access/webhooks"

// webhookRoutes registers the callback pages.
func (h *handler) webhookRoutes() {
	need := perms(auth.PermAccess)
	h.page("GET "+webhooksPath, need, h.webhooksPage)
	h.pageAndForm(webhooksPath+"/new", need, h.newWebhookPage)
	h.pageAndForm(webhooksPath+"/endpoints/{id}/edit", need, h.editWebhookPage)
	h.pageAndForm(webhooksPath+"/endpoints/{id}/rotate", need, h.rotateWebhookPage)
	h.pageAndForm(webhooksPath+"/endpoints/{id}/delete", need, h.deleteWebhookPage)
	h.page("POST "+webhooksPath+"/endpoints/{id}/status", need, h.webhookStatus)
	h.page("POST "+webhooksPath+"/endpoints/{id}/test", need, h.webhookTest)
	h.page("GET "+webhooksPath+"/deliveries/{id}", need, h.webhookDeliveryPage)
	h.page("POST "+webhooksPath+"/deliveries/{id}/resend", need, h.webhookResend)
}

// webhookEventKey labels an event type.
func webhookEventKey(t string) string { return "webhook.event." + t }

// webhookEventOptions are the event types as check boxes or a filter.
func (c *call) webhookEventOptions(withTest bool) []option {
	types := webhook.Types
	if withTest {
		types = append(append([]string{}, types...), webhook.Test)
	}
	out := make([]option, len(types))
	for i, t := range types {
		out[i] = option{Value: t, Label: c.t(webhookEventKey(t))}
	}
	return out
}

// webhookRow is a delivery as the log shows it.
type webhookRow struct {
	*webhook.Delivery
	EventName  string
	StatusText string
	GaveUp     string
}

func (c *call) webhookRow(d *webhook.Delivery) webhookRow {
	r := webhookRow{Delivery: d, EventName: c.t(webhookEventKey(d.EventType)), StatusText: c.t("webhook.status." + d.Status)}
	if d.GaveUpReason != "" {
		r.GaveUp = c.t("webhook.gave_up." + d.GaveUpReason)
	}
	return r
}

// webhookEndpointRow is an endpoint as the list shows it.
type webhookEndpointRow struct {
	*webhook.Endpoint
	EventNames []string
}

type webhooksView struct {
	Endpoints  []webhookEndpointRow
	Max        int
	Deliveries []webhookRow
	Pager      pager
	EndpointOp []option
	Events     []option
	Statuses   []option
}

func (h *handler) webhooksPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	endpoints, err := webhook.List(ctx, q, c.p.PartnerID)
	if err != nil {
		return err
	}
	v := webhooksView{Max: webhook.MaxEndpoints, Events: c.webhookEventOptions(true)}
	for _, e := range endpoints {
		row := webhookEndpointRow{Endpoint: e}
		for _, t := range e.Events {
			row.EventNames = append(row.EventNames, c.t(webhookEventKey(t)))
		}
		v.Endpoints = append(v.Endpoints, row)
		v.EndpointOp = append(v.EndpointOp, option{Value: e.ID, Label: e.URL})
	}
	for _, s := range webhook.Statuses {
		v.Statuses = append(v.Statuses, option{Value: s, Label: c.t("webhook.status." + s)})
	}
	f := newForm(c.r.URL.Query())
	page, offset := pageOf(c.r)
	filter := webhook.Filter{PartnerID: c.p.PartnerID, EndpointID: f.Get("endpoint"), EventType: f.Get("event"), Status: f.Get("status"),
		EventID: f.Get("event_id"), Offset: offset, Limit: pageSize}
	if filter.From, filter.To, err = dateRange(c, f); err != nil {
		return err
	}
	v.Pager = newPager(c.r, 1, 0)
	if f.ok() {
		list, total, err := webhook.ListDeliveries(ctx, q, filter)
		if err != nil {
			return err
		}
		for _, d := range list {
			v.Deliveries = append(v.Deliveries, c.webhookRow(d))
		}
		v.Pager = newPager(c.r, page, total)
	}
	return c.render(http.StatusOK, "webhooks", &view{Title: "webhook.title", Active: webhooksPath, Form: f, Data: v})
}

// webhookFormView is the endpoint form: the endpoint when editing.
type webhookFormView struct {
	Endpoint *webhook.Endpoint
	Events   []option
}

func (h *handler) renderWebhookForm(c *call, status int, f *form, e *webhook.Endpoint) error {
	title := "webhook.new"
	if e != nil {
		title = "webhook.edit"
	}
	return c.render(status, "webhooks_form", &view{Title: title, Active: webhooksPath, Form: f,
		Data: webhookFormView{Endpoint: e, Events: c.webhookEventOptions(false)}})
}

// webhookFields reads the endpoint form.
func webhookFields(f *form) webhook.Fields {
	url, desc, events, enabled := f.Get("url"), f.Get("description"), f.Values["events"], f.Get("enabled") == "1"
	if events == nil {
		events = []string{}
	}
	return webhook.Fields{URL: &url, Description: &desc, Events: &events, Enabled: &enabled}
}

// webhookSecretView is the one page that shows an endpoint's secret.
type webhookSecretView struct {
	Endpoint *webhook.Endpoint
	Rotated  bool
}

func (c *call) renderWebhookSecret(e *webhook.Endpoint, rotated bool) error {
	c.w.Header().Set("Cache-Control", "no-store")
	return c.render(http.StatusOK, "webhooks_secret", &view{Title: "webhook.secret_title", Active: webhooksPath,
		Data: webhookSecretView{Endpoint: e, Rotated: rotated}})
}

func (h *handler) newWebhookPage(c *call) error {
	if c.r.Method == http.MethodGet {
		f := newForm(nil)
		f.Values.Set("enabled", "1")
		return h.renderWebhookForm(c, http.StatusOK, f, nil)
	}
	f := newForm(c.postForm())
	var e *webhook.Endpoint
	if err := c.apply(f, func(ctx context.Context, tx *store.Tx) (err error) {
		e, err = webhook.Create(ctx, tx, h.app.Sealer, c.p.PartnerID, webhookFields(f))
		return err
	}); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderWebhookForm(c, http.StatusUnprocessableEntity, f, nil)
	}
	return c.renderWebhookSecret(e, false)
}

func (h *handler) editWebhookPage(c *call) error {
	e, err := webhook.Get(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.r.Method == http.MethodGet {
		f := newForm(nil)
		f.Values.Set("url", e.URL)
		f.Values.Set("description", e.Description)
		f.Values["events"] = e.Events
		if e.Enabled {
			f.Values.Set("enabled", "1")
		}
		return h.renderWebhookForm(c, http.StatusOK, f, e)
	}
	f := newForm(c.postForm())
	if err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		_, err := webhook.Update(ctx, tx, c.p.PartnerID, e.ID, webhookFields(f))
		return err
	}); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderWebhookForm(c, http.StatusUnprocessableEntity, f, e)
	}
	return c.done("webhook.saved_ok", webhooksPath)
}

// webhookConfirmView asks before a rotation or a deletion.
type webhookConfirmView struct {
	Endpoint *webhook.Endpoint
	Action   string // rotate or delete
}

func (h *handler) confirmWebhook(c *call, action string, do func(ctx context.Context, tx *store.Tx, e *webhook.Endpoint) error) (*webhook.Endpoint, bool, error) {
	e, err := webhook.Get(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return nil, false, err
	}
	if c.r.Method == http.MethodGet {
		return e, false, c.render(http.StatusOK, "webhooks_confirm", &view{Title: "webhook." + action, Active: webhooksPath,
			Data: webhookConfirmView{Endpoint: e, Action: action}})
	}
	ctx := c.r.Context()
	return e, true, h.app.DB.InTx(ctx, func(tx *store.Tx) error { return do(ctx, tx, e) })
}

func (h *handler) rotateWebhookPage(c *call) error {
	var rotated *webhook.Endpoint
	_, posted, err := h.confirmWebhook(c, "rotate", func(ctx context.Context, tx *store.Tx, e *webhook.Endpoint) (err error) {
		rotated, err = webhook.RotateSecret(ctx, tx, h.app.Sealer, c.p.PartnerID, e.ID)
		return err
	})
	if err != nil || !posted {
		return err
	}
	return c.renderWebhookSecret(rotated, true)
}

func (h *handler) deleteWebhookPage(c *call) error {
	_, posted, err := h.confirmWebhook(c, "delete", func(ctx context.Context, tx *store.Tx, e *webhook.Endpoint) error {
		return webhook.Delete(ctx, tx, c.p.PartnerID, e.ID)
	})
	if err != nil || !posted {
		return err
	}
	return c.done("webhook.deleted_ok", webhooksPath)
}

// webhookStatus enables or disables an endpoint from the list.
func (h *handler) webhookStatus(c *call) error {
	ctx := c.r.Context()
	enabled := c.postForm().Get("enabled") == "1"
	if err := h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		_, err := webhook.Update(ctx, tx, c.p.PartnerID, c.r.PathValue("id"), webhook.Fields{Enabled: &enabled})
		return err
	}); err != nil {
		return err
	}
	if enabled {
		return c.done("webhook.enabled_ok", webhooksPath)
	}
	return c.done("webhook.disabled_ok", webhooksPath)
}

// webhookTest sends the test event and shows its delivery.
func (h *handler) webhookTest(c *call) error {
	ctx := c.r.Context()
	var d *webhook.Delivery
	if err := h.app.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		d, err = webhook.SendTest(ctx, tx, c.p.PartnerID, c.r.PathValue("id"))
		return err
	}); err != nil {
		return err
	}
	return c.done("webhook.test_sent_ok", webhooksPath+"/deliveries/"+d.ID)
}

// webhookDeliveryView is one delivery with its body and attempts.
type webhookDeliveryView struct {
	Row      webhookRow
	Payload  string // indented
	Attempts []webhookAttemptRow
}

type webhookAttemptRow struct {
	webhook.Attempt
	Ms string
}

func (h *handler) webhookDeliveryPage(c *call) error {
	d, err := webhook.GetDelivery(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	v := webhookDeliveryView{Row: c.webhookRow(d), Payload: d.Payload}
	var pretty any
	if json.Unmarshal([]byte(d.Payload), &pretty) == nil {
		if b, err := json.MarshalIndent(pretty, "", "  "); err == nil {
			v.Payload = string(b)
		}
	}
	for _, a := range d.AttemptLog {
		v.Attempts = append(v.Attempts, webhookAttemptRow{Attempt: a, Ms: strconv.FormatInt(a.Duration.Milliseconds(), 10)})
	}
	return c.render(http.StatusOK, "webhooks_delivery", &view{Title: "webhook.delivery", Active: webhooksPath, Data: v})
}

// webhookResend queues a delivery again; a refusal (it is being sent right
// now) comes back as the page's message.
func (h *handler) webhookResend(c *call) error {
	ctx := c.r.Context()
	id := c.r.PathValue("id")
	target := webhooksPath + "/deliveries/" + id
	err := h.app.DB.InTx(ctx, func(tx *store.Tx) error { _, err := webhook.Resend(ctx, tx, c.p.PartnerID, id); return err })
	if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
		c.setFlash(e.Key, true)
		c.redirect(target)
		return nil
	}
	if err != nil {
		return err
	}
	return c.done("webhook.resent_ok", target)
}
