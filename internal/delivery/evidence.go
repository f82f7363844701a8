package delivery

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"partnercenter/internal/audit"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/upload"
)

// EvidenceKind is the upload kind of every evidence file: office documents
// or scans, up to 20 MB each.
const EvidenceKind = "delivery.evidence"

// MaxEvidenceBytes is the size limit of one evidence file.
const MaxEvidenceBytes = 20 << 20

func init() {
	upload.RegisterKind(EvidenceKind, upload.Rule{MaxBytes: MaxEvidenceBytes, Types: upload.Documents})
}

// Evidence items (举证材料). The SOW with the customer's approval and the
// acceptance report are required: together they show what was agreed and
// that the customer accepted it, which is what the evaluation checks. The
// delivery plan, the delivery staff list, the customer's thanks and the
// retrospective support the score and are optional.
const (
	ItemSOW           = "sow"           // SOW（含客户签字确认）
	ItemAcceptance    = "acceptance"    // 验收报告
	ItemPlan          = "plan"          // 交付计划
	ItemStaff         = "staff"         // 交付人员清单
	ItemThanks        = "thanks"        // 客户感谢信
	ItemRetrospective = "retrospective" // 项目复盘
)

// Items lists the evidence items in the order forms show them.
var Items = []string{ItemSOW, ItemAcceptance, ItemPlan, ItemStaff, ItemThanks, ItemRetrospective}

// RequiredItems must each have at least one file.
var RequiredItems = []string{ItemSOW, ItemAcceptance}

// MaxFilesPerItem caps the files of one item in one round.
const MaxFilesPerItem = 5

// Evidence is one submission: upload ids by item, and a note.
type Evidence struct {
	Files map[string][]string
	Note  string
}

var errNotSampled = apperr.New(apperr.Conflict, "delivery.not_sampled",
	"evidence is only needed for projects drawn by sampling; this project was not sampled")

// EvidenceRefused says why the project takes no evidence now, or nil when
// it does: forms check it before they keep any file.
func EvidenceRefused(p *Project) error {
	switch p.Evaluation {
	case EvidenceRequired, Rejected:
		return nil
	case Evaluating:
		return apperr.New(apperr.Conflict, "delivery.evaluating", "the evidence is being evaluated; wait for the result")
	case Passed:
		return apperr.New(apperr.Conflict, "delivery.passed", "the evaluation has passed; no more evidence is needed")
	}
	return errNotSampled
}

