// Package proxy forwards requests to upstream services with
// net/http/httputil.ReverseProxy (Rewrite, not Director) over one shared,
// tuned transport: body-less GET/HEAD/OPTIONS to plain-HTTP upstreams go
// over a synchronous HTTP/1.1 path on the handler's goroutine (h1.go: the
// standard library's Request.Write and http.ReadResponse, no per-connection
// goroutines), everything else over the stock http.Transport.
//
// What the upstream receives: the request line's path is exactly
// Target.BasePath + Forward.Path (the raw path the router matched, after the
// route's StripPrefix/AddPrefix), sent verbatim (URL.Opaque) so it is never
// re-encoded; the query as sent (unparsable parameters dropped by
// ReverseProxy); Host is the upstream's; X-Forwarded-For/-Host/-Proto are
// the gateway's own (client copies and Forwarded are dropped); hop-by-hop
// headers are removed; traceparent/tracestate pass untouched. Responses are
// streamed: event streams and unknown-length bodies are flushed on every
// write, nothing is buffered beyond one pooled 32 KiB copy buffer.
//
// Errors: no response headers within the response timeout → 504; connect
// timeout → 504; refused, reset or any other transport failure → 502; a
// request body over the size limit → 413; a client that went away → 499
// (logged, nothing written).
package proxy

import (
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/problem"
)

// Defaults for services that do not set their timeouts.
const (
	DefaultConnectTimeout  = 5 * time.Second
	DefaultResponseTimeout = 30 * time.Second
)

// StatusClientClosed is recorded (never sent) when the client went away
// before the upstream answered (nginx's 499).
const StatusClientClosed = 499

// Target is one upstream base URL.
type Target struct {
	Scheme   string // http or https
	Host     string // host[:port]
	BasePath string // "" or /base without a trailing slash
	URL      string // for logs: scheme://host
}

// Upstream is a service's targets, balanced round-robin.
type Upstream struct {
	Name            string
	Targets         []*Target
	ConnectTimeout  time.Duration
	ResponseTimeout time.Duration
	next            atomic.Uint32
}

// NewUpstream compiles a service. Zero timeouts take the given defaults.
func NewUpstream(s config.Service, defConnect, defResponse time.Duration) (*Upstream, error) {
	u := &Upstream{Name: s.Name, ConnectTimeout: s.ConnectTimeout.D(), ResponseTimeout: s.ResponseTimeout.D()}
	if u.ConnectTimeout <= 0 {
		u.ConnectTimeout = defConnect
	}
	if u.ResponseTimeout <= 0 {
		u.ResponseTimeout = defResponse
	}
	if len(s.URLs) == 0 {
		return nil, errors.New("service " + s.Name + ": no upstream URL")
	}
	for _, raw := range s.URLs {
		pu, err := url.Parse(raw)
		if err != nil {
			return nil, err
		}
		if (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, errors.New("service " + s.Name + ": upstream URL " + raw + " is not http(s)://host")
		}
		base := strings.TrimRight(pu.EscapedPath(), "/")
		u.Targets = append(u.Targets, &Target{Scheme: pu.Scheme, Host: pu.Host, BasePath: base, URL: pu.Scheme + "://" + pu.Host})
	}
	return u, nil
}

// Next returns the next target, round-robin.
func (u *Upstream) Next() *Target {
	if len(u.Targets) == 1 {
		return u.Targets[0]
	}
	n := u.next.Add(1) - 1
	return u.Targets[n%uint32(len(u.Targets))]
}

// Hooks are the gateway's part of forwarding one request.
type Hooks interface {
	// Rewrite adjusts the outgoing request after the proxy has set the
	// target, path and forwarding headers (strip credentials, set identity
	// headers, header rules).
	Rewrite(out *http.Request)
	// Fail writes the error response (problem+json) for code; status
	// StatusClientClosed writes nothing.
	Fail(w http.ResponseWriter, r *http.Request, code problem.Code, err error)
}

