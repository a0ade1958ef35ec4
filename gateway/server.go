// Package gateway is the data plane: a Server holds the live runtime (router
// table, auth engine, plugin chains, upstreams) built from one configuration
// and swapped in with one atomic pointer store, and serves the proxy
// listener.
//
// Request path, in order: request id; strict framing checks (400, and the
// connection is closed) and request-target checks (400);
// routing (404, 405 with Allow; CORS preflights answered here); IP filter
// (403); CORS response headers; body size limit (413); authentication (401
// with WWW-Authenticate, 403); rate limit (429 with Retry-After); mock
// answer or proxy to the upstream (502, 504). Every error is
// application/problem+json written by gateway/problem; every request gets one
// access-log line and its metrics.
package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/middleware"
	"github.com/gwctl/gwctl/gateway/problem"
	"github.com/gwctl/gwctl/gateway/proxy"
)

// Options configure a Server.
type Options struct {
	// NodeID names this node in Status.
	NodeID string
	// Logger receives the access log (one JSON line per request at Info)
	// and errors; nil discards.
	Logger *slog.Logger
	// Registry receives the gateway metrics; nil creates one (see
	// MetricsHandler).
	Registry *prometheus.Registry
	// Defaults for services without their own timeouts (5s, 30s).
	DefaultConnectTimeout, DefaultResponseTimeout time.Duration
	// TrustedProxies (CIDRs or addresses) may set X-Forwarded-For: when the
	// peer is one of them, the client address is the right-most entry that
	// is not, and the chain is forwarded. Otherwise client copies are
	// dropped and the peer is the client.
	TrustedProxies []string
	// DrainTimeout bounds the graceful shutdown of Serve (default 15s).
	DrainTimeout time.Duration
	// ReadHeaderTimeout (default 10s) and IdleTimeout (default 120s) of the
	// proxy listener; MaxHeaderBytes defaults to 64 KiB.
	ReadHeaderTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                 int
}

// Server is one gateway node's data plane.
type Server struct {
	opts      Options
	log       *slog.Logger
	access    *middleware.AccessLog
	problems  problem.Writer
	registry  *prometheus.Registry
	metrics   *middleware.Metrics
	proxy     *proxy.Proxy
	trusted   []netip.Prefix
	startedAt time.Time
	nodeID    string

	rt atomic.Pointer[runtime]

	applyMu   sync.Mutex
	limiters  map[string]*middleware.RateLimiter  // reused across swaps while unchanged
	routes    map[string]*middleware.RouteMetrics // by route id, across swaps (applyMu)
	updated   atomic.Pointer[time.Time]
	unmatched *middleware.RouteMetrics
}

// New returns a Server serving an empty configuration (every request 404)
// until the first Apply.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DefaultConnectTimeout <= 0 {
		opts.DefaultConnectTimeout = proxy.DefaultConnectTimeout
	}
	if opts.DefaultResponseTimeout <= 0 {
		opts.DefaultResponseTimeout = proxy.DefaultResponseTimeout
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = 15 * time.Second
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = 10 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 120 * time.Second
	}
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = 64 << 10
	}
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := middleware.NewMetrics(reg)
	if err != nil {
		// Registered twice on a shared registry: a programming error.
		panic("gateway: register metrics: " + err.Error())
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		access:    middleware.NewAccessLog(opts.Logger),
		problems:  problem.Writer{Logger: opts.Logger},
		registry:  reg,
		metrics:   m,
		proxy:     proxy.New(opts.Logger),
		startedAt: time.Now().UTC(),
		nodeID:    opts.NodeID,
		limiters:  map[string]*middleware.RateLimiter{},
		routes:    map[string]*middleware.RouteMetrics{},
	}
	if ps, err := middleware.ParsePrefixes(opts.TrustedProxies); err == nil {
		s.trusted = ps
	} else {
		s.log.Error("gateway: ignoring TrustedProxies", "err", err)
	}
	s.unmatched = m.Route(middleware.Unmatched)
	empty, _, err := s.build(&config.Config{}, nil, "", "")
	if err != nil {
		panic("gateway: empty configuration: " + err.Error())
	}
	s.rt.Store(empty)
	return s
}

// Handler is the proxy listener's handler.
func (s *Server) Handler() http.Handler { return handler{s} }

type handler struct{ s *Server }

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.s.serve(w, r) }

// Revision is the live configuration revision ("" before the first Apply
// or for an empty configuration).
func (s *Server) Revision() string { return s.rt.Load().revision }

// Status is this node's view.
func (s *Server) Status() config.NodeStatus {
	st := config.NodeStatus{ID: s.nodeID, Revision: s.Revision(), StartedAt: s.startedAt}
	if t := s.updated.Load(); t != nil {
		st.UpdatedAt = *t
	} else {
		st.UpdatedAt = s.startedAt
	}
	return st
}

// MetricsHandler serves the registry in the Prometheus text format.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry})
}

// Serve serves the proxy on ln until ctx is cancelled, then shuts down
// gracefully: the listener closes, idle connections close, in-flight
// requests finish within DrainTimeout (then the rest are cut). It returns
// nil after a graceful shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    s.opts.MaxHeaderBytes,
		// "OPTIONS *" reaches the handler (and is refused) instead of
		// being answered 200 by net/http.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:                  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		// Each connection's request stream is scanned for framing that
		// net/http hides from handlers (see middleware.CheckFraming).
		ConnContext: middleware.FramingConnContext,
	}
	ln = middleware.FramingListener(ln, s.opts.MaxHeaderBytes, s.log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	dctx, cancel := context.WithTimeout(context.Background(), s.opts.DrainTimeout)
	defer cancel()
	if err := srv.Shutdown(dctx); err != nil {
		s.log.Warn("gateway: drain timeout, closing remaining connections", "err", err)
		_ = srv.Close()
	}
	s.proxy.Close()
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
