package gateway

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gwctl/gwctl/gateway/auth"
	"github.com/gwctl/gwctl/gateway/middleware"
	"github.com/gwctl/gwctl/gateway/problem"
	"github.com/gwctl/gwctl/gateway/proxy"
)

// reqState is the per-request scratch space, pooled.
type reqState struct {
	s            *Server
	rec          recorder
	fwd          proxy.Forward
	params       [8]string
	requestID    string
	requestIDHdr []string
	path         string // raw request path, once checked
	route        *route
	rt           *runtime
	identity     *auth.Identity
	upstream     string
}

var states = sync.Pool{New: func() any {
	st := &reqState{}
	st.fwd.Hooks = st
	return st
}}

// overrideHeaders could make an upstream or a framework in between route
// differently from the gateway; they never reach the upstream.
var overrideHeaders = []string{
	"X-Http-Method-Override", "X-Http-Method", "X-Method-Override",
	"X-Original-Url", "X-Rewrite-Url", "X-Original-Method",
}

// identityHeaders are canonical keys, checked at init against the auth
// package.
var identityHeaders = func() []string {
	hs := auth.IdentityHeaders()
	for i, h := range hs {
		hs[i] = http.CanonicalHeaderKey(h)
	}
	return hs
}()

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rt := s.rt.Load()
	st := states.Get().(*reqState)
	st.s, st.rt = s, rt
	st.rec.reset(w)
	st.requestID = middleware.RequestID(r.Header.Get(middleware.RequestIDHeader))
	st.requestIDHdr = []string{st.requestID}
	w.Header()["X-Request-Id"] = st.requestIDHdr
	s.metrics.InFlight().Inc()
	defer func() {
		if p := recover(); p != nil {
			// http.ErrAbortHandler from the proxy (upstream body broke off
			// mid-response): account for it, then let net/http abort. The
			// state is not reused.
			s.finish(st, r, start)
			panic(p)
		}
	}()
	s.route(st, r)
	s.finish(st, r, start)
	*st = reqState{fwd: proxy.Forward{Hooks: st}}
	states.Put(st)
}

// finish records the metrics and the access-log line of a request.
func (s *Server) finish(st *reqState, r *http.Request, start time.Time) {
	d := time.Since(start)
	s.metrics.InFlight().Dec()
	code := st.rec.status
	if code == 0 {
		code = http.StatusOK
	}
	rm := s.unmatched
	routeID, tpl := "", ""
	if st.route != nil {
		rm, routeID, tpl = st.route.metrics, st.route.id, st.route.template
	}
	rm.Observe(metricMethod(r.Method, st.route), code, d)
	if s.access.Enabled(r.Context()) {
		consumer := ""
		if st.identity != nil {
			consumer = st.identity.ConsumerID
		}
		s.access.Log(r.Context(), &middleware.AccessEntry{
			Method: r.Method, Path: st.path, Route: routeID, Template: tpl, Status: code,
			Duration: d, Upstream: st.upstream, RequestID: st.requestID, Consumer: consumer,
			ClientIP: clientHost(r.RemoteAddr), Bytes: st.rec.bytes,
		})
	}
}

// metricMethod bounds the method label: a route's own method, or a known
// method, or OTHER.
func metricMethod(m string, rt *route) string {
	if rt != nil {
		return rt.cfg.Method
	}
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT":
		return m
	}
	return "OTHER"
}

