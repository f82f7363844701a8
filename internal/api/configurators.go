package api

import (
	"net/http"
	"slices"
	"strings"

	"partnercenter/internal/auth"
	"partnercenter/internal/configurator"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// The operations of 解决方案配置中心: a partner's configurators (read and
// evaluated, as the console's live preview does; building them stays in
// the console) and the configuration lists (配置单) made with the published
// ones, which keep their bill. Amounts are yuan strings with two decimals,
// exact: the bill's fen written out.

var configuratorOps = []Route{
	{Method: http.MethodGet, Pattern: "/v2/partners/solution-configurators", OperationID: "ListSolutionConfigurators", Permission: auth.PermSolution, Handle: listSolutionConfigurators},
	{Method: http.MethodGet, Pattern: "/v2/partners/solution-configurators/{configurator_id}", OperationID: "ShowSolutionConfigurator", Permission: auth.PermSolution, Handle: showSolutionConfigurator},
	{Method: http.MethodPost, Pattern: "/v2/partners/solution-configurators/{configurator_id}/evaluate", OperationID: "EvaluateSolutionConfigurator", Permission: auth.PermSolution, Handle: evaluateSolutionConfigurator},
	{Method: http.MethodPost, Pattern: "/v2/partners/configuration-lists", OperationID: "CreateConfigurationList", Mutates: true, Permission: auth.PermSolution, Handle: createConfigurationList},
	{Method: http.MethodGet, Pattern: "/v2/partners/configuration-lists", OperationID: "ListConfigurationLists", Permission: auth.PermSolution, Handle: listConfigurationLists},
	{Method: http.MethodGet, Pattern: "/v2/partners/configuration-lists/{list_id}", OperationID: "ShowConfigurationList", Permission: auth.PermSolution, Handle: showConfigurationList},
	{Method: http.MethodPost, Pattern: "/v2/partners/configuration-lists/{list_id}/link", OperationID: "LinkConfigurationList", Mutates: true, Permission: auth.PermSolution, Handle: linkConfigurationList},
	{Method: http.MethodPost, Pattern: "/v2/partners/configuration-lists/{list_id}/submit", OperationID: "SubmitConfigurationList", Mutates: true, Permission: auth.PermSolution, Handle: submitConfigurationList},
}

// configuratorActor is the calling partner as the configurator package sees it.
func (c *Call) configuratorActor() configurator.Actor {
	return configurator.Actor{PartnerID: c.Partner.ID, Name: c.Principal.ActorName()}
}

// configuratorInfo is a configurator as the API answers it; the definition
// is ShowSolutionConfigurator's.
type configuratorInfo struct {
	ConfiguratorID string            `json:"configurator_id"`
	SolutionID     string            `json:"solution_id"`
	SolutionName   string            `json:"solution_name"`
	Status         string            `json:"status"`
	Revision       int64             `json:"revision"`
	PublishedAt    string            `json:"published_at,omitempty"`
	UpdatedAt      string            `json:"updated_at"`
	Parameters     []parameterInfo   `json:"parameters,omitempty"`
	Lines          []lineInfo        `json:"lines,omitempty"`
	Tiers          []tierInfo        `json:"tiers,omitempty"`
	Defaults       map[string]string `json:"defaults,omitempty"`
}

type parameterInfo struct {
	Name    string     `json:"name"`
	Label   string     `json:"label"`
	Kind    string     `json:"kind"`
	Min     string     `json:"min,omitempty"`
	Max     string     `json:"max,omitempty"`
	Step    string     `json:"step,omitempty"`
	Options []string   `json:"options,omitempty"`
	Default string     `json:"default"`
	Rules   []ruleInfo `json:"rules"`
}

type ruleInfo struct {
	Expr    string `json:"expr"`
	Message string `json:"message"`
}

type lineInfo struct {
	No        int    `json:"no"`
	ProductID string `json:"product_id"`
	SpecCode  string `json:"spec_code"`
	Quantity  string `json:"quantity"`
	Mode      string `json:"mode"`
	Period    int    `json:"period"`
}

type tierInfo struct {
	ProductID   string `json:"product_id,omitempty"`
	MinQuantity int64  `json:"min_quantity"`
	Rate        string `json:"rate"`
}

func configuratorInfoOf(cfg *configurator.Configurator) configuratorInfo {
	info := configuratorInfo{ConfiguratorID: cfg.ID, SolutionID: cfg.SolutionID, SolutionName: cfg.SolutionName, Status: cfg.Status,
		Revision: cfg.Revision, UpdatedAt: formatTime(cfg.UpdatedAt)}
	if cfg.Status == configurator.Published {
		info.PublishedAt = formatTime(cfg.DecidedAt)
	}
	return info
}

// withDefinition adds the definition: parameters with their rules, lines
// with their quantity formulas, discount tiers and the default values.
func (info *configuratorInfo) withDefinition(def configurator.Definition) {
	info.Parameters = make([]parameterInfo, 0, len(def.Parameters))
	info.Defaults = make(map[string]string, len(def.Parameters))
	for _, p := range def.Parameters {
		pi := parameterInfo{Name: p.Name, Label: p.Label, Kind: p.Kind, Options: p.Options, Default: p.Default, Rules: make([]ruleInfo, 0, len(p.Rules))}
		if p.Kind == configurator.KindNumber {
			pi.Min, pi.Max, pi.Step = p.Min.String(), p.Max.String(), p.Step.String()
		}
		for _, r := range p.Rules {
			pi.Rules = append(pi.Rules, ruleInfo{Expr: r.Expr, Message: r.Message})
		}
		info.Parameters = append(info.Parameters, pi)
		info.Defaults[p.Name] = p.Default
	}
	info.Lines = make([]lineInfo, 0, len(def.Lines))
	for i, l := range def.Lines {
		info.Lines = append(info.Lines, lineInfo{No: i + 1, ProductID: l.ProductID, SpecCode: l.SpecCode, Quantity: l.Quantity, Mode: l.Mode, Period: l.Period})
	}
	info.Tiers = make([]tierInfo, 0, len(def.Tiers))
	for _, t := range def.Tiers {
		info.Tiers = append(info.Tiers, tierInfo{ProductID: t.ProductID, MinQuantity: t.MinQuantity, Rate: t.Rate.String()})
	}
}

// configuratorStatuses are the statuses ListSolutionConfigurators filters by.
var configuratorStatuses = []string{configurator.Editing, configurator.Pending, configurator.Published}

// listConfiguratorsResponse is one page of configurators.
type listConfiguratorsResponse struct {
	TotalCount    int                `json:"total_count"`
	Configurators []configuratorInfo `json:"configurators"`
}

// listSolutionConfigurators is ListSolutionConfigurators: the caller's
// configurators, the latest change first; status=published gives those
// that make configuration lists.
func listSolutionConfigurators(c *Call) (any, error) {
	status, err := c.queryString("status", 20)
	if err != nil {
		return nil, err
	}
	if err := enumParam("status", status, configuratorStatuses); err != nil {
		return nil, err
	}
	p, err := c.queryPaging(10, 100)
	if err != nil {
		return nil, err
	}
	// A partner has one configurator per solution: few enough to page here.
	all, err := configurator.Configurators(c.ctx(), c.reader(), c.Partner.ID, status)
	if err != nil {
		return nil, err
	}
	out := listConfiguratorsResponse{TotalCount: len(all), Configurators: []configuratorInfo{}}
	for _, cfg := range all[min(p.Offset, len(all)):min(p.Offset+p.Limit, len(all))] {
		out.Configurators = append(out.Configurators, configuratorInfoOf(cfg))
	}
	return out, nil
}

// showSolutionConfigurator is ShowSolutionConfigurator: one of the
// caller's configurators with its definition.
func showSolutionConfigurator(c *Call) (any, error) {
	id, err := c.pathID("configurator_id")
	if err != nil {
		return nil, err
	}
	cfg, err := configurator.Get(c.ctx(), c.reader(), c.Partner.ID, id)
	if err != nil {
		return nil, err
	}
	info := configuratorInfoOf(cfg)
	info.withDefinition(cfg.Def)
	return info, nil
}

// billInfo is a priced bill of materials in yuan.
type billInfo struct {
	Lines      []billLineInfo `json:"lines"`
	ListAmount string         `json:"list_amount"`
	Discount   string         `json:"discount"`
	Total      string         `json:"total"`
}

type billLineInfo struct {
	No         int    `json:"no"`
	ProductID  string `json:"product_id"`
	SpecCode   string `json:"spec_code"`
	SpecNameZh string `json:"spec_name_zh"`
	SpecNameEn string `json:"spec_name_en"`
	Mode       string `json:"mode"`
	Period     int    `json:"period"`
	Quantity   int64  `json:"quantity"`
	UnitPrice  string `json:"unit_price"`
	ListAmount string `json:"list_amount"`
	Rate       string `json:"discount_rate"`
	Discount   string `json:"discount"`
	Amount     string `json:"amount"`
}

func billInfoOf(b *configurator.Bill) billInfo {
	out := billInfo{Lines: make([]billLineInfo, 0, len(b.Lines)), ListAmount: yuanText(b.List), Discount: yuanText(b.Discount), Total: yuanText(b.Total)}
	for _, l := range b.Lines {
		out.Lines = append(out.Lines, billLineInfo{No: l.No, ProductID: l.ProductID, SpecCode: l.SpecCode, SpecNameZh: l.SpecZh, SpecNameEn: l.SpecEn,
			Mode: l.Mode, Period: l.Period, Quantity: l.Quantity, UnitPrice: yuanText(l.UnitPrice), ListAmount: yuanText(l.List), Rate: l.Rate,
			Discount: yuanText(l.Discount), Amount: yuanText(l.Amount)})
	}
	return out
}

// evaluateReq is the body of EvaluateSolutionConfigurator.
type evaluateReq struct {
	Values map[string]string `json:"values"`
}

// evaluateResponse is the bill for the values, with the values used.
type evaluateResponse struct {
	ConfiguratorID string            `json:"configurator_id"`
	Revision       int64             `json:"revision"`
	Values         map[string]string `json:"values"`
	Bill           billInfo          `json:"bill"`
}

// checkValues refuses values of parameters the configurator does not have:
// the console's form cannot send them, and a platform that does has a
// misspelt name it should hear about.
func checkValues(def configurator.Definition, values map[string]string) error {
	for name, v := range values {
		if !slices.ContainsFunc(def.Parameters, func(p configurator.Parameter) bool { return p.Name == name }) {
			return fieldError("CBC.0100", "values."+name, "api.parameter_unknown", "is not a parameter of the configurator")
		}
		if _, err := optionalString("values."+name, &v, 100); err != nil {
			return err
		}
	}
	return nil
}

// evaluationError names a refused evaluation's field as the API does: a
// parameter's value as values.<name>; a formula's fault with the formula,
// the character and the name at fault beside the message.
func evaluationError(err error, def configurator.Definition) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	if slices.ContainsFunc(def.Parameters, func(p configurator.Parameter) bool { return p.Name == e.Field }) {
		moved := *e
		moved.Field = "values." + e.Field
		return &moved
	}
	if strings.HasPrefix(e.Key, "configurator.formula_") && len(e.Args) == 3 {
		return &detailedError{err: e, fields: map[string]any{"field": e.Field, "formula": e.Args[0], "position": e.Args[1], "name": e.Args[2]}}
	}
	if strings.HasPrefix(e.Field, "lines.") || strings.HasPrefix(e.Field, "parameters.") {
		// A quantity that is no whole number: the definition's field, as
		// for a formula's fault.
		return &detailedError{err: e, fields: map[string]any{"field": e.Field}}
	}
	return err
}

