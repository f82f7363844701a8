package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/i18n"
)

// 资金管理 (销售 > 账务 > 资金管理): the partner's balances above the tabs
// 收支明细 (one per account, 充值账户 / 信用账户, as seed snippet 5 has it),
// 调账记录, 批量调账 (batch.go), 提现 (funds_withdraw.go) and 我的导出
// (exports.go). Every query is scoped by the caller's partner.

const fundsPath = "/console/funds"

// fundsView is what funds.html shows: the balances, the tabs, and the one
// tab being shown.
type fundsView struct {
	Balances    *funds.Balances
	Tabs        []tab
	Tab         string
	CanMove     bool
	Statement   *statementView
	Adjustments *adjustmentsView
	Withdrawals *withdrawalsView
	Exports     *exportsView
	Batches     *batchesView
}

// fundsTabs are the tabs of 资金管理; move marks those only a user who may
// move money sees.
var fundsTabs = []struct {
	name, label, path string
	move              bool
}{
	{"statement", "funds.tab.statement", fundsPath, false},
	{"adjustments", "funds.tab.adjustments", fundsPath + "/adjustments", false},
	{"batches", "funds.tab.batches", fundsPath + "/batches", true},
	{"withdrawals", "funds.tab.withdrawals", fundsPath + "/withdrawals", false},
	{"exports", "funds.tab.exports", fundsPath + "/exports", false},
}

// renderFunds shows one tab of 资金管理 under the balances.
func (c *call) renderFunds(status int, v *fundsView, f *form) error {
	var err error
	if v.Balances, err = funds.PartnerBalances(c.r.Context(), c.h.app.DB.Reader(), c.p.PartnerID); err != nil {
		return err
	}
	v.CanMove = c.p.Can(auth.PermFundsMove)
	for _, t := range fundsTabs {
		if !t.move || v.CanMove {
			v.Tabs = append(v.Tabs, tab{Label: t.label, Href: t.path, Active: t.name == v.Tab})
		}
	}
	if f == nil {
		f = newForm(nil)
	}
	return c.render(status, "funds", &view{Title: "funds.title", Active: fundsPath, Form: f, Data: v})
}

// statementView is the 收支明细 tab.
type statementView struct {
	Accounts   []tab // 充值账户 / 信用账户
	Rows       []statementRow
	Totals     ledger.Totals
	Pager      pager
	TradeTypes []option
	// Export is the query applied, for the export buttons; nil when a
	// filter was refused.
	Export *exportForm
}

type statementRow struct {
	funds.StatementLine
	Type      string
	Income    bool
	Magnitude int64
}

// hiddenField is a value a form carries without showing it.
type hiddenField struct{ Name, Value string }

// exportForm is a page's 导出 buttons: they post the page's query
// (Fields) to its exports address (Action).
type exportForm struct {
	Action string
	Fields []hiddenField
}

// exportOf is the export form that carries the named fields of a query.
func exportOf(action string, f *form, names ...string) *exportForm {
	e := &exportForm{Action: action}
	for _, n := range names {
		e.Fields = append(e.Fields, hiddenField{n, f.Get(n)})
	}
	return e
}

// statementFields maps the fields of the domain's refusals to the form's.
var statementFields = map[string]string{"trade_time_begin": "from", "balance_type": "account", "trade_type": "trade_type"}

func (h *handler) statementPage(c *call) error {
	return h.renderStatement(c, http.StatusOK, newForm(c.r.URL.Query()))
}

