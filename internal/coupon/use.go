package coupon

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

// lockCoupon reads a coupon for an operation that changes it. partnerID may
// be empty for the provider's own paths (redemption, lifecycle jobs).
func lockCoupon(ctx context.Context, tx *store.Tx, partnerID, id string) (*Coupon, error) {
	where, args := "c.id = ?", []any{id}
	if partnerID != "" {
		where += " AND c.partner_id = ?"
		args = append(args, partnerID)
	}
	suffix := ""
	if tx.Dialect() == store.Postgres {
		suffix = " FOR UPDATE OF c"
	}
	c, err := scanCoupon(tx.QueryRowContext(ctx, `SELECT `+couponColumns+couponFrom+` WHERE `+where+suffix, args...))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrCouponNotFound
	}
	return c, err
}

// Redemption is one use of a coupon by a charge.
type Redemption struct {
	CouponID    string
	CustomerID  string
	Amount      int64
	Reference   string // the order or bill that consumes the coupon
	ServiceType string // of what is being paid, checked against the coupon's scope
	ProductID   string
}

// Redeem takes amount off a coupon for a charge of its customer: the coupon
// must be usable now and cover the service and product, and it never pays
// more than its balance, also when many charges use it at once (the ledger
// refuses the overdraft). Orders pay with at most MaxCouponsPerPayment.
func Redeem(ctx context.Context, tx *store.Tx, r Redemption) (*Coupon, error) {
	if r.Amount <= 0 {
		return nil, apperr.Field("amount", "coupon.amount_positive", "the amount must be greater than zero")
	}
	if strings.TrimSpace(r.Reference) == "" {
		return nil, apperr.Field("reference", "coupon.reference_required", "a charge reference is required")
	}
	c, err := lockCoupon(ctx, tx, "", r.CouponID)
	if err != nil {
		return nil, err
	}
	if c.CustomerID != r.CustomerID {
		return nil, ErrCouponNotFound
	}
	if err := c.usableAt(tx.Now); err != nil {
		return nil, err
	}
	if (len(c.ServiceTypes) > 0 && !slices.Contains(c.ServiceTypes, r.ServiceType)) ||
		(len(c.ProductIDs) > 0 && !slices.Contains(c.ProductIDs, r.ProductID)) {
		return nil, apperr.New(apperr.Conflict, "coupon.out_of_scope", "the coupon does not cover this service or product")
	}
	// Spread over shards like the cloud's revenue (ledger.Shard), so that
	// payments with different coupons do not queue on one account.
	revenue, err := ledger.Open(ctx, tx, ledger.AccountSpec{Kind: "coupon_revenue", OwnerType: ownerProvider,
		OwnerID: ledger.Shard("provider", c.ID, 64), Unbounded: true})
	if err != nil {
		return nil, err
	}
	if _, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: "coupon-use:" + c.ID + ":" + r.Reference, Debit: c.AccountID,
		Credit: revenue.ID, Amount: r.Amount, Code: CodeCouponUse, Meta: map[string]string{"coupon_id": c.ID, "reference": r.Reference}}); err != nil {
		var insufficient *ledger.InsufficientError
		if errors.As(err, &insufficient) {
			return nil, apperr.New(apperr.Insufficient, "coupon.balance_insufficient", "the coupon's balance is not enough")
		}
		return nil, err
	}
	c.Balance -= r.Amount
	status := c.Status
	if c.Balance == 0 {
		status = UsedUp
	}
	if _, err := tx.ExecContext(ctx, `UPDATE coupons SET status = ?, last_used_at = ? WHERE id = ?`, status, store.Micros(tx.Now), c.ID); err != nil {
		return nil, err
	}
	if err := countChange(ctx, tx, c, c.Status, status); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO coupon_usages (id, coupon_id, reference, amount, at) VALUES (?, ?, ?, ?, ?)`,
		ids.New(), c.ID, r.Reference, r.Amount, store.Micros(tx.Now)); err != nil {
		return nil, err
	}
	c.Status, c.LastUsedAt = status, tx.Now
	return c, nil
}

// MaxCouponsPerPayment is how many coupons one order payment may use.
const MaxCouponsPerPayment = 3

func (c *Coupon) usableAt(now time.Time) error {
	switch {
	case c.Status == Reclaimed:
		return apperr.New(apperr.Conflict, "coupon.reclaimed", "the coupon has been reclaimed")
	case c.Status == UsedUp:
		return apperr.New(apperr.Conflict, "coupon.used_up", "the coupon has been used up")
	case c.Status == Expired || !now.Before(c.ExpiresAt):
		return apperr.New(apperr.Conflict, "coupon.expired", "the coupon has expired")
	case c.Status == NotActive || now.Before(c.EffectiveAt):
		return apperr.New(apperr.Conflict, "coupon.not_active", "the coupon is not effective yet")
	}
	return nil
}

// Usage is one record of what consumed a coupon.
type Usage struct {
	Reference string
	Amount    int64
	At        time.Time
}

// Usages lists a coupon's usage records, newest first.
func Usages(ctx context.Context, q store.Queryer, couponID string) ([]Usage, error) {
	rows, err := q.QueryContext(ctx, `SELECT reference, amount, at FROM coupon_usages WHERE coupon_id = ? ORDER BY at DESC, id DESC`, couponID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Usage
	for rows.Next() {
		var u Usage
		var at int64
		if err := rows.Scan(&u.Reference, &u.Amount, &at); err != nil {
			return nil, err
		}
		u.At = store.Time(at)
		out = append(out, u)
	}
	return out, rows.Err()
}

// ReclaimResult is the outcome for one coupon.
type ReclaimResult struct {
	CouponID string
	Amount   int64 // what went back to the quota (or lapsed when the quota is no longer valid)
	Err      error
}

// Reclaim takes back usable coupons: each coupon's whole remaining balance
// returns to its quota if the quota is still valid (otherwise it lapses),
// the coupon stays listed as reclaimed with the amount. Each coupon succeeds
// or fails on its own.
func Reclaim(ctx context.Context, tx *store.Tx, partnerID string, couponIDs []string, reason, operator string) ([]ReclaimResult, error) {
	if len(couponIDs) == 0 || len(couponIDs) > MaxCustomersPerIssue {
		return nil, apperr.Field("coupon_ids", "coupon.coupons_count", "choose 1 to 100 coupons").WithAPICode("CBC.0100")
	}
	out := make([]ReclaimResult, 0, len(couponIDs))
	for _, id := range couponIDs {
		amount, err := reclaimOne(ctx, tx, partnerID, id, OpReclaim, reason, operator)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				return nil, err
			}
		}
		out = append(out, ReclaimResult{CouponID: id, Amount: amount, Err: err})
	}
	return out, nil
}

func reclaimOne(ctx context.Context, tx *store.Tx, partnerID, id, op, reason, operator string) (int64, error) {
	c, err := lockCoupon(ctx, tx, partnerID, id)
	if err != nil {
		return 0, err
	}
	if c.Status != Usable && c.Status != NotActive {
		return 0, apperr.New(apperr.Conflict, "coupon.not_reclaimable", "only coupons not yet used up, expired or reclaimed can be reclaimed")
	}
	if !tx.Now.Before(c.ExpiresAt) {
		return 0, apperr.New(apperr.Conflict, "coupon.expired", "the coupon has expired")
	}
	quota, err := lockQuota(ctx, tx, c.PartnerID, c.QuotaID)
	if err != nil {
		return 0, err
	}
	amount := c.Balance
	if amount > 0 {
		to, code := quota.AccountID, CodeCouponReclaim
		if quota.Status != QuotaNormal || !tx.Now.Before(quota.ExpiresAt) {
			// The quota can no longer issue: the balance lapses to the provider.
			lapse, err := providerAccount(ctx, tx, "coupon_lapsed")
			if err != nil {
				return 0, err
			}
			to, code = lapse.ID, CodeCouponExpire
		}
		if _, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: "coupon-reclaim:" + c.ID, Debit: c.AccountID, Credit: to,
			Amount: amount, Code: code, Meta: map[string]string{"coupon_id": c.ID, "quota_id": quota.ID}}); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE coupons SET status = ?, reclaimed_amount = ?, reclaimed_at = ? WHERE id = ?`,
		Reclaimed, amount, store.Micros(tx.Now), c.ID); err != nil {
		return 0, err
	}
	if err := countChange(ctx, tx, c, c.Status, Reclaimed); err != nil {
		return 0, err
	}
	if err := record(ctx, tx, recordRow{partnerID: c.PartnerID, quotaType: quota.Type, quotaID: quota.ID, couponID: c.ID,
		customerID: c.CustomerID, op: op, amount: amount, result: "success", reason: reason, operator: operator}); err != nil {
		return 0, err
	}
	return amount, webhook.Emit(ctx, tx, c.PartnerID, webhook.CouponReclaimed, map[string]any{"coupon_id": c.ID, "customer_id": c.CustomerID,
		"coupon_type": c.Type, "amount": webhook.Money(amount), "unbinding": op == OpUnbindReclaim, "reclaimed_at": webhook.Time(tx.Now)})
}

// ReclaimForUnbinding takes back every coupon the partner issued to a
// customer that is being unbound (funds' unbind hook).
func ReclaimForUnbinding(ctx context.Context, tx *store.Tx, partnerID, customerID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM coupons WHERE partner_id = ? AND customer_id = ? AND status IN (?, ?)`,
		partnerID, customerID, NotActive, Usable)
	if err != nil {
		return err
	}
	var list []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		list = append(list, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range list {
		if _, err := reclaimOne(ctx, tx, partnerID, id, OpUnbindReclaim, "unbind", "system"); err != nil {
			if _, ok := apperr.As(err); !ok {
				return err
			}
		}
	}
	return nil
}

// UsableAt reports why the coupon cannot pay anything at a moment, or nil.
func (c *Coupon) UsableAt(now time.Time) error { return c.usableAt(now) }
