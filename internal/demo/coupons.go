package demo

import (
	"context"
	"fmt"
	"time"

	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/store"
)

// loadCoupons grants voucher and cash-coupon quotas to `distributor` and
// `reseller`, passes part of the distributor's voucher quota to
// `reseller-a`, and issues coupons that are by now partly used, reclaimed or
// expired, so the 代金券管理 and 现金券管理 pages have every state to show.
func loadCoupons(ctx context.Context, db *store.DB, now time.Time) error {
	ids, err := partnerIDs(ctx, db)
	if err != nil {
		return err
	}
	start := now.AddDate(0, -3, 0)
	quotas := map[string]*coupon.Quota{}
	err = db.InTxAt(ctx, start, func(tx *store.Tx) error {
		for _, g := range []struct {
			key, partner string
			typ          int
			value, max   int64
		}{
			{"dist-voucher", "distributor", coupon.VoucherQuota, 200_000_00, 5_000_00},
			{"dist-cash", "distributor", coupon.CashQuota, 50_000_00, 2_000_00},
			{"reseller-voucher", "reseller", coupon.VoucherQuota, 30_000_00, 1_000_00},
		} {
			q, err := coupon.Grant(ctx, tx, coupon.NewQuota{PartnerID: ids[g.partner], Type: g.typ, Value: g.value,
				EffectiveAt: start, ExpiresAt: now.AddDate(1, 0, 0), MaxFaceValue: g.max}, "finance")
			if err != nil {
				return err
			}
			quotas[g.key] = q
		}
		_, err := coupon.IssueQuotas(ctx, tx, ids["distributor"], quotas["dist-voucher"].ID,
			[]coupon.QuotaGrant{{ResellerID: ids["reseller-a"], Amount: 20_000_00}}, "distributor")
		return err
	})
	if err != nil {
		return fmt.Errorf("demo quotas: %w", err)
	}
	cs, _, err := customer.List(ctx, db.Reader(), customer.PartnerScope(ids["distributor"]),
		customer.Filter{AssociationType: customer.Resale, Limit: 100})
	if err != nil {
		return err
	}
	var custIDs []string
	for _, c := range cs {
		if c.Frozen == customer.NotFrozen {
			custIDs = append(custIDs, c.ID)
		}
	}
	issue := func(at time.Time, quota *coupon.Quota, who []string, face int64, expires time.Time, memo string) ([]string, error) {
		var out []string
		err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
			res, err := coupon.Issue(ctx, tx, coupon.IssueRequest{PartnerID: ids["distributor"], QuotaID: quota.ID, CustomerIDs: who,
				FaceValue: face, EffectiveAt: at, ExpiresAt: expires, Memo: memo, Operator: "distributor"})
			for _, r := range res {
				if r.Err != nil {
					return r.Err
				}
				out = append(out, r.CouponID)
			}
			return err
		})
		return out, err
	}
	vouchers, err := issue(start.AddDate(0, 0, 5), quotas["dist-voucher"], custIDs, 1_000_00, now.AddDate(0, 6, 0), "新客首购礼")
	if err != nil {
		return fmt.Errorf("demo vouchers: %w", err)
	}
	cash, err := issue(start.AddDate(0, 1, 0), quotas["dist-cash"], custIDs[:4], 500_00, now.AddDate(0, 3, 0), "季度返现")
	if err != nil {
		return fmt.Errorf("demo cash coupons: %w", err)
	}
	// Short-lived vouchers that have expired by now.
	if _, err := issue(start.AddDate(0, 0, 10), quotas["dist-voucher"], custIDs[:3], 200_00, start.AddDate(0, 1, 10), "限时活动"); err != nil {
		return fmt.Errorf("demo expiring vouchers: %w", err)
	}
	// Some use, some reclaim.
	for i, id := range vouchers[:5] {
		err := db.InTxAt(ctx, start.AddDate(0, 1, 5+i), func(tx *store.Tx) error {
			c, err := coupon.Get(ctx, tx, ids["distributor"], id)
			if err != nil {
				return err
			}
			_, err = coupon.Redeem(ctx, tx, coupon.Redemption{CouponID: id, CustomerID: c.CustomerID, Amount: int64(200_00 + i*150_00),
				Reference: fmt.Sprintf("CS2026%06d", 1000+i)})
			return err
		})
		if err != nil {
			return fmt.Errorf("demo redemption: %w", err)
		}
	}
	if err := db.InTxAt(ctx, start.AddDate(0, 2, 0), func(tx *store.Tx) error {
		_, err := coupon.Reclaim(ctx, tx, ids["distributor"], []string{vouchers[len(vouchers)-1], cash[0]}, "客户流失", "distributor")
		return err
	}); err != nil {
		return fmt.Errorf("demo reclaim: %w", err)
	}
	return db.InTxAt(ctx, now, func(tx *store.Tx) error {
		_, err := coupon.Sweep(ctx, tx, 1000)
		return err
	})
}

func partnerIDs(ctx context.Context, db *store.DB) (map[string]string, error) {
	ids := map[string]string{}
	rows, err := db.Reader().QueryContext(ctx, `SELECT name, id FROM partners`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, id string
		if err := rows.Scan(&name, &id); err != nil {
			return nil, err
		}
		ids[name] = id
	}
	return ids, rows.Err()
}