// evaluateSolutionConfigurator is EvaluateSolutionConfigurator: the bill
// for a set of parameter values (a missing one takes its default), exactly
// as the console's live preview prices it. Nothing is stored.
func evaluateSolutionConfigurator(c *Call) (any, error) {
	id, err := c.pathID("configurator_id")
	if err != nil {
		return nil, err
	}
	var req evaluateReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	cfg, err := configurator.Get(c.ctx(), c.reader(), c.Partner.ID, id)
	if err != nil {
		return nil, err
	}
	if err := checkValues(cfg.Def, req.Values); err != nil {
		return nil, err
	}
	compiled, err := cfg.Compile(c.ctx(), c.reader())
	if err != nil {
		return nil, evaluationError(err, cfg.Def)
	}
	bill, err := compiled.Evaluate(req.Values)
	if err != nil {
		return nil, evaluationError(err, cfg.Def)
	}
	used := compiled.Defaults()
	for name, v := range req.Values {
		used[name] = strings.TrimSpace(v)
	}
	return evaluateResponse{ConfiguratorID: cfg.ID, Revision: cfg.Revision, Values: used, Bill: billInfoOf(bill)}, nil
}

// configurationListInfo is a configuration list as the API answers it.
type configurationListInfo struct {
	ListID          string            `json:"list_id"`
	Code            string            `json:"code"`
	Name            string            `json:"name"`
	ConfiguratorID  string            `json:"configurator_id"`
	SolutionName    string            `json:"solution_name"`
	Source          string            `json:"source"`
	Date            string            `json:"date"`
	Status          string            `json:"status"`
	Total           string            `json:"total"`
	OpportunityID   string            `json:"opportunity_id,omitempty"`
	OpportunityCode string            `json:"opportunity_code,omitempty"`
	OpportunityName string            `json:"opportunity_name,omitempty"`
	LinkedAt        string            `json:"linked_at,omitempty"`
	LinkDeadline    string            `json:"link_deadline,omitempty"`
	SubmittedAt     string            `json:"submitted_at,omitempty"`
	CreatedBy       string            `json:"created_by"`
	CreatedAt       string            `json:"created_at"`
	Values          map[string]string `json:"values,omitempty"`
	Bill            *billInfo         `json:"bill,omitempty"`
}

