package api

import (
	"net/http"

	"partnercenter/client"
	"partnercenter/internal/audit"
	"partnercenter/internal/auth"
	"partnercenter/internal/bill"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/incentive"
	"partnercenter/internal/platform/i18n"
	"partnercenter/internal/store"
)

// 激励管理 in the API, our extension under the BSS conventions: what a
// partner does on the console's 对账, 激励明细 and 激励申付 tabs — read its
// monthly statements and confirm them, read the details per customer and
// service type, apply for a payout with its method (chosen once), give the
// invoice a payout waits for, and the auto-apply setting. Provider
// finance's approval and payment stay in the back office. The rules are the
// incentive package's; another partner's ids answer not found. Each change
// is audited with the console's actions, so the audit log reads the same
// whichever way the partner made it.

// incentiveRoutes are the API operations of this file's extension.
var incentiveRoutes = []Route{
	{Method: http.MethodGet, Pattern: "/v2/partners/incentives/statements", OperationID: "ListIncentiveStatements", Permission: auth.PermIncentive, Handle: listIncentiveStatements},
	{Method: http.MethodGet, Pattern: "/v2/partners/incentives/statements/{statement_id}", OperationID: "ShowIncentiveStatement", Permission: auth.PermIncentive, Handle: showIncentiveStatement},
	{Method: http.MethodPost, Pattern: "/v2/partners/incentives/statements/{statement_id}/confirm", OperationID: "ConfirmIncentiveStatement", Mutates: true, Permission: auth.PermIncentive, Handle: confirmIncentiveStatement},
	{Method: http.MethodGet, Pattern: "/v2/partners/incentives/details", OperationID: "ListIncentiveDetails", Permission: auth.PermIncentive, Handle: listIncentiveDetails},
	{Method: http.MethodGet, Pattern: "/v2/partners/incentives/payouts", OperationID: "ListIncentivePayouts", Permission: auth.PermIncentive, Handle: listIncentivePayouts},
	{Method: http.MethodGet, Pattern: "/v2/partners/incentives/payouts/{payout_id}", OperationID: "ShowIncentivePayout", Permission: auth.PermIncentive, Handle: showIncentivePayout},
	{Method: http.MethodPost, Pattern: "/v2/partners/incentives/payouts/{payout_id}/apply", OperationID: "ApplyIncentivePayout", Mutates: true, Permission: auth.PermIncentive, Handle: applyIncentivePayout},
	{Method: http.MethodPost, Pattern: "/v2/partners/incentives/payouts/{payout_id}/invoice", OperationID: "SubmitIncentivePayoutInvoice", Mutates: true, Permission: auth.PermIncentive, Handle: submitIncentivePayoutInvoice},
	{Method: http.MethodGet, Pattern: "/v2/partners/incentives/payout-settings", OperationID: "ShowIncentivePayoutSettings", Permission: auth.PermIncentive, Handle: showIncentivePayoutSettings},
	{Method: http.MethodPut, Pattern: "/v2/partners/incentives/payout-settings", OperationID: "UpdateIncentivePayoutSettings", Mutates: true, Permission: auth.PermIncentive, Handle: updateIncentivePayoutSettings},
}

// incentiveStatementOf is a month's statement (对账) as the API answers it.
func incentiveStatementOf(st *incentive.Statement) client.IncentiveStatement {
	return client.IncentiveStatement{StatementID: st.ID, Month: st.Month.String(), Status: st.Status, Consumption: yuanText(st.Consumption),
		Refunds: yuanText(st.Refunds), Rebate: yuanText(st.Rebate), NewCustomers: st.NewCustomers, Bonus: yuanText(st.Bonus),
		CarryIn: yuanText(st.CarryIn), Payable: yuanText(st.Payable), CarryOut: yuanText(st.CarryOut), Currency: currencyCNY,
		ComputedAt: formatTime(st.ComputedAt), ConfirmedAt: formatTime(st.ConfirmedAt), ConfirmedBy: st.ConfirmedBy,
		PaidAt: formatTime(st.PaidAt)}
}

