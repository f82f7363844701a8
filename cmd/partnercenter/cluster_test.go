package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The partner center as it runs in production: separate `serve` processes
// of the built binary sharing one database and one master key, a partner
// platform's mixed workload sent to them in turn, and nodes killed with
// SIGKILL at random moments while it runs. The platform retries a failed
// request with the same Idempotency-Key until it is answered, as a careful
// one does; afterwards the ledger balances, every answered money movement
// and created customer is there exactly once, and every customer's balance
// is what the answers add up to.
//
// PARTNERCENTER_CRASH_TEST_DURATION (e.g. 5m) runs the crash phases longer
// than CI's short run.
const envCrashDuration = "PARTNERCENTER_CRASH_TEST_DURATION"

func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the cluster test builds the binary and runs processes for half a minute")
	}
	crash := 12 * time.Second
	if v := os.Getenv(envCrashDuration); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("%s: %v", envCrashDuration, err)
		}
		crash = d
	}
	bin := buildBinary(t)
	t.Run("postgres-3-nodes", func(t *testing.T) {
		if os.Getenv(storetest.EnvPostgres) == "" {
			t.Skipf("%s is not set: several nodes need PostgreSQL (CI sets it)", storetest.EnvPostgres)
		}
		cl := newCluster(t, bin, storetest.PostgresDSN(t), 3)
		cl.checkConsoleAcrossNodes()
		cl.waitForPeriodicJob()
		// 16 clients keep each node's pool to a handful of connections: the
		// server's max_connections is shared with the other packages' tests.
		m := newModel()
		cl.drive(m, 16, 5*time.Second, nil)
		if m.failures > 0 {
			t.Errorf("without crashes %d of %d attempts failed: %v", m.failures, m.attempts, m.failed)
		}
		cl.checkPeriodicJobRanOnce()
		t.Logf("3 nodes, no crash: %d requests answered", m.answered)
		cl.drive(m, 16, crash, cl.killer(rand.N(1200*time.Millisecond)+800*time.Millisecond))
		cl.verify(m, true)
	})
	t.Run("sqlite-1-node", func(t *testing.T) {
		cl := newCluster(t, bin, storetest.SQLiteDSN(t), 1)
		m := newModel()
		cl.drive(m, 8, crash*3/5, cl.killer(rand.N(1500*time.Millisecond)+1000*time.Millisecond))
		cl.verify(m, true)
	})
}

// buildBinary builds cmd/partnercenter as an operator would run it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "partnercenter")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type cluster struct {
	t       *testing.T
	bin     string
	dsn     string
	env     []string
	nodes   []*node
	clients []*apiClient
	setup   mixedSetup
	scope   string // the access key's Idempotency-Key scope in ledger client ids
	workers int    // started so far, so that every worker's keys are its own
}

type node struct {
	addr   string
	mu     sync.Mutex
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{} // closed when the process has exited, with err set
	err    error
}

