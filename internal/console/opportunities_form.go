package console

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"partnercenter/internal/audit"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 创建商机 and editing a PO: 保存草稿 keeps whatever is filled in; 提交
// saves and submits, and when fields are missing shows every one's message
// next to its field (opportunity.MissingForSubmission) and keeps the input,
// saving nothing. While the reviewer asks for action only the whitelist
// (opportunity.ActionRequiredEditable) is editable: the other inputs are
// disabled and their stored values kept.

// oppFormView is what opportunities_form.html shows.
type oppFormView struct {
	O                                        *opportunity.Opportunity // nil: a new PO
	Action                                   string
	Customers, Industries, Offices, Products []option
	Consent                                  []option
	Locked                                   bool // action required: the deal's identity is read-only
	Back                                     string
}

func (h *handler) newOpportunityPage(c *call) error {
	if c.r.Method == http.MethodGet {
		return h.renderOppForm(c, http.StatusOK, nil, newForm(nil))
	}
	return h.saveOpportunity(c, nil)
}

func (h *handler) editOpportunityPage(c *call) error {
	o, err := opportunity.Get(c.r.Context(), h.app.DB.Reader(), opportunity.Viewer{PartnerID: c.p.PartnerID}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if !editable(o) {
		return opportunity.ErrNotEditable
	}
	if c.r.Method == http.MethodGet {
		return h.renderOppForm(c, http.StatusOK, o, newForm(oppValues(o, c)))
	}
	return h.saveOpportunity(c, o)
}

func editable(o *opportunity.Opportunity) bool {
	return o.Origin == opportunity.PO && (o.ReviewStatus == opportunity.Draft || o.ReviewStatus == opportunity.ActionRequired)
}

// oppValues fills the form with a stored PO.
func oppValues(o *opportunity.Opportunity, c *call) map[string][]string {
	v := map[string][]string{
		"customer_id": {o.CustomerID}, "prospect_name": {o.ProspectName}, "project_name": {o.ProjectName}, "industry": {o.Industry},
		"office_id": {o.OfficeID}, "products": o.Products, "expected_close": {dayText(o.ExpectedClose, c.loc)},
		"partner_solution": {o.PartnerSolution}, "contact_name": {o.ContactName}, "contact_phone": {o.ContactPhone},
		"description": {o.Description},
	}
	if o.Amount > 0 {
		v["amount"] = []string{money.Plain(o.Amount)}
	}
	if o.CustomerConsent {
		v["customer_consent"] = []string{"1"}
	}
	return v
}

func (h *handler) renderOppForm(c *call, status int, o *opportunity.Opportunity, f *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	v := &oppFormView{O: o, Action: oppsPath + "/new", Back: oppsPath, Industries: optionsOf(c.lang, opportunity.Industries, industryKey),
		Consent: []option{{Value: "1", Label: c.t("opps.f.consent_yes")}}}
	title := "opps.new_title"
	if o != nil {
		v.Action, v.Back, title = oppsPath+"/"+o.ID+"/edit", oppsPath+"/"+o.ID, "opps.edit_title"
		v.Locked = o.ReviewStatus == opportunity.ActionRequired
	}
	customers, _, err := customer.List(ctx, q, customer.PartnerScope(c.p.PartnerID), customer.Filter{Limit: 500})
	if err != nil {
		return err
	}
	for _, cu := range customers {
		label := cu.DomainName
		if cu.RealName != "" {
			label += " (" + cu.RealName + ")"
		}
		v.Customers = append(v.Customers, option{Value: cu.ID, Label: label})
	}
	// A registered account of no partner is not among the partner's
	// customers: show it by its account name.
	if id := f.Get("customer_id"); id != "" && o != nil && id == o.CustomerID &&
		!slices.ContainsFunc(v.Customers, func(op option) bool { return op.Value == id }) {
		f.Values.Set("customer_account", o.CustomerName)
		f.Values.Del("customer_id")
	}
	if v.Offices, _, err = c.officeOptions(ctx, q); err != nil {
		return err
	}
	types, err := catalogue.ServiceTypes(ctx, q)
	if err != nil {
		return err
	}
	for _, t := range types {
		label := t.NameZh
		if c.lang != i18n.ZH {
			label = t.NameEn
		}
		v.Products = append(v.Products, option{Value: t.Code, Label: label})
	}
	return c.render(status, "opportunities_form", &view{Title: title, Active: oppsPath, Form: f, Data: v})
}

// oppFields reads the form, putting an unreadable amount or date next to
// its field.
func (c *call) oppFields(f *form) opportunity.Fields {
	fl := opportunity.Fields{CustomerID: f.Get("customer_id"), ProspectName: f.Get("prospect_name"), ProjectName: f.Get("project_name"),
		Industry: f.Get("industry"), OfficeID: f.Get("office_id"), PartnerSolution: f.Get("partner_solution"),
		CustomerConsent: f.Get("customer_consent") == "1", ContactName: f.Get("contact_name"), ContactPhone: f.Get("contact_phone"),
		Description: f.Get("description")}
	for _, p := range f.Values["products"] {
		if p = strings.TrimSpace(p); p != "" {
			fl.Products = append(fl.Products, p)
		}
	}
	if name := f.Get("customer_account"); name != "" && fl.CustomerID == "" {
		id, err := opportunity.RegisteredCustomer(c.r.Context(), c.h.app.DB.Reader(), c.p.PartnerID, "customer_account", name)
		if err != nil {
			f.fieldError("customer_account", c.t("customer.not_found"))
		}
		fl.CustomerID = id
	}
	if s := f.Get("amount"); s != "" {
		fen, err := money.Parse(s)
		if err != nil {
			key, ok := amountKeys[err]
			if !ok {
				key = "customers.amount_number"
			}
			f.fieldError("amount", c.t(key))
		}
		fl.Amount = fen
	}
	if s := f.Get("expected_close"); s != "" {
		t, err := i18n.ParseDate(s, c.loc)
		if err != nil {
			f.fieldError("expected_close", c.t("audit.date_invalid"))
		}
		fl.ExpectedClose = t
	}
	return fl
}

// errMissing rolls back a submission that lacks fields; their messages
// are on the form.
var errMissing = errors.New("fields missing")

// saveOpportunity creates or edits a PO, and submits it when asked to.
func (h *handler) saveOpportunity(c *call, o *opportunity.Opportunity) error {
	ctx := c.r.Context()
	f := newForm(c.postForm())
	fields := c.oppFields(f)
	if o != nil && o.ReviewStatus == opportunity.ActionRequired {
		// The disabled inputs send nothing: the deal's identity stays.
		fields.CustomerID, fields.ProspectName, fields.ProjectName, fields.Industry, fields.OfficeID =
			o.CustomerID, o.ProspectName, o.ProjectName, o.Industry, o.OfficeID
		for k, v := range oppValues(o, c) {
			if k == "customer_id" || k == "prospect_name" || k == "project_name" || k == "industry" || k == "office_id" {
				f.Values[k] = v
			}
		}
	}
	submit := f.Get("action") == "submit"
	var saved *opportunity.Opportunity
	if f.ok() {
		err := h.app.DB.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if o == nil {
				saved, err = opportunity.CreateDraft(ctx, tx, c.p.PartnerID, c.p.ActorName(), fields)
				if err != nil {
					return err
				}
				err = audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "opportunity.po_create", ObjectType: "opportunity",
					ObjectID: saved.ID, After: map[string]any{"code": saved.Code, "project": saved.ProjectName}})
			} else {
				saved, err = opportunity.Update(ctx, tx, c.p.PartnerID, c.p.ActorName(), o.ID, fields)
				if err != nil {
					return err
				}
				if saved.UpdatedAt.After(o.UpdatedAt) {
					err = audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "opportunity.po_update", ObjectType: "opportunity",
						ObjectID: saved.ID, After: map[string]any{"code": saved.Code}})
				}
			}
			if err != nil || !submit {
				return err
			}
			return h.submitIn(ctx, tx, c, f, saved, &saved)
		})
		if !errors.Is(err, errMissing) {
			if err := f.take(c, err); err != nil {
				return err
			}
		}
	}
	if !f.ok() {
		return h.renderOppForm(c, http.StatusUnprocessableEntity, o, f)
	}
	switch {
	case submit:
		return c.done("opps.submitted", oppsPath+"/"+saved.ID, saved.Code)
	case o == nil:
		return c.done("opps.saved", oppsPath+"/"+saved.ID, saved.Code)
	}
	return c.done("opps.updated", oppsPath+"/"+saved.ID, saved.Code)
}