func (h *handler) renderStatement(c *call, status int, f *form) error {
	q, err := c.statementQuery(f)
	if err != nil {
		return err
	}
	page, offset := pageOf(c.r)
	v := &statementView{TradeTypes: tradeTypeOptions(c.lang), Pager: newPager(c.r, 1, 0)}
	credit := q.BalanceType == funds.BalanceTypeCredit
	for _, a := range []struct {
		value, label string
		active       bool
	}{{"debit", "funds.account.debit", !credit}, {"credit", "funds.account.credit", credit}} {
		link := url.Values{"account": {a.value}}
		for _, k := range []string{"from", "to", "trade_type"} {
			if s := f.Get(k); s != "" && f.Err(k) == "" {
				link.Set(k, s)
			}
		}
		v.Accounts = append(v.Accounts, tab{Label: a.label, Href: fundsPath + "?" + link.Encode(), Active: a.active})
	}
	if f.ok() {
		q.Offset, q.Limit = offset, pageSize
		lines, tot, err := funds.Statement(c.r.Context(), h.app.DB.Reader(), q)
		if err != nil {
			return err
		}
		v.Totals, v.Pager = tot, newPager(c.r, page, int(tot.Count))
		for _, l := range lines {
			v.Rows = append(v.Rows, statementRow{StatementLine: l, Type: c.t(tradeKey(l.TradeType)), Income: l.Income(), Magnitude: abs(l.Amount)})
		}
		v.Export = &exportForm{Action: "/console/funds/exports", Fields: []hiddenField{{"kind", funds.ExportStatement},
			{"account", f.Get("account")}, {"from", f.Get("from")}, {"to", f.Get("to")}, {"trade_type", q.TradeType}}}
	}
	return c.renderFunds(status, &fundsView{Tab: "statement", Statement: v}, f)
}

// statementQuery reads the 收支明细 filters of f: the account, the billing
// days from and to (the last year when empty; at most a year) and the trade
// type. A refused filter leaves its message next to its field; the range
// applied is written back to the form, so the user sees the default.
func (c *call) statementQuery(f *form) (funds.StatementQuery, error) {
	q := funds.StatementQuery{PartnerID: c.p.PartnerID, BalanceType: funds.BalanceTypeDebit, TradeType: f.Get("trade_type"), Limit: pageSize}
	switch f.Get("account") {
	case "credit":
		q.BalanceType = funds.BalanceTypeCredit
	case "", "debit":
	default:
		f.fieldError("account", c.t("funds.balance_type_invalid"))
	}
	q.From, q.To = c.billingDay(f, "from"), c.billingDay(f, "to")
	if !f.ok() {
		return q, nil
	}
	err := q.Normalize(time.Now())
	if e, ok := apperr.As(err); ok && statementFields[e.Field] != "" {
		moved := *e
		moved.Field = statementFields[e.Field]
		err = &moved
	}
	if err := f.take(c, err); err != nil {
		return q, err
	}
	if f.ok() {
		f.Values.Set("from", i18n.Date(q.From, ledger.BillingZone))
		f.Values.Set("to", i18n.Date(q.To, ledger.BillingZone))
	}
	return q, nil
}

// billingDay reads a date field as a billing day: 收支明细 ranges are whole
// days of the provider's billing zone (UTC+8), whatever the user's zone.
func (c *call) billingDay(f *form, field string) time.Time {
	s := f.Get(field)
	if s == "" {
		return time.Time{}
	}
	t, err := i18n.ParseDate(s, ledger.BillingZone)
	if err != nil {
		f.fieldError(field, c.t("audit.date_invalid"))
	}
	return t
}

// adjustmentsView is the 调账记录 tab.
type adjustmentsView struct {
	Rows       []adjustmentRow
	Pager      pager
	Operations []option
	Export     *exportForm
}

type adjustmentRow struct {
	funds.Adjustment
	Operation string
}

// adjustmentOps are the 调账记录 operation types, as the filter offers them.
var adjustmentOps = []string{funds.OpAllocate, funds.OpReclaim, funds.OpUnbind}

func (h *handler) adjustmentsPage(c *call) error {
	return h.renderAdjustments(c, http.StatusOK, newForm(c.r.URL.Query()))
}

