package demo

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"partnercenter/internal/partner"
	"partnercenter/internal/store"
)

// The scaled demo is planned in memory first: partners, customers and every
// money movement in time order with the balances it leaves, so that the
// rows can then be streamed into the database in a few bulk statements
// (COPY on PostgreSQL) with the ledger already consistent: each account's
// totals are the sum of its entries, its entries are numbered 1, 2, ... in
// the order they were applied, and no account goes below zero.

// Movement kinds of the plan.
const (
	mvGrant         uint8 = iota // RECHARGE: the provider's bank to a partner's 充值账户
	mvAllocCustomer              // BEADJUST: a partner to a resale customer (拨款)
	mvConsume                    // DEDEUCT: a customer pays the cloud
	mvReclaimCust                // BERETRIEVE: a customer back to its partner (回收)
	mvAllocReseller              // BEADJUST: a total distributor to an indirect reseller
	mvReclaimRes                 // BERETRIEVE: an indirect reseller back to its distributor
)

var mvCodes = [...]string{"RECHARGE", "BEADJUST", "DEDEUCT", "BERETRIEVE", "BEADJUST", "BERETRIEVE"}

// codeIndex numbers the trade types for the daily sums.
var codeIndex = map[string]int{"RECHARGE": 0, "BEADJUST": 1, "DEDEUCT": 2, "BERETRIEVE": 3}
var dailyCodes = [...]string{"RECHARGE", "BEADJUST", "DEDEUCT", "BERETRIEVE"}

type genPartner struct {
	id, name, domainID, xaccountType, userID, display string
	typ                                               partner.Type
	stage                                             partner.Stage
	parent                                            int // index of the distributor, -1 for none
	created                                           int64
	creditLine                                        int64
	coselling                                         bool
	custFrom, custTo                                  int // customers [custFrom, custTo)
	recharge, credit                                  int32
	need                                              int64 // what it allocates in all
}

type genCustomer struct {
	partner int32
	resale  bool
	account int32 // -1 until its first movement
	created int64
}

type genAccount struct {
	id, kind, ownerType, ownerID, partnerID string
	unbounded                               bool
	creditLimit                             int64
	existing                                bool // opened before the generation (the bank, revenue shards)
	startDebits, startCredits               int64
	startCount                              int64
	debits, credits                         int64
	count                                   int64
}

func (a *genAccount) balance() int64 { return a.credits - a.debits }

type event struct {
	at     int64 // micros
	amount int64 // decided at planning for grants and allocations, 0 otherwise
	subj   int32 // customer or partner index
	kind   uint8
}

// movement is one applied transfer with the balances it left.
type movement struct {
	at            int64
	amount        int64
	debitAfter    int64
	creditAfter   int64
	debit, credit int32
	debitSeq      int64
	creditSeq     int64
	subj          int32
	kind          uint8
}

type plan struct {
	s         Scale
	now       int64 // micros
	start     int64
	partners  []genPartner
	customers []genCustomer
	accounts  []genAccount
	moves     []movement
	opps      int
	bank      int32
	shards    [revenueShardCount]int32
	pdmUserID string
	psmIDs    []string
	officeIDs []string
}

const revenueShardCount = 64 // funds.revenueShards

// splitmix64 scrambles a counter into well-spread bits; the identifiers
// and per-row choices derive from it so that rows can be produced again in
// any order without storing them.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// uuidAt makes a UUIDv7-shaped id whose time part is ms and whose order
// follows n for the same ms: ids made in the order rows are written keep
// the primary-key index appending rather than splitting pages at random.
func uuidAt(ms int64, n, salt uint64, dashes bool) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(ms)<<16|0x7000|n&0xfff)
	binary.BigEndian.PutUint64(b[8:], splitmix64(n^salt)&0x3fffffffffffffff|0x8000000000000000)
	if !dashes {
		return hex.EncodeToString(b[:])
	}
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// seqID is the n-th id of a table whose rows are written in order n.
func (p *plan) seqID(table uint64, n int, dashes bool) string {
	base := p.start / 1000
	return uuidAt(base+int64(n>>12), uint64(n), p.s.Seed*0x100000001b3^table, dashes)
}

// shardOf is ledger.Shard's choice of revenue account for a customer.
func shardOf(customerID string) int {
	h := fnv.New32a()
	h.Write([]byte(customerID))
	return int(h.Sum32() % revenueShardCount)
}

func (p *plan) customerID(i int) string { return p.seqID(2, i, false) }

func customerDomain(i int) string { return fmt.Sprintf("gc%07d", i+1) }

const day = int64(24 * time.Hour / time.Microsecond)

