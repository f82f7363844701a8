package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
)

// The 代金券管理 and 现金券管理 pages (销售 > 客户业务): the partner's quotas,
// the coupons it issued from them, the quotas a total distributor passed to
// its resellers, and the operation records. The two pages differ only in
// the coupon type, so one couponKind drives both; every rule (what may be
// issued or reclaimed, the ledger) is the coupon package's.

// couponKind is one of the two pages.
type couponKind struct {
	Path      string
	Name      string // "voucher" or "cash": the message keys' segment
	Type      int    // coupon.TypeVoucher or coupon.TypeCash
	QuotaType int
	// ResellerQuotas is the 已发放代金券额度 tab: a distributor passes
	// voucher quotas to its resellers.
	ResellerQuotas bool
}

var (
	voucherKind = &couponKind{Path: "/console/vouchers", Name: "voucher", Type: coupon.TypeVoucher, QuotaType: coupon.VoucherQuota, ResellerQuotas: true}
	cashKind    = &couponKind{Path: "/console/cash-coupons", Name: "cash", Type: coupon.TypeCash, QuotaType: coupon.CashQuota}
)

// key is a message key of the kind: "coupons.voucher.title".
func (k *couponKind) key(name string) string { return "coupons." + k.Name + "." + name }

// The tabs of a page.
const (
	couponTabQuotas       = ""
	couponTabCoupons      = "coupons"
	couponTabIssuedQuotas = "issued-quotas"
	couponTabRecords      = "records"
)

// routes registers the kind's pages.
func (k *couponKind) routes(h *handler) {
	view, manage := perms(auth.PermCustomerView), perms(auth.PermCustomerManage)
	h.page("GET "+k.Path, view, func(c *call) error { return h.couponsPage(c, k) })
	h.page("GET "+k.Path+"/quotas/{id}", view, func(c *call) error { return h.quotaPage(c, k) })
	h.page("GET "+k.Path+"/coupons/{id}", view, func(c *call) error { return h.couponPage(c, k) })
	h.pageAndForm(k.Path+"/quotas/{id}/issue", manage, func(c *call) error { return h.issueCouponsPage(c, k) })
	h.page("GET "+k.Path+"/batches/{id}", view, func(c *call) error { return h.couponBatchPage(c, k) })
	h.pageAndForm(k.Path+"/reclaim", manage, func(c *call) error { return h.reclaimCouponsPage(c, k) })
	if k.ResellerQuotas {
		h.pageAndForm(k.Path+"/issued-quotas/new", manage, func(c *call) error { return h.issueQuotasPage(c, k) })
		h.pageAndForm(k.Path+"/issued-quotas/reclaim", manage, func(c *call) error { return h.reclaimQuotasPage(c, k) })
	}
}

// couponsView is the list page on one of its tabs.
type couponsView struct {
	Kind       *couponKind
	Tab        string
	Tabs       []tab
	RecordTabs []tab
	Quotas     []quotaRow
	Coupons    couponTable
	Records    []recordRow
	Statuses   []option
	Pager      pager
	CanManage  bool
	Reset      string
}

// quotaRow is one quota of a list.
type quotaRow struct {
	*coupon.Quota
	Href        string
	IssueHref   string // empty when the caller may not issue from it
	ReclaimHref string // on the 已发放代金券额度 tab, while the reseller holds it
	Reseller    string // on the 已发放代金券额度 tab
}

// Page names the section of coupons.html a view shows.
func (couponsView) Page() string { return "list" }
func (quotaDetail) Page() string { return "quota" }
func (reclaimView) Page() string { return "reclaim" }

// couponRow is one issued coupon of a list.
type couponRow struct {
	*coupon.Coupon
	Href        string
	ReclaimHref string // empty when the caller may not reclaim it
	Reclaimable bool
}

// couponTable is the coupon_table partial: the list's (with check boxes
// for a batch 回收 and the 操作 column), a quota's 详情's, or the 回收
// confirmation's (with each coupon's id carried in the form).
type couponTable struct {
	Rows                []couponRow
	Loc                 *time.Location
	Select, Ops, Hidden bool
}

// recordRow is one 操作记录.
type recordRow struct {
	coupon.Record
	Operation string // message key
	Target    string // the customer or the reseller
	Result    string // in the caller's language
}

