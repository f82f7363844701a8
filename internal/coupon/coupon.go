package coupon

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/customer"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// Coupon types, as the API's coupon_type.
const (
	TypeVoucher = 1 // 代金券
	TypeCash    = 4 // 现金券
)

// Coupon statuses.
const (
	NotActive = 1
	Usable    = 2
	UsedUp    = 3
	Expired   = 4
	Reclaimed = 5
)

// Record operations (操作记录).
const (
	OpIssue         = "issue"
	OpReclaim       = "reclaim"
	OpUnbindReclaim = "unbind_reclaim"
	OpExpire        = "expire"
	OpQuotaIssue    = "quota_issue"
	OpQuotaReclaim  = "quota_reclaim"
)

// Coupon is an issued voucher or cash coupon.
type Coupon struct {
	ID              string
	Code            string
	QuotaID         string
	PartnerID       string
	CustomerID      string
	CustomerName    string
	Type            int
	Status          int
	FaceValue       int64
	Balance         int64
	EffectiveAt     time.Time
	ExpiresAt       time.Time
	ServiceTypes    []string
	ProductIDs      []string
	Memo            string // visible to the issuing partner only
	CreatedBy       string
	CreatedAt       time.Time
	ActiveAt        time.Time
	LastUsedAt      time.Time
	ReclaimedAmount int64
	ReclaimedAt     time.Time
	AccountID       string
}

func typeOfQuota(quotaType int) int {
	if quotaType == CashQuota {
		return TypeCash
	}
	return TypeVoucher
}

// QuotaTypeOf maps a coupon type to the quota type it is issued from.
func QuotaTypeOf(couponType int) int {
	if couponType == TypeCash {
		return CashQuota
	}
	return VoucherQuota
}

const couponColumns = `c.id, c.code, c.quota_id, c.partner_id, c.customer_id, COALESCE(cu.domain_name, ''), c.coupon_type, c.status, c.face_value,
	c.effective_at, c.expires_at, c.service_types, c.product_ids, c.memo, c.created_by, c.created_at, COALESCE(c.active_at, 0),
	COALESCE(c.last_used_at, 0), c.reclaimed_amount, COALESCE(c.reclaimed_at, 0), a.id, a.credits_posted - a.debits_posted - a.debits_pending`

const couponFrom = ` FROM coupons c JOIN ledger_accounts a ON a.owner_type = 'coupon' AND a.owner_id = c.id AND a.kind = 'coupon_balance'
	LEFT JOIN customers cu ON cu.id = c.customer_id`

func scanCoupon(row interface{ Scan(...any) error }) (*Coupon, error) {
	var c Coupon
	var eff, exp, created, active, used, reclaimedAt int64
	var services, products string
	err := row.Scan(&c.ID, &c.Code, &c.QuotaID, &c.PartnerID, &c.CustomerID, &c.CustomerName, &c.Type, &c.Status, &c.FaceValue,
		&eff, &exp, &services, &products, &c.Memo, &c.CreatedBy, &created, &active, &used, &c.ReclaimedAmount, &reclaimedAt,
		&c.AccountID, &c.Balance)
	if err != nil {
		return nil, store.ScanErr(err)
	}
	c.EffectiveAt, c.ExpiresAt, c.CreatedAt = store.Time(eff), store.Time(exp), store.Time(created)
	c.ActiveAt, c.LastUsedAt, c.ReclaimedAt = store.Time(active), store.Time(used), store.Time(reclaimedAt)
	c.ServiceTypes, c.ProductIDs = splitList(services), splitList(products)
	return &c, nil
}

// ErrCouponNotFound answers for a coupon that does not exist or another partner issued.
var ErrCouponNotFound = apperr.NotFoundf("coupon.not_found", "coupon not found")

