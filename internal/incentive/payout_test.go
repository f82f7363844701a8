package incentive_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"partnercenter/internal/coupon"
	"partnercenter/internal/funds"
	"partnercenter/internal/incentive"
	"partnercenter/internal/invoice"
	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// confirmed gives the partner a confirmed November worth payable fen (at
// the reseller's 1.75 %, consumption payable × 10000 / 175) and returns
// its payout.
func (w *world) confirmedPayout(t *testing.T, p *partner.Partner, consumption int64) *incentive.Payout {
	t.Helper()
	w.addFees(t, fee{p: p, c: w.customersOf(p)[0], product: w.vmFlagged, month: nov, amount: consumption})
	w.calculate(t, nov)
	st := w.statement(t, p, nov)
	out, err := inTx(t, w.db, func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
		_, po, err := incentive.ConfirmStatement(ctx, tx, p.ID, st.ID, "boss")
		return po, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (w *world) customersOf(p *partner.Partner) []*customerT {
	if p == w.dist {
		return w.distCust
	}
	return w.reslCust
}

func statementQuery(t *testing.T, partnerID string, now time.Time) funds.StatementQuery {
	t.Helper()
	q := funds.StatementQuery{PartnerID: partnerID, BalanceType: funds.BalanceTypeDebit, Limit: 10}
	if err := q.Normalize(now); err != nil {
		t.Fatal(err)
	}
	return q
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

// TestPayoutThroughEveryMethod applies, approves, invoices and pays a
// payout by each method and checks where the money went, the row's
// outcome, the statement paid, and the ledger clean.
func TestPayoutThroughEveryMethod(t *testing.T) {
	for _, method := range incentive.Methods {
		t.Run(method, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				w := newWorld(t, db)
				ctx := context.Background()
				p := w.confirmedPayout(t, w.resl, 100_000_00) // 1.75 % → 1,750.00
				if p.Status != incentive.PayoutPendingApplication || p.Amount != 1750_00 {
					t.Fatalf("payout %+v", p)
				}
				if st := w.statement(t, w.resl, nov); st.Status != incentive.StatusPaying {
					t.Fatalf("statement %s after confirmation", st.Status)
				}
				step := func(fn func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error), status string) {
					t.Helper()
					got, err := inTx(t, db, fn)
					if err != nil || got.Status != status {
						t.Fatalf("%+v %v, want %s", got, err, status)
					}
				}
				step(func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
					return incentive.Apply(ctx, tx, w.resl.ID, p.ID, method, "boss")
				}, incentive.PayoutProcessing)
				step(func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
					return incentive.ApprovePayout(ctx, tx, p.ID, "finance")
				}, incentive.PayoutPendingInvoice)
				step(func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
					return incentive.SubmitInvoice(ctx, tx, w.resl.ID, p.ID, "INV-0001", "boss")
				}, incentive.PayoutPendingInvoice)
				paid, err := incentive.PayPayout(ctx, db, p.ID, incentive.Payment{Reference: "BANK-77", By: "finance"})
				if err != nil || paid.Status != incentive.PayoutCompleted {
					t.Fatalf("pay: %+v %v", paid, err)
				}
				desc, action := paid.Outcome()
				if desc != "incentive.outcome."+method || action != "incentive.action.none" {
					t.Errorf("outcome %s %s", desc, action)
				}
				// Paying again moves nothing.
				before := snapshot(t, db)
				if again, err := incentive.PayPayout(ctx, db, p.ID, incentive.Payment{Reference: "BANK-78", By: "finance"}); err != nil || again.BankReference != paid.BankReference {
					t.Fatalf("second payment: %+v %v", again, err)
				}
				if snapshot(t, db) != before {
					t.Fatal("paying a completed payout changed something")
				}
				bal, err := funds.PartnerBalances(ctx, db.Reader(), w.resl.ID)
				if err != nil {
					t.Fatal(err)
				}
				quotas, _, err := coupon.ListQuotas(ctx, db.Reader(), coupon.QuotaFilter{PartnerID: w.resl.ID})
				if err != nil {
					t.Fatal(err)
				}
				cloud, cloudErr := ledger.Find(ctx, db.Reader(), "partner", w.resl.ID, "cloud_account")
				switch method {
				case incentive.MethodRechargeAccount:
					if bal.Recharge != 1750_00 || len(quotas) != 0 || paid.TransferID == "" {
						t.Errorf("recharge %d, quotas %d, transfer %q", bal.Recharge, len(quotas), paid.TransferID)
					}
					// In 收支明细 as an incentive, and not invoiceable: the partner did not pay it.
					lines, _, err := funds.Statement(ctx, db.Reader(), statementQuery(t, w.resl.ID, w.now))
					if err != nil || len(lines) != 1 || lines[0].TradeType != incentive.CodeIncentive || lines[0].Amount != 1750_00 {
						t.Errorf("statement %+v %v", lines, err)
					}
					if inv, err := invoice.InvoiceableOf(ctx, db.Reader(), w.resl.ID); err != nil || inv.Paid != 0 {
						t.Errorf("invoiceable %+v %v", inv, err)
					}
				case incentive.MethodCloudAccount:
					if cloudErr != nil || cloud.Balance() != 1750_00 || bal.Recharge != 0 {
						t.Errorf("cloud account %+v %v, recharge %d", cloud, cloudErr, bal.Recharge)
					}
				case incentive.MethodVoucherQuota:
					if len(quotas) != 1 || quotas[0].Granted != 1750_00 || quotas[0].ID != paid.QuotaID || bal.Recharge != 0 {
						t.Errorf("quotas %+v, recharge %d", quotas, bal.Recharge)
					}
				case incentive.MethodBankTransfer:
					if paid.BankReference != "BANK-77" || bal.Recharge != 0 || len(quotas) != 0 || !errors.Is(cloudErr, ledger.ErrAccountNotFound) {
						t.Errorf("bank: %+v, recharge %d, quotas %d", paid, bal.Recharge, len(quotas))
					}
				}
				if st := w.statement(t, w.resl, nov); st.Status != incentive.StatusPaid || st.PaidAt.IsZero() {
					t.Errorf("statement %s after payment", st.Status)
				}
				ledgerClean(t, db)
			})
		})
	}
}