func listInfoOf(l *configurator.List) configurationListInfo {
	return configurationListInfo{ListID: l.ID, Code: l.Code, Name: l.Name, ConfiguratorID: l.ConfiguratorID, SolutionName: l.SolutionName,
		Source: l.Source, Date: l.Date().Format(dateLayout), Status: l.Status, Total: yuanText(l.Bill.Total), OpportunityID: l.OpportunityID,
		OpportunityCode: l.OpportunityCode, OpportunityName: l.OpportunityName, LinkedAt: formatTime(l.LinkedAt),
		SubmittedAt: formatTime(l.SubmittedAt), CreatedBy: l.CreatedBy, CreatedAt: formatTime(l.CreatedAt)}
}

// fullListInfo adds the kept values and bill, and the 15-day deadline as
// the console shows it: for a draft linked to an opportunity signed before
// the list's date, the last day to link and submit it.
func fullListInfo(c *Call, q store.Queryer, l *configurator.List) (configurationListInfo, error) {
	info := listInfoOf(l)
	bill := billInfoOf(&l.Bill)
	info.Values, info.Bill = l.Values, &bill
	if l.Status == configurator.ListDraft && l.OpportunityID != "" {
		o, err := opportunity.Get(c.ctx(), q, c.viewer(), l.OpportunityID)
		if err != nil {
			return info, err
		}
		if last, ok := configurator.LinkDeadline(l, o); ok {
			info.LinkDeadline = ledger.DayStart(last).In(ledger.BillingZone).Format(dateLayout)
		}
	}
	return info, nil
}