// Get returns a coupon the partner issued.
func Get(ctx context.Context, q store.Queryer, partnerID, id string) (*Coupon, error) {
	c, err := scanCoupon(q.QueryRowContext(ctx, `SELECT `+couponColumns+couponFrom+` WHERE c.id = ? AND c.partner_id = ?`, id, partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrCouponNotFound
	}
	return c, err
}

// IssueRequest asks for coupons of one face value for one or many customers.
type IssueRequest struct {
	PartnerID    string
	QuotaID      string
	CustomerIDs  []string
	FaceValue    int64
	EffectiveAt  time.Time // zero: the quota's
	ExpiresAt    time.Time // zero: the quota's
	ServiceTypes []string  // empty: the quota's
	ProductIDs   []string  // empty: the quota's
	Memo         string
	Operator     string
}

// IssueResult is the outcome for one customer.
type IssueResult struct {
	CustomerID string
	CouponID   string
	Err        error
}

// MaxCustomersPerIssue bounds one call.
const MaxCustomersPerIssue = 100

// Issue issues one coupon to each customer. The request itself is checked
// first (face value, validity and scope within the quota's); then each
// customer succeeds or fails on its own (not the partner's resale customer,
// quota exhausted), with its result, and a failure leaves nothing behind.
func Issue(ctx context.Context, tx *store.Tx, r IssueRequest) ([]IssueResult, error) {
	if len(r.CustomerIDs) == 0 || len(r.CustomerIDs) > MaxCustomersPerIssue {
		return nil, apperr.Field("customer_ids", "coupon.customers_count", "choose 1 to 100 customers").WithAPICode("CBC.0100")
	}
	if r.FaceValue <= 0 {
		return nil, apperr.Field("face_value", "coupon.amount_positive", "the amount must be greater than zero").WithAPICode("CBC.0100")
	}
	if len([]rune(r.Memo)) > 200 {
		return nil, apperr.Field("memo", "coupon.memo_long", "the memo must be at most 200 characters").WithAPICode("CBC.0100")
	}
	quota, err := lockQuota(ctx, tx, r.PartnerID, r.QuotaID)
	if err != nil {
		return nil, err
	}
	if err := quota.Usable(tx.Now); err != nil {
		return nil, err
	}
	if quota.MaxFaceValue > 0 && r.FaceValue > quota.MaxFaceValue {
		return nil, apperr.Field("face_value", "coupon.face_value_above_limit", "the face value is above the quota's limit per coupon").WithAPICode("CBC.0100")
	}
	eff, exp, err := quota.validity(r.EffectiveAt, r.ExpiresAt, tx.Now)
	if err != nil {
		return nil, err
	}
	services, err := scopeWithin("cloud_service_types", r.ServiceTypes, quota.ServiceTypes)
	if err != nil {
		return nil, err
	}
	products, err := scopeWithin("product_ids", r.ProductIDs, quota.ProductIDs)
	if err != nil {
		return nil, err
	}
	status := Usable
	if tx.Now.Before(eff) {
		status = NotActive
	}
	scope := customer.PartnerScope(r.PartnerID)
	results := make([]IssueResult, 0, len(r.CustomerIDs))
	var events []webhook.Event
	for i, customerID := range r.CustomerIDs {
		res := IssueResult{CustomerID: customerID}
		c, err := customer.Get(ctx, tx, scope, customerID)
		switch {
		case err != nil:
			res.Err = err
		case c.AssociationType != customer.Resale:
			res.Err = apperr.New(apperr.Conflict, "coupon.referral_customer", "coupons can be issued to resale customers only")
		case slices.Contains(r.CustomerIDs[:i], customerID):
			res.Err = apperr.New(apperr.Conflict, "coupon.customer_repeated", "the customer is named twice")
		case r.FaceValue > quota.Balance:
			// Checked before anything is written, so a refused customer
			// leaves no trace; the ledger enforces it again.
			res.Err = apperr.New(apperr.Insufficient, "coupon.quota_insufficient", "the quota's balance is not enough")
		default:
			res.CouponID, res.Err = issueOne(ctx, tx, quota, c.ID, r, eff, exp, services, products, status)
			if res.Err == nil {
				quota.Balance -= r.FaceValue
			}
		}
		if res.Err != nil {
			if _, ok := apperr.As(res.Err); !ok {
				return nil, res.Err // a database fault fails the whole call
			}
			if err := record(ctx, tx, recordRow{partnerID: r.PartnerID, quotaType: quota.Type, quotaID: quota.ID, customerID: customerID,
				op: OpIssue, amount: r.FaceValue, result: resultOf(res.Err), operator: r.Operator}); err != nil {
				return nil, err
			}
		}
		results = append(results, res)
		if res.Err == nil {
			events = append(events, webhook.Event{Type: webhook.CouponIssued, Data: map[string]any{"coupon_id": res.CouponID, "customer_id": customerID,
				"quota_id": quota.ID, "coupon_type": typeOfQuota(quota.Type), "face_value": webhook.Money(r.FaceValue),
				"effective_at": webhook.Time(eff), "expires_at": webhook.Time(exp)}})
		}
	}
	return results, webhook.EmitMany(ctx, tx, r.PartnerID, events)
}

func resultOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return "failed: " + e.Key
	}
	return "success"
}

