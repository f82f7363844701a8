package api

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/store"
)

// The access key cache: every signed request needs its key (secret opened)
// and the key's partner, and reading them is one of the three or four round
// trips of a typical read (docs/performance.md, "the key cache"). On
// PostgreSQL a node keeps what it read and drops it when the database
// announces a change to the key or the partner (migration 00031's triggers,
// heard by a store.Listener). A copy is used only while the listener is
// known to hear every announcement; otherwise every request reads the
// database, as on SQLite, where there is one node and the read is local.
//
// What a change on another node costs (a change through this node takes
// effect at once, store.WatchWrites): it is refused here once its
// announcement arrives (the time of a NOTIFY to a listening connection, a
// millisecond or so on a LAN), where without the cache a request already
// past its lookup is also let through; a node that stops hearing stops
// using its copies within three seconds (store.deafAfter).

// keyCacheLimit bounds the keys kept; a node that sees more forgets them
// all and starts again (partners have a handful of keys each).
const keyCacheLimit = 10000

// keyCacheTTL bounds how long a copy is used even while every announcement
// is heard.
const keyCacheTTL = time.Minute

type cachedKey struct {
	key     auth.AccessKey
	partner partner.Partner
	at      time.Time
}

type keyCache struct {
	listener *store.Listener
	lookups  *prometheus.CounterVec // by source: cache or database
	mu       sync.Mutex
	gen      uint64 // bumped by every announcement: a read begun before one is not kept
	keys     map[string]*cachedKey
}

// newKeyCache starts hearing announcements; nil (no cache) on SQLite.
func newKeyCache(db *store.DB, m *metrics.Metrics) *keyCache {
	c := &keyCache{keys: map[string]*cachedKey{}, lookups: metrics.Register(m, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "partnercenter_api_key_lookups_total",
		Help: "Access keys of signed API requests, by where they were read: the node's cache or the database.",
	}, []string{"source"}))}
	c.listener = db.Listen(store.AccessChannel, store.ListenHandler{Notify: c.changed, Reset: c.reset})
	if c.listener == nil {
		return nil
	}
	// This node's own changes take effect here at once, not when their
	// announcement comes back: a key disabled through this node's console
	// is refused by its next request.
	db.WatchWrites([]string{"access_keys", "partners"}, c.reset)
	return c
}

// lookup returns the key with that AK and its partner, from the cache when
// it may be trusted.
func (c *keyCache) lookup(ctx context.Context, q store.Queryer, sealer *auth.Sealer, ak string) (*auth.AccessKey, *partner.Partner, error) {
	if c == nil || !c.listener.Hearing() {
		return partner.ByAccessKey(ctx, q, sealer, ak)
	}
	c.mu.Lock()
	e, gen := c.keys[ak], c.gen
	c.mu.Unlock()
	if e != nil && time.Since(e.at) < keyCacheTTL {
		c.lookups.WithLabelValues("cache").Inc()
		// Copies: the caller's changes stay its own.
		k, p := e.key, e.partner
		return &k, &p, nil
	}
	c.lookups.WithLabelValues("database").Inc()
	k, p, err := partner.ByAccessKey(ctx, q, sealer, ak)
	if err != nil {
		return nil, nil, err // unknown keys are not kept: anyone can send those
	}
	c.mu.Lock()
	if c.gen == gen && c.listener.Hearing() {
		if len(c.keys) >= keyCacheLimit {
			clear(c.keys)
		}
		c.keys[ak] = &cachedKey{key: *k, partner: *p, at: time.Now()}
	}
	c.mu.Unlock()
	return k, p, nil
}

// changed drops what an announcement names ("key <id>" or "partner <id>").
func (c *keyCache) changed(payload string) {
	kind, id, _ := strings.Cut(payload, " ")
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch kind {
	case "key":
		delete(c.keys, id)
	case "partner":
		for ak, e := range c.keys {
			if e.partner.ID == id {
				delete(c.keys, ak)
			}
		}
	default:
		clear(c.keys)
	}
}

// reset drops everything: announcements may have been missed.
func (c *keyCache) reset() {
	c.mu.Lock()
	c.gen++
	clear(c.keys)
	c.mu.Unlock()
}