// newCluster loads the demo data set, creates an access key of the
// distributor, starts n nodes and creates the resale customers the money
// movements go to: new ones, which no background job (metering) touches,
// so that their balances are exactly what the test moved.
func newCluster(t *testing.T, bin, dsn string, n int) *cluster {
	t.Helper()
	masterKey := make([]byte, 32)
	_, _ = randRead(masterKey)
	dir := t.TempDir()
	cl := &cluster{t: t, bin: bin, dsn: dsn, env: append(os.Environ(),
		"PARTNERCENTER_MASTER_KEY="+base64.StdEncoding.EncodeToString(masterKey),
		"PARTNERCENTER_API_RATE_LIMIT=0",
		"PARTNERCENTER_UPLOAD_DIR="+filepath.Join(dir, "uploads"),
	)}
	// The nodes start together on the empty database: each applies the
	// migrations at start, and they must not trip over each other doing so.
	for range n {
		nd := &node{addr: freeAddr(t)}
		cl.nodes = append(cl.nodes, nd)
		cl.start(nd)
	}
	t.Cleanup(cl.stop)
	for _, nd := range cl.nodes {
		cl.waitReady(nd)
	}
	// Uploads in a local directory are worth a warning on PostgreSQL, where
	// other nodes may serve the same database; the shared master key is not.
	for _, nd := range cl.nodes {
		out := nd.out.String()
		warned := strings.Contains(out, "uploads are kept in a local directory")
		if postgres := strings.HasPrefix(dsn, "postgres"); warned != postgres {
			t.Errorf("node on %s warned of local uploads: %v\n%s", dsn, warned, out)
		}
		if strings.Contains(out, "new master key") {
			t.Errorf("node given PARTNERCENTER_MASTER_KEY warned of a new key file:\n%s", out)
		}
	}
	cl.run("demo", "--db", dsn)
	vals := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z_]+)=(\S+)$`).FindAllStringSubmatch(cl.run("access-key", "create", "--partner", "distributor", "--db", dsn), -1) {
		vals[m[1]] = m[2]
	}
	key := accessKey{ak: vals["AK"], sk: vals["SK"], domainID: vals["DOMAIN_ID"]}
	for _, nd := range cl.nodes {
		cl.clients = append(cl.clients, newAPIClient("http://"+nd.addr, key, 64))
	}
	cl.setup = mixedSetup{fen: 37, xaccountType: vals["XACCOUNT_TYPE"], prefix: newIdemKey("ct")[:12]}
	for i := range 6 {
		r := mixedRequest{method: http.MethodPost, path: "/v2/partners/sub-customers",
			body: fmt.Appendf(nil, `{"xaccount_id":"%s-cust-%d","xaccount_type":%q}`, cl.setup.prefix, i, cl.setup.xaccountType)}
		a, err := r.send(context.Background(), cl.clients[i%n])
		if err != nil || a.status != http.StatusOK {
			t.Fatalf("CreateSubCustomer: %v %s %s", err, a.code, a.body)
		}
		var created struct {
			ID string `json:"domain_id"`
		}
		if err := json.Unmarshal(a.body, &created); err != nil || created.ID == "" {
			t.Fatalf("CreateSubCustomer answered %s", a.body)
		}
		cl.setup.customers = append(cl.setup.customers, created.ID)
	}
	db := cl.open()
	defer db.Close()
	// An access key's Idempotency-Keys are scoped by its partner and id.
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT partner_id || '/' || id FROM access_keys WHERE id = ?`,
		key.ak).Scan(&cl.scope); err != nil {
		t.Fatalf("the access key's scope: %v", err)
	}
	return cl
}

// run runs a one-off command of the binary and returns its output.
func (cl *cluster) run(args ...string) string {
	cl.t.Helper()
	cmd := exec.Command(cl.bin, args...)
	cmd.Env = cl.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		cl.t.Fatalf("partnercenter %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (cl *cluster) start(nd *node) {
	cl.t.Helper()
	cmd := exec.Command(cl.bin, "serve", "--addr", nd.addr, "--db", cl.dsn)
	cmd.Env = cl.env
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cl.t.Fatalf("start node %s: %v", nd.addr, err)
	}
	exited := make(chan struct{})
	nd.mu.Lock()
	nd.cmd, nd.out, nd.exited = cmd, out, exited
	nd.mu.Unlock()
	go func() {
		err := cmd.Wait()
		nd.mu.Lock()
		nd.err = err
		nd.mu.Unlock()
		close(exited)
	}()
}

