package console

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// The forms of 代金券管理 and 现金券管理: 发放 (coupons from a quota to
// resale customers), 回收 (one coupon or a batch, after a confirmation),
// and a distributor's 发放额度 and 回收 of its resellers' quotas. Each runs
// the domain call and an audit entry per changed object in one
// transaction; a request the domain refuses as a whole changes nothing and
// shows its message next to its field. Calls that act on many rows end on a
// page with each row's result, as the domain reports them.

// resultRow is one row of a result page.
type resultRow struct {
	Label  string
	OK     bool
	Detail string
}

// resultView is what coupons_result.html shows.
type resultView struct {
	Heading string // message key
	Rows    []resultRow
	Back    string
}

// rowResult turns a domain result into a row: the error in the caller's
// language, or detail on success.
func (c *call) rowResult(label string, err error, detail string) resultRow {
	if err != nil {
		e, _ := apperr.As(err)
		return resultRow{Label: label, Detail: c.errText(e)}
	}
	return resultRow{Label: label, OK: true, Detail: detail}
}

func (c *call) showResults(heading, back string, rows []resultRow) error {
	return c.render(http.StatusOK, "coupons_result", &view{Title: heading, Data: resultView{Heading: heading, Rows: rows, Back: back}})
}

// issueView is the 发放 form.
type issueView struct {
	Kind      *couponKind
	Q         *coupon.Quota
	Customers []option
	Search    string
	Loc       *time.Location
}

