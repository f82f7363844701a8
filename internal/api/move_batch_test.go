package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/api/signing"
	"partnercenter/internal/customer"
	"partnercenter/internal/funds"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// Allocations and reclaims arriving at once are applied together. A
// request sent twice at the same moment (a client retrying before the
// first answer came) moves money once and both get the same answer;
// refused ones (a reclaim beyond the customer's balance) change nothing;
// and the balances are exactly the sum of the moves answered 200.
func TestConcurrentMovesWithRetriesMatchModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMoney(t, db)
		customers := []*customer.Customer{m.resale}
		for i := range 3 {
			customers = append(customers, m.addCustomer(t, m.dist, customerSpec{name: fmt.Sprintf("batch-cust-%d", i)}))
		}
		// send posts one signed request; safe from any goroutine.
		send := func(path, key string, body []byte) (int, string, error) {
			r, err := http.NewRequest("POST", m.srv.URL+path, bytes.NewReader(body))
			if err != nil {
				return 0, "", err
			}
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Domain-Id", m.dist.DomainID)
			r.Header.Set("Idempotency-Key", key)
			if err := signing.Sign(r, body, m.distKey.ID, m.distKey.Secret, time.Now()); err != nil {
				return 0, "", err
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				return 0, "", err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b), err
		}

		const workers, rounds = 12, 9
		var mu sync.Mutex
		moved := map[string]int64{} // customer → fen from answered moves
		answered, refused := 0, 0
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range rounds {
					cu := customers[(w+i)%len(customers)]
					path, fen, amount := "/v2/accounts/partner-accounts/adjust-amount", int64(101), "1.01"
					if i%3 == 2 {
						// Often more than the customer holds at that moment.
						path, fen, amount = "/v2/accounts/partner-accounts/reclaim", -250, "2.50"
					}
					key := fmt.Sprintf("w%d-r%d", w, i)
					body := []byte(fmt.Sprintf(`{"customer_id":%q,"amount":%q}`, cu.ID, amount))
					type answer struct {
						status int
						body   string
						err    error
					}
					var twice [2]answer
					var both sync.WaitGroup
					for k := range twice {
						both.Go(func() { twice[k].status, twice[k].body, twice[k].err = send(path, key, body) })
					}
					both.Wait()
					mu.Lock()
					switch a, b := twice[0], twice[1]; {
					case a.err != nil || b.err != nil:
						t.Errorf("%s: %v / %v", key, a.err, b.err)
					case a.status != b.status || a.body != b.body:
						t.Errorf("%s sent twice got two answers: %d %s / %d %s", key, a.status, a.body, b.status, b.body)
					case a.status == http.StatusOK:
						moved[cu.ID] += fen
						answered++
					case a.status == http.StatusForbidden || a.status == http.StatusBadRequest || a.status == http.StatusConflict:
						refused++
					default:
						t.Errorf("%s: %d %s", key, a.status, a.body)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		if answered == 0 {
			t.Fatal("no move was answered")
		}
		var total int64
		for _, cu := range customers {
			b, _, err := funds.CustomerBalance(t.Context(), db.Reader(), cu.ID)
			if err != nil {
				t.Fatal(err)
			}
			if b != moved[cu.ID] {
				t.Errorf("customer %s holds %d, the answered moves say %d", cu.DomainName, b, moved[cu.ID])
			}
			total += b
		}
		pb, err := funds.PartnerBalances(t.Context(), db.Reader(), m.dist.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pb.Recharge-pb.CreditUsed != 1000_00-total {
			t.Errorf("partner holds %d - %d, want %d", pb.Recharge, pb.CreditUsed, 1000_00-total)
		}
		var records int
		if err := db.Reader().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM fund_adjustments WHERE partner_id = ?`, m.dist.ID).Scan(&records); err != nil {
			t.Fatal(err)
		}
		if records != answered {
			t.Errorf("%d 调账记录 rows for %d answered moves (%d refused)", records, answered, refused)
		}
		m.check(t)
	})
}
