package console

import (
	"context"
	"net/http"
	"strings"

	"partnercenter/internal/audit"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/jobs"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// Batch 发放: the issue form's option to issue to every resale customer
// matching its search, however many (up to coupon.MaxBatchCustomers). The
// batch is created and its job enqueued with the form's token claim and the
// audit entry in one transaction; the batch's page then shows the progress
// and, row by row, each customer's result.

// issueBatch handles the issue form submitted with all_matching.
func (h *handler) issueBatch(c *call, k *couponKind, qu *coupon.Quota, f *form) error {
	list, _, err := customer.List(c.r.Context(), h.app.DB.Reader(), customer.PartnerScope(c.p.PartnerID),
		customer.Filter{AssociationType: customer.Resale, AccountName: f.Get("search"), Limit: coupon.MaxBatchCustomers + 1})
	if err != nil {
		return err
	}
	if len(list) == 0 {
		f.fieldError("customer_ids", c.t("coupons.batch.none_matching"))
	}
	n := coupon.NewBatch{PartnerID: c.p.PartnerID, QuotaID: qu.ID, Memo: f.Get("memo"), Operator: c.p.Username}
	for _, cu := range list {
		n.CustomerIDs = append(n.CustomerIDs, cu.ID)
	}
	n.FaceValue = c.formAmount(f, "face_value")
	n.EffectiveAt = formDate(c, f, "effective_at", 0)
	n.ExpiresAt = formDate(c, f, "expires_at", 1) // the whole last day
	n.ServiceTypes, n.ProductIDs = scopeField(f, "cloud_service_types"), scopeField(f, "product_ids")
	var b *coupon.Batch
	repeated := false
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if repeated, err = c.submittedBefore(ctx, tx, f); err != nil || repeated {
			return err
		}
		if b, err = coupon.CreateBatch(ctx, tx, n); err != nil {
			return err
		}
		run := func(ctx context.Context) error { return coupon.RunBatch(ctx, h.app.DB, b.ID) }
		if err := h.background(ctx, tx, jobs.CouponBatchArgs{ID: b.ID}, run); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "coupon.batch_issue", ObjectType: "coupon_batch", ObjectID: b.ID,
			After: map[string]any{"quota_id": qu.ID, "customers": b.RowsTotal, "face_value": money.Format(b.FaceValue), "search": f.Get("search")}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return h.renderIssue(c, k, qu, http.StatusUnprocessableEntity, f)
	}
	if repeated {
		return c.done("funds.submitted_before", k.Path+"/quotas/"+qu.ID)
	}
	return c.done("coupons.batch.queued", k.Path+"/batches/"+b.ID)
}

// scopeField reads a comma-separated scope field of the issue form; the
// domain trims the items and checks them against the quota's scope, its
// refusals landing next to the field, whose name is the domain's.
func scopeField(f *form, name string) []string {
	return strings.FieldsFunc(f.Get(name), func(r rune) bool { return r == ',' || r == '，' })
}

// couponBatchView is a batch's page.
type couponBatchView struct {
	*coupon.Batch
	Kind   *couponKind
	Status string
	Rows   []couponBatchLine
	Pager  pager
}

type couponBatchLine struct {
	coupon.BatchRow
	Customer, Status, Problem string
}

func (h *handler) couponBatchPage(c *call, k *couponKind) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	b, err := coupon.GetBatch(ctx, q, c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	page, offset := pageOf(c.r)
	rows, total, err := coupon.BatchRows(ctx, q, b.ID, offset, pageSize)
	if err != nil {
		return err
	}
	v := couponBatchView{Batch: b, Kind: k, Status: c.t("coupons.batch.status." + b.Status), Pager: newPager(c.r, page, total)}
	for _, r := range rows {
		line := couponBatchLine{BatchRow: r, Customer: customerName(c, r.CustomerID), Status: c.t("coupons.batch.row." + r.Status)}
		if r.Problem != "" {
			line.Problem = c.t(r.Problem)
		}
		v.Rows = append(v.Rows, line)
	}
	return c.render(http.StatusOK, "coupons_batch", &view{Title: "coupons.batch.title", Active: k.Path, Data: v})
}