// recordResult is a record's result in the caller's language: the domain
// writes "success" or "failed: " and the message key of the fault.
func (c *call) recordResult(result string) string {
	if key, failed := strings.CutPrefix(result, "failed: "); failed {
		return c.t("coupons.result_failed") + "：" + c.t(key)
	}
	if result == "success" {
		return c.t("coupons.result_ok")
	}
	return result
}

func quotaStatusKey(s int) string   { return "coupons.quota_status." + strconv.Itoa(s) }
func couponStatusKey(s int) string  { return "coupons.status." + strconv.Itoa(s) }
func operationKey(op string) string { return "coupons.op." + op }

var (
	quotaStatuses  = []int{coupon.QuotaNormal, coupon.QuotaInvalid, coupon.QuotaAdjusting, coupon.QuotaFrozen, coupon.QuotaReclaimed}
	couponStatuses = []int{coupon.NotActive, coupon.Usable, coupon.UsedUp, coupon.Expired, coupon.Reclaimed}
)

func statusOptions(lang i18n.Lang, values []int, key func(int) string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: strconv.Itoa(v), Label: i18n.T(lang, key(v))}
	}
	return out
}

// The record tabs: 发放记录 and 回收记录.
var recordOperations = map[string][]string{
	"":        {coupon.OpIssue, coupon.OpQuotaIssue},
	"reclaim": {coupon.OpReclaim, coupon.OpUnbindReclaim, coupon.OpExpire, coupon.OpQuotaReclaim},
}

func (h *handler) couponsPage(c *call, k *couponKind) error {
	ctx := c.r.Context()
	f := newForm(c.r.URL.Query())
	v := couponsView{Kind: k, Tab: f.Get("tab"), CanManage: c.p.Can(auth.PermCustomerManage)}
	tabs := []string{couponTabQuotas, couponTabCoupons}
	distributor := k.ResellerQuotas && h.isDistributor(ctx, c.p)
	if distributor {
		tabs = append(tabs, couponTabIssuedQuotas)
	}
	tabs = append(tabs, couponTabRecords)
	known := false
	for _, t := range tabs {
		href := k.Path
		if t != "" {
			href += "?tab=" + t
		}
		known = known || t == v.Tab
		v.Tabs = append(v.Tabs, tab{Label: k.key("tab." + tabName(t)), Href: href, Active: t == v.Tab})
		if t == v.Tab {
			v.Reset = href
		}
	}
	if !known {
		return apperr.NotFoundf("error.not_found.title", "no such tab")
	}
	page, offset := pageOf(c.r)
	var total int
	var err error
	switch v.Tab {
	case couponTabQuotas, couponTabIssuedQuotas:
		total, err = h.listQuotas(c, k, &v, offset)
	case couponTabCoupons:
		total, err = h.listCoupons(c, k, f, &v, offset)
	case couponTabRecords:
		total, err = h.listRecords(c, k, f, &v, offset)
	}
	if err != nil {
		return err
	}
	v.Pager = newPager(c.r, page, total)
	return c.render(http.StatusOK, "coupons", &view{Title: k.key("title"), Active: k.Path, Form: f, Data: v})
}

func tabName(t string) string {
	if t == "" {
		return "quotas"
	}
	return map[string]string{couponTabCoupons: "coupons", couponTabIssuedQuotas: "issued_quotas", couponTabRecords: "records"}[t]
}

func (h *handler) listQuotas(c *call, k *couponKind, v *couponsView, offset int) (int, error) {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	qt := k.QuotaType
	filter := coupon.QuotaFilter{PartnerID: c.p.PartnerID, Type: &qt, Offset: offset, Limit: pageSize}
	names := map[string]string{}
	if v.Tab == couponTabIssuedQuotas {
		filter.PartnerID, filter.IssuedBy = "", c.p.PartnerID
		resellers, _, err := partner.ListIndirect(ctx, q, partner.IndirectFilter{DistributorID: c.p.PartnerID, Limit: 1000})
		if err != nil {
			return 0, err
		}
		for _, r := range resellers {
			names[r.ID] = r.DisplayName
		}
	}
	list, total, err := coupon.ListQuotas(ctx, q, filter)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	for _, qu := range list {
		row := quotaRow{Quota: qu, Reseller: names[qu.PartnerID]}
		if v.Tab == couponTabQuotas {
			row.Href = k.Path + "/quotas/" + qu.ID
			if v.CanManage && qu.Usable(now) == nil {
				row.IssueHref = row.Href + "/issue"
			}
		} else if v.CanManage && qu.Status != coupon.QuotaReclaimed {
			row.ReclaimHref = k.Path + "/issued-quotas/reclaim?id=" + qu.ID
		}
		v.Quotas = append(v.Quotas, row)
	}
	return total, nil
}

