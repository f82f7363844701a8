package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"partnercenter/internal/solution"
	"partnercenter/internal/store"
	"partnercenter/internal/upload"
)

// demoSolution is one solution of the partner `solution` and its history:
// the moves (each a few days after the one before, by the partner or the
// PSA) and its assistance thread.
type demoSolution struct {
	name, industry, description string
	moves                       []demoMove
	thread                      []demoMessage
}

type demoMove struct {
	action, reason string
}

type demoMessage struct {
	side solution.Side
	body string
}

// demoSolutions put the partner `solution` in every status: its draft, one
// in joint approval with a question waiting for the PSA, one returned with
// the reason, one each in joint design and joint validation, one in
// 配置器开发中 (the row of seed snippet 8), one published and one taken
// offline.
var demoSolutions = []demoSolution{
	{name: "智慧园区一体化解决方案", industry: "manufacturing", description: "园区安防、能耗与访客管理的一体化平台，基于云上物联网与视频分析服务。"},
	{name: "银行核心系统上云解决方案", industry: "finance", description: "分布式核心账务系统迁移上云，两地三中心容灾。",
		moves:  []demoMove{{action: solution.Submit}},
		thread: []demoMessage{{solution.Partner, "联合立项材料中的容灾架构图是否需要单独提交？"}}},
	{name: "零售全渠道会员中台", industry: "retail", description: "统一会员、积分与营销活动，打通线上商城与门店收银。",
		moves:  []demoMove{{action: solution.Submit}, {action: solution.Return, reason: "功能清单缺少与云服务的对应关系，请按产品维度补充后重新提交。"}},
		thread: []demoMessage{{solution.Partner, "退回意见中的“对应关系”需要细化到规格吗？"}, {solution.PSA, "细化到产品和计费方式即可，规格在配置器中体现。"}}},
	{name: "工业互联网设备预测性维护", industry: "manufacturing", description: "设备数据采集、时序存储与故障预测模型。",
		moves: []demoMove{{action: solution.Submit}, {action: solution.Approve}}},
	{name: "政务云灾备解决方案", industry: "government", description: "政务系统同城双活与异地备份。",
		moves: []demoMove{{action: solution.Submit}, {action: solution.Approve}, {action: solution.StartValidation}}},
	{name: "教育智算实训平台", industry: "education", description: "高校 AI 实训：GPU 算力池、镜像管理与课程实验环境。",
		moves: []demoMove{{action: solution.Submit}, {action: solution.Approve}, {action: solution.StartValidation}, {action: solution.StartConfigurator}},
		thread: []demoMessage{{solution.Partner, "配置器中 GPU 数量按班级人数计算，公式应如何设置？"},
			{solution.PSA, "建议设置参数“学生人数”，GPU 卡数 = 向上取整(学生人数 / 4)，并按数量阶梯设置折扣。"}}},
	{name: "医疗影像云平台", industry: "healthcare", description: "影像归档与远程阅片，数据加密存储。",
		moves: []demoMove{{action: solution.Submit}, {action: solution.Approve}, {action: solution.StartValidation},
			{action: solution.StartConfigurator}, {action: solution.Publish}}},
	{name: "能源物联监测方案", industry: "energy", description: "电站设备在线监测（已由新版本替代）。",
		moves: []demoMove{{action: solution.Submit}, {action: solution.Approve}, {action: solution.StartValidation},
			{action: solution.StartConfigurator}, {action: solution.Publish}, {action: solution.TakeOffline, reason: "已由新版本方案替代。"}}},
}

// demoPDF is a one-page PDF the demo's materials carry.
func demoPDF(title string) []byte {
	content := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (%s) Tj ET", title)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// loadSolutions writes demoSolutions, each step at its past moment: created
// about three months ago with its materials, then a move every few days.
func loadSolutions(ctx context.Context, db *store.DB, now time.Time) error {
	pids, err := partnerIDs(ctx, db)
	if err != nil {
		return err
	}
	var mainID, psaID string
	if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE username = 'solution'`).Scan(&mainID); err != nil {
		return err
	}
	if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE username = 'psa'`).Scan(&psaID); err != nil {
		return err
	}
	files, err := upload.FromEnv(ctx, db)
	if err != nil {
		return err
	}
	partnerSide := solution.Actor{Side: solution.Partner, PartnerID: pids["solution"], UserID: mainID, Name: "solution"}
	psa := solution.Actor{Side: solution.PSA, UserID: psaID, Name: "psa"}
	for i, d := range demoSolutions {
		at := now.AddDate(0, -3, i*3)
		var s *solution.Solution
		materials := map[string]string{}
		for _, kind := range solution.FileKinds {
			f, err := files.Save(ctx, upload.Upload{PartnerID: pids["solution"], Kind: solution.UploadKind(kind), CreatedBy: mainID,
				Name: fmt.Sprintf("%s-%s.pdf", d.name, kind), Body: bytes.NewReader(demoPDF(kind))})
			if err != nil {
				return fmt.Errorf("demo solution %s: %w", d.name, err)
			}
			materials[kind] = f.ID
		}
		err := db.InTxAt(ctx, at, func(tx *store.Tx) (err error) {
			if s, err = solution.Create(ctx, tx, partnerSide, solution.Fields{Name: d.name, Industry: d.industry, Description: d.description}); err != nil {
				return err
			}
			for _, kind := range solution.FileKinds {
				if _, err := solution.Attach(ctx, tx, partnerSide, s.ID, kind, materials[kind]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo solution %s: %w", d.name, err)
		}
		for _, m := range d.moves {
			at = at.Add(4 * 24 * time.Hour)
			a := psa
			if m.action == solution.Submit {
				a = partnerSide
			}
			if err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
				_, err := solution.Move(ctx, tx, a, s.ID, m.action, m.reason)
				return err
			}); err != nil {
				return fmt.Errorf("demo solution %s %s: %w", d.name, m.action, err)
			}
		}
		for _, m := range d.thread {
			at = at.Add(20 * time.Hour)
			a := partnerSide
			if m.side == solution.PSA {
				a = psa
			}
			if err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
				_, err := solution.Post(ctx, tx, a, s.ID, m.body)
				return err
			}); err != nil {
				return fmt.Errorf("demo solution %s: %w", d.name, err)
			}
		}
	}
	return nil
}