// issueCouponsPage is 发放: one coupon of one face value to each chosen
// resale customer of the partner.
func (h *handler) issueCouponsPage(c *call, k *couponKind) error {
	qu, err := kindQuota(c, k)
	if err != nil {
		return err
	}
	back := k.Path + "/quotas/" + qu.ID
	if c.r.Method == http.MethodGet {
		// The search submits the form by GET: what was filled in and chosen
		// stays.
		f := newForm(c.r.URL.Query())
		c.formToken(f)
		return h.renderIssue(c, k, qu, http.StatusOK, f)
	}
	f := newForm(c.postForm())
	c.formToken(f)
	if f.Get("all_matching") == "1" {
		return h.issueBatch(c, k, qu, f)
	}
	req := coupon.IssueRequest{PartnerID: c.p.PartnerID, QuotaID: qu.ID, CustomerIDs: f.Values["customer_ids"], Memo: f.Get("memo"),
		Operator: c.p.Username}
	if len(req.CustomerIDs) == 0 {
		f.fieldError("customer_ids", c.t("coupon.customers_count"))
	}
	req.FaceValue = c.formAmount(f, "face_value")
	req.EffectiveAt = formDate(c, f, "effective_at", 0)
	req.ExpiresAt = formDate(c, f, "expires_at", 1) // the whole last day
	req.ServiceTypes, req.ProductIDs = scopeField(f, "cloud_service_types"), scopeField(f, "product_ids")
	var results []coupon.IssueResult
	repeated := false
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if repeated, err = c.submittedBefore(ctx, tx, f); err != nil || repeated {
			return err
		}
		if results, err = coupon.Issue(ctx, tx, req); err != nil {
			return err
		}
		for _, r := range results {
			if r.Err != nil {
				continue
			}
			if err := audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "coupon.issue", ObjectType: "coupon", ObjectID: r.CouponID,
				After: map[string]any{"quota_id": qu.ID, "customer_id": r.CustomerID, "face_value": money.Format(req.FaceValue)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if msg, ok := f.Errors["expire_time"]; ok {
		delete(f.Errors, "expire_time")
		f.fieldError("expires_at", msg)
	}
	if !f.ok() {
		return h.renderIssue(c, k, qu, http.StatusUnprocessableEntity, f)
	}
	if repeated {
		return c.done("funds.submitted_before", back)
	}
	rows := make([]resultRow, len(results))
	for i, r := range results {
		rows[i] = c.rowResult(customerName(c, r.CustomerID), r.Err, r.CouponID)
	}
	return c.showResults("coupons.issue_result", back, rows)
}

// formToken gives a form that issues the random token whose claim
// (submittedBefore) makes a second submit of the same form, a double click
// or a reload, change nothing. A submitted form without one was not made by
// the page: it is shown again, with a token.
func (c *call) formToken(f *form) {
	if clientToken.MatchString(f.Get("client")) {
		return
	}
	if c.r.Method == http.MethodPost {
		f.Error = c.t("customers.form_stale")
	}
	f.Values.Set("client", newClientToken())
}

// submittedBefore claims the form's token in tx; it reports whether an
// earlier submit claimed it.
func (c *call) submittedBefore(ctx context.Context, tx *store.Tx, f *form) (bool, error) {
	first, err := funds.ClaimSubmission(ctx, tx, f.Get("client"), c.p.UserID)
	return !first, err
}

// formAmount reads a positive amount in yuan; a bad one puts its message
// next to the field.
func (c *call) formAmount(f *form, field string) int64 {
	fen, err := money.ParsePositive(f.Get(field))
	if err != nil {
		f.fieldError(field, c.t(amountKey(err)))
	}
	return fen
}

// formDate reads an optional date field (zero when empty), days after the
// start of the day; a malformed one puts its message on the form.
func formDate(c *call, f *form, field string, days int) time.Time {
	s := f.Get(field)
	if s == "" {
		return time.Time{}
	}
	t, err := i18n.ParseDate(s, c.loc)
	if err != nil {
		f.fieldError(field, c.t("audit.date_invalid"))
		return time.Time{}
	}
	return t.AddDate(0, 0, days)
}

// customerName is how a result row names a customer: its account name, or
// the id the form sent when it is not the partner's.
func customerName(c *call, id string) string {
	cu, err := customer.Get(c.r.Context(), c.h.app.DB.Reader(), customer.PartnerScope(c.p.PartnerID), id)
	if err != nil {
		return id
	}
	return cu.DomainName
}

func (h *handler) renderIssue(c *call, k *couponKind, qu *coupon.Quota, status int, f *form) error {
	v := issueView{Kind: k, Q: qu, Search: f.Get("search"), Loc: c.loc}
	list, _, err := customer.List(c.r.Context(), h.app.DB.Reader(), customer.PartnerScope(c.p.PartnerID),
		customer.Filter{AssociationType: customer.Resale, AccountName: v.Search, Limit: coupon.MaxCustomersPerIssue})
	if err != nil {
		return err
	}
	// The customers chosen before a search stay offered, first.
	listed := map[string]bool{}
	for _, id := range f.Values["customer_ids"] {
		if !listed[id] {
			listed[id] = true
			v.Customers = append(v.Customers, option{Value: id, Label: customerName(c, id)})
		}
	}
	for _, cu := range list {
		if !listed[cu.ID] {
			v.Customers = append(v.Customers, option{Value: cu.ID, Label: cu.DomainName})
		}
	}
	return c.render(status, "coupons_issue", &view{Title: k.key("issue"), Active: k.Path, Form: f, Data: v})
}

// reclaimView is the 回收 confirmation.
type reclaimView struct {
	Kind    *couponKind
	Coupons couponTable
	Back    string
}

// reclaimCouponsPage is 回收 of the coupons named by id: a confirmation with
// a reason, then the domain's result for each.
func (h *handler) reclaimCouponsPage(c *call, k *couponKind) error {
	f := newForm(c.requestValues())
	ids := f.Values["id"]
	back := k.Path + "?tab=" + couponTabCoupons
	v := reclaimView{Kind: k, Back: back, Coupons: couponTable{Loc: c.loc, Hidden: true}}
	if len(ids) == 0 || len(ids) > coupon.MaxCustomersPerIssue {
		f.Error = c.t("coupon.coupons_count")
	}
	for _, id := range ids {
		cp, err := kindCoupon(c, k, id)
		if err != nil {
			return err
		}
		v.Coupons.Rows = append(v.Coupons.Rows, couponRow{Coupon: cp, Reclaimable: reclaimable(cp)})
	}
	if len([]rune(f.Get("reason"))) > 200 {
		f.fieldError("reason", c.t("coupon.memo_long"))
	}
	// Only the confirm button reclaims; anything else shows the question.
	if c.r.Method == http.MethodGet || !f.ok() || f.Get("confirm") != "1" {
		status := http.StatusOK
		if !f.ok() {
			status = http.StatusUnprocessableEntity
		}
		return c.render(status, "coupons", &view{Title: k.key("reclaim"), Active: k.Path, Form: f, Data: v})
	}
	var results []coupon.ReclaimResult
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if results, err = coupon.Reclaim(ctx, tx, c.p.PartnerID, ids, f.Get("reason"), c.p.Username); err != nil {
			return err
		}
		for _, r := range results {
			if r.Err != nil {
				continue
			}
			if err := audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "coupon.reclaim", ObjectType: "coupon", ObjectID: r.CouponID,
				After: map[string]any{"status": coupon.Reclaimed, "amount": money.Format(r.Amount), "reason": f.Get("reason")}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return c.render(http.StatusUnprocessableEntity, "coupons", &view{Title: k.key("reclaim"), Active: k.Path, Form: f, Data: v})
	}
	rows := make([]resultRow, len(results))
	for i, r := range results {
		rows[i] = c.rowResult(v.Coupons.Rows[i].Code, r.Err, c.t("coupons.reclaimed_amount", money.Format(r.Amount)))
	}
	return c.showResults("coupons.reclaim_result", back, rows)
}

// requestValues are a confirmation's values: the address's on the page
// that asks, the form's on the submit that confirms.
func (c *call) requestValues() url.Values {
	if c.r.Method == http.MethodPost {
		return c.postForm()
	}
	return c.r.URL.Query()
}

// quotaIssueView is a distributor's 发放额度 form.
type quotaIssueView struct {
	Kind      *couponKind
	Quotas    []option
	Resellers []option
}

// issueQuotasPage is 发放额度: the same amount from one of the
// distributor's quotas to each chosen reseller.
func (h *handler) issueQuotasPage(c *call, k *couponKind) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	if !h.isDistributor(ctx, c.p) {
		return apperr.NotFoundf("error.not_found.title", "not a total distributor")
	}
	v := quotaIssueView{Kind: k}
	qt, normal := k.QuotaType, coupon.QuotaNormal
	quotas, _, err := coupon.ListQuotas(ctx, q, coupon.QuotaFilter{PartnerID: c.p.PartnerID, Type: &qt, Status: &normal, Limit: 100})
	if err != nil {
		return err
	}
	for _, qu := range quotas {
		v.Quotas = append(v.Quotas, option{Value: qu.ID, Label: qu.ID + " (" + money.Format(qu.Balance) + ")"})
	}
	resellers, _, err := partner.ListIndirect(ctx, q, partner.IndirectFilter{DistributorID: c.p.PartnerID, Limit: 1000})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, r := range resellers {
		v.Resellers = append(v.Resellers, option{Value: r.ID, Label: r.DisplayName})
		names[r.ID] = r.DisplayName
	}
	render := func(status int, f *form) error {
		return c.render(status, "coupons_quota_issue", &view{Title: "coupons.quota_issue", Active: k.Path, Form: f, Data: v})
	}
	if c.r.Method == http.MethodGet {
		f := newForm(nil)
		c.formToken(f)
		return render(http.StatusOK, f)
	}
	f := newForm(c.postForm())
	c.formToken(f)
	amount := c.formAmount(f, "amount")
	if f.Get("quota_id") == "" {
		f.fieldError("quota_id", c.t("coupon.quotas_count"))
	}
	var grants []coupon.QuotaGrant
	for _, id := range f.Values["reseller_ids"] {
		grants = append(grants, coupon.QuotaGrant{ResellerID: id, Amount: amount})
	}
	if len(grants) == 0 {
		f.fieldError("reseller_ids", c.t("coupon.resellers_count"))
	}
	var results []coupon.QuotaIssueResult
	repeated := false
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if repeated, err = c.submittedBefore(ctx, tx, f); err != nil || repeated {
			return err
		}
		if results, err = coupon.IssueQuotas(ctx, tx, c.p.PartnerID, f.Get("quota_id"), grants, c.p.Username); err != nil {
			return err
		}
		for _, r := range results {
			if r.Err != nil {
				continue
			}
			if err := audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "coupon.quota_issue", ObjectType: "coupon_quota", ObjectID: r.QuotaID,
				After: map[string]any{"parent_quota_id": f.Get("quota_id"), "reseller_id": r.ResellerID, "amount": money.Format(amount)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return render(http.StatusUnprocessableEntity, f)
	}
	if repeated {
		return c.done("funds.submitted_before", k.Path+"?tab="+couponTabIssuedQuotas)
	}
	rows := make([]resultRow, len(results))
	for i, r := range results {
		rows[i] = c.rowResult(cmpOr(names[r.ResellerID], r.ResellerID), r.Err, r.QuotaID)
	}
	return c.showResults("coupons.quota_issue_result", k.Path+"?tab="+couponTabIssuedQuotas, rows)
}

// reclaimQuotasPage is 回收 of quotas the distributor passed to its
// resellers: a confirmation, then each quota's result.
func (h *handler) reclaimQuotasPage(c *call, k *couponKind) error {
	ctx := c.r.Context()
	if !h.isDistributor(ctx, c.p) {
		return apperr.NotFoundf("error.not_found.title", "not a total distributor")
	}
	f := newForm(c.requestValues())
	ids := f.Values["id"]
	back := k.Path + "?tab=" + couponTabIssuedQuotas
	if len(ids) == 0 || len(ids) > coupon.MaxQuotasPerReclaim {
		return apperr.NotFoundf("error.not_found.title", "no quota named")
	}
	if c.r.Method == http.MethodPost && f.Get("edit") == "1" {
		c.redirect(back) // the confirmation's 返回修改: nothing to edit but the choice
		return nil
	}
	if c.r.Method == http.MethodGet || f.Get("confirm") != "1" {
		lines := []confirmLine{}
		for _, id := range ids {
			lines = append(lines, confirmLine{Label: "coupons.quota_id", Value: id})
		}
		return c.render(http.StatusOK, "confirm", &view{Title: "coupons.quota_reclaim", Active: k.Path,
			Data: confirmView{Action: c.r.URL.Path, Back: back, Lines: lines, Hidden: carried(f), Submit: "coupons.reclaim"}})
	}
	var results []coupon.QuotaReclaimResult
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if results, err = coupon.ReclaimQuotas(ctx, tx, c.p.PartnerID, ids, c.p.Username); err != nil {
			return err
		}
		for _, r := range results {
			if r.Err != nil {
				continue
			}
			if err := audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "coupon.quota_reclaim", ObjectType: "coupon_quota", ObjectID: r.QuotaID,
				After: map[string]any{"status": coupon.QuotaReclaimed, "amount": money.Format(r.Balance)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return c.showResults("coupons.quota_reclaim_result", back, []resultRow{{Label: f.Error}})
	}
	rows := make([]resultRow, len(results))
	for i, r := range results {
		rows[i] = c.rowResult(r.QuotaID, r.Err, c.t("coupons.reclaimed_amount", money.Format(r.Balance)))
	}
	return c.showResults("coupons.quota_reclaim_result", back, rows)
}
