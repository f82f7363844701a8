package demo

import (
	"context"
	"fmt"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/invoice"
	"partnercenter/internal/store"
)

// LegacyInvoicePartner is the demo partner whose account predates the
// one-record rule of 2020-08-01: it holds two invoice information records
// and cannot add a third.
const LegacyInvoicePartner = "reseller"

// demoInvoiceInfos are the demo partners' invoice information, each a
// title and its taxpayer id's first 17 characters (the check character is
// computed).
var demoInvoiceInfos = map[string][]invoice.InfoFields{
	"distributor": {{TitleType: invoice.Enterprise, InvoiceType: invoice.VATSpecial, Title: "华东云总经销有限公司",
		TaxpayerID: "91310115MA1K3C7X2", BankName: "招商银行上海张江支行", BankAccount: "121909876510801",
		Address: "上海市浦东新区张江路100号", Phone: "021-50801234"}},
	"reseller-a": {{TitleType: invoice.Enterprise, InvoiceType: invoice.VATOrdinary, Title: "杭州云联科技有限公司",
		TaxpayerID: "91330106MA2B0K5L1"}},
	"reseller-b": {{TitleType: invoice.Enterprise, InvoiceType: invoice.VATOrdinary, Title: "苏州数智信息技术有限公司",
		TaxpayerID: "91320594MA1T7P3Q4", Address: "苏州工业园区星湖街328号", Phone: "0512-62881234"}},
	LegacyInvoicePartner: {
		{TitleType: invoice.Enterprise, InvoiceType: invoice.VATSpecial, Title: "上海云帆网络科技有限公司",
			TaxpayerID: "91310104631234567", BankName: "中国工商银行上海徐汇支行", BankAccount: "1001234509000123456",
			Address: "上海市徐汇区漕溪北路88号", Phone: "021-64871234"},
		{TitleType: invoice.Enterprise, InvoiceType: invoice.VATOrdinary, Title: "上海云帆网络科技有限公司杭州分公司",
			TaxpayerID: "91330108MA27Y8K1X"},
	},
	"solution": {{TitleType: invoice.Organisation, InvoiceType: invoice.VATOrdinary, Title: "北京智算解决方案研究院",
		TaxpayerID: "12110000400012345"}},
}

// loadInvoices gives every demo partner its invoice information (the legacy
// account two records from 2019, the distributor's edited once) and the
// distributor invoice requests in every status, the reseller two.
func loadInvoices(ctx context.Context, db *store.DB, now time.Time) error {
	ids, err := partnerIDs(ctx, db)
	if err != nil {
		return err
	}
	as, err := actingAs(ctx, db)
	if err != nil {
		return err
	}
	// The legacy account was opened in 2018.
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE partners SET created_at = ? WHERE id = ?`,
			store.Micros(time.Date(2018, 3, 15, 2, 0, 0, 0, time.UTC)), ids[LegacyInvoicePartner])
		return err
	}); err != nil {
		return err
	}
	infoIDs := map[string]string{}
	for _, p := range Partners {
		for i, in := range demoInvoiceInfos[p.Name] {
			at := now.AddDate(0, -10, 0)
			if p.Name == LegacyInvoicePartner {
				at = time.Date(2019, time.Month(6+i*5), 10, 3, 0, 0, 0, time.UTC)
			}
			in.TaxpayerID = invoice.CompleteTaxpayerID(in.TaxpayerID)
			if err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
				info, err := invoice.CreateInfo(as(ctx, p.Name), tx, ids[p.Name], in)
				if err == nil && i == 0 {
					infoIDs[p.Name] = info.ID
				}
				return err
			}); err != nil {
				return fmt.Errorf("demo invoice information of %s: %w", p.Name, err)
			}
		}
	}
	// The distributor moved: its record was edited, which its history shows.
	edited := demoInvoiceInfos["distributor"][0]
	edited.TaxpayerID = invoice.CompleteTaxpayerID(edited.TaxpayerID)
	edited.Address, edited.Phone = "上海市浦东新区张江路200号", "021-50805678"
	if err := db.InTxAt(ctx, now.AddDate(0, -7, 0), func(tx *store.Tx) error {
		_, err := invoice.UpdateInfo(as(ctx, "distributor"), tx, ids["distributor"], infoIDs["distributor"], edited)
		return err
	}); err != nil {
		return err
	}

	// Requests: how far each got, in the order of its steps.
	type plan struct {
		partner string
		amount  int64
		steps   []string // after submission: approve, reject, issue, sign, return
	}
	plans := []plan{
		{"distributor", 120_000_00, []string{"approve", "issue", "sign"}},
		{"distributor", 35_000_00, []string{"approve", "issue", "sign", "return"}},
		{"distributor", 18_500_50, []string{"reject"}},
		{"distributor", 60_000_00, []string{"approve", "issue"}},
		{"distributor", 45_000_00, []string{"approve"}},
		{"distributor", 22_000_00, nil},
		{"reseller", 30_000_00, []string{"approve", "issue", "sign"}},
		{"reseller", 12_000_00, nil},
	}
	for n, p := range plans {
		at := now.AddDate(0, 0, -90+n*10).Add(time.Duration(9+n) * time.Hour)
		var id string
		if err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
			r, err := invoice.Submit(as(ctx, p.partner), tx, ids[p.partner], infoIDs[p.partner], p.amount, "")
			if err == nil {
				id = r.ID
			}
			return err
		}); err != nil {
			return fmt.Errorf("demo invoice request %d: %w", n+1, err)
		}
		for s, step := range p.steps {
			at = at.Add(time.Duration(20+s*26) * time.Hour)
			if err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
				var err error
				switch step {
				case "approve":
					_, err = invoice.Approve(as(ctx, "finance"), tx, id)
				case "reject":
					_, err = invoice.Reject(as(ctx, "finance"), tx, id, "申请金额与合同金额不一致，请核对后重新申请")
				case "issue":
					_, err = invoice.Issue(as(ctx, "finance"), tx, id, fmt.Sprintf("2631200000%010d", 1000+n))
				case "sign":
					_, err = invoice.Sign(as(ctx, p.partner), tx, ids[p.partner], id)
				case "return":
					_, err = invoice.Return(as(ctx, p.partner), tx, ids[p.partner], id, "发票抬头地址有误，需重开")
				}
				return err
			}); err != nil {
				return fmt.Errorf("demo invoice request %d, %s: %w", n+1, step, err)
			}
		}
	}
	return nil
}

// actingAs returns a function giving ctx acting as a demo user, so that the
// audit log and the timelines name who did what.
func actingAs(ctx context.Context, db *store.DB) (func(ctx context.Context, username string) context.Context, error) {
	rows, err := db.Reader().QueryContext(ctx, `SELECT id, username, partner_id IS NULL FROM users`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	users := map[string]*auth.Principal{}
	for rows.Next() {
		var p auth.Principal
		var staff bool
		if err := rows.Scan(&p.UserID, &p.Username, &staff); err != nil {
			return nil, err
		}
		p.Kind = auth.KindPartner
		if staff {
			p.Kind = auth.KindStaff
		}
		users[p.Username] = &p
	}
	return func(ctx context.Context, username string) context.Context {
		return auth.WithPrincipal(ctx, users[username])
	}, rows.Err()
}