// waitReady waits for a node's /readyz.
func (cl *cluster) waitReady(nd *node) {
	cl.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + nd.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		nd.mu.Lock()
		exited, out := nd.exited, nd.out
		nd.mu.Unlock()
		select {
		case <-exited:
			cl.t.Fatalf("node %s exited: %v\n%s", nd.addr, nd.exitErr(), out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cl.t.Fatalf("node %s not ready within a minute", nd.addr)
}

// stop ends every node with SIGTERM, as an orchestrator does, and expects
// each to finish its requests and exit cleanly.
func (cl *cluster) stop() {
	for _, nd := range cl.nodes {
		nd.mu.Lock()
		cmd, exited, out := nd.cmd, nd.exited, nd.out
		nd.mu.Unlock()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			if err := nd.exitErr(); err != nil {
				cl.t.Errorf("node %s after SIGTERM: %v\n%s", nd.addr, err, out.String())
			}
		case <-time.After(40 * time.Second):
			_ = cmd.Process.Kill()
			cl.t.Errorf("node %s did not stop within 40s of SIGTERM", nd.addr)
		}
	}
}

func (nd *node) exitErr() error {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.err
}

func (cl *cluster) open() *store.DB {
	cl.t.Helper()
	db, err := store.Open(context.Background(), cl.dsn)
	if err != nil {
		cl.t.Fatal(err)
	}
	return db
}

// killer kills a random node with SIGKILL every so often while the workload
// runs and starts it again on the same port at once, as a supervisor
// would; the next kill waits until the node is ready again.
func (cl *cluster) killer(every time.Duration) func(ctx context.Context) int {
	return func(ctx context.Context) int {
		kills := 0
		for {
			select {
			case <-ctx.Done():
				return kills
			case <-time.After(every/2 + rand.N(every)):
			}
			nd := cl.nodes[rand.N(len(cl.nodes))]
			nd.mu.Lock()
			cmd, exited := nd.cmd, nd.exited
			nd.mu.Unlock()
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				cl.t.Errorf("kill %s: %v", nd.addr, err)
				return kills
			}
			<-exited
			kills++
			cl.start(nd)
			cl.waitReady(nd)
		}
	}
}

// model is what the platform knows from the answers it got.
type model struct {
	mu       sync.Mutex
	balance  map[string]int64        // customer → sum of answered 拨款 less 回收
	moves    map[string]mixedRequest // Idempotency-Key → answered money movement
	created  map[string]bool         // platform user ids of answered CreateSubCustomer
	retried  map[string]bool         // keys of mutations sent more than once
	replayed int                     // mutations answered from the answer an earlier, unanswered attempt stored
	answered int
	attempts int
	failures int
	failed   map[string]int // failed attempts by cause
}

func newModel() *model {
	return &model{balance: map[string]int64{}, moves: map[string]mixedRequest{}, created: map[string]bool{},
		retried: map[string]bool{}, failed: map[string]int{}}
}

// drive runs workers for the duration, each sending its requests to the
// nodes in turn; a failed attempt (no answer, or a server fault) goes to
// the next node with the same Idempotency-Key until it is answered. chaos,
// if given, runs meanwhile and says how many nodes it killed. A request
// under way when the time is up is still carried to its answer.
func (cl *cluster) drive(m *model, workers int, d time.Duration, chaos func(context.Context) int) {
	cl.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	kills := make(chan int, 1)
	if chaos != nil {
		go func() { kills <- chaos(ctx) }()
	}
	first := cl.workers
	cl.workers += workers
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			w := &mixedWorker{id: first + i, setup: cl.setup}
			for k := i; ctx.Err() == nil; {
				r := w.next()
				a, ok := cl.untilAnswered(m, r, &k)
				if !ok {
					return
				}
				if a.status != http.StatusOK {
					cl.t.Errorf("%s %s answered %s: %s", r.op, r.body, a.code, a.body)
				}
				w.answered(r, a.status == http.StatusOK)
				m.record(r, a)
			}
		})
	}
	wg.Wait()
	if chaos != nil {
		n := <-kills
		cl.t.Logf("%d node(s): %d kill -9 in %s; %d requests answered, %d attempts failed %v, %d mutations retried, %d answered by replay",
			len(cl.nodes), n, d, m.answered, m.failures, m.failed, len(m.retried), m.replayed)
		if n == 0 {
			cl.t.Error("no node was killed: the run was too short to test crashes")
		}
	}
}

