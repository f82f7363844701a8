package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/api"
	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/partner"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// oppFixture adds co-selling to the partner fixture: an office with a PSM
// and a customer of the plain reseller, which registers the deals.
type oppFixture struct {
	*fixture
	srv    *httptest.Server
	office *opportunity.Office
	psm    *auth.User
	buyer  *customer.Customer
}

// offeredHOs makes a differentiated solution provider eligible for HOs,
// with an access key, and offers it one HO of the fixture's office per
// validity given (0: the default week).
func (f *oppFixture) offeredHOs(t *testing.T, validities ...time.Duration) (eligible *partner.Partner, key *auth.AccessKey, hos []*opportunity.Opportunity) {
	t.Helper()
	inTx(t, f.db, func(ctx context.Context, tx *store.Tx) (err error) {
		if eligible, err = partner.Create(ctx, tx, partner.NewPartner{Name: storetest.Name("diff"), DisplayName: "差异化伙伴",
			Type: partner.SolutionProvider, Stage: partner.Differentiated}); err != nil {
			return err
		}
		if err := opportunity.SetCoselling(ctx, tx, eligible.ID, true); err != nil {
			return err
		}
		if key, err = auth.CreateAccessKey(ctx, tx, f.app.Sealer, eligible.ID, "test", "test"); err != nil {
			return err
		}
		for i, validity := range validities {
			ho, err := opportunity.CreateHO(ctx, tx, "staff", opportunity.Fields{ProspectName: fmt.Sprintf("大客户 %d", i),
				ProjectName: fmt.Sprintf("HO 项目 %d", i), Industry: "government", OfficeID: f.office.ID, Products: []string{"hws.service.type.ecs"},
				Amount: 80_000_00, ExpectedClose: time.Now().AddDate(0, 3, 0), ContactName: "李四", ContactPhone: "13900000002"})
			if err != nil {
				return err
			}
			if _, err := opportunity.Share(ctx, tx, "staff", ho.ID, []string{eligible.ID}, validity); err != nil {
				return err
			}
			hos = append(hos, ho)
		}
		return nil
	})
	return eligible, key, hos
}

func newOppFixture(t *testing.T, db *store.DB) *oppFixture {
	t.Helper()
	f := &oppFixture{fixture: newFixture(t, db)}
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		if f.psm, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: storetest.Name("psm"), DisplayName: "PSM",
			Roles: []auth.Role{auth.StaffPSM}, Password: "Passw0rd!long"}); err != nil {
			return err
		}
		f.office = &opportunity.Office{NameZh: storetest.Name("北京代表处"), NameEn: storetest.Name("Beijing office ")}
		if err := opportunity.SaveOffice(ctx, tx, f.office); err != nil {
			return err
		}
		if err := opportunity.SetOfficePSM(ctx, tx, f.office.ID, f.psm.ID, []string{"finance"}); err != nil {
			return err
		}
		f.buyer, err = customer.Create(ctx, tx, f.plain, customer.NewCustomer{DomainName: storetest.Name("buyer")}, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = f.start(t, server.New(f.app))
	return f
}

// do sends a signed request as p with key; body is encoded as JSON unless nil.
func (f *oppFixture) do(t *testing.T, key *auth.AccessKey, p *partner.Partner, method, path string, body any, header http.Header) apiAnswer {
	t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	signAfresh(key, method, path, raw)
	return call(t, f.srv, key, p.DomainID, method, path, raw, header)
}

// ok sends a request as the plain reseller and decodes its 200 answer into out.
func (f *oppFixture) ok(t *testing.T, method, path string, body, out any) {
	t.Helper()
	a := f.do(t, f.plainKey, f.plain, method, path, body, nil)
	if a.Status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, a.Status, a.Body)
	}
	if out != nil {
		if err := json.Unmarshal(a.Body, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, a.Body)
		}
	}
}

// refused sends a request as the plain reseller and checks the refusal and
// that error_msg names want.
func (f *oppFixture) refused(t *testing.T, method, path string, body any, status int, code, want string) apiAnswer {
	t.Helper()
	a := f.do(t, f.plainKey, f.plain, method, path, body, nil)
	a.wantError(t, status, code)
	if !strings.Contains(a.Error.Msg, want) {
		t.Fatalf("%s %s: error_msg %q, want it to say %q", method, path, a.Error.Msg, want)
	}
	return a
}

