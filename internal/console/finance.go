package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"unicode/utf8"

	"partnercenter/internal/audit"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// The provider's 财务 pages (staff with the finance permission): 充值登记
// records money a partner paid (a bank transfer or an online payment), 信用
// 额度 sets a partner's credit line with a reason and shows its history,
// 提现审核 approves or rejects partners' withdrawals. Each moves money only
// after a confirmation page (funds_confirm.go).

const financePath = "/console/staff/finance"

// rechargeMethods are the ways a partner pays, as funds.Recharge takes them.
var rechargeMethods = []string{"bank_transfer", "online_payment"}

// financePartner is the partner a finance form names, with its balances.
type financePartner struct {
	Partner  *partner.Partner
	Balances *funds.Balances
}

// pickPartner reads the partner a finance form names by id; a missing or
// unknown one leaves its message next to the field.
func (c *call) pickPartner(f *form, field string) (*financePartner, error) {
	id := f.Get(field)
	if id == "" {
		f.fieldError(field, c.t("finance.partner_required"))
		return nil, nil
	}
	ctx, q := c.r.Context(), c.h.app.DB.Reader()
	p, err := partner.Get(ctx, q, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		f.fieldError(field, c.t("partner.not_found"))
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b, err := funds.PartnerBalances(ctx, q, p.ID)
	if err != nil {
		return nil, err
	}
	return &financePartner{Partner: p, Balances: b}, nil
}

// partnerOptions are the partners a finance form offers.
func (c *call) partnerOptions() ([]option, error) {
	list, _, err := partner.List(c.r.Context(), c.h.app.DB.Reader(), partner.ListFilter{Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]option, len(list))
	for i, p := range list {
		out[i] = option{Value: p.ID, Label: p.DisplayName + " (" + p.Name + ")"}
	}
	return out, nil
}

// financeView is what the 充值登记 and 信用额度 pages show.
type financeView struct {
	Partners []option
	Methods  []option
	Selected *financePartner // the partner shown, if one is chosen
	History  []funds.CreditLineChange
}

func (c *call) financeView(selected *financePartner) (financeView, error) {
	partners, err := c.partnerOptions()
	return financeView{Partners: partners, Methods: optionsOf(c.lang, rechargeMethods, methodKey), Selected: selected}, err
}

// selectedPartner is the partner named in the page's address, if any.
func (c *call) selectedPartner() (*financePartner, error) {
	q := newForm(c.r.URL.Query())
	if q.Get("partner") == "" {
		return nil, nil
	}
	sel, err := c.pickPartner(q, "partner")
	if err == nil && sel == nil {
		return nil, apperr.NotFoundf("partner.not_found", "partner not found")
	}
	return sel, err
}

func (h *handler) rechargePage(c *call) error {
	sel, err := c.selectedPartner()
	if err != nil {
		return err
	}
	f := newForm(url.Values{"client": {newClientToken()}, "method": {rechargeMethods[0]}})
	if sel != nil {
		f.Values.Set("partner_id", sel.Partner.ID)
	}
	return h.renderRecharge(c, http.StatusOK, f, sel)
}

func (h *handler) renderRecharge(c *call, status int, f *form, sel *financePartner) error {
	v, err := c.financeView(sel)
	if err != nil {
		return err
	}
	return c.render(status, "finance_recharge", &view{Title: "finance.recharge.title", Active: financePath + "/recharge", Form: f, Data: v})
}

func (h *handler) recordRecharge(c *call) error {
	f := newForm(c.postForm())
	sel, err := c.pickPartner(f, "partner_id")
	if err != nil {
		return err
	}
	amount := c.amountField(f)
	method := f.Get("method")
	if !slices.Contains(rechargeMethods, method) {
		f.fieldError("method", c.t("funds.recharge_method"))
	}
	reference := f.Get("reference")
	if utf8.RuneCountInString(reference) > 64 {
		f.fieldError("reference", c.t("finance.reference_long"))
	}
	if sel == nil {
		return h.renderRecharge(c, http.StatusUnprocessableEntity, f, nil)
	}
	p, bal := sel.Partner, sel.Balances
	target := financePath + "/recharge?partner=" + url.QueryEscape(p.ID)
	return c.submitMoney(moneyStep{f: f, title: "finance.recharge.confirm_title", active: financePath + "/recharge",
		submit: "finance.recharge.submit", back: target,
		lines: []confirmLine{{"finance.partner", p.DisplayName + " (" + p.Name + ")"}, {"finance.recharge.amount", money.Format(amount)},
			{"finance.recharge.method", c.t(methodKey(method))}, {"finance.recharge.reference", orDash(reference)},
			{"funds.recharge_balance", money.Format(bal.Recharge) + " → " + money.Format(bal.Recharge+amount)}},
		show: func(status int) error { return h.renderRecharge(c, status, f, sel) },
		apply: func(ctx context.Context, tx *store.Tx) error {
			// The token is the recharge's client id as well: the ledger
			// replays a repeated one.
			res, err := funds.Recharge(ctx, tx, p.ID, amount, method, reference, "console:"+c.p.UserID+":"+f.Get("client"))
			if err != nil || res.Replayed {
				return err
			}
			return audit.Record(ctx, tx, audit.Change{PartnerID: p.ID, Action: "funds.recharge", ObjectType: "partner", ObjectID: p.ID,
				After: map[string]any{"amount": money.Format(amount), "method": method, "reference": reference, "trans_id": res.TransID}})
		},
		flash: "finance.recharge.done", flashArg: []string{money.Format(amount)}, target: target})
}

func (h *handler) creditPage(c *call) error {
	sel, err := c.selectedPartner()
	if err != nil {
		return err
	}
	f := newForm(url.Values{"client": {newClientToken()}})
	if sel != nil {
		f.Values.Set("partner_id", sel.Partner.ID)
		f.Values.Set("amount", money.Plain(sel.Balances.CreditLine))
	}
	return h.renderCredit(c, http.StatusOK, f, sel)
}

func (h *handler) renderCredit(c *call, status int, f *form, sel *financePartner) error {
	v, err := c.financeView(sel)
	if err != nil {
		return err
	}
	if sel != nil {
		if v.History, err = funds.CreditLineHistory(c.r.Context(), h.app.DB.Reader(), sel.Partner.ID); err != nil {
			return err
		}
	}
	return c.render(status, "finance_credit", &view{Title: "finance.credit.title", Active: financePath + "/credit", Form: f, Data: v})
}

func (h *handler) setCreditLine(c *call) error {
	f := newForm(c.postForm())
	sel, err := c.pickPartner(f, "partner_id")
	if err != nil {
		return err
	}
	line, err := money.Parse(f.Get("amount"))
	switch {
	case err != nil:
		f.fieldError("amount", c.t(amountKey(err)))
	case line < 0:
		f.fieldError("amount", c.t("funds.credit_line_negative"))
	}
	reason := f.Get("reason")
	switch {
	case reason == "":
		f.fieldError("reason", c.t("funds.reason_required"))
	case utf8.RuneCountInString(reason) > 200:
		f.fieldError("reason", c.t("finance.reason_long"))
	}
	if sel == nil {
		return h.renderCredit(c, http.StatusUnprocessableEntity, f, nil)
	}
	p, bal := sel.Partner, sel.Balances
	target := financePath + "/credit?partner=" + url.QueryEscape(p.ID)
	return c.submitMoney(moneyStep{f: f, title: "finance.credit.confirm_title", active: financePath + "/credit",
		submit: "finance.credit.submit", back: target,
		lines: []confirmLine{{"finance.partner", p.DisplayName + " (" + p.Name + ")"},
			{"funds.credit_line", money.Format(bal.CreditLine) + " → " + money.Format(line)},
			{"funds.credit_used", money.Format(bal.CreditUsed)}, {"finance.credit.reason", reason}},
		check: func() {
			if line < bal.CreditUsed {
				f.fieldError("amount", c.t("ledger.limit_below_used"))
			}
		},
		show: func(status int) error { return h.renderCredit(c, status, f, sel) },
		apply: func(ctx context.Context, tx *store.Tx) error {
			before, err := funds.SetCreditLine(ctx, tx, p.ID, line, reason, c.p.Username)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Change{PartnerID: p.ID, Action: "funds.credit_line_set", ObjectType: "partner", ObjectID: p.ID,
				Before: map[string]any{"credit_line": money.Format(before)},
				After:  map[string]any{"credit_line": money.Format(line), "reason": reason}})
		},
		flash: "finance.credit.done", flashArg: []string{money.Format(line)}, target: target})
}

