package coupon

import (
	"context"
	"fmt"

	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/store"
	"partnercenter/internal/webhook"
)

func init() {
	// Unbinding a customer reclaims the coupons its partner issued to it, in
	// the unbinding's transaction.
	funds.RegisterUnbindHook(ReclaimForUnbinding)
	ledger.RegisterCheck("coupon quotas", checkQuotas)
	ledger.RegisterCheck("coupon counts", checkCounts)
}

// Sweep runs the coupon lifecycle up to now, at most limit of each kind:
// coupons whose effective time has come become usable, coupons past their
// expiry expire (their balance lapses, record type expiry), and quotas past
// their expiry become invalid. It returns how many it changed.
func Sweep(ctx context.Context, tx *store.Tx, limit int) (int, error) {
	now := store.Micros(tx.Now)
	activated, err := activate(ctx, tx, now, limit)
	if err != nil {
		return 0, err
	}

	rows, err := tx.QueryContext(ctx, `SELECT id FROM coupons WHERE status IN (?, ?) AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
		NotActive, Usable, now, limit)
	if err != nil {
		return 0, err
	}
	var due []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	lapsed, err := providerAccount(ctx, tx, "coupon_lapsed")
	if err != nil {
		return 0, err
	}
	var expired []webhook.PartnerEvent
	for _, id := range due {
		c, err := lockCoupon(ctx, tx, "", id)
		if err != nil {
			return 0, err
		}
		if c.Balance > 0 {
			if _, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: "coupon-expire:" + c.ID, Debit: c.AccountID, Credit: lapsed.ID,
				Amount: c.Balance, Code: CodeCouponExpire, Meta: map[string]string{"coupon_id": c.ID}}); err != nil {
				return 0, err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE coupons SET status = ? WHERE id = ?`, Expired, c.ID); err != nil {
			return 0, err
		}
		if err := countChange(ctx, tx, c, c.Status, Expired); err != nil {
			return 0, err
		}
		if err := record(ctx, tx, recordRow{partnerID: c.PartnerID, quotaType: QuotaTypeOf(c.Type), quotaID: c.QuotaID, couponID: c.ID,
			customerID: c.CustomerID, op: OpExpire, amount: c.Balance, result: "success", operator: "system"}); err != nil {
			return 0, err
		}
		expired = append(expired, webhook.PartnerEvent{PartnerID: c.PartnerID, Event: webhook.Event{Type: webhook.CouponExpired, Data: map[string]any{
			"coupon_id": c.ID, "customer_id": c.CustomerID, "coupon_type": c.Type, "lapsed_amount": webhook.Money(c.Balance),
			"expires_at": webhook.Time(c.ExpiresAt)}}})
	}
	if err := webhook.EmitBatch(ctx, tx, expired); err != nil {
		return 0, err
	}

	res, err := tx.ExecContext(ctx, `UPDATE coupon_quotas SET status = ?, updated_at = ? WHERE id IN (
		SELECT id FROM coupon_quotas WHERE status IN (?, ?, ?) AND expires_at <= ? LIMIT ?)`,
		QuotaInvalid, now, QuotaNormal, QuotaAdjusting, QuotaFrozen, now, limit)
	if err != nil {
		return 0, err
	}
	invalidated, _ := res.RowsAffected()
	return int(activated) + len(due) + int(invalidated), nil
}

// checkQuotas verifies, for every quota, issued − reclaimed + balance =
// granted, reading the movements from the ledger: what came in by grant or
// from a parent quota, what went out to coupons and reseller quotas, what
// came back by reclaim.
func checkQuotas(ctx context.Context, q store.Queryer) ([]ledger.Violation, error) {
	rows, err := q.QueryContext(ctx, `SELECT cq.id, cq.granted, a.credits_posted - a.debits_posted,
		COALESCE(SUM(CASE WHEN e.code IN ('QUOTA_GRANT', 'QUOTA_ISSUE') AND e.amount > 0 THEN e.amount ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN e.code IN ('COUPON_ISSUE', 'QUOTA_ISSUE') AND e.amount < 0 THEN -e.amount ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN e.code IN ('COUPON_RECLAIM', 'QUOTA_RECLAIM') AND e.amount > 0 THEN e.amount ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN e.code = 'QUOTA_RECLAIM' AND e.amount < 0 THEN -e.amount ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN e.code NOT IN ('QUOTA_GRANT', 'QUOTA_ISSUE', 'COUPON_ISSUE', 'COUPON_RECLAIM', 'QUOTA_RECLAIM') THEN 1 ELSE 0 END), 0)
		FROM coupon_quotas cq
		JOIN ledger_accounts a ON a.owner_type = 'quota' AND a.owner_id = cq.id AND a.kind = 'quota_balance'
		LEFT JOIN ledger_entries e ON e.account_id = a.id
		GROUP BY cq.id, cq.granted, a.credits_posted, a.debits_posted`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Violation
	for rows.Next() {
		var id string
		var granted, balance, in, issued, reclaimed, givenBack, foreign int64
		if err := rows.Scan(&id, &granted, &balance, &in, &issued, &reclaimed, &givenBack, &foreign); err != nil {
			return nil, err
		}
		// A reseller's quota reclaimed by its distributor gives its balance
		// back: that outflow counts as issued to the parent.
		issued += givenBack
		if in != granted || issued-reclaimed+balance != granted || foreign > 0 {
			out = append(out, ledger.Violation{Invariant: "quota: issued - reclaimed + balance = granted",
				Detail: fmt.Sprintf("quota %s: granted %d, received %d, issued %d, reclaimed %d, balance %d, %d foreign movements",
					id, granted, in, issued, reclaimed, balance, foreign)})
		}
	}
	return out, rows.Err()
}

// activate makes coupons whose effective time has come usable, keeping the
// counts by quota and type.
func activate(ctx context.Context, tx *store.Tx, now int64, limit int) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT partner_id, quota_id, coupon_type, COUNT(*) FROM (
		SELECT partner_id, quota_id, coupon_type FROM coupons WHERE status = ? AND effective_at <= ? AND expires_at > ? LIMIT ?) due
		GROUP BY partner_id, quota_id, coupon_type`, NotActive, now, now, limit)
	if err != nil {
		return 0, err
	}
	type group struct {
		partnerID, quotaID string
		typ                int
		n                  int64
	}
	var groups []group
	for rows.Next() {
		var g group
		if err := rows.Scan(&g.partnerID, &g.quotaID, &g.typ, &g.n); err != nil {
			rows.Close()
			return 0, err
		}
		groups = append(groups, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var total int64
	for _, g := range groups {
		res, err := tx.ExecContext(ctx, `UPDATE coupons SET status = ?, active_at = ? WHERE partner_id = ? AND quota_id = ? AND coupon_type = ?
			AND status = ? AND effective_at <= ? AND expires_at > ?`, Usable, now, g.partnerID, g.quotaID, g.typ, NotActive, now, now)
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		if err := countMove(ctx, tx, g.partnerID, g.quotaID, g.typ, NotActive, Usable, n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}
