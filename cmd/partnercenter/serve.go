package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"partnercenter/internal/app"
	"partnercenter/internal/demo"
	"partnercenter/internal/jobs"
	"partnercenter/internal/platform/metrics"
	"partnercenter/internal/server"
	"partnercenter/internal/store"
	"partnercenter/internal/upload"
	"partnercenter/internal/webhook"
)

var randRead = rand.Read

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c common
	c.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	withDemo := fs.Bool("demo", false, "load the demo data set if the database has none")
	jsonLogs := fs.Bool("log-json", os.Getenv("PARTNERCENTER_LOG_JSON") != "", "log as JSON (env PARTNERCENTER_LOG_JSON)")
	secure := fs.Bool("secure-cookies", os.Getenv("PARTNERCENTER_SECURE_COOKIES") != "", "mark session cookies Secure (behind TLS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(stderr, *jsonLogs)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	_, keyFileErr := os.Stat(c.keyFile)
	sealer, err := c.sealer()
	if err != nil {
		return err
	}
	warnIfNotShared(ctx, log, db, c.keyFile, errors.Is(keyFileErr, os.ErrNotExist))
	if *withDemo {
		loaded, err := demo.Loaded(ctx, db)
		if err != nil {
			return err
		}
		if !loaded {
			if err := demo.LoadSealed(ctx, db, sealer); err != nil {
				return err
			}
			log.Info("demo data loaded", "password", demo.Password)
		}
	}
	m := metrics.New()
	m.WatchDB("write", db.WriterPool())
	if db.ReaderPool() != db.WriterPool() {
		m.WatchDB("read", db.ReaderPool())
	}
	runner, err := jobs.New(db, log, m, jobs.Options{})
	if err != nil {
		return err
	}
	a := &app.App{DB: db, Sealer: sealer, Log: log, Metrics: m, Jobs: runner, SecureCookies: *secure}
	// Jobs run on a context of their own: on shutdown they are stopped after
	// the HTTP server, so requests in flight can still enqueue work.
	if err := runner.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	hooksCfg, err := webhook.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	hooks := webhook.NewDispatcher(db, sealer, log, hooksCfg)
	hooks.Start(context.WithoutCancel(ctx))

	if err := startProfiling(log); err != nil {
		return fmt.Errorf("%s: %w", envPprofAddr, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           server.New(a),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "partnercenter listening on http://%s (database %s)\n", ln.Addr(), db.Dialect)
	log.Info("serving", "addr", ln.Addr().String(), "db", string(db.Dialect))

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := hooks.Stop(shutdownCtx); err != nil {
		return fmt.Errorf("stop callbacks: %w", err)
	}
	if err := runner.Stop(shutdownCtx); err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	log.Info("stopped")
	return nil
}

// warnIfNotShared warns, on PostgreSQL, where other nodes may serve the same
// database, about what a node keeps to itself by default: a master key file
// created just now (secrets sealed by the other nodes' key will not open)
// and uploads in a local directory (a file uploaded through one node is
// missing on the others). Several nodes need one master key
// (PARTNERCENTER_MASTER_KEY) and a shared upload store (an S3 bucket, or
// the same directory mounted on every node); see docs/operations.md.
func warnIfNotShared(ctx context.Context, log *slog.Logger, db *store.DB, keyFile string, keyCreated bool) {
	if db.Dialect != store.Postgres {
		return
	}
	if os.Getenv("PARTNERCENTER_MASTER_KEY") == "" && keyCreated {
		log.Warn("a new master key was created in "+keyFile+"; every node of one database must use the same key (PARTNERCENTER_MASTER_KEY)",
			"key_file", keyFile)
	}
	if os.Getenv(upload.EnvS3Endpoint) == "" {
		files, err := upload.FromEnv(ctx, db)
		if err != nil {
			return
		}
		log.Warn("uploads are kept in a local directory; with several nodes it must be one directory shared by all of them, or an S3 bucket ("+
			upload.EnvS3Endpoint+")", "dir", files.Location())
	}
}