// staffWithdrawalsView is the 提现审核 list.
type staffWithdrawalsView struct {
	Rows     []staffWithdrawal
	Pager    pager
	Statuses []option
}

type staffWithdrawal struct {
	withdrawalRow
	Partner string
}

var withdrawalStatuses = []string{funds.WithdrawalPending, funds.WithdrawalApproved, funds.WithdrawalRejected}

func (h *handler) staffWithdrawalsPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	f := newForm(c.r.URL.Query())
	if _, set := f.Values["status"]; !set {
		f.Values.Set("status", funds.WithdrawalPending)
	}
	status := f.Get("status")
	if status != "" && !slices.Contains(withdrawalStatuses, status) {
		f.fieldError("status", c.t("finance.withdrawal.status_invalid"))
		status = funds.WithdrawalPending
	}
	page, offset := pageOf(c.r)
	list, total, err := funds.Withdrawals(ctx, q, "", status, offset, pageSize)
	if err != nil {
		return err
	}
	v := staffWithdrawalsView{Pager: newPager(c.r, page, total), Statuses: optionsOf(c.lang, withdrawalStatuses, withdrawalKey)}
	names := map[string]string{}
	for _, row := range c.withdrawalRows(list) {
		if _, ok := names[row.PartnerID]; !ok {
			if p, err := partner.Get(ctx, q, row.PartnerID); err == nil {
				names[row.PartnerID] = p.DisplayName
			}
		}
		v.Rows = append(v.Rows, staffWithdrawal{withdrawalRow: row, Partner: names[row.PartnerID]})
	}
	return c.render(http.StatusOK, "finance_withdrawals", &view{Title: "finance.withdrawals.title", Active: financePath + "/withdrawals",
		Form: f, Data: v})
}

