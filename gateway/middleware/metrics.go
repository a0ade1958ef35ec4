package middleware

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gateway's Prometheus series, registered on a registry the
// caller owns (never the global one).
type Metrics struct {
	requests *prometheus.CounterVec   // route, method, status
	duration *prometheus.HistogramVec // route
	inflight prometheus.Gauge
	swaps    prometheus.Counter
}

// NewMetrics registers the gateway series on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gwctl_gateway_requests_total",
			Help: "Requests answered by the gateway, by route id, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gwctl_gateway_request_duration_seconds",
			Help:    "Time from request to the end of the response, by route id.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gwctl_gateway_requests_in_flight",
			Help: "Requests being served.",
		}),
		swaps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gwctl_gateway_config_swaps_total",
			Help: "Configurations applied (atomic swaps).",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inflight, m.swaps} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// InFlight is the in-flight gauge.
func (m *Metrics) InFlight() prometheus.Gauge { return m.inflight }

// Swapped counts one configuration swap.
func (m *Metrics) Swapped() { m.swaps.Inc() }

// Unmatched is the route label of requests that matched no route.
const Unmatched = "unmatched"

// RouteMetrics caches one route's series so that the request path does no
// label hashing: the histogram child once, counters per (method, status)
// on first use. Create one per route per configuration; series persist in
// the registry across configurations.
type RouteMetrics struct {
	m        *Metrics
	route    string
	duration prometheus.Observer
	mu       sync.Mutex
	counters atomic.Pointer[[]statusCounter] // copy-on-write, scanned linearly
}

type statusCounter struct {
	method string
	status int
	c      prometheus.Counter
}

// Route returns the cached series of a route id.
func (m *Metrics) Route(id string) *RouteMetrics {
	return &RouteMetrics{m: m, route: id, duration: m.duration.WithLabelValues(id)}
}

// Forget deletes the series of a route that is no longer published, so
// /metrics does not grow with every route ever served. A request still in
// flight on the old configuration may record into the deleted series; that
// observation is simply not exported.
func (m *Metrics) Forget(id string) {
	m.duration.DeleteLabelValues(id)
	m.requests.DeletePartialMatch(prometheus.Labels{"route": id})
}

// Observe records one request.
func (rm *RouteMetrics) Observe(method string, status int, d time.Duration) {
	rm.duration.Observe(d.Seconds())
	rm.counter(method, status).Inc()
}

func (rm *RouteMetrics) counter(method string, status int) prometheus.Counter {
	if p := rm.counters.Load(); p != nil {
		for i := range *p {
			if sc := &(*p)[i]; sc.status == status && sc.method == method {
				return sc.c
			}
		}
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var cur []statusCounter
	if p := rm.counters.Load(); p != nil {
		cur = *p
		for i := range cur {
			if cur[i].status == status && cur[i].method == method {
				return cur[i].c
			}
		}
	}
	c := rm.m.requests.WithLabelValues(rm.route, method, strconv.Itoa(status))
	if len(cur) >= 64 { // unusual method/status mix: do not grow without bound
		return c
	}
	next := append(append(make([]statusCounter, 0, len(cur)+1), cur...), statusCounter{method, status, c})
	rm.counters.Store(&next)
	return c
}