func (h *handler) renderAdjustments(c *call, status int, f *form) error {
	af, err := c.adjustmentFilter(f)
	if err != nil {
		return err
	}
	page, offset := pageOf(c.r)
	v := &adjustmentsView{Operations: optionsOf(c.lang, adjustmentOps, opKey), Pager: newPager(c.r, 1, 0)}
	if f.ok() {
		af.Offset, af.Limit = offset, pageSize
		list, total, err := funds.Adjustments(c.r.Context(), h.app.DB.Reader(), af)
		if err != nil {
			return err
		}
		v.Pager = newPager(c.r, page, total)
		for _, a := range list {
			v.Rows = append(v.Rows, adjustmentRow{Adjustment: a, Operation: c.t(opKey(a.OperationType))})
		}
		v.Export = &exportForm{Action: "/console/funds/exports", Fields: []hiddenField{{"kind", funds.ExportAdjustments},
			{"customer", f.Get("customer")}, {"operation", f.Get("operation")}, {"from", f.Get("from")}, {"to", f.Get("to")}}}
	}
	return c.renderFunds(status, &fundsView{Tab: "adjustments", Adjustments: v}, f)
}

// adjustmentFilter reads the 调账记录 filters: a customer (account name or
// id), the operation type, and a date range in the user's zone.
func (c *call) adjustmentFilter(f *form) (funds.AdjustmentFilter, error) {
	af := funds.AdjustmentFilter{PartnerID: c.p.PartnerID, OperationType: f.Get("operation")}
	if af.OperationType != "" && !slices.Contains(adjustmentOps, af.OperationType) {
		f.fieldError("operation", c.t("funds.operation_invalid"))
	}
	if ref := f.Get("customer"); ref != "" {
		found, err := funds.LookupCustomers(c.r.Context(), c.h.app.DB.Reader(), c.p.PartnerID, []string{ref})
		if err != nil {
			return af, err
		}
		// A customer unbound since keeps its records under its id, which
		// the partner may still filter by.
		af.CustomerID = ref
		if cu, ok := found[ref]; ok {
			af.CustomerID = cu.ID
		}
	}
	from, to, err := dateRange(c, f)
	if err != nil {
		return af, err
	}
	af.From = from
	if !to.IsZero() {
		af.To = to.Add(-time.Microsecond) // the domain's bound is inclusive
	}
	return af, nil
}

// The fields of this file's audit summaries, named in the audit log as the
// pages name them.
func init() {
	type field = struct {
		label string
		value func(string) string
	}
	status := func(v string) string {
		if i18n.Has(withdrawalKey(v)) {
			return withdrawalKey(v)
		}
		return batchStatusKey(v)
	}
	for name, f := range map[string]field{
		"amount":       {"funds.audit.amount", nil},
		"credit_line":  {"funds.credit_line", nil},
		"method":       {"finance.recharge.method", methodKey},
		"reference":    {"finance.recharge.reference", nil},
		"bank_account": {"funds.withdraw.bank_account", nil},
		"reason":       {"funds.audit.reason", nil},
		"operation":    {"funds.batch.operation", batchOpKey},
		"file_name":    {"funds.batch.file", nil},
		"rows":         {"funds.batch.rows", nil},
		"invalid":      {"funds.batch.rows_invalid", nil},
		"kind":         {"exports.col.file", func(v string) string { return exportTitles[v] }},
		"format":       {"exports.col.format", nil},
		"status":       {"common.status", status},
		"trans_id":     {"export.col.trans_id", nil},
	} {
		if _, taken := summaryFields[name]; !taken {
			summaryFields[name] = f
		}
	}
}

// Message keys built from values; funds_keys_test.go walks every value.
func tradeKey(code string) string { return "funds.trade." + strings.ToLower(code) }
func opKey(op string) string {
	return "funds.op." + strings.ToLower(strings.TrimPrefix(op, "SOURCE_OPERATION_"))
}
func withdrawalKey(s string) string   { return "funds.withdrawal." + s }
func exportStatusKey(s string) string { return "exports.status." + s }
func batchStatusKey(s string) string  { return "funds.batch.status." + s }
func rowStatusKey(s string) string    { return "funds.batch.row." + s }
func batchOpKey(op string) string     { return "funds.batch.op." + op }
func methodKey(m string) string       { return "funds.method." + m }

func tradeTypeOptions(lang i18n.Lang) []option { return optionsOf(lang, funds.TradeTypes, tradeKey) }

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
