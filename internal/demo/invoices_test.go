package demo_test

import (
	"context"
	"testing"
	"time"

	"partnercenter/internal/demo"
	"partnercenter/internal/invoice"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestDemoInvoices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, q := context.Background(), db.Reader()
		if err := demo.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		for _, p := range demo.Partners {
			pt, err := partner.GetByName(ctx, q, p.Name)
			if err != nil {
				t.Fatal(err)
			}
			pol, err := invoice.PolicyOf(ctx, q, pt.ID, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			wantLegacy := p.Name == demo.LegacyInvoicePartner
			if pol.Legacy != wantLegacy || pol.CanAdd || (wantLegacy && pol.Held != 2) || (!wantLegacy && pol.Held != 1) {
				t.Errorf("%s: %+v", p.Name, pol)
			}
			if p.Name != "distributor" {
				continue
			}
			for _, status := range invoice.Statuses {
				if _, n, err := invoice.List(ctx, q, invoice.Filter{Viewer: invoice.Viewer{PartnerID: pt.ID}, Status: status}); err != nil || n == 0 {
					t.Errorf("no %s request for the distributor (%v)", status, err)
				}
			}
			inv, err := invoice.InvoiceableOf(ctx, q, pt.ID)
			if err != nil || inv.Available <= 0 || inv.Requested != 120_000_00+60_000_00+45_000_00+22_000_00 {
				t.Errorf("the distributor's invoiceable %+v, %v", inv, err)
			}
		}
	})
}
