// Package app holds what every part of the running partner center shares:
// the database, the secret sealer, the logger, metrics and the job queue. The
// API and the console receive it; capability packages receive only the
// pieces they use.
package app

import (
	"log/slog"

	"partnercenter/internal/auth"
	"partnercenter/internal/jobs"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/store"
)

// App is the shared state of one running node.
type App struct {
	DB      *store.DB
	Sealer  *auth.Sealer
	Log     *slog.Logger
	Metrics *metrics.Metrics
	// Jobs enqueues background work in a business transaction; nil in tests
	// that do not run jobs.
	Jobs *jobs.Runner
	// SecureCookies marks session cookies Secure; on when served over TLS or
	// behind a TLS-terminating proxy.
	SecureCookies bool
}
