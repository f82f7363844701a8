package api

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"partnercenter/client"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// The co-selling operations (机会点管理). The provider's public API has none,
// so these follow its conventions: signed requests, error_code/error_msg,
// offset/limit, snake_case fields, UTC times, amounts in yuan. An access
// key acts for its partner as the main account: the partner's POs and the
// HOs it accepted are its opportunities; any other id answers not found.

// opportunityReq is the body of CreateOpportunity and UpdateOpportunity.
// On an update, an absent field keeps its value.
type opportunityReq struct {
	CustomerID        *string   `json:"customer_id"`
	ProspectName      *string   `json:"prospect_name"`
	ProjectName       *string   `json:"project_name"`
	Industry          *string   `json:"industry"`
	OfficeID          *string   `json:"office_id"`
	Products          *[]string `json:"products"`
	EstimatedAmount   amount    `json:"estimated_amount"`
	ExpectedCloseDate *string   `json:"expected_close_date"`
	PartnerSolution   *string   `json:"partner_solution"`
	CustomerConsent   *bool     `json:"customer_consent"`
	ContactName       *string   `json:"contact_name"`
	ContactPhone      *string   `json:"contact_phone"`
	Description       *string   `json:"description"`
}

// apply overlays the request's fields on f.
func (r *opportunityReq) apply(f *opportunity.Fields) error {
	for _, s := range []struct {
		field string
		v     *string
		dst   *string
		max   int
	}{{"customer_id", r.CustomerID, &f.CustomerID, 64}, {"prospect_name", r.ProspectName, &f.ProspectName, 100},
		{"project_name", r.ProjectName, &f.ProjectName, 100}, {"industry", r.Industry, &f.Industry, 32},
		{"office_id", r.OfficeID, &f.OfficeID, 64}, {"partner_solution", r.PartnerSolution, &f.PartnerSolution, 200},
		{"contact_name", r.ContactName, &f.ContactName, 50}, {"contact_phone", r.ContactPhone, &f.ContactPhone, 30},
		{"description", r.Description, &f.Description, 2000}} {
		if s.v == nil {
			continue
		}
		v, err := optionalString(s.field, s.v, s.max)
		if err != nil {
			return err
		}
		*s.dst = v
	}
	if r.Products != nil {
		if len(*r.Products) > 20 {
			return fieldError("CBC.0100", "products", "api.too_many", "must hold at most 20 service type codes")
		}
		for _, p := range *r.Products {
			if p == "" || len(p) > 64 {
				return fieldError("CBC.0100", "products", "api.id_length", "must hold service type codes of 1 to 64 characters")
			}
		}
		f.Products = slices.Clone(*r.Products)
	}
	if r.EstimatedAmount.raw != nil {
		fen, err := r.EstimatedAmount.fen("estimated_amount")
		if err != nil {
			return err
		}
		f.Amount = fen
	}
	if r.ExpectedCloseDate != nil {
		d, err := billingDate("expected_close_date", *r.ExpectedCloseDate)
		if err != nil {
			return err
		}
		f.ExpectedClose = d
	}
	if r.CustomerConsent != nil {
		f.CustomerConsent = *r.CustomerConsent
	}
	return nil
}

// apiFields are the API's names of the domain's fields where they differ.
var apiFields = map[string]string{"amount": "estimated_amount", "expected_close": "expected_close_date",
	"signed_at": "signed_date", "delivered_at": "delivered_date"}

// renamed names the field of a domain error as the API does.
func renamed(err error) error {
	e, ok := apperr.As(err)
	if !ok || apiFields[e.Field] == "" {
		return err
	}
	c := *e
	c.Field = apiFields[e.Field]
	return &c
}

// day writes a time as its date in the billing calendar (UTC+8).
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ledger.BillingZone).Format(dateLayout)
}

// number writes fen as yuan with two decimals, a JSON number (1234.50).
func number(fen int64) json.Number { return json.Number(yuanText(fen)) }