// TestRefusedPayoutRequestsChangeNothing: applying twice, changing the
// method, another partner's payout, a missing invoice or bank reference,
// steps out of order: each is refused with its error and leaves every row
// and balance as it was.
func TestRefusedPayoutRequestsChangeNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		p := w.confirmedPayout(t, w.resl, 10_000_00)
		refused := func(want error, fn func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error)) {
			t.Helper()
			before := snapshot(t, db)
			_, err := inTx(t, db, fn)
			wantErr(t, err, want)
			if after := snapshot(t, db); after != before {
				t.Fatalf("a refused request (%v) changed:\n%s\n---\n%s", err, before, after)
			}
		}
		apply := func(partnerID, method string) func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
			return func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
				return incentive.Apply(ctx, tx, partnerID, p.ID, method, "boss")
			}
		}
		refused(incentive.ErrMethodRequired, apply(w.resl.ID, ""))
		refused(incentive.ErrPayoutNotFound, apply(w.dist.ID, incentive.MethodBankTransfer))
		refused(incentive.ErrPayoutState, func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
			return incentive.ApprovePayout(ctx, tx, p.ID, "finance")
		})
		if _, err := inTx(t, db, apply(w.resl.ID, incentive.MethodRechargeAccount)); err != nil {
			t.Fatal(err)
		}
		refused(incentive.ErrAlreadyApplied, apply(w.resl.ID, incentive.MethodRechargeAccount))
		refused(incentive.ErrMethodFixed, apply(w.resl.ID, incentive.MethodVoucherQuota))
		refused(incentive.ErrMethodFixed, func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
			// Auto-apply with another method does not touch an applied payout either.
			_, err := incentive.SaveSettings(ctx, tx, w.resl.ID, incentive.Settings{AutoApply: true, Method: incentive.MethodVoucherQuota}, "boss")
			if err != nil {
				return nil, err
			}
			return incentive.Apply(ctx, tx, w.resl.ID, p.ID, incentive.MethodVoucherQuota, "boss")
		})
		refused(incentive.ErrPayoutState, func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
			return incentive.SubmitInvoice(ctx, tx, w.resl.ID, p.ID, "INV-1", "boss")
		})
		if _, err := inTx(t, db, func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
			return incentive.ApprovePayout(ctx, tx, p.ID, "finance")
		}); err != nil {
			t.Fatal(err)
		}
		refused(incentive.ErrPayoutNotFound, func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
			return incentive.SubmitInvoice(ctx, tx, w.dist.ID, p.ID, "INV-1", "boss")
		})
		refused(incentive.ErrInvoiceRequired, func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
			return incentive.SubmitInvoice(ctx, tx, w.resl.ID, p.ID, "  ", "boss")
		})
		before := snapshot(t, db)
		if _, err := incentive.PayPayout(ctx, db, p.ID, incentive.Payment{By: "finance"}); !errors.Is(err, incentive.ErrInvoiceRequired) {
			t.Fatalf("payment without an invoice: %v", err)
		}
		if snapshot(t, db) != before {
			t.Fatal("a refused payment changed something")
		}
		// Another partner sees neither the statement nor the payout.
		if _, err := incentive.GetPayout(ctx, db.Reader(), w.dist.ID, p.ID); !errors.Is(err, incentive.ErrPayoutNotFound) {
			t.Errorf("another partner's payout: %v", err)
		}
		if _, err := incentive.GetStatement(ctx, db.Reader(), w.dist.ID, p.StatementID); !errors.Is(err, incentive.ErrNotFound) {
			t.Errorf("another partner's statement: %v", err)
		}
		if list, _, _ := incentive.ListPayouts(ctx, db.Reader(), incentive.PayoutFilter{PartnerID: w.dist.ID}); len(list) != 0 {
			t.Errorf("another partner lists %d payouts", len(list))
		}
		// Confirming twice, or December while it runs, is refused.
		refusedConfirm := func(partnerID, id string, want error) {
			t.Helper()
			refused(want, func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
				_, po, err := incentive.ConfirmStatement(ctx, tx, partnerID, id, "boss")
				return po, err
			})
		}
		refusedConfirm(w.resl.ID, p.StatementID, incentive.ErrNotConfirmable)
		refusedConfirm(w.dist.ID, p.StatementID, incentive.ErrNotFound)
		w.addFees(t, fee{p: w.resl, c: w.reslCust[1], product: w.vmFlagged, month: dec, amount: 500_00})
		w.calculate(t, dec)
		refusedConfirm(w.resl.ID, w.statement(t, w.resl, dec).ID, incentive.ErrNotConfirmable)
	})
}

