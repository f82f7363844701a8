// Package console serves the web console: server-rendered pages for partner
// users and provider staff, with their templates and static assets embedded.
// It owns the console's HTTP side only: sessions as cookies, the navigation,
// forms and their messages, and rendering; every rule it applies lives in a
// capability package it calls (auth, partner, audit, ...).
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"partnercenter/internal/app"
	"partnercenter/internal/auth"
	"partnercenter/internal/platform/i18n"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// handler is the console of one node.
type handler struct {
	app   *app.App
	mux   *http.ServeMux
	pages map[i18n.Lang]map[string]*template.Template
	// routes maps the path of every registered page to the permissions that
	// open it; the navigation shows an entry only when its path is here.
	routes map[string][]auth.Permission
	// registered lists every route that page and public register, GET and
	// POST alike, in registration order: what the isolation tests walk.
	registered []registration
	cop        *http.CrossOriginProtection
	// assetVersion changes whenever an asset does, so that assets can be
	// cached for a year and still never be stale.
	assetVersion string
}

// Mount registers the console's routes on mux.
func Mount(mux *http.ServeMux, a *app.App) {
	h := newHandler(mux, a)
	h.routesTable()
}

func newHandler(mux *http.ServeMux, a *app.App) *handler {
	h := &handler{app: a, mux: mux, routes: map[string][]auth.Permission{}, cop: http.NewCrossOriginProtection()}
	h.assetVersion = versionOf(assetFS)
	h.pages = parseTemplates()
	h.cop.SetDenyHandler(http.HandlerFunc(h.crossOriginRefused))
	return h
}

