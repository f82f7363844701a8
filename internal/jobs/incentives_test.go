package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/incentive"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The incentives job computes last month (ended: to confirm) and this
// month (estimated) from their consumption, and a second run changes
// nothing.
func TestIncentivesJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		db.Now = func() time.Time { return time.Date(2026, 12, 10, 5, 0, 0, 0, time.UTC) }
		var p *partner.Partner
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if p, err = partner.Create(ctx, tx, partner.NewPartner{Name: "seller", Type: partner.Reseller, Stage: partner.Certified}); err != nil {
				return err
			}
			c, err := customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: "buyer"}, false)
			if err != nil {
				return err
			}
			if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: "hws.service.type.ec2", NameZh: "弹性云服务器", NameEn: "ECS"}); err != nil {
				return err
			}
			vm := &catalogue.Product{ServiceTypeCode: "hws.service.type.ec2", ResourceTypeCode: "vm", ResourceTypeZh: "vm", ResourceTypeEn: "vm",
				SpecCode: "s6", SpecZh: "s6", SpecEn: "s6", MonthlyPrice: 100_00, Incentive: true, OnSale: true}
			if err := catalogue.Save(ctx, tx, vm); err != nil {
				return err
			}
			if _, err := incentive.CreatePolicy(ctx, tx, incentive.PolicyInput{Kind: incentive.KindRebate, ServiceTypeCode: vm.ServiceTypeCode,
				PartnerType: partner.Reseller, RateBP: 200, ValidFrom: 202601}, "admin"); err != nil {
				return err
			}
			for i, m := range []int{202611, 202612} {
				_, err := tx.ExecContext(ctx, `INSERT INTO fee_records (id, ref, source, partner_id, customer_id, charging_mode, service_type_code,
					resource_type_code, product_id, region_code, fee_at, bill_month, amount, created_at)
					VALUES (?, ?, 'order', ?, ?, 1, ?, 'vm', ?, 'cn-north-4', 0, ?, ?, 0)`,
					fmt.Sprint("fee-", i), fmt.Sprint("order:", i), p.ID, c.ID, vm.ServiceTypeCode, vm.ID, m, int64(i+1)*1000_00)
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		for range 2 {
			if err := calculateIncentives(ctx, db, log); err != nil {
				t.Fatal(err)
			}
		}
		list, total, err := incentive.ListStatements(ctx, db.Reader(), incentive.StatementFilter{PartnerID: p.ID})
		if err != nil || total != 2 {
			t.Fatalf("statements %v %d %v", list, total, err)
		}
		dec, nov := list[0], list[1]
		if dec.Month != 202612 || dec.Status != incentive.StatusEstimated || dec.Payable != 40_00 {
			t.Errorf("December %+v", dec)
		}
		if nov.Month != 202611 || nov.Status != incentive.StatusToConfirm || nov.Payable != 20_00 {
			t.Errorf("November %+v", nov)
		}
	})
}
