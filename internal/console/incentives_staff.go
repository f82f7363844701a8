package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/bill"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/incentive"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// The provider's 激励管理: 激励申付 is the queue of every partner's payouts
// by state, where finance processes an application (→ 待开票), completes a
// payout (moving the money by its method) and retries the one whose voucher
// quota failed; and runs the monthly calculation for a month. 激励政策 lists
// the rebate rates and new-customer bonuses, and creates and edits them with
// each refusal next to its field.

const (
	staffIncentivesPath = "/console/staff/incentives"
	staffPoliciesPath   = staffIncentivesPath + "/policies"
)

func (h *handler) staffIncentiveRoutes() {
	need := perms(auth.PermStaffIncentives)
	h.page("GET "+staffIncentivesPath, need, h.staffPayouts)
	h.page("POST "+staffIncentivesPath+"/calculate", need, h.staffCalculate)
	h.page("POST "+staffIncentivesPath+"/payouts/{id}/approve", need, h.staffApprovePayout)
	h.pageAndForm(staffIncentivesPath+"/payouts/{id}/pay", need, h.staffPayPayout)
	h.page("POST "+staffIncentivesPath+"/payouts/{id}/retry", need, h.staffRetryPayout)
	h.page("GET "+staffPoliciesPath, need, h.staffPolicies)
	h.pageAndForm(staffPoliciesPath+"/new", need, h.staffPolicyForm)
	h.pageAndForm(staffPoliciesPath+"/{id}/edit", need, h.staffPolicyForm)
}

// staffPayoutsView is incentives_staff.html's queue.
type staffPayoutsView struct {
	States   []tab
	Payouts  []staffPayoutRow
	Months   []option
	CalcForm *form
	Pager    pager
	Loc      *time.Location
}

type staffPayoutRow struct {
	payoutRow
	Partner                      string
	CanApprove, CanPay, CanRetry bool
}

// staffPayoutStates are the queue's tabs: the states finance acts in first.
var staffPayoutStates = []string{incentive.PayoutProcessing, incentive.PayoutPendingInvoice, incentive.PayoutError,
	incentive.PayoutPendingApplication, incentive.PayoutCompleted}

func (h *handler) staffPayouts(c *call) error {
	return h.renderStaffPayouts(c, http.StatusOK, newForm(url.Values{"month": {bill.MonthOf(time.Now()).Add(-1).String()}}))
}

// renderStaffPayouts shows the queue of the state in the address, with the
// calculation form as submitted (calc).
func (h *handler) renderStaffPayouts(c *call, status int, calc *form) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	state := c.r.URL.Query().Get("state")
	if !slices.Contains(staffPayoutStates, state) {
		state = incentive.PayoutProcessing
	}
	v := staffPayoutsView{CalcForm: calc, Months: monthOptions(), Loc: c.loc}
	for _, s := range staffPayoutStates {
		v.States = append(v.States, tab{Label: payoutStatusKey(s), Href: staffIncentivesPath + "?state=" + s, Active: s == state})
	}
	names := map[string]string{}
	err := listPage(c, newForm(nil), &v.Pager, func(offset, limit int) ([]*incentive.Payout, int, error) {
		return incentive.ListPayouts(ctx, q, incentive.PayoutFilter{Status: state, Offset: offset, Limit: limit})
	}, func(p *incentive.Payout) error {
		if _, ok := names[p.PartnerID]; !ok {
			var err error
			if names[p.PartnerID], err = partnerLabel(ctx, q, p.PartnerID); err != nil {
				return err
			}
		}
		v.Payouts = append(v.Payouts, staffPayoutRow{payoutRow: newPayoutRow(c, p), Partner: names[p.PartnerID],
			CanApprove: p.Status == incentive.PayoutProcessing, CanPay: p.Status == incentive.PayoutPendingInvoice,
			CanRetry: p.Status == incentive.PayoutError})
		return nil
	})
	if err != nil {
		return err
	}
	return c.render(status, "incentives_staff", &view{Title: "incentives.staff.title", Active: staffIncentivesPath, Form: calc, Data: v})
}

// partnerLabel names a partner in the back office's lists.
func partnerLabel(ctx context.Context, q store.Queryer, id string) (string, error) {
	p, err := partner.Get(ctx, q, id)
	if err != nil {
		return "", err
	}
	return p.DisplayName + " (" + p.Name + ")", nil
}

