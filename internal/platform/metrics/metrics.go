// Package metrics owns the Prometheus registry of a node: HTTP requests by
// route and status with latency, the database pools, and background jobs.
package metrics

import (
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one node's registry and the instruments the platform records.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.HistogramVec
	Jobs     *prometheus.CounterVec
}

// New creates a registry with Go runtime and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "partnercenter_http_request_duration_seconds",
			Help:    "HTTP requests by route pattern, method and status, with their latency.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method", "status"}),
		Jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnercenter_jobs_total",
			Help: "Background jobs run, by kind and outcome.",
		}, []string{"kind", "outcome"}),
	}
	reg.MustRegister(m.requests, m.Jobs)
	return m
}

// WatchDB exports a database pool's statistics under a name ("write", "read").
func (m *Metrics) WatchDB(name string, db *sql.DB) {
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Handler serves the registry at /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveRequest records one finished request. route is the mux pattern that
// matched (bounded cardinality), never the raw path.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// Register adds c to m's registry and returns it, or returns the collector
// registered before under the same name (several APIs mounted on one
// node's App, as tests do, count on one instrument). A nil m registers
// nothing.
func Register[C prometheus.Collector](m *Metrics, c C) C {
	if m == nil {
		return c
	}
	if err := m.Registry.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