// createListReq is the body of CreateConfigurationList.
type createListReq struct {
	ConfiguratorID *string           `json:"configurator_id"`
	Name           *string           `json:"name"`
	Date           *string           `json:"date"`
	Values         map[string]string `json:"values"`
}

// createConfigurationList is CreateConfigurationList: a list made with a
// published configurator and parameter values; its values and priced bill
// are kept, whatever later happens to the configurator or the catalogue.
func createConfigurationList(c *Call) (any, error) {
	var req createListReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	cfgID, err := optionalString("configurator_id", req.ConfiguratorID, 64)
	if err != nil {
		return nil, err
	}
	if cfgID == "" {
		return nil, fieldError("CBC.0100", "configurator_id", "api.id_length", "must be 1 to 64 characters")
	}
	h := configurator.ListHeader{Name: strOr(req.Name)}
	if h.Date, err = billingDate("date", strOr(req.Date)); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		cfg, err := configurator.Get(c.ctx(), tx, c.Partner.ID, cfgID)
		if err != nil {
			return nil, err
		}
		if err := checkValues(cfg.Def, req.Values); err != nil {
			return nil, err
		}
		l, err := configurator.Produce(c.ctx(), tx, c.configuratorActor(), cfg.ID, h, req.Values)
		if err != nil {
			return nil, evaluationError(err, cfg.Def)
		}
		return fullListInfo(c, tx, l)
	})
}

