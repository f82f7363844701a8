package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	pc "partnercenter/client"
	"partnercenter/internal/api"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// oppClients is the co-selling fixture with Go clients: the plain reseller,
// which registers deals, and the distributor, whose view must not hold them.
func oppClients(t *testing.T, db *store.DB) (f *oppFixture, own, other *pc.Client) {
	t.Helper()
	// The per-key rate limit is the conventions' tests' subject.
	t.Setenv(api.EnvRateLimit, "0")
	f = newOppFixture(t, db)
	own = pc.New(f.srv.URL, f.plainKey.ID, f.plainKey.Secret, f.plain.DomainID, pc.WithClock(freshSeconds()))
	other = pc.New(f.srv.URL, f.distKey.ID, f.distKey.Secret, f.dist.DomainID, pc.WithClock(freshSeconds()))
	return f, own, other
}

// inTx runs the provider's side of a flow (a PSM's review, sharing HOs),
// which the partner API does not offer, directly on the store.
func inTx(t *testing.T, db *store.DB, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// A deal walked from draft to delivery through the client: the refused
// submission naming the missing field, edits, submission, the provider's
// approval (back office), the sales stages with their refusals, delivery,
// the timeline and the funnel; another partner sees none of it.
func TestOpportunityWalkThroughTheClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, c, other := oppClients(t, db)

		fields := pc.OpportunityFields{CustomerID: str(f.buyer.ID), ProjectName: str("核心系统上云"), Industry: str("finance"),
			OfficeID: str(f.office.ID), Products: &[]string{"hws.service.type.ecs"}, EstimatedAmount: str("500000.50"),
			ContactName: str("张三"), ContactPhone: str("13800000001")}
		draft := extMust(c.CreateOpportunity(ctx, fields, pc.IdempotencyKey("po-1")))(t)
		again := extMust(c.CreateOpportunity(ctx, fields, pc.IdempotencyKey("po-1")))(t)
		if draft.Origin != pc.OriginPO || draft.ReviewStatus != pc.ReviewDraft || draft.SalesStage != pc.StageIdentify ||
			draft.EstimatedAmount != "500000.50" || !strings.HasPrefix(draft.Code, "PO") || draft.CustomerID != f.buyer.ID ||
			again.OpportunityID != draft.OpportunityID {
			t.Fatalf("draft %+v, retried %+v", draft, again)
		}
		if n := extMust(c.ListOpportunities(ctx, pc.OpportunityFilter{}))(t).TotalCount; n != 1 {
			t.Fatalf("a retried creation made %d opportunities", n)
		}
		id := draft.OpportunityID

		_, err := c.SubmitOpportunity(ctx, id)
		extInvalid(t, err, "expected_close_date")
		_, err = c.UpdateOpportunity(ctx, id, pc.OpportunityFields{Industry: str("farming")})
		extInvalid(t, err, "industry")
		closeDate := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
		edited := extMust(c.UpdateOpportunity(ctx, id, pc.OpportunityFields{ExpectedCloseDate: str(closeDate),
			PartnerSolution: str("迁移与运维服务"), CustomerConsent: new(true)}))(t)
		if edited.ExpectedCloseDate != closeDate || edited.Industry != "finance" || edited.ProjectName != "核心系统上云" || !edited.CustomerConsent {
			t.Fatalf("edited: %+v", edited)
		}
		submitted := extMust(c.SubmitOpportunity(ctx, id))(t)
		if submitted.ReviewStatus != pc.ReviewSubmitted || submitted.ReviewDueAt == "" {
			t.Fatalf("submitted: %+v", submitted)
		}
		_, err = c.SetOpportunityStage(ctx, id, pc.StageChange{Stage: pc.StageShare})
		extConflict(t, err, "approved")

		// The provider's PSM approves it in the back office.
		inTx(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := opportunity.Decide(ctx, tx, f.psm.ID, f.psm.Username, id, opportunity.Decision{Outcome: opportunity.Approve, Checklist: opportunity.Checklist})
			return err
		})
		approved := extMust(c.ListOpportunities(ctx, pc.OpportunityFilter{ReviewStatus: pc.ReviewApproved}))(t)
		if approved.TotalCount != 1 || approved.Opportunities[0].OpportunityID != id || approved.Opportunities[0].ApprovedAt == "" {
			t.Fatalf("approved: %+v", approved)
		}

		_, err = c.SetOpportunityStage(ctx, id, pc.StageChange{Stage: pc.StageLost})
		extInvalid(t, err, "lost_reason")
		_, err = c.MarkOpportunityDelivered(ctx, id, "")
		extConflict(t, err, "won")
		if o := extMust(c.SetOpportunityStage(ctx, id, pc.StageChange{Stage: pc.StageShare, Comment: "方案已演示"}))(t); o.SalesStage != pc.StageShare {
			t.Fatalf("share: %+v", o)
		}
		if o := extMust(c.SetOpportunityStage(ctx, id, pc.StageChange{Stage: pc.StageConfirm}))(t); o.SalesStage != pc.StageConfirm {
			t.Fatalf("confirm: %+v", o)
		}
		today := time.Now().In(time.FixedZone("UTC+8", 8*3600)).Format("2006-01-02")
		won := extMust(c.SetOpportunityStage(ctx, id, pc.StageChange{Stage: pc.StageWon, SignedDate: today}))(t)
		if won.SalesStage != pc.StageWon || won.SignedDate != today {
			t.Fatalf("won: %+v", won)
		}
		delivered := extMust(c.MarkOpportunityDelivered(ctx, id, ""))(t)
		if delivered.DeliveredDate != today {
			t.Fatalf("delivered: %+v", delivered)
		}

		shown := extMust(c.ShowOpportunity(ctx, id))(t)
		var actions []string
		for _, e := range shown.Timeline {
			actions = append(actions, e.Action)
		}
		want := []string{"created", "edited", "submitted", "decided", "stage_changed", "stage_changed", "stage_changed", "delivered"}
		if !slices.Equal(actions, want) || shown.Timeline[0].Actor != "AK "+f.plainKey.ID {
			t.Fatalf("timeline %v (%+v), want %v", actions, shown.Timeline, want)
		}
		funnel := extMust(c.ShowOpportunityFunnel(ctx))(t)
		if len(funnel.Stages) != 5 || funnel.Stages[3].Stage != pc.StageWon || funnel.Stages[3].Count != 1 || funnel.Stages[3].Amount != "500000.50" {
			t.Fatalf("funnel: %+v", funnel)
		}

		// Another partner: not listed, not found, not changed.
		if n := extMust(other.ListOpportunities(ctx, pc.OpportunityFilter{}))(t).TotalCount; n != 0 {
			t.Fatalf("another partner lists %d opportunities", n)
		}
		_, err = other.ShowOpportunity(ctx, id)
		extNotFound(t, err)
		_, err = other.SetOpportunityStage(ctx, id, pc.StageChange{Stage: pc.StageLost, LostReason: "price"})
		extNotFound(t, err)
		if o := extMust(c.ShowOpportunity(ctx, id))(t); o.SalesStage != pc.StageWon {
			t.Fatalf("another partner changed the stage: %s", o.SalesStage)
		}
		if n := extMust(other.ShowOpportunityFunnel(ctx))(t).Stages[3].Count; n != 0 {
			t.Fatalf("another partner's funnel counts %d won", n)
		}
	})
}