// i18nLang is the caller's language (X-Language) for catalogue texts.
func (c *Call) i18nLang() i18n.Lang {
	if c.lang() == "en" {
		return i18n.EN
	}
	return i18n.ZH
}

// incentivePayoutOf is a payout (激励申付) as the API answers it: with
// outcome and partner_action, the console's 描述 and 伙伴操作, in the
// caller's language.
func (c *Call) incentivePayoutOf(p *incentive.Payout) client.IncentivePayout {
	out := client.IncentivePayout{PayoutID: p.ID, StatementID: p.StatementID, Month: p.Month.String(), Amount: yuanText(p.Amount),
		Currency: currencyCNY, Status: p.Status, Method: p.Method, AutoApplied: p.AutoApplied, AppliedAt: formatTime(p.AppliedAt),
		ApprovedAt: formatTime(p.ApprovedAt), InvoiceNumber: p.InvoiceNumber, BankReference: p.BankReference, QuotaID: p.QuotaID,
		CompletedAt: formatTime(p.CompletedAt), CreatedAt: formatTime(p.CreatedAt), UpdatedAt: formatTime(p.UpdatedAt)}
	description, action := p.Outcome()
	if hint := description + "_hint"; description != "" && i18n.Has(hint) {
		// The console shows a voucher quota paid as "-" with this hint;
		// a platform reads the hint alone.
		description = hint
	}
	if description != "" {
		out.Outcome = i18n.T(c.i18nLang(), description)
	}
	out.PartnerAction = i18n.T(c.i18nLang(), action)
	return out
}

// incentiveMonths reads the optional from_month and to_month filters.
func (c *Call) incentiveMonths() (from, to incentive.Month, err error) {
	vals, err := c.queryStrings(7, "from_month", "to_month")
	if err != nil {
		return 0, 0, err
	}
	for i, dst := range []*incentive.Month{&from, &to} {
		if vals[i] == "" {
			continue
		}
		if *dst, err = bill.ParseMonth([]string{"from_month", "to_month"}[i], vals[i]); err != nil {
			return 0, 0, err
		}
	}
	if from != 0 && to != 0 && to < from {
		return 0, 0, fieldError("CBC.0100", "to_month", "api.month_order", "must not be before from_month")
	}
	return from, to, nil
}

// listIncentiveStatements is ListIncentiveStatements: the caller's months,
// newest first.
func listIncentiveStatements(c *Call) (any, error) {
	vals, err := c.queryFilter(32, []string{"status"}, map[string][]string{"status": incentive.StatementStatuses})
	if err != nil {
		return nil, err
	}
	f := incentive.StatementFilter{PartnerID: c.Partner.ID, Status: vals[0]}
	if f.From, f.To, err = c.incentiveMonths(); err != nil {
		return nil, err
	}
	rows, total, err := pagedList(c, 10, 100, func(offset, limit int) ([]*incentive.Statement, int, error) {
		f.Offset, f.Limit = offset, limit
		return incentive.ListStatements(c.ctx(), c.reader(), f)
	}, incentiveStatementOf)
	if err != nil {
		return nil, err
	}
	return client.IncentiveStatements{TotalCount: total, Statements: rows}, nil
}

// showIncentiveStatement is ShowIncentiveStatement.
func showIncentiveStatement(c *Call) (any, error) {
	id, err := c.pathID("statement_id")
	if err != nil {
		return nil, err
	}
	st, err := incentive.GetStatement(c.ctx(), c.reader(), c.Partner.ID, id)
	if err != nil {
		return nil, err
	}
	return incentiveStatementOf(st), nil
}

// confirmIncentiveStatement is ConfirmIncentiveStatement (确认): the month
// waiting for the partner is confirmed, the month before first.
func confirmIncentiveStatement(c *Call) (any, error) {
	id, err := c.pathID("statement_id")
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		st, p, err := incentive.ConfirmStatement(c.ctx(), tx, c.Partner.ID, id, c.Principal.ActorName())
		if err != nil {
			return nil, err
		}
		out := client.ConfirmedStatement{Statement: incentiveStatementOf(st)}
		after := map[string]any{"status": st.Status, "payable": st.Payable}
		if p != nil {
			pj := c.incentivePayoutOf(p)
			out.Payout, after["payout_id"] = &pj, p.ID
		}
		return out, audit.Record(c.ctx(), tx, audit.Change{PartnerID: c.Partner.ID, Action: "incentive.statement_confirm",
			ObjectType: "incentive_statement", ObjectID: st.ID, Before: map[string]any{"status": incentive.StatusToConfirm}, After: after})
	})
}