// SubmitEvidence records a new round of evidence for a sampled project of
// the partner, which then waits for evaluation. It is refused for a project
// that was not sampled, one under evaluation, or one that passed.
func SubmitEvidence(ctx context.Context, tx *store.Tx, partnerID, actor, id string, e Evidence) (*Project, error) {
	p, err := lock(ctx, tx, Viewer{PartnerID: partnerID}, id)
	if err != nil {
		return nil, err
	}
	if err := EvidenceRefused(p); err != nil {
		return nil, err
	}
	e.Note = strings.TrimSpace(e.Note)
	if len([]rune(e.Note)) > MaxNote {
		return nil, apperr.Field("note", "delivery.too_long", "at most %d characters", MaxNote)
	}
	for item := range e.Files {
		if !slices.Contains(Items, item) {
			return nil, apperr.Field("files", "delivery.item_unknown", "unknown evidence item %s", item)
		}
	}
	for _, item := range Items {
		files := e.Files[item]
		if len(files) == 0 && slices.Contains(RequiredItems, item) {
			return nil, apperr.Field(item, "delivery.item_required", "upload this item")
		}
		if len(files) > MaxFilesPerItem {
			return nil, &apperr.Error{Code: apperr.Invalid, Field: item, Key: "delivery.item_too_many",
				Args: []any{MaxFilesPerItem}, Msg: fmt.Sprintf("at most %d files per item", MaxFilesPerItem)}
		}
		for _, fileID := range files {
			// Another partner's upload answers not found: it cannot be borrowed.
			if _, err := upload.Lookup(ctx, tx, p.PartnerID, fileID, EvidenceKind); err != nil {
				if ae, ok := apperr.As(err); ok {
					// Shown next to the item whose file it is.
					return nil, &apperr.Error{Code: apperr.Invalid, Field: item, Key: ae.Key, Args: ae.Args, Msg: ae.Msg}
				}
				return nil, err
			}
		}
	}
	round := p.EvidenceRound + 1
	now := store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_evidence_rounds (project_id, round, note, submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?)`,
		p.ID, round, e.Note, actor, now); err != nil {
		return nil, err
	}
	for _, item := range Items {
		for _, fileID := range dedupe(e.Files[item]) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_evidence_files (project_id, round, item, upload_id) VALUES (?, ?, ?, ?)`,
				p.ID, round, item, fileID); err != nil {
				return nil, err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE delivery_projects SET evaluation = ?, evidence_round = ?, updated_at = ? WHERE id = ?`,
		Evaluating, round, now, p.ID); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: p.PartnerID, Action: "delivery.evidence", ObjectType: "delivery_project",
		ObjectID: p.ID, Before: map[string]any{"evaluation": p.Evaluation}, After: map[string]any{"evaluation": Evaluating, "round": round}}); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{PartnerID: partnerID}, id)
}

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Verdict is the evaluator's decision on the latest evidence round.
type Verdict struct {
	Score   int  // 0 to 100
	Pass    bool // pass, or reject for resubmission
	Comment string
}

// Evaluate records the evaluator's score and decision on a project's latest
// evidence. A rejection needs a comment, which tells the partner what to fix.
func Evaluate(ctx context.Context, tx *store.Tx, evaluator, id string, v Verdict) (*Project, error) {
	p, err := lock(ctx, tx, Viewer{}, id)
	if err != nil {
		return nil, err
	}
	if p.Evaluation != Evaluating {
		return nil, apperr.New(apperr.Conflict, "delivery.not_evaluating", "the project has no evidence waiting for evaluation")
	}
	if v.Score < 0 || v.Score > 100 {
		return nil, apperr.Field("score", "delivery.score_range", "the score must be between 0 and 100")
	}
	v.Comment = strings.TrimSpace(v.Comment)
	if len([]rune(v.Comment)) > MaxNote {
		return nil, apperr.Field("comment", "delivery.too_long", "at most %d characters", MaxNote)
	}
	result := Passed
	if !v.Pass {
		result = Rejected
		if v.Comment == "" {
			return nil, apperr.Field("comment", "delivery.comment_required", "say what the partner must correct")
		}
	}
	now := store.Micros(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE delivery_evidence_rounds SET result = ?, score = ?, comment = ?, evaluated_by = ?, evaluated_at = ?
		WHERE project_id = ? AND round = ?`, result, v.Score, v.Comment, evaluator, now, p.ID, p.EvidenceRound); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE delivery_projects SET evaluation = ?, updated_at = ? WHERE id = ?`, result, now, p.ID); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{PartnerID: p.PartnerID, Action: "delivery.evaluate", ObjectType: "delivery_project",
		ObjectID: p.ID, Before: map[string]any{"evaluation": p.Evaluation},
		After: map[string]any{"evaluation": result, "score": v.Score, "round": p.EvidenceRound, "comment": v.Comment}}); err != nil {
		return nil, err
	}
	return Get(ctx, tx, Viewer{}, id)
}

// Round is one evidence submission with its files and evaluation.
type Round struct {
	Number      int // 1 for the first submission
	Note        string
	SubmittedBy string
	SubmittedAt time.Time
	Result      string // "" while evaluating, Passed, Rejected
	Score       int
	Comment     string
	EvaluatedBy string
	EvaluatedAt time.Time
	Files       map[string][]upload.File // by item
}

// Rounds returns a project's evidence rounds, latest first, for a viewer who
// may see the project.
func Rounds(ctx context.Context, q store.Queryer, v Viewer, id string) ([]Round, error) {
	p, err := Get(ctx, q, v, id)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT round, note, submitted_by, submitted_at, result, COALESCE(score, 0), comment, evaluated_by,
		COALESCE(evaluated_at, 0) FROM delivery_evidence_rounds WHERE project_id = ? ORDER BY round DESC`, p.ID)
	if err != nil {
		return nil, err
	}
	var out []Round
	for rows.Next() {
		var r Round
		var submitted, evaluated int64
		if err := rows.Scan(&r.Number, &r.Note, &r.SubmittedBy, &submitted, &r.Result, &r.Score, &r.Comment, &r.EvaluatedBy, &evaluated); err != nil {
			rows.Close()
			return nil, err
		}
		r.SubmittedAt, r.EvaluatedAt = store.Time(submitted), store.Time(evaluated)
		r.Files = map[string][]upload.File{}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	frows, err := q.QueryContext(ctx, `SELECT round, item, upload_id FROM delivery_evidence_files WHERE project_id = ? ORDER BY round, upload_id`, p.ID)
	if err != nil {
		return nil, err
	}
	type placed struct {
		round  int
		item   string
		fileID string
	}
	var places []placed
	for frows.Next() {
		var pl placed
		if err := frows.Scan(&pl.round, &pl.item, &pl.fileID); err != nil {
			frows.Close()
			return nil, err
		}
		places = append(places, pl)
	}
	frows.Close()
	if err := frows.Err(); err != nil {
		return nil, err
	}
	fileIDs := make([]string, len(places))
	for i, pl := range places {
		fileIDs[i] = pl.fileID
	}
	files, err := upload.LookupMany(ctx, q, p.PartnerID, fileIDs)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]upload.File, len(files))
	for _, f := range files {
		byID[f.ID] = f
	}
	for _, pl := range places {
		for i := range out {
			if out[i].Number == pl.round {
				out[i].Files[pl.item] = append(out[i].Files[pl.item], byID[pl.fileID])
			}
		}
	}
	return out, nil
}