// TestVoucherQuotaErrorIsRetried: when the quota cannot be granted the
// payout says "contact support" and nothing moved; finance's retry pays it
// once.
func TestVoucherQuotaErrorIsRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		p := w.confirmedPayout(t, w.resl, 20_000_00)
		for _, fn := range []func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error){
			func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
				return incentive.Apply(ctx, tx, w.resl.ID, p.ID, incentive.MethodVoucherQuota, "boss")
			},
			func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
				return incentive.ApprovePayout(ctx, tx, p.ID, "finance")
			},
		} {
			if _, err := inTx(t, db, fn); err != nil {
				t.Fatal(err)
			}
		}
		failing := func(ctx context.Context, tx *store.Tx, n coupon.NewQuota, by string) (*coupon.Quota, error) {
			// The grant writes, then fails: its writes must be undone.
			if _, err := coupon.Grant(ctx, tx, n, by); err != nil {
				return nil, err
			}
			return nil, apperr.New(apperr.Internal, "coupon.unavailable", "the coupon service did not answer")
		}
		got, err := incentive.PayPayoutWith(ctx, db, p.ID, incentive.Payment{InvoiceNumber: "INV-9", By: "finance"}, failing)
		wantErr(t, err, incentive.ErrVoucherFailed)
		if got.Status != incentive.PayoutError || got.Attempts != 1 || got.ErrorMessage == "" {
			t.Fatalf("after the failure: %+v", got)
		}
		if desc, action := got.Outcome(); desc != "incentive.outcome.voucher_error" || action != "incentive.action.contact_support" {
			t.Errorf("outcome %s %s", desc, action)
		}
		if quotas, _, _ := coupon.ListQuotas(ctx, db.Reader(), coupon.QuotaFilter{PartnerID: w.resl.ID}); len(quotas) != 0 {
			t.Fatalf("a failed grant left %d quotas", len(quotas))
		}
		if st := w.statement(t, w.resl, nov); st.Status != incentive.StatusPaying {
			t.Errorf("statement %s after the failure", st.Status)
		}
		ledgerClean(t, db)
		done, err := incentive.RetryPayout(ctx, db, p.ID, "finance")
		if err != nil || done.Status != incentive.PayoutCompleted || done.Attempts != 2 || done.ErrorMessage != "" {
			t.Fatalf("retry: %+v %v", done, err)
		}
		quotas, _, _ := coupon.ListQuotas(ctx, db.Reader(), coupon.QuotaFilter{PartnerID: w.resl.ID})
		if len(quotas) != 1 || quotas[0].Granted != 350_00 {
			t.Fatalf("quotas after the retry: %+v", quotas)
		}
		if _, err := incentive.RetryPayout(ctx, db, p.ID, "finance"); err != nil {
			t.Fatal(err)
		}
		if quotas, _, _ := coupon.ListQuotas(ctx, db.Reader(), coupon.QuotaFilter{PartnerID: w.resl.ID}); len(quotas) != 1 {
			t.Fatalf("a second retry granted again: %d quotas", len(quotas))
		}
		ledgerClean(t, db)
	})
}