// routesTable is every console route. A page's permissions are given here
// once; the navigation (menu.go) shows a page's entry when it is registered
// here and the user holds one of its permissions.
func (h *handler) routesTable() {
	anyone := []auth.Permission(nil) // any signed-in user

	h.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})
	assets, _ := fs.Sub(assetFS, "assets")
	h.mux.Handle("GET /console/assets/", http.StripPrefix("/console/assets/", h.cacheForever(http.FileServerFS(assets))))
	h.public("/console/", h.notFound)
	h.public("GET /console/signin", h.signInPage)
	h.public("POST /console/signin", h.signIn)
	h.public("POST /console/signout", h.signOut)
	h.public("POST /console/locale", h.setLocale)
	// 企业单点登录 through a partner's SAML identity provider (sso.go).
	h.ssoRoutes()

	h.page("GET /console/{$}", anyone, h.start)
	h.page("GET /console/password", anyone, h.passwordPage)
	h.page("POST /console/password", anyone, h.changePassword)

	h.page("GET /console/home", perms(auth.PermProfileView), h.partnerHome)
	h.page("GET /console/org", perms(auth.PermOrgManage), h.orgPage)
	h.page("GET /console/org/users/new", perms(auth.PermOrgManage), h.newSubAccountPage)
	h.page("POST /console/org/users/new", perms(auth.PermOrgManage), h.createSubAccount)
	h.page("GET /console/org/users/{id}", perms(auth.PermOrgManage), h.subAccountPage)
	h.page("GET /console/org/users/{id}/roles", perms(auth.PermOrgManage), h.rolesPage)
	h.page("POST /console/org/users/{id}/roles", perms(auth.PermOrgManage), h.saveRoles)
	h.page("POST /console/org/users/{id}/status", perms(auth.PermOrgManage), h.setStatus)
	h.page("GET "+invitationsPath, perms(auth.PermOrgManage), h.invitationsPage)
	h.page("POST "+invitationsPath+"/{id}/accept", perms(auth.PermOrgManage), h.acceptInvitation)
	h.page("POST "+invitationsPath+"/{id}/decline", perms(auth.PermOrgManage), h.declineInvitation)
	h.page("GET /console/audit", perms(auth.PermAuditView, auth.PermStaffAudit), h.auditPage)

	// 客户管理 and 二级经销商管理 (customers*.go, resellers.go). The pages a
	// customer opens from a partner's link need no session (invite.go).
	viewCustomers := perms(auth.PermCustomerView, auth.PermCustomerAssigned)
	manageCustomers, moveFunds := perms(auth.PermCustomerManage), perms(auth.PermFundsMove)
	h.page("GET /console/customers", viewCustomers, h.customersPage)
	h.pageAndForm("/console/customers/new", manageCustomers, h.newCustomerPage)
	h.pageAndForm("/console/customers/invite", manageCustomers, h.inviteCustomerPage)
	h.page("GET /console/customers/{id}", viewCustomers, h.customerPage)
	h.pageAndForm("/console/customers/{id}/manager", manageCustomers, h.customerManagerPage)
	h.pageAndForm("/console/customers/{id}/freeze", manageCustomers, h.freezeCustomerPage)
	h.pageAndForm("/console/customers/{id}/unfreeze", manageCustomers, h.unfreezeCustomerPage)
	h.pageAndForm("/console/customers/{id}/unbind", manageCustomers, h.unbindCustomerPage)
	h.pageAndForm("/console/customers/{id}/switch-type", manageCustomers, h.switchTypeCustomerPage)
	h.pageAndForm("/console/customers/{id}/allocate", moveFunds, h.allocateCustomerPage)
	h.pageAndForm("/console/customers/{id}/reclaim", moveFunds, h.reclaimCustomerPage)
	// 查看资源 (resources.go).
	h.page("GET /console/customers/{id}/resources", viewCustomers, h.resourcesPage)
	h.pageAndForm("/console/customers/{id}/resources/renew", resourceActors, h.renewResourcesPage)
	h.pageAndForm("/console/customers/{id}/resources/unsubscribe", resourceActors, h.unsubscribeResourcesPage)
	h.page("POST /console/customers/{id}/resources/auto-renew", resourceActors, h.setAutoRenewPage)
	h.pageAndForm("/console/customers/{id}/resources/change", resourceActors, h.changeResourcePage)
	h.page("GET /console/resellers", perms(auth.PermResellerView), h.resellersPage)
	h.pageAndForm("/console/resellers/new", perms(auth.PermResellerManage), h.newResellerPage)
	h.page("POST /console/resellers/invite", perms(auth.PermResellerManage), h.inviteReseller)
	h.page("GET /console/resellers/{id}", perms(auth.PermResellerView), h.resellerPage)
	h.pageAndForm("/console/resellers/{id}/manager", perms(auth.PermResellerManage), h.resellerManagerPage)
	h.pageAndForm("/console/resellers/{id}/allocate", moveFunds, h.allocateResellerPage)
	h.pageAndForm("/console/resellers/{id}/reclaim", moveFunds, h.reclaimResellerPage)
	h.public("GET /invite/{token}", h.invitePage)
	h.public("POST /invite/{token}", h.invitePage)
	h.public("GET /unbind/{token}", h.unbindPage)
	h.public("POST /unbind/{token}", h.unbindPage)

	h.page("GET /console/staff", perms(auth.PermStaffHome), h.staffHome)
	h.page("GET /console/staff/partners", perms(auth.PermStaffPartners), h.partnersPage)
	h.page("GET /console/staff/partners/new", perms(auth.PermStaffPartners), h.newPartnerPage)
	h.page("POST /console/staff/partners/new", perms(auth.PermStaffPartners), h.createPartner)
	h.page("GET /console/staff/partners/{id}", perms(auth.PermStaffPartners), h.partnerPage)
	h.page("GET /console/staff/partners/{id}/edit", perms(auth.PermStaffPartners), h.editPartnerPage)
	h.page("POST /console/staff/partners/{id}/edit", perms(auth.PermStaffPartners), h.savePartner)

	// 资金管理 (funds*.go, exports.go, batch.go) and the provider's 财务
	// (finance.go).
	viewFunds, moveMoney := perms(auth.PermFundsView), perms(auth.PermFundsMove)
	h.page("GET /console/funds", viewFunds, h.statementPage)
	h.page("GET /console/funds/adjustments", viewFunds, h.adjustmentsPage)
	h.page("GET /console/funds/withdrawals", viewFunds, h.withdrawalsPage)
	h.page("POST /console/funds/withdrawals", moveMoney, h.requestWithdrawal)
	h.page("GET /console/funds/exports", viewFunds, h.exportsPage)
	h.page("POST /console/funds/exports", viewFunds, h.createExport)
	h.page("GET /console/funds/exports/{id}/download", viewFunds, h.downloadExport)
	h.page("GET /console/funds/batches", moveMoney, h.batchesPage)
	h.page("POST /console/funds/batches", moveMoney, h.uploadBatch)
	h.page("GET /console/funds/batches/template/{format}", moveMoney, h.batchTemplate)
	h.page("GET /console/funds/batches/{id}", moveMoney, h.batchPage)
	h.page("POST /console/funds/batches/{id}/confirm", moveMoney, h.confirmBatch)
	h.page("POST /console/funds/batches/{id}/cancel", moveMoney, h.cancelBatch)
	staffFinance := perms(auth.PermStaffFinance)
	h.page("GET /console/staff/finance/recharge", staffFinance, h.rechargePage)
	h.page("POST /console/staff/finance/recharge", staffFinance, h.recordRecharge)
	h.page("GET /console/staff/finance/credit", staffFinance, h.creditPage)
	h.page("POST /console/staff/finance/credit", staffFinance, h.setCreditLine)
	h.page("GET /console/staff/finance/withdrawals", staffFinance, h.staffWithdrawalsPage)
	h.page("GET /console/staff/finance/withdrawals/{id}", staffFinance, h.staffWithdrawalPage)
	h.page("POST /console/staff/finance/withdrawals/{id}", staffFinance, h.decideWithdrawal)

	// 代金券管理 / 现金券管理 and the provider's 额度管理 (coupons*.go).
	voucherKind.routes(h)
	cashKind.routes(h)
	// 代客下单, the customer's authorisation page and 客户订单 (orders*.go).
	h.orderRoutes()
	h.page("GET "+staffQuotasPath, staffFinance, h.staffQuotasPage)
	h.page("POST "+staffQuotasPath, staffFinance, h.grantQuota)
	h.page("POST "+staffQuotasPath+"/{id}/status", staffFinance, h.setQuotaStatus)

	// The provider's 产品目录 (catalogue.go).
	h.catalogueRoutes()

	// 客户消费 (consumption*.go).
	h.consumptionRoutes()

	// 机会点管理 (opportunities*.go) and the inbox behind the bell (inbox.go).
	h.opportunityRoutes()
	h.inboxRoutes()

	// The back office's 机会点管理: 商机审核, HOs, pipeline, offices and the
	// working-day calendar (opportunities_staff*.go).
	h.staffOpportunityRoutes()

	// 发票管理 and the provider's invoice handling (invoices*.go).
	h.invoiceRoutes()
	// 激励管理 and the provider's policies and payouts (incentives*.go).
	h.incentiveRoutes()
	// 业绩 (performance*.go).
	h.performanceRoutes()
	// 解决方案构建 and the PSA's side (solutions*.go).
	h.solutionRoutes()
	// 解决方案配置中心: configurators and configuration lists (configurator*.go).
	h.configuratorRoutes()
	// 项目交付评价 and the evaluators' side (delivery*.go).
	h.deliveryRoutes()
	// 能力开放: 接入配置 with its access keys, and the provider's view of
	// every key (access*.go).
	h.accessRoutes()
	// 能力开放: callbacks, their delivery log, re-send and test event
	// (webhooks*.go).
	h.webhookRoutes()
}