// ListOpportunities pages newest first with the total and refuses bad
// filters by name.
func TestListOpportunitiesThroughTheClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, c, _ := oppClients(t, db)
		var made []string
		for i := range 3 {
			f.skew.Store(int64(time.Duration(i) * time.Second))
			o := extMust(c.CreateOpportunity(ctx, pc.OpportunityFields{ProspectName: str(fmt.Sprintf("潜在客户 %d", i)),
				ProjectName: str(fmt.Sprintf("项目 %d", i)), Industry: str("retail")}))(t)
			made = append(made, o.OpportunityID)
		}
		f.skew.Store(0)
		page := extMust(c.ListOpportunities(ctx, pc.OpportunityFilter{Page: pc.Page{Offset: 1, Limit: 1}}))(t)
		if page.TotalCount != 3 || len(page.Opportunities) != 1 || page.Opportunities[0].OpportunityID != made[1] {
			t.Fatalf("second page: %+v", page)
		}
		if got := extMust(c.ListOpportunities(ctx, pc.OpportunityFilter{Query: "项目 2"}))(t); got.TotalCount != 1 || got.Opportunities[0].OpportunityID != made[2] {
			t.Fatalf("query: %+v", got)
		}
		if got := extMust(c.ListOpportunities(ctx, pc.OpportunityFilter{Industry: "finance"}))(t); got.TotalCount != 0 {
			t.Fatalf("finance: %+v", got)
		}
		for _, bad := range []struct {
			f    pc.OpportunityFilter
			want string
		}{
			{pc.OpportunityFilter{Origin: "XO"}, "origin"},
			{pc.OpportunityFilter{SalesStage: "winning"}, "sales_stage"},
			{pc.OpportunityFilter{CreatedFrom: "yesterday"}, "created_from"},
			{pc.OpportunityFilter{Page: pc.Page{Limit: 1000}}, "limit"},
		} {
			_, err := c.ListOpportunities(ctx, bad.f)
			extInvalid(t, err, bad.want)
		}
	})
}