var incentiveKinds = []string{incentive.KindRebate, incentive.KindNewCustomer}

// listIncentiveDetails is ListIncentiveDetails: the caller's details with
// the filters of the console's 激励明细, newest month first.
func listIncentiveDetails(c *Call) (any, error) {
	vals, err := c.queryFilter(64, []string{"customer_id", "service_type_code", "manager_id", "kind"}, map[string][]string{"kind": incentiveKinds})
	if err != nil {
		return nil, err
	}
	types, err := catalogue.ServiceTypes(c.ctx(), c.reader())
	if err != nil {
		return nil, err
	}
	if vals[1] != "" {
		codes := make([]string, len(types))
		for i, t := range types {
			codes[i] = t.Code
		}
		if err := enumParam("service_type_code", vals[1], codes); err != nil {
			return nil, err
		}
	}
	f := incentive.DetailFilter{PartnerID: c.Partner.ID, CustomerID: vals[0], ServiceTypeCode: vals[1], ManagerUserID: vals[2], Kind: vals[3]}
	if f.From, f.To, err = c.incentiveMonths(); err != nil {
		return nil, err
	}
	lang := c.lang()
	rows, total, err := pagedList(c, 10, 100, func(offset, limit int) ([]*incentive.Detail, int, error) {
		f.Offset, f.Limit = offset, limit
		return incentive.ListDetails(c.ctx(), c.reader(), f)
	}, func(d *incentive.Detail) client.IncentiveDetail {
		row := client.IncentiveDetail{StatementID: d.StatementID, Month: d.Month.String(), CustomerID: d.CustomerID, CustomerName: d.CustomerName,
			Kind: d.Kind, ServiceTypeCode: d.ServiceTypeCode, ManagerID: d.ManagerUserID, Consumption: yuanText(d.Consumption),
			Refunds: yuanText(d.Refunds), Amount: yuanText(d.Amount)}
		if d.ServiceTypeCode != "" {
			row.ServiceTypeName = catalogue.ServiceTypeName(types, d.ServiceTypeCode, lang)
		}
		if d.Kind == incentive.KindRebate {
			row.Rate = incentive.FormatRate(d.RateBP)
		}
		return row
	})
	if err != nil {
		return nil, err
	}
	return client.IncentiveDetails{TotalCount: total, Details: rows}, nil
}

// listIncentivePayouts is ListIncentivePayouts: the caller's payouts,
// newest month first.
func listIncentivePayouts(c *Call) (any, error) {
	vals, err := c.queryFilter(32, []string{"status", "method"},
		map[string][]string{"status": incentive.PayoutStatuses, "method": incentive.Methods})
	if err != nil {
		return nil, err
	}
	f := incentive.PayoutFilter{PartnerID: c.Partner.ID, Status: vals[0], Method: vals[1]}
	if f.From, f.To, err = c.incentiveMonths(); err != nil {
		return nil, err
	}
	rows, total, err := pagedList(c, 10, 100, func(offset, limit int) ([]*incentive.Payout, int, error) {
		f.Offset, f.Limit = offset, limit
		return incentive.ListPayouts(c.ctx(), c.reader(), f)
	}, c.incentivePayoutOf)
	if err != nil {
		return nil, err
	}
	return client.IncentivePayouts{TotalCount: total, Payouts: rows}, nil
}

// showIncentivePayout is ShowIncentivePayout.
func showIncentivePayout(c *Call) (any, error) {
	id, err := c.pathID("payout_id")
	if err != nil {
		return nil, err
	}
	p, err := incentive.GetPayout(c.ctx(), c.reader(), c.Partner.ID, id)
	if err != nil {
		return nil, err
	}
	return c.incentivePayoutOf(p), nil
}

// payoutMethodReq is the body of ApplyIncentivePayout.
type payoutMethodReq struct {
	Method *string `json:"method"`
}

