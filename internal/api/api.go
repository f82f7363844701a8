// Package api serves the partner API: the routes compatible with the
// provider's BSS v2 partner API (SDK-HMAC-SHA256 signed, errors as
// {"error_code","error_msg"}) and our extensions under the same conventions.
// It owns the route table, the conventions every operation shares (signature
// authentication, body limit, per-key rate limit, Idempotency-Key, the one
// table from domain errors to HTTP status and error code) and the handlers,
// which decode, call capability packages and encode; the API document lives
// in the openapi package and is served at /openapi.json and /api/docs.
package api

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"partnercenter/internal/app"
	"partnercenter/internal/auth"
	"partnercenter/internal/partner"
	"partnercenter/internal/ratelimit"
)

// Route is one operation of the API. Mount registers each on the mux; the
// API document must describe exactly these (a test checks it).
type Route struct {
	Method      string
	Pattern     string // a net/http ServeMux path pattern
	OperationID string // the SDK's method name for BSS-compatible operations
	// Mutates marks operations that change state: they honour the
	// Idempotency-Key header.
	Mutates bool
	// Permission, when set, is what the caller must hold; the operation is
	// refused (CBC.0151) before its handler runs. Operations whose
	// permission depends on the request check it themselves.
	Permission auth.Permission
	// RateLimit is the operation's documented requests per second per
	// access key when it differs from the API's default (Config.RateLimit).
	RateLimit float64
	Handle    func(c *Call) (any, error)
}

// Config holds the API's tunables.
type Config struct {
	// RateLimit is the sustained number of requests per second one access
	// key may make to one operation, for operations without a documented
	// rate of their own; 0 or less turns every limit off. On PostgreSQL
	// the nodes share the count (internal/ratelimit); on SQLite the one
	// node counts in memory.
	RateLimit float64
	// RateLimits overrides the rate of single operations, by operation id;
	// 0 lifts an operation's limit.
	RateLimits map[string]float64
	// RateBurst is how many requests a key may make at once to one
	// operation; 0 makes it the operation's rate (at least 1).
	RateBurst int
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For names the client; from anywhere else the header is
	// ignored, so that a caller cannot choose the address its key's
	// allow-list is checked against.
	TrustedProxies []netip.Prefix
	// MaxBodyBytes caps a request body; a larger one is refused with 413.
	MaxBodyBytes int64
	// DateSkew is how far X-Sdk-Date may be from the server's clock.
	DateSkew time.Duration
	// TouchEvery is how often a key's last use is recorded at most.
	TouchEvery time.Duration
	// KeyCache keeps access keys between requests on PostgreSQL, dropped
	// when the database announces a change (keycache.go). Off where
	// announcements cannot arrive, e.g. behind a pooler in transaction mode.
	KeyCache bool
}

// DefaultConfig is the configuration without environment overrides.
func DefaultConfig() Config {
	return Config{RateLimit: 10, MaxBodyBytes: 1 << 20, DateSkew: 15 * time.Minute, TouchEvery: time.Minute, KeyCache: true}
}

// Environment variables that override the defaults.
const (
	EnvRateLimit      = "PARTNERCENTER_API_RATE_LIMIT"  // requests per second per access key and operation, 0 for none
	EnvRateLimits     = "PARTNERCENTER_API_RATE_LIMITS" // per operation: "CheckUserIdentity=5,ListSubCustomers=20"
	EnvRateBurst      = "PARTNERCENTER_API_RATE_BURST"  // burst per key and operation; unset: the operation's rate
	EnvTrustedProxies = "PARTNERCENTER_TRUSTED_PROXIES" // CIDRs or addresses, comma separated
	EnvKeyCache       = "PARTNERCENTER_API_KEY_CACHE"   // "off": read the access key on every request
)

// ConfigFromEnv reads the overrides; an unparsable value is an error.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	if v := getenv(EnvRateLimit); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return c, fmt.Errorf("%s: %q is not a number", EnvRateLimit, v)
		}
		c.RateLimit = f
	}
	if v := getenv(EnvRateBurst); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("%s: %q is not a positive integer", EnvRateBurst, v)
		}
		c.RateBurst = n
	}
	if v := getenv(EnvRateLimits); v != "" {
		c.RateLimits = map[string]float64{}
		for _, item := range strings.Split(v, ",") {
			op, n, ok := strings.Cut(strings.TrimSpace(item), "=")
			f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if !ok || op == "" || err != nil || f < 0 {
				return c, fmt.Errorf("%s: %q is not Operation=requests-per-second", EnvRateLimits, item)
			}
			c.RateLimits[strings.TrimSpace(op)] = f
		}
	}
	switch v := getenv(EnvKeyCache); v {
	case "", "on":
	case "off":
		c.KeyCache = false
	default:
		return c, fmt.Errorf("%s: %q is neither on nor off", EnvKeyCache, v)
	}
	if v := getenv(EnvTrustedProxies); v != "" {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			p, err := netip.ParsePrefix(item)
			if err != nil {
				a, aerr := netip.ParseAddr(item)
				if aerr != nil {
					return c, fmt.Errorf("%s: %q is not a CIDR block or address", EnvTrustedProxies, item)
				}
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
	}
	return c, nil
}

// rateOf is an operation's limit: its override, else its documented rate,
// else the default; 0 means none.
func (c Config) rateOf(rt Route) (limit float64, burst int) {
	if c.RateLimit <= 0 {
		return 0, 0
	}
	limit = c.RateLimit
	if rt.RateLimit > 0 {
		limit = rt.RateLimit
	}
	if v, ok := c.RateLimits[rt.OperationID]; ok {
		limit = v
	}
	burst = c.RateBurst
	if burst <= 0 {
		burst = max(1, int(limit+0.999))
	}
	return limit, burst
}

