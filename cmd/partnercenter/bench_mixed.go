package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"partnercenter/internal/platform/money"
)

// bench mixed: the partner API under the mix a partner platform makes, sent
// round-robin to several nodes of one partner center: reads 80 % (customer
// list, customer balances, the partner's balances, 调账记录), money
// movements 15 % (拨款 and 回收 of resale customers, each with its own
// Idempotency-Key), other writes 5 % (CreateSubCustomer). The multi-node
// and crash tests drive the same mix (mixedWorker), adding retries and a
// model of the balances.

func benchMixedCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench mixed", flag.ContinueOnError)
	var key accessKey
	key.register(fs)
	targets := fs.String("targets", "http://127.0.0.1:8080", "the nodes' base URLs, comma-separated; requests go to them in turn")
	clients := fs.Int("clients", 32, "concurrent clients, each with one request in flight")
	duration := fs.Duration("duration", 20*time.Second, "how long to run")
	xaccountType := fs.String("xaccount-type", "", "the partner's platform identifier, for CreateSubCustomer (XACCOUNT_TYPE of access-key create)")
	amount := fs.String("amount", "0.01", "yuan per allocation and reclaim")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := key.check(); err != nil {
		return err
	}
	if *xaccountType == "" {
		return errors.New("--xaccount-type is required (the writes create customers)")
	}
	if *clients < 1 || *duration <= 0 {
		return errors.New("--clients and --duration must be positive")
	}
	fen, err := money.ParsePositive(*amount)
	if err != nil {
		return fmt.Errorf("--amount: %w", err)
	}
	var nodes []*apiClient
	for t := range strings.SplitSeq(*targets, ",") {
		if t = strings.TrimSpace(t); t != "" {
			nodes = append(nodes, newAPIClient(t, key, *clients))
		}
	}
	if len(nodes) == 0 {
		return errors.New("--targets names no node")
	}
	customers, err := nodes[0].resaleCustomers(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bench mixed: %d node(s), %d clients for %s, %d resale customers, reads %d %% / money %d %% / other writes %d %%\n",
		len(nodes), *clients, *duration, len(customers), 100*mixCount(classRead)/len(mixSchedule),
		100*mixCount(classMoney)/len(mixSchedule), 100*mixCount(classWrite)/len(mixSchedule))
	mix := mixedSetup{customers: customers, fen: fen, xaccountType: *xaccountType, prefix: newIdemKey("mixed-")[:16]}
	res := runMixed(ctx, nodes, *clients, *duration, mix)
	res.report(stdout)
	if res.ok() == 0 {
		return errors.New("no request succeeded")
	}
	return nil
}

// mixedClass is the kind of a request in the mix.
type mixedClass int

const (
	classRead mixedClass = iota
	classMoney
	classWrite
)

var classNames = [...]string{classRead: "read", classMoney: "money", classWrite: "write"}

// mixSchedule is one client's cycle of 20 requests: 16 reads, 3 money
// movements, 1 other write, spread out so that every window of the run has
// the mix, not only the whole.
var mixSchedule = [20]mixedClass{
	classRead, classRead, classRead, classRead, classRead, classMoney, classRead,
	classRead, classRead, classRead, classRead, classMoney, classRead, classRead,
	classRead, classRead, classRead, classMoney, classRead, classWrite,
}

func mixCount(c mixedClass) int {
	n := 0
	for _, x := range mixSchedule {
		if x == c {
			n++
		}
	}
	return n
}

// mixedSetup is what every client of a run shares.
type mixedSetup struct {
	customers    []string // resale customers that money moves to and from
	fen          int64    // per allocation and reclaim
	xaccountType string   // for CreateSubCustomer
	prefix       string   // of this run's Idempotency-Keys and platform user ids
}

// mixedRequest is one request of the mix.
type mixedRequest struct {
	class        mixedClass
	op           string // operation id, for reports
	method, path string
	body         []byte
	idemKey      string
	// A money movement's customer and signed amount: positive for 拨款,
	// negative for 回收.
	customer string
	fen      int64
	// A created customer's platform user id.
	xaccountID string
}

// mixedWorker makes one client's sequence of requests. Its money movements
// alternate between allocating to its customer and, once that succeeded,
// reclaiming the same amount, so no customer's balance falls below where it
// started and the partner has at most one amount per client out at a time.
type mixedWorker struct {
	id          int
	setup       mixedSetup
	n           int
	reclaimNext bool
}

var readOps = []struct{ op, method, path string }{
	{"ListSubCustomers", http.MethodPost, "/v2/partners/sub-customers/query"},
	{"ListCustomersBalancesDetail", http.MethodPost, "/v2/accounts/customer-accounts/balances/batch-query"},
	{"ListPartnerBalances", http.MethodGet, "/v2/accounts/partner-accounts/balances"},
	{"ListPartnerAdjustRecords", http.MethodGet, "/v3/accounts/partner-accounts/adjust-records"},
}

