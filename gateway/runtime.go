package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gwctl/gwctl/gateway/auth"
	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/middleware"
	"github.com/gwctl/gwctl/gateway/proxy"
	"github.com/gwctl/gwctl/gateway/router"
)

// runtime is everything one configuration compiles to. It is immutable once
// stored: requests that loaded it keep using it while a newer one is
// swapped in.
type runtime struct {
	revision     string
	consumersKey string
	cfg          *config.Config // private deep copy
	router       *router.Router[*route]
	auth         *auth.Engine
	global       plugins // for requests that match no route
}

type plugins struct {
	cors      *middleware.CORS
	ipFilter  *middleware.IPFilter
	rateLimit *middleware.RateLimiter
	maxBody   int64 // 0: no limit
	headers   *headerRules
	connect   time.Duration // route timeouts override (0: service's)
	response  time.Duration
}

type headerRules struct {
	remove []string
	set    [][2]string // canonical name, value
}

// route is one compiled route.
type route struct {
	plugins
	cfg         *config.Route
	id          string
	template    string
	upstream    *proxy.Upstream
	stripPrefix string
	addPrefix   string
	mock        *mockResponse
	metrics     *middleware.RouteMetrics
}

type mockResponse struct {
	status int
	header http.Header
	body   []byte
}

// ValidationError is returned by Apply for an invalid configuration: every
// field error, for a 422.
type ValidationError struct {
	Errors []config.FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Error()
	}
	return "invalid configuration: " + strings.Join(msgs, "; ")
}

