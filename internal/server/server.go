// Package server assembles one node's HTTP handler: the operations endpoints
// (/healthz, /readyz, /metrics), the partner API and the console, behind the
// middleware every request passes (request id, panic recovery, logging,
// metrics).
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"partnercenter/internal/api"
	"partnercenter/internal/app"
	"partnercenter/internal/console"
	"partnercenter/internal/platform/ids"
	"partnercenter/internal/platform/requestid"
)

// New returns the node's handler.
func New(a *app.App) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.DB.Ping(ctx); err != nil {
			a.Log.Warn("readyz: database unreachable", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
			return
		}
		if n, err := a.DB.Pending(ctx); err != nil || n > 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "migrations pending", "pending": n})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", a.Metrics.Handler())
	api.Mount(mux, a)
	console.Mount(mux, a)
	return middleware(a, mux)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func middleware(a *app.App, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(requestid.Header)
		if id == "" || len(id) > 64 {
			id = ids.Compact()
		}
		w.Header().Set(requestid.Header, id)
		r = r.WithContext(requestid.With(r.Context(), id))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.Log.Error("panic serving request", "request_id", id, "panic", v, "path", r.URL.Path)
				if rec.status == 0 {
					http.Error(rec, "internal error", http.StatusInternalServerError)
				}
			}
			d := time.Since(start)
			a.Metrics.ObserveRequest(r.Pattern, r.Method, rec.status, d)
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			a.Log.LogAttrs(r.Context(), level, "request", slog.String("request_id", id), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Duration("duration", d))
		}()
		if hasNUL(r) {
			refuseNUL(rec, r, id)
			return
		}
		mux.ServeHTTP(rec, r)
	})
}

// hasNUL reports a NUL character in the request's path or query, encoded
// (%00) or not. No text of the partner center holds one, and PostgreSQL
// refuses it in a query's text arguments, which would answer as an
// internal error instead of the caller's mistake.
func hasNUL(r *http.Request) bool {
	return strings.Contains(r.URL.Path, "\x00") || strings.Contains(r.URL.RawQuery, "\x00") ||
		strings.Contains(strings.ToLower(r.URL.RawQuery), "%00") || strings.Contains(strings.ToLower(r.URL.RawPath), "%00")
}

// refuseNUL answers 400: in the API's error shape on the API's paths, as
// text elsewhere.
func refuseNUL(w http.ResponseWriter, r *http.Request, id string) {
	const msg = "the request's path or query holds a NUL character"
	if strings.HasPrefix(r.URL.Path, "/v2/") || strings.HasPrefix(r.URL.Path, "/v3/") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error_code": "CBC.0100", "error_msg": msg, "request_id": id})
		return
	}
	http.Error(w, msg, http.StatusBadRequest)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
