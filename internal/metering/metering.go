// Package metering charges pay-per-use resources by the hour: each hour of
// each resource is rated (usage rate × size, in 1e-8 yuan, with the part of a
// fen carried to the next hour), written as one fee record and paid by the
// customer's coupons in scope first, then its balance; what the balance
// cannot cover is debt, and a customer whose debt outlives the grace period
// has its pay-per-use resources frozen until it is funded again.
//
// Exactly once: a resource's cursor (cloud_resources.metered_until), its
// fee records (whose ref is unique per resource and hour) and the money
// they move are written in one transaction, so a run stopped at any point
// leaves every hour either wholly charged or not at all, and the next run
// continues from the cursors.
package metering

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/catalogue"
	"partnercenter/internal/coupon"
	"partnercenter/internal/funds"
	"partnercenter/internal/order"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/store"
)

// DefaultGrace is how long a customer may stay in arrears before its
// pay-per-use resources are frozen, unless PARTNERCENTER_ARREARS_GRACE says
// otherwise.
const DefaultGrace = 24 * time.Hour

// EnvGrace names the variable that sets the grace period (a Go duration: 24h, 72h).
const EnvGrace = "PARTNERCENTER_ARREARS_GRACE"

// GraceFromEnv returns the configured grace period.
func GraceFromEnv() (time.Duration, error) {
	s := strings.TrimSpace(os.Getenv(EnvGrace))
	if s == "" {
		return DefaultGrace, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: want a duration such as 24h", EnvGrace, s)
	}
	return d, nil
}

// Options tune a run; zero values take the defaults.
type Options struct {
	// Window is the most hours of each resource one transaction charges
	// (24h); a run that catches up on many hours works in such steps, and
	// each customer pays each step with one balance charge.
	Window time.Duration
	// Customers is how many customers one transaction meters (200).
	Customers int
	// Grace is how long arrears last before the customer's pay-per-use
	// resources are frozen (DefaultGrace).
	Grace time.Duration
}

func (o *Options) defaults() {
	if o.Window < time.Hour {
		o.Window = 24 * time.Hour
	}
	o.Window = o.Window.Truncate(time.Hour)
	if o.Customers <= 0 {
		o.Customers = 200
	}
	if o.Grace == 0 {
		o.Grace = DefaultGrace
	}
}

// Result counts what a run did.
type Result struct {
	ResourceHours int64 // fee records written
	Amount        int64 // fen rated
	Coupons       int64 // fen paid by coupons
	Balance       int64 // fen paid from balances
	Debt          int64 // fen that went into arrears
	Settled       int64 // fen of earlier debt paid
	Frozen        int   // customers whose resources were frozen for arrears
	Unfrozen      int   // customers whose resources were restarted once funded
}

func (r *Result) add(o Result) {
	r.ResourceHours += o.ResourceHours
	r.Amount += o.Amount
	r.Coupons += o.Coupons
	r.Balance += o.Balance
	r.Debt += o.Debt
	r.Settled += o.Settled
	r.Frozen += o.Frozen
	r.Unfrozen += o.Unfrozen
}

// Run meters every pay-per-use hour that has ended by at: customers in
// arrears with money pay their debt first (at the moment at); then each due
// hour of each resource is charged, in transactions dated at the end of the
// hours they charge; last, customers still owing past the grace period are
// frozen (at the moment at).
func Run(ctx context.Context, db *store.DB, at time.Time, opts Options) (Result, error) {
	opts.defaults()
	at = at.UTC()
	until := at.Truncate(time.Hour)
	var out Result
	err := db.InTxAt(ctx, at, func(tx *store.Tx) error {
		var err error
		out, err = settle(ctx, tx, opts.Grace, false)
		return err
	})
	if err != nil {
		return out, err
	}
	due, err := dueCustomers(ctx, db.Reader(), until)
	if err != nil {
		return out, err
	}
	for len(due) > 0 {
		n := min(len(due), opts.Customers)
		batch := due[:n]
		due = due[n:]
		cursor := batch[0].cursor
		ids := make([]string, len(batch))
		for i, c := range batch {
			ids[i] = c.id
			if c.cursor.Before(cursor) {
				cursor = c.cursor
			}
		}
		for cursor.Before(until) {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			to := cursor.Truncate(time.Hour).Add(opts.Window)
			if to.After(until) {
				to = until
			}
			var res Result
			err := db.InTxAt(ctx, to, func(tx *store.Tx) error {
				var err error
				res, err = meterBatch(ctx, tx, ids, opts.Customers, opts.Grace)
				return err
			})
			if err != nil {
				return out, err
			}
			out.add(res)
			cursor = to
		}
	}
	var last Result
	err = db.InTxAt(ctx, at, func(tx *store.Tx) error {
		var err error
		last, err = settle(ctx, tx, opts.Grace, true)
		return err
	})
	out.add(last)
	return out, err
}

