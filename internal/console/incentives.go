package console

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/bill"
	"partnercenter/internal/incentive"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// 激励管理 of a partner: 激励申付 lists the payouts of the confirmed months
// with their status in the seed's words (已完成 and how it was paid, or what
// the partner must do), 申请 chooses the payout method once, 提交发票 gives
// the invoice a payout waits for, and the auto-apply switch applies every
// payout with one method; 激励明细 lists the details per customer and
// product category with filters, paging and exports; 对账 follows each
// month from estimated to paid, with 确认 where the partner confirms;
// 导出记录 lists the exports. The rules are the incentive package's.

const incentivesPath = "/console/incentives"

// incentiveRoutes registers the pages of this area.
func (h *handler) incentiveRoutes() {
	need := perms(auth.PermIncentive)
	h.page("GET "+incentivesPath, need, h.incentivePayouts)
	h.page("POST "+incentivesPath+"/settings", need, h.saveIncentiveSettings)
	h.pageAndForm(incentivesPath+"/payouts/{id}/apply", need, h.applyPayout)
	h.pageAndForm(incentivesPath+"/payouts/{id}/invoice", need, h.submitPayoutInvoice)
	h.page("GET "+incentivesPath+"/details", need, h.incentiveDetails)
	h.page("GET "+incentivesPath+"/statements", need, h.incentiveStatements)
	h.page("POST "+incentivesPath+"/statements/{id}/confirm", need, h.confirmStatement)
	h.page("GET "+incentivesPath+"/exports", need, h.incentiveExports)
	h.page("POST "+incentivesPath+"/exports", need, h.createIncentiveExport)
	h.page("GET "+incentivesPath+"/exports/{id}/download", need, func(c *call) error { return h.sendExport(c, incentiveDetailsExport) })
	h.staffIncentiveRoutes()
}

// incentivesView is what incentives.html shows.
type incentivesView struct {
	Tab   string
	Tabs  []tab
	Reset string
	Loc   *time.Location

	Months, Methods, Statuses []option

	// 激励申付.
	Payouts      []payoutRow
	Settings     incentive.Settings
	SettingsForm *form

	// 激励明细.
	Details                  []detailRow
	Services, Managers, Kind []option
	Export                   *exportForm

	// 对账.
	Statements []reconciliationRow
	Flow       []string

	Exports *exportsView
	Pager   pager
}

// payoutRow is a payout as the partner reads it: the status, and the
// seed's description and partner action.
type payoutRow struct {
	*incentive.Payout
	StatusText, MethodText, Description, Action string
	CanApply, CanInvoice                        bool
}

type reconciliationRow struct {
	*incentive.Statement
	StatusText string
	CanConfirm bool
}

var incentiveTabs = []struct{ name, label, path string }{
	{"payouts", "incentives.tab.payouts", incentivesPath},
	{"details", "incentives.tab.details", incentivesPath + "/details"},
	{"statements", "incentives.tab.statements", incentivesPath + "/statements"},
	{"exports", "incentives.tab.exports", incentivesPath + "/exports"},
}

func (c *call) renderIncentives(status int, v *incentivesView, f *form) error {
	for _, t := range incentiveTabs {
		v.Tabs = append(v.Tabs, tab{Label: t.label, Href: t.path, Active: t.name == v.Tab})
	}
	if f == nil {
		f = newForm(nil)
	}
	v.Loc = c.loc
	return c.render(status, "incentives", &view{Title: "incentives.title", Active: incentivesPath, Form: f, Data: v})
}

func payoutStatusKey(s string) string    { return "incentive.payout_status." + s }
func payoutMethodKey(m string) string    { return "incentive.method." + m }
func statementStatusKey(s string) string { return "incentive.status." + s }
func incentiveKindKey(k string) string   { return "incentive.kind." + k }

// keyOptions are the choices of a select whose labels are message keys.
func keyOptions(lang i18n.Lang, values []string, key func(string) string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: v, Label: i18n.T(lang, key(v))}
	}
	return out
}

// newPayoutRow reads a payout for a list: its status and, in the seed's
// words, how it was paid or what the partner must do.
func newPayoutRow(c *call, p *incentive.Payout) payoutRow {
	r := payoutRow{Payout: p, StatusText: c.t(payoutStatusKey(p.Status)), MethodText: "-",
		CanApply: p.Status == incentive.PayoutPendingApplication, CanInvoice: p.Status == incentive.PayoutPendingInvoice && p.InvoiceNumber == ""}
	if p.Method != "" {
		r.MethodText = c.t(payoutMethodKey(p.Method))
	}
	description, action := p.Outcome()
	r.Description, r.Action = "-", c.t(action)
	if description != "" {
		r.Description = c.t(description)
		// A voucher quota paid reads "-(表示代金券额度已发放)", as the seed has it.
		if hint := description + "_hint"; i18n.Has(hint) {
			r.Description += "(" + c.t(hint) + ")"
		}
	}
	return r
}

