package coupon_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/coupon"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/ledger"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

type fixture struct {
	db                   *store.DB
	dist, resA, other    *partner.Partner
	c1, c2, referral, oc *customer.Customer
	quota                *coupon.Quota
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		mkP := func(name string, typ partner.Type, parent string) *partner.Partner {
			if err != nil {
				return nil
			}
			var p *partner.Partner
			p, err = partner.Create(ctx, tx, partner.NewPartner{Name: name, Type: typ, Stage: partner.Certified, ParentID: parent})
			return p
		}
		f.dist = mkP("dist", partner.TotalDistributor, "")
		f.other = mkP("other", partner.Reseller, "")
		if err != nil {
			return err
		}
		f.resA = mkP("res-a", partner.Reseller, f.dist.ID)
		mkC := func(p *partner.Partner, name string) *customer.Customer {
			if err != nil {
				return nil
			}
			var c *customer.Customer
			c, err = customer.Create(ctx, tx, p, customer.NewCustomer{DomainName: name}, false)
			return c
		}
		f.c1, f.c2, f.oc = mkC(f.dist, "cust-one"), mkC(f.dist, "cust-two"), mkC(f.other, "other-cust")
		if err != nil {
			return err
		}
		if f.referral, err = customer.RegisterAccount(ctx, tx, customer.NewAccount{DomainName: "referral-cust"}); err != nil {
			return err
		}
		if err := customer.Associate(ctx, tx, f.dist.ID, f.referral.ID, customer.Referral); err != nil {
			return err
		}
		f.quota, err = coupon.Grant(ctx, tx, coupon.NewQuota{PartnerID: f.dist.ID, Type: coupon.VoucherQuota, Value: 1000_00,
			EffectiveAt: tx.Now.Add(-time.Hour), ExpiresAt: tx.Now.AddDate(0, 6, 0), MaxFaceValue: 300_00,
			ServiceTypes: []string{"hws.service.type.ec2", "hws.service.type.ebs"}}, "finance")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) issue(t *testing.T, r coupon.IssueRequest) ([]coupon.IssueResult, error) {
	t.Helper()
	if r.PartnerID == "" {
		r.PartnerID = f.dist.ID
	}
	if r.QuotaID == "" {
		r.QuotaID = f.quota.ID
	}
	r.Operator = "dist"
	var out []coupon.IssueResult
	err := f.db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = coupon.Issue(context.Background(), tx, r)
		return err
	})
	return out, err
}

