package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	pc "partnercenter/client"
	"partnercenter/internal/auth"
	"partnercenter/internal/customer"
	"partnercenter/internal/delivery"
	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
	"partnercenter/internal/upload"
)

// deliveryProjects wins n opportunities of p through the review, which
// registers their projects (已登记), and returns the projects' ids in the
// order won.
func (f *solFixture) deliveryProjects(t *testing.T, p *partner.Partner, n int) []string {
	t.Helper()
	var ids []string
	f.tx(t, func(ctx context.Context, tx *store.Tx) error {
		psm, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "psm-" + p.ID[len(p.ID)-8:], DisplayName: "PSM", Roles: []auth.Role{auth.StaffPSM},
			Password: "Passw0rd!long"})
		if err != nil {
			return err
		}
		office := &opportunity.Office{NameZh: "代表处 " + p.ID[len(p.ID)-8:], NameEn: "Office " + p.ID[len(p.ID)-8:]}
		if err := opportunity.SaveOffice(ctx, tx, office); err != nil {
			return err
		}
		if err := opportunity.SetOfficePSM(ctx, tx, office.ID, psm.ID, nil); err != nil {
			return err
		}
		buyer, err := customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: "buyer-" + p.ID[len(p.ID)-8:]}, false)
		if err != nil {
			return err
		}
		for i := range n {
			o, err := opportunity.CreateDraft(ctx, tx, p.ID, "seller", opportunity.Fields{CustomerID: buyer.ID, ProjectName: fmt.Sprintf("园区项目 %d", i),
				Industry: "finance", OfficeID: office.ID, Products: []string{"hws.service.type.ec2"}, Amount: 100_000_00 + int64(i),
				ExpectedClose: time.Now().AddDate(0, 2, 0), PartnerSolution: "s", CustomerConsent: true})
			if err != nil {
				return err
			}
			if o, err = opportunity.Submit(ctx, tx, p.ID, "seller", o.ID); err != nil {
				return err
			}
			if o, err = opportunity.Decide(ctx, tx, psm.ID, "psm", o.ID, opportunity.Decision{Outcome: opportunity.Approve, Checklist: opportunity.Checklist}); err != nil {
				return err
			}
			if o, err = opportunity.SetStage(ctx, tx, p.ID, "seller", o.ID, opportunity.StageChange{Stage: opportunity.StageWon}); err != nil {
				return err
			}
			d, err := delivery.ByOpportunity(ctx, tx, delivery.Viewer{PartnerID: p.ID}, o.ID)
			if err != nil {
				return err
			}
			ids = append(ids, d.ID)
		}
		return nil
	})
	return ids
}