func (h *handler) listCoupons(c *call, k *couponKind, f *form, v *couponsView, offset int) (int, error) {
	v.Statuses = statusOptions(c.lang, couponStatuses, couponStatusKey)
	filter := coupon.Filter{PartnerID: c.p.PartnerID, Type: k.Type, QuotaID: f.Get("quota_id"), CouponID: f.Get("coupon_id"),
		Offset: offset, Limit: pageSize}
	if name := f.Get("customer"); name != "" {
		var err error
		if filter.CustomerID, err = h.customerByName(c, name); err != nil {
			if err := f.take(c, err); err != nil {
				return 0, err
			}
		}
	}
	if s := f.Get("status"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < coupon.NotActive || n > coupon.Reclaimed {
			if err := f.take(c, apperr.Field("status", "coupons.status_invalid", "unknown status")); err != nil {
				return 0, err
			}
		}
		filter.Status = n
	}
	var err error
	if filter.CreatedFrom, filter.CreatedTo, err = dateRange(c, f); err != nil {
		return 0, err
	}
	if !filter.CreatedTo.IsZero() {
		filter.CreatedTo = filter.CreatedTo.Add(-time.Microsecond) // the list's bound is inclusive
	}
	if !f.ok() {
		return 0, nil
	}
	list, total, err := coupon.List(c.r.Context(), h.app.DB.Reader(), filter)
	if err != nil {
		return 0, err
	}
	v.Coupons = couponTable{Rows: couponRows(c, k, list), Loc: c.loc, Select: v.CanManage, Ops: true}
	return total, nil
}

// customerByName is the id of the partner's customer whose account name is
// name (or whose id it is): the 客户 condition of the issued coupons.
func (h *handler) customerByName(c *call, name string) (string, error) {
	list, _, err := customer.List(c.r.Context(), h.app.DB.Reader(), customer.PartnerScope(c.p.PartnerID),
		customer.Filter{AccountName: name, Limit: 100})
	if err != nil {
		return "", err
	}
	for _, cu := range list {
		if cu.DomainName == name {
			return cu.ID, nil
		}
	}
	if cu, err := customer.Get(c.r.Context(), h.app.DB.Reader(), customer.PartnerScope(c.p.PartnerID), name); err == nil {
		return cu.ID, nil
	}
	return "", apperr.Field("customer", "customer.not_found", "customer not found")
}

// couponRows are a list's rows with their links.
func couponRows(c *call, k *couponKind, list []*coupon.Coupon) []couponRow {
	manage := c.p.Can(auth.PermCustomerManage)
	out := make([]couponRow, len(list))
	for i, cp := range list {
		out[i] = couponRow{Coupon: cp, Href: k.Path + "/coupons/" + cp.ID, Reclaimable: reclaimable(cp)}
		if manage && out[i].Reclaimable {
			out[i].ReclaimHref = k.Path + "/reclaim?id=" + cp.ID
		}
	}
	return out
}

// reclaimable reports whether the list offers 回收 for a coupon; the
// domain decides again when it is asked.
func reclaimable(cp *coupon.Coupon) bool {
	return (cp.Status == coupon.Usable || cp.Status == coupon.NotActive) && time.Now().Before(cp.ExpiresAt)
}

func (h *handler) listRecords(c *call, k *couponKind, f *form, v *couponsView, offset int) (int, error) {
	which := f.Get("records")
	ops, ok := recordOperations[which]
	if !ok {
		return 0, apperr.NotFoundf("error.not_found.title", "no such record tab")
	}
	for _, t := range []struct{ value, label string }{{"", "coupons.records.issue"}, {"reclaim", "coupons.records.reclaim"}} {
		href := k.Path + "?tab=records"
		if t.value != "" {
			href += "&records=" + t.value
		}
		v.RecordTabs = append(v.RecordTabs, tab{Label: t.label, Href: href, Active: t.value == which})
	}
	qt := k.QuotaType
	list, total, err := coupon.Records(c.r.Context(), h.app.DB.Reader(), coupon.RecordFilter{PartnerID: c.p.PartnerID, QuotaType: &qt,
		Operations: ops, Offset: offset, Limit: pageSize})
	if err != nil {
		return 0, err
	}
	names := map[string]string{}
	for _, r := range list {
		row := recordRow{Record: r, Operation: operationKey(r.Operation), Result: c.recordResult(r.Result)}
		if row.Target, err = h.recordTarget(c, r, names); err != nil {
			return 0, err
		}
		v.Records = append(v.Records, row)
	}
	return total, nil
}