// funnelJSON is ShowOpportunityFunnel's answer, amounts as written.
type funnelJSON struct {
	Stages []struct {
		Stage  string          `json:"stage"`
		Count  int             `json:"count"`
		Amount json.RawMessage `json:"amount"`
	} `json:"stages"`
}

type oppJSON struct {
	OpportunityID     string          `json:"opportunity_id"`
	Code              string          `json:"code"`
	Origin            string          `json:"origin"`
	CustomerID        string          `json:"customer_id"`
	ProjectName       string          `json:"project_name"`
	Industry          string          `json:"industry"`
	Products          []string        `json:"products"`
	EstimatedAmount   json.RawMessage `json:"estimated_amount"`
	ExpectedCloseDate string          `json:"expected_close_date"`
	PartnerSolution   string          `json:"partner_solution"`
	CustomerConsent   bool            `json:"customer_consent"`
	ContactName       string          `json:"contact_name"`
	ContactPhone      string          `json:"contact_phone"`
	ReviewStatus      string          `json:"review_status"`
	SalesStage        string          `json:"sales_stage"`
	LostReason        string          `json:"lost_reason"`
	ReviewDueAt       string          `json:"review_due_at"`
	SignedDate        string          `json:"signed_date"`
	DeliveredDate     string          `json:"delivered_date"`
	CreatedAt         string          `json:"created_at"`
	Timeline          []struct {
		At      string `json:"at"`
		Actor   string `json:"actor"`
		Action  string `json:"action"`
		Changes []struct {
			Field, Before, After string
		} `json:"changes"`
	} `json:"timeline"`
	ShareStatus string `json:"share_status"`
}

// today is the billing calendar's date now.
func today() string { return time.Now().In(ledger.BillingZone).Format("2006-01-02") }

func inMonths(n int) string {
	return time.Now().In(ledger.BillingZone).AddDate(0, n, 0).Format("2006-01-02")
}