// TestAutoApply: with auto-apply on, a confirmation applies the payout with
// the partner's method; turning it on applies those already waiting.
func TestAutoApply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		waiting := w.confirmedPayout(t, w.resl, 10_000_00)
		if _, err := inTx(t, db, func(ctx context.Context, tx *store.Tx) ([]*incentive.Payout, error) {
			return incentive.SaveSettings(ctx, tx, w.resl.ID, incentive.Settings{AutoApply: true}, "boss")
		}); !errors.Is(err, incentive.ErrMethodRequired) {
			t.Fatalf("auto-apply without a method: %v", err)
		}
		applied, err := inTx(t, db, func(ctx context.Context, tx *store.Tx) ([]*incentive.Payout, error) {
			return incentive.SaveSettings(ctx, tx, w.resl.ID, incentive.Settings{AutoApply: true, Method: incentive.MethodRechargeAccount}, "boss")
		})
		if err != nil || len(applied) != 1 || applied[0].ID != waiting.ID || !applied[0].AutoApplied || applied[0].Method != incentive.MethodRechargeAccount {
			t.Fatalf("applied %+v %v", applied, err)
		}
		s, err := incentive.GetSettings(ctx, db.Reader(), w.resl.ID)
		if err != nil || !s.AutoApply || s.Method != incentive.MethodRechargeAccount {
			t.Fatalf("settings %+v %v", s, err)
		}
		// December, once it has ended, is applied at confirmation.
		w.addFees(t, fee{p: w.resl, c: w.reslCust[0], product: w.vmFlagged, month: dec, amount: 2000_00})
		w.now = dec.End().AddDate(0, 0, 2)
		w.calculate(t, dec)
		st := w.statement(t, w.resl, dec)
		po, err := inTx(t, db, func(ctx context.Context, tx *store.Tx) (*incentive.Payout, error) {
			_, po, err := incentive.ConfirmStatement(ctx, tx, w.resl.ID, st.ID, "boss")
			return po, err
		})
		if err != nil || po.Status != incentive.PayoutProcessing || po.Method != incentive.MethodRechargeAccount || po.Amount != 45_00 {
			t.Fatalf("December payout %+v %v", po, err)
		}
	})
}