// Forward is what to do with one request. It lives for the duration of
// Proxy.ServeHTTP.
type Forward struct {
	Target *Target
	// Path is the raw path to send after Target.BasePath.
	Path string
	// ForwardedFor is the X-Forwarded-For value to send (the gateway decides
	// which client-sent entries to keep; usually just the client address).
	ForwardedFor string
	// Proto is http or https, as the client spoke to the gateway.
	Proto           string
	ConnectTimeout  time.Duration
	ResponseTimeout time.Duration
	// RespHeader is the client response's header map: upstream response
	// headers the gateway already set (request id, CORS, rate limits) are
	// dropped from the upstream response, so the gateway's values win.
	RespHeader http.Header
	Hooks      Hooks
}

// Proxy forwards requests. It is safe for concurrent use and outlives
// configurations: one Proxy (and its connection pools) per Server.
type Proxy struct {
	rp        *httputil.ReverseProxy
	transport *h1Transport
	logger    *slog.Logger
}

// New returns a Proxy with its own transport. logger receives proxy
// internals (nil → discard).
func New(logger *slog.Logger) *Proxy {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Proxy{logger: logger}
	p.transport = newH1Transport(NewTransport(p.dial), p.dial)
	p.rp = &httputil.ReverseProxy{
		Rewrite:        rewrite,
		Transport:      p.transport,
		FlushInterval:  0, // streaming responses (event streams, unknown length) flush on every write anyway
		BufferPool:     bufferPool{},
		ModifyResponse: modifyResponse,
		ErrorHandler:   p.errorHandler,
		ErrorLog:       log.New(slogWriter{logger}, "", 0),
	}
	return p
}

// NewTransport returns the tuned stock transport: keep-alive pools sized
// for many concurrent requests per upstream, HTTP/1.1 only (no h2 attempt
// for h1 upstreams), no environment proxy, no transparent decompression
// (Accept-Encoding passes through), dial through dial.
func NewTransport(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            dial,
		ForceAttemptHTTP2:      false,
		MaxIdleConns:           0, // no global cap
		MaxIdleConnsPerHost:    1024,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  1 * time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 1 << 20,
		ReadBufferSize:         16 << 10,
		WriteBufferSize:        16 << 10,
	}
}

// Close closes idle upstream connections.
func (p *Proxy) Close() { p.transport.CloseIdleConnections() }

type ctxKey struct{}

// fwdCtx carries the Forward to the ReverseProxy hooks and the connect
// timeout to the dialer without extra allocations (one per request).
type fwdCtx struct {
	context.Context
	client         context.Context // the inbound request's
	fr             *Forward
	connectTimeout time.Duration
	timer          *time.Timer
	timedOut       atomic.Bool // set before the response timeout cancels
}

func (c *fwdCtx) Value(k any) any {
	switch k.(type) {
	case ctxKey:
		return c
	}
	return c.Context.Value(k)
}

var errResponseTimeout = errors.New("upstream response timeout")

// ServeHTTP forwards r as fr says. w should be the gateway's recording
// writer; r's context must be the server's request context.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request, fr *Forward) {
	// A plain cancel (no cause: one allocation less per request); a
	// response timeout is told apart by timedOut, set before cancelling.
	cctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ctx := &fwdCtx{Context: cctx, client: r.Context(), fr: fr, connectTimeout: fr.ConnectTimeout}
	if fr.ResponseTimeout > 0 {
		// A timer, not a deadline: the limit is on the response headers, a
		// streamed body may take as long as it needs.
		ctx.timer = time.AfterFunc(fr.ResponseTimeout, func() {
			ctx.timedOut.Store(true)
			cancel()
		})
		defer ctx.timer.Stop()
	}
	p.rp.ServeHTTP(w, r.WithContext(ctx))
}

func fromCtx(ctx context.Context) *fwdCtx {
	c, _ := ctx.Value(ctxKey{}).(*fwdCtx)
	return c
}