// Apply validates cfg and builds the whole new runtime (router table, auth
// engine, plugin chains, upstream targets), then swaps it in with one
// atomic store: requests in flight finish on the old one. Applying the live
// revision with the same consumers is a no-op. On error nothing changes.
func (s *Server) Apply(cfg *config.Config, consumers []config.Consumer) error {
	if cfg == nil {
		cfg = &config.Config{}
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	rev := cfg.Revision
	if rev == "" {
		rev = cfg.ComputeRevision()
	}
	ckey, err := consumersKey(consumers)
	if err != nil {
		return err
	}
	cur := s.rt.Load()
	if cur != nil && cur.revision == rev && cur.consumersKey == ckey && rev != "" {
		return nil
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	rt, limiters, err := s.build(cfg, consumers, rev, ckey)
	if err != nil {
		return err
	}
	s.rt.Store(rt)
	s.limiters = limiters
	now := time.Now().UTC()
	s.updated.Store(&now)
	s.metrics.Swapped()
	s.forgetRemovedRoutes(cfg)
	s.log.Info("gateway: configuration applied", "revision", rev, "routes", rt.router.Len(), "consumers", len(consumers))
	return nil
}

func consumersKey(cs []config.Consumer) (string, error) {
	b, err := json.Marshal(cs)
	if err != nil {
		return "", fmt.Errorf("gateway: consumers: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// build compiles cfg (already validated) into a runtime. It reads
// s.limiters (rate-limit state carried over) and returns the limiters the
// new runtime uses; it changes nothing on s but the route metrics cache.
func (s *Server) build(in *config.Config, consumers []config.Consumer, rev, ckey string) (*runtime, map[string]*middleware.RateLimiter, error) {
	cfg, err := deepCopy(in)
	if err != nil {
		return nil, nil, err
	}
	// Every route names its owner (the auth engine resolves schemes in the
	// route's owner section; Validate allowed it to be empty).
	for oi := range cfg.Owners {
		for ri := range cfg.Owners[oi].Routes {
			cfg.Owners[oi].Routes[ri].Owner = cfg.Owners[oi].Name
		}
	}
	rt := &runtime{revision: rev, consumersKey: ckey, cfg: cfg}
	limiters := map[string]*middleware.RateLimiter{}
	if rt.auth, err = auth.New(cfg, consumers); err != nil {
		return nil, nil, fmt.Errorf("gateway: auth: %w", err)
	}
	if rt.global, err = s.compilePlugins(&cfg.Plugins, nil, "", limiters); err != nil {
		return nil, nil, fmt.Errorf("gateway: plugins: %w", err)
	}
	n := 0
	for oi := range cfg.Owners {
		n += len(cfg.Owners[oi].Routes)
	}
	entries := make([]router.Entry[*route], 0, n)
	var errs []error
	for oi := range cfg.Owners {
		o := &cfg.Owners[oi]
		ups := map[string]*proxy.Upstream{}
		for _, svc := range o.Services {
			u, err := proxy.NewUpstream(svc, s.opts.DefaultConnectTimeout, s.opts.DefaultResponseTimeout)
			if err != nil {
				errs = append(errs, fmt.Errorf("owner %s: %w", o.Name, err))
				continue
			}
			ups[svc.Name] = u
		}
		for ri := range o.Routes {
			r := &o.Routes[ri]
			cr := &route{cfg: r, id: r.ID, template: r.Path, upstream: ups[r.Service],
				stripPrefix: r.StripPrefix, addPrefix: r.AddPrefix, metrics: s.routeMetrics(r.ID)}
			if cr.upstream == nil && r.Mock == nil {
				errs = append(errs, fmt.Errorf("route %s: unknown service %q", r.ID, r.Service))
				continue
			}
			if cr.plugins, err = s.compilePlugins(&r.Plugins, &cfg.Plugins, r.ID, limiters); err != nil {
				errs = append(errs, fmt.Errorf("route %s: %w", r.ID, err))
				continue
			}
			if r.Mock != nil {
				cr.mock = compileMock(r.Mock)
			}
			entries = append(entries, router.Entry[*route]{Method: r.Method, Template: r.Path, Value: cr})
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	if rt.router, err = router.New(entries); err != nil {
		return nil, nil, fmt.Errorf("gateway: routes: %w", err)
	}
	return rt, limiters, nil
}

// deepCopy gives the runtime its own owners, services, routes and schemes
// (it fills in Route.Owner). Nested values (security requirements, plugin
// settings, keys) are shared: a configuration handed to Apply is treated as
// immutable, as the admin API and the stores do.
func deepCopy(c *config.Config) (*config.Config, error) {
	out := &config.Config{Revision: c.Revision, Plugins: c.Plugins}
	out.Owners = make([]config.Owner, len(c.Owners))
	for i, o := range c.Owners {
		o.Services = append([]config.Service(nil), o.Services...)
		o.Routes = append([]config.Route(nil), o.Routes...)
		o.Schemes = append([]config.Scheme(nil), o.Schemes...)
		out.Owners[i] = o
	}
	return out, nil
}

// compilePlugins compiles own, falling back field by field to global (nil
// when own is the global set; routeID names the route otherwise). A rate
// limit configured globally is one limiter shared by every route (per
// consumer); a route's own limit counts that route only. Limiters whose
// settings did not change keep their state across configurations.
func (s *Server) compilePlugins(own, global *config.Plugins, routeID string, limiters map[string]*middleware.RateLimiter) (plugins, error) {
	var p plugins
	eff := *own
	rlScope := "global"
	if global != nil {
		if eff.RateLimit == nil {
			eff.RateLimit = global.RateLimit
		} else {
			rlScope = "route " + routeID
		}
		if eff.CORS == nil {
			eff.CORS = global.CORS
		}
		if eff.MaxBodySize == nil {
			eff.MaxBodySize = global.MaxBodySize
		}
		if eff.IPFilter == nil {
			eff.IPFilter = global.IPFilter
		}
		if eff.Timeouts == nil {
			eff.Timeouts = global.Timeouts
		}
		if eff.Headers == nil {
			eff.Headers = global.Headers
		}
	}
	var err error
	if p.ipFilter, err = middleware.NewIPFilter(eff.IPFilter); err != nil {
		return p, err
	}
	p.cors = middleware.NewCORS(eff.CORS)
	if eff.MaxBodySize != nil {
		p.maxBody = *eff.MaxBodySize
	}
	if t := eff.Timeouts; t != nil {
		p.connect, p.response = t.Connect.D(), t.Response.D()
	}
	if h := eff.Headers; h != nil {
		hr := &headerRules{}
		for _, name := range h.Remove {
			hr.remove = append(hr.remove, http.CanonicalHeaderKey(name))
		}
		for name, v := range h.Set {
			hr.set = append(hr.set, [2]string{http.CanonicalHeaderKey(name), v})
		}
		p.headers = hr
	}
	if rl := eff.RateLimit; rl != nil {
		key := rlScope + "\x00" + strconv.Itoa(rl.Requests) + "/" + rl.Window.D().String() + "/" + strconv.Itoa(rl.Burst) + "/" + rl.By
		l := limiters[key]
		if l == nil {
			l = s.limiters[key]
		}
		if l == nil {
			l = middleware.NewRateLimiter(rl)
		}
		limiters[key] = l
		p.rateLimit = l
	}
	return p, nil
}

// routeMetrics returns the cached series of a route id: a route keeps its
// RouteMetrics (and the counters it resolved) across configurations, and
// an Apply of 10,000 routes does no label hashing for routes it already
// knew. Entries of routes a new configuration no longer has are dropped by
// forgetRemovedRoutes. Called under applyMu (or from New).
func (s *Server) routeMetrics(id string) *middleware.RouteMetrics {
	if rm := s.routes[id]; rm != nil {
		return rm
	}
	rm := s.metrics.Route(id)
	s.routes[id] = rm
	return rm
}

// forgetRemovedRoutes drops the cached metrics and the exported series of
// routes that cfg no longer publishes. Called under applyMu after a swap.
func (s *Server) forgetRemovedRoutes(cfg *config.Config) {
	if len(s.routes) == 0 {
		return
	}
	live := make(map[string]bool, len(s.routes))
	for _, o := range cfg.Owners {
		for _, r := range o.Routes {
			live[r.ID] = true
		}
	}
	for id := range s.routes {
		if !live[id] {
			delete(s.routes, id)
			s.metrics.Forget(id)
		}
	}
}

func compileMock(m *config.Mock) *mockResponse {
	mr := &mockResponse{status: m.Status, header: http.Header{}, body: []byte(m.Body)}
	for k, v := range m.Headers {
		mr.header.Set(k, v)
	}
	if mr.header.Get("Content-Type") == "" && len(mr.body) > 0 {
		mr.header.Set("Content-Type", "application/json")
	}
	mr.header.Set("Content-Length", strconv.Itoa(len(mr.body)))
	return mr
}
