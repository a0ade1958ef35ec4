package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawUpstream is a loopback HTTP/1.1 upstream written by hand, so a test can
// misbehave exactly as it needs to. serve runs once per accepted connection.
type rawUpstream struct {
	ln    net.Listener
	conns atomic.Int32
	wg    sync.WaitGroup
}

func startRaw(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) *rawUpstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &rawUpstream{ln: ln}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u.conns.Add(1)
			u.wg.Add(1)
			go func() {
				defer u.wg.Done()
				defer c.Close()
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); u.wg.Wait() })
	return u
}

func (u *rawUpstream) url() string { return "http://" + u.ln.Addr().String() }

// readHead reads one request head; false at EOF or on a broken request.
func readHead(br *bufio.Reader) (*http.Request, bool) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, false
	}
	return req, true
}

func newTestTransport(t *testing.T) *h1Transport {
	t.Helper()
	if !peekSupported {
		t.Skip("the synchronous path needs MSG_PEEK (linux only); other systems use the stock transport")
	}
	tr := newH1Transport(NewTransport(nil), nil)
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func get(t *testing.T, rt http.RoundTripper, method, url string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rt.RoundTrip(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return res, string(b), err
	}
	return res, string(b), nil
}

func TestFastPathEligibility(t *testing.T) {
	mk := func(method, url string, body io.Reader, hdr ...string) *http.Request {
		r, _ := http.NewRequest(method, url, body)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r
	}
	for _, tt := range []struct {
		name string
		req  *http.Request
		want bool
	}{
		{"get", mk("GET", "http://a/x", nil), true},
		{"head", mk("HEAD", "http://a/x", nil), true},
		{"options", mk("OPTIONS", "http://a/x", nil), true},
		{"post without body", mk("POST", "http://a/x", nil), false},
		{"delete", mk("DELETE", "http://a/x", nil), false},
		{"get with body", mk("GET", "http://a/x", strings.NewReader("x")), false},
		{"https", mk("GET", "https://a/x", nil), false},
		{"upgrade", mk("GET", "http://a/x", nil, "Upgrade", "websocket", "Connection", "Upgrade"), false},
		{"expect", mk("GET", "http://a/x", nil, "Expect", "100-continue"), false},
	} {
		if got := fast(tt.req); got != (tt.want && peekSupported) {
			t.Errorf("%s: fast = %v, want %v", tt.name, got, tt.want && peekSupported)
		}
	}
}

func TestFastPathReusesConnections(t *testing.T) {
	var conns atomic.Int32
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Path", r.URL.RequestURI())
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(w, "hello "+r.Method)
		}
	}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	up.Start()
	defer up.Close()
	tr := newTestTransport(t)
	for i := range 50 {
		method := []string{"GET", "HEAD", "OPTIONS"}[i%3]
		res, body, err := get(t, tr, method, up.URL+"/a%2Fb?q=1")
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		want := "hello " + method
		if method == "HEAD" {
			want = ""
		}
		if res.StatusCode != 200 || body != want || res.Header.Get("X-Path") != "/a%2Fb?q=1" {
			t.Fatalf("%d: %d %q %q", i, res.StatusCode, body, res.Header.Get("X-Path"))
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("50 sequential requests used %d upstream connections, want 1", n)
	}
}

func TestFastPathStaleConnection(t *testing.T) {
	const resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	for _, tt := range []struct {
		name  string
		serve func(c net.Conn, br *bufio.Reader)
	}{
		// The upstream answers, then closes the idle connection: the peek
		// sees EOF and a new connection is dialled.
		{"closed while idle", func(c net.Conn, br *bufio.Reader) {
			if _, ok := readHead(br); ok {
				_, _ = io.WriteString(c, resp)
			}
		}},
		// The upstream reads the second request and closes without an
		// answer (its keep-alive timeout raced the request): retried once
		// on a new connection.
		{"closed after the next request", func(c net.Conn, br *bufio.Reader) {
			if _, ok := readHead(br); ok {
				_, _ = io.WriteString(c, resp)
			}
			readHead(br)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up := startRaw(t, tt.serve)
			tr := newTestTransport(t)
			for i := range 3 {
				res, body, err := get(t, tr, "GET", up.url()+"/x")
				if err != nil || res.StatusCode != 200 || body != "ok" {
					t.Fatalf("request %d: %v %q", i, err, body)
				}
				time.Sleep(20 * time.Millisecond) // let the upstream close
			}
			if n := up.conns.Load(); n != 3 {
				t.Fatalf("%d upstream connections, want 3", n)
			}
		})
	}
}

func TestFastPathNoRetryOnFreshConnection(t *testing.T) {
	up := startRaw(t, func(c net.Conn, br *bufio.Reader) { readHead(br) }) // never answers
	tr := newTestTransport(t)
	if _, _, err := get(t, tr, "GET", up.url()+"/x"); err == nil {
		t.Fatal("no error from an upstream that closed without answering")
	}
	if n := up.conns.Load(); n != 1 {
		t.Fatalf("%d connections: a request on a new connection must not be retried", n)
	}
}