// newPlan decides partners, customers, movements and balances.
func newPlan(s Scale, now time.Time, existing map[string]genAccount) (*plan, error) {
	p := &plan{s: s, now: store.Micros(now), opps: s.Opportunities}
	p.start = p.now - 180*day
	rng := rand.New(rand.NewPCG(s.Seed, s.Seed^0x5eed))

	// Partners: 5% total distributors, 40% their indirect resellers, 20%
	// solution providers, the rest resellers.
	nDist := max(1, s.Partners*5/100)
	nInd := s.Partners * 40 / 100
	nSol := s.Partners * 20 / 100
	stages := []partner.Stage{partner.Registered, partner.Certified, partner.Differentiated}
	for i := range s.Partners {
		gp := genPartner{parent: -1, name: fmt.Sprintf("gen-%05d", i+1)}
		switch {
		case i < nDist:
			gp.typ = partner.TotalDistributor
		case i < nDist+nInd:
			gp.typ, gp.parent = partner.Reseller, (i-nDist)%nDist
		case i < nDist+nInd+nSol:
			gp.typ = partner.SolutionProvider
		default:
			gp.typ = partner.Reseller
		}
		gp.id = p.seqID(1, i, false)
		gp.domainID = uuidAt(p.start/1000+int64(i), uint64(i), s.Seed^0xd0, false)
		gp.userID = p.seqID(11, i, true)
		gp.xaccountType = fmt.Sprintf("pc_gen_%05d", i+1)
		gp.display = fmt.Sprintf("%s%05d", companyWords[i%len(companyWords)], i+1)
		gp.stage = stages[rng.IntN(len(stages))]
		gp.created = p.start - int64(rng.IntN(60))*day
		gp.coselling = rng.IntN(3) == 0
		if gp.typ != partner.SolutionProvider {
			gp.creditLine = int64(10+rng.IntN(90)) * 10_000_00
		}
		p.partners = append(p.partners, gp)
	}
	for i := range p.partners {
		if d := p.partners[i].parent; d >= 0 && p.partners[i].created < p.partners[d].created {
			p.partners[i].created = p.partners[d].created + day
		}
	}

	// Customers: skewed, a few partners with very many, most with few.
	// Partners are ranked in a random order; the k-th has weight 1/(k+1),
	// solution providers a third of that.
	rank := rng.Perm(s.Partners)
	weights := make([]float64, s.Partners)
	for i, r := range rank {
		weights[i] = 1 / float64(r+1)
		if p.partners[i].typ == partner.SolutionProvider {
			weights[i] /= 3
		}
	}
	perPartner := apportion(s.Customers, weights)
	at := 0
	resale := 0
	for i := range p.partners {
		gp := &p.partners[i]
		gp.custFrom, gp.custTo = at, at+perPartner[i]
		for range perPartner[i] {
			c := genCustomer{partner: int32(i), account: -1,
				resale:  gp.typ != partner.SolutionProvider && rng.IntN(4) != 0,
				created: gp.created + day + rng.Int64N(max(1, p.now-3*day-gp.created-day))}
			if c.resale {
				resale++
			}
			p.customers = append(p.customers, c)
		}
		at += perPartner[i]
	}
	p.opps = s.Opportunities
	if s.Entries/2 == 0 {
		return p, nil
	}

	// Accounts: every partner's 充值账户 and 信用账户, the bank and the
	// revenue shards (the demo's when they exist); customers' accounts open
	// on their first movement.
	open := func(a genAccount) int32 {
		if e, ok := existing[a.ownerType+"|"+a.ownerID+"|"+a.kind]; ok {
			a.id, a.existing = e.id, true
			a.startDebits, a.startCredits, a.startCount = e.debits, e.credits, e.count
			a.debits, a.credits, a.count = e.debits, e.credits, e.count
		} else {
			a.id = p.seqID(3, len(p.accounts), true)
		}
		p.accounts = append(p.accounts, a)
		return int32(len(p.accounts) - 1)
	}
	p.bank = open(genAccount{kind: "bank", ownerType: "provider", ownerID: "provider", unbounded: true})
	for k := range revenueShardCount {
		p.shards[k] = open(genAccount{kind: "cloud_revenue", ownerType: "provider", ownerID: fmt.Sprintf("provider-%02d", k), unbounded: true})
	}
	for i := range p.partners {
		gp := &p.partners[i]
		gp.recharge = open(genAccount{kind: "recharge", ownerType: "partner", ownerID: gp.id, partnerID: gp.id})
		gp.credit = open(genAccount{kind: "credit", ownerType: "partner", ownerID: gp.id, partnerID: gp.id, creditLimit: gp.creditLine})
	}

	// Movements. Partner-level ones first: the grants (one at the start,
	// up to two top-ups later; one for a solution provider) and each
	// indirect reseller's three allocations from its distributor and one
	// reclaim.
	var events []event
	total := s.Entries / 2
	for i := range p.partners {
		gp := &p.partners[i]
		events = append(events, event{at: gp.created, kind: mvGrant, subj: int32(i)}) // amount set below, once needs are known
		if gp.typ != partner.SolutionProvider {
			for range rng.IntN(3) {
				events = append(events, event{at: gp.created + day + rng.Int64N(p.now-gp.created-2*day), kind: mvGrant, subj: int32(i),
					amount: int64(10+rng.IntN(990)) * 10_000})
			}
		}
		if gp.parent >= 0 {
			for range 3 {
				amt := int64(10+rng.IntN(190)) * 100_000
				events = append(events, event{at: gp.created + day + rng.Int64N(p.now-gp.created-3*day), kind: mvAllocReseller,
					subj: int32(i), amount: amt})
				p.partners[gp.parent].need += amt
			}
			events = append(events, event{at: p.now - day + rng.Int64N(day/2), kind: mvReclaimRes, subj: int32(i)})
		}
	}
	rest := total - len(events)
	if rest < 0 {
		return nil, fmt.Errorf("demo scale: %d ledger entries are too few for the partners' grants", s.Entries)
	}
	if rest > 0 && resale == 0 {
		return nil, fmt.Errorf("demo scale: no resale customer to allocate to; generate more customers")
	}
	// Customer-level movements, spread over the resale customers: each
	// starts with an allocation, then consumption, more allocations and
	// reclaims at random moments after it.
	cw := make([]float64, 0, resale)
	cidx := make([]int32, 0, resale)
	for i := range p.customers {
		if p.customers[i].resale {
			cw = append(cw, 0.3+1.4*rng.Float64())
			cidx = append(cidx, int32(i))
		}
	}
	perCustomer := apportion(rest, cw)
	times := make([]int64, 0, 64)
	for k, n := range perCustomer {
		if n == 0 {
			continue
		}
		ci := cidx[k]
		c := &p.customers[ci]
		gp := &p.partners[c.partner]
		first := max(c.created, gp.created+day) + rng.Int64N(max(1, p.now-2*day-max(c.created, gp.created+day)))
		amt := allocAmount(rng)
		gp.need += amt
		events = append(events, event{at: first, kind: mvAllocCustomer, subj: ci, amount: amt})
		times = times[:0]
		for range n - 1 {
			times = append(times, first+1+rng.Int64N(max(1, p.now-day/24-first-1)))
		}
		slices.Sort(times)
		for _, t := range times {
			switch r := rng.IntN(100); {
			case r < 65:
				events = append(events, event{at: t, kind: mvConsume, subj: ci})
			case r < 85:
				amt := allocAmount(rng)
				gp.need += amt
				events = append(events, event{at: t, kind: mvAllocCustomer, subj: ci, amount: amt})
			default:
				events = append(events, event{at: t, kind: mvReclaimCust, subj: ci})
			}
		}
	}
	// The first grant covers everything the partner will allocate, with a
	// margin, so that no allocation finds its recharge account short.
	for i := range events {
		if e := &events[i]; e.kind == mvGrant && e.amount == 0 {
			need := p.partners[e.subj].need
			e.amount = (need+need/10+1_000_000+999_999)/1_000_000*1_000_000 + 1_000_000
		}
	}
	slices.SortStableFunc(events, func(a, b event) int { return cmp.Compare(a.at, b.at) })
	return p, p.apply(events, rng)
}