func (f *fixture) quotaBalance(t *testing.T, id, partnerID string) *coupon.Quota {
	t.Helper()
	q, err := coupon.GetQuota(context.Background(), f.db.Reader(), partnerID, id)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func mustCheck(t *testing.T, db *store.DB) {
	t.Helper()
	vs, err := ledger.Check(context.Background(), db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("invariant: %s", v)
	}
}

func TestIssueChecksTheQuotaAndEachCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		res, err := f.issue(t, coupon.IssueRequest{CustomerIDs: []string{f.c1.ID, f.referral.ID, f.oc.ID, f.c2.ID, f.c1.ID}, FaceValue: 300_00, Memo: "618 活动"})
		if err != nil {
			t.Fatal(err)
		}
		want := []apperr.Code{"", apperr.Conflict, apperr.NotFound, "", apperr.Conflict}
		for i, r := range res {
			got := apperr.Code("")
			if r.Err != nil {
				got = apperr.CodeOf(r.Err)
			}
			if got != want[i] || (r.Err == nil) != (r.CouponID != "") {
				t.Errorf("row %d: %+v, want %q", i, r, want[i])
			}
		}
		if q := f.quotaBalance(t, f.quota.ID, f.dist.ID); q.Balance != 400_00 {
			t.Fatalf("quota balance %d, want 40000", q.Balance)
		}
		// The quota's remaining 400 covers one more coupon of 300, not two.
		res, _ = f.issue(t, coupon.IssueRequest{CustomerIDs: []string{f.c1.ID, f.c2.ID}, FaceValue: 300_00})
		if res[0].Err != nil || apperr.CodeOf(res[1].Err) != apperr.Insufficient {
			t.Fatalf("exhausting the quota: %+v", res)
		}
		for _, bad := range []struct {
			r     coupon.IssueRequest
			field string
		}{
			{coupon.IssueRequest{CustomerIDs: []string{f.c1.ID}, FaceValue: 300_01}, "face_value"},
			{coupon.IssueRequest{CustomerIDs: []string{f.c1.ID}, FaceValue: 0}, "face_value"},
			{coupon.IssueRequest{CustomerIDs: []string{f.c1.ID}, FaceValue: 10_00, ExpiresAt: time.Now().AddDate(1, 0, 0)}, "expire_time"},
			{coupon.IssueRequest{CustomerIDs: []string{f.c1.ID}, FaceValue: 10_00, ServiceTypes: []string{"hws.service.type.rds"}}, "cloud_service_types"},
			{coupon.IssueRequest{CustomerIDs: nil, FaceValue: 10_00}, "customer_ids"},
		} {
			_, err := f.issue(t, bad.r)
			if e, ok := apperr.As(err); !ok || e.Field != bad.field {
				t.Errorf("%+v: %v, want a field error on %s", bad.r, err, bad.field)
			}
		}
		if _, err := f.issue(t, coupon.IssueRequest{PartnerID: f.other.ID, CustomerIDs: []string{f.oc.ID}, FaceValue: 1_00}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another partner's quota: %v", err)
		}
		// A frozen quota issues nothing.
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := coupon.SetQuotaStatus(context.Background(), tx, f.dist.ID, f.quota.ID, coupon.QuotaFrozen)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.issue(t, coupon.IssueRequest{CustomerIDs: []string{f.c1.ID}, FaceValue: 1_00}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("frozen quota: %v", err)
		}
		list, total, err := coupon.List(context.Background(), db.Reader(), coupon.Filter{PartnerID: f.dist.ID, Type: coupon.TypeVoucher})
		if err != nil || total != 3 || list[0].Balance != 300_00 || list[0].Status != coupon.Usable {
			t.Fatalf("issued list: %d %+v %v", total, list, err)
		}
		recs, total, _ := coupon.Records(context.Background(), db.Reader(), coupon.RecordFilter{PartnerID: f.dist.ID, Operations: []string{coupon.OpIssue}})
		if total != 7 || recs[0].Result == "" {
			t.Fatalf("issue records: %d %+v", total, recs)
		}
		mustCheck(t, db)
	})
}

func TestRedeemReclaimAndLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		res, _ := f.issue(t, coupon.IssueRequest{CustomerIDs: []string{f.c1.ID, f.c2.ID}, FaceValue: 100_00})
		id1, id2 := res[0].CouponID, res[1].CouponID
		redeem := func(r coupon.Redemption) error {
			return db.InTx(ctx, func(tx *store.Tx) error { _, err := coupon.Redeem(ctx, tx, r); return err })
		}
		if err := redeem(coupon.Redemption{CouponID: id1, CustomerID: f.c1.ID, Amount: 30_00, Reference: "order-1", ServiceType: "hws.service.type.rds"}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("out of scope: %v", err)
		}
		if err := redeem(coupon.Redemption{CouponID: id1, CustomerID: f.c2.ID, Amount: 30_00, Reference: "order-1", ServiceType: "hws.service.type.ec2"}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another customer's coupon: %v", err)
		}
		if err := redeem(coupon.Redemption{CouponID: id1, CustomerID: f.c1.ID, Amount: 30_00, Reference: "order-1", ServiceType: "hws.service.type.ec2"}); err != nil {
			t.Fatal(err)
		}
		if err := redeem(coupon.Redemption{CouponID: id1, CustomerID: f.c1.ID, Amount: 70_01, Reference: "bill-2", ServiceType: "hws.service.type.ec2"}); apperr.CodeOf(err) != apperr.Insufficient {
			t.Errorf("beyond the balance: %v", err)
		}
		if err := redeem(coupon.Redemption{CouponID: id1, CustomerID: f.c1.ID, Amount: 70_00, Reference: "bill-2", ServiceType: "hws.service.type.ebs"}); err != nil {
			t.Fatal(err)
		}
		c1, _ := coupon.Get(ctx, db.Reader(), f.dist.ID, id1)
		usages, _ := coupon.Usages(ctx, db.Reader(), id1)
		if c1.Status != coupon.UsedUp || c1.Balance != 0 || len(usages) != 2 || usages[0].Reference != "bill-2" {
			t.Fatalf("used-up coupon %+v usages %+v", c1, usages)
		}
		reclaim := func(ids ...string) []coupon.ReclaimResult {
			var out []coupon.ReclaimResult
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				out, err = coupon.Reclaim(ctx, tx, f.dist.ID, ids, "manual", "dist")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		rr := reclaim(id1, id2, "nope")
		if apperr.CodeOf(rr[0].Err) != apperr.Conflict || rr[1].Err != nil || rr[1].Amount != 100_00 || apperr.CodeOf(rr[2].Err) != apperr.NotFound {
			t.Fatalf("batch reclaim: %+v", rr)
		}
		if q := f.quotaBalance(t, f.quota.ID, f.dist.ID); q.Balance != 900_00 {
			t.Fatalf("quota after reclaim %d, want 90000", q.Balance)
		}
		c2, _ := coupon.Get(ctx, db.Reader(), f.dist.ID, id2)
		if c2.Status != coupon.Reclaimed || c2.ReclaimedAmount != 100_00 {
			t.Fatalf("reclaimed coupon stays listed: %+v", c2)
		}
		// Lifecycle: a future coupon activates on time; expiry lapses the balance.
		now := time.Now()
		res, _ = f.issue(t, coupon.IssueRequest{CustomerIDs: []string{f.c2.ID}, FaceValue: 50_00, EffectiveAt: now.Add(time.Hour), ExpiresAt: now.Add(48 * time.Hour)})
		future := res[0].CouponID
		if c, _ := coupon.Get(ctx, db.Reader(), f.dist.ID, future); c.Status != coupon.NotActive {
			t.Fatalf("future coupon status %d", c.Status)
		}
		sweep := func(at time.Time) int {
			var n int
			if err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
				var err error
				n, err = coupon.Sweep(ctx, tx, 100)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		sweep(now.Add(2 * time.Hour))
		if c, _ := coupon.Get(ctx, db.Reader(), f.dist.ID, future); c.Status != coupon.Usable {
			t.Fatalf("after its effective time, status %d", c.Status)
		}
		sweep(now.Add(72 * time.Hour))
		if c, _ := coupon.Get(ctx, db.Reader(), f.dist.ID, future); c.Status != coupon.Expired || c.Balance != 0 {
			t.Fatalf("after expiry: %+v", c)
		}
		if rr := reclaim(future); apperr.CodeOf(rr[0].Err) != apperr.Conflict {
			t.Fatalf("reclaiming an expired coupon: %+v", rr)
		}
		recs, _, _ := coupon.Records(ctx, db.Reader(), coupon.RecordFilter{PartnerID: f.dist.ID, Operations: []string{coupon.OpExpire}})
		if len(recs) != 1 || recs[0].Amount != 50_00 {
			t.Fatalf("expiry record: %+v", recs)
		}
		sweep(now.AddDate(0, 7, 0))
		if q := f.quotaBalance(t, f.quota.ID, f.dist.ID); q.Status != coupon.QuotaInvalid {
			t.Fatalf("expired quota status %d", q.Status)
		}
		mustCheck(t, db)
	})
}

