package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"partnercenter/internal/api/signing"
)

// bench api: a load generator for the partner API, run against a server of
// ours like a partner platform would call it (signed requests over HTTP), so
// that what it measures includes the network stack, signature checks, the
// Idempotency-Key and the database. It signs with internal/api/signing rather
// than the public SDK, which stays out of the binary.

func benchCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "mixed" {
		return benchMixedCommand(ctx, args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "api" {
		return errors.New("usage: partnercenter bench api --url URL --ak AK --sk SK --domain-id ID [--clients 32] [--duration 20s] [--op allocate]\n" +
			"       partnercenter bench mixed --targets URL,URL,... --ak AK --sk SK --domain-id ID --xaccount-type T [--clients 32] [--duration 20s]")
	}
	fs := flag.NewFlagSet("bench api", flag.ContinueOnError)
	b := apiBench{apiClient: &apiClient{}}
	fs.StringVar(&b.url, "url", "http://127.0.0.1:8080", "the server's base URL")
	b.key.register(fs)
	fs.IntVar(&b.clients, "clients", 32, "concurrent clients, each with one request in flight")
	fs.DurationVar(&b.duration, "duration", 20*time.Second, "how long to run")
	fs.StringVar(&b.op, "op", "allocate", "the operation: allocate (UpdateCustomerAccountAmount and ReclaimToPartnerAccount in turn) or create (CreateSubCustomer)")
	fs.StringVar(&b.xaccountType, "xaccount-type", "", "the partner's platform identifier, for --op create (XACCOUNT_TYPE of access-key create)")
	fs.StringVar(&b.amount, "amount", "0.01", "yuan per allocation and reclaim")
	fs.BoolVar(&b.idempotency, "idempotency-key", true, "send an Idempotency-Key with each mutation, as a careful platform does")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := b.key.check(); err != nil {
		return err
	}
	switch {
	case b.op == "create" && b.xaccountType == "":
		return errors.New("--op create needs --xaccount-type")
	case b.op != "allocate" && b.op != "create":
		return fmt.Errorf("--op %q: allocate or create", b.op)
	}
	if b.clients < 1 || b.duration <= 0 {
		return errors.New("--clients and --duration must be positive")
	}
	b.apiClient = newAPIClient(b.url, b.key, b.clients)
	var customers []string
	if b.op == "allocate" {
		var err error
		if customers, err = b.resaleCustomers(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "bench api: %s against %s, %d clients for %s, %d resale customers, Idempotency-Key %s\n",
		b.op, b.url, b.clients, b.duration, len(customers), map[bool]string{true: "on", false: "off"}[b.idempotency])
	res := b.run(ctx, customers)
	res.report(stdout)
	if res.ok == 0 {
		return errors.New("no request succeeded")
	}
	return nil
}

type apiBench struct {
	*apiClient
	clients      int
	duration     time.Duration
	op, amount   string
	xaccountType string
	idempotency  bool
}

// accessKey is what `partnercenter access-key create` prints and every
// signed request needs.
type accessKey struct {
	ak, sk, domainID string
}

func (k *accessKey) register(fs *flag.FlagSet) {
	fs.StringVar(&k.ak, "ak", "", "access key (AK), as `partnercenter access-key create` prints it")
	fs.StringVar(&k.sk, "sk", "", "secret key (SK)")
	fs.StringVar(&k.domainID, "domain-id", "", "the key's partner's domain id (X-Domain-Id)")
}

func (k *accessKey) check() error {
	if k.ak == "" || k.sk == "" || k.domainID == "" {
		return errors.New("--ak, --sk and --domain-id are required")
	}
	return nil
}

// apiClient sends signed requests to one server, as a partner platform
// does; conns is how many connections it keeps open.
type apiClient struct {
	url  string
	key  accessKey
	http *http.Client
}

func newAPIClient(url string, key accessKey, conns int) *apiClient {
	return &apiClient{url: strings.TrimRight(url, "/"), key: key, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute}}}
}

// answer is what the bench reads of an answer.
type answer struct {
	status   int
	body     []byte
	code     string // error_code, for errors
	replayed bool   // the stored answer to an earlier request under the same Idempotency-Key
}

// do sends one signed request.
func (b *apiClient) do(ctx context.Context, method, path string, body []byte, idemKey string) (answer, error) {
	r, err := http.NewRequestWithContext(ctx, method, b.url+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Domain-Id", b.key.domainID)
	if idemKey != "" {
		r.Header.Set("Idempotency-Key", idemKey)
	}
	if err := signing.Sign(r, body, b.key.ak, b.key.sk, time.Now()); err != nil {
		return answer{}, err
	}
	resp, err := b.http.Do(r)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, replayed: resp.Header.Get("Idempotency-Replayed") == "true"}
	if a.body, err = io.ReadAll(resp.Body); err != nil {
		return a, err
	}
	if a.status != http.StatusOK {
		var e struct {
			Code string `json:"error_code"`
		}
		_ = json.Unmarshal(a.body, &e)
		a.code = fmt.Sprintf("%d %s", a.status, e.Code)
	}
	return a, nil
}

