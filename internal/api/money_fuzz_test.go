package api_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/api"
	"partnercenter/internal/api/signing"
	"partnercenter/internal/catalogue"
	"partnercenter/internal/ledger"
	pcmoney "partnercenter/internal/platform/money"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// moneyOps are the operations that move money, with the body each seed
// starts from. $CUST, $RESELLER, $QUOTA and $ORDER stand for the shop's
// ids, which exist only once it is built.
var moneyOps = []struct {
	id, path string
	seeds    []string
}{
	{"UpdateCustomerAccountAmount", "/v2/accounts/partner-accounts/adjust-amount",
		[]string{`{"customer_id":"$CUST","amount":"1.25"}`, `{"customer_id":"$CUST","amount":0.01}`, `{"customer_id":"$CUST","amount":"0.001"}`,
			`{"customer_id":"$CUST","amount":-5}`, `{"customer_id":"$CUST","amount":1e2}`}},
	{"ReclaimToPartnerAccount", "/v2/accounts/partner-accounts/reclaim",
		[]string{`{"customer_id":"$CUST","amount":"0.50"}`, `{"customer_id":"$CUST","amount":"99999999999999999999"}`, `{"customer_id":["$CUST"],"amount":1}`}},
	{"UpdateIndirectPartnerAccount", "/v2/accounts/partner-accounts/indirect-partner-adjust",
		[]string{`{"indirect_partner_id":"$RESELLER","amount":"2"}`, `{"indirect_partner_id":"$RESELLER","amount":"NaN"}`, `{"indirect_partner_id":"$RESELLER"}`}},
	{"ReclaimIndirectPartnerAccount", "/v2/accounts/partner-accounts/indirect-partner-reclaim",
		[]string{`{"indirect_partner_id":"$RESELLER","amount":"0.01"}`, `{"indirect_partner_id":"$RESELLER","amount":"1.5","amount":"-1"}`}},
	{"CreatePartnerCoupons", "/v2/promotions/benefits/partner-coupons",
		[]string{`{"quota_id":"$QUOTA","customer_ids":["$CUST"],"face_value":"3.50"}`, `{"quota_id":"$QUOTA","customer_ids":["$CUST","$CUST"],"face_value":0}`,
			`{"quota_id":"$QUOTA","customer_ids":[],"face_value":"1","memo":"<script>alert(1)</script>"}`}},
	{"PayOrders", "/v3/orders/customer-orders/pay",
		[]string{`{"order_id":"$ORDER","use_coupon":"NO","use_discount":"NO"}`, `{"order_id":"$ORDER","use_coupon":"YES","use_discount":"NO","coupon_infos":[{"id":"x","type":1}]}`,
			`{"order_id":"$ORDER","use_coupon":"maybe"}`}},
}

// moneyShop is the shop the fuzz target drives: built once per fuzzing
// process, on the first input, because building it needs a *testing.T.
type moneyShop struct {
	once     sync.Once
	s        *shop
	h        http.Handler
	replacer *strings.Replacer
}

