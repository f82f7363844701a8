package console

import (
	"context"
	"maps"
	"net/http"
	"slices"

	"partnercenter/internal/funds"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Forms that move money, or decide about it (提现, 充值登记, 信用额度,
// 提现审核), take two steps: the first submit checks the input and shows
// what will happen; the confirmed submit applies it. The form carries a
// random token (clientToken) from the moment it is shown, and the confirmed
// submit claims it in the transaction of the change, so that a second
// submit of the same form (a double click, a reloaded confirmation) changes
// nothing.

// confirmLine is one fact of a confirmation page: a message key and a
// value shown as it is.
type confirmLine struct{ Label, Value string }

// confirmView is what confirm.html shows.
type confirmView struct {
	Action  string
	Back    string
	Lines   []confirmLine
	Hidden  []hiddenField
	Submit  string // message key of the confirm button
	Warning string
}

// moneyStep is one submit of a two-step form.
type moneyStep struct {
	f      *form
	title  string // message key of the confirmation page
	active string
	submit string
	back   string // the cancel link of the confirmation
	lines  []confirmLine
	// check runs the checks whose answer changes with time (a balance)
	// before the confirmation only: once confirmed, the change decides, so
	// that a repeated submit finds its token instead of a short balance.
	check func()
	// show renders the form page again with f.
	show func(status int) error
	// apply makes the change and writes its audit entry.
	apply    func(ctx context.Context, tx *store.Tx) error
	flash    string // message key after success
	flashArg []string
	target   string // where success leads
}

// submitMoney runs one submit of a two-step form.
func (c *call) submitMoney(m moneyStep) error {
	f := m.f
	if !clientToken.MatchString(f.Get("client")) {
		f.Error = c.t("customers.form_stale")
		f.Values.Set("client", newClientToken())
	}
	confirmed := f.Get("confirm") == "1" && f.Get("edit") != "1"
	if !confirmed && f.ok() && m.check != nil {
		m.check()
	}
	switch {
	case !f.ok():
		return m.show(http.StatusUnprocessableEntity)
	case f.Get("edit") == "1":
		return m.show(http.StatusOK)
	case !confirmed:
		return c.render(http.StatusOK, "confirm", &view{Title: m.title, Active: m.active,
			Data: confirmView{Action: c.r.URL.Path, Back: m.back, Lines: m.lines, Hidden: carried(f), Submit: m.submit}})
	}
	repeated := false
	ctx := c.r.Context()
	err := c.h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		first, err := funds.ClaimSubmission(ctx, tx, f.Get("client"), c.p.UserID)
		repeated = !first
		if err != nil || !first {
			return err
		}
		return m.apply(ctx, tx)
	})
	// A short balance or a line below what is used belongs next to the
	// amount that asked too much.
	if e, ok := apperr.As(err); ok && (e.Code == apperr.Insufficient || e.Key == "ledger.limit_below_used") {
		f.fieldError("amount", c.errText(e))
		err = nil
	}
	if err := f.take(c, err); err != nil {
		return err
	}
	if !f.ok() {
		return m.show(http.StatusUnprocessableEntity)
	}
	if repeated {
		return c.done("funds.submitted_before", m.target)
	}
	return c.done(m.flash, m.target, m.flashArg...)
}

// carried are a form's values as the confirmation carries them back.
func carried(f *form) []hiddenField {
	var out []hiddenField
	for _, name := range slices.Sorted(maps.Keys(f.Values)) {
		if name == "confirm" || name == "edit" {
			continue
		}
		for _, v := range f.Values[name] {
			out = append(out, hiddenField{name, v})
		}
	}
	return out
}
