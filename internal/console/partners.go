package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// The provider's partner pages: list, create (with the main account),
// details and edit.

type partnersView struct {
	Rows     []partnerRow
	Pager    pager
	Types    []option
	CanAudit bool
}

type partnerRow struct {
	*partner.Partner
	Parent, PDM string
}

func (h *handler) partnersPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	f := newForm(c.r.URL.Query())
	page, offset := pageOf(c.r)
	list, total, err := partner.List(ctx, q, partner.ListFilter{Query: f.Get("q"), Type: partner.Type(f.Get("type")),
		Offset: offset, Limit: pageSize})
	if err != nil {
		return err
	}
	staff, err := staffNames(ctx, q)
	if err != nil {
		return err
	}
	v := partnersView{Pager: newPager(c.r, page, total), Types: typeOptions(c.lang), CanAudit: c.p.Can(auth.PermStaffAudit)}
	parents := map[string]string{}
	for _, p := range list {
		row := partnerRow{Partner: p, PDM: staff[p.PDMUserID]}
		if p.ParentID != "" {
			if _, ok := parents[p.ParentID]; !ok {
				if parent, err := partner.Get(ctx, q, p.ParentID); err == nil {
					parents[p.ParentID] = parent.DisplayName
				}
			}
			row.Parent = parents[p.ParentID]
		}
		v.Rows = append(v.Rows, row)
	}
	return c.render(http.StatusOK, "partners", &view{Title: "partners.title", Active: "/console/staff/partners", Form: f, Data: v})
}

// staffNames maps staff user ids to display names.
func staffNames(ctx context.Context, q store.Queryer) (map[string]string, error) {
	staff, err := auth.ListStaff(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(staff))
	for _, u := range staff {
		out[u.ID] = u.DisplayName
	}
	return out, nil
}

// partnerFormView is the data of the create and edit forms.
type partnerFormView struct {
	Partner                      *partner.Partner // nil when creating
	Types, Stages, Parents, PDMs []option
}

func (h *handler) partnerForm(c *call, editing *partner.Partner) (partnerFormView, error) {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	v := partnerFormView{Partner: editing, Types: typeOptions(c.lang), Stages: stageOptions(c.lang)}
	none := option{Value: "", Label: i18n.T(c.lang, "common.none")}
	distributors, _, err := partner.List(ctx, q, partner.ListFilter{Type: partner.TotalDistributor, Limit: 1000})
	if err != nil {
		return v, err
	}
	v.Parents = []option{none}
	for _, d := range distributors {
		if editing == nil || d.ID != editing.ID {
			v.Parents = append(v.Parents, option{Value: d.ID, Label: d.DisplayName + " (" + d.Name + ")"})
		}
	}
	staff, err := auth.ListStaff(ctx, q)
	if err != nil {
		return v, err
	}
	v.PDMs = []option{none}
	for _, u := range staff {
		if slices.Contains(u.Roles, auth.StaffPDM) && !u.Disabled {
			v.PDMs = append(v.PDMs, option{Value: u.ID, Label: u.DisplayName})
		}
	}
	return v, nil
}

func (h *handler) newPartnerPage(c *call) error {
	return h.renderPartnerForm(c, http.StatusOK, nil, newForm(url.Values{
		"type": {string(partner.Reseller)}, "stage": {string(partner.Registered)}}))
}

func (h *handler) renderPartnerForm(c *call, status int, editing *partner.Partner, f *form) error {
	v, err := h.partnerForm(c, editing)
	if err != nil {
		return err
	}
	f.Values.Del("password")
	title, active := "partners.create", "/console/staff/partners"
	if editing != nil {
		title = "partners.edit"
	}
	return c.render(status, "partner_form", &view{Title: title, Active: active, Form: f, Data: v})
}

func (h *handler) createPartner(c *call) error {
	f := newForm(c.postForm())
	n := partner.NewPartner{Name: f.Get("name"), DisplayName: f.Get("display_name"), Type: partner.Type(f.Get("type")),
		Stage: partner.Stage(f.Get("stage")), ParentID: f.Get("parent_id"), PDMUserID: f.Get("pdm_user_id"),
		Email: f.Get("email"), Mobile: f.Get("mobile")}
	password := f.Values.Get("password")
	var created *partner.Partner
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		created, _, err = partner.CreateWithMainAccount(ctx, tx, n, password)
		return err
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		// Show the password's fault together with the first other one.
		_ = f.take(c, auth.CheckPasswordPolicy("password", password))
		return h.renderPartnerForm(c, http.StatusUnprocessableEntity, nil, f)
	}
	return c.done("partners.created_ok", "/console/staff/partners/"+created.ID, created.Name)
}

// partnerDetail is the provider's page of one partner, in tabs.
type partnerDetail struct {
	Profile  *profileView
	Tabs     []tab
	Tab      string
	Users    []*auth.User
	History  auditTable
	CanAudit bool
}

type tab struct {
	Label, Href string
	Active      bool
}

func (h *handler) partnerPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	id := c.r.PathValue("id")
	prof, err := c.loadProfile(id, true)
	if err != nil {
		return err
	}
	prof.LinkResellers = true
	d := partnerDetail{Profile: prof, Tab: c.r.URL.Query().Get("tab"), CanAudit: c.p.Can(auth.PermStaffAudit)}
	switch d.Tab {
	case "users":
		d.Users, err = auth.ListPartnerUsers(ctx, q, id)
	case "audit":
		var entries []audit.Entry
		entries, _, err = audit.List(ctx, q, audit.Filter{PartnerID: id, Limit: pageSize})
		d.History = c.auditTable(entries, false)
	default:
		d.Tab = "profile"
	}
	if err != nil {
		return err
	}
	base := "/console/staff/partners/" + id
	for _, t := range []struct{ name, label string }{{"profile", "partners.tab.profile"}, {"users", "partners.tab.users"}, {"audit", "partners.tab.audit"}} {
		href := base
		if t.name != "profile" {
			href += "?tab=" + t.name
		}
		d.Tabs = append(d.Tabs, tab{Label: t.label, Href: href, Active: t.name == d.Tab})
	}
	return c.render(http.StatusOK, "partner", &view{Title: "partners.title", Active: "/console/staff/partners", Data: d})
}

func (h *handler) editPartnerPage(c *call) error {
	p, err := partner.Get(c.r.Context(), h.app.DB.Reader(), c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(url.Values{"display_name": {p.DisplayName}, "type": {string(p.Type)}, "stage": {string(p.Stage)},
		"parent_id": {p.ParentID}, "pdm_user_id": {p.PDMUserID}})
	return h.renderPartnerForm(c, http.StatusOK, p, f)
}

func (h *handler) savePartner(c *call) error {
	p, err := partner.Get(c.r.Context(), h.app.DB.Reader(), c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(c.postForm())
	u := partner.Update{DisplayName: f.Get("display_name"), Type: partner.Type(f.Get("type")), Stage: partner.Stage(f.Get("stage")),
		ParentID: f.Get("parent_id"), PDMUserID: f.Get("pdm_user_id")}
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		_, err := partner.Edit(ctx, tx, p.ID, u)
		return err
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderPartnerForm(c, http.StatusUnprocessableEntity, p, f)
	}
	return c.done("partners.saved", "/console/staff/partners/"+p.ID)
}