// infoOf is an opportunity as the API answers it.
func infoOf(o *opportunity.Opportunity) client.Opportunity {
	products := o.Products
	if products == nil {
		products = []string{}
	}
	return client.Opportunity{OpportunityID: o.ID, Code: o.Code, Origin: o.Origin, CustomerID: o.CustomerID, CustomerName: o.CustomerName,
		ProspectName: o.ProspectName, ProjectName: o.ProjectName, Industry: o.Industry, OfficeID: o.OfficeID, Products: products,
		EstimatedAmount: number(o.Amount), ExpectedCloseDate: day(o.ExpectedClose), PartnerSolution: o.PartnerSolution,
		CustomerConsent: o.CustomerConsent, ContactName: o.ContactName, ContactPhone: o.ContactPhone, Description: o.Description,
		ReviewStatus: o.ReviewStatus, SalesStage: o.SalesStage, LostReason: o.LostReason, ReviewerComment: o.ReviewerComment,
		DecisionReason: o.DecisionReason, SubmittedAt: formatTime(o.SubmittedAt), ReviewDueAt: formatTime(o.ReviewDueAt),
		DecidedAt: formatTime(o.DecidedAt), ApprovedAt: formatTime(o.ApprovedAt), SignedDate: day(o.SignedAt),
		DeliveredDate: day(o.DeliveredAt), CreatedAt: formatTime(o.CreatedAt), UpdatedAt: formatTime(o.UpdatedAt)}
}

// viewer is the calling partner as the opportunity package sees it.
func (c *Call) viewer() opportunity.Viewer { return opportunity.Viewer{PartnerID: c.Partner.ID} }

// opportunityID reads the path's opportunity id.
func (c *Call) opportunityID() (string, error) {
	id := c.Request.PathValue("opportunity_id")
	if id == "" || len(id) > 64 {
		return "", fieldError("CBC.0100", "opportunity_id", "api.id_length", "must be 1 to 64 characters")
	}
	return id, nil
}

// createOpportunity is CreateOpportunity: a PO draft of the caller.
func createOpportunity(c *Call) (any, error) {
	var req opportunityReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var f opportunity.Fields
	if err := req.apply(&f); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		o, err := opportunity.CreateDraft(c.ctx(), tx, c.Partner.ID, c.Principal.ActorName(), f)
		if err != nil {
			return nil, renamed(err)
		}
		return infoOf(o), nil
	})
}

// updateOpportunity is UpdateOpportunity: the fields sent replace those of
// a draft, or, while action is required, those of the whitelist; changing
// any other is refused naming it.
func updateOpportunity(c *Call) (any, error) {
	id, err := c.opportunityID()
	if err != nil {
		return nil, err
	}
	var req opportunityReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		o, err := opportunity.Edit(c.ctx(), tx, c.Partner.ID, c.Principal.ActorName(), id, req.apply)
		if err != nil {
			return nil, renamed(err)
		}
		return infoOf(o), nil
	})
}

// missingField is one entry of a refused submission's missing_fields.
type missingField struct {
	Field    string `json:"field"`
	ErrorMsg string `json:"error_msg"`
}

// missingFieldsError refuses a submission that lacks fields: the first in
// error_msg, every one in missing_fields.
func missingFieldsError(missing []*apperr.Error) error {
	return &detailedError{err: missing[0], fields: map[string]any{"missing_fields": answersOf(missing, func(m *apperr.Error) missingField {
		return missingField{Field: m.Field, ErrorMsg: m.Error()}
	})}}
}

// submitOpportunity is SubmitOpportunity: a draft goes to review, or a PO
// the reviewer asked action on goes back. Missing fields are refused with
// the first in error_msg and all of them in missing_fields.
func submitOpportunity(c *Call) (any, error) {
	id, err := c.opportunityID()
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		cur, err := opportunity.Get(c.ctx(), tx, c.viewer(), id)
		if err != nil {
			return nil, err
		}
		if cur.Origin == opportunity.PO && (cur.ReviewStatus == opportunity.Draft || cur.ReviewStatus == opportunity.ActionRequired) {
			if missing := opportunity.MissingForSubmission(cur, tx.Now); len(missing) > 0 {
				return nil, missingFieldsError(answersOf(missing, renamedField))
			}
		}
		o, err := opportunity.Submit(c.ctx(), tx, c.Partner.ID, c.Principal.ActorName(), id)
		if err != nil {
			return nil, renamed(err)
		}
		return infoOf(o), nil
	})
}