// staffCalculate runs the monthly calculation of a month for every partner.
func (h *handler) staffCalculate(c *call) error {
	f := newForm(c.postForm())
	m, err := bill.ParseMonth("month", f.Get("month"))
	if err == nil && m > bill.MonthOf(time.Now()) {
		err = apperr.Field("month", "incentives.staff.month_future", "the month has not begun")
	}
	if err := f.take(c, err); err != nil {
		return err
	}
	if !f.ok() {
		return h.renderStaffPayouts(c, http.StatusUnprocessableEntity, f)
	}
	res, err := incentive.CalculateMonth(c.r.Context(), h.app.DB, m)
	if err != nil {
		return err
	}
	if err := h.app.DB.InTx(c.r.Context(), func(tx *store.Tx) error {
		return audit.Record(c.r.Context(), tx, audit.Change{Action: "incentive.calculate", ObjectType: "incentive_month", ObjectID: m.String(),
			After: map[string]any{"computed": res.Computed, "frozen": res.Frozen}})
	}); err != nil {
		return err
	}
	return c.done("incentives.staff.calculated", staffIncentivesPath, m.String())
}

// staffPayoutAction runs one button's change on a payout; a refusal of the
// rules is told on the queue and changes nothing.
func (h *handler) staffPayoutAction(c *call, action, flash string, change func(ctx context.Context, id string) (*incentive.Payout, error)) error {
	ctx := c.r.Context()
	id := c.r.PathValue("id")
	before, err := incentive.PayoutByID(ctx, h.app.DB.Reader(), id)
	if err != nil {
		return err
	}
	after, err := change(ctx, id)
	back := staffIncentivesPath + "?state=" + before.Status
	if e, ok := apperr.As(err); ok && (e.Code == apperr.Conflict || e.Code == apperr.Invalid) {
		c.setFlash(e.Key, true)
		c.redirect(back)
		return nil
	}
	if err != nil {
		return err
	}
	if err := h.auditPayout(ctx, action, before, after); err != nil {
		return err
	}
	return c.done(flash, back)
}

func (h *handler) auditPayout(ctx context.Context, action string, before, after *incentive.Payout) error {
	return h.app.DB.InTx(ctx, func(tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{PartnerID: before.PartnerID, Action: "incentive.payout." + action, ObjectType: "incentive_payout",
			ObjectID: before.ID, Before: map[string]any{"status": before.Status}, After: map[string]any{"status": after.Status,
				"quota_id": after.QuotaID, "transfer_id": after.TransferID, "reference": after.BankReference}})
	})
}

// staffApprovePayout is 处理: the application is accepted, the partner's
// invoice is awaited.
func (h *handler) staffApprovePayout(c *call) error {
	return h.staffPayoutAction(c, "approve", "incentives.staff.approved", func(ctx context.Context, id string) (p *incentive.Payout, err error) {
		err = h.app.DB.InTx(ctx, func(tx *store.Tx) error {
			p, err = incentive.ApprovePayout(ctx, tx, id, c.p.UserID)
			return err
		})
		return p, err
	})
}

// staffRetryPayout pays again the payout whose voucher quota failed.
func (h *handler) staffRetryPayout(c *call) error {
	return h.staffPayoutAction(c, "retry", "incentives.staff.paid", func(ctx context.Context, id string) (*incentive.Payout, error) {
		return incentive.RetryPayout(ctx, h.app.DB, id, c.p.UserID)
	})
}

// staffPayView is the 完成 form of one payout.
type staffPayView struct {
	Payout    staffPayoutRow
	NeedsRef  bool
	Action    string
	FailedRow bool
}