func rewrite(pr *httputil.ProxyRequest) {
	fr := fromCtx(pr.In.Context()).fr
	out := pr.Out
	t := fr.Target
	out.URL.Scheme = t.Scheme
	out.URL.Host = t.Host
	out.URL.Opaque = t.BasePath + fr.Path
	out.URL.Path, out.URL.RawPath = "", ""
	out.Host = ""
	h := out.Header
	delete(h, "Forwarded")
	// One backing array for both values (capacity-limited: an append to
	// one never reaches the other).
	vals := [2]string{fr.ForwardedFor, pr.In.Host}
	vs := vals[:]
	if fr.ForwardedFor != "" {
		h["X-Forwarded-For"] = vs[0:1:1]
	}
	if pr.In.Host != "" {
		h["X-Forwarded-Host"] = vs[1:2:2]
	}
	if fr.Proto == "https" {
		h["X-Forwarded-Proto"] = protoHTTPS
	} else {
		h["X-Forwarded-Proto"] = protoHTTP
	}
	if fr.Hooks != nil {
		fr.Hooks.Rewrite(out)
	}
}

var (
	protoHTTP  = []string{"http"}
	protoHTTPS = []string{"https"}
)

func modifyResponse(res *http.Response) error {
	c := fromCtx(res.Request.Context())
	if c == nil {
		return nil
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.timedOut.Load() {
		// The timer fired just before the headers arrived: the context is
		// cancelled, the body would fail; answer 504 consistently.
		return errResponseTimeout
	}
	for k := range c.fr.RespHeader {
		if k != "Vary" { // Vary values add up
			delete(res.Header, k)
		}
	}
	return nil
}

// Classify maps a forwarding error to a problem code.
func Classify(ctx context.Context, err error) problem.Code {
	var mb *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.Is(err, errResponseTimeout) || errors.Is(context.Cause(ctx), errResponseTimeout):
		return problem.GatewayTimeout
	case errors.As(err, &mb):
		return problem.PayloadTooLarge
	case errors.As(err, &ne) && ne.Timeout():
		return problem.GatewayTimeout // connect timeout
	}
	return problem.BadGateway
}

func (p *Proxy) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	c := fromCtx(r.Context())
	var fr *Forward
	code := Classify(r.Context(), err)
	if c != nil {
		fr = c.fr
		if c.timedOut.Load() {
			code = problem.GatewayTimeout
		}
	}
	// The client went away (its context, not ours, is done).
	if code == problem.BadGateway && clientGone(c, r.Context()) {
		if fr != nil && fr.Hooks != nil {
			fr.Hooks.Fail(w, r, ClientClosed, err)
		}
		return
	}
	if fr != nil && fr.Hooks != nil {
		fr.Hooks.Fail(w, r, code, err)
		return
	}
	problem.Write(w, code, "", "", "")
}

// clientGone reports whether the inbound (client) context is done, not
// ours (cancelled on a response timeout).
func clientGone(c *fwdCtx, ctx context.Context) bool {
	if c != nil {
		return c.client.Err() != nil && !c.timedOut.Load()
	}
	return ctx.Err() != nil && !errors.Is(context.Cause(ctx), errResponseTimeout)
}

// ClientClosed is the code Hooks.Fail receives when the client went away.
const ClientClosed problem.Code = 255

func (p *Proxy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	timeout := DefaultConnectTimeout
	if c, ok := ctx.Value(ctxKey{}).(*fwdCtx); ok && c.connectTimeout > 0 {
		timeout = c.connectTimeout
	}
	d := net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return conn, nil
}

type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *(buffers.Get().(*[]byte)) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }

// slogWriter adapts ReverseProxy's ErrorLog to slog.
type slogWriter struct{ l *slog.Logger }

func (s slogWriter) Write(b []byte) (int, error) {
	s.l.Warn("reverse proxy", slog.String("error", strings.TrimSpace(string(b))))
	return len(b), nil
}

var _ io.Writer = slogWriter{}
