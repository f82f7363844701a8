package coupon_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestBatchIssuesInChunksAndOnlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		// 245 resale customers, the referral customer three times over and
		// two that are another partner's: 250 rows over three chunks.
		var want []string
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := range 245 {
				c, err := customer.Create(ctx, tx, f.dist, customer.NewCustomer{DomainName: fmt.Sprintf("batch-%03d", i)}, false)
				if err != nil {
					return err
				}
				want = append(want, c.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := append([]string{}, want[:100]...)
		ids = append(ids, f.referral.ID, f.oc.ID)
		ids = append(ids, want[100:200]...)
		ids = append(ids, f.referral.ID, f.oc.ID, f.referral.ID)
		ids = append(ids, want[200:]...)
		before := f.quotaBalance(t, f.quota.ID, f.dist.ID).Balance
		var b *coupon.Batch
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			b, err = coupon.CreateBatch(ctx, tx, coupon.NewBatch{PartnerID: f.dist.ID, QuotaID: f.quota.ID, CustomerIDs: ids,
				FaceValue: 2_00, Memo: "batch", Operator: "dist"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := coupon.RunBatch(ctx, db, b.ID); err != nil {
			t.Fatal(err)
		}
		got, err := coupon.GetBatch(ctx, db.Reader(), f.dist.ID, b.ID)
		if err != nil || got.Status != coupon.BatchDone || got.RowsTotal != 250 || got.RowsDone != 250 || got.RowsFailed != 5 || got.Progress() != 100 {
			t.Fatalf("batch: %+v %v", got, err)
		}
		rows, total, err := coupon.BatchRows(ctx, db.Reader(), b.ID, 0, 300)
		if err != nil || total != 250 {
			t.Fatalf("rows: %d %v", total, err)
		}
		for _, r := range rows {
			bad := r.CustomerID == f.referral.ID || r.CustomerID == f.oc.ID
			if bad != (r.Status == coupon.BatchRowFailed) || bad == (r.CouponID != "") || bad == (r.Problem == "") {
				t.Errorf("row %+v", r)
			}
		}
		after := f.quotaBalance(t, f.quota.ID, f.dist.ID).Balance
		if before-after != 245*2_00 {
			t.Fatalf("quota balance %d → %d, want %d less", before, after, 245*2_00)
		}
		// A retried job, the batch queued again, issues nothing more.
		if _, err := db.WriterPool().ExecContext(ctx, db.Rebind(`UPDATE coupon_batches SET status = ? WHERE id = ?`), coupon.BatchQueued, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := coupon.RunBatch(ctx, db, b.ID); err != nil {
			t.Fatal(err)
		}
		_, issued, err := coupon.List(ctx, db.Reader(), coupon.Filter{PartnerID: f.dist.ID, Type: coupon.TypeVoucher})
		if err != nil || issued != 245 || f.quotaBalance(t, f.quota.ID, f.dist.ID).Balance != after {
			t.Fatalf("after a rerun: %d coupons, %v", issued, err)
		}
		if again, _ := coupon.GetBatch(ctx, db.Reader(), f.dist.ID, b.ID); again.RowsDone != 250 || again.RowsFailed != 5 {
			t.Fatalf("rerun recounted: %+v", again)
		}
		if _, err := coupon.GetBatch(ctx, db.Reader(), f.other.ID, b.ID); err == nil {
			t.Error("another partner sees the batch")
		}
		// The scope is checked against the quota's when the batch is asked for.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := coupon.CreateBatch(ctx, tx, coupon.NewBatch{PartnerID: f.dist.ID, QuotaID: f.quota.ID, CustomerIDs: want,
				FaceValue: 1_00, ServiceTypes: []string{"hws.service.type.rds"}, Operator: "dist"})
			return err
		})
		if e, ok := apperr.As(err); !ok || e.Field != "cloud_service_types" {
			t.Errorf("a scope outside the quota's: %v", err)
		}
		// So is the validity.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := coupon.CreateBatch(ctx, tx, coupon.NewBatch{PartnerID: f.dist.ID, QuotaID: f.quota.ID, CustomerIDs: want,
				FaceValue: 1_00, ExpiresAt: time.Now().AddDate(2, 0, 0), Operator: "dist"})
			return err
		})
		if e, ok := apperr.As(err); !ok || e.Field != "expire_time" {
			t.Errorf("a validity beyond the quota's: %v", err)
		}
		mustCheck(t, db)
	})
}