// A partner registers a deal through the API: a draft, refused submission
// listing every missing field, edits, submission, the reviewer's request
// for action (only whitelisted fields change), approval, the sales stages
// and delivery, with the timeline and the funnel showing it.
func TestOpportunityPOFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newOppFixture(t, db)
		const base = "/v2/partners/opportunities"

		var o oppJSON
		f.ok(t, "POST", base, map[string]any{"customer_id": f.buyer.ID, "project_name": "核心系统上云", "industry": "finance",
			"office_id": f.office.ID, "products": []string{"hws.service.type.ecs", "hws.service.type.obs"}, "estimated_amount": "500000.50",
			"contact_name": "张三", "contact_phone": "13800000001"}, &o)
		if o.Origin != "PO" || o.ReviewStatus != "draft" || o.SalesStage != "identify" || string(o.EstimatedAmount) != "500000.50" ||
			!strings.HasPrefix(o.Code, "PO") || o.CustomerID != f.buyer.ID || len(o.Products) != 2 {
			t.Fatalf("draft: %+v", o)
		}
		id := o.OpportunityID
		path := base + "/" + id

		// Submission of an incomplete draft: the first missing field, and all of them.
		a := f.refused(t, "POST", path+"/submit", nil, http.StatusBadRequest, "CBC.0100", "expected_close_date")
		var missing struct {
			MissingFields []struct {
				Field    string `json:"field"`
				ErrorMsg string `json:"error_msg"`
			} `json:"missing_fields"`
		}
		if err := json.Unmarshal(a.Body, &missing); err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, m := range missing.MissingFields {
			fields = append(fields, m.Field)
			if !strings.HasPrefix(m.ErrorMsg, m.Field+": ") {
				t.Errorf("missing %s: %q", m.Field, m.ErrorMsg)
			}
		}
		if !slices.Equal(fields, []string{"expected_close_date", "partner_solution", "customer_consent"}) {
			t.Fatalf("missing_fields %v (%s)", fields, a.Body)
		}
		f.ok(t, "GET", path, nil, &o)
		if o.ReviewStatus != "draft" {
			t.Fatalf("a refused submission changed the status: %s", o.ReviewStatus)
		}

		// Bad input on the draft changes nothing.
		f.refused(t, "PUT", path, map[string]any{"expected_close_date": "2027/01/01"}, http.StatusBadRequest, "CBC.0100", "expected_close_date")
		f.refused(t, "PUT", path, map[string]any{"industry": "farming"}, http.StatusBadRequest, "CBC.0100", "industry")
		f.refused(t, "PUT", path, map[string]any{"estimated_amount": "12.345"}, http.StatusBadRequest, "CBC.0100", "estimated_amount")
		f.refused(t, "PUT", path, map[string]any{"customer_consent": "yes"}, http.StatusBadRequest, "CBC.0101", "customer_consent")

		close := inMonths(2)
		f.ok(t, "PUT", path, map[string]any{"expected_close_date": close, "partner_solution": "迁移与运维服务", "customer_consent": true}, &o)
		if o.ExpectedCloseDate != close || o.PartnerSolution != "迁移与运维服务" || !o.CustomerConsent || o.ProjectName != "核心系统上云" ||
			string(o.EstimatedAmount) != "500000.50" {
			t.Fatalf("edited draft: %+v", o)
		}
		f.ok(t, "POST", path+"/submit", nil, &o)
		if o.ReviewStatus != "submitted" || o.ReviewDueAt == "" {
			t.Fatalf("submitted: %+v", o)
		}
		// Submitted: not editable, not submittable again.
		f.refused(t, "PUT", path, map[string]any{"description": "x"}, http.StatusConflict, "PC.0409", "cannot be edited")
		f.refused(t, "POST", path+"/submit", nil, http.StatusConflict, "PC.0409", "can be submitted")

		decide := func(d opportunity.Decision) {
			t.Helper()
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := opportunity.Decide(ctx, tx, f.psm.ID, f.psm.Username, id, d)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		decide(opportunity.Decision{Outcome: opportunity.RequireAction, Reason: "请补充预算说明"})
		f.ok(t, "GET", path, nil, &o)
		if o.ReviewStatus != "action_required" {
			t.Fatalf("after the request for action: %s", o.ReviewStatus)
		}
		// A locked field is refused by name and nothing changes, even the allowed field sent with it.
		f.refused(t, "PUT", path, map[string]any{"project_name": "别的项目", "description": "预算已批"}, http.StatusBadRequest, "CBC.0100", "project_name")
		f.ok(t, "GET", path, nil, &o)
		if o.ProjectName != "核心系统上云" {
			t.Fatalf("locked field changed: %+v", o)
		}
		f.ok(t, "PUT", path, map[string]any{"estimated_amount": 600000, "description": "预算已批"}, &o)
		if string(o.EstimatedAmount) != "600000.00" {
			t.Fatalf("whitelisted edit: %s", o.EstimatedAmount)
		}
		f.ok(t, "POST", path+"/submit", nil, &o)
		if o.ReviewStatus != "submitted" {
			t.Fatalf("resubmitted: %s", o.ReviewStatus)
		}
		// Not approved yet: no sales stage moves.
		f.refused(t, "PUT", path+"/stage", map[string]any{"stage": "share"}, http.StatusConflict, "PC.0409", "approved")
		decide(opportunity.Decision{Outcome: opportunity.Approve, Checklist: opportunity.Checklist})

		// Sales stages.
		f.refused(t, "PUT", path+"/stage", map[string]any{"stage": "winning"}, http.StatusBadRequest, "CBC.0100", "stage")
		f.refused(t, "PUT", path+"/stage", map[string]any{"stage": "lost"}, http.StatusBadRequest, "CBC.0100", "lost_reason")
		f.refused(t, "PUT", path+"/stage", map[string]any{"stage": "lost", "lost_reason": "weather"}, http.StatusBadRequest, "CBC.0100", "lost_reason")
		f.refused(t, "PUT", path+"/stage", map[string]any{"stage": "won", "signed_date": inMonths(1)}, http.StatusBadRequest, "CBC.0100", "signed_date")
		f.refused(t, "POST", path+"/delivery", map[string]any{}, http.StatusConflict, "PC.0409", "won")
		f.ok(t, "PUT", path+"/stage", map[string]any{"stage": "share", "comment": "方案已演示"}, &o)
		if o.SalesStage != "share" {
			t.Fatalf("stage: %s", o.SalesStage)
		}
		f.ok(t, "PUT", path+"/stage", map[string]any{"stage": "won", "signed_date": today()}, &o)
		if o.SalesStage != "won" || o.SignedDate != today() {
			t.Fatalf("won: %+v", o)
		}
		f.refused(t, "POST", path+"/delivery", map[string]any{"delivered_date": "tomorrow"}, http.StatusBadRequest, "CBC.0100", "delivered_date")
		f.ok(t, "POST", path+"/delivery", map[string]any{"delivered_date": today()}, &o)
		if o.DeliveredDate != today() {
			t.Fatalf("delivered: %+v", o)
		}
		f.refused(t, "POST", path+"/delivery", map[string]any{}, http.StatusConflict, "PC.0409", "already")

		// The timeline holds every step, oldest first, with the changes.
		f.ok(t, "GET", path, nil, &o)
		var actions []string
		for _, e := range o.Timeline {
			actions = append(actions, e.Action)
			if e.Action == "edited" && len(e.Changes) == 0 {
				t.Errorf("an edit without its changes: %+v", e)
			}
		}
		want := []string{"created", "edited", "submitted", "decided", "edited", "resubmitted", "decided", "stage_changed", "stage_changed", "delivered"}
		if !slices.Equal(actions, want) {
			t.Fatalf("timeline %v, want %v", actions, want)
		}
		if a := o.Timeline[1]; a.Actor != "AK "+f.plainKey.ID || a.Changes[0].Field != "customer_consent" {
			t.Fatalf("first edit: %+v", a)
		}

		// The funnel counts it as won.
		var funnel funnelJSON
		f.ok(t, "GET", "/v2/partners/opportunity-funnel", nil, &funnel)
		if len(funnel.Stages) != 5 || funnel.Stages[3].Stage != "won" || funnel.Stages[3].Count != 1 || string(funnel.Stages[3].Amount) != "600000.00" ||
			funnel.Stages[0].Count != 0 {
			t.Fatalf("funnel: %+v", funnel)
		}

		// Another partner sees none of it, and cannot change it.
		other := func(method, p string, body any) {
			t.Helper()
			f.do(t, f.distKey, f.dist, method, p, body, nil).wantError(t, http.StatusNotFound, "PC.0404")
		}
		other("GET", path, nil)
		other("PUT", path, map[string]any{"description": "mine"})
		other("POST", path+"/submit", nil)
		other("PUT", path+"/stage", map[string]any{"stage": "lost", "lost_reason": "price"})
		other("POST", path+"/delivery", nil)
		var otherFunnel struct {
			Stages []struct{ Count int } `json:"stages"`
		}
		a = f.do(t, f.distKey, f.dist, "GET", "/v2/partners/opportunity-funnel", nil, nil)
		if err := json.Unmarshal(a.Body, &otherFunnel); err != nil || otherFunnel.Stages[3].Count != 0 {
			t.Fatalf("another partner's funnel: %s", a.Body)
		}
		f.refused(t, "GET", base+"/no-such-id", nil, http.StatusNotFound, "PC.0404", "does not exist")
	})
}

