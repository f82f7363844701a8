package console

import (
	"context"
	"net/http"
	"net/url"
	"regexp"

	"partnercenter/internal/audit"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// 拨款 and 回收, to and from a resale customer or one of a distributor's
// resellers: the form, then the confirmation showing the amount, then the
// move, as every money form takes them (funds_confirm.go). The form carries
// a random token from the moment it is shown, so that a second submission
// of the same form (a double click, a reload of the confirmation) moves the
// money once; the token is also the operation's client id, so that funds
// keeps it idempotent on its own side too.

// moneyMove is one 拨款 or 回收 page.
type moneyMove struct {
	Title       string // message key of the page and of the operation
	Active      string
	TargetLabel string // message key naming what Target is
	Target      string // the customer's account name or the reseller's name
	// Available is what the move can take at most: the partner's available
	// funds for 拨款, the other side's available balance for 回收.
	Available      int64
	AvailableLabel string // message key
	Back           string // where the pages return
	WithMemo       bool   // a 拨款/回收 of a customer keeps a memo; one of a reseller has none
	flash          string // message key after success, with the amount
	audit          audit.Change
	run            func(ctx context.Context, tx *store.Tx, amount int64, memo, client string) (*funds.Result, error)
}

// moneyView is what customers_money.html shows.
type moneyView struct {
	*moneyMove
	AvailableText string
}

// clientToken is the form's token; anything else was not made by the form.
var clientToken = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

func newClientToken() string { return ids.Token(18) }

// amountKeys are the messages of money.Parse's refusals.
var amountKeys = map[error]string{
	money.ErrNotNumber:   "customers.amount_number",
	money.ErrTooPrecise:  "customers.amount_precision",
	money.ErrOutOfRange:  "customers.amount_range",
	money.ErrNotPositive: "funds.amount_positive",
}

// amountField reads the amount field in fen, putting its fault next to it.
func (c *call) amountField(f *form) int64 {
	fen, err := money.ParsePositive(f.Get("amount"))
	if err != nil {
		key, ok := amountKeys[err]
		if !ok {
			key = "customers.amount_number"
		}
		f.fieldError("amount", c.t(key))
	}
	return fen
}

func (h *handler) moveMoney(c *call, m *moneyMove) error {
	if c.r.Method == http.MethodGet {
		return h.renderMoney(c, http.StatusOK, m, c.formFor(url.Values{"client": {newClientToken()}}))
	}
	f := newForm(c.postForm())
	m.Back = backTo(f, m.Back)
	amount := c.amountField(f)
	memo := ""
	lines := []confirmLine{{m.TargetLabel, m.Target}, {"customers.operation", c.t(m.Title)}, {"customers.amount", money.Format(amount)},
		{m.AvailableLabel, money.Format(m.Available)}}
	if m.WithMemo {
		if memo = f.Get("memo"); len([]rune(memo)) > 200 {
			f.fieldError("memo", c.t("funds.memo_long"))
		}
		lines = append(lines, confirmLine{"customers.memo", memo})
	}
	return c.submitMoney(moneyStep{f: f, title: m.Title, active: m.Active, submit: "customers.confirm", back: m.Back, lines: lines,
		check: func() {
			if amount > m.Available {
				f.fieldError("amount", c.t("customers.amount_above", money.Format(m.Available)))
			}
		},
		show: func(status int) error { return h.renderMoney(c, status, m, f) },
		apply: func(ctx context.Context, tx *store.Tx) error {
			// The client id is the user's own, so that no token of another
			// user's form can ever match.
			res, err := m.run(ctx, tx, amount, memo, "console:"+c.p.UserID+":"+f.Get("client"))
			if err != nil {
				return err
			}
			change := m.audit
			change.PartnerID = c.p.PartnerID
			change.After = map[string]any{"amount": money.Format(amount), "memo": memo, "trans_id": res.TransID}
			return audit.Record(ctx, tx, change)
		},
		flash: m.flash, flashArg: []string{money.Format(amount)}, target: m.Back})
}

func (h *handler) renderMoney(c *call, status int, m *moneyMove, f *form) error {
	v := moneyView{moneyMove: m, AvailableText: money.Format(m.Available)}
	return c.render(status, "customers_money", &view{Title: m.Title, Active: m.Active, Form: f, Data: v})
}

// customerMoney serves 拨款 (reclaim false) or 回收 of one of the caller's
// resale customers.
func (h *handler) customerMoney(c *call, reclaim bool) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	cu, err := c.visibleCustomer("")
	if err != nil {
		return err
	}
	if cu.AssociationType != customer.Resale {
		return apperr.New(apperr.Conflict, "funds.referral_customer", "referral customers cannot be funded")
	}
	m := &moneyMove{Active: customersPath, TargetLabel: "customers.account_name", Target: cu.DomainName, Back: customersPath, WithMemo: true,
		audit: audit.Change{ObjectType: "customer", ObjectID: cu.ID}}
	op := funds.Allocate
	if reclaim {
		m.Title, m.flash, m.AvailableLabel, m.audit.Action, op = "customers.op.reclaim", "customers.reclaimed_ok", "customers.customer_available", "customer.reclaim", funds.Reclaim
		if _, m.Available, err = funds.CustomerBalance(ctx, q, cu.ID); err != nil {
			return err
		}
	} else {
		m.Title, m.flash, m.AvailableLabel, m.audit.Action = "customers.op.allocate", "customers.allocated_ok", "customers.partner_available", "customer.allocate"
		if m.Available, err = partnerAvailable(ctx, q, c.p.PartnerID); err != nil {
			return err
		}
	}
	m.run = func(ctx context.Context, tx *store.Tx, amount int64, memo, client string) (*funds.Result, error) {
		return op(ctx, tx, c.p.PartnerID, cu.ID, amount, memo, c.p.Username, client)
	}
	return h.moveMoney(c, m)
}

// partnerAvailable is what a partner can give: its recharge account's
// available balance and what is left of its credit line.
func partnerAvailable(ctx context.Context, q store.Queryer, partnerID string) (int64, error) {
	b, err := funds.PartnerBalances(ctx, q, partnerID)
	if err != nil {
		return 0, err
	}
	return max(b.RechargeAvailable, 0) + max(b.CreditAvailable, 0), nil
}
