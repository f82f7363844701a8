// Package webhook owns the partner's callbacks (服务支持 > 能力开放 > 事件回调):
// endpoints and the events they subscribe to, the outbox of events, their
// signed delivery with retries, and the delivery log. It knows nothing of
// partners' business: capability packages call Emit inside the transaction
// of the change an event describes, so an event exists exactly when its
// change committed; the Dispatcher delivers them later, outside any request.
package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"partnercenter/internal/platform/ids"
	"partnercenter/internal/platform/money"
	"partnercenter/internal/store"
)

// Event types. Each is documented, with its payload, in the API document
// (openapi/parts/webhooks.json).
const (
	CustomerAssociated       = "customer.associated"
	CustomerUnbound          = "customer.unbound"
	CustomerFrozen           = "customer.frozen"
	FundsAllocated           = "funds.allocated"
	FundsReclaimed           = "funds.reclaimed"
	CouponIssued             = "coupon.issued"
	CouponReclaimed          = "coupon.reclaimed"
	CouponExpired            = "coupon.expired"
	OrderPaid                = "order.paid"
	OrderCancelled           = "order.cancelled"
	ResourceFrozen           = "resource.frozen"
	OpportunityStatusChanged = "opportunity.status_changed"
	IncentivePaid            = "incentive.paid"
	Test                     = "webhook.test"
)

// Types lists the event types an endpoint may subscribe to, in the order
// the console shows them. The test event is sent on request to one
// endpoint, whatever it subscribes to.
var Types = []string{CustomerAssociated, CustomerUnbound, CustomerFrozen, FundsAllocated, FundsReclaimed,
	CouponIssued, CouponReclaimed, CouponExpired, OrderPaid, OrderCancelled, ResourceFrozen,
	OpportunityStatusChanged, IncentivePaid}

// Event is one event to emit: its type and its payload (any value that
// encodes as a JSON object), sent as the body's data.
type Event struct {
	Type string
	Data any
}

// Amount is how payloads carry money: fen as an integer, for programs, and
// yuan as a decimal string, as the BSS API writes amounts.
type Amount struct {
	Fen  int64  `json:"fen"`
	Yuan string `json:"yuan"`
}

// Money builds an Amount.
func Money(fen int64) Amount { return Amount{Fen: fen, Yuan: money.Plain(fen)} }

// Time is how payloads carry a time: UTC to the second, as the API writes
// times; "" for the zero time.
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// envelope is a delivery's body, as Standard Webhooks suggests: the type,
// when it happened and the data, plus the event id also sent as webhook-id.
type envelope struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Data      any    `json:"data"`
}

// Retention is how long events, deliveries and their attempts are kept.
const Retention = 30 * 24 * time.Hour

// RetryWindow is how long a delivery is retried after its event (or a
// manual re-send) before it is given up.
const RetryWindow = 24 * time.Hour

// subscribed is an enabled endpoint of a partner with its event types.
type subscribed struct {
	id     string
	events []string
}