// An upstream that sends more than it declared must not have the excess read
// as the answer to the next request (a desync smuggling a response to
// another client): the connection is dropped.
func TestFastPathUnsolicitedBytes(t *testing.T) {
	const smuggled = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"
	for _, tt := range []struct {
		name  string
		delay time.Duration
	}{{"same packet", 0}, {"after the response", 30 * time.Millisecond}} {
		t.Run(tt.name, func(t *testing.T) {
			up := startRaw(t, func(c net.Conn, br *bufio.Reader) {
				for {
					if _, ok := readHead(br); !ok {
						return
					}
					if tt.delay == 0 {
						_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"+smuggled)
						continue
					}
					_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
					time.Sleep(tt.delay)
					_, _ = io.WriteString(c, smuggled)
				}
			})
			tr := newTestTransport(t)
			for i := range 3 {
				_, body, err := get(t, tr, "GET", up.url()+"/x")
				if err != nil || body != "ok" {
					t.Fatalf("request %d: %v %q", i, err, body)
				}
				time.Sleep(2 * tt.delay)
			}
			if n := up.conns.Load(); n != 3 {
				t.Fatalf("%d connections, want 3 (each one dropped)", n)
			}
		})
	}
}

func TestFastPathConnectionClose(t *testing.T) {
	up := startRaw(t, func(c net.Conn, br *bufio.Reader) {
		for {
			if _, ok := readHead(br); !ok {
				return
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	tr := newTestTransport(t)
	for range 2 {
		if _, body, err := get(t, tr, "GET", up.url()+"/x"); err != nil || body != "ok" {
			t.Fatal(err, body)
		}
	}
	if n := up.conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (Connection: close honoured)", n)
	}
}

func TestFastPathHeaderLimit(t *testing.T) {
	up := startRaw(t, func(c net.Conn, br *bufio.Reader) {
		readHead(br)
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n")
		line := "X-Big: " + strings.Repeat("a", 1000) + "\r\n"
		for range 2000 { // ~2 MB of headers
			if _, err := io.WriteString(c, line); err != nil {
				return
			}
		}
	})
	tr := newTestTransport(t)
	tr.maxHeader = 64 << 10
	if _, _, err := get(t, tr, "GET", up.url()+"/x"); err == nil {
		t.Fatal("2 MB of response headers accepted")
	}
}

func TestFastPathInterim(t *testing.T) {
	up := startRaw(t, func(c net.Conn, br *bufio.Reader) {
		req, ok := readHead(br)
		if !ok {
			return
		}
		if req.URL.Path == "/switch" {
			_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"+
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	tr := newTestTransport(t)
	var hints []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		hints = append(hints, h.Get("Link"))
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", up.url()+"/x", nil)
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "ok" || len(hints) != 1 || hints[0] != "</s.css>; rel=preload" {
		t.Fatalf("%d %q hints %q", res.StatusCode, b, hints)
	}
	if _, _, err := get(t, tr, "GET", up.url()+"/switch"); err == nil {
		t.Fatal("101 to a request that asked for no upgrade accepted")
	}
}

// A cancelled request (the client went away, or the response timeout)
// interrupts a blocked read, and the connection is not reused.
func TestFastPathCancel(t *testing.T) {
	release := make(chan struct{})
	up := startRaw(t, func(c net.Conn, br *bufio.Reader) {
		for {
			req, ok := readHead(br)
			if !ok {
				return
			}
			switch req.URL.Path {
			case "/hang":
				<-release
				return
			case "/stall-body":
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
				<-release
				return
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	defer close(release)
	tr := newTestTransport(t)
	for _, path := range []string{"/hang", "/stall-body"} {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", up.url()+path, nil)
		time.AfterFunc(50*time.Millisecond, cancel)
		done := make(chan error, 1)
		go func() {
			res, err := tr.RoundTrip(req)
			if err == nil {
				_, err = io.ReadAll(res.Body)
				res.Body.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Fatalf("%s: no error after cancel", path)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: cancel did not interrupt the read", path)
		}
	}
	if _, body, err := get(t, tr, "GET", up.url()+"/x"); err != nil || body != "ok" {
		t.Fatal(err, body)
	}
	if n := up.conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3 (an interrupted one is never reused)", n)
	}
}

func TestFastPathIdleExpiry(t *testing.T) {
	up := startRaw(t, func(c net.Conn, br *bufio.Reader) {
		for {
			if _, ok := readHead(br); !ok {
				return
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	tr := newTestTransport(t)
	tr.idleTimeout = 50 * time.Millisecond
	if _, _, err := get(t, tr, "GET", up.url()+"/x"); err != nil {
		t.Fatal(err)
	}
	pool := tr.pool(canonicalAddr(up.ln.Addr().String()))
	deadline := time.Now().Add(5 * time.Second)
	for {
		pool.mu.Lock()
		n := len(pool.idle)
		pool.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("idle connection never expired")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, body, err := get(t, tr, "GET", up.url()+"/x"); err != nil || body != "ok" {
		t.Fatal(err, body)
	}
	if n := up.conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

func TestCanonicalAddr(t *testing.T) {
	for in, want := range map[string]string{
		"a":         "a:80",
		"a:8080":    "a:8080",
		"[::1]":     "[::1]:80",
		"[::1]:81":  "[::1]:81",
		"127.0.0.1": "127.0.0.1:80",
	} {
		if got := canonicalAddr(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// TestFastPathMatchesStockTransport sends the same request through the
// synchronous path and through http.Transport to an upstream that answers
// with fixed bytes, and wants the same outcome: status, headers, body,
// trailers, or both failing.
func TestFastPathMatchesStockTransport(t *testing.T) {
	for _, tt := range []struct {
		name   string
		method string
		raw    string
	}{
		{"content-length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello"},
		{"chunked with trailer", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n"},
		{"close-delimited", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"},
		{"http/1.0", "GET", "HTTP/1.0 200 OK\r\n\r\nold"},
		{"head with length", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"},
		{"204", "GET", "HTTP/1.1 204 No Content\r\n\r\n"},
		{"304", "GET", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"},
		{"options", "OPTIONS", "HTTP/1.1 200 OK\r\nAllow: GET\r\nContent-Length: 0\r\n\r\n"},
		{"interim then final", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"},
		{"error status", "GET", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nRetry-After: 1\r\n\r\nbusy"},
		{"bad status line", "GET", "HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok"},
		{"bad header", "GET", "HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 2\r\n\r\nok"},
		{"conflicting lengths", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!"},
		{"length and chunked", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
		{"short body", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"},
		{"bad chunk", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
		{"nothing", "GET", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up := startRaw(t, func(c net.Conn, br *bufio.Reader) {
				if _, ok := readHead(br); ok {
					_, _ = io.WriteString(c, tt.raw)
				}
			})
			fast := newTestTransport(t)
			stock := NewTransport(nil)
			defer stock.CloseIdleConnections()
			f := outcomeOf(t, fast, tt.method, up.url()+"/x")
			s := outcomeOf(t, stock, tt.method, up.url()+"/x")
			if f != s {
				t.Fatalf("fast path:\n%s\nstock transport:\n%s", f, s)
			}
		})
	}
}

// outcomeOf is one round trip summed up as text: "error" or status,
// sorted headers, body and trailers.
func outcomeOf(t *testing.T, rt http.RoundTripper, method, url string) string {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	res, err := rt.RoundTrip(req)
	if err != nil {
		return "error"
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Sprintf("%d body error after %q", res.StatusCode, b)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d %s\n", res.StatusCode, res.Proto)
	res.Header.Del("Date")
	_ = res.Header.Write(&sb)
	fmt.Fprintf(&sb, "len=%d body=%q close=%v\ntrailer:", res.ContentLength, b, res.Close)
	_ = res.Trailer.Write(&sb)
	return sb.String()
}

// TestFastPathSendsWhatTheStockTransportSends: the request bytes on the wire
// are the same through both transports (same serializer: Request.Write).
func TestFastPathSendsWhatTheStockTransportSends(t *testing.T) {
	heads := make(chan string, 4)
	up := startRaw(t, func(c net.Conn, br *bufio.Reader) {
		for {
			var head strings.Builder
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				head.WriteString(line)
				if line == "\r\n" {
					break
				}
			}
			heads <- head.String()
			_, _ = io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
		}
	})
	send := func(rt http.RoundTripper, method string) string {
		req, _ := http.NewRequest(method, up.url()+"/a%2Fb/c?x=1&y=%20", nil)
		req.URL.Opaque = "/base/a%2Fb/c" // as the proxy's Rewrite sets it
		req.Header["User-Agent"] = []string{""}
		req.Header.Set("X-Forwarded-For", "192.0.2.1")
		req.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		req.Header.Add("Accept", "a")
		req.Header.Add("Accept", "b")
		res, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return <-heads
	}
	fast := newTestTransport(t)
	stock := NewTransport(nil)
	defer stock.CloseIdleConnections()
	for _, method := range []string{"GET", "HEAD", "OPTIONS"} {
		f, s := send(fast, method), send(stock, method)
		if f != s {
			t.Errorf("%s: fast path sent\n%q\nstock transport sent\n%q", method, f, s)
		}
		if !strings.HasPrefix(f, method+" /base/a%2Fb/c?x=1&y=%20 HTTP/1.1\r\n") {
			t.Errorf("%s: request line %q", method, f)
		}
	}
}
