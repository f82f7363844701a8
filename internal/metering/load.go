package metering

import (
	"context"
	"fmt"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
)

// LoadSpec describes a metering load: a partner with many funded customers,
// each running pay-per-use resources from a moment on. The benchmark and
// the kill test build it with the capabilities' own functions.
type LoadSpec struct {
	Partner     string // the partner's name
	Customers   int
	Resources   int       // per customer
	Funding     int64     // fen allocated to each customer
	Start       time.Time // when the resources start
	PerTx       int       // customers created per transaction (100)
	CustomerTag string    // prefix of the customers' account names
}

// Load builds the load and returns the customers' ids.
func Load(ctx context.Context, db *store.DB, s LoadSpec) ([]string, error) {
	if s.PerTx <= 0 {
		s.PerTx = 100
	}
	if s.CustomerTag == "" {
		s.CustomerTag = "load"
	}
	var p *partner.Partner
	var products []*catalogue.Product
	err := db.InTxAt(ctx, s.Start, func(tx *store.Tx) error {
		var err error
		if p, err = partner.Create(ctx, tx, partner.NewPartner{Name: s.Partner, Type: partner.Reseller, Stage: partner.Certified}); err != nil {
			return err
		}
		if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: "hws.service.type.ebs", NameZh: "云硬盘", NameEn: "EVS"}); err != nil {
			return err
		}
		if err := catalogue.SaveServiceType(ctx, tx, catalogue.ServiceType{Code: "hws.service.type.ec2", NameZh: "弹性云服务器", NameEn: "ECS"}); err != nil {
			return err
		}
		if err := catalogue.SaveRegion(ctx, tx, catalogue.Region{Code: "cn-north-4", NameZh: "华北-北京四", NameEn: "CN North-Beijing4"}); err != nil {
			return err
		}
		for i, r := range []struct {
			service string
			rate    int64
		}{{"hws.service.type.ebs", 1_234_567}, {"hws.service.type.ec2", 25_000_000}, {"hws.service.type.ec2", 3_300_001}} {
			spec := fmt.Sprintf("%s.load.%d", s.Partner, i)
			pr := &catalogue.Product{ServiceTypeCode: r.service, ResourceTypeCode: "hws.resource.type.load", ResourceTypeZh: "负载",
				ResourceTypeEn: "load", SpecCode: spec, SpecZh: spec, SpecEn: spec, UsageUnit: "GB", UsageRate: r.rate, OnSale: true}
			if err := catalogue.Save(ctx, tx, pr); err != nil {
				return err
			}
			products = append(products, pr)
		}
		_, err = funds.Recharge(ctx, tx, p.ID, s.Funding*int64(s.Customers)+1, "bank_transfer", "", "")
		return err
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, s.Customers)
	for start := 0; start < s.Customers; start += s.PerTx {
		var made []string
		err := db.InTxAt(ctx, s.Start, func(tx *store.Tx) error {
			made = made[:0]
			for i := start; i < min(start+s.PerTx, s.Customers); i++ {
				c, err := customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: fmt.Sprintf("%s-%06d", s.CustomerTag, i)}, false)
				if err != nil {
					return err
				}
				if s.Funding > 0 {
					if _, err := funds.Allocate(ctx, tx, p.ID, c.ID, s.Funding, "", "load", ""); err != nil {
						return err
					}
				}
				for j := 0; j < s.Resources; j++ {
					pr := products[j%len(products)]
					if _, err := order.LaunchPayPerUse(ctx, tx, p.ID, c.ID, pr.ID, "cn-north-4", fmt.Sprintf("r%d", j), 1+j*7%40); err != nil {
						return err
					}
				}
				made = append(made, c.ID)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		ids = append(ids, made...)
	}
	return ids, nil
}
