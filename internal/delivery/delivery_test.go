package delivery_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/delivery"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/upload"
)

type fixture struct {
	db       *store.DB
	files    *upload.Store
	p, other *partner.Partner
	customer map[string]*customer.Customer
	office   *opportunity.Office
	psm      *auth.User
}

func setup(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, files: upload.New(db, upload.Dir(t.TempDir())), customer: map[string]*customer.Customer{}}
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		if f.psm, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: "psm", DisplayName: "psm", Roles: []auth.Role{auth.StaffPSM}, Password: "Passw0rd!long"}); err != nil {
			return err
		}
		if f.p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "seller", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
			return err
		}
		if f.other, err = partner.Create(ctx, tx, partner.NewPartner{Name: "other", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
			return err
		}
		for _, p := range []*partner.Partner{f.p, f.other} {
			if f.customer[p.ID], err = customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: "buyer-of-" + p.Name}, false); err != nil {
				return err
			}
		}
		f.office = &opportunity.Office{NameZh: "北京代表处", NameEn: "Beijing office"}
		if err := opportunity.SaveOffice(ctx, tx, f.office); err != nil {
			return err
		}
		return opportunity.SetOfficePSM(ctx, tx, f.office.ID, f.psm.ID, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// won takes a PO of partner p through review to won and returns its project.
func (f *fixture) won(t testing.TB, p *partner.Partner, project string) *delivery.Project {
	t.Helper()
	ctx := context.Background()
	var got *delivery.Project
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		o, err := opportunity.CreateDraft(ctx, tx, p.ID, "seller-admin", opportunity.Fields{CustomerID: f.customer[p.ID].ID,
			ProjectName: project, Industry: "finance", OfficeID: f.office.ID, Products: []string{"hws.service.type.ec2"},
			Amount: 100_000_00, ExpectedClose: time.Now().AddDate(0, 2, 0), PartnerSolution: "s", CustomerConsent: true})
		if err != nil {
			return err
		}
		if o, err = opportunity.Submit(ctx, tx, p.ID, "seller-admin", o.ID); err != nil {
			return err
		}
		if o, err = opportunity.Decide(ctx, tx, f.psm.ID, "psm", o.ID, opportunity.Decision{Outcome: opportunity.Approve, Checklist: opportunity.Checklist}); err != nil {
			return err
		}
		if o, err = opportunity.SetStage(ctx, tx, p.ID, "seller-admin", o.ID, opportunity.StageChange{Stage: opportunity.StageWon}); err != nil {
			return err
		}
		// Registered in the same transaction as the win.
		got, err = delivery.ByOpportunity(ctx, tx, delivery.Viewer{PartnerID: p.ID}, o.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (f *fixture) get(t testing.TB, id string) *delivery.Project {
	t.Helper()
	p, err := delivery.Get(context.Background(), f.db.Reader(), delivery.Viewer{}, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) feedback(p *partner.Partner, id string, fb delivery.Feedback) (*delivery.Project, error) {
	var out *delivery.Project
	err := f.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		out, err = delivery.SubmitFeedback(context.Background(), tx, p.ID, "seller-admin", id, fb)
		return err
	})
	return out, err
}

func (f *fixture) accept(t testing.TB, id string) {
	t.Helper()
	if _, err := f.feedback(f.p, id, delivery.Feedback{Status: delivery.Accepted, Date: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) sample(rate int, seed string) (*delivery.Run, error) {
	var r *delivery.Run
	err := f.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		r, err = delivery.Sample(context.Background(), tx, "evaluator", rate, seed)
		return err
	})
	return r, err
}

func key(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Key
	}
	return ""
}

func TestWinRegistersProjectOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		p := f.won(t, f.p, "core banking")
		if p.Status != delivery.Registered || p.PartnerID != f.p.ID || p.ProjectName != "core banking" || p.Amount != 100_000_00 || p.Evaluation != "" {
			t.Fatalf("registered project: %+v", p)
		}
		if !strings.HasPrefix(p.Code, "PO") || p.CustomerName == "" {
			t.Errorf("project code %q customer %q", p.Code, p.CustomerName)
		}
		err := db.InTx(context.Background(), func(tx *store.Tx) error {
			o, err := opportunity.Get(context.Background(), tx, opportunity.Viewer{}, p.OpportunityID)
			if err != nil {
				return err
			}
			again, err := delivery.Register(context.Background(), tx, o)
			if err != nil || again {
				t.Errorf("second registration: %v %v", again, err)
			}
			n, err := delivery.RegisterWon(context.Background(), tx)
			if err != nil || n != 0 {
				t.Errorf("backfill found %d: %v", n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, total, _ := delivery.List(context.Background(), db.Reader(), delivery.Filter{}); total != 1 {
			t.Errorf("%d projects, want 1", total)
		}
	})
}

func TestFeedbackRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		mine := f.won(t, f.p, "mine")
		theirs := f.won(t, f.other, "theirs")
		today := time.Now()
		bad := []struct {
			name, key string
			who       *partner.Partner
			id        string
			fb        delivery.Feedback
		}{
			{"another partner's project", "delivery.not_found", f.p, theirs.ID, delivery.Feedback{Status: delivery.Accepted, Date: today}},
			{"no such project", "delivery.not_found", f.p, "nope", delivery.Feedback{Status: delivery.Accepted, Date: today}},
			{"unknown status", "delivery.status_invalid", f.p, mine.ID, delivery.Feedback{Status: "registered", Date: today}},
			{"no date", "delivery.date_required", f.p, mine.ID, delivery.Feedback{Status: delivery.Accepted}},
			{"future date", "delivery.date_range", f.p, mine.ID, delivery.Feedback{Status: delivery.Accepted, Date: today.AddDate(0, 0, 2)}},
			{"before registration", "delivery.date_range", f.p, mine.ID, delivery.Feedback{Status: delivery.Accepted, Date: today.AddDate(0, 0, -3)}},
			{"termination without reason", "delivery.note_required", f.p, mine.ID, delivery.Feedback{Status: delivery.Terminated, Date: today, Note: "  "}},
			{"note too long", "delivery.too_long", f.p, mine.ID, delivery.Feedback{Status: delivery.Accepted, Date: today, Note: strings.Repeat("长", 1001)}},
		}
		for _, c := range bad {
			if _, err := f.feedback(c.who, c.id, c.fb); key(err) != c.key {
				t.Errorf("%s: got %v, want %s", c.name, err, c.key)
			}
		}
		if got := f.get(t, mine.ID); got.Status != delivery.Registered || got.UpdatedAt != mine.UpdatedAt {
			t.Errorf("refused feedback changed the project: %+v", got)
		}
		if got := f.get(t, theirs.ID); got.Status != delivery.Registered {
			t.Errorf("another partner changed the project: %+v", got)
		}

		got, err := f.feedback(f.p, mine.ID, delivery.Feedback{Status: delivery.Accepted, Date: today, Note: "验收通过"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != delivery.Accepted || got.Evaluation != delivery.AwaitingSampling || got.StatusNote != "验收通过" || got.StatusDate.IsZero() {
			t.Fatalf("accepted: %+v", got)
		}
		// Closed: a second report is refused and changes nothing.
		if _, err := f.feedback(f.p, mine.ID, delivery.Feedback{Status: delivery.Terminated, Date: today, Note: "changed mind"}); key(err) != "delivery.closed" {
			t.Errorf("feedback on a closed project: %v", err)
		}
		if again := f.get(t, mine.ID); again.Status != delivery.Accepted || again.StatusNote != "验收通过" {
			t.Errorf("closed project changed: %+v", again)
		}

		ended, err := f.feedback(f.other, theirs.ID, delivery.Feedback{Status: delivery.Terminated, Date: today, Note: "budget cut"})
		if err != nil || ended.Status != delivery.Terminated || ended.Evaluation != "" {
			t.Fatalf("terminated: %+v %v", ended, err)
		}
		if list, total, _ := delivery.List(context.Background(), db.Reader(), delivery.Filter{Viewer: delivery.Viewer{PartnerID: f.p.ID}}); total != 1 || list[0].ID != mine.ID {
			t.Errorf("the partner lists %d projects", total)
		}
	})
}

// independentDraw recomputes a draw the way the documentation tells anyone
// to: sha256 of "seed:id" in hex, the lowest k, in candidate order.
func independentDraw(seed string, rateBP int, candidates []string) []string {
	k := (len(candidates)*rateBP + 9999) / 10000
	type scored struct{ hex, id string }
	var all []scored
	for _, id := range candidates {
		sum := sha256.Sum256([]byte(seed + ":" + id))
		all = append(all, scored{hex.EncodeToString(sum[:]), id})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].hex < all[j].hex })
	picked := map[string]bool{}
	for _, s := range all[:k] {
		picked[s.id] = true
	}
	var out []string
	for _, id := range candidates {
		if picked[id] {
			out = append(out, id)
		}
	}
	return out
}