// route handles one request.
func (s *Server) route(st *reqState, r *http.Request) {
	w := &st.rec
	rt := st.rt
	// First, so that every request pops its own framing verdict.
	if fv := middleware.CheckFraming(r); fv >= middleware.LengthAndEncoding {
		// The framing is ambiguous: nothing more is read from this
		// connection (RFC 9112 §6.3).
		w.Header().Set("Connection", "close")
		s.fail(w, r, st, problem.New(problem.BadRequest, fv.String()))
		return
	}
	path, v := middleware.CheckTarget(r.RequestURI)
	if v != middleware.TargetOK {
		s.fail(w, r, st, problem.New(problem.BadRequest, v.String()))
		return
	}
	st.path = path
	ip, ipOK := s.clientAddr(r)
	m := rt.router.Lookup(r.Method, path, st.params[:0])
	if m.Status != http.StatusOK {
		// A CORS preflight for a path that exists is answered here, for
		// the route of the method it asks about.
		if m.Status == http.StatusMethodNotAllowed && middleware.IsPreflight(r) {
			pm := rt.router.Lookup(r.Header.Get("Access-Control-Request-Method"), path, st.params[:0])
			p := &rt.global
			if pm.Status == http.StatusOK {
				p = &pm.Value.plugins
			}
			if p.cors != nil {
				if !p.ipFilter.Allowed(ip) || (!ipOK && p.ipFilter != nil) {
					s.fail(w, r, st, problem.New(problem.Forbidden, "client address not allowed"))
					return
				}
				p.cors.Preflight(w, r, m.Allow)
				return
			}
		}
		if rt.global.ipFilter != nil && (!ipOK || !rt.global.ipFilter.Allowed(ip)) {
			s.fail(w, r, st, problem.New(problem.Forbidden, "client address not allowed"))
			return
		}
		if m.Status == http.StatusMethodNotAllowed {
			w.Header()["Allow"] = []string{m.Allow}
			s.fail(w, r, st, problem.New(problem.MethodNotAllowed, ""))
			return
		}
		s.fail(w, r, st, problem.New(problem.NotFound, ""))
		return
	}
	rte := m.Value
	st.route = rte
	if r.Method == http.MethodOptions && rte.cors != nil && middleware.IsPreflight(r) {
		// An OPTIONS route exists, but a preflight is the gateway's to answer.
		rte.cors.Preflight(w, r, m.Allow)
		return
	}
	if rte.ipFilter != nil && (!ipOK || !rte.ipFilter.Allowed(ip)) {
		s.fail(w, r, st, problem.New(problem.Forbidden, "client address not allowed"))
		return
	}
	if rte.cors != nil {
		if origin := r.Header.Get("Origin"); origin != "" {
			rte.cors.Actual(w.Header(), origin)
		}
	}
	if rte.maxBody > 0 {
		if r.ContentLength > rte.maxBody {
			w.Header()["Connection"] = []string{"close"}
			s.fail(w, r, st, problem.New(problem.PayloadTooLarge, "request body exceeds the size limit"))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, rte.maxBody)
		}
	}
	id, failure := rt.auth.Authenticate(r, rte.cfg)
	if failure != nil {
		if failure.Challenge != "" {
			w.Header()["Www-Authenticate"] = []string{failure.Challenge}
		}
		code := problem.Unauthorized
		if failure.Status == http.StatusForbidden {
			code = problem.Forbidden
		}
		s.fail(w, r, st, problem.New(code, failure.Detail))
		return
	}
	st.identity = id
	if rl := rte.rateLimit; rl != nil {
		consumer := ""
		if id != nil {
			consumer = id.ConsumerID
		}
		d := rl.Take(rl.Key(consumer, ip), time.Now())
		rl.SetHeaders(w.Header(), d)
		if !d.Allowed {
			s.fail(w, r, st, problem.New(problem.TooManyRequests, "rate limit exceeded"))
			return
		}
	}
	if rte.mock != nil {
		h := w.Header()
		for k, v := range rte.mock.header {
			h[k] = v
		}
		w.WriteHeader(rte.mock.status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(rte.mock.body)
		}
		return
	}

	// Forward exactly the matched path, with the route's prefix rules.
	out := path
	if rte.stripPrefix != "" {
		out = strings.TrimPrefix(out, rte.stripPrefix)
		if out == "" {
			out = "/"
		}
	}
	if rte.addPrefix != "" {
		if out == "/" {
			out = rte.addPrefix
		} else {
			out = rte.addPrefix + out
		}
	}
	up := rte.upstream
	t := up.Next()
	st.upstream = t.Host
	fw := &st.fwd
	fw.Target = t
	fw.Path = out
	fw.ForwardedFor = s.forwardedFor(r, ip, ipOK)
	fw.Proto = "http"
	if r.TLS != nil {
		fw.Proto = "https"
	}
	fw.ConnectTimeout, fw.ResponseTimeout = up.ConnectTimeout, up.ResponseTimeout
	if rte.connect > 0 {
		fw.ConnectTimeout = rte.connect
	}
	if rte.response > 0 {
		fw.ResponseTimeout = rte.response
	}
	fw.RespHeader = w.Header()
	s.proxy.ServeHTTP(w, r, fw)
	return
}

// Rewrite is the gateway's part of the outgoing request (proxy.Hooks):
// override headers and credentials out, identity and request id in, then
// the route's header rules (which cannot touch identity headers).
func (st *reqState) Rewrite(out *http.Request) {
	h := out.Header
	for _, k := range overrideHeaders {
		delete(h, k)
	}
	rte := st.route
	st.rt.auth.StripCredentials(out, rte.cfg)
	// Client-sent identity headers never pass; the gateway sets its own.
	if st.identity != nil {
		st.identity.SetHeaders(h)
	} else {
		for _, k := range identityHeaders {
			delete(h, k)
		}
	}
	if rte.headers != nil {
		for _, k := range rte.headers.remove {
			delete(h, k)
		}
		for _, kv := range rte.headers.set {
			h[kv[0]] = []string{kv[1]}
		}
	}
	h["X-Request-Id"] = st.requestIDHdr // shared, read-only
}

// Fail writes a forwarding error (proxy.Hooks).
func (st *reqState) Fail(w http.ResponseWriter, r *http.Request, code problem.Code, err error) {
	if code == proxy.ClientClosed {
		st.rec.status = proxy.StatusClientClosed
		return
	}
	st.s.problems.Error(w, r, st.requestID, &problem.Error{Code: code, Cause: err})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, st *reqState, err *problem.Error) {
	s.problems.Error(w, r, st.requestID, err)
}

// clientAddr is the client's address: the peer, or with a trusted peer the
// right-most untrusted X-Forwarded-For entry.
func (s *Server) clientAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	peer := ap.Addr().Unmap()
	if len(s.trusted) == 0 || !middleware.Contains(s.trusted, peer) {
		return peer, true
	}
	xff := r.Header.Values("X-Forwarded-For")
	for i := len(xff) - 1; i >= 0; i-- {
		parts := strings.Split(xff[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return peer, true // garbage: stop trusting the chain
			}
			a = a.Unmap()
			if !middleware.Contains(s.trusted, a) {
				return a, true
			}
		}
	}
	return peer, true
}

// forwardedFor is the X-Forwarded-For value sent upstream: the client
// chain as received from a trusted proxy plus the peer, or just the peer.
func (s *Server) forwardedFor(r *http.Request, client netip.Addr, ok bool) string {
	peer := clientHost(r.RemoteAddr)
	if len(s.trusted) == 0 {
		return peer
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !middleware.Contains(s.trusted, ap.Addr().Unmap()) {
		return peer
	}
	prior := r.Header.Values("X-Forwarded-For")
	if len(prior) == 0 {
		return peer
	}
	return strings.Join(prior, ", ") + ", " + peer
}

// clientHost is the host part of a RemoteAddr, without allocating.
func clientHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
