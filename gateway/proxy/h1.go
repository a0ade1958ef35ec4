package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"sync"
	"syscall"
	"time"
)

// h1Transport sends body-less GET, HEAD and OPTIONS requests to plain-HTTP
// upstreams over HTTP/1.1 on the caller's goroutine, and everything else
// through the stock http.Transport (fallback).
//
// Why: http.Transport runs a reader and a writer goroutine per connection and
// hands every request and response between them and the caller over
// channels. On the 2-core benchmark VM that handoff is about a third of the
// proxy's CPU per request (bench/README.md): the synchronous path writes the
// request and reads the response on the handler's goroutine with the
// standard library's own serializer and parser (Request.Write,
// http.ReadResponse), so what reaches the upstream and how its answer is
// parsed are the same as with http.Transport.
//
// The fast path is confined to requests that are safe to replay and have
// nothing to stream upstream: no body, no Upgrade, no Expect, scheme http
// (TLS, WebSocket upgrades, request bodies and every other method take the
// stock transport). What http.Transport's idle reader would notice, the fast
// path checks before reusing a connection: a non-blocking MSG_PEEK tells a
// connection the upstream closed (EOF) or one holding bytes nobody asked for
// (closed, never parsed as the next answer). A reused connection that still
// fails before the first response byte is retried once on a new connection.
// Response headers are limited to MaxResponseHeaderBytes, interim 1xx
// answers are passed to the ClientTrace (ReverseProxy forwards 103), and a
// cancelled context (client gone, response timeout) interrupts a blocked
// read through the connection's deadline.
type h1Transport struct {
	fallback    *http.Transport
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	maxIdle     int           // idle connections kept per host
	idleTimeout time.Duration // an idle connection older than this is closed
	maxHeader   int64         // response header bytes

	pools sync.Map // upstream address → *h1Pool
}

func newH1Transport(fallback *http.Transport, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *h1Transport {
	return &h1Transport{
		fallback:    fallback,
		dial:        dial,
		maxIdle:     fallback.MaxIdleConnsPerHost,
		idleTimeout: fallback.IdleConnTimeout,
		maxHeader:   fallback.MaxResponseHeaderBytes,
	}
}

// fast reports whether req takes the synchronous path.
func fast(req *http.Request) bool {
	if !peekSupported || req.URL.Scheme != "http" || (req.Body != nil && req.Body != http.NoBody) || req.ContentLength != 0 {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		return false
	}
	h := req.Header
	return len(h["Upgrade"]) == 0 && len(h["Expect"]) == 0 && len(req.TransferEncoding) == 0
}

// RoundTrip implements http.RoundTripper.
func (t *h1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !fast(req) {
		return t.fallback.RoundTrip(req)
	}
	ctx := req.Context()
	addr := canonicalAddr(req.URL.Host)
	pool := t.pool(addr)
	pc := pool.get(t.idleTimeout)
	for attempt := 0; ; attempt++ {
		if pc == nil {
			var err error
			if pc, err = t.connect(ctx, addr); err != nil {
				return nil, err
			}
		}
		resp, err := t.exchange(ctx, pool, pc, req)
		if err == nil {
			return resp, nil
		}
		retry := pc.reused && pc.nread == 0 && attempt == 0 && ctx.Err() == nil
		pc.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !retry {
			return nil, err
		}
		pc = nil // a new connection, not another idle one
	}
}

// exchange writes req on pc and reads its response. On error the caller
// closes pc.
func (t *h1Transport) exchange(ctx context.Context, pool *h1Pool, pc *h1Conn, req *http.Request) (*http.Response, error) {
	pc.nread = 0
	stop := context.AfterFunc(ctx, pc.interrupt)
	fail := func(err error) (*http.Response, error) {
		stop()
		return nil, err
	}
	if err := req.Write(pc.bw); err != nil {
		return fail(err)
	}
	if err := pc.bw.Flush(); err != nil {
		return fail(err)
	}
	pc.limit = t.maxHeader
	var resp *http.Response
	for interim := 0; ; interim++ {
		var err error
		if resp, err = http.ReadResponse(pc.br, req); err != nil {
			return fail(err)
		}
		code := resp.StatusCode
		if code < 100 || code > 199 {
			break
		}
		if code == http.StatusSwitchingProtocols {
			return fail(errors.New("upstream switched protocols on a request that asked for no upgrade"))
		}
		if interim == 8 {
			return fail(errors.New("upstream sent too many 1xx responses"))
		}
		if trace := httptrace.ContextClientTrace(ctx); trace != nil && trace.Got1xxResponse != nil {
			if err := trace.Got1xxResponse(code, textproto.MIMEHeader(resp.Header)); err != nil {
				return fail(err)
			}
		}
	}
	pc.limit = -1
	keep := !resp.Close && !req.Close
	if resp.Body == http.NoBody {
		if stop() && keep {
			pool.put(pc, t)
		} else {
			pc.close()
		}
		return resp, nil
	}
	resp.Body = &h1Body{rc: resp.Body, pc: pc, pool: pool, t: t, stop: stop, keep: keep}
	return resp, nil
}

func (t *h1Transport) connect(ctx context.Context, addr string) (*h1Conn, error) {
	dial := t.dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	pc := &h1Conn{conn: c, limit: -1}
	if sc, ok := c.(syscall.Conn); ok {
		pc.raw, _ = sc.SyscallConn()
	}
	pc.br = bufio.NewReaderSize(pc, 16<<10)
	pc.bw = bufio.NewWriterSize(c, 4<<10)
	return pc, nil
}

func (t *h1Transport) pool(addr string) *h1Pool {
	if p, ok := t.pools.Load(addr); ok {
		return p.(*h1Pool)
	}
	p, _ := t.pools.LoadOrStore(addr, &h1Pool{})
	return p.(*h1Pool)
}

// CloseIdleConnections closes every idle connection of both paths.
func (t *h1Transport) CloseIdleConnections() {
	t.pools.Range(func(_, p any) bool {
		p.(*h1Pool).closeIdle(0)
		return true
	})
	t.fallback.CloseIdleConnections()
}

// canonicalAddr adds the default port to a host without one.
func canonicalAddr(host string) string {
	if _, port, err := net.SplitHostPort(host); err == nil && port != "" {
		return host
	}
	if len(host) > 0 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	return net.JoinHostPort(host, "80")
}

// h1Conn is one upstream connection. Only one request uses it at a time.
type h1Conn struct {
	conn      net.Conn
	raw       syscall.RawConn
	br        *bufio.Reader // reads through the h1Conn (counting, header limit)
	bw        *bufio.Writer
	nread     int64 // bytes read since the current request was written
	limit     int64 // bytes the response headers may still take; -1 none
	reused    bool
	idleSince time.Time
}

var errHeaderTooLarge = errors.New("upstream response headers too large")

// Read counts what the upstream sent for the current request and enforces
// the header limit while the headers are parsed.
func (c *h1Conn) Read(p []byte) (int, error) {
	if c.limit == 0 {
		return 0, errHeaderTooLarge
	}
	if c.limit > 0 && int64(len(p)) > c.limit {
		p = p[:c.limit]
	}
	n, err := c.conn.Read(p)
	c.nread += int64(n)
	if c.limit > 0 {
		c.limit -= int64(n)
	}
	return n, err
}

// interrupt unblocks a read or write in progress (the request's context
// is done). The connection is not reused afterwards.
func (c *h1Conn) interrupt() { _ = c.conn.SetDeadline(time.Unix(1, 0)) }

func (c *h1Conn) close() { _ = c.conn.Close() }

// usable reports whether an idle connection can carry a request: nothing
// buffered, and the socket neither closed by the upstream nor holding
// unsolicited bytes.
func (c *h1Conn) usable() bool {
	if c.br.Buffered() > 0 || c.raw == nil {
		return false
	}
	return peekIdle(c.raw)
}

// h1Pool is one upstream address's idle connections, most recent last.
type h1Pool struct {
	mu    sync.Mutex
	idle  []*h1Conn
	sweep *time.Timer
}

// get returns a usable idle connection, or nil.
func (p *h1Pool) get(idleTimeout time.Duration) *h1Conn {
	for {
		p.mu.Lock()
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			return nil
		}
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if (idleTimeout > 0 && time.Since(c.idleSince) > idleTimeout) || !c.usable() {
			c.close()
			continue
		}
		c.reused = true
		return c
	}
}

