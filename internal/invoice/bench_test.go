package invoice_test

import (
	"context"
	"os"
	"testing"

	"partnercenter/internal/funds"
	"partnercenter/internal/invoice"
	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// benchPriorRequests is how many requests the benchmark's partner already
// has: the invoiceable check sums them on every submission.
const benchPriorRequests = 5000

// benchPartner makes a partner with a large recharge, an information record
// and benchPriorRequests requests.
func benchPartner(b *testing.B, db *store.DB) (partnerID, infoID string) {
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		p, err := partner.Create(ctx, tx, partner.NewPartner{Name: "bench", Type: partner.Reseller, Stage: partner.Certified})
		if err != nil {
			return err
		}
		partnerID = p.ID
		if _, err := funds.Recharge(ctx, tx, p.ID, 1_000_000_000_00, "bank_transfer", "bench", ""); err != nil {
			return err
		}
		info, err := invoice.CreateInfo(ctx, tx, p.ID, enterprise("压测公司", invoice.VATOrdinary))
		if err != nil {
			return err
		}
		infoID = info.ID
		for range benchPriorRequests {
			if _, err := invoice.Submit(ctx, tx, p.ID, info.ID, 100, ""); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return partnerID, infoID
}

// BenchmarkSubmit is one invoice request, with its invoiceable check, its
// row and its audit entry, each in its own transaction, on a partner that
// already has benchPriorRequests requests.
func BenchmarkSubmit(b *testing.B) {
	dbs := map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		dbs["postgres"] = storetest.Postgres
	}
	for name, open := range dbs {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			partnerID, infoID := benchPartner(b, db)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if err := db.InTx(ctx, func(tx *store.Tx) error {
					_, err := invoice.Submit(ctx, tx, partnerID, infoID, 1, "")
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPDF writes one electronic invoice.
func BenchmarkPDF(b *testing.B) {
	r := issuedRequest()
	for b.Loop() {
		if _, err := invoice.PDF(r); err != nil {
			b.Fatal(err)
		}
	}
}