// recordTarget names a record's customer or reseller, as names remembers
// them for the page; one no longer the partner's shows by its id.
func (h *handler) recordTarget(c *call, r coupon.Record, names map[string]string) (string, error) {
	id := cmpOr(r.CustomerID, r.IndirectPartnerID)
	if name, ok := names[id]; ok || id == "" {
		return name, nil
	}
	ctx, q := c.r.Context(), h.app.DB.Reader()
	names[id] = id
	var err error
	if r.CustomerID != "" {
		var cu *customer.Customer
		if cu, err = customer.Get(ctx, q, customer.PartnerScope(c.p.PartnerID), id); err == nil {
			names[id] = cu.DomainName
		}
	} else {
		var p *partner.Partner
		if p, err = partner.Get(ctx, q, id); err == nil {
			names[id] = p.DisplayName
		}
	}
	if apperr.CodeOf(err) == apperr.NotFound {
		err = nil
	}
	return names[id], err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// quotaDetail is a quota's 详情: the quota and the coupons issued from it.
type quotaDetail struct {
	Kind      *couponKind
	Q         *coupon.Quota
	Coupons   couponTable
	Pager     pager
	IssueHref string
}

func (h *handler) quotaPage(c *call, k *couponKind) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	qu, err := kindQuota(c, k)
	if err != nil {
		return err
	}
	d := quotaDetail{Kind: k, Q: qu}
	if c.p.Can(auth.PermCustomerManage) && qu.Usable(time.Now()) == nil {
		d.IssueHref = k.Path + "/quotas/" + qu.ID + "/issue"
	}
	page, offset := pageOf(c.r)
	list, total, err := coupon.List(ctx, q, coupon.Filter{PartnerID: c.p.PartnerID, QuotaID: qu.ID, Offset: offset, Limit: pageSize})
	if err != nil {
		return err
	}
	d.Pager = newPager(c.r, page, total)
	d.Coupons = couponTable{Rows: couponRows(c, k, list), Loc: c.loc, Ops: true}
	return c.render(http.StatusOK, "coupons", &view{Title: k.key("quota_detail"), Active: k.Path, Data: d})
}

// kindQuota is the caller's quota of the request's path, of the page's
// type; any other answers not found.
func kindQuota(c *call, k *couponKind) (*coupon.Quota, error) {
	qu, err := coupon.GetQuota(c.r.Context(), c.h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if qu.Type != k.QuotaType {
		return nil, coupon.ErrQuotaNotFound
	}
	return qu, nil
}

// kindCoupon is a coupon the caller issued, of the page's type.
func kindCoupon(c *call, k *couponKind, id string) (*coupon.Coupon, error) {
	cp, err := coupon.Get(c.r.Context(), c.h.app.DB.Reader(), c.p.PartnerID, id)
	if err != nil {
		return nil, err
	}
	if cp.Type != k.Type {
		return nil, coupon.ErrCouponNotFound
	}
	return cp, nil
}

// couponDetail is a coupon's 详情: its details and usage records.
type couponDetail struct {
	Kind        *couponKind
	C           *coupon.Coupon
	Usages      []coupon.Usage
	Used        int64
	ReclaimHref string
	Loc         *time.Location
}

func (h *handler) couponPage(c *call, k *couponKind) error {
	cp, err := kindCoupon(c, k, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	d := couponDetail{Kind: k, C: cp, Loc: c.loc}
	if d.Usages, err = coupon.Usages(c.r.Context(), h.app.DB.Reader(), cp.ID); err != nil {
		return err
	}
	for _, u := range d.Usages {
		d.Used += u.Amount
	}
	d.ReclaimHref = couponRows(c, k, []*coupon.Coupon{cp})[0].ReclaimHref
	return c.render(http.StatusOK, "coupons_coupon", &view{Title: k.key("coupon_detail"), Active: k.Path, Data: d})
}

// QuotaHeading is the message key naming the kind's quota: 代金券额度 or
// 现金券额度.
func (k *couponKind) QuotaHeading() string { return k.key("tab.quotas") }