// The sampling can be re-run from its stored seed to the same draw.
func TestSamplingRerunsFromStoredSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		var accepted []string
		for i := range 9 {
			p := f.won(t, f.p, "project "+string(rune('A'+i)))
			f.accept(t, p.ID)
			accepted = append(accepted, p.ID)
		}
		registered := f.won(t, f.p, "still registered")

		if _, err := f.sample(10001, ""); key(err) != "delivery.rate_range" {
			t.Errorf("a rate over 100%%: %v", err)
		}
		run, err := f.sample(3000, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Seed) != 32 || run.CandidateCount() != 9 || run.DrawnCount() != 3 {
			t.Fatalf("run: seed %q, %d candidates, %d drawn", run.Seed, run.CandidateCount(), run.DrawnCount())
		}
		stored, err := delivery.GetRun(context.Background(), db.Reader(), run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(stored.Candidates, accepted) {
			t.Errorf("stored candidates %v, want the accepted projects in order %v", stored.Candidates, accepted)
		}
		if err := delivery.Verify(stored); err != nil {
			t.Errorf("verify: %v", err)
		}
		if again := delivery.Draw(stored.Seed, stored.RateBP, stored.Candidates); !slices.Equal(again, stored.Drawn) {
			t.Errorf("re-run %v, stored %v", again, stored.Drawn)
		}
		if want := independentDraw(stored.Seed, stored.RateBP, stored.Candidates); !slices.Equal(want, stored.Drawn) {
			t.Errorf("independent re-run %v, stored %v", want, stored.Drawn)
		}
		for _, id := range accepted {
			p := f.get(t, id)
			want := delivery.NotSampled
			if slices.Contains(stored.Drawn, id) {
				want = delivery.EvidenceRequired
			}
			if p.Evaluation != want || p.SamplingRunID != run.ID {
				t.Errorf("project %s: %s in run %s, want %s", id, p.Evaluation, p.SamplingRunID, want)
			}
		}
		if p := f.get(t, registered.ID); p.Evaluation != "" || p.SamplingRunID != "" {
			t.Errorf("a registered project was sampled: %+v", p)
		}

		// A tampered draw or candidate list fails verification.
		tampered := *stored
		tampered.Drawn = append([]string{}, stored.Candidates[:3]...)
		if slices.Equal(tampered.Drawn, stored.Drawn) {
			tampered.Drawn = stored.Candidates[len(stored.Candidates)-3:]
		}
		if err := delivery.Verify(&tampered); err == nil {
			t.Error("a tampered draw verified")
		}
		tampered = *stored
		tampered.Candidates = stored.Candidates[1:]
		if err := delivery.Verify(&tampered); err == nil {
			t.Error("a tampered candidate list verified")
		}

		// Nothing left to sample: refused, no run stored.
		if _, err := f.sample(0, ""); key(err) != "delivery.no_candidates" {
			t.Errorf("empty run: %v", err)
		}
		if _, total, _ := delivery.Runs(context.Background(), db.Reader(), 0, 10); total != 1 {
			t.Errorf("%d runs, want 1", total)
		}
	})
}