func (w *mixedWorker) next() mixedRequest {
	n := w.n
	w.n++
	customer := w.setup.customers[w.id%len(w.setup.customers)]
	switch mixSchedule[n%len(mixSchedule)] {
	case classMoney:
		r := mixedRequest{class: classMoney, method: http.MethodPost, customer: customer, idemKey: fmt.Sprintf("%s-%d-%d", w.setup.prefix, w.id, n),
			body: fmt.Appendf(nil, `{"customer_id":%q,"amount":%q}`, customer, money.Plain(w.setup.fen))}
		if w.reclaimNext {
			r.op, r.path, r.fen = "ReclaimToPartnerAccount", "/v2/accounts/partner-accounts/reclaim", -w.setup.fen
		} else {
			r.op, r.path, r.fen = "UpdateCustomerAccountAmount", "/v2/accounts/partner-accounts/adjust-amount", w.setup.fen
		}
		return r
	case classWrite:
		// A new platform user each time; the account name is left to the
		// server, as many platforms do.
		x := fmt.Sprintf("%s-%d-%d", w.setup.prefix, w.id, n)
		return mixedRequest{class: classWrite, op: "CreateSubCustomer", method: http.MethodPost, path: "/v2/partners/sub-customers",
			idemKey: "c" + x, xaccountID: x, body: fmt.Appendf(nil, `{"xaccount_id":%q,"xaccount_type":%q}`, x, w.setup.xaccountType)}
	}
	rd := readOps[(n/len(mixSchedule)+n)%len(readOps)]
	r := mixedRequest{class: classRead, op: rd.op, method: rd.method, path: rd.path}
	switch rd.op {
	case "ListSubCustomers":
		r.body = fmt.Appendf(nil, `{"offset":%d,"limit":10}`, n%3*10)
	case "ListCustomersBalancesDetail":
		var ids []string
		for i := range min(3, len(w.setup.customers)) {
			ids = append(ids, fmt.Sprintf(`{"customer_id":%q}`, w.setup.customers[(w.id+i)%len(w.setup.customers)]))
		}
		r.body = fmt.Appendf(nil, `{"customer_infos":[%s]}`, strings.Join(ids, ","))
	case "ListPartnerAdjustRecords":
		r.path += "?" + url.Values{"customer_id": {customer}, "limit": {"10"}}.Encode()
	}
	return r
}

// answered tells the worker how a money movement ended: after an allocation
// that succeeded comes a reclaim, after a reclaim an allocation.
func (w *mixedWorker) answered(r mixedRequest, ok bool) {
	if r.class == classMoney && (w.reclaimNext || ok) {
		w.reclaimNext = !w.reclaimNext
	}
}

// send sends a request to a node.
func (r mixedRequest) send(ctx context.Context, node *apiClient) (answer, error) {
	return node.do(ctx, r.method, r.path, r.body, r.idemKey)
}

// mixedResult gathers a run's outcomes by class.
type mixedResult struct {
	elapsed   time.Duration
	oks       [len(classNames)]int
	latencies [len(classNames)][]time.Duration
	errors    map[string]int
}

func (r *mixedResult) ok() int {
	n := 0
	for _, k := range r.oks {
		n += k
	}
	return n
}

// runMixed drives clients for the duration, each sending its requests to
// the nodes in turn, once each: a benchmark counts a failure rather than
// retrying it.
func runMixed(ctx context.Context, nodes []*apiClient, clients int, duration time.Duration, setup mixedSetup) *mixedResult {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	res := &mixedResult{errors: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := range clients {
		wg.Go(func() {
			w := &mixedWorker{id: i, setup: setup}
			var oks [len(classNames)]int
			var lat [len(classNames)][]time.Duration
			errs := map[string]int{}
			for k := 0; ctx.Err() == nil; k++ {
				r := w.next()
				t0 := time.Now()
				a, err := r.send(ctx, nodes[(i+k)%len(nodes)])
				if ctx.Err() != nil {
					break // cut off by the end of the run: not a fault of the server
				}
				lat[r.class] = append(lat[r.class], time.Since(t0))
				ok := err == nil && a.status == http.StatusOK
				switch {
				case err != nil:
					errs[r.op+": transport: "+err.Error()]++
				case !ok:
					errs[r.op+": "+a.code]++
				default:
					oks[r.class]++
				}
				w.answered(r, ok)
			}
			mu.Lock()
			defer mu.Unlock()
			for c := range classNames {
				res.oks[c] += oks[c]
				res.latencies[c] = append(res.latencies[c], lat[c]...)
			}
			for k, n := range errs {
				res.errors[k] += n
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

func (r *mixedResult) report(w io.Writer) {
	var all []time.Duration
	for c := range classNames {
		all = append(all, r.latencies[c]...)
	}
	n, ok := len(all), r.ok()
	secs := r.elapsed.Seconds()
	fmt.Fprintf(w, "requests   %d in %s (ok %d, errors %d)\n", n, r.elapsed.Round(time.Millisecond), ok, n-ok)
	fmt.Fprintf(w, "rate       %.1f requests/s (%.1f ok/s)\n", float64(n)/secs, float64(ok)/secs)
	fmt.Fprintf(w, "all        %s\n", quantiles(all))
	for c, name := range classNames {
		fmt.Fprintf(w, "%-10s %d (%.1f/s)  %s\n", name, len(r.latencies[c]), float64(len(r.latencies[c]))/secs, quantiles(r.latencies[c]))
	}
	reportErrors(w, r.errors)
}