// submitIn submits a saved PO in tx, or puts every missing field's message
// on the form and answers errMissing.
func (h *handler) submitIn(ctx context.Context, tx *store.Tx, c *call, f *form, o *opportunity.Opportunity, out **opportunity.Opportunity) error {
	if missing := opportunity.MissingForSubmission(o, tx.Now); len(missing) > 0 {
		for _, m := range missing {
			f.fieldError(m.Field, c.errText(m))
		}
		return errMissing
	}
	from := o.ReviewStatus
	s, err := opportunity.Submit(ctx, tx, c.p.PartnerID, c.p.ActorName(), o.ID)
	if err != nil {
		return err
	}
	*out = s
	return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "opportunity.po_submit", ObjectType: "opportunity",
		ObjectID: s.ID, Before: map[string]any{"review_status": from}, After: map[string]any{"code": s.Code, "review_status": s.ReviewStatus}})
}

// submitOpportunity is 提交 on the details page: a PO lacking fields opens
// in its form with every missing field's message.
func (h *handler) submitOpportunity(c *call) error {
	ctx := c.r.Context()
	o, err := opportunity.Get(ctx, h.app.DB.Reader(), opportunity.Viewer{PartnerID: c.p.PartnerID}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(oppValues(o, c))
	saved := o
	err = h.app.DB.InTx(ctx, func(tx *store.Tx) error { return h.submitIn(ctx, tx, c, f, o, &saved) })
	if errors.Is(err, errMissing) {
		return h.renderOppForm(c, http.StatusUnprocessableEntity, o, f)
	}
	if err := f.take(c, err); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderOppDetail(c, http.StatusConflict, o, f)
	}
	return c.done("opps.submitted", oppsPath+"/"+o.ID, saved.Code)
}