func TestResellerQuotasAndUnbinding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		var results []coupon.QuotaIssueResult
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			results, err = coupon.IssueQuotas(ctx, tx, f.dist.ID, f.quota.ID, []coupon.QuotaGrant{
				{ResellerID: f.resA.ID, Amount: 400_00}, {ResellerID: f.other.ID, Amount: 10_00}, {ResellerID: f.resA.ID, Amount: 700_00}}, "dist")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if results[0].Err != nil || apperr.CodeOf(results[1].Err) != apperr.NotFound || apperr.CodeOf(results[2].Err) != apperr.Insufficient {
			t.Fatalf("quota issue: %+v", results)
		}
		child := f.quotaBalance(t, results[0].QuotaID, f.resA.ID)
		if child.Balance != 400_00 || child.ParentQuotaID != f.quota.ID || child.MaxFaceValue != 300_00 {
			t.Fatalf("reseller quota: %+v", child)
		}
		// The reseller issues from it; then the distributor reclaims the rest.
		var resaCust *customer.Customer
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			resaCust, err = customer.Create(ctx, tx, f.resA, customer.NewCustomer{DomainName: "resa-cust"}, false)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if res, err := f.issue(t, coupon.IssueRequest{PartnerID: f.resA.ID, QuotaID: child.ID, CustomerIDs: []string{resaCust.ID}, FaceValue: 150_00}); err != nil || res[0].Err != nil {
			t.Fatalf("reseller issues: %+v %v", res, err)
		}
		var rec []coupon.QuotaReclaimResult
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			rec, err = coupon.ReclaimQuotas(ctx, tx, f.dist.ID, []string{child.ID, f.quota.ID}, "dist")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if rec[0].Err != nil || rec[0].Balance != 250_00 || apperr.CodeOf(rec[1].Err) != apperr.NotFound {
			t.Fatalf("quota reclaim: %+v", rec)
		}
		if q := f.quotaBalance(t, f.quota.ID, f.dist.ID); q.Balance != 850_00 {
			t.Fatalf("distributor quota after reclaim %d", q.Balance)
		}
		issued, _, _ := coupon.ListQuotas(ctx, db.Reader(), coupon.QuotaFilter{IssuedBy: f.dist.ID})
		if len(issued) != 1 || issued[0].Status != coupon.QuotaReclaimed {
			t.Fatalf("issued quotas: %+v", issued)
		}
		// Unbinding a customer reclaims the partner's coupons automatically.
		res, _ := f.issue(t, coupon.IssueRequest{CustomerIDs: []string{f.c1.ID}, FaceValue: 80_00})
		main := &auth.Principal{Kind: auth.KindPartner, UserID: "u", Username: "dist", PartnerID: f.dist.ID, IsMain: true}
		var token string
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			token, _, err = funds.RequestUnbind(ctx, tx, main, f.c1.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := funds.ConfirmUnbind(ctx, tx, token); return err }); err != nil {
			t.Fatal(err)
		}
		c, _ := coupon.Get(ctx, db.Reader(), f.dist.ID, res[0].CouponID)
		recs, _, _ := coupon.Records(ctx, db.Reader(), coupon.RecordFilter{PartnerID: f.dist.ID, Operations: []string{coupon.OpUnbindReclaim}})
		if c.Status != coupon.Reclaimed || len(recs) != 1 || recs[0].Amount != 80_00 {
			t.Fatalf("after unbinding: %+v %+v", c, recs)
		}
		mustCheck(t, db)
	})
}

// One coupon redeemed from many goroutines never pays more than its
// balance; issue and reclaim run concurrently on one quota; the invariants
// hold afterwards.
func TestConcurrentRedeemIssueAndReclaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		res, _ := f.issue(t, coupon.IssueRequest{CustomerIDs: []string{f.c1.ID}, FaceValue: 100_00})
		target := res[0].CouponID
		var mu sync.Mutex
		var paid int64
		var wg sync.WaitGroup
		for g := 0; g < 40; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					amount := int64(1_00 + (g*7+i*13)%9*1_00)
					err := db.InTx(ctx, func(tx *store.Tx) error {
						_, err := coupon.Redeem(ctx, tx, coupon.Redemption{CouponID: target, CustomerID: f.c1.ID, Amount: amount,
							Reference: fmt.Sprintf("bill-%d-%d", g, i), ServiceType: "hws.service.type.ec2"})
						return err
					})
					switch {
					case err == nil:
						mu.Lock()
						paid += amount
						mu.Unlock()
					case apperr.CodeOf(err) == apperr.Insufficient || apperr.CodeOf(err) == apperr.Conflict:
					default:
						t.Errorf("redeem: %v", err)
					}
				}
			}(g)
		}
		for g := 0; g < 10; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 3; i++ {
					out, err := f.issue(t, coupon.IssueRequest{CustomerIDs: []string{f.c2.ID}, FaceValue: 10_00})
					if err != nil || out[0].Err != nil {
						if err == nil && apperr.CodeOf(out[0].Err) == apperr.Insufficient {
							continue
						}
						t.Errorf("issue: %v %+v", err, out)
						continue
					}
					if err := db.InTx(ctx, func(tx *store.Tx) error {
						_, err := coupon.Reclaim(ctx, tx, f.dist.ID, []string{out[0].CouponID}, "", "dist")
						return err
					}); err != nil {
						t.Errorf("reclaim: %v", err)
					}
				}
			}()
		}
		wg.Wait()
		c, _ := coupon.Get(ctx, db.Reader(), f.dist.ID, target)
		usages, _ := coupon.Usages(ctx, db.Reader(), target)
		var used int64
		for _, u := range usages {
			used += u.Amount
		}
		if paid > 100_00 || used != paid || c.Balance != 100_00-paid {
			t.Fatalf("paid %d, usage records %d, balance %d", paid, used, c.Balance)
		}
		if q := f.quotaBalance(t, f.quota.ID, f.dist.ID); q.Balance != 900_00 {
			t.Fatalf("quota after issue/reclaim pairs: %d, want 90000", q.Balance)
		}
		mustCheck(t, db)
	})
}
