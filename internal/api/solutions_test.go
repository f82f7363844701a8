package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"

	pc "partnercenter/client"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// A partner builds a solution through the API: a draft, a refused
// submission naming what is missing, materials uploaded and downloaded,
// submission to joint approval (联合立项审批中) after which edits are state
// conflicts, the PSA's return (已退回) and the edit and resubmission it
// allows, and the assistance thread. Another partner sees none of it.
func TestSolutionAPIFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSolFixture(t, db)
		ctx := context.Background()
		psa := solution.Actor{Side: solution.PSA, Name: "psa-1"}

		// Created once under one Idempotency-Key, however often it is sent.
		fields := pc.SolutionFields{Name: new("智慧园区"), Industry: new("finance")}
		s := extMust(f.own.CreateSolution(ctx, fields, pc.IdempotencyKey("sol-1")))(t)
		again := extMust(f.own.CreateSolution(ctx, fields, pc.IdempotencyKey("sol-1")))(t)
		if again.SolutionID != s.SolutionID || s.Status != pc.SolutionDraft || !s.Editable || !s.CanSubmit || s.CreatedBy == "" {
			t.Fatalf("created %+v, retried %+v", s, again)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM solutions`); n != 1 {
			t.Fatalf("%d solutions after a retried creation", n)
		}

		// Bad input names the field and creates nothing.
		_, err := f.own.CreateSolution(ctx, pc.SolutionFields{Name: new("  ")})
		extInvalid(t, err, "name")
		_, err = f.own.CreateSolution(ctx, pc.SolutionFields{Name: new("另一个"), Industry: new("astrology")})
		extInvalid(t, err, "industry")
		_, err = f.own.CreateSolution(ctx, pc.SolutionFields{Name: new("智慧园区")})
		extInvalid(t, err, "name: you already have a solution of this name")
		if n := f.count(t, `SELECT COUNT(*) FROM solutions`); n != 1 {
			t.Fatalf("%d solutions after refused creations", n)
		}

		// Submitting a draft without description and materials is refused
		// naming the first thing missing; the status stays.
		_, err = f.own.SubmitSolution(ctx, s.SolutionID)
		extInvalid(t, err, "description")
		if got := extMust(f.own.ShowSolution(ctx, s.SolutionID))(t); got.Status != pc.SolutionDraft {
			t.Fatalf("status after a refused submission: %s", got.Status)
		}

		s = extMust(f.own.UpdateSolution(ctx, s.SolutionID, pc.SolutionFields{Description: new("园区一体化运营")}))(t)
		if s.Name != "智慧园区" || s.Industry != "finance" || s.Description != "园区一体化运营" {
			t.Fatalf("an update changed the fields not sent: %+v", s)
		}
		_, err = f.own.SubmitSolution(ctx, s.SolutionID)
		extInvalid(t, err, solution.ApprovalMaterials)

		// Materials: a kind that does not exist, a file that is no document.
		_, err = f.own.AddSolutionMaterial(ctx, s.SolutionID, "brochure", "a.pdf", extPDF)
		extInvalid(t, err, "kind")
		_, err = f.own.AddSolutionMaterial(ctx, s.SolutionID, pc.MaterialApproval, "a.txt", []byte("just words"))
		extInvalid(t, err, "content: files of type text/plain are not accepted")
		_, err = f.own.AddSolutionMaterial(ctx, s.SolutionID, pc.MaterialApproval, "", extPDF)
		extInvalid(t, err, "file_name")
		if n := f.count(t, `SELECT COUNT(*) FROM uploads`); n != 0 {
			t.Fatalf("%d files kept from refused materials", n)
		}
		approval := extMust(f.own.AddSolutionMaterial(ctx, s.SolutionID, pc.MaterialApproval, "立项材料.pdf", extPDF))(t)
		features := extMust(f.own.AddSolutionMaterial(ctx, s.SolutionID, pc.MaterialFeatureList, "features.pdf", extPDF))(t)
		if approval.Kind != pc.MaterialApproval || approval.FileName != "立项材料.pdf" || approval.Size != int64(len(extPDF)) ||
			approval.ContentType != "application/pdf" {
			t.Fatalf("material %+v", approval)
		}
		got := extMust(f.own.DownloadSolutionMaterial(ctx, s.SolutionID, features.MaterialID))(t)
		sum := sha256.Sum256(extPDF)
		if !bytes.Equal(got.Content, extPDF) || got.SHA256 != hex.EncodeToString(sum[:]) || got.FileName != "features.pdf" {
			t.Fatalf("downloaded %q, sha256 %s", got.Content, got.SHA256)
		}

		// Submitted: joint approval, and no more edits.
		s = extMust(f.own.SubmitSolution(ctx, s.SolutionID, pc.IdempotencyKey("submit-1")))(t)
		if s.Status != pc.SolutionJointApproval || s.Editable || s.CanSubmit || s.SubmittedAt == "" {
			t.Fatalf("submitted: %+v", s)
		}
		if again := extMust(f.own.SubmitSolution(ctx, s.SolutionID, pc.IdempotencyKey("submit-1")))(t); again.Status != pc.SolutionJointApproval {
			t.Fatalf("a retried submission answered %+v", again)
		}
		_, err = f.own.UpdateSolution(ctx, s.SolutionID, pc.SolutionFields{Name: new("改名")})
		extConflict(t, err, "only as a draft or when returned")
		_, err = f.own.SubmitSolution(ctx, s.SolutionID)
		extConflict(t, err, "cannot submit")
		_, err = f.own.AddSolutionMaterial(ctx, s.SolutionID, pc.MaterialApproval, "more.pdf", extPDF)
		extConflict(t, err, "only as a draft or when returned")
		_, err = f.own.DeleteSolutionMaterial(ctx, s.SolutionID, approval.MaterialID)
		extConflict(t, err, "only as a draft or when returned")

		shown := extMust(f.own.ShowSolution(ctx, s.SolutionID))(t)
		if len(shown.Materials) != 2 {
			t.Fatalf("materials %+v", shown.Materials)
		}
		var actions []string
		for _, e := range shown.History {
			actions = append(actions, e.Action)
		}
		if !slices.Equal(actions, []string{"created", "edited", "file_added", "file_added", "submit"}) {
			t.Fatalf("history %v", actions)
		}
		if last := shown.History[len(shown.History)-1]; last.FromStatus != pc.SolutionDraft || last.ToStatus != pc.SolutionJointApproval {
			t.Fatalf("the submission's entry %+v", last)
		}

		// The assistance thread.
		_, err = f.own.CreateSolutionMessage(ctx, s.SolutionID, " ")
		extInvalid(t, err, "body")
		asked := extMust(f.own.CreateSolutionMessage(ctx, s.SolutionID, "联合立项需要哪些材料？"))(t)
		thread := extMust(f.own.ListSolutionMessages(ctx, s.SolutionID))(t)
		if !thread.AwaitingPSA || len(thread.Messages) != 1 || thread.Messages[0].MessageID != asked.MessageID || asked.Side != "partner" {
			t.Fatalf("thread after asking: %+v", thread)
		}
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Post(ctx, tx, psa, s.SolutionID, "材料已齐全")
			return err
		})
		thread = extMust(f.own.ListSolutionMessages(ctx, s.SolutionID))(t)
		if thread.AwaitingPSA || len(thread.Messages) != 2 || thread.Messages[1].Side != "psa" || thread.Messages[1].Body != "材料已齐全" {
			t.Fatalf("thread after the answer: %+v", thread)
		}

		// Another partner's ids answer as if they did not exist.
		_, err = f.other.ShowSolution(ctx, s.SolutionID)
		extNotFound(t, err)
		_, err = f.other.UpdateSolution(ctx, s.SolutionID, pc.SolutionFields{Name: new("x")})
		extNotFound(t, err)
		_, err = f.other.SubmitSolution(ctx, s.SolutionID)
		extNotFound(t, err)
		_, err = f.other.ListSolutionMessages(ctx, s.SolutionID)
		extNotFound(t, err)
		_, err = f.other.CreateSolutionMessage(ctx, s.SolutionID, "hello")
		extNotFound(t, err)
		_, err = f.other.DownloadSolutionMaterial(ctx, s.SolutionID, approval.MaterialID)
		extNotFound(t, err)
		_, err = f.other.AddSolutionMaterial(ctx, s.SolutionID, pc.MaterialApproval, "x.pdf", extPDF)
		extNotFound(t, err)
		if list := extMust(f.other.ListSolutions(ctx, pc.SolutionFilter{}))(t); list.TotalCount != 0 || len(list.Solutions) != 0 {
			t.Fatalf("another partner lists %+v", list)
		}

		// Returned by the PSA: the reason shows, and the partner edits,
		// removes a material and resubmits.
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := solution.Move(ctx, tx, psa, s.SolutionID, solution.Return, "功能清单过于简略")
			return err
		})
		s = extMust(f.own.ShowSolution(ctx, s.SolutionID))(t)
		if s.Status != pc.SolutionReturned || s.ReturnReason != "功能清单过于简略" || !s.Editable || !s.CanSubmit {
			t.Fatalf("returned: %+v", s)
		}
		extMust(f.own.DeleteSolutionMaterial(ctx, s.SolutionID, features.MaterialID))(t)
		_, err = f.own.DeleteSolutionMaterial(ctx, s.SolutionID, features.MaterialID)
		extNotFound(t, err)
		_, err = f.own.SubmitSolution(ctx, s.SolutionID)
		extInvalid(t, err, solution.FeatureList)
		extMust(f.own.AddSolutionMaterial(ctx, s.SolutionID, pc.MaterialFeatureList, "features-v2.pdf", extPDF))(t)
		if s = extMust(f.own.SubmitSolution(ctx, s.SolutionID))(t); s.Status != pc.SolutionJointApproval {
			t.Fatalf("resubmitted: %+v", s)
		}

		// The audit log holds the partner's changes as the console's would,
		// each once, under the access key.
		rows, err := db.Reader().QueryContext(ctx, `SELECT action, actor_name FROM audit_log WHERE object_id = ? ORDER BY at, id`, s.SolutionID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var logged []string
		for rows.Next() {
			var action, actor string
			if err := rows.Scan(&action, &actor); err != nil {
				t.Fatal(err)
			}
			if actor != "AK "+f.plainKey.ID {
				t.Fatalf("%s logged as %q", action, actor)
			}
			logged = append(logged, action)
		}
		if want := []string{"solution.create", "solution.update", "solution.attach", "solution.attach", "solution.submit", "solution.detach",
			"solution.attach", "solution.submit"}; !slices.Equal(logged, want) {
			t.Fatalf("audit log %v, want %v", logged, want)
		}
	})
}

// ListSolutions pages and filters as the console's list does.
func TestSolutionAPIListPagingAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSolFixture(t, db)
		ctx := context.Background()
		var ids []string
		for i := range 5 {
			s := extMust(f.own.CreateSolution(ctx, pc.SolutionFields{Name: new(fmt.Sprintf("方案 %d", i))}))(t)
			ids = append(ids, s.SolutionID)
		}
		f.tx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE solutions SET status = ? WHERE id = ?`, solution.Published, ids[0])
			return err
		})
		var seen []string
		for offset := 0; offset < 6; offset += 2 {
			page := extMust(f.own.ListSolutions(ctx, pc.SolutionFilter{Page: pc.Page{Offset: offset, Limit: 2}}))(t)
			if page.TotalCount != 5 || len(page.Solutions) != min(2, 5-offset) {
				t.Fatalf("offset %d: total %d, %d rows", offset, page.TotalCount, len(page.Solutions))
			}
			for _, s := range page.Solutions {
				seen = append(seen, s.SolutionID)
			}
		}
		slices.Sort(seen)
		want := slices.Sorted(slices.Values(ids))
		if !slices.Equal(seen, want) {
			t.Fatalf("pages hold %v, want each of %v once", seen, want)
		}
		drafts := extMust(f.own.ListSolutions(ctx, pc.SolutionFilter{Status: pc.SolutionDraft}))(t)
		published := extMust(f.own.ListSolutions(ctx, pc.SolutionFilter{Status: pc.SolutionPublished}))(t)
		named := extMust(f.own.ListSolutions(ctx, pc.SolutionFilter{Name: "方案 3"}))(t)
		if drafts.TotalCount != 4 || published.TotalCount != 1 || published.Solutions[0].SolutionID != ids[0] ||
			named.TotalCount != 1 || named.Solutions[0].SolutionID != ids[3] {
			t.Fatalf("drafts %d, published %+v, named %+v", drafts.TotalCount, published, named)
		}
		_, err := f.own.ListSolutions(ctx, pc.SolutionFilter{Status: "approved"})
		extInvalid(t, err, "status")
		_, err = f.own.ListSolutions(ctx, pc.SolutionFilter{Page: pc.Page{Limit: 101}})
		extInvalid(t, err, "limit")
	})
}