// Mount registers the API's routes on mux, configured from the environment.
func Mount(mux *http.ServeMux, a *app.App) {
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		a.Log.Error("api: bad configuration, using the defaults", "err", err)
		cfg = DefaultConfig()
	}
	MountConfig(mux, a, cfg)
}

// MountConfig registers the API's routes with an explicit configuration.
func MountConfig(mux *http.ServeMux, a *app.App, cfg Config) {
	mount(mux, newService(a, cfg), routes)
}

func mount(mux *http.ServeMux, s *service, table []Route) {
	for _, rt := range table {
		mux.Handle(rt.Method+" "+rt.Pattern, s.operation(rt))
	}
	// Anything else under the API's prefix answers in the API's error shape,
	// as the provider's gateway does for an unknown path or method.
	unknown := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, apiError("APIGW.0101", "api.no_such_api", "the API does not exist: %s %s", r.Method, r.URL.Path))
	})
	mux.Handle("/v2/", unknown)
	mux.Handle("/v3/", unknown)
	mux.HandleFunc("GET /openapi.json", serveDocument)
	mux.HandleFunc("GET /api/docs", s.serveReference)
}

// service is the API's state on one node.
type service struct {
	app *app.App
	cfg Config

	touchMu sync.Mutex
	touched map[string]time.Time // AK → when this node last recorded its use

	moves *moveBatcher // 拨款 and 回收 applied together (move_batch.go)

	limiter ratelimit.Limiter // per access key and operation, shared by the nodes on PostgreSQL

	keys *keyCache // nil: every request reads its key
}

func newService(a *app.App, cfg Config) *service {
	s := &service{app: a, cfg: cfg, touched: map[string]time.Time{}, moves: &moveBatcher{db: a.DB},
		limiter: ratelimit.New(a.DB, a.Metrics, a.Log)}
	if cfg.KeyCache {
		s.keys = newKeyCache(a.DB, a.Metrics)
	}
	return s
}

// Call is what a handler receives: the verified caller and the request.
type Call struct {
	s         *service
	Request   *http.Request
	Body      []byte
	Principal *auth.Principal
	Partner   *partner.Partner // the caller's own partner
	// bodySigned is false when the caller sent X-Sdk-Content-Sha256:
	// UNSIGNED-PAYLOAD; Decode then refuses the body.
	bodySigned bool
	idem       *idempotency
	key        *auth.AccessKey
	// signature and signedAt identify the request for the replay check.
	signature string
	signedAt  time.Time
}

// operation wraps a route's handler in the conventions every operation
// shares, in this order: body limit, signature and key (access.go), the
// key's scope, rate limit, permission, replay, Idempotency-Key.
func (s *service) operation(rt Route) http.Handler {
	var limit ratelimit.Limit
	limit.Rate, limit.Burst = s.cfg.rateOf(rt)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, fmt.Errorf("panic in %s: %v", rt.OperationID, v))
			}
		}()
		body, err := s.readBody(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		c, err := s.authenticate(r, body)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := c.checkScope(rt); err != nil {
			s.writeError(w, r, err)
			return
		}
		if ok, wait := s.allow(r, c, rt.OperationID, limit); !ok {
			w.Header().Set("Retry-After", strconv.FormatInt(retryAfterSeconds(wait), 10))
			s.writeError(w, r, apiError("APIGW.0308", "api.rate_limited", "too many requests for %s with access key %s; retry after a pause",
				rt.OperationID, c.Principal.AccessKeyID))
			return
		}
		if rt.Permission != "" {
			if err := c.require(rt.Permission); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if rt.Mutates && r.Header.Get(headerIdempotencyKey) != "" {
			s.idempotent(w, c, rt)
			return
		}
		if rt.Mutates {
			if err := s.refuseReplay(c); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		res, err := rt.Handle(c)
		if f, ok := res.(*fileAnswer); ok && err == nil {
			f.write(w)
			return
		}
		status, out := s.render(r, res, err)
		writeBody(w, status, out)
	})
}

// fileAnswer is a handler's answer that is a file rather than JSON (a
// download, such as an electronic invoice); errors still answer as JSON.
// Only operations that do not mutate may answer one: an Idempotency-Key
// stores JSON answers.
type fileAnswer struct {
	ContentType string
	Name        string // the file name offered to save it under
	Body        []byte
}

func (f *fileAnswer) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("Content-Length", strconv.Itoa(len(f.Body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.Body)
}

// allow applies the limit of the caller's access key on an operation.
func (s *service) allow(r *http.Request, c *Call, operation string, l ratelimit.Limit) (bool, time.Duration) {
	if l.Rate <= 0 {
		return true, 0
	}
	return s.limiter.Allow(r.Context(), c.Principal.AccessKeyID, operation, l)
}

// retryAfterSeconds is Retry-After's whole seconds: rounded up, at least 1.
func retryAfterSeconds(d time.Duration) int64 {
	n := int64(d / time.Second)
	if d%time.Second > 0 {
		n++
	}
	return max(1, n)
}

// render turns a handler's result into status and body.
func (s *service) render(r *http.Request, res any, err error) (int, []byte) {
	if err != nil {
		return s.errorResponse(r, err)
	}
	return http.StatusOK, mustJSON(res)
}

func (s *service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, out := s.errorResponse(r, err)
	writeBody(w, status, out)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// mustJSON encodes what handlers return: plain structs, which always encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("api: encode %T: %v", v, err))
	}
	return b
}