// Creation refuses bad input naming the field, and an Idempotency-Key
// makes a retried creation answer the first draft again.
func TestOpportunityCreateErrorsAndIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newOppFixture(t, db)
		const base = "/v2/partners/opportunities"
		for _, c := range []struct {
			body map[string]any
			want string
		}{
			{map[string]any{"project_name": "p", "industry": "mining"}, "industry"},
			{map[string]any{"project_name": "p", "expected_close_date": "2027-13-01"}, "expected_close_date"},
			{map[string]any{"project_name": "p", "estimated_amount": "-5"}, "estimated_amount"},
			{map[string]any{"project_name": "p", "office_id": "no-such-office"}, "office_id"},
			{map[string]any{"project_name": "p", "customer_id": "no-such-customer"}, "customer_id"},
			{map[string]any{"customer_id": f.buyer.ID, "prospect_name": "Shop Ltd"}, "prospect_name"},
			{map[string]any{"project_name": strings.Repeat("项", 101)}, "project_name"},
		} {
			f.refused(t, "POST", base, c.body, http.StatusBadRequest, "CBC.0100", c.want)
		}
		// Another partner's customer is not the caller's.
		f.do(t, f.distKey, f.dist, "POST", base, map[string]any{"customer_id": f.buyer.ID}, nil).wantError(t, http.StatusBadRequest, "CBC.0100")

		body := map[string]any{"prospect_name": "未上云的客户", "project_name": "idem"}
		h := http.Header{"Idempotency-Key": {"opp-create-1"}}
		first := f.do(t, f.plainKey, f.plain, "POST", base, body, h)
		again := f.do(t, f.plainKey, f.plain, "POST", base, body, h)
		if first.Status != 200 || again.Status != 200 || string(first.Body) != string(again.Body) || again.Header.Get("Idempotency-Replayed") != "true" {
			t.Fatalf("retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		f.do(t, f.plainKey, f.plain, "POST", base, map[string]any{"project_name": "other"}, h).wantError(t, http.StatusConflict, "PC.0410")
		var list struct {
			TotalCount int `json:"total_count"`
		}
		f.ok(t, "GET", base, nil, &list)
		if list.TotalCount != 1 {
			t.Fatalf("%d drafts after a retried creation", list.TotalCount)
		}
	})
}

