package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"partnercenter/internal/bill"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/incentive"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// demoRates are the rebate rates of the demo policies by partner type, in
// basis points, for every service type of the catalogue; ECS lets partners
// grant their own discount.
var demoRates = map[partner.Type]int{partner.TotalDistributor: 600, partner.Reseller: 400, partner.SolutionProvider: 250}

// demoPayout is what happened to one partner's month, three months back
// (-3) to last month (-1): every payout status and every way of paying.
type demoPayout struct {
	partner string
	month   int    // months before this one
	method  string // "" : not applied
	upTo    string // the last payout status reached; "" : statement not confirmed
	failed  bool   // the voucher quota could not be issued
}

var demoPayouts = []demoPayout{
	{"distributor", -3, incentive.MethodRechargeAccount, incentive.PayoutCompleted, false},
	{"distributor", -2, incentive.MethodVoucherQuota, incentive.PayoutCompleted, false},
	{"distributor", -1, "", incentive.PayoutPendingApplication, false},
	{"reseller", -3, incentive.MethodBankTransfer, incentive.PayoutCompleted, false},
	{"reseller", -2, incentive.MethodVoucherQuota, incentive.PayoutError, true},
	{"reseller", -1, incentive.MethodRechargeAccount, incentive.PayoutProcessing, false},
	{"reseller-a", -3, "", incentive.PayoutPendingApplication, false}, // nothing payable: paid at confirmation
	{"reseller-a", -2, incentive.MethodBankTransfer, incentive.PayoutPendingInvoice, false},
	{"reseller-a", -1, "", "", false}, // refunds exceed charges: 待确认, the remainder carried
	{"reseller-b", -1, incentive.MethodCloudAccount, incentive.PayoutCompleted, false},
}

// loadIncentives sets the policies, computes the last three months and
// this one from the demo's consumption, and takes each partner's months
// through confirmation and payout as demoPayouts says.
func loadIncentives(ctx context.Context, db *store.DB, now time.Time) error {
	this := bill.MonthOf(now)
	if err := db.InTxAt(ctx, this.Add(-12).Start(), func(tx *store.Tx) error { return demoPolicies(ctx, tx, this.Add(-12)) }); err != nil {
		return err
	}
	for m := -3; m <= 0; m++ {
		if _, err := incentive.CalculateMonth(ctx, db, this.Add(m)); err != nil {
			return fmt.Errorf("demo incentives %s: %w", this.Add(m), err)
		}
	}
	pids, err := partnerIDs(ctx, db)
	if err != nil {
		return err
	}
	for _, d := range demoPayouts {
		if err := demoPayoutRun(ctx, db, pids[d.partner], this.Add(d.month), d); err != nil {
			return fmt.Errorf("demo payout %s %d: %w", d.partner, d.month, err)
		}
	}
	return nil
}

func demoPolicies(ctx context.Context, tx *store.Tx, from bill.Month) error {
	types, err := catalogue.ServiceTypes(ctx, tx)
	if err != nil {
		return err
	}
	for _, pt := range partner.Types {
		for _, st := range types {
			in := incentive.PolicyInput{Kind: incentive.KindRebate, ServiceTypeCode: st.Code, PartnerType: pt, RateBP: demoRates[pt],
				AllowDiscount: st.Code == "hws.service.type.ec2", ValidFrom: from}
			if _, err := incentive.CreatePolicy(ctx, tx, in, "admin"); err != nil {
				return err
			}
		}
		bonus := int64(0)
		if pt != partner.SolutionProvider {
			bonus = 100_00
		}
		if _, err := incentive.CreatePolicy(ctx, tx, incentive.PolicyInput{Kind: incentive.KindNewCustomer, PartnerType: pt, BonusFen: bonus,
			ValidFrom: from}, "admin"); err != nil {
			return err
		}
	}
	return nil
}

// errDemoQuotaService is the demo's simulated failure of the voucher quota
// grant, which leaves one payout in error for finance to retry.
var errDemoQuotaService = apperr.New(apperr.Internal, "coupon.unavailable", "the voucher quota service did not answer (simulated by the demo)")

// demoPayoutRun confirms the partner's month a few days after it ended and
// walks its payout up to d.upTo.
func demoPayoutRun(ctx context.Context, db *store.DB, partnerID string, m bill.Month, d demoPayout) error {
	if d.upTo == "" {
		return nil
	}
	at := m.End().Add(3 * 24 * time.Hour)
	list, _, err := incentive.ListStatements(ctx, db.Reader(), incentive.StatementFilter{PartnerID: partnerID, From: m, To: m})
	if err != nil || len(list) == 0 {
		return err // a month without consumption has nothing to confirm
	}
	var p *incentive.Payout
	steps := []struct {
		status string
		fn     func(tx *store.Tx) (*incentive.Payout, error)
	}{
		{incentive.PayoutPendingApplication, func(tx *store.Tx) (*incentive.Payout, error) {
			_, po, err := incentive.ConfirmStatement(ctx, tx, partnerID, list[0].ID, d.partner)
			return po, err
		}},
		{incentive.PayoutProcessing, func(tx *store.Tx) (*incentive.Payout, error) {
			return incentive.Apply(ctx, tx, partnerID, p.ID, d.method, d.partner)
		}},
		{incentive.PayoutPendingInvoice, func(tx *store.Tx) (*incentive.Payout, error) {
			return incentive.ApprovePayout(ctx, tx, p.ID, "finance")
		}},
	}
	for i, s := range steps {
		if err := db.InTxAt(ctx, at.Add(time.Duration(i)*48*time.Hour), func(tx *store.Tx) (err error) {
			p, err = s.fn(tx)
			return err
		}); err != nil {
			return err
		}
		if p == nil || s.status == d.upTo {
			return nil // nothing payable, or as far as this month goes
		}
	}
	if err := db.InTxAt(ctx, at.Add(7*24*time.Hour), func(tx *store.Tx) error {
		_, err := incentive.SubmitInvoice(ctx, tx, partnerID, p.ID, fmt.Sprintf("INV-%s-%s", m.Key(), p.ID[len(p.ID)-6:]), d.partner)
		return err
	}); err != nil {
		return err
	}
	grant := incentive.QuotaGranter(coupon.Grant)
	if d.failed {
		grant = func(context.Context, *store.Tx, coupon.NewQuota, string) (*coupon.Quota, error) {
			return nil, errDemoQuotaService
		}
	}
	_, err = incentive.PayPayoutWith(ctx, db, p.ID, incentive.Payment{Reference: "BOC-" + m.Key() + "-0001", By: "finance"}, grant)
	if d.failed && errors.Is(err, incentive.ErrVoucherFailed) {
		return nil // the payout waits in error, as intended
	}
	return err
}