// apply turns the events into movements in time order, deciding the
// amounts that depend on balances (consumption, reclaims) and numbering
// each account's entries.
func (p *plan) apply(events []event, rng *rand.Rand) error {
	p.moves = make([]movement, 0, len(events))
	received := map[int32]int64{} // net allocated to each indirect reseller by its distributor
	for _, e := range events {
		var debit, credit int32
		amount := e.amount
		switch e.kind {
		case mvGrant:
			debit, credit = p.bank, p.partners[e.subj].recharge
		case mvAllocCustomer:
			c := &p.customers[e.subj]
			if c.account < 0 {
				c.account = p.openCustomer(int(e.subj))
			}
			debit, credit = p.partners[c.partner].recharge, c.account
		case mvConsume, mvReclaimCust:
			c := &p.customers[e.subj]
			bal := p.accounts[c.account].balance()
			amount = bal * int64(5+rng.IntN(26)) / 100
			if amount == 0 {
				amount = min(bal, 1)
			}
			if e.kind == mvConsume {
				debit, credit = c.account, p.shards[shardOf(p.customerID(int(e.subj)))]
			} else {
				debit, credit = c.account, p.partners[c.partner].recharge
			}
		case mvAllocReseller:
			r := &p.partners[e.subj]
			debit, credit = p.partners[r.parent].recharge, r.recharge
			received[e.subj] += amount
		case mvReclaimRes:
			r := &p.partners[e.subj]
			amount = min(p.accounts[r.recharge].balance(), received[e.subj]) * int64(5+rng.IntN(26)) / 100
			debit, credit = r.recharge, p.partners[r.parent].recharge
			received[e.subj] -= amount
		}
		if amount <= 0 {
			// Nothing left to consume or reclaim: the movement would be
			// refused, so it becomes a small consumption of what is there,
			// or is skipped when there is nothing at all.
			continue
		}
		d, c := &p.accounts[debit], &p.accounts[credit]
		if !d.unbounded && d.balance()+d.creditLimit < amount {
			return fmt.Errorf("demo scale: internal error: account %s short of %d fen", d.id, amount-d.balance())
		}
		if !d.unbounded && d.kind == "recharge" && d.balance() < amount {
			return fmt.Errorf("demo scale: internal error: recharge account %s short of %d fen", d.id, amount-d.balance())
		}
		d.debits += amount
		c.credits += amount
		d.count++
		c.count++
		p.moves = append(p.moves, movement{at: e.at, amount: amount, debit: debit, credit: credit,
			debitAfter: d.balance(), creditAfter: c.balance(), debitSeq: d.count, creditSeq: c.count, subj: e.subj, kind: e.kind})
	}
	// A consumption or reclaim that found an empty balance was skipped;
	// top the count up with consumption of customers that still hold
	// money, so that the entries come to exactly what was asked.
	want := p.s.Entries / 2
	for i := 0; len(p.moves) < want && i < len(p.customers); i++ {
		c := &p.customers[i]
		if c.account < 0 || p.accounts[c.account].balance() < 2 {
			continue
		}
		d := &p.accounts[c.account]
		cr := &p.accounts[p.shards[shardOf(p.customerID(i))]]
		amount := d.balance() / 2
		d.debits += amount
		cr.credits += amount
		d.count++
		cr.count++
		p.moves = append(p.moves, movement{at: p.now - day/48, amount: amount, debit: c.account, credit: p.shards[shardOf(p.customerID(i))],
			debitAfter: d.balance(), creditAfter: cr.balance(), debitSeq: d.count, creditSeq: cr.count, subj: int32(i), kind: mvConsume})
		i-- // the same customer may pay again
	}
	if len(p.moves) != want {
		return fmt.Errorf("demo scale: planned %d movements, wanted %d", len(p.moves), want)
	}
	return nil
}

