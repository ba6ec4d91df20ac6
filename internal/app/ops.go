package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// opsRoutes serves liveness and readiness, and Prometheus metrics when
// they are on the main address (see metricsHandler).
func (a *App) opsRoutes(mux *http.ServeMux) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fanmail_http_requests_total", Help: "HTTP requests by route pattern and status.",
	}, []string{"route", "status"})
	a.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "fanmail_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8),
	}, []string{"route"})
	reg.MustRegister(a.httpRequests, a.httpDuration)
	a.metrics = reg

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.db.Ping(ctx); err != nil {
			a.logger.Warn("readiness: database unreachable", "err", err)
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	if a.cfg.MetricsAddr == "" && a.cfg.MetricsToken != "" {
		mux.Handle("GET /metrics", a.metricsHandler())
	}
}

// metricsHandler serves the metrics, to requests bearing the metrics token
// when one is set. Metrics name routes and counts, not people, but they
// are for the operator: with neither a token nor an address of their own
// (config.Config.MetricsAddr) they are not served at all.
func (a *App) metricsHandler() http.Handler {
	return a.operatorOnly(promhttp.HandlerFor(a.metrics, promhttp.HandlerOpts{}))
}

// operatorOnly serves h only to requests bearing the metrics token, when
// one is set.
func (a *App) operatorOnly(h http.Handler) http.Handler {
	want := []byte("Bearer " + a.cfg.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fanmail metrics"`)
			http.Error(w, "metrics need the metrics token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ListenMetrics binds the metrics address, if one is configured; Run does
// it when it has not been done. MetricsAddr then reports the bound address.
func (a *App) ListenMetrics() error {
	if a.cfg.MetricsAddr == "" || a.metricsListener != nil {
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen for metrics: %w", err)
	}
	a.metricsListener = ln
	return nil
}

// MetricsAddr returns the bound metrics address, after ListenMetrics, or ""
// when metrics have no address of their own.
func (a *App) MetricsAddr() string {
	if a.metricsListener == nil {
		return ""
	}
	return a.metricsListener.Addr().String()
}

// serveMetrics serves /metrics and Go's profiles (/debug/pprof/: heap,
// goroutines, CPU) on the metrics listener until shutdown (see Run). The
// profiles are there and nowhere else: they show the operator where memory
// and CPU go, and are no business of the public address.
func (a *App) serveMetrics() {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metricsHandler())
	mux.Handle("GET /debug/pprof/", a.operatorOnly(http.HandlerFunc(pprof.Index)))
	mux.Handle("GET /debug/pprof/profile", a.operatorOnly(http.HandlerFunc(pprof.Profile)))
	a.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := a.metricsServer.Serve(a.metricsListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.logger.Error("metrics server stopped", "err", err)
		}
	}()
	a.logger.Info("metrics serving", "addr", a.MetricsAddr())
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// accessLog logs one line per request (method, route pattern, status,
// duration) and feeds the metrics. It logs the pattern, not the URL, so no
// query string (tokens, addresses) reaches the log.
func (a *App) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		d := time.Since(start)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		a.httpRequests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
		a.httpDuration.WithLabelValues(route).Observe(d.Seconds())
		a.logger.Info("http request", "method", r.Method, "route", route, "status", rec.status, "duration_ms", float64(d.Microseconds())/1000)
	})
}
