// Package coupon owns vouchers (代金券) and cash coupons (现金券): the quotas
// the provider grants a partner (and a total distributor passes on to its
// resellers), the coupons a partner issues to its customers from a quota,
// their use by orders and bills, reclaim, expiry, and the operation records.
// Quotas and coupons are balances, so every amount moves through the ledger:
// grant = provider → quota, issue = quota → coupon, use = coupon → provider
// revenue, reclaim = coupon → quota. For every quota, issued − reclaimed +
// balance = granted; `ledger check` verifies it.
package coupon

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Quota types, as the API's quota_type.
const (
	VoucherQuota = 0 // 代金券额度
	CashQuota    = 1 // 现金券额度
)

// Quota statuses, as the API's quota_status.
const (
	QuotaNormal    = 0
	QuotaInvalid   = 3 // expired or set invalid
	QuotaAdjusting = 4 // visible, cannot issue
	QuotaFrozen    = 5
	QuotaReclaimed = 6 // a reseller's quota taken back by its distributor
)

// Ledger codes of coupon movements.
const (
	CodeGrant         = "QUOTA_GRANT"
	CodeQuotaIssue    = "QUOTA_ISSUE"
	CodeQuotaReclaim  = "QUOTA_RECLAIM"
	CodeCouponIssue   = "COUPON_ISSUE"
	CodeCouponUse     = "COUPON_USE"
	CodeCouponReclaim = "COUPON_RECLAIM"
	CodeCouponExpire  = "COUPON_EXPIRE"
)

const (
	ownerQuota    = "quota"
	ownerCoupon   = "coupon"
	ownerProvider = "provider"
	kindQuota     = "quota_balance"
	kindCoupon    = "coupon_balance"
)

// Quota is a voucher or cash-coupon quota.
type Quota struct {
	ID            string
	PartnerID     string
	ParentQuotaID string
	Type          int
	Granted       int64
	Balance       int64
	Status        int
	EffectiveAt   time.Time
	ExpiresAt     time.Time
	MaxFaceValue  int64    // 0: no limit per coupon
	ServiceTypes  []string // empty: any cloud service
	ProductIDs    []string // empty: any product
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	AccountID     string
}

