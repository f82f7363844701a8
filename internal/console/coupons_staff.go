package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/coupon"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 额度管理 in the provider's 财务: finance grants a voucher or cash-coupon
// quota to a partner and sets a quota's status (normal, invalid, adjusting,
// frozen). Both are one domain call and its audit entry in one transaction.

const staffQuotasPath = financePath + "/quotas"

// staffQuotasView is the page: the partner picker, the grant form and the
// partner's quotas.
type staffQuotasView struct {
	Partners []option
	Selected *financePartner
	Types    []option
	Statuses []option
	Quotas   []*coupon.Quota
	Pager    pager
	Loc      *time.Location
}

func quotaTypeKey(t int) string { return "coupons.quota_type." + strconv.Itoa(t) }

func (h *handler) staffQuotasPage(c *call) error {
	sel, err := c.selectedPartner()
	if err != nil {
		return err
	}
	f := newForm(url.Values{"type": {"0"}})
	c.formToken(f)
	return h.renderStaffQuotas(c, http.StatusOK, f, sel)
}

func (h *handler) renderStaffQuotas(c *call, status int, f *form, sel *financePartner) error {
	v := staffQuotasView{Selected: sel, Loc: c.loc,
		Types:    statusOptions(c.lang, []int{coupon.VoucherQuota, coupon.CashQuota}, quotaTypeKey),
		Statuses: statusOptions(c.lang, quotaStatuses[:4], quotaStatusKey)}
	var err error
	if v.Partners, err = c.partnerOptions(); err != nil {
		return err
	}
	if sel != nil {
		page, offset := pageOf(c.r)
		var total int
		v.Quotas, total, err = coupon.ListQuotas(c.r.Context(), h.app.DB.Reader(), coupon.QuotaFilter{PartnerID: sel.Partner.ID, Offset: offset, Limit: pageSize})
		if err != nil {
			return err
		}
		v.Pager = newPager(c.r, page, total)
	}
	return c.render(status, "coupons_staff", &view{Title: "coupons.staff.title", Active: staffQuotasPath, Form: f, Data: v})
}

// grantQuota is 发放额度 by provider finance.
func (h *handler) grantQuota(c *call) error {
	f := newForm(c.postForm())
	c.formToken(f)
	sel, err := c.pickPartner(f, "partner_id")
	if err != nil {
		return err
	}
	n := coupon.NewQuota{Value: c.formAmount(f, "value"), EffectiveAt: formDate(c, f, "effective_at", 0), ExpiresAt: formDate(c, f, "expires_at", 1)}
	if n.Type, err = strconv.Atoi(f.Get("type")); err != nil {
		n.Type = -1 // refused by the domain, next to the field
	}
	if f.Get("max_face_value") != "" {
		n.MaxFaceValue = c.formAmount(f, "max_face_value")
	}
	if n.EffectiveAt.IsZero() {
		f.fieldError("effective_at", c.t("coupons.date_required"))
	}
	if n.ExpiresAt.IsZero() {
		f.fieldError("expires_at", c.t("coupons.date_required"))
	}
	if sel == nil {
		return h.renderStaffQuotas(c, http.StatusUnprocessableEntity, f, nil)
	}
	n.PartnerID = sel.Partner.ID
	repeated := false
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if repeated, err = c.submittedBefore(ctx, tx, f); err != nil || repeated {
			return err
		}
		q, err := coupon.Grant(ctx, tx, n, c.p.Username)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: q.PartnerID, Action: "coupon.quota_grant", ObjectType: "coupon_quota", ObjectID: q.ID,
			After: map[string]any{"type": q.Type, "value": money.Format(q.Granted), "max_face_value": money.Format(q.MaxFaceValue)}})
	})
	if err != nil {
		return err
	}
	if msg, ok := f.Errors["quota_type"]; ok {
		delete(f.Errors, "quota_type")
		f.fieldError("type", msg)
	}
	for _, field := range []string{"expire_time", "effective_time"} {
		if msg, ok := f.Errors[field]; ok {
			delete(f.Errors, field)
			f.fieldError("expires_at", msg)
		}
	}
	if !f.ok() {
		return h.renderStaffQuotas(c, http.StatusUnprocessableEntity, f, sel)
	}
	target := staffQuotasPath + "?partner=" + url.QueryEscape(sel.Partner.ID)
	if repeated {
		return c.done("funds.submitted_before", target)
	}
	return c.done("coupons.staff.granted", target, money.Format(n.Value))
}

// setQuotaStatus sets one quota's status.
func (h *handler) setQuotaStatus(c *call) error {
	f := newForm(c.postForm())
	sel, err := c.pickPartner(f, "partner_id")
	if err != nil {
		return err
	}
	if sel == nil {
		return h.renderStaffQuotas(c, http.StatusUnprocessableEntity, f, nil)
	}
	status, err := strconv.Atoi(f.Get("status"))
	if err != nil {
		status = -1 // refused by the domain
	}
	id := c.r.PathValue("id")
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		before, err := coupon.GetQuota(ctx, tx, sel.Partner.ID, id)
		if err != nil {
			return err
		}
		q, err := coupon.SetQuotaStatus(ctx, tx, sel.Partner.ID, id, status)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: q.PartnerID, Action: "coupon.quota_status", ObjectType: "coupon_quota", ObjectID: q.ID,
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": q.Status}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		if f.Error == "" {
			f.Error = f.Errors["status"]
		}
		return h.renderStaffQuotas(c, http.StatusUnprocessableEntity, f, sel)
	}
	return c.done("coupons.staff.status_set", staffQuotasPath+"?partner="+url.QueryEscape(sel.Partner.ID))
}
