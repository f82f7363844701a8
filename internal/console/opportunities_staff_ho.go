package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// HOs (机会点共享) in the back office: the list with each HO's share
// states, creating one, sharing it with partners (the picker shows every
// partner's eligibility and why an ineligible one is not), and the
// co-selling programme's members.

// soHORow is an HO in the list, with its shares.
type soHORow struct {
	soRow
	Amount    string
	Shares    []soShareRow
	Shareable bool
}

type soHOListView struct {
	Stages  []option
	Offices []option
	Rows    []soHORow
	Pager   pager
}

func (h *handler) soHOListPage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	names, err := h.soLoadNames(c)
	if err != nil {
		return err
	}
	f := newForm(c.r.URL.Query())
	page, offset := pageOf(c.r)
	list, total, err := opportunity.List(ctx, q, opportunity.Filter{Origin: opportunity.HO, SalesStage: f.Get("stage"), OfficeID: f.Get("office"),
		Query: f.Get("q"), Offset: offset, Limit: pageSize})
	if err != nil {
		return err
	}
	now := h.app.DB.Now()
	ids := make([]string, len(list))
	for i, o := range list {
		ids[i] = o.ID
	}
	shares, err := opportunity.SharesOf(ctx, q, ids, now)
	if err != nil {
		return err
	}
	v := soHOListView{Stages: optionsOf(c.lang, opportunity.SalesStages, func(s string) string { return "opportunity.stage." + s }),
		Offices: names.officeOptions(), Pager: newPager(c.r, page, total)}
	for _, o := range list {
		r := soHORow{soRow: names.row(o, now), Amount: money.Format(o.Amount), Shareable: soShareable(o)}
		for _, s := range shares[o.ID] {
			r.Shares = append(r.Shares, c.soShareRow(s))
		}
		v.Rows = append(v.Rows, r)
	}
	return c.render(http.StatusOK, "opportunities_staff_ho", &view{Title: "opportunity_staff.ho_list_title", Active: soHOPath, Form: f, Data: v})
}

func soShareable(o *opportunity.Opportunity) bool {
	return o.Origin == opportunity.HO && o.PartnerID == "" && o.SalesStage != opportunity.StageLost
}

// soHOFormView is the form that creates an HO.
type soHOFormView struct {
	Offices    []option
	Industries []option
	Products   []option
}

func (h *handler) soNewHOPage(c *call) error {
	names, err := h.soLoadNames(c)
	if err != nil {
		return err
	}
	v := soHOFormView{Offices: names.officeOptions(), Industries: soIndustryOptions(c.lang), Products: names.cat.serviceOptions()}
	show := func(status int, f *form) error {
		return c.render(status, "opportunities_staff_ho_new", &view{Title: "opportunity_staff.ho_new_title", Active: soHOPath, Form: f, Data: v})
	}
	if c.r.Method == http.MethodGet {
		return show(http.StatusOK, newForm(nil))
	}
	f := newForm(c.postForm())
	fields := opportunity.Fields{ProspectName: f.Get("prospect_name"), ProjectName: f.Get("project_name"), Industry: f.Get("industry"),
		OfficeID: f.Get("office_id"), ContactName: f.Get("contact_name"), ContactPhone: f.Get("contact_phone"),
		Description: f.Get("description")}
	for _, p := range f.Values["products"] {
		if p = strings.TrimSpace(p); p != "" {
			fields.Products = append(fields.Products, p)
		}
	}
	if s := f.Get("amount"); s != "" {
		fen, err := money.ParsePositive(s)
		if err != nil {
			f.fieldError("amount", c.t(amountKey(err)))
		}
		fields.Amount = fen
	}
	if s := f.Get("expected_close"); s != "" {
		day, ok := soParseDay(s)
		if !ok {
			f.fieldError("expected_close", c.t("opportunity_staff.date_invalid"))
		}
		fields.ExpectedClose = day
	}
	customerName := f.Get("customer_name")
	if customerName != "" && fields.ProspectName != "" {
		f.fieldError("customer_name", c.t("opportunity.customer_or_prospect"))
	}
	var o *opportunity.Opportunity
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		if customerName != "" {
			id, err := opportunity.CustomerByAccountName(ctx, tx, "customer_name", customerName)
			if err != nil {
				return err
			}
			fields.CustomerID = id
		}
		var err error
		if o, err = opportunity.CreateHO(ctx, tx, c.p.Username, fields); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "opportunity.ho_create", ObjectType: "opportunity", ObjectID: o.ID,
			After: map[string]any{"code": o.Code, "customer": o.CustomerName, "project_name": o.ProjectName, "industry": o.Industry,
				"office_id": o.OfficeID, "products": strings.Join(o.Products, ","), "amount": money.Format(o.Amount),
				"expected_close": soDay(o.ExpectedClose)}})
	})
	if err != nil {
		return err
	}
	// The domain names the customer by its id; this form by account name.
	if msg, ok := f.Errors["customer_id"]; ok {
		delete(f.Errors, "customer_id")
		f.fieldError("customer_name", msg)
	}
	if !f.ok() {
		return show(http.StatusUnprocessableEntity, f)
	}
	return c.done("opportunity_staff.ho_created", soPath+"/"+o.ID, o.Code)
}

// soPartnerRow is a partner as the share picker and the programme page
// show it: its eligibility and, when not eligible, why.
type soPartnerRow struct {
	*partner.Partner
	Member    bool
	Eligible  bool
	Reason    string
	Delivered int
	Offered   string // the HO's current share state with this partner, if any
}

