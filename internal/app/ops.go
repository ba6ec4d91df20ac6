package app

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// opsRoutes serves liveness, readiness and Prometheus metrics.
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
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
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
