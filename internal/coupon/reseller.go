package coupon

import (
	"context"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Limits of one call, as the API documents them.
const (
	MaxResellersPerQuotaIssue = 100
	MaxQuotasPerReclaim       = 10
)

// QuotaGrant gives one reseller part of a distributor's quota.
type QuotaGrant struct {
	ResellerID string
	Amount     int64
}

// QuotaIssueResult is the outcome for one reseller.
type QuotaIssueResult struct {
	ResellerID string
	QuotaID    string
	Err        error
}

// IssueQuotas passes part of a total distributor's quota to up to 100 of
// its indirect resellers; each gets a quota of its own with the parent's
// type, validity and limits. Each reseller succeeds or fails on its own.
func IssueQuotas(ctx context.Context, tx *store.Tx, distributorID, quotaID string, grants []QuotaGrant, operator string) ([]QuotaIssueResult, error) {
	if len(grants) == 0 || len(grants) > MaxResellersPerQuotaIssue {
		return nil, apperr.Field("indirect_partners", "coupon.resellers_count", "choose 1 to 100 resellers").WithAPICode("CBC.0100")
	}
	parent, err := lockQuota(ctx, tx, distributorID, quotaID)
	if err != nil {
		return nil, err
	}
	if err := parent.Usable(tx.Now); err != nil {
		return nil, err
	}
	out := make([]QuotaIssueResult, 0, len(grants))
	for _, g := range grants {
		res := QuotaIssueResult{ResellerID: g.ResellerID}
		_, actErr := partner.ActingFor(ctx, tx, distributorID, g.ResellerID)
		switch {
		case g.ResellerID == "" || g.ResellerID == distributorID || actErr != nil:
			res.Err = apperr.NotFoundf("partner.indirect_not_found", "indirect partner not found")
		case g.Amount <= 0:
			res.Err = apperr.Field("quota_amount", "coupon.amount_positive", "the amount must be greater than zero")
		case g.Amount > parent.Balance:
			res.Err = apperr.New(apperr.Insufficient, "coupon.quota_insufficient", "the quota's balance is not enough")
		default:
			child, err := insertQuota(ctx, tx, &Quota{ID: ids.Compact(), PartnerID: g.ResellerID, ParentQuotaID: parent.ID, Type: parent.Type,
				Granted: g.Amount, Status: QuotaNormal, EffectiveAt: parent.EffectiveAt, ExpiresAt: parent.ExpiresAt,
				MaxFaceValue: parent.MaxFaceValue, ServiceTypes: parent.ServiceTypes, ProductIDs: parent.ProductIDs, CreatedBy: operator},
				CodeQuotaIssue, parent.AccountID)
			if err != nil {
				return nil, err
			}
			parent.Balance -= g.Amount
			res.QuotaID = child.ID
		}
		if err := record(ctx, tx, recordRow{partnerID: distributorID, quotaType: parent.Type, quotaID: parent.ID, indirect: g.ResellerID,
			op: OpQuotaIssue, amount: g.Amount, result: resultOf(res.Err), operator: operator}); err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

// QuotaReclaimResult is the outcome for one reseller quota.
type QuotaReclaimResult struct {
	QuotaID string
	Balance int64 // what went back to the distributor's quota
	Err     error
}

// ReclaimQuotas takes back up to 10 quotas the distributor issued to its
// resellers: each one's remaining balance returns to the parent quota and it
// becomes reclaimed (status 6); coupons already issued from it stay valid.
func ReclaimQuotas(ctx context.Context, tx *store.Tx, distributorID string, quotaIDs []string, operator string) ([]QuotaReclaimResult, error) {
	if len(quotaIDs) == 0 || len(quotaIDs) > MaxQuotasPerReclaim {
		return nil, apperr.Field("quota_ids", "coupon.quotas_count", "choose 1 to 10 quotas").WithAPICode("CBC.0100")
	}
	out := make([]QuotaReclaimResult, 0, len(quotaIDs))
	for _, id := range quotaIDs {
		res := QuotaReclaimResult{QuotaID: id}
		res.Balance, res.Err = reclaimQuota(ctx, tx, distributorID, id, operator)
		if res.Err != nil {
			if _, ok := apperr.As(res.Err); !ok {
				return nil, res.Err
			}
		}
		out = append(out, res)
	}
	return out, nil
}

func reclaimQuota(ctx context.Context, tx *store.Tx, distributorID, childID, operator string) (int64, error) {
	var resellerID, parentID string
	err := tx.QueryRowContext(ctx, `SELECT c.partner_id, c.parent_quota_id FROM coupon_quotas c JOIN coupon_quotas p ON p.id = c.parent_quota_id
		WHERE c.id = ? AND p.partner_id = ?`, childID, distributorID).Scan(&resellerID, &parentID)
	if err != nil {
		if err := store.ScanErr(err); err == store.ErrNotFound {
			return 0, ErrQuotaNotFound
		}
		return 0, err
	}
	child, err := lockQuota(ctx, tx, resellerID, childID)
	if err != nil {
		return 0, err
	}
	if child.Status == QuotaReclaimed {
		return 0, apperr.New(apperr.Conflict, "coupon.quota_reclaimed", "the quota has been reclaimed")
	}
	parent, err := lockQuota(ctx, tx, distributorID, parentID)
	if err != nil {
		return 0, err
	}
	if child.Balance > 0 {
		if _, err := ledger.Apply(ctx, tx, ledger.Request{ClientID: "quota-reclaim:" + child.ID, Debit: child.AccountID, Credit: parent.AccountID,
			Amount: child.Balance, Code: CodeQuotaReclaim, Meta: map[string]string{"quota_id": child.ID}}); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE coupon_quotas SET status = ?, updated_at = ? WHERE id = ?`, QuotaReclaimed, store.Micros(tx.Now), child.ID); err != nil {
		return 0, err
	}
	return child.Balance, record(ctx, tx, recordRow{partnerID: distributorID, quotaType: parent.Type, quotaID: parent.ID, indirect: resellerID,
		op: OpQuotaReclaim, amount: child.Balance, result: "success", operator: operator})
}

// Record is one 操作记录 row.
type Record struct {
	ID                string
	QuotaType         int
	QuotaID           string
	CouponID          string
	CustomerID        string
	IndirectPartnerID string
	Operation         string
	Amount            int64
	Result            string
	Reason            string
	Operator          string
	At                time.Time
}

// RecordFilter selects operation records.
type RecordFilter struct {
	PartnerID     string
	QuotaType     *int
	Operations    []string
	CouponID      string
	From, To      time.Time
	Offset, Limit int
}