type dueCustomer struct {
	id     string
	cursor time.Time
}

// meterable selects the pay-per-use resources with hours left to charge
// before a moment: active ones, and closed ones not yet charged up to
// their closing.
const meterable = `charging_mode = 3 AND (status = 'active' OR (status = 'closed' AND closed_at IS NOT NULL
	AND COALESCE(metered_until, effective_at) < closed_at)) AND COALESCE(metered_until, effective_at) < ?`

// dueCustomers lists the customers with hours to charge before until, in
// id order, with the earliest hour each owes.
func dueCustomers(ctx context.Context, q store.Queryer, until time.Time) ([]dueCustomer, error) {
	rows, err := q.QueryContext(ctx, `SELECT customer_id, MIN(COALESCE(metered_until, effective_at)) FROM cloud_resources
		WHERE `+meterable+` GROUP BY customer_id ORDER BY customer_id`, store.Micros(until))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dueCustomer
	for rows.Next() {
		var c dueCustomer
		var us int64
		if err := rows.Scan(&c.id, &us); err != nil {
			return nil, err
		}
		c.cursor = store.Time(us)
		out = append(out, c)
	}
	return out, rows.Err()
}

// resource is a pay-per-use resource being metered.
type resource struct {
	id, customerID, partnerID                    string
	productID, serviceType, resourceType, region string
	quantity                                     int64
	rate                                         int64 // 1e-8 yuan per unit and hour
	cursor                                       time.Time
	end                                          time.Time // hours start before it
	carry                                        int64
}

// fee is one resource-hour being charged.
type fee struct {
	r       *resource
	hour    time.Time
	rated   int64
	amount  int64
	coupon  int64
	bal     int64
	debt    int64
	manager string
}

type usableCoupon struct {
	id           string
	services     []string
	products     []string
	balance      int64
	used         int64
	firstService string
	firstProduct string
}

func (c *usableCoupon) covers(r *resource) bool {
	return (len(c.services) == 0 || slices.Contains(c.services, r.serviceType)) &&
		(len(c.products) == 0 || slices.Contains(c.products, r.productID))
}

type period struct {
	manager      string
	starts, ends int64 // ends 0: open
}

// inList returns "?, ?, ..." for n ids padded to size (repeating the last),
// so that batches of one size share one prepared statement.
func inList(ids []string, size int) (string, []any) {
	n := max(len(ids), size)
	args := make([]any, n)
	for i := range args {
		args[i] = ids[min(i, len(ids)-1)]
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", "), args
}