// Listing pages by offset and limit (at most 100), filters by the domain's
// enums, and refuses values outside them.
func TestOpportunityListPagingAndFilters(t *testing.T) {
	t.Setenv(api.EnvRateLimit, "0") // 13 creations at once
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newOppFixture(t, db)
		const base = "/v2/partners/opportunities"
		for i := range 13 {
			industry := "retail"
			if i%3 == 0 {
				industry = "finance"
			}
			f.ok(t, "POST", base, map[string]any{"prospect_name": fmt.Sprintf("客户 %d", i), "project_name": fmt.Sprintf("项目-%02d", i),
				"industry": industry}, nil)
		}
		type page struct {
			TotalCount    int       `json:"total_count"`
			Opportunities []oppJSON `json:"opportunities"`
		}
		var p page
		f.ok(t, "GET", base+"?offset=10&limit=5", nil, &p)
		if p.TotalCount != 13 || len(p.Opportunities) != 3 {
			t.Fatalf("last page: %d, %d rows", p.TotalCount, len(p.Opportunities))
		}
		var first page
		f.ok(t, "GET", base+"?limit=100", nil, &first)
		if len(first.Opportunities) != 13 || first.Opportunities[0].ProjectName != "项目-12" || first.Opportunities[12].ProjectName != "项目-00" {
			t.Fatalf("newest first: %d rows, first %q", len(first.Opportunities), first.Opportunities[0].ProjectName)
		}
		if p.Opportunities[2].OpportunityID != first.Opportunities[12].OpportunityID {
			t.Fatal("the last page is not the end of the list")
		}
		f.ok(t, "GET", base+"?industry=finance&review_status=draft&origin=PO&sales_stage=identify", nil, &p)
		if p.TotalCount != 5 {
			t.Fatalf("finance drafts: %d", p.TotalCount)
		}
		f.ok(t, "GET", base+"?query=%E9%A1%B9%E7%9B%AE-07", nil, &p) // 项目-07
		if p.TotalCount != 1 || p.Opportunities[0].ProjectName != "项目-07" {
			t.Fatalf("query: %+v", p)
		}
		from := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05Z")
		f.ok(t, "GET", base+"?created_from="+from, nil, &p)
		if p.TotalCount != 13 {
			t.Fatalf("created_from: %d", p.TotalCount)
		}
		f.ok(t, "GET", base+"?created_to="+from, nil, &p)
		if p.TotalCount != 0 {
			t.Fatalf("created_to: %d", p.TotalCount)
		}
		f.ok(t, "GET", base+"?review_status=approved", nil, &p)
		if p.TotalCount != 0 || p.Opportunities == nil {
			t.Fatalf("no match must be an empty list: %+v", p)
		}
		for q, field := range map[string]string{"limit=101": "limit", "limit=0": "limit", "offset=-1": "offset", "limit=ten": "limit",
			"origin=XO": "origin", "review_status=pending": "review_status", "sales_stage=won2": "sales_stage", "industry=farming": "industry",
			"created_from=2026-12-01": "created_from", "created_from=2026-12-02T00:00:00Z&created_to=2026-12-01T00:00:00Z": "created_to"} {
			f.refused(t, "GET", base+"?"+q, nil, http.StatusBadRequest, "CBC.0100", field)
		}
		// Another partner's list is its own.
		a := f.do(t, f.distKey, f.dist, "GET", base, nil, nil)
		if err := json.Unmarshal(a.Body, &p); err != nil || p.TotalCount != 0 {
			t.Fatalf("another partner's list: %s", a.Body)
		}
	})
}

