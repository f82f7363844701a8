package console

import (
	"context"
	"path"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/i18n"
)

// menuEntry is one line of a navigation table: a group (no Path) or a page.
// ID places it in the tree ("sales/customers/manage" sits in the group
// "sales/customers", which sits in "sales").
//
// A page entry shows only when its route is registered (routesTable) and the
// user holds one of the permissions registered with it, so the menu never
// offers a page that does not exist or that the user may not open; a group
// shows when one of its pages does. The permission is read from the route
// so that the menu and the page's own check cannot disagree. A capability
// that builds one of the seed's pages registers its route and the entry
// below appears, with its groups.
type menuEntry struct {
	ID    string
	Label string // message key
	Path  string
}

// partnerMenu is the partner console's top navigation, as the seed lays it
// out (销售 / 交付 / 解决方案构建 / 服务支持), plus the organisation pages.
var partnerMenu = []menuEntry{
	{"home", "nav.home", "/console/home"},
	{"sales", "nav.sales", ""},
	{"sales/customers", "nav.customers", ""},
	{"sales/customers/manage", "nav.customer_manage", "/console/customers"},
	{"sales/customers/resellers", "nav.resellers", "/console/resellers"},
	{"sales/business", "nav.customer_business", ""},
	{"sales/business/vouchers", "nav.vouchers", "/console/vouchers"},
	{"sales/business/cash", "nav.cash_coupons", "/console/cash-coupons"},
	{"sales/business/consumption", "nav.consumption", "/console/consumption"},
	{"sales/business/orders", "nav.customer_orders", "/console/orders"},
	{"sales/billing", "nav.billing", ""},
	{"sales/billing/funds", "nav.funds", "/console/funds"},
	{"sales/billing/invoices", "nav.invoices", "/console/invoices"},
	{"sales/opportunities", "nav.opportunities", "/console/opportunities"},
	{"sales/sharing", "nav.opportunity_sharing", "/console/opportunity-sharing"},
	{"sales/incentives", "nav.incentives", "/console/incentives"},
	{"sales/performance", "nav.performance", "/console/performance"},
	{"delivery", "nav.delivery", ""},
	{"delivery/baseline", "nav.baseline_solutions", ""},
	{"delivery/baseline/evaluation", "nav.delivery_evaluation", "/console/delivery/evaluations"},
	{"solutions", "nav.solution_building", "/console/solutions"},
	{"support", "nav.service_support", ""},
	{"support/openness", "nav.capability_openness", ""},
	{"support/openness/access", "nav.access_config", "/console/access"},
	{"support/openness/webhooks", "nav.webhooks", "/console/access/webhooks"},
	{"org", "nav.org", ""},
	{"org/users", "nav.sub_accounts", "/console/org"},
	{"org/invitations", "nav.reseller_invitations", "/console/org/invitations"},
	{"org/audit", "nav.audit", "/console/audit"},
}

// staffMenu is the provider back office's navigation.
var staffMenu = []menuEntry{
	{"home", "nav.staff_home", "/console/staff"},
	{"partners", "nav.partners", "/console/staff/partners"},
	{"finance", "nav.finance", ""},
	{"finance/recharge", "nav.recharge", "/console/staff/finance/recharge"},
	{"finance/credit", "nav.credit_lines", "/console/staff/finance/credit"},
	{"finance/withdrawals", "nav.withdrawal_review", "/console/staff/finance/withdrawals"},
	{"finance/quotas", "nav.coupon_quotas", "/console/staff/finance/quotas"},
	{"catalogue", "nav.catalogue", ""},
	{"catalogue/products", "nav.catalogue_products", "/console/staff/catalogue"},
	{"catalogue/service_types", "nav.catalogue_service_types", "/console/staff/catalogue/service-types"},
	{"catalogue/regions", "nav.catalogue_regions", "/console/staff/catalogue/regions"},
	{"opportunities", "nav.staff_opp", ""},
	{"opportunities/review", "nav.staff_opp_review", "/console/staff/opportunities"},
	{"opportunities/ho", "nav.staff_opp_ho", "/console/staff/opportunities/ho"},
	{"opportunities/coselling", "nav.staff_opp_coselling", "/console/staff/opportunities/coselling"},
	{"opportunities/pipeline", "nav.staff_opp_pipeline", "/console/staff/opportunities/pipeline"},
	{"opportunities/offices", "nav.staff_opp_offices", "/console/staff/offices"},
	{"opportunities/calendar", "nav.staff_opp_calendar", "/console/staff/calendar"},
	{"invoices", "nav.staff_invoices", "/console/staff/invoices"},
	{"incentives", "nav.staff_incentives", ""},
	{"incentives/payouts", "nav.staff_incentive_payouts", "/console/staff/incentives"},
	{"incentives/policies", "nav.staff_incentive_policies", "/console/staff/incentives/policies"},
	{"solutions", "nav.staff_solutions", "/console/staff/solutions"},
	{"configurators", "nav.staff_configurators", "/console/staff/solutions/configurators"},
	{"delivery", "nav.staff_delivery", "/console/staff/delivery"},
	{"access_keys", "nav.staff_access_keys", "/console/staff/access-keys"},
	{"audit", "nav.audit", "/console/audit"},
}

// navItem is a menu entry the user sees, in the user's language.
type navItem struct {
	Label    string
	Path     string
	Active   bool
	Children []navItem
}

// nav builds the navigation a user sees; active is the path of the page
// being shown.
func (h *handler) nav(p *auth.Principal, lang i18n.Lang, active string) []navItem {
	table := partnerMenu
	if p.IsStaff() {
		table = staffMenu
	}
	// The partner's type decides a few entries; it is read at most once per
	// page, and only when such an entry comes up.
	var typ partner.Type
	looked := false
	typeIs := func(t partner.Type) bool {
		if !looked {
			looked = true
			if p.PartnerID != "" {
				if me, err := partner.Get(context.Background(), h.app.DB.Reader(), p.PartnerID); err == nil {
					typ = me.Type
				}
			}
		}
		return typ == t
	}
	return h.navLevel(table, ".", p, lang, active, typeIs)
}

func (h *handler) navLevel(table []menuEntry, parent string, p *auth.Principal, lang i18n.Lang, active string,
	typeIs func(partner.Type) bool) []navItem {
	var out []navItem
	for _, e := range table {
		if path.Dir(e.ID) != parent {
			continue
		}
		item := navItem{Label: i18n.T(lang, e.Label), Path: e.Path}
		if e.Path == "" {
			item.Children = h.navLevel(table, e.ID, p, lang, active, typeIs)
			if len(item.Children) == 0 {
				continue
			}
			for _, c := range item.Children {
				item.Active = item.Active || c.Active
			}
		} else {
			need, ok := h.routes[e.Path]
			if !ok || (len(need) > 0 && !(&call{p: p}).can(need)) {
				continue
			}
			// Some pages serve one type of partner only (resellers.go).
			if t, only := pagesForType[e.Path]; only && !typeIs(t) {
				continue
			}
			item.Active = e.Path == active
		}
		out = append(out, item)
	}
	return out
}