func renamedField(e *apperr.Error) *apperr.Error {
	if n := apiFields[e.Field]; n != "" {
		c := *e
		c.Field = n
		return &c
	}
	return e
}

// showOpportunity is ShowOpportunity: one of the caller's opportunities with
// its timeline, oldest change first.
func showOpportunity(c *Call) (any, error) {
	id, err := c.opportunityID()
	if err != nil {
		return nil, err
	}
	o, err := opportunity.Get(c.ctx(), c.reader(), c.viewer(), id)
	if err != nil {
		return nil, err
	}
	events, err := opportunity.Timeline(c.ctx(), c.reader(), o.ID)
	if err != nil {
		return nil, err
	}
	info := infoOf(o)
	info.Timeline = answersOf(events, func(e opportunity.Event) client.OpportunityEvent {
		ev := client.OpportunityEvent{At: formatTime(e.At), Actor: e.Actor, Action: e.Action, Comment: e.Comment}
		for _, field := range slices.Sorted(maps.Keys(e.Changes)) {
			ch := e.Changes[field]
			name := field
			if n := apiFields[field]; n != "" {
				name = n
			}
			ev.Changes = append(ev.Changes, client.OpportunityChange{Field: name, Before: ch[0], After: ch[1]})
		}
		return ev
	})
	return info, nil
}

// listOpportunities is ListOpportunities: one page of the caller's
// opportunities, newest first, with the count of all that match.
func listOpportunities(c *Call) (any, error) {
	vals, err := c.queryFilter(100, []string{"origin", "review_status", "sales_stage", "industry", "query", "created_from", "created_to"},
		map[string][]string{"origin": {opportunity.PO, opportunity.HO}, "review_status": opportunity.ReviewStatuses,
			"sales_stage": opportunity.SalesStages, "industry": opportunity.Industries})
	if err != nil {
		return nil, err
	}
	f := opportunity.Filter{Viewer: c.viewer(), Origin: vals[0], ReviewStatus: vals[1], SalesStage: vals[2], Industry: vals[3], Query: vals[4]}
	if f.CreatedFrom, f.CreatedTo, err = timeRange("created_from", &vals[5], "created_to", &vals[6]); err != nil {
		return nil, err
	}
	rows, total, err := pagedList(c, 10, opportunity.MaxPage, func(offset, limit int) ([]*opportunity.Opportunity, int, error) {
		f.Offset, f.Limit = offset, limit
		return opportunity.List(c.ctx(), c.reader(), f)
	}, infoOf)
	if err != nil {
		return nil, err
	}
	return client.Opportunities{TotalCount: total, Opportunities: rows}, nil
}

// setOpportunityStage is SetOpportunityStage: an approved PO or accepted HO
// moves to another sales stage, or records a progress comment.
func setOpportunityStage(c *Call) (any, error) {
	id, err := c.opportunityID()
	if err != nil {
		return nil, err
	}
	var req client.StageChange
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	ch := opportunity.StageChange{Stage: req.Stage, LostReason: req.LostReason, Comment: req.Comment}
	if ch.Stage == "" {
		return nil, fieldError("CBC.0100", "stage", "api.enum", "must be one of %v", opportunity.SalesStages)
	}
	if err := enumParam("stage", ch.Stage, opportunity.SalesStages); err != nil {
		return nil, err
	}
	if err := enumParam("lost_reason", ch.LostReason, opportunity.LostReasons); err != nil {
		return nil, err
	}
	if ch.SignedAt, err = billingDate("signed_date", req.SignedDate); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		o, err := opportunity.SetStage(c.ctx(), tx, c.Partner.ID, c.Principal.ActorName(), id, ch)
		if err != nil {
			return nil, renamed(err)
		}
		return infoOf(o), nil
	})
}

// deliveryReq is the body of MarkOpportunityDelivered.
type deliveryReq struct {
	DeliveredDate *string `json:"delivered_date"`
}

