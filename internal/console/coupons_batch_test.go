package console_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"partnercenter/internal/coupon"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

func TestBatchIssueCoupons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, c := signedIn(t, db, "distributor")
		q := demoQuota(t, db, "distributor", coupon.CashQuota)
		path := "/console/cash-coupons/quotas/" + q.ID + "/issue"
		if _, body := c.get(path); !strings.Contains(body, `name="all_matching"`) {
			t.Fatal("the issue form lacks the option to issue to every matching customer")
		}
		token := c.formToken(path)
		if resp, body := c.post(path, url.Values{"all_matching": {"1"}, "search": {"no-such-customer"}, "face_value": {"1"}, "client": {token}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, nextTo("customer_ids", "coupons.batch.none_matching")) {
			t.Errorf("no customer matching: %d", resp.StatusCode)
		}
		// A scope item the domain refuses is shown next to its field, for one
		// customer and for a batch alike.
		long := strings.Repeat("x", 65)
		for _, all := range []string{"", "1"} {
			resp, body := c.post(path, url.Values{"all_matching": {all}, "customer_ids": {customerID(t, db, "dist-cust01")}, "search": {"dist-cust"},
				"face_value": {"1"}, "product_ids": {"p1，" + long}, "client": {token}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, nextTo("product_ids", "coupon.scope_invalid")) {
				t.Errorf("a bad product id (all_matching=%q): %d", all, resp.StatusCode)
			}
		}
		before := len(demoCoupons(t, db, coupon.TypeCash, 0))
		form := url.Values{"all_matching": {"1"}, "search": {"dist-cust"}, "face_value": {"1"}, "memo": {"批量"}, "client": {token}}
		resp, _ := c.post(path, form)
		where := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(where, "/console/cash-coupons/batches/") {
			t.Fatalf("the batch issue: %d → %q", resp.StatusCode, where)
		}
		id := strings.TrimPrefix(where, "/console/cash-coupons/batches/")
		pid := partnerID(t, db, "distributor")
		var b *coupon.Batch
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var err error
			if b, err = coupon.GetBatch(context.Background(), db.Reader(), pid, id); err != nil {
				t.Fatal(err)
			}
			if !b.Active() || time.Now().After(deadline) {
				break
			}
		}
		if b.Status != coupon.BatchDone || b.RowsTotal == 0 || b.RowsOK() == 0 {
			t.Fatalf("the batch: %+v", b)
		}
		if got := len(demoCoupons(t, db, coupon.TypeCash, 0)); got != before+b.RowsOK() {
			t.Errorf("%d coupons after the batch, want %d", got, before+b.RowsOK())
		}
		resp, body := c.get(where)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "badge-ok") || strings.Contains(body, "hx-trigger") {
			t.Errorf("the batch page: %d", resp.StatusCode)
		}
		if got := auditActions(t, db, pid, id); !slices.Equal(got, []string{"coupon.batch_issue"}) {
			t.Errorf("audit of the batch: %v", got)
		}
		// The same form again creates no second batch.
		if resp, _ := c.post(path, form); resp.StatusCode != http.StatusSeeOther || strings.Contains(resp.Header.Get("Location"), "/batches/") {
			t.Errorf("a repeated submit: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if got := len(demoCoupons(t, db, coupon.TypeCash, 0)); got != before+b.RowsOK() {
			t.Errorf("the repeated submit issued coupons: %d", got)
		}
		// Another partner does not see the batch.
		other := e.client()
		other.signIn("reseller-a")
		if resp, _ := other.get(where); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another partner's view of the batch: %d", resp.StatusCode)
		}
	})
}
