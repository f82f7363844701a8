package console

import (
	"context"
	"net/http"
	"net/url"
	"unicode/utf8"

	"partnercenter/internal/audit"
	"partnercenter/internal/funds"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 提现: a partner asks to take money out of its 充值账户 to a bank account;
// the amount is held until provider finance decides (finance.go).

// withdrawalsView is the 提现 tab: the request form and the partner's
// withdrawals.
type withdrawalsView struct {
	Rows  []withdrawalRow
	Pager pager
}

type withdrawalRow struct {
	*funds.Withdrawal
	Status string
}

func (c *call) withdrawalRows(list []*funds.Withdrawal) []withdrawalRow {
	out := make([]withdrawalRow, len(list))
	for i, w := range list {
		out[i] = withdrawalRow{Withdrawal: w, Status: c.t(withdrawalKey(w.Status))}
	}
	return out
}

const withdrawalsPath = fundsPath + "/withdrawals"

func (h *handler) withdrawalsPage(c *call) error {
	return h.renderWithdrawals(c, http.StatusOK, newForm(url.Values{"client": {newClientToken()}}))
}

func (h *handler) renderWithdrawals(c *call, status int, f *form) error {
	page, offset := pageOf(c.r)
	list, total, err := funds.Withdrawals(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, "", offset, pageSize)
	if err != nil {
		return err
	}
	v := &withdrawalsView{Rows: c.withdrawalRows(list), Pager: newPager(c.r, page, total)}
	return c.renderFunds(status, &fundsView{Tab: "withdrawals", Withdrawals: v}, f)
}

func (h *handler) requestWithdrawal(c *call) error {
	f := newForm(c.postForm())
	amount := c.amountField(f)
	bank := f.Get("bank_account")
	if bank == "" || utf8.RuneCountInString(bank) > 64 {
		f.fieldError("bank_account", c.t("funds.bank_account_required"))
	}
	bal, err := funds.PartnerBalances(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID)
	if err != nil {
		return err
	}
	return c.submitMoney(moneyStep{f: f, title: "funds.withdraw.confirm_title", active: fundsPath, submit: "funds.withdraw.submit",
		back: withdrawalsPath,
		lines: []confirmLine{{"funds.withdraw.amount", money.Format(amount)}, {"funds.withdraw.bank_account", bank},
			{"funds.recharge_available", money.Format(bal.RechargeAvailable)}, {"funds.withdraw.available_after", money.Format(bal.RechargeAvailable - amount)}},
		check: func() {
			if amount > bal.RechargeAvailable {
				f.fieldError("amount", c.t("funds.withdraw.above", money.Format(max(bal.RechargeAvailable, 0))))
			}
		},
		show: func(status int) error { return h.renderWithdrawals(c, status, f) },
		apply: func(ctx context.Context, tx *store.Tx) error {
			w, err := funds.RequestWithdrawal(ctx, tx, c.p.PartnerID, amount, bank, c.p.Username)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "funds.withdrawal_request", ObjectType: "withdrawal",
				ObjectID: w.ID, After: map[string]any{"amount": money.Format(amount), "bank_account": bank}})
		},
		flash: "funds.withdraw.requested", flashArg: []string{money.Format(amount)}, target: withdrawalsPath})
}
