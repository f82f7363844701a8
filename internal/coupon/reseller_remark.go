package coupon

import (
	"context"
	"unicode/utf8"

	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// ReclaimQuotasWithRemark is ReclaimQuotas with the remark the distributor
// gives (ReclaimCouponQuotas), kept as the reason of the reclaim records the
// call writes.
func ReclaimQuotasWithRemark(ctx context.Context, tx *store.Tx, distributorID string, quotaIDs []string, remark, operator string) ([]QuotaReclaimResult, error) {
	if utf8.RuneCountInString(remark) > 200 {
		return nil, apperr.Field("remark", "coupon.memo_long", "the memo must be at most 200 characters").WithAPICode("CBC.0100")
	}
	out, err := ReclaimQuotas(ctx, tx, distributorID, quotaIDs, operator)
	if err != nil || remark == "" {
		return out, err
	}
	// The call's records are the distributor's reclaim records of this
	// transaction's time.
	_, err = tx.ExecContext(ctx, `UPDATE coupon_records SET reason = ? WHERE partner_id = ? AND operation = ? AND at = ?`,
		remark, distributorID, OpQuotaReclaim, store.Micros(tx.Now))
	return out, err
}
