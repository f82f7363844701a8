package demo

import (
	"context"
	"fmt"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/store"
)

// loadOpportunities writes co-selling data: two offices (华东 with two PSMs
// covering different industries), the national-day holidays in the review
// calendar, the distributor in the co-selling programme, POs of the
// distributor and the reseller in every review status and sales stage
// (submitted weeks ago and left alone, one is rejected by the SLA), and
// HOs shared with the distributor: one accepted and in progress, one
// waiting for an answer. The solution provider stays ineligible for HOs,
// and the share screen says why. Every step happens at its past moment.
func loadOpportunities(ctx context.Context, db *store.DB, now time.Time) error {
	pids, err := partnerIDs(ctx, db)
	if err != nil {
		return err
	}
	staff := map[string]string{}
	rows, err := db.Reader().QueryContext(ctx, `SELECT username, id FROM users WHERE partner_id IS NULL`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name, id string
		if err := rows.Scan(&name, &id); err != nil {
			rows.Close()
			return err
		}
		staff[name] = id
	}
	rows.Close()
	customers := map[string][]string{} // partner → resale customers, oldest first
	rows, err = db.Reader().QueryContext(ctx, `SELECT partner_id, id FROM customers WHERE partner_id IS NOT NULL AND association_type = 2
		ORDER BY created_at, id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var p, id string
		if err := rows.Scan(&p, &id); err != nil {
			rows.Close()
			return err
		}
		customers[p] = append(customers[p], id)
	}
	rows.Close()

	start := now.AddDate(0, -4, 0)
	var east, south opportunity.Office
	err = db.InTxAt(ctx, start, func(tx *store.Tx) error {
		east = opportunity.Office{NameZh: "华东代表处", NameEn: "East China office"}
		south = opportunity.Office{NameZh: "华南代表处", NameEn: "South China office"}
		for _, o := range []*opportunity.Office{&east, &south} {
			if err := opportunity.SaveOffice(ctx, tx, o); err != nil {
				return err
			}
		}
		for _, s := range []struct {
			office, user string
			industries   []string
		}{
			{east.ID, "psm-east", []string{"finance", "government"}},
			{east.ID, "psm-east-2", []string{"manufacturing", "internet", "retail"}},
			{south.ID, "psm-east-2", nil},
		} {
			if err := opportunity.SetOfficePSM(ctx, tx, s.office, staff[s.user], s.industries); err != nil {
				return err
			}
		}
		for _, year := range []int{now.Year() - 1, now.Year()} {
			for d := 1; d <= 7; d++ {
				// A weekend day of the holiday is not working anyway: setting
				// it to non-working records nothing.
				if err := opportunity.SetCalendarDay(ctx, tx, time.Date(year, 10, d, 0, 0, 0, 0, ledger.BillingZone), false, "国庆节"); err != nil {
					return err
				}
			}
		}
		return opportunity.SetCoselling(ctx, tx, pids["distributor"], true)
	})
	if err != nil {
		return fmt.Errorf("demo offices: %w", err)
	}

	type po struct {
		partner, project, industry, prospect string
		amount                               int64
		daysAgo                              int
		outcome                              string // "" draft; submitted, in_review, action_required, approved, rejected, overdue
		stages                               []string
		delivered                            bool
	}
	plan := []po{
		{"distributor", "园区安防改造", "government", "", 900_000_00, 200, opportunity.Approved, nil, false}, // left open: its registration expires
		{"distributor", "城市数据中台", "government", "", 3_200_000_00, 110, opportunity.Approved, []string{opportunity.StageShare, opportunity.StageConfirm, opportunity.StageWon}, true},
		{"distributor", "银行核心系统上云", "finance", "", 8_600_000_00, 95, opportunity.Approved, []string{opportunity.StageShare, opportunity.StageConfirm}, false},
		{"distributor", "智能制造 MES 迁移", "manufacturing", "", 1_450_000_00, 80, opportunity.Approved, []string{opportunity.StageShare}, false},
		{"distributor", "零售会员平台", "retail", "", 620_000_00, 70, opportunity.Approved, []string{opportunity.StageLost}, false},
		{"distributor", "互联网视频转码", "internet", "", 980_000_00, 60, opportunity.Approved, nil, false},
		{"distributor", "政务热线智能化", "government", "", 1_200_000_00, 45, opportunity.Rejected, nil, false},
		{"distributor", "医保结算容灾", "healthcare", "", 2_300_000_00, 40, "overdue", nil, false},
		{"distributor", "证券行情分发", "finance", "", 760_000_00, 20, opportunity.ActionRequired, nil, false},
		{"distributor", "工业质检 AI", "manufacturing", "", 1_100_000_00, 6, opportunity.InReview, nil, false},
		{"distributor", "新建物流园区 IT", "transport", "宁波港联物流有限公司", 540_000_00, 3, opportunity.Submitted, nil, false},
		{"distributor", "教育云课堂", "education", "", 0, 2, "", nil, false},
		{"reseller", "连锁药房数字化", "retail", "", 380_000_00, 50, opportunity.Approved, []string{opportunity.StageWon}, true},
	}
	for i, p := range plan {
		at := now.AddDate(0, 0, -p.daysAgo).Add(time.Duration(i) * time.Minute)
		f := opportunity.Fields{ProjectName: p.project, Industry: p.industry, OfficeID: east.ID, Products: []string{"hws.service.type.ec2", "hws.service.type.rds"},
			Amount: p.amount, ExpectedClose: at.AddDate(0, 3, 0), PartnerSolution: "云迁移与运维托管服务", CustomerConsent: true,
			ContactName: "张经理", ContactPhone: fmt.Sprintf("1390000%04d", i), Description: "客户计划在本年度完成上云。"}
		if p.prospect != "" {
			f.ProspectName = p.prospect
		} else if list := customers[pids[p.partner]]; len(list) > 0 {
			f.CustomerID = list[i%len(list)]
		}
		if p.outcome == "" {
			f.PartnerSolution, f.CustomerConsent = "", false // a draft still being written
		}
		var o *opportunity.Opportunity
		err := db.InTxAt(ctx, at, func(tx *store.Tx) (err error) {
			if o, err = opportunity.CreateDraft(ctx, tx, pids[p.partner], p.partner, f); err != nil || p.outcome == "" {
				return err
			}
			o, err = opportunity.Submit(ctx, tx, pids[p.partner], p.partner, o.ID)
			return err
		})
		if err != nil {
			return fmt.Errorf("demo PO %s: %w", p.project, err)
		}
		reviewer, reviewerName := o.PSMUserID, ""
		for name, id := range staff {
			if id == reviewer {
				reviewerName = name
			}
		}
		step := func(days int, fn func(tx *store.Tx) error) error {
			return db.InTxAt(ctx, at.AddDate(0, 0, days), fn)
		}
		switch p.outcome {
		case opportunity.InReview, opportunity.Approved, opportunity.Rejected, opportunity.ActionRequired:
			err = step(1, func(tx *store.Tx) error {
				if _, err := opportunity.StartReview(ctx, tx, reviewer, reviewerName, o.ID); err != nil {
					return err
				}
				d := opportunity.Decision{Outcome: opportunity.Approve, Checklist: opportunity.Checklist, Comment: "项目信息完整，同意报备。"}
				switch p.outcome {
				case opportunity.InReview:
					return nil
				case opportunity.Rejected:
					d = opportunity.Decision{Outcome: opportunity.Reject, Reason: "客户已由其他渠道跟进", Checklist: opportunity.Checklist[:3]}
				case opportunity.ActionRequired:
					d = opportunity.Decision{Outcome: opportunity.RequireAction, Reason: "请补充客户授权书和预计采购清单"}
				}
				_, err := opportunity.Decide(ctx, tx, reviewer, reviewerName, o.ID, d)
				return err
			})
		case "overdue":
			err = db.InTxAt(ctx, o.ReviewDueAt, func(tx *store.Tx) error {
				_, err := opportunity.ExpireOverdueReviews(ctx, tx, 10)
				return err
			})
		}
		if err != nil {
			return fmt.Errorf("demo review %s: %w", p.project, err)
		}
		for k, stage := range p.stages {
			c := opportunity.StageChange{Stage: stage, Comment: "推进：" + p.project}
			if stage == opportunity.StageLost {
				c.LostReason = "price"
			}
			err = step(5+7*k, func(tx *store.Tx) error {
				_, err := opportunity.SetStage(ctx, tx, pids[p.partner], p.partner, o.ID, c)
				return err
			})
			if err != nil {
				return fmt.Errorf("demo stage %s: %w", p.project, err)
			}
		}
		if p.delivered {
			err = step(5+7*len(p.stages)+10, func(tx *store.Tx) error {
				_, err := opportunity.MarkDelivered(ctx, tx, pids[p.partner], p.partner, o.ID, time.Time{})
				return err
			})
			if err != nil {
				return fmt.Errorf("demo delivery %s: %w", p.project, err)
			}
		}
	}

	// The registration left open long past its expected close lapses.
	if err := db.InTxAt(ctx, now, func(tx *store.Tx) error {
		_, err := opportunity.ExpireRegistrations(ctx, tx, 100)
		return err
	}); err != nil {
		return fmt.Errorf("demo registration expiry: %w", err)
	}

	// HOs: one the distributor accepted and works on, one waiting for its answer.
	for i, h := range []struct {
		project, prospect, industry string
		daysAgo                     int
		accept                      bool
	}{
		{"省级医院影像云", "浙江省人民医院（示例）", "healthcare", 30, true},
		{"港口调度系统升级", "宁波港集团（示例）", "transport", 2, false},
	} {
		at := now.AddDate(0, 0, -h.daysAgo)
		var ho *opportunity.Opportunity
		err := db.InTxAt(ctx, at, func(tx *store.Tx) (err error) {
			ho, err = opportunity.CreateHO(ctx, tx, "bd", opportunity.Fields{ProspectName: h.prospect, ProjectName: h.project,
				Industry: h.industry, OfficeID: east.ID, Products: []string{"hws.service.type.ec2", "hws.service.type.obs"},
				Amount: int64(2_000_000_00 + i*1_000_000_00), ExpectedClose: at.AddDate(0, 4, 0), ContactName: "刘主任",
				ContactPhone: "1370000000" + fmt.Sprint(i), Description: "华为云直客团队识别的机会，寻求伙伴共同交付。"})
			if err != nil {
				return err
			}
			_, err = opportunity.Share(ctx, tx, "bd", ho.ID, []string{pids["distributor"]}, 7*24*time.Hour)
			return err
		})
		if err != nil {
			return fmt.Errorf("demo HO %s: %w", h.project, err)
		}
		if h.accept {
			err = db.InTxAt(ctx, at.AddDate(0, 0, 1), func(tx *store.Tx) error {
				if _, err := opportunity.Accept(ctx, tx, pids["distributor"], "distributor", ho.ID); err != nil {
					return err
				}
				_, err := opportunity.SetStage(ctx, tx, pids["distributor"], "distributor", ho.ID,
					opportunity.StageChange{Stage: opportunity.StageShare, Comment: "已与客户信息中心完成首次交流"})
				return err
			})
			if err != nil {
				return fmt.Errorf("demo HO acceptance: %w", err)
			}
		}
	}
	return nil
}