// FuzzMoneyBodies sends arbitrary JSON bodies, signed, to each money
// operation through the whole server. Whatever the body: never a 5xx or a
// panic; an error is a 4xx in the API's shape; a refused call changes no
// balance, no coupon and no order; an allocation or reclaim that is
// accepted moves exactly the positive, whole-fen amount the body names; and
// the ledger's invariants hold after every call.
func FuzzMoneyBodies(f *testing.F) {
	f.Setenv(api.EnvRateLimit, "0")
	db := storetest.SQLite(f)
	for i, op := range moneyOps {
		for _, s := range op.seeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	var ms moneyShop
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ms.once.Do(func() {
			ms.s = newShop(t, db)
			o := ms.s.place(t, ms.s.dist.ID, ms.s.resale.ID, line(ms.s.vm, catalogue.PeriodMonth, 1, 1))
			ms.replacer = strings.NewReplacer("$CUST", ms.s.resale.ID, "$RESELLER", ms.s.resA.ID, "$QUOTA", ms.s.quota.ID, "$ORDER", o.ID)
			ms.h = server.New(ms.s.app)
		})
		if ms.s == nil {
			t.Fatal("the shop was not built")
		}
		op := moneyOps[int(which)%len(moneyOps)]
		body = []byte(ms.replacer.Replace(string(body)))
		before := moneyState(t, ms.s.db)

		r := httptest.NewRequest(http.MethodPost, op.path, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Domain-Id", ms.s.dist.DomainID)
		if err := signing.Sign(r, body, ms.s.distKey.ID, ms.s.distKey.Secret, time.Now()); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		ms.h.ServeHTTP(w, r)

		after := moneyState(t, ms.s.db)
		switch {
		case w.Code >= 500:
			t.Fatalf("%s %s: %d %s", op.id, body, w.Code, w.Body)
		case w.Code >= 400:
			var e struct {
				Code string `json:"error_code"`
				Msg  string `json:"error_msg"`
			}
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Code == "" || e.Msg == "" {
				t.Fatalf("%s %s: %d not in the API's error shape: %s", op.id, body, w.Code, w.Body)
			}
			if !maps.Equal(before, after) {
				t.Fatalf("%s %s: refused (%s) but changed money:\n%v\n%v", op.id, body, w.Body, before, after)
			}
		case w.Code == http.StatusOK:
			if op.id != "CreatePartnerCoupons" && op.id != "PayOrders" {
				checkMoved(t, op.id, body, before, after)
			}
		default:
			t.Fatalf("%s %s: status %d", op.id, body, w.Code)
		}
		if v, err := ledger.Check(t.Context(), ms.s.db.Reader()); err != nil || len(v) > 0 {
			t.Fatalf("%s %s: ledger check: %v %v", op.id, body, v, err)
		}
	})
}

// moneyState is every ledger account's balance and pending amounts, the
// number of coupons and every order's status, by name.
func moneyState(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, q := range []string{
		`SELECT 'balance ' || id, credits_posted - debits_posted FROM ledger_accounts`,
		`SELECT 'pending ' || id, debits_pending + credits_pending FROM ledger_accounts`,
		`SELECT 'coupons', COUNT(*) FROM coupons`,
		`SELECT 'order ' || id, status FROM customer_orders`,
	} {
		rows, err := db.Reader().QueryContext(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			var v int64
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			out[k] = v
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkMoved: an accepted allocation or reclaim moved the body's amount, a
// positive number of whole fen, and nothing else: balances up by it in
// all, balances down by it in all (an account opened by the move counts
// from zero).
func checkMoved(t *testing.T, op string, body []byte, before, after map[string]int64) {
	t.Helper()
	var req struct {
		Amount json.RawMessage `json:"amount"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("%s accepted a body encoding/json refuses: %s", op, body)
	}
	text := string(req.Amount)
	if strings.HasPrefix(text, `"`) {
		_ = json.Unmarshal(req.Amount, &text)
	}
	fen, err := pcmoney.Parse(text)
	if err != nil || fen <= 0 {
		t.Fatalf("%s accepted amount %s (%d fen, %v)", op, req.Amount, fen, err)
	}
	// One account takes or gives the whole amount; the other side may be
	// split (an allocation draws on the recharge balance, then on credit).
	var ups, downs []int64
	var up, down int64
	for k, v := range after {
		d := v - before[k]
		switch {
		case d != 0 && !strings.HasPrefix(k, "balance "):
			t.Fatalf("%s %s: %s changed by %d", op, body, k, d)
		case d > 0:
			ups, up = append(ups, d), up+d
		case d < 0:
			downs, down = append(downs, d), down+d
		}
	}
	if up != fen || down != -fen || (len(ups) != 1 && len(downs) != 1) {
		t.Fatalf("%s %s: moved %v and %v, want %d from one account or to one", op, body, ups, downs, fen)
	}
}
