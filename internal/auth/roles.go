package auth

import (
	"slices"
	"strings"
)

// Role is a named set of permissions. Provider staff and partner users draw
// from separate role lists; a role name means nothing outside its side.
type Role string

// Provider staff roles.
const (
	StaffAdmin     Role = "admin"
	StaffFinance   Role = "finance"
	StaffPSM       Role = "psm"
	StaffPDM       Role = "pdm"
	StaffBD        Role = "bd"
	StaffPSA       Role = "psa"
	StaffEvaluator Role = "evaluator"
	StaffSupport   Role = "support"
)

// Partner user roles. The main account holds every partner permission
// whatever its roles say.
const (
	PartnerAdmin    Role = "admin"
	PartnerFinance  Role = "finance"
	PartnerSales    Role = "sales"
	PartnerManager  Role = "manager" // 客户经理: sees only the customers assigned to it
	PartnerOperator Role = "operator"
	// PartnerOpportunity grants 机会点管理, which otherwise only the main
	// account sees.
	PartnerOpportunity Role = "opportunity"
)

// StaffRoles and PartnerRoles list the roles in display order.
var (
	StaffRoles   = []Role{StaffAdmin, StaffFinance, StaffPSM, StaffPDM, StaffBD, StaffPSA, StaffEvaluator, StaffSupport}
	PartnerRoles = []Role{PartnerAdmin, PartnerFinance, PartnerSales, PartnerManager, PartnerOperator, PartnerOpportunity}
)

// Permission names one thing a user may do. Capability issues add theirs
// here and to the tables below, so that who-may-do-what is read in one place.
type Permission string

const (
	// Partner side.
	PermOrgManage    Permission = "org.manage"    // sub-accounts and their roles
	PermAuditView    Permission = "audit.view"    // the tenant's audit log
	PermProfileView  Permission = "profile.view"  // the partner's home page
	PermResellerView Permission = "reseller.view" // a total distributor's indirect resellers
	// Customers: every customer of the partner, or (客户经理) only those the
	// user manages; managing covers create, invite, freeze and assignment.
	PermCustomerView     Permission = "customer.view"
	PermCustomerAssigned Permission = "customer.assigned"
	PermCustomerManage   Permission = "customer.manage"
	// Money: seeing balances and statements, and moving money (拨款, 回收,
	// withdrawals, allocations to resellers).
	PermFundsView      Permission = "funds.view"
	PermFundsMove      Permission = "funds.move"
	PermResellerManage Permission = "reseller.manage" // create resellers, assign their managers

	// Provider side.
	PermStaffPartners Permission = "staff.partners" // create and edit partners
	PermStaffAudit    Permission = "staff.audit"    // every tenant's audit log
	PermStaffHome     Permission = "staff.home"     // the back-office summary
	PermStaffFinance  Permission = "staff.finance"  // recharges, credit lines, withdrawals
	// The product catalogue: service types, regions, products and prices.
	PermStaffCatalogue Permission = "staff.catalogue"

	// Co-selling: a partner's opportunities; the provider's reviews (PSM,
	// PDM) and its HOs, offices and working-day calendar.
	PermOpportunity            Permission = "opportunity.manage"
	PermStaffOpportunityReview Permission = "staff.opportunity_review"
	PermStaffOpportunities     Permission = "staff.opportunities"

	// Invoices and incentives: the partner's 发票管理 and 激励管理 (payout
	// applications, methods), 业绩; the provider's invoice handling and its
	// incentive policies and payouts.
	PermInvoice         Permission = "invoice.manage"
	PermIncentive       Permission = "incentive.manage"
	PermPerformanceView Permission = "performance.view"
	PermStaffInvoices   Permission = "staff.invoices"
	PermStaffIncentives Permission = "staff.incentives"

	// Solutions and delivery: the partner's 解决方案构建 and configurators and
	// its 项目交付评价; the provider's PSA (approval, assistance, sign-off)
	// and evaluators (sampling, scoring).
	PermSolution       Permission = "solution.manage"
	PermDelivery       Permission = "delivery.manage"
	PermStaffSolutions Permission = "staff.solutions"
	PermStaffDelivery  Permission = "staff.delivery"

	// Capability openness: the partner's 接入配置 (its sales platform,
	// access keys, callbacks); the provider's view of every key, with the
	// power to revoke one.
	PermAccess      Permission = "access.manage"
	PermStaffAccess Permission = "staff.access"
)

var staffPermissions = map[Role][]Permission{
	StaffAdmin: {PermStaffPartners, PermStaffAudit, PermStaffHome, PermStaffFinance, PermStaffOpportunities, PermStaffCatalogue,
		PermStaffInvoices, PermStaffIncentives, PermStaffSolutions, PermStaffDelivery, PermStaffAccess},
	StaffFinance:   {PermStaffHome, PermStaffFinance, PermStaffInvoices, PermStaffIncentives},
	StaffPSM:       {PermStaffHome, PermStaffOpportunityReview, PermStaffOpportunities},
	StaffPDM:       {PermStaffHome, PermStaffOpportunityReview},
	StaffBD:        {PermStaffHome, PermStaffOpportunities},
	StaffPSA:       {PermStaffHome, PermStaffSolutions},
	StaffEvaluator: {PermStaffHome, PermStaffDelivery},
	StaffSupport:   {PermStaffHome, PermStaffAudit, PermStaffAccess},
}

var partnerPermissions = map[Role][]Permission{
	PartnerAdmin: {PermOrgManage, PermAuditView, PermProfileView, PermResellerView, PermResellerManage, PermCustomerView,
		PermCustomerManage, PermFundsView, PermFundsMove, PermInvoice, PermIncentive, PermPerformanceView, PermSolution, PermDelivery, PermAccess},
	PartnerFinance:  {PermProfileView, PermCustomerView, PermFundsView, PermFundsMove, PermInvoice, PermIncentive, PermPerformanceView},
	PartnerSales:    {PermProfileView, PermResellerView, PermCustomerView, PermCustomerManage, PermPerformanceView},
	PartnerManager:  {PermProfileView, PermCustomerAssigned, PermPerformanceView},
	PartnerOperator: {PermProfileView, PermCustomerView},
	// Not in the administrator's set: the main account grants it by role.
	PartnerOpportunity: {PermProfileView, PermOpportunity},
}

// allPartnerPermissions is what a partner's main account holds.
var allPartnerPermissions = func() []Permission {
	var out []Permission
	for _, ps := range partnerPermissions {
		for _, p := range ps {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}()

// ValidStaffRole and ValidPartnerRole check a role name for its side.
func ValidStaffRole(r Role) bool   { return slices.Contains(StaffRoles, r) }
func ValidPartnerRole(r Role) bool { return slices.Contains(PartnerRoles, r) }

// ParseRoles reads the stored, space-separated role list.
func ParseRoles(s string) []Role {
	var out []Role
	for _, f := range strings.Fields(s) {
		out = append(out, Role(f))
	}
	return out
}

// FormatRoles is the stored form of a role list.
func FormatRoles(roles []Role) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	return strings.Join(parts, " ")
}