func TestDrawIsFixedBySeed(t *testing.T) {
	candidates := make([]string, 1000)
	for i := range candidates {
		candidates[i] = strings.Repeat("0", 8) + "-" + string(rune('a'+i%26)) + hex.EncodeToString([]byte{byte(i >> 8), byte(i)})
	}
	a := delivery.Draw("00112233445566778899aabbccddeeff", 500, candidates)
	b := delivery.Draw("00112233445566778899aabbccddeeff", 500, candidates)
	c := delivery.Draw("ffeeddccbbaa99887766554433221100", 500, candidates)
	if len(a) != 50 || !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Errorf("draws: %d, same seed equal %v, other seed equal %v", len(a), slices.Equal(a, b), slices.Equal(a, c))
	}
	if got := delivery.DrawSize(7, 1); got != 1 {
		t.Errorf("a tiny rate draws %d of 7, want 1", got)
	}
	if got := delivery.DrawSize(0, 5000); got != 0 {
		t.Errorf("no candidates draws %d", got)
	}
}

func TestSampleIfDueFollowsTheInterval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return delivery.SaveSettings(ctx, tx, "admin", delivery.Settings{RateBP: 5000, IntervalDays: 0})
		}); key(err) != "delivery.interval_range" {
			t.Errorf("interval 0: %v", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return delivery.SaveSettings(ctx, tx, "admin", delivery.Settings{RateBP: 5000, IntervalDays: 7})
		}); err != nil {
			t.Fatal(err)
		}
		due := func(at time.Time) *delivery.Run {
			var r *delivery.Run
			if err := db.InTxAt(ctx, at, func(tx *store.Tx) (err error) {
				r, err = delivery.SampleIfDue(ctx, tx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return r
		}
		if r := due(time.Now()); r != nil {
			t.Errorf("a run with no candidates: %+v", r)
		}
		f.accept(t, f.won(t, f.p, "a").ID)
		r := due(time.Now())
		if r == nil || r.RateBP != 5000 || r.RunBy != delivery.RunByJob {
			t.Fatalf("first run: %+v", r)
		}
		f.accept(t, f.won(t, f.p, "b").ID)
		if r := due(time.Now().Add(time.Hour)); r != nil {
			t.Errorf("ran again within the interval")
		}
		if r := due(time.Now().AddDate(0, 0, 8)); r == nil || r.CandidateCount() != 1 {
			t.Errorf("after the interval: %+v", r)
		}
	})
}

