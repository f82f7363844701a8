package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"partnercenter/internal/delivery"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/store"
	"partnercenter/internal/upload"
)

// demoProject is a won PO of the distributor and what became of its project.
type demoProject struct {
	project, industry string
	amount            int64
	wonDaysAgo        int
	status            string // delivery status fed back; "" stays registered
	statusDaysAgo     int
}

// demoProjects are the distributor's won POs beyond the one the co-selling
// data already holds (城市数据中台, accepted below as well).
var demoProjects = []demoProject{
	{"政务云灾备建设", "government", 1_800_000_00, 20, "", 0},
	{"智慧港口调度", "government", 950_000_00, 70, delivery.Terminated, 40},
	{"供应链协同平台", "manufacturing", 1_250_000_00, 30, delivery.Accepted, 10},
	{"医院 HIS 上云", "healthcare", 2_100_000_00, 95, delivery.Accepted, 62},
	{"高校科研计算平台", "education", 1_600_000_00, 92, delivery.Accepted, 60},
	{"税务大数据分析", "government", 2_700_000_00, 88, delivery.Accepted, 58},
	{"车联网数据平台", "internet", 1_350_000_00, 85, delivery.Accepted, 56},
}

// demoSamplingSeed makes the demo's sampling run the same on every load.
const demoSamplingSeed = "5eed0fde30000000000000000000d3e0"