// listPage loads the page of a list the address asks for, once the filters
// of f hold, sets the pager and hands each row to keep.
func listPage[T any](c *call, f *form, pg *pager, load func(offset, limit int) ([]T, int, error), keep func(T) error) error {
	page, offset := pageOf(c.r)
	*pg = newPager(c.r, 1, 0)
	if !f.ok() {
		return nil
	}
	list, total, err := load(offset, pageSize)
	if err != nil {
		return err
	}
	*pg = newPager(c.r, page, total)
	for _, x := range list {
		if err := keep(x); err != nil {
			return err
		}
	}
	return nil
}

// monthFilter reads an optional month of a filter; a bad one leaves its
// message next to the field.
func (c *call) monthFilter(f *form, field string) bill.Month {
	s := f.Get(field)
	if s == "" {
		return 0
	}
	m, err := bill.ParseMonth(field, s)
	if err != nil {
		f.take(c, err)
		return 0
	}
	return m
}

// monthOptions are the months a filter offers: this one and the 17 before.
func monthOptions() []option {
	var out []option
	for _, m := range bill.Months(time.Now()) {
		out = append(out, option{Value: m.String(), Label: m.String()})
	}
	return out
}

func (h *handler) incentivePayouts(c *call) error {
	return h.renderIncentivePayouts(c, http.StatusOK, newForm(c.r.URL.Query()), nil)
}

// renderIncentivePayouts shows 激励申付 filtered by f, with the auto-apply
// form as submitted (settings) or as saved.
func (h *handler) renderIncentivePayouts(c *call, status int, f, settings *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	v := &incentivesView{Tab: "payouts", Reset: incentivesPath, Months: monthOptions(),
		Methods: keyOptions(c.lang, incentive.Methods, payoutMethodKey), Statuses: keyOptions(c.lang, incentive.PayoutStatuses, payoutStatusKey)}
	var err error
	if v.Settings, err = incentive.GetSettings(ctx, q, c.p.PartnerID); err != nil {
		return err
	}
	if settings == nil {
		settings = newForm(url.Values{"method": {v.Settings.Method}})
		if v.Settings.AutoApply {
			settings.Values.Set("auto_apply", "1")
		}
	}
	v.SettingsForm = settings
	pf := incentive.PayoutFilter{PartnerID: c.p.PartnerID, Status: oneOf(f, "status", v.Statuses, c.t("consumption.choice_invalid")),
		From: c.monthFilter(f, "from"), To: c.monthFilter(f, "to")}
	err = listPage(c, f, &v.Pager, func(offset, limit int) ([]*incentive.Payout, int, error) {
		pf.Offset, pf.Limit = offset, limit
		return incentive.ListPayouts(ctx, q, pf)
	}, func(p *incentive.Payout) error {
		v.Payouts = append(v.Payouts, newPayoutRow(c, p))
		return nil
	})
	if err != nil {
		return err
	}
	return c.renderIncentives(status, v, f)
}

// saveIncentiveSettings turns auto-apply on or off; turning it on applies
// the payouts waiting for an application with the method chosen.
func (h *handler) saveIncentiveSettings(c *call) error {
	f := newForm(c.postForm())
	s := incentive.Settings{AutoApply: f.Get("auto_apply") == "1", Method: f.Get("method")}
	var before incentive.Settings
	err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if before, err = incentive.GetSettings(ctx, tx, c.p.PartnerID); err != nil {
			return err
		}
		applied, err := incentive.SaveSettings(ctx, tx, c.p.PartnerID, s, c.p.UserID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "incentive.settings", ObjectType: "incentive_settings",
			ObjectID: c.p.PartnerID, Before: before, After: map[string]any{"auto_apply": s.AutoApply, "method": s.Method, "applied": len(applied)}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		c.r.URL = &url.URL{Path: incentivesPath}
		return h.renderIncentivePayouts(c, http.StatusUnprocessableEntity, newForm(nil), f)
	}
	return c.done("incentives.settings_saved", incentivesPath)
}

// payoutFormView is the 申请 and 提交发票 pages.
type payoutFormView struct {
	Payout  payoutRow
	Methods []option
	Action  string
	Invoice bool // the invoice form rather than the application
}

// payoutStep is one of the partner's forms on a payout.
type payoutStep struct {
	name    string // the address's last part and the audit action's
	title   string // message key of the page
	flash   string // message key once done
	invoice bool
	change  func(ctx context.Context, tx *store.Tx, f *form, p *incentive.Payout) (*incentive.Payout, error)
}