// meterBatch charges the hours of a batch of customers' resources that end
// by tx.Now.
func meterBatch(ctx context.Context, tx *store.Tx, customerIDs []string, size int, grace time.Duration) (Result, error) {
	var out Result
	to := tx.Now
	in, inArgs := inList(customerIDs, size)
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.customer_id, r.partner_id, r.product_id, r.service_type_code, r.resource_type_code,
		r.region_code, r.quantity, p.usage_rate, COALESCE(r.metered_until, r.effective_at), COALESCE(r.closed_at, 0), r.rate_carry
		FROM cloud_resources r JOIN cloud_products p ON p.id = r.product_id
		WHERE r.customer_id IN (`+in+`) AND `+meterable+`
		ORDER BY r.customer_id, r.id`+lockResources(tx), append(inArgs, store.Micros(to))...)
	if err != nil {
		return out, err
	}
	var list []*resource
	for rows.Next() {
		r := &resource{}
		var cursor, closed int64
		if err := rows.Scan(&r.id, &r.customerID, &r.partnerID, &r.productID, &r.serviceType, &r.resourceType, &r.region,
			&r.quantity, &r.rate, &cursor, &closed, &r.carry); err != nil {
			rows.Close()
			return out, err
		}
		r.cursor = store.Time(cursor).Truncate(time.Hour)
		r.end = to
		if closed != 0 {
			if c := ceilHour(store.Time(closed)); c.Before(r.end) {
				r.end = c
			}
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	if len(list) == 0 {
		return out, nil
	}
	available, err := balances(ctx, tx, in, inArgs)
	if err != nil {
		return out, err
	}
	coupons, err := usableCoupons(ctx, tx, in, inArgs)
	if err != nil {
		return out, err
	}
	managers, err := managerPeriods(ctx, tx, in, inArgs)
	if err != nil {
		return out, err
	}

	fees := make([]fee, 0, len(list)*24)
	months := map[int64]int{}
	for start := 0; start < len(list); {
		end := start
		for end < len(list) && list[end].customerID == list[start].customerID {
			end++
		}
		res, err := meterCustomer(ctx, tx, list[start:end], &fees, available, coupons, managers, months, grace)
		if err != nil {
			return out, err
		}
		out.add(res)
		start = end
	}
	// Written by customer, resource and hour: each index then receives
	// runs of neighbouring keys rather than scattered ones.
	slices.SortFunc(fees, func(a, b fee) int {
		if c := strings.Compare(a.r.customerID, b.r.customerID); c != 0 {
			return c
		}
		if c := strings.Compare(a.r.id, b.r.id); c != 0 {
			return c
		}
		return a.hour.Compare(b.hour)
	})
	if err := insertFees(ctx, tx, fees, months); err != nil {
		return out, err
	}
	return out, moveCursors(ctx, tx, list)
}

// meterCustomer rates and pays one customer's hours, hour by hour so that
// its balance runs out at the right hour.
func meterCustomer(ctx context.Context, tx *store.Tx, rs []*resource, fees *[]fee, available map[string]int64,
	coupons map[string][]*usableCoupon, managers map[string][]period, months map[int64]int, grace time.Duration) (Result, error) {
	var out Result
	customerID, partnerID := rs[0].customerID, rs[0].partnerID
	first := len(*fees)
	avail := max(available[customerID], 0)
	mine := coupons[customerID]
	var firstDebt time.Time
	from := rs[0].cursor
	for _, r := range rs {
		if r.cursor.Before(from) {
			from = r.cursor
		}
	}
	for h := from; h.Before(tx.Now); h = h.Add(time.Hour) {
		for _, r := range rs {
			if h.Before(r.cursor) || !h.Before(r.end) {
				continue
			}
			f := fee{r: r, hour: h, rated: r.rate * r.quantity}
			total := r.carry + f.rated
			f.amount, r.carry = total/catalogue.RatePerFen, total%catalogue.RatePerFen
			rest := f.amount
			for _, c := range mine {
				if rest == 0 {
					break
				}
				if left := c.balance - c.used; left > 0 && c.covers(r) {
					take := min(left, rest)
					if c.used == 0 {
						c.firstService, c.firstProduct = r.serviceType, r.productID
					}
					c.used += take
					f.coupon += take
					rest -= take
				}
			}
			f.bal = min(rest, avail)
			avail -= f.bal
			f.debt = rest - f.bal
			if f.debt > 0 && firstDebt.IsZero() {
				firstDebt = h
			}
			r.cursor = h.Add(time.Hour)
			*fees = append(*fees, f)
			if _, ok := months[h.UnixMicro()]; !ok {
				months[h.UnixMicro()] = order.BillMonth(h)
			}
			out.ResourceHours++
			out.Amount += f.amount
			out.Coupons += f.coupon
			out.Balance += f.bal
			out.Debt += f.debt
		}
	}
	mineFees := (*fees)[first:]
	if len(mineFees) == 0 {
		return out, nil
	}
	periods := managers[customerID]
	for i := range mineFees {
		at := mineFees[i].hour.UnixMicro()
		for _, p := range periods {
			if p.starts <= at && (p.ends == 0 || p.ends > at) {
				mineFees[i].manager = p.manager
				break
			}
		}
	}
	// The customer's charge in this step: its coupon uses and its balance
	// charge are named by it.
	charge := ids.New()
	ref := "usage:" + charge
	for _, c := range mine {
		if c.used == 0 {
			continue
		}
		if _, err := coupon.Redeem(ctx, tx, coupon.Redemption{CouponID: c.id, CustomerID: customerID, Amount: c.used, Reference: ref,
			ServiceType: c.firstService, ProductID: c.firstProduct}); err != nil {
			if ae, ok := apperr.As(err); ok && ae.Code == apperr.Insufficient {
				// A concurrent payment used the coupon since it was read.
				return out, store.ErrRetry
			}
			return out, fmt.Errorf("metering: coupon %s: %w", c.id, err)
		}
		c.balance -= c.used
		c.used = 0
	}
	if out.Balance > 0 {
		_, err := funds.ChargeCustomer(ctx, tx, funds.Charge{PartnerID: partnerID, CustomerID: customerID, Amount: out.Balance,
			ClientID: "meter:" + charge, Meta: map[string]string{"usage": strconv.Itoa(len(mineFees))}})
		if errors.Is(err, funds.ErrCustomerBalanceInsufficient) {
			// A concurrent transaction spent the balance since it was read.
			return out, store.ErrRetry
		}
		if err != nil {
			return out, err
		}
		available[customerID] = avail
	}
	if out.Debt > 0 {
		frozen, err := addDebt(ctx, tx, customerID, partnerID, out.Debt, firstDebt, grace)
		if err != nil {
			return out, err
		}
		if frozen {
			out.Frozen++
		}
	}
	return out, nil
}

// lockResources holds the resources being metered on PostgreSQL, so that
// two runs at once charge each hour once: the second waits, then no longer
// finds the hours due. (SQLite has a single writer.)
func lockResources(tx *store.Tx) string {
	if tx.Dialect() == store.Postgres {
		return " FOR UPDATE OF r"
	}
	return ""
}

func ceilHour(t time.Time) time.Time {
	h := t.Truncate(time.Hour)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}