func perms(p ...auth.Permission) []auth.Permission { return p }

// registration is one console route as registered: its pattern ("METHOD
// /path", or a bare path for any method), the permissions that open it and
// whether it needs a session.
type registration struct {
	pattern  string
	need     []auth.Permission
	required bool
}

// page registers a route for signed-in users holding one of perms (any
// signed-in user when perms is empty).
func (h *handler) page(pattern string, need []auth.Permission, fn func(*call) error) {
	if method, path, ok := strings.Cut(pattern, " "); ok && method == "GET" {
		h.routes[strings.TrimSuffix(path, "{$}")] = need
	}
	h.handle(pattern, true, need, fn)
}

// public registers a route that answers without a session; it still knows
// the user when there is one.
func (h *handler) public(pattern string, fn func(*call) error) { h.handle(pattern, false, nil, fn) }

// handle registers a console route behind the cross-origin protection, which
// refuses a state-changing request that another site's page sends.
func (h *handler) handle(pattern string, required bool, need []auth.Permission, fn func(*call) error) {
	h.registered = append(h.registered, registration{pattern: pattern, need: need, required: required})
	h.mux.Handle(pattern, h.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, required, need, fn)
	})))
}

func (h *handler) cacheForever(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") == h.assetVersion {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// versionOf hashes every file of fsys.
func versionOf(fsys fs.FS) string {
	sum := sha256.New()
	_ = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		sum.Write([]byte(path))
		sum.Write(b)
		return err
	})
	return hex.EncodeToString(sum.Sum(nil))[:12]
}