func (p *plan) openCustomer(i int) int32 {
	c := p.customers[i]
	pid := p.partners[c.partner].id
	p.accounts = append(p.accounts, genAccount{id: p.seqID(3, len(p.accounts), true), kind: "customer_balance", ownerType: "customer",
		ownerID: p.customerID(i), partnerID: pid})
	return int32(len(p.accounts) - 1)
}

// allocAmount is an allocation between 100 and 50,000 yuan, small ones
// more often, in whole yuan.
func allocAmount(rng *rand.Rand) int64 {
	return int64(100*math.Exp(rng.Float64()*math.Log(500))) * 100
}

// apportion splits total into len(weights) whole parts proportional to the
// weights (largest remainder), which sum exactly to total.
func apportion(total int, weights []float64) []int {
	out := make([]int, len(weights))
	if len(weights) == 0 || total == 0 {
		return out
	}
	var sum float64
	for _, w := range weights {
		sum += w
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(total) * w / sum
		out[i] = int(exact)
		given += out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.r, a.r) })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// existingAccounts reads the provider accounts the generated movements
// share with the demo's (the bank and the revenue shards), so that their
// entries continue the demo's numbering and balances.
func existingAccounts(ctx context.Context, db *store.DB) (map[string]genAccount, error) {
	rows, err := db.Reader().QueryContext(ctx, `SELECT id, owner_type, owner_id, kind, debits_posted, credits_posted, entry_count
		FROM ledger_accounts WHERE owner_type = 'provider'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]genAccount{}
	for rows.Next() {
		var a genAccount
		if err := rows.Scan(&a.id, &a.ownerType, &a.ownerID, &a.kind, &a.debits, &a.credits, &a.count); err != nil {
			return nil, err
		}
		out[a.ownerType+"|"+a.ownerID+"|"+a.kind] = a
	}
	return out, rows.Err()
}

var companyWords = []string{"华东云科技", "江南数智", "长三角信息", "钱塘网络", "金陵软件", "姑苏云联", "海上云帆", "西湖数据",
	"太湖智算", "皖江信息", "瓯江网络", "东海云服", "紫金科技", "运河数字", "黄山云创", "徽州软件"}