func (h *handler) soPartnerRows(c *call, q store.Queryer, now time.Time) ([]soPartnerRow, error) {
	ctx := c.r.Context()
	list, _, err := partner.List(ctx, q, partner.ListFilter{Limit: 1000})
	if err != nil {
		return nil, err
	}
	elig, err := opportunity.AllEligibility(ctx, q, now)
	if err != nil {
		return nil, err
	}
	members, err := opportunity.CosellingMembers(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]soPartnerRow, len(list))
	for i, p := range list {
		e := elig[p.ID]
		out[i] = soPartnerRow{Partner: p, Member: members[p.ID], Eligible: e.Eligible, Delivered: e.Delivered}
		if !e.Eligible && e.Reason != "" {
			out[i].Reason = c.t(e.Reason)
		}
	}
	return out, nil
}

// soShareView is the share page of an HO.
type soShareView struct {
	HO        soRow
	Amount    string
	Shareable bool
	Shares    []soShareRow
	Partners  []soPartnerRow
	Results   []soShareResult
}

type soShareResult struct {
	Partner string
	OK      bool
	Message string
}

func (h *handler) soSharePage(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	o, err := opportunity.Get(ctx, q, opportunity.Viewer{}, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if o.Origin != opportunity.HO {
		return opportunity.ErrNotFound
	}
	names, err := h.soLoadNames(c)
	if err != nil {
		return err
	}
	show := func(status int, f *form, results []soShareResult) error {
		now := h.app.DB.Now()
		o, err := opportunity.Get(ctx, q, opportunity.Viewer{}, o.ID)
		if err != nil {
			return err
		}
		v := soShareView{HO: names.row(o, now), Amount: money.Format(o.Amount), Shareable: soShareable(o), Results: results}
		shares, err := opportunity.SharesOf(ctx, q, []string{o.ID}, now)
		if err != nil {
			return err
		}
		state := map[string]string{}
		for _, s := range shares[o.ID] {
			row := c.soShareRow(s)
			v.Shares = append(v.Shares, row)
			state[s.PartnerID] = row.Label
		}
		if v.Partners, err = h.soPartnerRows(c, q, now); err != nil {
			return err
		}
		for i := range v.Partners {
			v.Partners[i].Offered = state[v.Partners[i].ID]
		}
		return c.render(status, "opportunities_staff_share", &view{Title: "opportunity_staff.share_title", Active: soHOPath, Form: f, Data: v})
	}
	if c.r.Method == http.MethodGet {
		return show(http.StatusOK, newForm(url.Values{"validity_days": {"7"}}), nil)
	}
	f := newForm(c.postForm())
	days, err := strconv.Atoi(f.Get("validity_days"))
	if err != nil || days < 1 || days > 90 {
		f.fieldError("validity_days", c.t("opportunity_staff.validity_range"))
	}
	var ids []string
	for _, id := range f.Values["partner_ids"] {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	var results []soShareResult
	err = c.apply(f, func(ctx context.Context, tx *store.Tx) error {
		res, err := opportunity.Share(ctx, tx, c.p.Username, o.ID, ids, time.Duration(days)*24*time.Hour)
		if err != nil {
			return err
		}
		var shared, refused []string
		for _, r := range res {
			name := r.PartnerID
			if p, err := partner.Get(ctx, tx, r.PartnerID); err == nil {
				name = p.Name
			}
			out := soShareResult{Partner: name, OK: r.Err == nil, Message: c.t("opportunity_staff.share_ok")}
			if r.Err != nil {
				e, ok := apperr.As(r.Err)
				if !ok {
					return r.Err
				}
				out.Message = c.errText(e)
				refused = append(refused, name)
			} else {
				shared = append(shared, name)
			}
			results = append(results, out)
		}
		if len(shared) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Change{Action: "opportunity.ho_share", ObjectType: "opportunity", ObjectID: o.ID,
			After: map[string]any{"code": o.Code, "shared": strings.Join(shared, ","), "refused": strings.Join(refused, ","),
				"validity_days": days}})
	})
	if err != nil {
		return err
	}
	if !f.ok() {
		return show(http.StatusUnprocessableEntity, f, nil)
	}
	return show(http.StatusOK, newForm(url.Values{"validity_days": {strconv.Itoa(days)}}), results)
}

// soCosellingView is the co-selling programme: every partner's membership
// and HO eligibility.
type soCosellingView struct {
	Partners []soPartnerRow
}

func (h *handler) soCosellingPage(c *call) error {
	rows, err := h.soPartnerRows(c, h.app.DB.Reader(), h.app.DB.Now())
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "opportunities_staff_coselling", &view{Title: "opportunity_staff.coselling_title", Active: soCosellingPath,
		Data: soCosellingView{Partners: rows}})
}

func (h *handler) soSetCoselling(c *call) error {
	f := newForm(c.postForm())
	id, member := f.Get("partner_id"), f.Get("member") == "1"
	var p *partner.Partner
	err := h.app.DB.InTx(c.r.Context(), func(tx *store.Tx) error {
		ctx := c.r.Context()
		var err error
		if p, err = partner.Get(ctx, tx, id); err != nil {
			return err
		}
		members, err := opportunity.CosellingMembers(ctx, tx)
		if err != nil {
			return err
		}
		if err := opportunity.SetCoselling(ctx, tx, p.ID, member); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{PartnerID: p.ID, Action: "opportunity.coselling", ObjectType: "partner", ObjectID: p.ID,
			Before: map[string]any{"coselling": members[p.ID]}, After: map[string]any{"coselling": member}})
	})
	if err != nil {
		return err
	}
	key := "opportunity_staff.coselling_left"
	if member {
		key = "opportunity_staff.coselling_joined"
	}
	return c.done(key, soCosellingPath, p.DisplayName)
}
