package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// envPprofAddr names a loopback address on which serve answers Go's
// profiling endpoints (/debug/pprof/...), apart from the public listener:
// an operator profiles one node of a cluster under its real load without
// exposing profiles to clients. Unset, nothing listens.
const envPprofAddr = "PARTNERCENTER_PPROF_ADDR"

// startProfiling serves the profiling endpoints when envPprofAddr is set.
func startProfiling(log *slog.Logger) error {
	addr := os.Getenv(envPprofAddr)
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("profiling endpoints", "addr", ln.Addr().String())
	return nil
}