// applyIncentivePayout is ApplyIncentivePayout (申请): the method is chosen
// once.
func applyIncentivePayout(c *Call) (any, error) {
	var req payoutMethodReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	return c.payoutStep("apply", func(tx *store.Tx, id string) (*incentive.Payout, error) {
		return incentive.Apply(c.ctx(), tx, c.Partner.ID, id, strOr(req.Method), c.Principal.ActorName())
	})
}

// payoutInvoiceReq is the body of SubmitIncentivePayoutInvoice.
type payoutInvoiceReq struct {
	InvoiceNumber *string `json:"invoice_number"`
}

// submitIncentivePayoutInvoice is SubmitIncentivePayoutInvoice (提交发票):
// the number of the partner's invoice a payout pending invoice waits for.
func submitIncentivePayoutInvoice(c *Call) (any, error) {
	var req payoutInvoiceReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	return c.payoutStep("invoice", func(tx *store.Tx, id string) (*incentive.Payout, error) {
		return incentive.SubmitInvoice(c.ctx(), tx, c.Partner.ID, id, strOr(req.InvoiceNumber), c.Principal.ActorName())
	})
}

// payoutStep makes one of the partner's changes to the path's payout with
// the console's audit entry (incentive.payout.<name>) and answers the
// payout as it now is.
func (c *Call) payoutStep(name string, change func(tx *store.Tx, id string) (*incentive.Payout, error)) (any, error) {
	id, err := c.pathID("payout_id")
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		before, err := incentive.GetPayout(c.ctx(), tx, c.Partner.ID, id)
		if err != nil {
			return nil, err
		}
		after, err := change(tx, id)
		if err != nil {
			return nil, err
		}
		return c.incentivePayoutOf(after), audit.Record(c.ctx(), tx, audit.Change{PartnerID: c.Partner.ID, Action: "incentive.payout." + name,
			ObjectType: "incentive_payout", ObjectID: id, Before: map[string]any{"status": before.Status, "method": before.Method},
			After: map[string]any{"status": after.Status, "method": after.Method, "invoice_number": after.InvoiceNumber}})
	})
}

// showIncentivePayoutSettings is ShowIncentivePayoutSettings.
func showIncentivePayoutSettings(c *Call) (any, error) {
	s, err := incentive.GetSettings(c.ctx(), c.reader(), c.Partner.ID)
	if err != nil {
		return nil, err
	}
	return client.IncentivePayoutSettings{AutoApply: s.AutoApply, Method: s.Method}, nil
}

// incentiveSettingsReq is the body of UpdateIncentivePayoutSettings.
type incentiveSettingsReq struct {
	AutoApply *bool   `json:"auto_apply"`
	Method    *string `json:"method"`
}

// updateIncentivePayoutSettings is UpdateIncentivePayoutSettings: turning
// auto-apply on applies the payouts waiting for an application with the
// method given.
func updateIncentivePayoutSettings(c *Call) (any, error) {
	var req incentiveSettingsReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if req.AutoApply == nil {
		return nil, fieldError("CBC.0100", "auto_apply", "api.auto_apply_required", "is required: true or false")
	}
	s := incentive.Settings{AutoApply: *req.AutoApply, Method: strOr(req.Method)}
	return c.InTx(func(tx *store.Tx) (any, error) {
		before, err := incentive.GetSettings(c.ctx(), tx, c.Partner.ID)
		if err != nil {
			return nil, err
		}
		applied, err := incentive.SaveSettings(c.ctx(), tx, c.Partner.ID, s, c.Principal.ActorName())
		if err != nil {
			return nil, err
		}
		out := client.IncentivePayoutSettings{AutoApply: s.AutoApply, Method: s.Method, Applied: answersOf(applied, c.incentivePayoutOf)}
		return out, audit.Record(c.ctx(), tx, audit.Change{PartnerID: c.Partner.ID, Action: "incentive.settings", ObjectType: "incentive_settings",
			ObjectID: c.Partner.ID, Before: before, After: map[string]any{"auto_apply": s.AutoApply, "method": s.Method, "applied": len(applied)}})
	})
}