// staffPayPayout is 完成: finance enters the partner's invoice number (when
// the partner has not) and a bank transfer's reference, and the money moves
// by the payout's method. A voucher quota that cannot be issued leaves the
// payout in error, for a retry.
func (h *handler) staffPayPayout(c *call) error {
	ctx := c.r.Context()
	p, err := incentive.PayoutByID(ctx, h.app.DB.Reader(), c.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(url.Values{"invoice_number": {p.InvoiceNumber}})
	status := http.StatusOK
	if c.r.Method == http.MethodPost {
		f = newForm(c.postForm())
		after, err := incentive.PayPayout(ctx, h.app.DB, p.ID, incentive.Payment{InvoiceNumber: f.Get("invoice_number"), Reference: f.Get("reference"), By: c.p.UserID})
		if after != nil && after.Status != p.Status {
			if err := h.auditPayout(ctx, "pay", p, after); err != nil {
				return err
			}
		}
		if err == nil {
			return c.done("incentives.staff.paid", staffIncentivesPath+"?state="+incentive.PayoutCompleted)
		}
		if e, ok := apperr.As(err); ok && e.Key == incentive.ErrVoucherFailed.Key {
			c.setFlash(e.Key, true)
			c.redirect(staffIncentivesPath + "?state=" + incentive.PayoutError)
			return nil
		}
		if err := f.take(c, err); err != nil {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	name, err := partnerLabel(ctx, h.app.DB.Reader(), p.PartnerID)
	if err != nil {
		return err
	}
	v := staffPayView{Payout: staffPayoutRow{payoutRow: newPayoutRow(c, p), Partner: name}, NeedsRef: p.Method == incentive.MethodBankTransfer,
		Action: staffIncentivesPath + "/payouts/" + p.ID + "/pay"}
	return c.render(status, "incentives_staff_pay", &view{Title: "incentives.staff.pay_title", Active: staffIncentivesPath, Form: f, Data: v})
}

// staffPoliciesView is the policies list.
type staffPoliciesView struct {
	Policies               []policyRow
	Kinds, Types, Services []option
	Reset                  string
	Pager                  pager
}

type policyRow struct {
	*incentive.Policy
	KindText, Service, TypeText, Value, Validity string
}

func (h *handler) staffPolicies(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	f := newForm(c.r.URL.Query())
	v := staffPoliciesView{Reset: staffPoliciesPath, Kinds: policyKindOptions(c), Types: partnerTypeOptions(c)}
	services, err := catalogue.ServiceTypes(ctx, q)
	if err != nil {
		return err
	}
	v.Services = serviceOptions(c, services)
	invalid := c.t("consumption.choice_invalid")
	pf := incentive.PolicyFilter{Kind: oneOf(f, "kind", v.Kinds, invalid), PartnerType: partner.Type(oneOf(f, "partner_type", v.Types, invalid)),
		ServiceTypeCode: oneOf(f, "service_type", v.Services, invalid)}
	err = listPage(c, f, &v.Pager, func(offset, limit int) ([]*incentive.Policy, int, error) {
		pf.Offset, pf.Limit = offset, limit
		return incentive.ListPolicies(ctx, q, pf)
	}, func(p *incentive.Policy) error {
		r := policyRow{Policy: p, KindText: c.t(incentiveKindKey(p.Kind)), TypeText: c.t(typeKey(p.PartnerType)), Service: "-",
			Validity: p.ValidFrom.String() + " ~ " + c.t("incentives.staff.open_ended")}
		if p.ValidTo != 0 {
			r.Validity = p.ValidFrom.String() + " ~ " + p.ValidTo.String()
		}
		if p.Kind == incentive.KindRebate {
			r.Service, r.Value = catalogue.ServiceTypeName(services, p.ServiceTypeCode, c.billLang()), incentive.FormatRate(p.RateBP)
		} else {
			r.Value = i18n.Amount(p.BonusFen)
		}
		v.Policies = append(v.Policies, r)
		return nil
	})
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "incentives_policies", &view{Title: "incentives.staff.policies_title", Active: staffPoliciesPath, Form: f, Data: v})
}

func policyKindOptions(c *call) []option {
	return keyOptions(c.lang, []string{incentive.KindRebate, incentive.KindNewCustomer}, incentiveKindKey)
}

// serviceOptions are the product categories to choose from, named in the
// caller's language.
func serviceOptions(c *call, services []catalogue.ServiceType) []option {
	out := make([]option, len(services))
	for i, s := range services {
		out[i] = option{Value: s.Code, Label: catalogue.ServiceTypeName(services, s.Code, c.billLang())}
	}
	return out
}

func partnerTypeOptions(c *call) []option {
	out := make([]option, len(partner.Types))
	for i, t := range partner.Types {
		out[i] = option{Value: string(t), Label: c.t(typeKey(t))}
	}
	return out
}

// policyFormView is the create and edit form.
type policyFormView struct {
	Kinds, Types, Services []option
	Edit                   bool
	Action                 string
}

// policyFields maps the fields of the package's refusals to the form's.
var policyFields = map[string]string{"service_type_code": "service_type", "rate": "rate", "bonus": "bonus"}

// staffPolicyForm creates a policy, or edits the one in the address.
func (h *handler) staffPolicyForm(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	id := c.r.PathValue("id")
	v := policyFormView{Kinds: policyKindOptions(c), Types: partnerTypeOptions(c), Edit: id != "", Action: staffPoliciesPath + "/new"}
	services, err := catalogue.ServiceTypes(ctx, q)
	if err != nil {
		return err
	}
	v.Services = serviceOptions(c, services)
	var before *incentive.Policy
	f := newForm(url.Values{"kind": {incentive.KindRebate}})
	if id != "" {
		if before, err = incentive.GetPolicy(ctx, q, id); err != nil {
			return err
		}
		v.Action = staffPoliciesPath + "/" + id + "/edit"
		f = newForm(policyValues(before))
	}
	status := http.StatusOK
	if c.r.Method == http.MethodPost {
		f = newForm(c.postForm())
		in := c.policyInput(f)
		err := c.apply(f, func(ctx context.Context, tx *store.Tx) error {
			ch := audit.Change{Action: "incentive.policy_create", ObjectType: "incentive_policy"}
			var after *incentive.Policy
			var err error
			if before == nil {
				after, err = incentive.CreatePolicy(ctx, tx, in, c.p.UserID)
			} else {
				ch.Action, ch.Before = "incentive.policy_update", policyValues(before)
				_, after, err = incentive.UpdatePolicy(ctx, tx, before.ID, in, c.p.UserID)
			}
			if err != nil {
				return err
			}
			ch.ObjectID, ch.After = after.ID, policyValues(after)
			return audit.Record(ctx, tx, ch)
		})
		if err != nil {
			return err
		}
		if f.ok() {
			return c.done("incentives.staff.policy_saved", staffPoliciesPath)
		}
		for from, to := range policyFields {
			if msg, ok := f.Errors[from]; ok && from != to {
				delete(f.Errors, from)
				f.fieldError(to, msg)
			}
		}
		status = http.StatusUnprocessableEntity
	}
	title := "incentives.staff.policy_new"
	if v.Edit {
		title = "incentives.staff.policy_edit"
	}
	return c.render(status, "incentives_policy", &view{Title: title, Active: staffPoliciesPath, Form: f, Data: v})
}

// policyInput reads the form; a malformed number or month leaves its
// message next to its field, and the package checks the rest.
func (c *call) policyInput(f *form) incentive.PolicyInput {
	in := incentive.PolicyInput{Kind: f.Get("kind"), ServiceTypeCode: f.Get("service_type"), PartnerType: partner.Type(f.Get("partner_type")),
		AllowDiscount: f.Get("allow_discount") == "1"}
	if in.Kind == incentive.KindRebate {
		bp, err := incentive.ParseRate("rate", f.Get("rate"))
		f.take(c, err)
		in.RateBP = bp
	}
	if in.Kind == incentive.KindNewCustomer {
		fen, err := money.Parse(f.Get("bonus"))
		if err != nil || fen < 0 {
			f.fieldError("bonus", c.t("incentives.staff.bonus_invalid"))
		}
		in.BonusFen = fen
	}
	var err error
	if in.ValidFrom, err = bill.ParseMonth("valid_from", f.Get("valid_from")); err != nil {
		f.take(c, err)
	}
	if s := f.Get("valid_to"); s != "" {
		if in.ValidTo, err = bill.ParseMonth("valid_to", s); err != nil {
			f.take(c, err)
		}
	}
	return in
}

// policyValues are a policy as its form's values (and its audit entry).
func policyValues(p *incentive.Policy) url.Values {
	v := url.Values{"kind": {p.Kind}, "partner_type": {string(p.PartnerType)}, "valid_from": {p.ValidFrom.String()}}
	if p.ValidTo != 0 {
		v.Set("valid_to", p.ValidTo.String())
	}
	if p.Kind == incentive.KindRebate {
		v.Set("service_type", p.ServiceTypeCode)
		v.Set("rate", strings.TrimSuffix(incentive.FormatRate(p.RateBP), "%"))
		if p.AllowDiscount {
			v.Set("allow_discount", "1")
		}
	} else {
		v.Set("bonus", money.Plain(p.BonusFen))
	}
	return v
}
