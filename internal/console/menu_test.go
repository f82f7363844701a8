package console

import (
	"strings"
	"testing"

	"partnercenter/internal/auth"
	"partnercenter/internal/platform/i18n"
)

// flat renders a menu as "label>label>label" lines, for comparison.
func flat(items []navItem, prefix string) []string {
	var out []string
	for _, it := range items {
		if it.Path != "" {
			out = append(out, prefix+it.Label+"="+it.Path)
		}
		out = append(out, flat(it.Children, prefix+it.Label+">")...)
	}
	return out
}

func TestMenuShowsRegisteredPagesOnly(t *testing.T) {
	h := &handler{routes: map[string][]auth.Permission{"/console/home": {auth.PermProfileView}}}
	main := &auth.Principal{Kind: auth.KindPartner, IsMain: true}
	manager := &auth.Principal{Kind: auth.KindPartner, Roles: []auth.Role{auth.PartnerManager}}

	if got := strings.Join(flat(h.nav(main, i18n.ZH, ""), ""), "; "); got != "首页=/console/home" {
		t.Errorf("with only the home page registered: %s", got)
	}

	// Registering one page of 销售 brings the page and its groups.
	h.routes["/console/customers"] = []auth.Permission{auth.PermCustomerView}
	got := strings.Join(flat(h.nav(main, i18n.ZH, "/console/customers"), ""), "; ")
	if got != "首页=/console/home; 销售>客户>客户管理=/console/customers" {
		t.Errorf("with the customer page registered: %s", got)
	}
	if nav := h.nav(main, i18n.ZH, "/console/customers"); !nav[1].Active || !nav[1].Children[0].Children[0].Active {
		t.Error("the menu does not mark the page being shown and its group")
	}
	// ... but only for users who may open it.
	if got := strings.Join(flat(h.nav(manager, i18n.ZH, ""), ""), "; "); got != "首页=/console/home" {
		t.Errorf("a customer manager without the permission sees: %s", got)
	}
	if got := strings.Join(flat(h.nav(main, i18n.EN, ""), ""), "; "); !strings.Contains(got, "Sales>Customers>Customer management") {
		t.Errorf("English menu: %s", got)
	}
}

func TestMenuTables(t *testing.T) {
	for name, table := range map[string][]menuEntry{"partner": partnerMenu, "staff": staffMenu} {
		ids := map[string]bool{}
		for _, e := range table {
			if ids[e.ID] {
				t.Errorf("%s menu: %s twice", name, e.ID)
			}
			ids[e.ID] = true
			if parent := e.ID[:max(0, strings.LastIndex(e.ID, "/"))]; parent != "" && !ids[parent] {
				t.Errorf("%s menu: %s comes before its group %s, or the group is missing", name, e.ID, parent)
			}
			if e.Path != "" && !strings.HasPrefix(e.Path, "/console/") {
				t.Errorf("%s menu: %s leads outside the console: %s", name, e.ID, e.Path)
			}
		}
	}
}