// HOs offered to an eligible partner: contact details hidden until it
// accepts; accept and decline, with the refusals that change nothing.
func TestOpportunityOffersAcceptDecline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newOppFixture(t, db)
		// The first two are offered for a week; the third's offer has run out.
		eligible, key, hos := f.offeredHOs(t, 0, 0, time.Microsecond)
		as := func(method, path string, body any) apiAnswer {
			t.Helper()
			return f.do(t, key, eligible, method, path, body, nil)
		}
		decode := func(a apiAnswer, out any) {
			t.Helper()
			if a.Status != http.StatusOK {
				t.Fatalf("%d %s", a.Status, a.Body)
			}
			if err := json.Unmarshal(a.Body, out); err != nil {
				t.Fatal(err)
			}
		}
		type offers struct {
			TotalCount int       `json:"total_count"`
			Offers     []oppJSON `json:"offers"`
		}
		var list offers
		decode(as("GET", "/v2/partners/opportunity-offers", nil), &list)
		if list.TotalCount != 3 {
			t.Fatalf("offers: %d", list.TotalCount)
		}
		statuses := map[string]string{}
		for _, o := range list.Offers {
			statuses[o.OpportunityID] = o.ShareStatus
			if o.Origin != "HO" || o.ContactName != "" || o.ContactPhone != "" {
				t.Fatalf("contact shown before acceptance: %+v", o)
			}
		}
		if statuses[hos[0].ID] != "offered" || statuses[hos[2].ID] != "expired" {
			t.Fatalf("statuses: %v", statuses)
		}
		decode(as("GET", "/v2/partners/opportunity-offers?share_status=expired", nil), &list)
		if list.TotalCount != 1 || list.Offers[0].OpportunityID != hos[2].ID {
			t.Fatalf("expired offers: %+v", list)
		}
		decode(as("GET", "/v2/partners/opportunity-offers?limit=1&offset=1", nil), &list)
		if list.TotalCount != 3 || len(list.Offers) != 1 {
			t.Fatalf("paged offers: %+v", list)
		}
		as("GET", "/v2/partners/opportunity-offers?share_status=maybe", nil).wantError(t, http.StatusBadRequest, "CBC.0100")

		// Not offered to this partner: not found, for the reseller too.
		f.do(t, f.plainKey, f.plain, "POST", "/v2/partners/opportunity-offers/"+hos[0].ID+"/accept", nil, nil).wantError(t, http.StatusNotFound, "PC.0404")
		f.do(t, f.plainKey, f.plain, "GET", "/v2/partners/opportunities/"+hos[0].ID, nil, nil).wantError(t, http.StatusNotFound, "PC.0404")
		// Before acceptance the HO is not the partner's opportunity.
		as("GET", "/v2/partners/opportunities/"+hos[0].ID, nil).wantError(t, http.StatusNotFound, "PC.0404")

		// Accepting under an Idempotency-Key: a retry answers the acceptance again.
		var o oppJSON
		h := http.Header{"Idempotency-Key": {"accept-" + hos[0].ID}}
		first := f.do(t, key, eligible, "POST", "/v2/partners/opportunity-offers/"+hos[0].ID+"/accept", nil, h)
		retry := f.do(t, key, eligible, "POST", "/v2/partners/opportunity-offers/"+hos[0].ID+"/accept", nil, h)
		if string(first.Body) != string(retry.Body) || retry.Header.Get("Idempotency-Replayed") != "true" {
			t.Fatalf("retried acceptance: %s / %s", first.Body, retry.Body)
		}
		decode(first, &o)
		if o.ContactName != "李四" || o.ContactPhone != "13900000002" || o.ReviewStatus != "approved" {
			t.Fatalf("accepted: %+v", o)
		}
		as("POST", "/v2/partners/opportunity-offers/"+hos[0].ID+"/accept", nil).wantError(t, http.StatusConflict, "PC.0409")
		as("POST", "/v2/partners/opportunity-offers/"+hos[2].ID+"/accept", nil).wantError(t, http.StatusConflict, "PC.0409")

		// Declining needs a reason.
		a := as("POST", "/v2/partners/opportunity-offers/"+hos[1].ID+"/decline", map[string]any{"reason": "  "})
		a.wantError(t, http.StatusBadRequest, "CBC.0100")
		if !strings.Contains(a.Error.Msg, "reason") {
			t.Fatalf("decline without reason: %s", a.Error.Msg)
		}
		var declined struct {
			OpportunityID string `json:"opportunity_id"`
			ShareStatus   string `json:"share_status"`
		}
		decode(as("POST", "/v2/partners/opportunity-offers/"+hos[1].ID+"/decline", map[string]any{"reason": "不在我们的区域"}), &declined)
		if declined.ShareStatus != "rejected" || declined.OpportunityID != hos[1].ID {
			t.Fatalf("declined: %+v", declined)
		}
		as("POST", "/v2/partners/opportunity-offers/"+hos[1].ID+"/accept", nil).wantError(t, http.StatusConflict, "PC.0409")

		decode(as("GET", "/v2/partners/opportunity-offers", nil), &list)
		for _, o := range list.Offers {
			statuses[o.OpportunityID] = o.ShareStatus
			if o.OpportunityID == hos[0].ID && o.ContactName != "李四" {
				t.Fatalf("accepted offer without contact: %+v", o)
			}
		}
		if statuses[hos[0].ID] != "accepted" || statuses[hos[1].ID] != "rejected" {
			t.Fatalf("statuses after answers: %v", statuses)
		}

		// The accepted HO is the partner's: shown, listed, moved along the stages, in its funnel.
		decode(as("GET", "/v2/partners/opportunities/"+hos[0].ID, nil), &o)
		if len(o.Timeline) < 3 || o.Timeline[len(o.Timeline)-1].Action != "accepted" {
			t.Fatalf("HO timeline: %+v", o.Timeline)
		}
		decode(as("PUT", "/v2/partners/opportunities/"+hos[0].ID+"/stage", map[string]any{"stage": "confirm"}), &o)
		if o.SalesStage != "confirm" {
			t.Fatalf("HO stage: %s", o.SalesStage)
		}
		// An HO is not the partner's to edit or submit.
		as("PUT", "/v2/partners/opportunities/"+hos[0].ID, map[string]any{"description": "x"}).wantError(t, http.StatusConflict, "PC.0409")
		var l struct {
			TotalCount int `json:"total_count"`
		}
		decode(as("GET", "/v2/partners/opportunities?origin=HO", nil), &l)
		if l.TotalCount != 1 {
			t.Fatalf("HOs listed: %d", l.TotalCount)
		}
		var funnel funnelJSON
		decode(as("GET", "/v2/partners/opportunity-funnel", nil), &funnel)
		if funnel.Stages[2].Stage != "confirm" || funnel.Stages[2].Count != 1 || string(funnel.Stages[2].Amount) != "80000.00" {
			t.Fatalf("funnel: %+v", funnel)
		}
	})
}