// payoutForm shows a payout's form and, when submitted, makes its change
// with its audit entry; a refusal is shown on the form and changes nothing.
func (h *handler) payoutForm(c *call, step payoutStep) error {
	p, err := incentive.GetPayout(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(nil)
	status := http.StatusOK
	if c.r.Method == http.MethodPost {
		f = newForm(c.postForm())
		err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
			after, err := step.change(ctx, tx, f, p)
			if err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "incentive.payout." + step.name,
				ObjectType: "incentive_payout", ObjectID: p.ID, Before: map[string]any{"status": p.Status, "method": p.Method},
				After: map[string]any{"status": after.Status, "method": after.Method, "invoice_number": after.InvoiceNumber}})
		})
		if err != nil {
			return err
		}
		if f.ok() {
			return c.done(step.flash, incentivesPath)
		}
		status = http.StatusUnprocessableEntity
	}
	v := payoutFormView{Payout: newPayoutRow(c, p), Methods: keyOptions(c.lang, incentive.Methods, payoutMethodKey), Invoice: step.invoice,
		Action: incentivesPath + "/payouts/" + p.ID + "/" + step.name}
	return c.render(status, "incentives_payout", &view{Title: step.title, Active: incentivesPath, Form: f, Data: v})
}

// applyPayout is 申请: the method is chosen once; applying again, or with
// another method, is refused with nothing changed.
func (h *handler) applyPayout(c *call) error {
	return h.payoutForm(c, payoutStep{name: "apply", title: "incentives.apply_title", flash: "incentives.applied",
		change: func(ctx context.Context, tx *store.Tx, f *form, p *incentive.Payout) (*incentive.Payout, error) {
			return incentive.Apply(ctx, tx, c.p.PartnerID, p.ID, f.Get("method"), c.p.UserID)
		}})
}

// submitPayoutInvoice records the invoice a payout waits for.
func (h *handler) submitPayoutInvoice(c *call) error {
	return h.payoutForm(c, payoutStep{name: "invoice", title: "incentives.invoice_title", flash: "incentives.invoice_saved", invoice: true,
		change: func(ctx context.Context, tx *store.Tx, f *form, p *incentive.Payout) (*incentive.Payout, error) {
			return incentive.SubmitInvoice(ctx, tx, c.p.PartnerID, p.ID, f.Get("invoice_number"), c.p.UserID)
		}})
}

func (h *handler) incentiveStatements(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	f := newForm(c.r.URL.Query())
	v := &incentivesView{Tab: "statements", Reset: incentivesPath + "/statements", Months: monthOptions(),
		Statuses: keyOptions(c.lang, incentive.StatementStatuses, statementStatusKey)}
	for _, s := range incentive.StatementStatuses {
		v.Flow = append(v.Flow, c.t(statementStatusKey(s)))
	}
	sf := incentive.StatementFilter{PartnerID: c.p.PartnerID, Status: oneOf(f, "status", v.Statuses, c.t("consumption.choice_invalid")),
		From: c.monthFilter(f, "from"), To: c.monthFilter(f, "to")}
	err := listPage(c, f, &v.Pager, func(offset, limit int) ([]*incentive.Statement, int, error) {
		sf.Offset, sf.Limit = offset, limit
		return incentive.ListStatements(ctx, q, sf)
	}, func(st *incentive.Statement) error {
		v.Statements = append(v.Statements, reconciliationRow{Statement: st, StatusText: c.t(statementStatusKey(st.Status)),
			CanConfirm: st.Status == incentive.StatusToConfirm})
		return nil
	})
	if err != nil {
		return err
	}
	return c.renderIncentives(http.StatusOK, v, f)
}

// confirmStatement is 确认 of a month waiting for the partner; a refusal
// (not waiting, or the month before still open) is told and changes
// nothing.
func (h *handler) confirmStatement(c *call) error {
	back := incentivesPath + "/statements"
	err := h.app.DB.InTx(c.r.Context(), func(tx *store.Tx) error {
		ctx := c.r.Context()
		st, p, err := incentive.ConfirmStatement(ctx, tx, c.p.PartnerID, c.r.PathValue("id"), c.p.UserID)
		if err != nil {
			return err
		}
		after := map[string]any{"status": st.Status, "payable": st.Payable}
		if p != nil {
			after["payout_id"] = p.ID
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: c.p.PartnerID, Action: "incentive.statement_confirm", ObjectType: "incentive_statement",
			ObjectID: st.ID, Before: map[string]any{"status": incentive.StatusToConfirm}, After: after})
	})
	if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
		c.setFlash(e.Key, true)
		c.redirect(back)
		return nil
	}
	if err != nil {
		return err
	}
	return c.done("incentives.confirmed", back)
}

// The payout steps' audit actions are built from the step's name; listed
// here so that their labels are checked like the literal ones.
func init() {
	knownActions = append(knownActions, "incentive.payout.apply", "incentive.payout.invoice", "incentive.payout.approve",
		"incentive.payout.retry", "incentive.payout.pay")
}
