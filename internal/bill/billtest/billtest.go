// Package billtest builds consumption for tests of bills: a small
// catalogue, paid orders, and pay-per-use hours charged to a customer's
// balance and recorded as fee records the way metering records them.
package billtest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"partnercenter/internal/bill"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// Service types and the region of the catalogue.
const (
	ServiceECS = "hws.service.type.ec2"
	ServiceEVS = "hws.service.type.ebs"
	Region     = "cn-north-4"
)

// Cloud is the catalogue's products: a VM sold by the month and a disk sold
// by the month and by the hour.
type Cloud struct {
	VM, Disk *catalogue.Product
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
	}
	for _, p := range []**catalogue.Product{&c.VM, &c.Disk} {
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

// Hour is one pay-per-use resource-hour to charge.
type Hour struct {
	PartnerID  string
	CustomerID string
	Product    *catalogue.Product
	ResourceID string
	At         time.Time // the hour's start
	Amount     int64     // due
	Debt       int64     // the part the balance does not cover
}

// Usage charges a resource-hour to the customer's balance (all of it but
// the debt) and records its fee record, attributed to the manager in charge
// at the hour, as metering does.
func Usage(ctx context.Context, tx *store.Tx, h Hour) error {
	m, err := customer.ManagerAt(ctx, tx, h.CustomerID, h.At)
	if err != nil {
		return err
	}
	manager := ""
	if m != nil {
		manager = m.UserID
	}
	ref := fmt.Sprintf("usage:%s:%d", h.ResourceID, store.Micros(h.At))
	if paid := h.Amount - h.Debt; paid > 0 {
		if _, err := funds.ChargeCustomer(ctx, tx, funds.Charge{PartnerID: h.PartnerID, CustomerID: h.CustomerID, Amount: paid,
			ClientID: ref, Meta: map[string]string{"resource_id": h.ResourceID}}); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO fee_records (id, ref, source, partner_id, customer_id, charging_mode, resource_id,
		service_type_code, resource_type_code, product_id, region_code, fee_at, bill_month, usage_quantity, rated_amount, amount,
		coupon_amount, balance_amount, debt_amount, manager_user_id, created_at)
		VALUES (?, ?, 'usage', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 0, ?, ?, ?, ?)`,
		ids.New(), ref, h.PartnerID, h.CustomerID, bill.ChargingPayPerUse, h.ResourceID, h.Product.ServiceTypeCode,
		h.Product.ResourceTypeCode, h.Product.ID, Region, store.Micros(h.At), int(bill.MonthOf(h.At)), h.Amount*catalogue.RatePerFen,
		h.Amount, h.Amount-h.Debt, h.Debt, manager, store.Micros(tx.Now))
	return err
}