// A partner follows its won projects through the API: lists and filters,
// feedback with the console's rules (once per Idempotency-Key, once at
// all), the sampling figures that let it re-check the draw, evidence files
// and the evidence round of a drawn project; a project not drawn takes no
// evidence, and another partner's projects answer as if they did not exist.
func TestDeliveryAPIFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSolFixture(t, db)
		ctx := context.Background()
		ids := f.deliveryProjects(t, f.plain, 4)
		foreign := f.deliveryProjects(t, f.dist2, 1)[0]
		today := time.Now().In(ledger.BillingZone).Format("2006-01-02")

		var seen int
		for offset := 0; offset < 4; offset += 3 {
			page := extMust(f.own.ListDeliveryProjects(ctx, pc.DeliveryFilter{Page: pc.Page{Offset: offset, Limit: 3}}))(t)
			if page.TotalCount != 4 {
				t.Fatalf("total %d", page.TotalCount)
			}
			seen += len(page.Projects)
		}
		if seen != 4 {
			t.Fatalf("pages held %d projects", seen)
		}
		found := extMust(f.own.ListDeliveryProjects(ctx, pc.DeliveryFilter{Query: "园区项目 2"}))(t)
		if found.TotalCount != 1 || found.Projects[0].ProjectID != ids[2] {
			t.Fatalf("query: %+v", found)
		}
		p := extMust(f.own.ShowDeliveryProject(ctx, ids[0]))(t)
		if p.Status != pc.DeliveryRegistered || !p.CanFeedback || p.CanSubmitEvidence || p.Amount != "100000.00" || p.ProjectName != "园区项目 0" ||
			p.CustomerName == "" || p.OpportunityID == "" {
			t.Fatalf("project %+v", p)
		}
		_, err := f.own.ListDeliveryProjects(ctx, pc.DeliveryFilter{Evaluation: "sampled"})
		extInvalid(t, err, "evaluation")

		// Feedback refused with the field named; nothing changes.
		for _, c := range []struct {
			fb   pc.DeliveryFeedback
			want string
		}{
			{pc.DeliveryFeedback{Status: "done", Date: today}, "status"},
			{pc.DeliveryFeedback{Status: pc.DeliveryAccepted}, "date: enter the date"},
			{pc.DeliveryFeedback{Status: pc.DeliveryAccepted, Date: "05/12/2026"}, "date"},
			{pc.DeliveryFeedback{Status: pc.DeliveryAccepted, Date: time.Now().AddDate(0, 0, 2).Format("2006-01-02")}, "date: the date must be between"},
			{pc.DeliveryFeedback{Status: pc.DeliveryTerminated, Date: today}, "note: say why the deal was terminated"},
		} {
			_, err := f.own.SubmitDeliveryFeedback(ctx, ids[0], c.fb)
			extInvalid(t, err, c.want)
		}
		if p := extMust(f.own.ShowDeliveryProject(ctx, ids[0]))(t); p.Status != pc.DeliveryRegistered {
			t.Fatalf("status after refused feedback: %s", p.Status)
		}

		accepted := pc.DeliveryFeedback{Status: pc.DeliveryAccepted, Date: today}
		p = extMust(f.own.SubmitDeliveryFeedback(ctx, ids[0], accepted, pc.IdempotencyKey("fb-0")))(t)
		again := extMust(f.own.SubmitDeliveryFeedback(ctx, ids[0], accepted, pc.IdempotencyKey("fb-0")))(t)
		if p.Status != pc.DeliveryAccepted || p.Evaluation != pc.EvaluationAwaitingSampling || p.StatusDate != today || p.CanFeedback ||
			again.Status != pc.DeliveryAccepted {
			t.Fatalf("accepted %+v, retried %+v", p, again)
		}
		_, err = f.own.SubmitDeliveryFeedback(ctx, ids[0], pc.DeliveryFeedback{Status: pc.DeliveryTerminated, Date: today, Note: "客户撤单"})
		extConflict(t, err, "already reported")
		terminated := extMust(f.own.SubmitDeliveryFeedback(ctx, ids[1], pc.DeliveryFeedback{Status: pc.DeliveryTerminated, Date: today, Note: "客户撤单"}))(t)
		if terminated.Status != pc.DeliveryTerminated || terminated.StatusNote != "客户撤单" || terminated.Evaluation != "" {
			t.Fatalf("terminated %+v", terminated)
		}
		for _, id := range ids[2:] {
			extMust(f.own.SubmitDeliveryFeedback(ctx, id, accepted))(t)
		}

		// Before a run: no evidence, no sampling figures.
		_, err = f.own.UploadDeliveryEvidenceFile(ctx, ids[0], "sow.pdf", extPDF)
		extConflict(t, err, "not sampled")
		_, err = f.own.ShowDeliverySampling(ctx, ids[0])
		extConflict(t, err, "no sampling run")
		if n := f.count(t, `SELECT COUNT(*) FROM uploads`); n != 0 {
			t.Fatalf("%d files kept for a project that takes no evidence", n)
		}

		// A run at 50% of the three accepted projects draws two; the
		// partner re-checks each project with its score and the cutoff.
		const seed = "00112233445566778899aabbccddeeff"
		var run *delivery.Run
		f.tx(t, func(ctx context.Context, tx *store.Tx) (err error) {
			run, err = delivery.Sample(ctx, tx, "evaluator", 5000, seed)
			return err
		})
		var drawn, notDrawn []string
		for _, id := range []string{ids[0], ids[2], ids[3]} {
			s := extMust(f.own.ShowDeliverySampling(ctx, id))(t)
			sum := sha256.Sum256([]byte(seed + ":" + id))
			if s.Seed != seed || s.RunCode != run.Code || s.RateBP != 5000 || s.CandidateCount != 3 || s.DrawnCount != 2 || !s.Verified ||
				s.ProjectScore != hex.EncodeToString(sum[:]) || s.Drawn != (s.ProjectScore <= s.CutoffScore) || s.CandidatesSHA256 == "" {
				t.Fatalf("sampling of %s: %+v", id, s)
			}
			p := extMust(f.own.ShowDeliveryProject(ctx, id))(t)
			if s.Drawn {
				drawn = append(drawn, id)
				if p.Evaluation != pc.EvaluationEvidenceRequired || !p.CanSubmitEvidence || !p.Sampled {
					t.Fatalf("drawn project %+v", p)
				}
			} else {
				notDrawn = append(notDrawn, id)
				if p.Evaluation != pc.EvaluationNotSampled || p.CanSubmitEvidence {
					t.Fatalf("project not drawn %+v", p)
				}
			}
		}
		if len(drawn) != 2 || len(notDrawn) != 1 {
			t.Fatalf("drawn %v, not drawn %v", drawn, notDrawn)
		}
		_, err = f.own.ShowDeliverySampling(ctx, ids[1])
		extConflict(t, err, "no sampling run")

		// A stored draw altered afterwards no longer verifies; put back, it does.
		setDrawn := func(list ...string) {
			f.tx(t, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE delivery_sampling_runs SET drawn = ? WHERE id = ?`, strings.Join(list, "\n"), run.ID)
				return err
			})
		}
		setDrawn(notDrawn[0], drawn[1])
		if s := extMust(f.own.ShowDeliverySampling(ctx, drawn[1]))(t); s.Verified {
			t.Fatalf("an altered draw verified: %+v", s)
		}
		setDrawn(run.Drawn...)
		if s := extMust(f.own.ShowDeliverySampling(ctx, drawn[1]))(t); !s.Verified {
			t.Fatalf("the restored draw did not verify: %+v", s)
		}

		// Evidence of a drawn project: the required items, files of the
		// partner's own, then a round that waits for evaluation.
		target := drawn[0]
		_, err = f.own.UploadDeliveryEvidenceFile(ctx, target, "sow.txt", []byte("plain words"))
		extInvalid(t, err, "content")
		sow := extMust(f.own.UploadDeliveryEvidenceFile(ctx, target, "SOW.pdf", extPDF, pc.IdempotencyKey("sow")))(t)
		acceptance := extMust(f.own.UploadDeliveryEvidenceFile(ctx, target, "验收报告.pdf", extPDF))(t)
		if sow.FileID == "" || sow.FileName != "SOW.pdf" || sow.ContentType != "application/pdf" {
			t.Fatalf("uploaded %+v", sow)
		}
		if again := extMust(f.own.UploadDeliveryEvidenceFile(ctx, target, "SOW.pdf", extPDF, pc.IdempotencyKey("sow")))(t); again.FileID != sow.FileID {
			t.Fatalf("a retried upload stored another file: %s, %s", again.FileID, sow.FileID)
		}
		_, err = f.other.UploadDeliveryEvidenceFile(ctx, target, "x.pdf", extPDF)
		extNotFound(t, err)
		// Another partner's evidence file cannot be borrowed.
		files := extMust(upload.FromEnv(ctx, db))(t)
		theirs := extMust(files.Save(ctx, upload.Upload{PartnerID: f.dist2.ID, Kind: delivery.EvidenceKind, Name: "theirs.pdf", CreatedBy: "x",
			Body: bytes.NewReader(extPDF)}))(t)

		for _, c := range []struct {
			files map[string][]string
			want  string
		}{
			{map[string][]string{pc.EvidenceSOW: {sow.FileID}}, "files.acceptance: upload this item"},
			{map[string][]string{pc.EvidenceSOW: {sow.FileID}, pc.EvidenceAcceptance: {"no-such-file"}}, "files.acceptance: no such file"},
			{map[string][]string{pc.EvidenceSOW: {sow.FileID}, pc.EvidenceAcceptance: {theirs.ID}}, "files.acceptance: no such file"},
			{map[string][]string{pc.EvidenceSOW: {sow.FileID}, pc.EvidenceAcceptance: {acceptance.FileID}, "photos": {sow.FileID}}, "files"},
		} {
			_, err := f.own.SubmitDeliveryEvidence(ctx, target, pc.DeliveryEvidence{Files: c.files})
			extInvalid(t, err, c.want)
		}
		if p := extMust(f.own.ShowDeliveryProject(ctx, target))(t); p.Evaluation != pc.EvaluationEvidenceRequired || len(p.EvidenceRounds) != 0 {
			t.Fatalf("after refused evidence: %+v", p)
		}
		p = extMust(f.own.SubmitDeliveryEvidence(ctx, target, pc.DeliveryEvidence{Note: "按计划交付",
			Files: map[string][]string{pc.EvidenceSOW: {sow.FileID}, pc.EvidenceAcceptance: {acceptance.FileID}}}))(t)
		if p.Evaluation != pc.EvaluationEvaluating || p.EvidenceRound != 1 || p.CanSubmitEvidence {
			t.Fatalf("after evidence: %+v", p)
		}
		shown := extMust(f.own.ShowDeliveryProject(ctx, target))(t)
		if len(shown.EvidenceRounds) != 1 || shown.EvidenceRounds[0].Result != pc.EvaluationEvaluating || shown.EvidenceRounds[0].Note != "按计划交付" ||
			len(shown.EvidenceRounds[0].Files[pc.EvidenceAcceptance]) != 1 || shown.EvidenceRounds[0].Files[pc.EvidenceAcceptance][0].FileName != "验收报告.pdf" ||
			shown.EvidenceRounds[0].Score != nil {
			t.Fatalf("evidence rounds %+v", shown.EvidenceRounds)
		}
		_, err = f.own.SubmitDeliveryEvidence(ctx, target, pc.DeliveryEvidence{Files: map[string][]string{pc.EvidenceSOW: {sow.FileID}, pc.EvidenceAcceptance: {acceptance.FileID}}})
		extConflict(t, err, "being evaluated")

		// The evaluator's verdict shows with its score.
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := delivery.Evaluate(ctx, tx, "evaluator", target, delivery.Verdict{Score: 55, Comment: "验收报告缺少客户签字"})
			return err
		})
		shown = extMust(f.own.ShowDeliveryProject(ctx, target))(t)
		if shown.Evaluation != pc.EvaluationRejected || !shown.CanSubmitEvidence || shown.EvidenceRounds[0].Score == nil ||
			*shown.EvidenceRounds[0].Score != 55 || shown.EvidenceRounds[0].Comment != "验收报告缺少客户签字" {
			t.Fatalf("after the verdict: %+v", shown)
		}

		_, err = f.own.SubmitDeliveryEvidence(ctx, notDrawn[0], pc.DeliveryEvidence{Files: map[string][]string{pc.EvidenceSOW: {sow.FileID}}})
		extConflict(t, err, "not sampled")

		// Another partner's project, and this partner's seen by the other.
		_, err = f.own.ShowDeliveryProject(ctx, foreign)
		extNotFound(t, err)
		_, err = f.own.SubmitDeliveryFeedback(ctx, foreign, accepted)
		extNotFound(t, err)
		_, err = f.other.ShowDeliverySampling(ctx, target)
		extNotFound(t, err)
		_, err = f.other.SubmitDeliveryEvidence(ctx, target, pc.DeliveryEvidence{Files: map[string][]string{pc.EvidenceSOW: {sow.FileID}}})
		extNotFound(t, err)
		if list := extMust(f.other.ListDeliveryProjects(ctx, pc.DeliveryFilter{}))(t); list.TotalCount != 1 || list.Projects[0].ProjectID != foreign {
			t.Fatalf("the other partner lists %+v", list)
		}
	})
}