// subscribers reads the enabled endpoints of the partners: Emit's one
// indexed read, all that a partner without callbacks pays for a change.
func subscribers(ctx context.Context, q store.Queryer, partnerIDs []string) (map[string][]subscribed, error) {
	out := map[string][]subscribed{}
	for start := 0; start < len(partnerIDs); start += 64 {
		in, args := store.InList(partnerIDs[start:min(start+64, len(partnerIDs))])
		rows, err := q.QueryContext(ctx, `SELECT partner_id, id, events FROM webhook_endpoints WHERE partner_id IN `+in+` AND enabled = ?`,
			append(args, true)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var partnerID, events string
			var s subscribed
			if err := rows.Scan(&partnerID, &s.id, &events); err != nil {
				rows.Close()
				return nil, err
			}
			s.events = splitTypes(events)
			out[partnerID] = append(out[partnerID], s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func splitTypes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Emit writes one event of the partner to the outbox in tx, with a delivery
// to each of its enabled endpoints subscribed to the type; without such an
// endpoint it writes nothing.
func Emit(ctx context.Context, tx *store.Tx, partnerID, eventType string, data any) error {
	return EmitBatch(ctx, tx, []PartnerEvent{{PartnerID: partnerID, Event: Event{Type: eventType, Data: data}}})
}

// EmitMany is Emit for several events of one partner in one transaction.
func EmitMany(ctx context.Context, tx *store.Tx, partnerID string, events []Event) error {
	batch := make([]PartnerEvent, len(events))
	for i, e := range events {
		batch[i] = PartnerEvent{PartnerID: partnerID, Event: e}
	}
	return EmitBatch(ctx, tx, batch)
}

// PartnerEvent is an event and the partner it belongs to.
type PartnerEvent struct {
	PartnerID string
	Event
}

// EmitBatch is Emit for the events of one transaction that changed many
// things at once (a batch of allocations of several partners): one read
// of the partners' endpoints, and one multi-row insert each for the
// events and their deliveries.
func EmitBatch(ctx context.Context, tx *store.Tx, events []PartnerEvent) error {
	if len(events) == 0 {
		return nil
	}
	var partners []string
	for _, e := range events {
		if !slices.Contains(partners, e.PartnerID) {
			partners = append(partners, e.PartnerID)
		}
	}
	subs, err := ReadSubscriptions(ctx, tx, partners)
	if err != nil {
		return err
	}
	return subs.Emit(ctx, tx, events)
}

// Subscriptions are the enabled endpoints of some partners, read before
// their events are known: a transaction that holds a lock while it writes
// its events (a batch of allocations holds the partner's accounts) reads
// them before it takes the lock, so the lock is not held through the read.
// An endpoint added in between receives the events that follow.
type Subscriptions struct{ byPartner map[string][]subscribed }

// ReadSubscriptions reads the enabled endpoints of the partners.
func ReadSubscriptions(ctx context.Context, q store.Queryer, partnerIDs []string) (*Subscriptions, error) {
	subs, err := subscribers(ctx, q, partnerIDs)
	if err != nil {
		return nil, err
	}
	return &Subscriptions{subs}, nil
}

// Emit is EmitBatch with the endpoints read beforehand; the events must be
// of the partners they were read for (others' are dropped, as if those
// partners had no endpoint).
func (s *Subscriptions) Emit(ctx context.Context, tx *store.Tx, events []PartnerEvent) error {
	if len(events) == 0 || len(s.byPartner) == 0 {
		return nil
	}
	_, err := insert(ctx, tx, s.byPartner, events)
	return err
}

// insert writes events and a delivery of each to every endpoint of its
// partner in subs that subscribes to its type (or to all of them for the
// test event), and returns the deliveries' ids.
func insert(ctx context.Context, tx *store.Tx, subs map[string][]subscribed, events []PartnerEvent) ([]string, error) {
	now := store.Micros(tx.Now)
	expires := store.Micros(tx.Now.Add(RetryWindow))
	var eventRows, deliveryRows [][]any
	var deliveryIDs []string
	for _, e := range events {
		var to []string
		for _, s := range subs[e.PartnerID] {
			if e.Type == Test || slices.Contains(s.events, e.Type) {
				to = append(to, s.id)
			}
		}
		if len(to) == 0 {
			continue
		}
		id := "evt_" + ids.Compact()
		body, err := json.Marshal(envelope{ID: id, Type: e.Type, Timestamp: tx.Now.UTC().Format(time.RFC3339Nano), Data: e.Data})
		if err != nil {
			return nil, fmt.Errorf("webhook: encoding a %s event: %w", e.Type, err)
		}
		eventRows = append(eventRows, []any{id, e.PartnerID, e.Type, string(body), now})
		for _, endpoint := range to {
			deliveryIDs = append(deliveryIDs, ids.New())
			deliveryRows = append(deliveryRows, []any{deliveryIDs[len(deliveryIDs)-1], id, endpoint, e.PartnerID, e.Type, StatusPending, now, expires, now, now})
		}
	}
	if len(eventRows) == 0 {
		return nil, nil
	}
	if err := store.ExecRows(ctx, tx, `INSERT INTO webhook_events (id, partner_id, type, payload, created_at) VALUES `,
		`(?, ?, ?, ?, ?)`, "", eventRows); err != nil {
		return nil, err
	}
	if err := store.ExecRows(ctx, tx, `INSERT INTO webhook_deliveries (id, event_id, endpoint_id, partner_id, event_type, status, next_attempt_at, expires_at, created_at, updated_at) VALUES `,
		`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "", deliveryRows); err != nil {
		return nil, err
	}
	tx.AfterCommit(Wake)
	return deliveryIDs, nil
}

// wakers are the running dispatchers of this process, nudged when a
// transaction with deliveries commits so that they need not wait for
// their next poll.
var wakers sync.Map // *Dispatcher -> struct{}

// Wake nudges this process's dispatchers.
func Wake() {
	wakers.Range(func(k, _ any) bool {
		k.(*Dispatcher).wake()
		return true
	})
}