// withdrawalView is one withdrawal with the decision form.
type withdrawalView struct {
	W         withdrawalRow
	Partner   *financePartner
	Decisions []option
}

const (
	decideApprove = "approve"
	decideReject  = "reject"
)

// decisionActions are the audit actions of the decisions.
var decisionActions = map[string]string{decideApprove: "funds.withdrawal_approve", decideReject: "funds.withdrawal_reject"}

func (h *handler) loadWithdrawal(c *call) (*withdrawalView, error) {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	w, err := funds.GetWithdrawal(ctx, q, c.r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	p, err := partner.Get(ctx, q, w.PartnerID)
	if err != nil {
		return nil, err
	}
	b, err := funds.PartnerBalances(ctx, q, p.ID)
	if err != nil {
		return nil, err
	}
	return &withdrawalView{W: c.withdrawalRows([]*funds.Withdrawal{w})[0], Partner: &financePartner{Partner: p, Balances: b},
		Decisions: optionsOf(c.lang, []string{decideApprove, decideReject}, decisionKey)}, nil
}

func decisionKey(d string) string { return "finance.withdrawal.decision." + d }

func (h *handler) staffWithdrawalPage(c *call) error {
	v, err := h.loadWithdrawal(c)
	if err != nil {
		return err
	}
	return h.renderWithdrawal(c, http.StatusOK, v, newForm(url.Values{"client": {newClientToken()}}))
}

func (h *handler) renderWithdrawal(c *call, status int, v *withdrawalView, f *form) error {
	return c.render(status, "finance_withdrawal", &view{Title: "finance.withdrawal.title", Active: financePath + "/withdrawals", Form: f, Data: v})
}

func (h *handler) decideWithdrawal(c *call) error {
	v, err := h.loadWithdrawal(c)
	if err != nil {
		return err
	}
	f := newForm(c.postForm())
	decision, reason := f.Get("decision"), f.Get("reason")
	switch {
	case decision != decideApprove && decision != decideReject:
		f.fieldError("decision", c.t("finance.withdrawal.decision_required"))
	case decision == decideReject && reason == "":
		f.fieldError("reason", c.t("funds.reason_required"))
	}
	if utf8.RuneCountInString(reason) > 200 {
		f.fieldError("reason", c.t("finance.reason_long"))
	}
	w := v.W.Withdrawal
	target := financePath + "/withdrawals/" + w.ID
	flash := "finance.withdrawal.approved"
	if decision == decideReject {
		flash = "finance.withdrawal.rejected"
	}
	return c.submitMoney(moneyStep{f: f, title: "finance.withdrawal.confirm_title", active: financePath + "/withdrawals",
		submit: decisionKey(decision), back: target,
		lines: []confirmLine{{"finance.partner", v.Partner.Partner.DisplayName}, {"funds.withdraw.amount", money.Format(w.Amount)},
			{"funds.withdraw.bank_account", w.BankAccount}, {"finance.withdrawal.decision", c.t(decisionKey(decision))},
			{"finance.withdrawal.reason", orDash(reason)}},
		show: func(status int) error { return h.renderWithdrawal(c, status, v, f) },
		apply: func(ctx context.Context, tx *store.Tx) error {
			after, err := funds.DecideWithdrawal(ctx, tx, w.ID, decision == decideApprove, reason, c.p.Username)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Change{PartnerID: w.PartnerID, Action: decisionActions[decision], ObjectType: "withdrawal",
				ObjectID: w.ID, Before: map[string]any{"status": w.Status},
				After: map[string]any{"status": after.Status, "amount": money.Format(w.Amount), "reason": reason}})
		},
		flash: flash, flashArg: []string{money.Format(w.Amount)}, target: target})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// amountKey is the message of a refused amount, for fields that money.Parse
// reads (a credit line may be zero).
func amountKey(err error) string {
	if key, ok := amountKeys[err]; ok {
		return key
	}
	return "customers.amount_number"
}