// listConfigurationListsResponse is one page of lists, without their bills.
type listConfigurationListsResponse struct {
	TotalCount int                     `json:"total_count"`
	Lists      []configurationListInfo `json:"configuration_lists"`
}

// listConfigurationLists is ListConfigurationLists: the caller's lists,
// the newest first, of one configurator or all.
func listConfigurationLists(c *Call) (any, error) {
	vals, err := c.queryStrings(64, "configurator_id", "status")
	if err != nil {
		return nil, err
	}
	if err := enumParam("status", vals[1], []string{configurator.ListDraft, configurator.ListSubmitted}); err != nil {
		return nil, err
	}
	p, err := c.queryPaging(10, configurator.MaxListPage)
	if err != nil {
		return nil, err
	}
	list, total, err := configurator.ListPage(c.ctx(), c.reader(), configurator.ListFilter{PartnerID: c.Partner.ID, ConfiguratorID: vals[0],
		Status: vals[1], Offset: p.Offset, Limit: p.Limit})
	if err != nil {
		return nil, err
	}
	out := listConfigurationListsResponse{TotalCount: total, Lists: make([]configurationListInfo, 0, len(list))}
	for _, l := range list {
		out.Lists = append(out.Lists, listInfoOf(l))
	}
	return out, nil
}

// showConfigurationList is ShowConfigurationList: one of the caller's
// lists with its kept values and bill.
func showConfigurationList(c *Call) (any, error) {
	id, err := c.pathID("list_id")
	if err != nil {
		return nil, err
	}
	l, err := configurator.GetList(c.ctx(), c.reader(), c.Partner.ID, id)
	if err != nil {
		return nil, err
	}
	return fullListInfo(c, c.reader(), l)
}

// linkReq is the body of LinkConfigurationList.
type linkReq struct {
	OpportunityID *string `json:"opportunity_id"`
}

// linkConfigurationList is LinkConfigurationList: a draft list is linked
// to one of the caller's opportunities, within the 15-day rule.
func linkConfigurationList(c *Call) (any, error) {
	id, err := c.pathID("list_id")
	if err != nil {
		return nil, err
	}
	var req linkReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	oppID, err := optionalString("opportunity_id", req.OpportunityID, 64)
	if err != nil {
		return nil, err
	}
	if oppID == "" {
		return nil, fieldError("CBC.0100", "opportunity_id", "api.id_length", "must be 1 to 64 characters")
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		l, err := configurator.Link(c.ctx(), tx, c.configuratorActor(), id, oppID)
		if err != nil {
			return nil, err
		}
		return fullListInfo(c, tx, l)
	})
}

// submitConfigurationList is SubmitConfigurationList: a linked draft list
// becomes final, within the 15-day rule.
func submitConfigurationList(c *Call) (any, error) {
	id, err := c.pathID("list_id")
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		l, err := configurator.Submit(c.ctx(), tx, c.configuratorActor(), id)
		if err != nil {
			return nil, err
		}
		return fullListInfo(c, tx, l)
	})
}