// markOpportunityDelivered is MarkOpportunityDelivered: a won opportunity's
// project was delivered on delivered_date (default today).
func markOpportunityDelivered(c *Call) (any, error) {
	id, err := c.opportunityID()
	if err != nil {
		return nil, err
	}
	var req deliveryReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	at, err := billingDate("delivered_date", strOr(req.DeliveredDate))
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		o, err := opportunity.MarkDelivered(c.ctx(), tx, c.Partner.ID, c.Principal.ActorName(), id, at)
		if err != nil {
			return nil, renamed(err)
		}
		return infoOf(o), nil
	})
}

var shareStatuses = []string{opportunity.ShareOffered, opportunity.ShareAccepted, opportunity.ShareRejected,
	opportunity.ShareExpired, opportunity.ShareWithdrawn}

// listOpportunityOffers is ListOpportunityOffers: the HOs offered to the
// caller, most recently shared first. An offer past its validity reads
// expired.
func listOpportunityOffers(c *Call) (any, error) {
	vals, err := c.queryFilter(32, []string{"share_status"}, map[string][]string{"share_status": shareStatuses})
	if err != nil {
		return nil, err
	}
	status := vals[0]
	rows, total, err := pagedList(c, 10, 100, func(offset, limit int) ([]client.OpportunityOffer, int, error) {
		stored := status
		if status == opportunity.ShareExpired {
			stored = "" // offers past their validity may not be marked yet
		}
		offers, err := opportunity.Offers(c.ctx(), c.reader(), c.Partner.ID, stored)
		if err != nil {
			return nil, 0, err
		}
		now := c.s.app.DB.Now()
		var all []client.OpportunityOffer
		for _, off := range offers {
			st := off.Status
			if st == opportunity.ShareOffered && !now.Before(off.ExpiresAt) {
				st = opportunity.ShareExpired
			}
			if status != "" && st != status {
				continue
			}
			all = append(all, client.OpportunityOffer{Opportunity: infoOf(off.Opportunity), ShareStatus: st, DeclineReason: off.Reason,
				SharedAt: formatTime(off.SharedAt), ExpiresAt: formatTime(off.ExpiresAt), AnsweredAt: formatTime(off.AnsweredAt)})
		}
		return all[min(offset, len(all)):min(offset+limit, len(all))], len(all), nil
	}, func(o client.OpportunityOffer) client.OpportunityOffer { return o })
	if err != nil {
		return nil, err
	}
	return client.OpportunityOffers{TotalCount: total, Offers: rows}, nil
}

// acceptOpportunityOffer is AcceptOpportunityOffer: the caller takes an
// offered HO, which becomes its opportunity with the customer's details.
func acceptOpportunityOffer(c *Call) (any, error) {
	id, err := c.opportunityID()
	if err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		o, err := opportunity.Accept(c.ctx(), tx, c.Partner.ID, c.Principal.ActorName(), id)
		if err != nil {
			return nil, err
		}
		return infoOf(o), nil
	})
}

// declineReq is the body of DeclineOpportunityOffer.
type declineReq struct {
	Reason *string `json:"reason"`
}

// declineOpportunityOffer is DeclineOpportunityOffer: the caller refuses an
// offered HO, giving the reason.
func declineOpportunityOffer(c *Call) (any, error) {
	id, err := c.opportunityID()
	if err != nil {
		return nil, err
	}
	var req declineReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	return c.InTx(func(tx *store.Tx) (any, error) {
		if err := opportunity.Decline(c.ctx(), tx, c.Partner.ID, c.Principal.ActorName(), id, strOr(req.Reason)); err != nil {
			return nil, err
		}
		return client.DeclinedOffer{OpportunityID: id, ShareStatus: opportunity.ShareRejected}, nil
	})
}

// showOpportunityFunnel is ShowOpportunityFunnel: the caller's approved POs
// and accepted HOs by sales stage, every stage present in stage order.
func showOpportunityFunnel(c *Call) (any, error) {
	stages, err := opportunity.Funnel(c.ctx(), c.reader(), c.viewer(), "", "")
	if err != nil {
		return nil, err
	}
	return client.Funnel{Stages: answersOf(stages, func(s opportunity.FunnelStage) client.FunnelStage {
		return client.FunnelStage{Stage: s.Stage, Count: s.Count, Amount: number(s.Amount)}
	})}, nil
}