// untilAnswered sends r to one node after another until one answers
// without a server fault, for at most a minute.
func (cl *cluster) untilAnswered(m *model, r mixedRequest, k *int) (answer, bool) {
	deadline := time.Now().Add(time.Minute)
	for try := 0; ; try++ {
		nd := cl.clients[*k%len(cl.clients)]
		*k++
		a, err := r.send(context.Background(), nd)
		if err == nil && a.status < http.StatusInternalServerError {
			return a, true
		}
		cause := "transport"
		if err == nil {
			cause = a.code
		}
		m.mu.Lock()
		m.attempts++
		m.failures++
		m.failed[cause]++
		if r.idemKey != "" {
			m.retried[r.idemKey] = true
		}
		m.mu.Unlock()
		if time.Now().After(deadline) {
			cl.t.Errorf("%s %s: no answer within a minute: %v %s", r.op, r.body, err, a.code)
			return a, false
		}
		time.Sleep(time.Duration(min(try+1, 10)) * 20 * time.Millisecond)
	}
}

func (m *model) record(r mixedRequest, a answer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.attempts++
	m.answered++
	if a.replayed {
		m.replayed++
	}
	if a.status != http.StatusOK {
		return
	}
	switch r.class {
	case classMoney:
		m.balance[r.customer] += r.fen
		m.moves[r.idemKey] = r
	case classWrite:
		m.created[r.xaccountID] = true
	}
}