var pdf = []byte("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")

func (f *fixture) upload(t testing.TB, p *partner.Partner, name string) string {
	t.Helper()
	file, err := f.files.Save(context.Background(), upload.Upload{PartnerID: p.ID, Kind: delivery.EvidenceKind, Name: name, Body: bytes.NewReader(pdf)})
	if err != nil {
		t.Fatal(err)
	}
	return file.ID
}

func (f *fixture) submit(p *partner.Partner, id string, e delivery.Evidence) (*delivery.Project, error) {
	var out *delivery.Project
	err := f.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		out, err = delivery.SubmitEvidence(context.Background(), tx, p.ID, "seller-admin", id, e)
		return err
	})
	return out, err
}

func (f *fixture) evaluate(id string, v delivery.Verdict) (*delivery.Project, error) {
	var out *delivery.Project
	err := f.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		out, err = delivery.Evaluate(context.Background(), tx, "evaluator", id, v)
		return err
	})
	return out, err
}

func countRounds(t *testing.T, db *store.DB) int {
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM delivery_evidence_rounds`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEvidenceAndEvaluation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		sampled := f.won(t, f.p, "sampled")
		f.accept(t, sampled.ID)
		if _, err := f.sample(10000, ""); err != nil {
			t.Fatal(err)
		}
		ended := f.won(t, f.p, "left out")
		f.accept(t, ended.ID)
		other := f.won(t, f.p, "drawn")
		f.accept(t, other.ID)
		// Two candidates at the smallest rate: one is drawn, one is left out.
		run, err := f.sample(1, "")
		if err != nil {
			t.Fatal(err)
		}
		leftOut := ended.ID
		if slices.Contains(run.Drawn, ended.ID) {
			leftOut = other.ID
		}

		sow, acceptance := f.upload(t, f.p, "SOW.pdf"), f.upload(t, f.p, "验收报告.pdf")
		foreign := f.upload(t, f.other, "theirs.pdf")
		good := delivery.Evidence{Files: map[string][]string{delivery.ItemSOW: {sow}, delivery.ItemAcceptance: {acceptance}}}
		bad := []struct {
			name, key string
			who       *partner.Partner
			id        string
			e         delivery.Evidence
		}{
			{"not sampled", "delivery.not_sampled", f.p, leftOut, good},
			{"not accepted yet", "delivery.not_sampled", f.p, f.won(t, f.p, "registered").ID, good},
			{"another partner's project", "delivery.not_found", f.other, sampled.ID, good},
			{"SOW missing", "delivery.item_required", f.p, sampled.ID, delivery.Evidence{Files: map[string][]string{delivery.ItemAcceptance: {acceptance}}}},
			{"another partner's file", "upload.not_found", f.p, sampled.ID, delivery.Evidence{Files: map[string][]string{delivery.ItemSOW: {sow}, delivery.ItemAcceptance: {foreign}}}},
			{"unknown item", "delivery.item_unknown", f.p, sampled.ID, delivery.Evidence{Files: map[string][]string{delivery.ItemSOW: {sow}, delivery.ItemAcceptance: {acceptance}, "photos": {sow}}}},
		}
		for _, c := range bad {
			if _, err := f.submit(c.who, c.id, c.e); key(err) != c.key {
				t.Errorf("%s: got %v, want %s", c.name, err, c.key)
			}
		}
		if n := countRounds(t, db); n != 0 {
			t.Fatalf("refused evidence stored %d rounds", n)
		}
		if got := f.get(t, leftOut); got.Evaluation != delivery.NotSampled {
			t.Errorf("not sampled project is %s", got.Evaluation)
		}

		p, err := f.submit(f.p, sampled.ID, good)
		if err != nil || p.Evaluation != delivery.Evaluating || p.EvidenceRound != 1 {
			t.Fatalf("submitted: %+v %v", p, err)
		}
		if _, err := f.submit(f.p, sampled.ID, good); key(err) != "delivery.evaluating" {
			t.Errorf("submitting twice: %v", err)
		}
		for _, c := range []struct {
			key string
			v   delivery.Verdict
		}{
			{"delivery.score_range", delivery.Verdict{Score: 101, Pass: true}},
			{"delivery.score_range", delivery.Verdict{Score: -1, Pass: true}},
			{"delivery.comment_required", delivery.Verdict{Score: 40}},
		} {
			if _, err := f.evaluate(sampled.ID, c.v); key(err) != c.key {
				t.Errorf("verdict %+v: %v", c.v, err)
			}
		}
		if got := f.get(t, sampled.ID); got.Evaluation != delivery.Evaluating {
			t.Errorf("refused verdict changed the project to %s", got.Evaluation)
		}
		if _, err := f.evaluate(leftOut, delivery.Verdict{Score: 90, Pass: true}); key(err) != "delivery.not_evaluating" {
			t.Errorf("evaluating a project without evidence: %v", err)
		}
		if p, err = f.evaluate(sampled.ID, delivery.Verdict{Score: 45, Comment: "验收报告缺少客户签字"}); err != nil || p.Evaluation != delivery.Rejected {
			t.Fatalf("rejected: %+v %v", p, err)
		}
		// Rejected evidence may be submitted again, with more items.
		signed, plan := f.upload(t, f.p, "验收报告-签字.pdf"), f.upload(t, f.p, "plan.pdf")
		again := delivery.Evidence{Note: "补充签字版", Files: map[string][]string{delivery.ItemSOW: {sow}, delivery.ItemAcceptance: {signed}, delivery.ItemPlan: {plan}}}
		if p, err = f.submit(f.p, sampled.ID, again); err != nil || p.Evaluation != delivery.Evaluating || p.EvidenceRound != 2 {
			t.Fatalf("resubmitted: %+v %v", p, err)
		}
		if p, err = f.evaluate(sampled.ID, delivery.Verdict{Score: 92, Pass: true, Comment: "材料齐全"}); err != nil || p.Evaluation != delivery.Passed {
			t.Fatalf("passed: %+v %v", p, err)
		}
		if _, err := f.submit(f.p, sampled.ID, again); key(err) != "delivery.passed" {
			t.Errorf("evidence after passing: %v", err)
		}
		rounds, err := delivery.Rounds(context.Background(), db.Reader(), delivery.Viewer{PartnerID: f.p.ID}, sampled.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rounds) != 2 || rounds[0].Number != 2 || rounds[0].Result != delivery.Passed || rounds[0].Score != 92 ||
			rounds[1].Result != delivery.Rejected || rounds[1].Comment != "验收报告缺少客户签字" {
			t.Fatalf("rounds: %+v", rounds)
		}
		if got := rounds[0].Files[delivery.ItemAcceptance]; len(got) != 1 || got[0].Name != "验收报告-签字.pdf" {
			t.Errorf("round 2 acceptance files: %+v", got)
		}
		if len(rounds[0].Files[delivery.ItemPlan]) != 1 || len(rounds[1].Files[delivery.ItemPlan]) != 0 {
			t.Errorf("plan files by round: %d, %d", len(rounds[0].Files[delivery.ItemPlan]), len(rounds[1].Files[delivery.ItemPlan]))
		}
		if _, err := delivery.Rounds(context.Background(), db.Reader(), delivery.Viewer{PartnerID: f.other.ID}, sampled.ID); key(err) != "delivery.not_found" {
			t.Errorf("another partner read the rounds: %v", err)
		}
	})
}
