package console

import (
	"net/http"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/funds"
	"partnercenter/internal/partner"
)

// profileView is a partner's profile as the partner's home page and the
// provider's partner page show it.
type profileView struct {
	Partner   *partner.Partner
	Parent    *partner.Partner // the total distributor of an indirect reseller
	PDM       string
	Resellers []*partner.Partner
	// ResellerTotal counts all indirect resellers; Resellers holds the first
	// page of them.
	ResellerTotal int
	ShowResellers bool
	// LinkResellers links each reseller to its provider-side page.
	LinkResellers bool
	Loc           *time.Location
	// Balances are the partner's accounts, on the home page of a user who
	// may see money.
	Balances *funds.Balances
	// Performance is the 业绩 card, on the home page of a user who may see
	// performance.
	Performance *homePerformance
}

func (c *call) loadProfile(id string, withResellers bool) (*profileView, error) {
	ctx, q := c.r.Context(), c.h.app.DB.Reader()
	p, err := partner.Get(ctx, q, id)
	if err != nil {
		return nil, err
	}
	v := &profileView{Partner: p, Loc: c.loc}
	if p.ParentID != "" {
		if v.Parent, err = partner.Get(ctx, q, p.ParentID); err != nil {
			return nil, err
		}
	}
	if p.PDMUserID != "" {
		if u, err := auth.GetUser(ctx, q, p.PDMUserID); err == nil {
			v.PDM = u.DisplayName
		}
	}
	if withResellers && p.Type == partner.TotalDistributor {
		v.ShowResellers = true
		v.Resellers, v.ResellerTotal, err = partner.ListIndirect(ctx, q, partner.IndirectFilter{DistributorID: id, Limit: 50})
		if err != nil {
			return nil, err
		}
	}
	return v, nil
}

// partnerHome is where the account menu's 伙伴中心 leads a partner user.
func (h *handler) partnerHome(c *call) error {
	v, err := c.loadProfile(c.p.PartnerID, c.p.Can(auth.PermResellerView))
	if err != nil {
		return err
	}
	if c.p.Can(auth.PermFundsView) {
		if v.Balances, err = funds.PartnerBalances(c.r.Context(), h.app.DB.Reader(), c.p.PartnerID); err != nil {
			return err
		}
	}
	if v.Performance, err = c.homePerformance(); err != nil {
		return err
	}
	return c.render(http.StatusOK, "home", &view{Title: "home.title", Active: "/console/home", Data: v})
}

// staffSummary is the provider's overview of the partner population.
type staffSummary struct {
	Partners, Indirect, StaffUsers, PartnerUsers int
	Types                                        []partner.Type
	Stages                                       []partner.Stage
	Grid                                         map[partner.Type]map[partner.Stage]int
	TypeTotal                                    map[partner.Type]int
	StageTotal                                   map[partner.Stage]int
	CanList                                      bool
}

func (h *handler) staffHome(c *call) error {
	ctx, q := c.r.Context(), h.app.DB.Reader()
	counts, err := partner.Counts(ctx, q)
	if err != nil {
		return err
	}
	s := staffSummary{Types: partner.Types, Stages: partner.Stages, Grid: map[partner.Type]map[partner.Stage]int{},
		TypeTotal: map[partner.Type]int{}, StageTotal: map[partner.Stage]int{}, CanList: c.p.Can(auth.PermStaffPartners)}
	for _, t := range partner.Types {
		s.Grid[t] = map[partner.Stage]int{}
	}
	for _, n := range counts {
		if s.Grid[n.Type] == nil {
			s.Grid[n.Type] = map[partner.Stage]int{}
		}
		s.Grid[n.Type][n.Stage] += n.N
		s.TypeTotal[n.Type] += n.N
		s.StageTotal[n.Stage] += n.N
		s.Partners += n.N
		if n.Indirect {
			s.Indirect += n.N
		}
	}
	if s.StaffUsers, s.PartnerUsers, err = auth.CountUsers(ctx, q); err != nil {
		return err
	}
	return c.render(http.StatusOK, "staff_home", &view{Title: "staff.title", Active: "/console/staff", Data: s})
}
