package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"partnercenter/internal/configurator"
	"partnercenter/internal/opportunity"
	"partnercenter/internal/solution"
	"partnercenter/internal/store"
)

// Demo names of 解决方案配置中心.
const (
	DemoPublishedSolution = "医疗影像云平台"
	DemoLinkedProject     = "区域影像中心建设"
)

// loadConfigurators gives the partner `solution`'s published solution its
// configurator (signed off by the PSA) with three lists:
// one made with the configurator, linked to a won opportunity within the
// 15 days and submitted; one still a draft; one imported from a sheet. The
// solution in 配置器开发中 gets a configurator in development. Every step
// happens at its past moment.
func loadConfigurators(ctx context.Context, db *store.DB, now time.Time) error {
	pids, err := partnerIDs(ctx, db)
	if err != nil {
		return err
	}
	users := map[string]string{}
	for _, name := range []string{"solution", "psa"} {
		var id string
		if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, name).Scan(&id); err != nil {
			return err
		}
		users[name] = id
	}
	products, err := configurator.Products(ctx, db.Reader())
	if err != nil {
		return err
	}
	spec := map[string]string{}
	for id, p := range products {
		spec[p.SpecCode] = id
	}
	seller := configurator.Actor{PartnerID: pids["solution"], UserID: users["solution"], Name: "solution"}
	psa := configurator.Actor{UserID: users["psa"], Name: "psa"}
	at := func(daysAgo int) time.Time { return now.AddDate(0, 0, -daysAgo) }
	step := func(daysAgo int, what string, fn func(tx *store.Tx) error) error {
		if err := db.InTxAt(ctx, at(daysAgo), fn); err != nil {
			return fmt.Errorf("demo configurator, %s: %w", what, err)
		}
		return nil
	}

	// The published solution's configurator, signed off by the PSA.
	var pub []*solution.Solution
	if pub, _, err = solution.List(ctx, db.Reader(), solution.Filter{Viewer: solution.Viewer{PartnerID: pids["solution"]}, Name: DemoPublishedSolution}); err != nil || len(pub) != 1 {
		return fmt.Errorf("demo configurator: the published solution (%v)", err)
	}
	var published *configurator.Configurator
	if err := step(66, "published", func(tx *store.Tx) (err error) {
		published, err = configurator.RecordPublished(ctx, tx, psa, pids["solution"], pub[0].ID, imagingDefinition(spec))
		return err
	}); err != nil {
		return err
	}

	// A won opportunity, signed 30 days ago, that a list links to.
	var won *opportunity.Opportunity
	if err := step(60, "opportunity", func(tx *store.Tx) (err error) {
		var office string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM offices WHERE name_en = 'East China office'`).Scan(&office); err != nil {
			return err
		}
		won, err = opportunity.CreateDraft(ctx, tx, pids["solution"], "solution", opportunity.Fields{ProspectName: "示例市卫生健康委员会",
			ProjectName: DemoLinkedProject, Industry: "healthcare", OfficeID: office, Products: []string{"hws.service.type.ec2"},
			Amount: 1_800_000_00, ExpectedClose: at(20), PartnerSolution: DemoPublishedSolution, CustomerConsent: true,
			ContactName: "陈经理", ContactPhone: "13900009901", Description: "区域内医院影像集中归档与远程阅片。"})
		if err != nil {
			return err
		}
		won, err = opportunity.Submit(ctx, tx, pids["solution"], "solution", won.ID)
		return err
	}); err != nil {
		return err
	}
	if err := step(58, "opportunity review", func(tx *store.Tx) error {
		var reviewer string
		if err := tx.QueryRowContext(ctx, `SELECT username FROM users WHERE id = ?`, won.PSMUserID).Scan(&reviewer); err != nil {
			return err
		}
		if _, err := opportunity.StartReview(ctx, tx, won.PSMUserID, reviewer, won.ID); err != nil {
			return err
		}
		_, err := opportunity.Decide(ctx, tx, won.PSMUserID, reviewer, won.ID,
			opportunity.Decision{Outcome: opportunity.Approve, Checklist: opportunity.Checklist, Comment: "同意报备。"})
		return err
	}); err != nil {
		return err
	}
	if err := step(30, "opportunity won", func(tx *store.Tx) error {
		_, err := opportunity.SetStage(ctx, tx, pids["solution"], "solution", won.ID, opportunity.StageChange{Stage: opportunity.StageWon, SignedAt: at(30)})
		return err
	}); err != nil {
		return err
	}

	// The lists.
	var linked *configurator.List
	if err := step(20, "list", func(tx *store.Tx) (err error) {
		linked, err = configurator.Produce(ctx, tx, seller, published.ID, configurator.ListHeader{Name: "区域影像中心一期"},
			map[string]string{"users": "300", "ha": "否", "storage_tb": "5"})
		return err
	}); err != nil {
		return err
	}
	if err := step(18, "link", func(tx *store.Tx) error {
		_, err := configurator.Link(ctx, tx, seller, linked.ID, won.ID)
		return err
	}); err != nil {
		return err
	}
	if err := step(17, "submit", func(tx *store.Tx) error {
		_, err := configurator.Submit(ctx, tx, seller, linked.ID)
		return err
	}); err != nil {
		return err
	}
	if err := step(2, "draft list", func(tx *store.Tx) error {
		_, err := configurator.Produce(ctx, tx, seller, published.ID, configurator.ListHeader{Name: "三甲医院高可用方案"},
			map[string]string{"users": "800", "ha": "是", "storage_tb": "20"})
		return err
	}); err != nil {
		return err
	}
	if err := step(5, "import", func(tx *store.Tx) error {
		_, err := configurator.Import(ctx, tx, seller, published.ID, configurator.ListHeader{Name: "试点环境（导入）"}, []configurator.SheetRow{
			{Row: 2, SpecCode: "pi2.2xlarge.4.linux", Mode: "包月", Period: "3", Quantity: "2"},
			{Row: 3, SpecCode: "s6.xlarge.2.linux", Mode: "包月", Period: "3", Quantity: "1"},
			{Row: 4, SpecCode: "bandwidth.bgp.5m", Mode: "按需", Period: "720", Quantity: "1"},
		})
		return err
	}); err != nil {
		return err
	}

	// The solution in 配置器开发中 has its configurator in development.
	dev, _, err := solution.List(ctx, db.Reader(), solution.Filter{Viewer: solution.Viewer{PartnerID: pids["solution"]}, Status: solution.ConfiguratorDev})
	if err != nil || len(dev) == 0 {
		return fmt.Errorf("demo configurator: no solution in development (%v)", err)
	}
	return step(3, "development", func(tx *store.Tx) error {
		_, err := configurator.Save(ctx, tx, seller, dev[0].ID, configurator.Definition{
			Parameters: []configurator.Parameter{{Name: "students", Label: "学生人数", Kind: configurator.KindNumber,
				Min: decimal.NewFromInt(10), Max: decimal.NewFromInt(1000), Step: decimal.NewFromInt(1), Default: "40"}},
			Lines: []configurator.Line{{ProductID: spec["pi2.2xlarge.4.linux"], Quantity: "ceil(students / 4)", Mode: configurator.Monthly, Period: 6}},
			Tiers: []configurator.Tier{{ProductID: spec["pi2.2xlarge.4.linux"], MinQuantity: 10, Rate: decimal.RequireFromString("0.08")}},
		})
		return err
	})
}

// imagingDefinition is the published demo configurator: GPU servers for
// AI-assisted reading by concurrent readers, doubled for high availability
// (required above 500 readers), application servers, SSD volumes by the
// archive's size, a primary/standby database, bandwidth and a load
// balancer for HA; 5% off from 4 GPU servers, 3% off any line from 10 units.
func imagingDefinition(spec map[string]string) configurator.Definition {
	d := decimal.NewFromInt
	return configurator.Definition{
		Parameters: []configurator.Parameter{
			{Name: "users", Label: "并发阅片用户数", Kind: configurator.KindNumber, Min: d(10), Max: d(2000), Step: d(10), Default: "100",
				Rules: []configurator.Rule{{Expr: "users <= 500 or ha = '是'", Message: "超过 500 并发阅片用户须选择高可用部署"}}},
			{Name: "ha", Label: "高可用部署", Kind: configurator.KindChoice, Options: []string{"否", "是"}, Default: "否"},
			{Name: "storage_tb", Label: "影像存储容量（TB）", Kind: configurator.KindNumber, Min: d(1), Max: d(100), Step: d(1), Default: "2"},
		},
		Lines: []configurator.Line{
			{ProductID: spec["pi2.2xlarge.4.linux"], Quantity: "ceil(users / 50) * if(ha = '是', 2, 1)", Mode: configurator.Yearly, Period: 1},
			{ProductID: spec["s6.xlarge.2.linux"], Quantity: "if(ha = '是', 4, 2)", Mode: configurator.Yearly, Period: 1},
			{ProductID: spec["evs.ssd.200g"], Quantity: "ceil(storage_tb * 1024 / 200)", Mode: configurator.Yearly, Period: 1},
			{ProductID: spec["rds.mysql.n1.large.2.ha"], Quantity: "1", Mode: configurator.Yearly, Period: 1},
			{ProductID: spec["bandwidth.bgp.5m"], Quantity: "if(ha = '是', 2, 1)", Mode: configurator.Yearly, Period: 1},
			{ProductID: spec["elb.dedicated.small.1"], Quantity: "if(ha = '是', 1, 0)", Mode: configurator.Yearly, Period: 1},
		},
		Tiers: []configurator.Tier{
			{ProductID: spec["pi2.2xlarge.4.linux"], MinQuantity: 4, Rate: decimal.RequireFromString("0.05")},
			{MinQuantity: 10, Rate: decimal.RequireFromString("0.03")},
		},
	}
}