// Usable reports why coupons cannot be issued from the quota now, or nil.
func (q *Quota) Usable(now time.Time) error {
	switch {
	case q.Status == QuotaFrozen:
		return apperr.New(apperr.Conflict, "coupon.quota_frozen", "the quota is frozen")
	case q.Status == QuotaAdjusting:
		return apperr.New(apperr.Conflict, "coupon.quota_adjusting", "the quota is being adjusted and cannot be used now")
	case q.Status != QuotaNormal || !now.Before(q.ExpiresAt):
		return apperr.New(apperr.Conflict, "coupon.quota_invalid", "the quota is no longer valid")
	case now.Before(q.EffectiveAt):
		return apperr.New(apperr.Conflict, "coupon.quota_not_effective", "the quota is not effective yet")
	}
	return nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

const quotaColumns = `q.id, q.partner_id, COALESCE(q.parent_quota_id, ''), q.quota_type, q.granted, q.status, q.effective_at, q.expires_at,
	q.max_face_value, q.service_types, q.product_ids, q.created_by, q.created_at, q.updated_at,
	a.id, a.credits_posted - a.debits_posted - a.debits_pending`

const quotaFrom = ` FROM coupon_quotas q JOIN ledger_accounts a ON a.owner_type = 'quota' AND a.owner_id = q.id AND a.kind = 'quota_balance'`

func scanQuota(row interface{ Scan(...any) error }) (*Quota, error) {
	var q Quota
	var eff, exp, created, updated int64
	var services, products string
	err := row.Scan(&q.ID, &q.PartnerID, &q.ParentQuotaID, &q.Type, &q.Granted, &q.Status, &eff, &exp, &q.MaxFaceValue,
		&services, &products, &q.CreatedBy, &created, &updated, &q.AccountID, &q.Balance)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	q.EffectiveAt, q.ExpiresAt, q.CreatedAt, q.UpdatedAt = store.Time(eff), store.Time(exp), store.Time(created), store.Time(updated)
	q.ServiceTypes, q.ProductIDs = splitList(services), splitList(products)
	return &q, nil
}

// ErrQuotaNotFound answers for a quota that does not exist or is another partner's.
var ErrQuotaNotFound = apperr.NotFoundf("coupon.quota_not_found", "quota not found")

// GetQuota returns one of a partner's quotas.
func GetQuota(ctx context.Context, q store.Queryer, partnerID, id string) (*Quota, error) {
	quota, err := scanQuota(q.QueryRowContext(ctx, `SELECT `+quotaColumns+quotaFrom+` WHERE q.id = ? AND q.partner_id = ?`, id, partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrQuotaNotFound
	}
	return quota, err
}

// NewQuota is a grant by provider finance.
type NewQuota struct {
	PartnerID    string
	Type         int
	Value        int64
	EffectiveAt  time.Time
	ExpiresAt    time.Time
	MaxFaceValue int64
	ServiceTypes []string
	ProductIDs   []string
}

func cleanList(field string, in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.Contains(s, ",") || len(s) > 64 {
			return nil, apperr.Field(field, "coupon.scope_invalid", "each service type or product id is at most 64 characters without commas").WithAPICode("CBC.0100")
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) > 10 {
		return nil, apperr.Field(field, "coupon.scope_too_many", "at most 10 service types or products").WithAPICode("CBC.0100")
	}
	return out, nil
}

func quotaAccount(ctx context.Context, tx *store.Tx, quotaID, partnerID string) (*ledger.Account, error) {
	return ledger.Open(ctx, tx, ledger.AccountSpec{Kind: kindQuota, OwnerType: ownerQuota, OwnerID: quotaID, PartnerID: partnerID})
}

func providerAccount(ctx context.Context, tx *store.Tx, kind string) (*ledger.Account, error) {
	return ledger.Open(ctx, tx, ledger.AccountSpec{Kind: kind, OwnerType: ownerProvider, OwnerID: "provider", Unbounded: true})
}

// Grant creates a quota for a partner (provider finance).
func Grant(ctx context.Context, tx *store.Tx, n NewQuota, by string) (*Quota, error) {
	if n.Type != VoucherQuota && n.Type != CashQuota {
		return nil, apperr.Field("quota_type", "coupon.quota_type_invalid", "choose voucher or cash coupon")
	}
	if n.Value <= 0 {
		return nil, apperr.Field("value", "coupon.amount_positive", "the amount must be greater than zero")
	}
	if n.MaxFaceValue < 0 {
		return nil, apperr.Field("max_face_value", "coupon.amount_positive", "the amount must be greater than zero")
	}
	if !n.ExpiresAt.After(n.EffectiveAt) || !n.ExpiresAt.After(tx.Now) {
		return nil, apperr.Field("expire_time", "coupon.validity_invalid", "the expiry must be after the effective time and in the future")
	}
	services, err := cleanList("service_types", n.ServiceTypes)
	if err != nil {
		return nil, err
	}
	products, err := cleanList("product_ids", n.ProductIDs)
	if err != nil {
		return nil, err
	}
	if _, err := partner.Get(ctx, tx, n.PartnerID); err != nil {
		return nil, err
	}
	return insertQuota(ctx, tx, &Quota{ID: ids.Compact(), PartnerID: n.PartnerID, Type: n.Type, Granted: n.Value, Status: QuotaNormal,
		EffectiveAt: n.EffectiveAt, ExpiresAt: n.ExpiresAt, MaxFaceValue: n.MaxFaceValue, ServiceTypes: services, ProductIDs: products,
		CreatedBy: by}, CodeGrant, "")
}

// insertQuota records a quota and funds it: from the provider for a grant,
// from the parent quota for a reseller's quota.
func insertQuota(ctx context.Context, tx *store.Tx, q *Quota, code, fromAccount string) (*Quota, error) {
	q.CreatedAt, q.UpdatedAt = tx.Now, tx.Now
	var parent any
	if q.ParentQuotaID != "" {
		parent = q.ParentQuotaID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO coupon_quotas (id, partner_id, parent_quota_id, quota_type, granted, status, effective_at,
		expires_at, max_face_value, service_types, product_ids, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, q.ID, q.PartnerID, parent, q.Type, q.Granted, q.Status,
		store.Micros(q.EffectiveAt), store.Micros(q.ExpiresAt), q.MaxFaceValue, strings.Join(q.ServiceTypes, ","),
		strings.Join(q.ProductIDs, ","), q.CreatedBy, store.Micros(tx.Now), store.Micros(tx.Now))
	if err != nil {
		return nil, err
	}
	acct, err := quotaAccount(ctx, tx, q.ID, q.PartnerID)
	if err != nil {
		return nil, err
	}
	if fromAccount == "" {
		src, err := providerAccount(ctx, tx, "coupon_funding")
		if err != nil {
			return nil, err
		}
		fromAccount = src.ID
	}
	if _, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: "quota:" + q.ID, Debit: fromAccount, Credit: acct.ID, Amount: q.Granted,
		Code: code, Meta: map[string]string{"quota_id": q.ID}}); err != nil {
		return nil, err
	}
	q.AccountID, q.Balance = acct.ID, q.Granted
	return q, nil
}

// SetQuotaStatus sets a quota normal, invalid, adjusting or frozen (provider finance).
func SetQuotaStatus(ctx context.Context, tx *store.Tx, partnerID, quotaID string, status int) (*Quota, error) {
	if status != QuotaNormal && status != QuotaInvalid && status != QuotaAdjusting && status != QuotaFrozen {
		return nil, apperr.Field("status", "coupon.quota_status_invalid", "unknown quota status")
	}
	q, err := GetQuota(ctx, tx, partnerID, quotaID)
	if err != nil {
		return nil, err
	}
	if q.Status == QuotaReclaimed {
		return nil, apperr.New(apperr.Conflict, "coupon.quota_reclaimed", "the quota has been reclaimed")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE coupon_quotas SET status = ?, updated_at = ? WHERE id = ?`, status, store.Micros(tx.Now), q.ID); err != nil {
		return nil, err
	}
	q.Status = status
	return q, nil
}

// QuotaFilter selects a partner's quotas (ListQuotaCoupons).
type QuotaFilter struct {
	PartnerID     string
	Type          *int
	Status        *int
	ParentQuotaID string // for ListIssuedCouponQuotas: quotas issued from this one
	IssuedBy      string // quotas a distributor issued to its resellers (their parent quotas are its own)
	Offset, Limit int
}

// ListQuotas returns a page of quotas, newest first, and the total.
func ListQuotas(ctx context.Context, q store.Queryer, f QuotaFilter) ([]*Quota, int, error) {
	where, args := []string{"1=1"}, []any{}
	if f.PartnerID != "" {
		where = append(where, "q.partner_id = ?")
		args = append(args, f.PartnerID)
	}
	if f.IssuedBy != "" {
		where = append(where, "q.parent_quota_id IN (SELECT id FROM coupon_quotas WHERE partner_id = ?)")
		args = append(args, f.IssuedBy)
	}
	if f.ParentQuotaID != "" {
		where = append(where, "q.parent_quota_id = ?")
		args = append(args, f.ParentQuotaID)
	}
	if f.Type != nil {
		where = append(where, "q.quota_type = ?")
		args = append(args, *f.Type)
	}
	if f.Status != nil {
		where = append(where, "q.status = ?")
		args = append(args, *f.Status)
	}
	if len(args) == 0 {
		return nil, 0, errors.New("coupon: a quota list needs a partner scope")
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM coupon_quotas q WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 10
	}
	rows, err := q.QueryContext(ctx, `SELECT `+quotaColumns+quotaFrom+` WHERE `+w+` ORDER BY q.created_at DESC, q.id DESC LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Quota
	for rows.Next() {
		quota, err := scanQuota(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, quota)
	}
	return out, total, rows.Err()
}
