package api

import (
	"net/http"
	"slices"
	"strings"

	"partnercenter/client"
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

// configuratorInfoOf is a configurator as the API answers it; the
// definition is ShowSolutionConfigurator's.
func configuratorInfoOf(cfg *configurator.Configurator) client.Configurator {
	info := client.Configurator{ConfiguratorID: cfg.ID, SolutionID: cfg.SolutionID, SolutionName: cfg.SolutionName, Status: cfg.Status,
		Revision: cfg.Revision, UpdatedAt: formatTime(cfg.UpdatedAt)}
	if cfg.Status == configurator.Published {
		info.PublishedAt = formatTime(cfg.DecidedAt)
	}
	return info
}

// withDefinition adds the definition: parameters with their rules, lines
// with their quantity formulas, discount tiers and the default values.
func withDefinition(info *client.Configurator, def configurator.Definition) {
	info.Defaults = make(map[string]string, len(def.Parameters))
	info.Parameters = answersOf(def.Parameters, func(p configurator.Parameter) client.ConfiguratorParameter {
		pi := client.ConfiguratorParameter{Name: p.Name, Label: p.Label, Kind: p.Kind, Options: p.Options, Default: p.Default,
			Rules: answersOf(p.Rules, func(r configurator.Rule) client.ConfiguratorRule { return client.ConfiguratorRule(r) })}
		if p.Kind == configurator.KindNumber {
			pi.Min, pi.Max, pi.Step = p.Min.String(), p.Max.String(), p.Step.String()
		}
		info.Defaults[p.Name] = p.Default
		return pi
	})
	info.Lines = make([]client.ConfiguratorLine, 0, len(def.Lines))
	for i, l := range def.Lines {
		info.Lines = append(info.Lines, client.ConfiguratorLine{No: i + 1, ProductID: l.ProductID, SpecCode: l.SpecCode, Quantity: l.Quantity,
			Mode: l.Mode, Period: l.Period})
	}
	info.Tiers = answersOf(def.Tiers, func(t configurator.Tier) client.ConfiguratorTier {
		return client.ConfiguratorTier{ProductID: t.ProductID, MinQuantity: t.MinQuantity, Rate: t.Rate.String()}
	})
}

// configuratorStatuses are the statuses ListSolutionConfigurators filters by.
var configuratorStatuses = []string{configurator.Editing, configurator.Pending, configurator.Published}

// listSolutionConfigurators is ListSolutionConfigurators: the caller's
// configurators, the latest change first; status=published gives those
// that make configuration lists.
func listSolutionConfigurators(c *Call) (any, error) {
	vals, err := c.queryFilter(20, []string{"status"}, map[string][]string{"status": configuratorStatuses})
	if err != nil {
		return nil, err
	}
	rows, total, err := pagedList(c, 10, 100, func(offset, limit int) ([]*configurator.Configurator, int, error) {
		// A partner has one configurator per solution: few enough to page here.
		all, err := configurator.Configurators(c.ctx(), c.reader(), c.Partner.ID, vals[0])
		return all[min(offset, len(all)):min(offset+limit, len(all))], len(all), err
	}, configuratorInfoOf)
	if err != nil {
		return nil, err
	}
	return client.ConfiguratorList{TotalCount: total, Configurators: rows}, nil
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
	withDefinition(&info, cfg.Def)
	return info, nil
}

// billInfoOf is a priced bill of materials in yuan.
func billInfoOf(b *configurator.Bill) client.Bill {
	return client.Bill{Lines: answersOf(b.Lines, func(l configurator.BillLine) client.BillLine {
		return client.BillLine{No: l.No, ProductID: l.ProductID, SpecCode: l.SpecCode, SpecNameZh: l.SpecZh, SpecNameEn: l.SpecEn, Mode: l.Mode,
			Period: l.Period, Quantity: l.Quantity, UnitPrice: yuanText(l.UnitPrice), ListAmount: yuanText(l.List), DiscountRate: l.Rate,
			Discount: yuanText(l.Discount), Amount: yuanText(l.Amount)}
	}), ListAmount: yuanText(b.List), Discount: yuanText(b.Discount), Total: yuanText(b.Total)}
}

// evaluateReq is the body of EvaluateSolutionConfigurator.
type evaluateReq struct {
	Values map[string]string `json:"values"`
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
	return client.Evaluation{ConfiguratorID: cfg.ID, Revision: cfg.Revision, Values: used, Bill: billInfoOf(bill)}, nil
}

// listInfoOf is a configuration list as the API answers it.
func listInfoOf(l *configurator.List) client.ConfigurationList {
	return client.ConfigurationList{ListID: l.ID, Code: l.Code, Name: l.Name, ConfiguratorID: l.ConfiguratorID, SolutionName: l.SolutionName,
		Source: l.Source, Date: l.Date().Format(dateLayout), Status: l.Status, Total: yuanText(l.Bill.Total), OpportunityID: l.OpportunityID,
		OpportunityCode: l.OpportunityCode, OpportunityName: l.OpportunityName, LinkedAt: formatTime(l.LinkedAt),
		SubmittedAt: formatTime(l.SubmittedAt), CreatedBy: l.CreatedBy, CreatedAt: formatTime(l.CreatedAt)}
}

// fullListInfo adds the kept values and bill, and the 15-day deadline as
// the console shows it: for a draft linked to an opportunity signed before
// the list's date, the last day to link and submit it.
func fullListInfo(c *Call, q store.Queryer, l *configurator.List) (client.ConfigurationList, error) {
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

// listConfigurationLists is ListConfigurationLists: the caller's lists,
// the newest first, of one configurator or all.
func listConfigurationLists(c *Call) (any, error) {
	vals, err := c.queryFilter(64, []string{"configurator_id", "status"},
		map[string][]string{"status": {configurator.ListDraft, configurator.ListSubmitted}})
	if err != nil {
		return nil, err
	}
	f := configurator.ListFilter{PartnerID: c.Partner.ID, ConfiguratorID: vals[0], Status: vals[1]}
	rows, total, err := pagedList(c, 10, configurator.MaxListPage, func(offset, limit int) ([]*configurator.List, int, error) {
		f.Offset, f.Limit = offset, limit
		return configurator.ListPage(c.ctx(), c.reader(), f)
	}, listInfoOf)
	if err != nil {
		return nil, err
	}
	return client.ConfigurationLists{TotalCount: total, Lists: rows}, nil
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
