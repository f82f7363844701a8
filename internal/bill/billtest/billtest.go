// Package billtest builds consumption for tests of bills: a small
// catalogue, paid orders, and pay-per-use hours metered by the metering
// job.
package billtest

import (
	"context"
	"errors"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/metering"
	"partnercenter/internal/order"
	"partnercenter/internal/store"
)

// Service types and the region of the catalogue.
const (
	ServiceECS = "hws.service.type.ec2"
	ServiceEVS = "hws.service.type.ebs"
	Region     = "cn-north-4"
)

// Cloud is the catalogue's products: a VM sold by the month, a disk sold by
// the month and by the hour (0.04 an hour) and an SSD by the hour only
// (12.34 an hour).
type Cloud struct {
	VM, Disk, SSD *catalogue.Product
}

// Catalogue saves the service types, the region and the two products (or
// finds products of the same specs).
func Catalogue(ctx context.Context, tx *store.Tx) (*Cloud, error) {
	for _, s := range []catalogue.ServiceType{{Code: ServiceECS, NameZh: "弹性云服务器", NameEn: "Elastic Cloud Server"},
		{Code: ServiceEVS, NameZh: "云硬盘", NameEn: "Elastic Volume Service"}} {
		if err := catalogue.SaveServiceType(ctx, tx, s); err != nil {
			return nil, err
		}
	}
	if err := catalogue.SaveRegion(ctx, tx, catalogue.Region{Code: Region, NameZh: "华北-北京四", NameEn: "CN North-Beijing4"}); err != nil {
		return nil, err
	}
	c := &Cloud{
		VM: &catalogue.Product{ServiceTypeCode: ServiceECS, ResourceTypeCode: "hws.resource.type.vm", ResourceTypeZh: "云主机",
			ResourceTypeEn: "VM", SpecCode: "s6.small.1.linux", SpecZh: "s6.small.1 Linux", SpecEn: "s6.small.1 Linux",
			MonthlyPrice: 100_00, YearlyPrice: 1000_00, OnSale: true},
		Disk: &catalogue.Product{ServiceTypeCode: ServiceEVS, ResourceTypeCode: "hws.resource.type.volume", ResourceTypeZh: "云硬盘",
			ResourceTypeEn: "Volume", SpecCode: "sata.100g", SpecZh: "普通IO 100G", SpecEn: "SATA 100 GB", MonthlyPrice: 30_00,
			YearlyPrice: 300_00, UsageUnit: "hour", UsageRate: 4_000_000, OnSale: true},
		SSD: &catalogue.Product{ServiceTypeCode: ServiceEVS, ResourceTypeCode: "hws.resource.type.volume", ResourceTypeZh: "云硬盘",
			ResourceTypeEn: "Volume", SpecCode: "ssd.test.1t", SpecZh: "超高IO 1T", SpecEn: "Ultra-high I/O 1 TB", UsageUnit: "hour",
			UsageRate: 1_234_000_000, OnSale: true},
	}
	for _, p := range []**catalogue.Product{&c.VM, &c.Disk, &c.SSD} {
		// A catalogue that has the spec already (the demo's) keeps it.
		var id string
		err := store.ScanErr(tx.QueryRowContext(ctx, `SELECT id FROM cloud_products WHERE spec_code = ?`, (*p).SpecCode).Scan(&id))
		switch {
		case err == nil:
			if *p, err = catalogue.Get(ctx, tx, id); err != nil {
				return nil, err
			}
		case errors.Is(err, store.ErrNotFound):
			if err := catalogue.Save(ctx, tx, *p); err != nil {
				return nil, err
			}
		default:
			return nil, err
		}
	}
	return c, nil
}

// Authorise records a resale customer's consent to on-behalf orders.
func Authorise(ctx context.Context, db *store.DB, partnerID, customerID string) error {
	var token string
	if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		token, err = order.AuthorisationLink(ctx, tx, partnerID, customerID)
		return err
	}); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		_, err := order.SetAuthorisation(ctx, tx, token, true)
		return err
	})
}

// PayOrder creates a new-purchase order for a customer and pays it with the
// coupons given and the customer's balance.
func PayOrder(ctx context.Context, db *store.DB, partnerID, customerID string, coupons []string, lines ...order.LineRequest) (*order.Order, error) {
	scope := customer.PartnerScope(partnerID)
	var o *order.Order
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		if o, err = order.Create(ctx, tx, order.NewOrder{Scope: scope, CustomerID: customerID, Lines: lines, CreatedBy: "tester"}); err != nil {
			return err
		}
		o, err = order.Pay(ctx, tx, order.PayRequest{Scope: scope, OrderID: o.ID, CouponIDs: coupons})
		return err
	})
	return o, err
}

// Usage is pay-per-use consumption to meter: a resource of a product
// running for some hours from a moment on.
type Usage struct {
	PartnerID  string
	CustomerID string
	Product    *catalogue.Product
	Quantity   int       // units (1 when zero)
	From       time.Time // launched then; metered from this hour
	Hours      int
}

// Meter launches the resource at From, releases it Hours later and runs
// the metering job then, which charges its hours (coupons, then balance,
// then debt) and writes their fee records. Runs must come in time order:
// each meters everything due by its end.
func Meter(ctx context.Context, db *store.DB, u Usage) (string, metering.Result, error) {
	if u.Quantity == 0 {
		u.Quantity = 1
	}
	var r *order.Resource
	err := db.InTxAt(ctx, u.From, func(tx *store.Tx) (err error) {
		r, err = order.LaunchPayPerUse(ctx, tx, u.PartnerID, u.CustomerID, u.Product.ID, Region, "", u.Quantity)
		return err
	})
	if err != nil {
		return "", metering.Result{}, err
	}
	end := u.From.Add(time.Duration(u.Hours) * time.Hour)
	if err := db.InTxAt(ctx, end, func(tx *store.Tx) error {
		_, err := metering.Release(ctx, tx, customer.PartnerScope(u.PartnerID), r.ID)
		return err
	}); err != nil {
		return "", metering.Result{}, err
	}
	res, err := metering.Run(ctx, db, end, metering.Options{})
	return r.ID, res, err
}