// HOs offered to an eligible partner through the client: hidden contact
// details until accepted, accept and decline, and the offers filtered.
func TestOpportunityOffersThroughTheClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f, reseller, _ := oppClients(t, db)
		eligible, key, hos := f.offeredHOs(t, 0, 0)
		c := pc.New(f.srv.URL, key.ID, key.Secret, eligible.DomainID, pc.WithClock(freshSeconds()))

		offers := extMust(c.ListOpportunityOffers(ctx, "", pc.Page{}))(t)
		if offers.TotalCount != 2 {
			t.Fatalf("offers: %+v", offers)
		}
		for _, o := range offers.Offers {
			if o.ShareStatus != pc.ShareOffered || o.Origin != pc.OriginHO || o.ContactName != "" || o.ContactPhone != "" || o.ExpiresAt == "" {
				t.Fatalf("an offer before acceptance: %+v", o)
			}
		}
		_, err := reseller.AcceptOpportunityOffer(ctx, hos[0].ID)
		extNotFound(t, err)
		_, err = c.ListOpportunityOffers(ctx, "maybe", pc.Page{})
		extInvalid(t, err, "share_status")

		accepted := extMust(c.AcceptOpportunityOffer(ctx, hos[0].ID))(t)
		if accepted.ContactName != "李四" || accepted.ContactPhone != "13900000002" || accepted.ReviewStatus != pc.ReviewApproved {
			t.Fatalf("accepted: %+v", accepted)
		}
		declined := extMust(c.DeclineOpportunityOffer(ctx, hos[1].ID, "行业不匹配"))(t)
		if declined.OpportunityID != hos[1].ID || declined.ShareStatus != pc.ShareRejected {
			t.Fatalf("declined: %+v", declined)
		}
		_, err = c.AcceptOpportunityOffer(ctx, hos[1].ID)
		extRefused(t, err, http.StatusConflict, "PC.0409", "already been answered")
		if got := extMust(c.ListOpportunityOffers(ctx, pc.ShareAccepted, pc.Page{}))(t); got.TotalCount != 1 || got.Offers[0].OpportunityID != hos[0].ID {
			t.Fatalf("accepted offers: %+v", got)
		}
		if got := extMust(c.ListOpportunityOffers(ctx, pc.ShareRejected, pc.Page{}))(t); got.TotalCount != 1 || got.Offers[0].DeclineReason != "行业不匹配" {
			t.Fatalf("declined offers: %+v", got)
		}
		// The accepted HO is the partner's opportunity now, and moves along the stages.
		if o := extMust(c.SetOpportunityStage(ctx, hos[0].ID, pc.StageChange{Stage: pc.StageShare}))(t); o.SalesStage != pc.StageShare {
			t.Fatalf("accepted HO's stage: %+v", o)
		}
		if got := extMust(c.ListOpportunities(ctx, pc.OpportunityFilter{Origin: pc.OriginHO}))(t); got.TotalCount != 1 {
			t.Fatalf("the partner's HOs: %+v", got)
		}
	})
}