func (p *h1Pool) put(c *h1Conn, t *h1Transport) {
	c.idleSince = time.Now()
	p.mu.Lock()
	if len(p.idle) >= t.maxIdle {
		p.mu.Unlock()
		c.close()
		return
	}
	p.idle = append(p.idle, c)
	if p.sweep == nil && t.idleTimeout > 0 {
		p.sweep = time.AfterFunc(t.idleTimeout, func() { p.expire(t.idleTimeout) })
	}
	p.mu.Unlock()
}

// expire closes connections idle for longer than d and re-arms the sweep
// while any remain.
func (p *h1Pool) expire(d time.Duration) {
	p.closeIdle(d)
	p.mu.Lock()
	p.sweep = nil
	if len(p.idle) > 0 {
		p.sweep = time.AfterFunc(d, func() { p.expire(d) })
	}
	p.mu.Unlock()
}

// closeIdle closes the connections idle for at least d (all for 0).
func (p *h1Pool) closeIdle(d time.Duration) {
	p.mu.Lock()
	var old []*h1Conn
	keep := p.idle[:0]
	for _, c := range p.idle {
		if d == 0 || time.Since(c.idleSince) >= d {
			old = append(old, c)
		} else {
			keep = append(keep, c)
		}
	}
	clear(p.idle[len(keep):])
	p.idle = keep
	p.mu.Unlock()
	for _, c := range old {
		c.close()
	}
}

// h1Body is a response body on the fast path: read to its end, the
// connection goes back to the pool; closed early or failing, the connection
// is closed.
type h1Body struct {
	rc   io.ReadCloser
	pc   *h1Conn
	pool *h1Pool
	t    *h1Transport
	stop func() bool
	keep bool
	done bool
	err  error // what ended the body (io.EOF at its end)
}

func (b *h1Body) Read(p []byte) (int, error) {
	if b.done {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	if err != nil {
		b.done, b.err = true, err
		// stop() false: the context fired and poisoned the deadline.
		if b.stop() && err == io.EOF && b.keep {
			b.pool.put(b.pc, b.t)
		} else {
			b.pc.close()
		}
	}
	return n, err
}

func (b *h1Body) Close() error {
	if !b.done {
		b.done, b.err = true, http.ErrBodyReadAfterClose
		b.stop()
		b.pc.close()
	}
	return nil
}