// loadDeliveries gives the distributor projects in every delivery state: won
// POs registered as projects, one left registered, one terminated, one
// accepted after the sampling run and waiting for the next; a run 50 days
// ago at 80% over five accepted projects, which leaves one not sampled and
// draws four, whose evidence is then passed, rejected, being evaluated, and
// not yet submitted, in the draw's order. Every step happens at its past
// moment.
func loadDeliveries(ctx context.Context, db *store.DB, now time.Time) error {
	pids, err := partnerIDs(ctx, db)
	if err != nil {
		return err
	}
	distributor := pids["distributor"]
	var officeID, customerID string
	if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM offices WHERE name_zh = '华东代表处'`).Scan(&officeID); err != nil {
		return fmt.Errorf("demo deliveries: the office: %w", err)
	}
	if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM customers WHERE partner_id = ? AND association_type = 2
		ORDER BY created_at, id LIMIT 1`, distributor).Scan(&customerID); err != nil {
		return fmt.Errorf("demo deliveries: a customer: %w", err)
	}
	projectOf := map[string]string{} // project name → delivery project id
	for i, d := range demoProjects {
		at := now.AddDate(0, 0, -d.wonDaysAgo-10).Add(time.Duration(i) * time.Minute)
		id, err := winDemoPO(ctx, db, at, distributor, opportunity.Fields{CustomerID: customerID, ProjectName: d.project, Industry: d.industry,
			OfficeID: officeID, Products: []string{"hws.service.type.ec2", "hws.service.type.obs"}, Amount: d.amount,
			ExpectedClose: at.AddDate(0, 2, 0), PartnerSolution: "云迁移与运维托管服务", CustomerConsent: true,
			ContactName: "陈经理", ContactPhone: fmt.Sprintf("1360000%04d", i), Description: "项目已签约，进入交付。"})
		if err != nil {
			return fmt.Errorf("demo project %s: %w", d.project, err)
		}
		projectOf[d.project] = id
	}
	// The co-selling data's won PO is accepted too.
	var existing string
	if err := db.Reader().QueryRowContext(ctx, `SELECT d.id FROM delivery_projects d WHERE d.partner_id = ? AND d.project_name = '城市数据中台'`,
		distributor).Scan(&existing); err != nil {
		return fmt.Errorf("demo deliveries: 城市数据中台: %w", err)
	}
	plan := append(demoProjects, demoProject{project: "城市数据中台", status: delivery.Accepted, statusDaysAgo: 57})
	projectOf["城市数据中台"] = existing
	const runDaysAgo = 50
	feedback := func(before bool) error {
		for _, d := range plan {
			if d.status == "" || (d.statusDaysAgo > runDaysAgo) != before {
				continue
			}
			at := now.AddDate(0, 0, -d.statusDaysAgo)
			note := "客户已签署验收报告。"
			if d.status == delivery.Terminated {
				note = "客户预算调整，项目中止。"
			}
			err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
				_, err := delivery.SubmitFeedback(ctx, tx, distributor, "distributor", projectOf[d.project],
					delivery.Feedback{Status: d.status, Date: at.AddDate(0, 0, -2), Note: note})
				return err
			})
			if err != nil {
				return fmt.Errorf("demo feedback %s: %w", d.project, err)
			}
		}
		return nil
	}
	// What was reported before the run is its candidates; the rest comes after.
	if err := feedback(true); err != nil {
		return err
	}
	var run *delivery.Run
	err = db.InTxAt(ctx, now.AddDate(0, 0, -runDaysAgo), func(tx *store.Tx) (err error) {
		if err := delivery.SaveSettings(ctx, tx, "evaluator", delivery.Settings{RateBP: 8000, IntervalDays: 30}); err != nil {
			return err
		}
		run, err = delivery.Sample(ctx, tx, "evaluator", 8000, demoSamplingSeed)
		return err
	})
	if err != nil {
		return fmt.Errorf("demo sampling: %w", err)
	}
	if len(run.Drawn) != 4 {
		return fmt.Errorf("demo sampling drew %d projects, want 4", len(run.Drawn))
	}
	if err := feedback(false); err != nil {
		return err
	}
	files, err := upload.FromEnv(ctx, db)
	if err != nil {
		return err
	}
	var mainID string
	if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE username = 'distributor'`).Scan(&mainID); err != nil {
		return err
	}
	evidence := func(projectID string, daysAgo int, items ...string) error {
		e := delivery.Evidence{Files: map[string][]string{}, Note: "举证材料见附件。"}
		for _, item := range items {
			f, err := files.Save(ctx, upload.Upload{PartnerID: distributor, Kind: delivery.EvidenceKind, CreatedBy: mainID,
				Name: item + ".pdf", Body: bytes.NewReader(demoPDF(item))})
			if err != nil {
				return err
			}
			e.Files[item] = []string{f.ID}
		}
		return db.InTxAt(ctx, now.AddDate(0, 0, -daysAgo), func(tx *store.Tx) error {
			_, err := delivery.SubmitEvidence(ctx, tx, distributor, "distributor", projectID, e)
			return err
		})
	}
	evaluate := func(projectID string, daysAgo int, v delivery.Verdict) error {
		return db.InTxAt(ctx, now.AddDate(0, 0, -daysAgo), func(tx *store.Tx) error {
			_, err := delivery.Evaluate(ctx, tx, "evaluator", projectID, v)
			return err
		})
	}
	passed, rejected, evaluating := run.Drawn[0], run.Drawn[1], run.Drawn[2] // run.Drawn[3] waits for evidence
	steps := []func() error{
		func() error {
			return evidence(passed, 45, delivery.ItemSOW, delivery.ItemAcceptance, delivery.ItemPlan, delivery.ItemStaff, delivery.ItemThanks)
		},
		func() error {
			return evaluate(passed, 40, delivery.Verdict{Score: 88, Pass: true, Comment: "材料齐全，客户验收签字清晰。"})
		},
		func() error { return evidence(rejected, 44, delivery.ItemSOW, delivery.ItemAcceptance) },
		func() error {
			return evaluate(rejected, 39, delivery.Verdict{Score: 52, Comment: "验收报告缺少客户签字页，请补充后重新提交。"})
		},
		func() error {
			return evidence(evaluating, 5, delivery.ItemSOW, delivery.ItemAcceptance, delivery.ItemRetrospective)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("demo evidence: %w", err)
		}
	}
	return nil
}

// winDemoPO takes a PO of the partner through review to won, as the
// partner and its PSM would, and returns the project its win registered.
func winDemoPO(ctx context.Context, db *store.DB, at time.Time, partnerID string, f opportunity.Fields) (string, error) {
	var o *opportunity.Opportunity
	err := db.InTxAt(ctx, at, func(tx *store.Tx) (err error) {
		if o, err = opportunity.CreateDraft(ctx, tx, partnerID, "distributor", f); err != nil {
			return err
		}
		o, err = opportunity.Submit(ctx, tx, partnerID, "distributor", o.ID)
		return err
	})
	if err != nil {
		return "", err
	}
	var reviewer string
	if err := db.Reader().QueryRowContext(ctx, `SELECT username FROM users WHERE id = ?`, o.PSMUserID).Scan(&reviewer); err != nil {
		return "", err
	}
	err = db.InTxAt(ctx, at.AddDate(0, 0, 1), func(tx *store.Tx) error {
		_, err := opportunity.Decide(ctx, tx, o.PSMUserID, reviewer, o.ID,
			opportunity.Decision{Outcome: opportunity.Approve, Checklist: opportunity.Checklist, Comment: "项目信息完整，同意报备。"})
		return err
	})
	if err != nil {
		return "", err
	}
	var projectID string
	err = db.InTxAt(ctx, at.AddDate(0, 0, 10), func(tx *store.Tx) error {
		if _, err := opportunity.SetStage(ctx, tx, partnerID, "distributor", o.ID, opportunity.StageChange{Stage: opportunity.StageWon}); err != nil {
			return err
		}
		p, err := delivery.ByOpportunity(ctx, tx, delivery.Viewer{PartnerID: partnerID}, o.ID)
		if err == nil {
			projectID = p.ID
		}
		return err
	})
	return projectID, err
}
