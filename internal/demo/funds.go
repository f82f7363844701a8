package demo

import (
	"context"
	"fmt"
	"time"

	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/store"
)

// loadFunds gives the demo partners a year of money history: monthly
// recharges, a credit line for the distributor, allocations to resale
// customers and to resellers, and some reclaims, each on its own day so that
// 收支明细 and 调账记录 have something to show over the whole year.
func loadFunds(ctx context.Context, db *store.DB, now time.Time) error {
	ids, err := partnerIDs(ctx, db)
	if err != nil {
		return err
	}
	resale := map[string][]string{}
	for _, name := range []string{"distributor", "reseller-a", "reseller"} {
		cs, _, err := customer.List(ctx, db.Reader(), customer.PartnerScope(ids[name]), customer.Filter{AssociationType: customer.Resale, Limit: 100})
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.Frozen == customer.NotFrozen {
				resale[name] = append(resale[name], c.ID)
			}
		}
	}
	start := now.AddDate(-1, 0, 0)
	if err := db.InTxAt(ctx, start, func(tx *store.Tx) error {
		_, err := funds.SetCreditLine(ctx, tx, ids["distributor"], 50_000_00, "年度授信", "finance")
		return err
	}); err != nil {
		return err
	}
	for m := 0; m < 12; m++ {
		month := start.AddDate(0, m, 2)
		step := func(day int, fn func(tx *store.Tx) error) error {
			return db.InTxAt(ctx, month.AddDate(0, 0, day).Add(time.Duration(9+day%8)*time.Hour), fn)
		}
		err := step(0, func(tx *store.Tx) error {
			if _, err := funds.Recharge(ctx, tx, ids["distributor"], int64(80_000_00+m*5_000_00), "bank_transfer", fmt.Sprintf("BANK-%02d", m+1), ""); err != nil {
				return err
			}
			_, err := funds.Recharge(ctx, tx, ids["reseller"], int64(20_000_00+m*1_000_00), "online_payment", fmt.Sprintf("PAY-%02d", m+1), "")
			return err
		})
		if err != nil {
			return fmt.Errorf("demo recharge: %w", err)
		}
		if err := step(2, func(tx *store.Tx) error {
			_, err := funds.AllocateToReseller(ctx, tx, ids["distributor"], ids["reseller-a"], 15_000_00, "distributor", "")
			return err
		}); err != nil {
			return fmt.Errorf("demo reseller allocation: %w", err)
		}
		for owner, cs := range resale {
			for i, c := range cs {
				amount := int64(500_00 + (m*7+i*13)%20*150_00)
				if err := step(3+i%20, func(tx *store.Tx) error {
					_, err := funds.Allocate(ctx, tx, ids[owner], c, amount, fmt.Sprintf("%d月预算", m+1), owner, "")
					return err
				}); err != nil {
					return fmt.Errorf("demo allocation: %w", err)
				}
				if (m+i)%5 == 0 {
					if err := step(24, func(tx *store.Tx) error {
						_, err := funds.Reclaim(ctx, tx, ids[owner], c, amount/4, "回收未用额度", owner, "")
						return err
					}); err != nil {
						return fmt.Errorf("demo reclaim: %w", err)
					}
				}
			}
		}
	}
	return nil
}
