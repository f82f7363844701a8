package console

import (
	"context"
	"net/http"

	"partnercenter/internal/auth"
	"partnercenter/internal/configurator"
	"partnercenter/internal/store"
)

// The back office's side of 解决方案配置中心: the PSA sees the
// configurators awaiting sign-off (and every other), reads one with a
// preview at its defaults, and signs it off, which publishes the solution,
// or returns it to the partner with a reason.

const staffConfiguratorsPath = "/console/staff/solutions/configurators"

func (h *handler) configuratorStaffRoutes() {
	need := perms(auth.PermStaffSolutions)
	h.page("GET "+staffConfiguratorsPath, need, h.staffConfiguratorsPage)
	h.page("GET "+staffConfiguratorsPath+"/{id}", need, h.staffConfiguratorPage)
	h.page("POST "+staffConfiguratorsPath+"/{id}/decide", need, h.decideConfigurator)
}

// staffCenterView lists configurators for the PSA.
type staffCenterView struct {
	Page   string
	Rows   []centerRow
	Status string
	Tabs   []option
}

func (h *handler) staffConfiguratorsPage(c *call) error {
	status := c.r.URL.Query().Get("status")
	if status == "" {
		status = configurator.Pending
	}
	if status == "all" {
		status = ""
	}
	all, err := configurator.Configurators(c.r.Context(), h.app.DB.Reader(), "", status)
	if err != nil {
		return err
	}
	v := &staffCenterView{Page: "staff", Status: c.r.URL.Query().Get("status")}
	for _, s := range []string{configurator.Pending, configurator.Editing, configurator.Published, "all"} {
		v.Tabs = append(v.Tabs, option{s, c.t("configurator.staff_tab." + s)})
	}
	for _, cfg := range all {
		v.Rows = append(v.Rows, centerRow{Configurator: cfg, Status: c.t(configuratorStatusKey(cfg.Status)), Href: staffConfiguratorsPath + "/" + cfg.ID})
	}
	return c.render(http.StatusOK, "configurator", &view{Title: "configurator.staff_title", Active: staffConfiguratorsPath, Data: v})
}

// staffConfiguratorView is one configurator for the PSA.
type staffConfiguratorView struct {
	configuratorView
	C      *configurator.Configurator
	Decide string
	Back   string
}

func (h *handler) staffConfiguratorPage(c *call) error {
	return h.renderStaffConfigurator(c, http.StatusOK, newForm(nil))
}

func (h *handler) renderStaffConfigurator(c *call, status int, f *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	cfg, err := configurator.Get(ctx, q, "", c.r.PathValue("id"))
	if err != nil {
		return err
	}
	products, err := configurator.Products(ctx, q)
	if err != nil {
		return err
	}
	v := &staffConfiguratorView{C: cfg, Decide: staffConfiguratorsPath + "/" + cfg.ID + "/decide", Back: staffConfiguratorsPath}
	v.Page, v.Status, v.Pending = "staff_detail", c.t(configuratorStatusKey(cfg.Status)), cfg.Status == configurator.Pending
	v.fillDefinition(c, cfg.Def, products)
	if compiled, err := configurator.Compile(cfg.Def, products); err == nil {
		v.Preview = c.preview(compiled, newForm(nil))
	}
	return c.render(status, "configurator", &view{Title: "configurator.staff_detail_title", Active: staffConfiguratorsPath, Data: v, Form: f})
}

func (h *handler) decideConfigurator(c *call) error {
	f := newForm(c.postForm())
	id := c.r.PathValue("id")
	approve := f.Get("op") == "approve"
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		_, err := configurator.SignOff(ctx, tx, configurator.Actor{UserID: c.p.UserID, Name: c.p.ActorName()}, id, approve, f.Get("comment"))
		return err
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderStaffConfigurator(c, http.StatusUnprocessableEntity, f)
	}
	key := "configurator.returned"
	if approve {
		key = "configurator.signed_off"
	}
	return c.done(key, staffConfiguratorsPath+"/"+id)
}