// verify checks the database and the API against the model once the nodes
// are stopped... or running: what is answered is committed either way.
func (cl *cluster) verify(m *model, crashed bool) {
	t := cl.t
	t.Helper()
	if len(m.moves) == 0 || len(m.created) == 0 {
		t.Fatalf("the workload answered %d money movements and %d new customers: too few to check", len(m.moves), len(m.created))
	}
	if crashed && len(m.retried) == 0 {
		t.Error("no mutation was retried: the kills never caught a request")
	}
	if out := cl.run("ledger", "check", "--db", cl.dsn); !strings.Contains(out, "every invariant holds") {
		t.Errorf("ledger check: %s", out)
	}
	db := cl.open()
	defer db.Close()

	// Every answered money movement is one 调账记录, under the client id its
	// Idempotency-Key makes, with its amount, and there is no other.
	prefix := "api:" + cl.scope + ":" + cl.setup.prefix + "-"
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT client_id, operation_type, customer_id, amount FROM fund_adjustments WHERE client_id LIKE ?`, prefix+"%")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for rows.Next() {
		var client, op, customer string
		var fen int64
		if err := rows.Scan(&client, &op, &customer, &fen); err != nil {
			t.Fatal(err)
		}
		key := strings.TrimPrefix(client, "api:"+cl.scope+":")
		seen[key]++
		r, ok := m.moves[key]
		switch {
		case !ok:
			t.Errorf("调账记录 %s %s of %d fen to %s: no answered request made it", key, op, fen, customer)
		case r.customer != customer || abs(r.fen) != fen || (r.fen > 0) != (op == "SOURCE_OPERATION_BEADJUST"):
			t.Errorf("调账记录 %s: %s of %d fen to %s, the request was %s of %d fen to %s", key, op, fen, customer, r.op, r.fen, r.customer)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	once, retriedOnce := 0, 0
	for key, r := range m.moves {
		switch {
		case seen[key] != 1:
			t.Errorf("answered %s %s has %d 调账记录, want exactly 1", r.op, key, seen[key])
		case m.retried[key]:
			retriedOnce++
			fallthrough
		default:
			once++
		}
	}
	t.Logf("%d of %d answered money movements exactly once, %d of them retried after a failed attempt", once, len(m.moves), retriedOnce)

	// Every answered CreateSubCustomer made one customer.
	rows, err = db.Reader().QueryContext(context.Background(), `SELECT xaccount_id FROM customers WHERE xaccount_type = ? AND xaccount_id LIKE ?`,
		cl.setup.xaccountType, cl.setup.prefix+"-%")
	if err != nil {
		t.Fatal(err)
	}
	made := map[string]bool{}
	for rows.Next() {
		var x string
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		made[x] = true
	}
	rows.Close()
	for x := range m.created {
		if !made[x] {
			t.Errorf("answered CreateSubCustomer %s made no customer", x)
		}
	}
	for x := range made {
		if !m.created[x] && !strings.Contains(x, "-cust-") {
			t.Errorf("customer %s exists but its CreateSubCustomer was never answered", x)
		}
	}

	// Each customer's balance, as the API reads it, is what the answers add up to.
	var ids []string
	for _, c := range cl.setup.customers {
		ids = append(ids, fmt.Sprintf(`{"customer_id":%q}`, c))
	}
	r := mixedRequest{method: http.MethodPost, path: "/v2/accounts/customer-accounts/balances/batch-query",
		body: fmt.Appendf(nil, `{"customer_infos":[%s]}`, strings.Join(ids, ","))}
	k := 0
	a, ok := cl.untilAnswered(newModel(), r, &k)
	if !ok || a.status != http.StatusOK {
		t.Fatalf("ListCustomersBalancesDetail: %s %s", a.code, a.body)
	}
	var got struct {
		Balances []struct {
			ID     string      `json:"customer_id"`
			Amount json.Number `json:"amount"`
		} `json:"customer_balances"`
	}
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Balances) != len(cl.setup.customers) {
		t.Fatalf("balances of %d customers, want %d: %s", len(got.Balances), len(cl.setup.customers), a.body)
	}
	for _, b := range got.Balances {
		fen, err := money.Parse(b.Amount.String())
		if err != nil {
			t.Fatal(err)
		}
		if fen != m.balance[b.ID] {
			t.Errorf("customer %s: balance %s, the answered movements add up to %s", b.ID, money.Plain(fen), money.Plain(m.balance[b.ID]))
		}
	}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// checkConsoleAcrossNodes signs in on the first node, reads a page through
// the second with the same cookie, signs out through the third and finds the
// session gone on the second: sessions live in the database, not in a node.
func (cl *cluster) checkConsoleAcrossNodes() {
	t := cl.t
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	node := func(i int) string { return "http://" + cl.nodes[i%len(cl.nodes)].addr }
	resp, err := hc.PostForm(node(0)+"/console/signin", url.Values{"username": {"distributor"}, "password": {"Demo@2026"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in on node 1: status %d", resp.StatusCode)
	}
	cookies := resp.Cookies()
	home := resp.Header.Get("Location")
	get := func(i int) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, node(i)+home, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := get(1); status != http.StatusOK || !strings.Contains(body, "/console/signout") {
		t.Fatalf("%s on node 2 with node 1's session: status %d, signed in: %v", home, status, strings.Contains(body, "/console/signout"))
	}
	req, _ := http.NewRequest(http.MethodPost, node(2)+"/console/signout", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	if resp, err = hc.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if status, _ := get(1); status != http.StatusSeeOther {
		t.Errorf("%s on node 2 after signing out on node 3: status %d, want a redirect to sign in", home, status)
	}
}

// Every node schedules the periodic jobs, and River's elected leader alone
// enqueues them, so 3 nodes started together enqueue and run the 10-minute
// session cleanup once: waitForPeriodicJob waits for it to be enqueued,
// checkPeriodicJobRanOnce, some seconds of work later, that it was enqueued
// and completed once.
func (cl *cluster) waitForPeriodicJob() {
	cl.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for cl.sessionCleanups("") == 0 {
		if time.Now().After(deadline) {
			cl.t.Fatal("no node enqueued the periodic session cleanup within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (cl *cluster) checkPeriodicJobRanOnce() {
	cl.t.Helper()
	if n := cl.sessionCleanups(""); n != 1 {
		cl.t.Errorf("3 nodes enqueued the periodic session cleanup %d times, want once", n)
	}
	deadline := time.Now().Add(30 * time.Second)
	for cl.sessionCleanups("completed") == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := cl.sessionCleanups("completed"); n != 1 {
		cl.t.Errorf("the periodic session cleanup completed %d times, want once", n)
	}
}

// sessionCleanups counts the session cleanup jobs, in a state or in any.
func (cl *cluster) sessionCleanups(state string) (n int) {
	cl.t.Helper()
	db := cl.open()
	defer db.Close()
	q, args := `SELECT COUNT(*) FROM river_job WHERE kind = 'session_cleanup'`, []any{}
	if state != "" {
		q, args = q+` AND state = ?`, append(args, state)
	}
	if err := db.Reader().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		cl.t.Fatal(err)
	}
	return n
}