// resaleCustomers finds the partner's resale customers (ListSubCustomers,
// association_type 2): the allocations spread over them.
func (b *apiClient) resaleCustomers(ctx context.Context) ([]string, error) {
	a, err := b.do(ctx, http.MethodPost, "/v2/partners/sub-customers/query", []byte(`{"association_type":"2","limit":100}`), "")
	if err != nil {
		return nil, fmt.Errorf("ListSubCustomers: %w", err)
	}
	if a.status != http.StatusOK {
		return nil, fmt.Errorf("ListSubCustomers: %s: %s", a.code, a.body)
	}
	var list struct {
		Customers []struct {
			ID     string `json:"customer_id"`
			Frozen int    `json:"is_frozen"`
		} `json:"customer_infos"`
	}
	if err := json.Unmarshal(a.body, &list); err != nil {
		return nil, fmt.Errorf("ListSubCustomers: %w", err)
	}
	var ids []string
	for _, c := range list.Customers {
		ids = append(ids, c.ID)
	}
	if len(ids) == 0 {
		return nil, errors.New("the partner has no resale customer to allocate to")
	}
	return ids, nil
}

// benchResult gathers every client's outcome.
type benchResult struct {
	elapsed   time.Duration
	ok        int
	latencies []time.Duration // of every request, successful or not
	errors    map[string]int  // by status and error_code, or transport error
}

// run drives the clients for the duration. Each client allocates to one
// customer and, once that succeeded, reclaims the same amount, and so on:
// no customer's balance ever falls below where it started, and the partner
// has at most one amount per client out at a time.
func (b *apiBench) run(ctx context.Context, customers []string) *benchResult {
	ctx, cancel := context.WithTimeout(ctx, b.duration)
	defer cancel()
	res := &benchResult{errors: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := range b.clients {
		wg.Go(func() {
			var body []byte
			if b.op == "allocate" {
				body = []byte(fmt.Sprintf(`{"customer_id":%q,"amount":%q}`, customers[i%len(customers)], b.amount))
			}
			paths := [2]string{"/v2/accounts/partner-accounts/adjust-amount", "/v2/accounts/partner-accounts/reclaim"}
			var lat []time.Duration
			errs := map[string]int{}
			ok, turn, seq := 0, 0, 0
			for ctx.Err() == nil {
				path := paths[turn]
				if b.op == "create" {
					// A new platform user each time; the account name is left
					// to the server, as many platforms do.
					seq++
					path = "/v2/partners/sub-customers"
					body = []byte(fmt.Sprintf(`{"xaccount_id":"bench-%d-%d-%d","xaccount_type":%q}`, start.UnixNano(), i, seq, b.xaccountType))
				}
				t0 := time.Now()
				a, err := b.do(ctx, http.MethodPost, path, body, b.idemKey())
				if ctx.Err() != nil {
					break // cut off by the end of the run: not a fault of the server
				}
				lat = append(lat, time.Since(t0))
				switch {
				case err != nil:
					errs["transport: "+err.Error()]++
				case a.status != http.StatusOK:
					errs[a.code]++
				default:
					ok++
				}
				// Reclaim only what was allocated; after a reclaim, allocate again.
				if turn == 1 || err == nil && a.status == http.StatusOK {
					turn = 1 - turn
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.ok += ok
			res.latencies = append(res.latencies, lat...)
			for k, n := range errs {
				res.errors[k] += n
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// idemKey is a fresh Idempotency-Key, or none.
func (b *apiBench) idemKey() string {
	if !b.idempotency {
		return ""
	}
	return newIdemKey("bench-")
}

// newIdemKey is a random Idempotency-Key with a prefix.
func newIdemKey(prefix string) string {
	k := make([]byte, 16)
	_, _ = rand.Read(k)
	return prefix + hex.EncodeToString(k)
}

func (r *benchResult) report(w io.Writer) {
	n := len(r.latencies)
	failed := n - r.ok
	fmt.Fprintf(w, "requests   %d in %s (ok %d, errors %d)\n", n, r.elapsed.Round(time.Millisecond), r.ok, failed)
	fmt.Fprintf(w, "rate       %.1f requests/s (%.1f ok/s)\n", float64(n)/r.elapsed.Seconds(), float64(r.ok)/r.elapsed.Seconds())
	if n > 0 {
		fmt.Fprintf(w, "latency    %s\n", quantiles(r.latencies))
	}
	reportErrors(w, r.errors)
}

// quantiles sorts latencies and names their p50, p95, p99 and maximum.
func quantiles(lat []time.Duration) string {
	n := len(lat)
	if n == 0 {
		return "no requests"
	}
	slices.Sort(lat)
	q := func(p float64) string {
		return fmt.Sprintf("%.1f ms", float64(lat[min(n-1, int(p*float64(n)))].Microseconds())/1000)
	}
	return fmt.Sprintf("p50 %s  p95 %s  p99 %s  max %s", q(0.50), q(0.95), q(0.99), q(1))
}

func reportErrors(w io.Writer, errs map[string]int) {
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		fmt.Fprintf(w, "error      %s × %d\n", k, errs[k])
	}
}