// issueOne issues one coupon whose quota balance has been checked.
func issueOne(ctx context.Context, tx *store.Tx, quota *Quota, customerID string, r IssueRequest, eff, exp time.Time,
	services, products []string, status int) (string, error) {
	id := ids.Compact()
	acct, err := ledger.Open(ctx, tx, ledger.AccountSpec{Kind: kindCoupon, OwnerType: ownerCoupon, OwnerID: id, PartnerID: r.PartnerID})
	if err != nil {
		return "", err
	}
	if _, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: "coupon-issue:" + id, Debit: quota.AccountID, Credit: acct.ID,
		Amount: r.FaceValue, Code: CodeCouponIssue, Meta: map[string]string{"coupon_id": id, "customer_id": customerID}}); err != nil {
		return "", err
	}
	var activeAt any
	if status == Usable {
		activeAt = store.Micros(tx.Now)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO coupons (id, code, quota_id, partner_id, customer_id, coupon_type, status, face_value,
		effective_at, expires_at, service_types, product_ids, memo, created_by, created_at, active_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, "CP"+strings.ToUpper(id[12:]), quota.ID, r.PartnerID, customerID,
		typeOfQuota(quota.Type), status, r.FaceValue, store.Micros(eff), store.Micros(exp), strings.Join(services, ","),
		strings.Join(products, ","), strings.TrimSpace(r.Memo), r.Operator, store.Micros(tx.Now), activeAt)
	if err != nil {
		return "", err
	}
	if err := countMove(ctx, tx, r.PartnerID, quota.ID, typeOfQuota(quota.Type), 0, status, 1); err != nil {
		return "", err
	}
	return id, record(ctx, tx, recordRow{partnerID: r.PartnerID, quotaType: quota.Type, quotaID: quota.ID, couponID: id,
		customerID: customerID, op: OpIssue, amount: r.FaceValue, result: "success", operator: r.Operator})
}

// scopeWithin checks a coupon's scope against its quota's: an empty request
// inherits the quota's; a restricted quota admits only a subset.
func scopeWithin(field string, asked, quota []string) ([]string, error) {
	asked, err := cleanList(field, asked)
	if err != nil {
		return nil, err
	}
	if len(asked) == 0 {
		return quota, nil
	}
	if len(quota) > 0 {
		for _, s := range asked {
			if !slices.Contains(quota, s) {
				return nil, apperr.Field(field, "coupon.scope_outside_quota", "the scope must lie within the quota's").WithAPICode("CBC.0100")
			}
		}
	}
	return asked, nil
}

// lockQuota reads a quota for an operation that changes its balance.
func lockQuota(ctx context.Context, tx *store.Tx, partnerID, quotaID string) (*Quota, error) {
	suffix := ""
	if tx.Dialect() == store.Postgres {
		suffix = " FOR UPDATE OF q"
	}
	quota, err := scanQuota(tx.QueryRowContext(ctx, `SELECT `+quotaColumns+quotaFrom+` WHERE q.id = ? AND q.partner_id = ?`+suffix, quotaID, partnerID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrQuotaNotFound
	}
	return quota, err
}

type recordRow struct {
	partnerID                               string
	quotaType                               int
	quotaID, couponID, customerID, indirect string
	op                                      string
	amount                                  int64
	result, reason, operator                string
}

func record(ctx context.Context, tx *store.Tx, r recordRow) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO coupon_records (id, partner_id, quota_type, quota_id, coupon_id, customer_id,
		indirect_partner_id, operation, amount, result, reason, operator, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ids.New(), r.partnerID, r.quotaType, r.quotaID, nullable(r.couponID), nullable(r.customerID), nullable(r.indirect), r.op,
		r.amount, r.result, r.reason, r.operator, store.Micros(tx.Now))
	return err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// validity settles a coupon's validity: zero times take the quota's, and the
// result must lie within the quota's and end after now.
func (q *Quota) validity(eff, exp, now time.Time) (time.Time, time.Time, error) {
	if eff.IsZero() {
		eff = q.EffectiveAt
	}
	if exp.IsZero() {
		exp = q.ExpiresAt
	}
	if eff.Before(q.EffectiveAt) || exp.After(q.ExpiresAt) || !exp.After(eff) || !exp.After(now) {
		return eff, exp, apperr.Field("expire_time", "coupon.validity_outside_quota", "the validity must lie within the quota's and end in the future").WithAPICode("CBC.0100")
	}
	return eff, exp, nil
}
