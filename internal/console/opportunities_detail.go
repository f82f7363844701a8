package console

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// A PO's or accepted HO's details: its fields, review status and sales
// stage, the reviewer's comment and reason, the timeline of every change,
// and the actions its state allows: 编辑 and 提交 for drafts and while
// action is required; once approved, stage moves with a progress comment,
// lost with a reason from the list, won with the signing date; then 交付完成
// with its date. And the HOs offered to the partner: their details without
// the customer's contact, 接受 and 拒绝 with a reason.

// oppDetailView is what opportunities_detail.html shows.
type oppDetailView struct {
	O                             *opportunity.Opportunity
	Row                           oppRow
	Office, Products, Lost        string
	Reason                        string
	Timeline                      []timelineRow
	CanEdit, CanStage, CanDeliver bool
	Stages, LostReasons           []option
}

// timelineRow is one event of the timeline, in the user's language.
type timelineRow struct {
	At            time.Time
	Actor, Action string
	Comment       string
	Changes       []fieldChange
}

func (h *handler) opportunityPage(c *call) error {
	o, err := opportunity.Get(c.r.Context(), h.app.DB.Reader(), opportunity.Viewer{PartnerID: c.p.PartnerID}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.renderOppDetail(c, http.StatusOK, o, newForm(nil))
}

// oppNames resolves the office and product names an opportunity shows.
type oppNames struct {
	offices  map[string]string
	products map[string]string
}

func (h *handler) oppNames(c *call, ctx context.Context, q store.Queryer) (*oppNames, error) {
	n := &oppNames{products: map[string]string{}}
	var err error
	if _, n.offices, err = c.officeOptions(ctx, q); err != nil {
		return nil, err
	}
	types, err := catalogue.ServiceTypes(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, t := range types {
		n.products[t.Code] = t.NameZh
		if c.lang != i18n.ZH {
			n.products[t.Code] = t.NameEn
		}
	}
	return n, nil
}

func (n *oppNames) productList(codes []string) string {
	out := make([]string, len(codes))
	for i, code := range codes {
		out[i] = code
		if name, ok := n.products[code]; ok {
			out[i] = name
		}
	}
	return strings.Join(out, "、")
}

func (h *handler) renderOppDetail(c *call, status int, o *opportunity.Opportunity, f *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	names, err := h.oppNames(c, ctx, q)
	if err != nil {
		return err
	}
	v := &oppDetailView{O: o, Row: c.oppRow(o), Office: or(names.offices[o.OfficeID], "-"), Products: or(names.productList(o.Products), "-"),
		CanEdit:    editable(o),
		CanStage:   o.ReviewStatus == opportunity.Approved && o.SalesStage != opportunity.StageWon && o.SalesStage != opportunity.StageLost,
		CanDeliver: o.SalesStage == opportunity.StageWon && o.DeliveredAt.IsZero(),
		Stages:     optionsOf(c.lang, opportunity.SalesStages, oppStageKey), LostReasons: optionsOf(c.lang, opportunity.LostReasons, lostKey),
	}
	if o.LostReason != "" {
		v.Lost = c.t(lostKey(o.LostReason))
	}
	v.Reason = o.DecisionReason
	if v.Reason == "review_overdue" {
		v.Reason = c.t("opps.event.review_overdue")
	}
	if f.Get("stage") == "" {
		f.Values.Set("stage", o.SalesStage)
	}
	events, err := opportunity.Timeline(ctx, q, o.ID)
	if err != nil {
		return err
	}
	for i := len(events) - 1; i >= 0; i-- { // newest first
		e := events[i]
		row := timelineRow{At: e.At, Actor: e.Actor, Action: e.Action, Comment: e.Comment}
		if key := "opps.event." + e.Action; i18n.Has(key) {
			row.Action = c.t(key)
		}
		for _, field := range slices.Sorted(maps.Keys(e.Changes)) {
			ch := e.Changes[field]
			row.Changes = append(row.Changes, fieldChange{Field: c.changeField(field),
				Before: c.changeValue(o, names, field, ch[0]), After: c.changeValue(o, names, field, ch[1])})
		}
		v.Timeline = append(v.Timeline, row)
	}
	return c.render(status, "opportunities_detail", &view{Title: "opps.detail_title", Active: oppsPath, Form: f, Data: v})
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// changeField names a changed field of the timeline.
func (c *call) changeField(field string) string {
	switch field {
	case "review_status":
		return c.t("opps.review_status")
	case "sales_stage":
		return c.t("opps.sales_stage")
	case "partner":
		return c.t("export.col.partner")
	}
	if key := "opps.f." + field; i18n.Has(key) {
		return c.t(key)
	}
	return field
}

// changeValue shows a changed value of the timeline in the user's words.
func (c *call) changeValue(o *opportunity.Opportunity, names *oppNames, field, value string) string {
	if value == "" {
		return ""
	}
	switch field {
	case "review_status":
		return c.t(reviewKey(value))
	case "sales_stage":
		return c.t(oppStageKey(value))
	case "industry":
		return c.t(industryKey(value))
	case "office_id":
		return or(names.offices[value], value)
	case "products":
		return names.productList(strings.Split(value, ","))
	case "amount":
		if fen, err := strconv.ParseInt(value, 10, 64); err == nil {
			return i18n.Amount(fen)
		}
	case "customer_consent":
		if value == "true" {
			return c.t("opps.f.consent_yes")
		}
		return "-"
	case "customer_id":
		if value == o.CustomerID {
			return o.CustomerName
		}
	case "partner":
		// Another partner is not named to this one.
		if value == o.PartnerID {
			return o.PartnerName
		}
		return "-"
	}
	return value
}

// setOpportunityStage records a stage move or a progress update.
func (h *handler) setOpportunityStage(c *call) error {
	ctx := c.r.Context()
	o, err := opportunity.Get(ctx, h.app.DB.Reader(), opportunity.Viewer{PartnerID: c.p.PartnerID}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(c.postForm())
	change := opportunity.StageChange{Stage: f.Get("stage"), LostReason: f.Get("lost_reason"), Comment: f.Get("comment")}
	if change.Stage == opportunity.StageWon {
		change.SignedAt = c.dayField(f, "signed_at")
	}
	var saved *opportunity.Opportunity
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if saved, err = opportunity.SetStage(ctx, tx, c.p.PartnerID, c.p.ActorName(), o.ID, change); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "opportunity.stage", ObjectType: "opportunity", ObjectID: o.ID,
			Before: map[string]any{"sales_stage": o.SalesStage}, After: map[string]any{"code": o.Code, "sales_stage": saved.SalesStage}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderOppDetail(c, http.StatusUnprocessableEntity, o, f)
	}
	return c.done("opps.stage_saved", oppsPath+"/"+o.ID, o.Code)
}

// dayField reads a date field, putting a bad one's message next to it.
func (c *call) dayField(f *form, field string) time.Time {
	s := f.Get(field)
	if s == "" {
		return time.Time{}
	}
	t, err := i18n.ParseDate(s, c.loc)
	if err != nil {
		f.fieldError(field, c.t("audit.date_invalid"))
	}
	return t
}

// markOpportunityDelivered is 交付完成.
func (h *handler) markOpportunityDelivered(c *call) error {
	ctx := c.r.Context()
	o, err := opportunity.Get(ctx, h.app.DB.Reader(), opportunity.Viewer{PartnerID: c.p.PartnerID}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(c.postForm())
	at := c.dayField(f, "delivered_at")
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if _, err := opportunity.MarkDelivered(ctx, tx, c.p.PartnerID, c.p.ActorName(), o.ID, at); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "opportunity.delivered", ObjectType: "opportunity", ObjectID: o.ID,
			After: map[string]any{"code": o.Code, "delivered_at": dayText(at, c.loc)}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderOppDetail(c, http.StatusUnprocessableEntity, o, f)
	}
	return c.done("opps.delivered", oppsPath+"/"+o.ID, o.Code)
}

// offerView is what opportunities_offer.html shows.
type offerView struct {
	Row              offerRow
	Office, Products string
	CanAnswer        bool
	Declining        bool
}

// offer finds an HO offered to the partner; any other answers not found.
func (h *handler) offer(c *call) (*opportunity.Offer, error) {
	list, err := h.offers(c, "")
	if err != nil {
		return nil, err
	}
	id := c.r.PathValue("id")
	for _, o := range list {
		if o.Opportunity.ID == id {
			return o, nil
		}
	}
	return nil, opportunity.ErrNotFound
}

func (h *handler) offerPage(c *call) error {
	o, err := h.offer(c)
	if err != nil {
		return err
	}
	if o.Status == opportunity.ShareAccepted {
		c.redirect(oppsPath + "/" + o.Opportunity.ID)
		return nil
	}
	return h.renderOffer(c, http.StatusOK, o, newForm(nil), false)
}

func (h *handler) renderOffer(c *call, status int, o *opportunity.Offer, f *form, declining bool) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	names, err := h.oppNames(c, ctx, q)
	if err != nil {
		return err
	}
	v := &offerView{Row: c.offerRow(o), Office: or(names.offices[o.Opportunity.OfficeID], "-"),
		Products: or(names.productList(o.Opportunity.Products), "-"), CanAnswer: o.Status == opportunity.ShareOffered, Declining: declining}
	title := "opps.offer_title"
	if declining {
		title = "opps.decline_title"
	}
	return c.render(status, "opportunities_offer", &view{Title: title, Active: oppsPath, Form: f, Data: v})
}

// acceptOffer is 接受: the HO becomes the partner's, with the customer's
// contact, among its opportunities.
func (h *handler) acceptOffer(c *call) error {
	o, err := h.offer(c)
	if err != nil {
		return err
	}
	f := newForm(nil)
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if _, err := opportunity.Accept(ctx, tx, c.p.PartnerID, c.p.ActorName(), o.Opportunity.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "opportunity.ho_accept", ObjectType: "opportunity",
			ObjectID: o.Opportunity.ID, After: map[string]any{"code": o.Opportunity.Code}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderOffer(c, http.StatusConflict, o, f, false)
	}
	return c.done("opps.offer.accepted", oppsPath+"/"+o.Opportunity.ID, o.Opportunity.Code)
}

// declineOfferPage is 拒绝: the reason, then the offer is answered.
func (h *handler) declineOfferPage(c *call) error {
	o, err := h.offer(c)
	if err != nil {
		return err
	}
	if c.r.Method == http.MethodGet {
		if o.Status != opportunity.ShareOffered {
			return apperr.New(apperr.Conflict, "opportunity.offer_answered", "the offer has already been answered")
		}
		return h.renderOffer(c, http.StatusOK, o, newForm(nil), true)
	}
	f := newForm(c.postForm())
	reason := f.Get("reason")
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if err := opportunity.Decline(ctx, tx, c.p.PartnerID, c.p.ActorName(), o.Opportunity.ID, reason); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "opportunity.ho_decline", ObjectType: "opportunity",
			ObjectID: o.Opportunity.ID, After: map[string]any{"code": o.Opportunity.Code, "reason": reason}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderOffer(c, http.StatusUnprocessableEntity, o, f, true)
	}
	return c.done("opps.offer.declined", oppsPath+"/offers", o.Opportunity.Code)
}
