package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
)

func TestRoutingTable(t *testing.T) {
	up := newUpstream(t)
	up.setHandler(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.RequestURI) })
	g := startGateway(t, Options{})
	g.apply(t, shopConfig(up.URL,
		config.Route{Method: "GET", Path: "/"},
		config.Route{Method: "GET", Path: "/v1/orders"},
		config.Route{Method: "POST", Path: "/v1/orders"},
		config.Route{Method: "GET", Path: "/v1/orders/{id}"},
		config.Route{Method: "GET", Path: "/v1/orders/latest"},
		config.Route{Method: "DELETE", Path: "/v1/orders/{orderId}"},
		config.Route{Method: "GET", Path: "/v1/orders/{id}/items/{item}"},
		config.Route{Method: "HEAD", Path: "/v1/ping"},
	))
	tests := []struct {
		method, target string
		status         int
		allow          string
		upstream       string // RequestURI the upstream saw ("" when not forwarded)
	}{
		{"GET", "/", 200, "", "/"},
		{"GET", "/v1/orders", 200, "", "/v1/orders"},
		{"GET", "/v1/orders?limit=5&x=%2F", 200, "", "/v1/orders?limit=5&x=%2F"},
		{"POST", "/v1/orders", 200, "", "/v1/orders"},
		{"PUT", "/v1/orders", 405, "GET, POST", ""},
		{"GET", "/v1/orders/", 404, "", ""},
		{"GET", "/V1/orders", 404, "", ""},
		{"GET", "/v1/orders/42", 200, "", "/v1/orders/42"},
		{"GET", "/v1/orders/latest", 200, "", "/v1/orders/latest"},
		{"DELETE", "/v1/orders/latest", 405, "GET", ""}, // the literal path wins, then the method
		{"DELETE", "/v1/orders/42", 200, "", "/v1/orders/42"},
		{"PATCH", "/v1/orders/42", 405, "DELETE, GET", ""},
		{"GET", "/v1/orders/latest/items/a%20b", 200, "", "/v1/orders/latest/items/a%20b"}, // backtracking, raw value kept
		{"GET", "/v1/orders/caf%C3%A9", 200, "", "/v1/orders/caf%C3%A9"},
		{"HEAD", "/v1/orders", 405, "GET, POST", ""}, // HEAD is not implicitly GET
		{"GET", "/v1/ping", 405, "HEAD", ""},
		{"HEAD", "/v1/ping", 200, "", "/v1/ping"},
		{"GET", "/nope", 404, "", ""},
		{"OPTIONS", "/v1/orders", 405, "GET, POST", ""}, // not a preflight, no OPTIONS route
		{"BREW", "/v1/orders", 405, "GET, POST", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			before := up.count()
			res, body := rawGet(t, g.addr, tt.method, tt.target)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, body)
			}
			if got := res.Header.Get("Allow"); got != tt.allow {
				t.Fatalf("Allow %q, want %q", got, tt.allow)
			}
			if tt.upstream == "" {
				if up.count() != before {
					t.Fatalf("forwarded to the upstream: %+v", up.last(t))
				}
				if tt.method != "HEAD" {
					problemOf(t, res, body)
				}
				return
			}
			if got := up.last(t).RequestURI; got != tt.upstream {
				t.Fatalf("upstream got %q, want %q", got, tt.upstream)
			}
		})
	}
}

// TestStrictTargets sends raw request lines: Go's HTTP clients would
// normalise most of them.
func TestStrictTargets(t *testing.T) {
	up := newUpstream(t)
	g := startGateway(t, Options{})
	g.apply(t, shopConfig(up.URL,
		config.Route{Method: "GET", Path: "/a/{x}/c"},
		config.Route{Method: "GET", Path: "/b"},
		config.Route{Method: "GET", Path: "/files/{name}"},
		config.Route{Method: "OPTIONS", Path: "/b"},
	))
	gatewayRefuses := []struct{ target, detail string }{
		{"/a/../b", "dot segments"},
		{"/a/./x/c", "dot segments"},
		{"/a/x/c/..", "dot segments"},
		{"/a/%2e%2e/b", "encoded dots"},
		{"/a/%2E%2E/b", "encoded dots"},
		{"/a/.%2e/b", "encoded dots"},
		{"/a/%2e./b", "encoded dots"},
		{"/files/x%2e", "encoded dots"},
		{"/files/a%2fb", "encoded slashes"},
		{"/files/a%2Fb", "encoded slashes"},
		{"/files/a%5cb", "backslashes"},
		{"/files/a\\b", "backslashes"},
		{"/files/a%00b", "control characters"},
		{"/files/a%0d%0aX-Injected:%201", "control characters"},
		{"/files/a%ff", "not valid UTF-8"},
		{"/files/a\xff", "not valid UTF-8"},
		{"/files/%C0%AE%C0%AE", "not valid UTF-8"},
		{"//b", "empty path segments"},
		{"/a//c", "empty path segments"},
		{"http://gw.test/b", "absolute-form"},
		{"HTTP://evil.test/b", "absolute-form"},
	}
	for _, tt := range gatewayRefuses {
		t.Run(tt.target, func(t *testing.T) {
			before := up.count()
			res, body := rawGet(t, g.addr, "GET", tt.target)
			if res.StatusCode != 400 {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			p := problemOf(t, res, body)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Fatalf("detail %q, want %q", p.Detail, tt.detail)
			}
			if up.count() != before {
				t.Fatal("forwarded")
			}
		})
	}
	t.Run("authority-form CONNECT", func(t *testing.T) {
		res, body := rawGet(t, g.addr, "CONNECT", "gw.test:443")
		if res.StatusCode != 400 || !strings.Contains(problemOf(t, res, body).Detail, "authority-form") {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
	})
	t.Run("asterisk-form", func(t *testing.T) {
		res, body := rawGet(t, g.addr, "OPTIONS", "*")
		if res.StatusCode != 400 || !strings.Contains(problemOf(t, res, body).Detail, "asterisk-form") {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
	})
	// Refused by net/http before the handler: plain 400/501 answers, and the
	// connection is closed.
	netHTTPRefuses := []struct {
		name, raw string
		status    int
	}{
		{"malformed percent-encoding", "GET /files/a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"raw NUL in target", "GET /b\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"raw CR in target", "GET /b\rx HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"differing Content-Length", "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
		{"invalid Content-Length", "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
		{"Content-Length list", "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd", 400},
		{"two Transfer-Encodings", "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
		{"Transfer-Encoding gzip", "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
		{"NUL in header", "GET /b HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400},
		{"no Host", "GET /b HTTP/1.1\r\n\r\n", 400},
		{"two Hosts", "GET /b HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	}
	for _, tt := range netHTTPRefuses {
		t.Run(tt.name, func(t *testing.T) {
			before := up.count()
			res, body := rawDo(t, g.addr, tt.raw)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, body)
			}
			if up.count() != before {
				t.Fatal("forwarded")
			}
		})
	}
	// Refused by the gateway although net/http accepts them (it would
	// collapse the duplicates and drop Content-Length when chunked): 400
	// problem+json, nothing forwarded, and the connection is closed.
	framingRefuses := []struct{ name, raw, detail string }{
		{"identical duplicate Content-Length", "OPTIONS /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", "duplicate Content-Length"},
		{"Content-Length with chunked", "OPTIONS /b HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(smuggledReq), smuggledReq), "both Content-Length and Transfer-Encoding"},
		{"chunked before Content-Length", "OPTIONS /b HTTP/1.1\r\nHost: x\r\ntransfer-encoding: Chunked\r\ncontent-length: 0\r\n\r\n0\r\n\r\n", "both Content-Length and Transfer-Encoding"},
		{"HTTP/1.0 Content-Length with Transfer-Encoding", "OPTIONS /b HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", "both Content-Length and Transfer-Encoding"},
	}
	for _, tt := range framingRefuses {
		t.Run(tt.name, func(t *testing.T) {
			before := up.count()
			// A valid request follows on the same connection: it is never
			// read, the connection closes after the 400.
			c, br := rawConn(t, g.addr, tt.raw+"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
			res, body := readRes(t, br)
			if res.StatusCode != 400 || !res.Close {
				t.Fatalf("status %d close %v: %s", res.StatusCode, res.Close, body)
			}
			if p := problemOf(t, res, body); p.Detail != tt.detail {
				t.Fatalf("detail %q, want %q", p.Detail, tt.detail)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Fatalf("connection not closed after the 400: %v", err)
			}
			c.Close()
			time.Sleep(20 * time.Millisecond)
			if up.count() != before {
				t.Fatal("forwarded")
			}
		})
	}
}

const smuggledReq = "GET /files/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"

// rawConn sends raw bytes on a new connection.
func rawConn(t testing.TB, addr, raw string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

func readRes(t testing.TB, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

// TestFramingKeepAlive: the framing scanner follows keep-alive and
// pipelined connections; well-framed requests are all forwarded intact, and
// a refused one ends the connection.
func TestFramingKeepAlive(t *testing.T) {
	up := newUpstream(t)
	up.setHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Trailer", r.Trailer.Get("X-Sum"))
		_, _ = io.WriteString(w, "ok "+r.URL.Path)
	})
	g := startGateway(t, Options{})
	g.apply(t, shopConfig(up.URL, config.Route{Method: "GET", Path: "/g/{n}"}, config.Route{Method: "POST", Path: "/p/{n}"}))
	reqs := []struct{ raw, path, body string }{
		{"GET /g/1 HTTP/1.1\r\nHost: x\r\n\r\n", "/g/1", ""},
		{"POST /p/2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "/p/2", "hello"},
		{"POST /p/3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Sum: 12\r\n\r\n", "/p/3", "hello, world"},
		// Looks like a request, but it is body bytes.
		{"POST /p/4 HTTP/1.1\r\nHost: x\r\nContent-Length: " + fmt.Sprint(len(smuggledReq)) + "\r\n\r\n" + smuggledReq, "/p/4", smuggledReq},
		{"GET /g/5 HTTP/1.1\r\nHost: x\r\nX-Content-Length: 3\r\nX-Fold: a\r\n b\r\n\r\n", "/g/5", ""},
	}
	// check verifies what the upstream got (up.mu held).
	check := func(t *testing.T, before int) {
		t.Helper()
		if len(up.reqs)-before != len(reqs) {
			t.Fatalf("upstream saw %d requests", len(up.reqs)-before)
		}
		for i, rq := range reqs {
			got := up.reqs[before+i]
			if got.Body != rq.body || got.RequestURI != rq.path || got.Header.Get("X-Content-Length") != "" && i != 4 {
				t.Fatalf("request %d: upstream got %+v", i, got)
			}
		}
	}
	t.Run("one at a time", func(t *testing.T) {
		before := up.count()
		c, br := rawConn(t, g.addr, "")
		for _, rq := range reqs {
			if _, err := io.WriteString(c, rq.raw); err != nil {
				t.Fatal(err)
			}
			res, body := readRes(t, br)
			if res.StatusCode != 200 || body != "ok "+rq.path || res.Close {
				t.Fatal(res.StatusCode, body)
			}
		}
		up.mu.Lock()
		defer up.mu.Unlock()
		check(t, before)
	})
	t.Run("pipelined", func(t *testing.T) {
		before := up.count()
		var all strings.Builder
		for _, rq := range reqs {
			all.WriteString(rq.raw)
		}
		_, br := rawConn(t, g.addr, all.String())
		for i := range reqs {
			res, body := readRes(t, br)
			if res.StatusCode != 200 || body != "ok "+reqs[i].path || res.Close {
				t.Fatalf("request %d: %d %q", i, res.StatusCode, body)
			}
		}
		up.mu.Lock()
		defer up.mu.Unlock()
		check(t, before)
	})
	t.Run("byte at a time then refused", func(t *testing.T) {
		before := up.count()
		c, br := rawConn(t, g.addr, "")
		raw := reqs[2].raw + reqs[1].raw + "POST /p/6 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nz" + reqs[0].raw
		go func() {
			for i := 0; i < len(raw); i++ {
				if _, err := c.Write([]byte{raw[i]}); err != nil {
					return
				}
			}
		}()
		for _, want := range []int{200, 200, 400} {
			res, body := readRes(t, br)
			if res.StatusCode != want {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, want, body)
			}
		}
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("connection not closed after the 400: %v", err)
		}
		if n := up.count() - before; n != 2 {
			t.Fatalf("upstream saw %d requests", n)
		}
	})
}

func TestForwarding(t *testing.T) {
	up := newUpstream(t)
	g := startGateway(t, Options{})
	cfg := shopConfig(up.URL+"/base",
		config.Route{Method: "GET", Path: "/v1/orders/{id}", StripPrefix: "/v1", AddPrefix: "/internal"},
		config.Route{Method: "GET", Path: "/v1/public"},
		config.Route{Method: "POST", Path: "/v1/keyed", Security: keyAuth()},
	)
	g.apply(t, cfg, testConsumers()...)

	t.Run("exact path with prefixes and base", func(t *testing.T) {
		res, body := rawGet(t, g.addr, "GET", "/v1/orders/a%20b;c=d?q=%2F&z")
		if res.StatusCode != 200 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		if got := up.last(t).RequestURI; got != "/base/internal/orders/a%20b;c=d?q=%2F&z" {
			t.Fatalf("upstream got %q", got)
		}
	})

	t.Run("headers", func(t *testing.T) {
		res, body := rawGet(t, g.addr, "GET", "/v1/public",
			"X-Forwarded-For: 6.6.6.6", "X-Forwarded-Host: evil", "X-Forwarded-Proto: https", "Forwarded: for=6.6.6.6",
			"Traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "Tracestate: a=b",
			"X-Request-Id: abc-123",
			"Connection: X-Hop, Keep-Alive", "X-Hop: 1", "Keep-Alive: timeout=5", "Proxy-Connection: keep-alive", "Te: gzip", "Upgrade: foo",
			"X-Http-Method-Override: DELETE", "X-Original-Url: /admin", "X-Rewrite-Url: /admin", "X-Method-Override: PUT",
			"X-Consumer-Id: admin", "X-Consumer-Name: admin", "X-Consumer-Scopes: *", "X-Authenticated-Subject: root",
		)
		if res.StatusCode != 200 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		h := up.last(t).Header
		want := map[string]string{
			"X-Forwarded-For":   "127.0.0.1",
			"X-Forwarded-Host":  "gw.test",
			"X-Forwarded-Proto": "http",
			"Traceparent":       "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
			"Tracestate":        "a=b",
			"X-Request-Id":      "abc-123",
		}
		for k, v := range want {
			if got := h.Values(k); len(got) != 1 || got[0] != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		for _, k := range []string{"Forwarded", "X-Hop", "Keep-Alive", "Proxy-Connection", "Te", "Upgrade",
			"X-Http-Method-Override", "X-Original-Url", "X-Rewrite-Url", "X-Method-Override",
			"X-Consumer-Id", "X-Consumer-Name", "X-Consumer-Scopes", "X-Authenticated-Subject"} {
			if v, ok := h[k]; ok {
				t.Errorf("upstream received %s: %q", k, v)
			}
		}
		if res.Header.Get("X-Request-Id") != "abc-123" {
			t.Errorf("response X-Request-Id %q", res.Header.Get("X-Request-Id"))
		}
		if up.last(t).Method != "GET" {
			t.Error("method changed")
		}
	})

	t.Run("request id generated", func(t *testing.T) {
		for _, sent := range []string{"", "X-Request-Id: bad id with spaces", "X-Request-Id: " + strings.Repeat("a", 200)} {
			var hs []string
			if sent != "" {
				hs = append(hs, sent)
			}
			res, _ := rawGet(t, g.addr, "GET", "/v1/public", hs...)
			id := up.last(t).Header.Get("X-Request-Id")
			if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) || res.Header.Get("X-Request-Id") != id {
				t.Fatalf("sent %q: upstream id %q, response id %q", sent, id, res.Header.Get("X-Request-Id"))
			}
		}
	})

	t.Run("key auth strips credentials and sets identity", func(t *testing.T) {
		res, body := rawDo(t, g.addr, "POST /v1/keyed?x=1 HTTP/1.1\r\nHost: gw.test\r\nX-Api-Key: "+testKey+
			"\r\nX-Consumer-Id: admin\r\nX-Consumer-Scopes: *\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
		if res.StatusCode != 200 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		got := up.last(t)
		if got.Header.Get("X-Api-Key") != "" || got.Header.Get("X-Consumer-Id") != "c1" || got.Header.Get("X-Consumer-Name") != "alice" ||
			got.Header.Get("X-Consumer-Scopes") != "orders:read" || got.Body != "hi" || got.RequestURI != "/base/v1/keyed?x=1" {
			t.Fatalf("upstream got %+v", got)
		}
		res, body = rawGet(t, g.addr, "POST", "/v1/keyed?api_key="+testKey+"&x=1")
		if res.StatusCode != 200 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		if got := up.last(t); strings.Contains(got.RequestURI, "api_key") || got.Header.Get("X-Consumer-Id") != "c1" {
			t.Fatalf("upstream got %+v", got)
		}
		if strings.Contains(g.logs.String(), testKey) {
			t.Fatal("the key is in the log")
		}
	})

	t.Run("401 with challenge", func(t *testing.T) {
		before := up.count()
		res, body := rawGet(t, g.addr, "POST", "/v1/keyed", "X-Api-Key: wrong", "X-Consumer-Id: c1")
		if res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
		}
		problemOf(t, res, body)
		if up.count() != before {
			t.Fatal("forwarded")
		}
	})
}

func TestUpstreamErrors(t *testing.T) {
	slow := newUpstream(t)
	slow.setHandler(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	stream := newUpstream(t)
	release := make(chan struct{})
	stream.setHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "data: two\n\n")
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()

	g := startGateway(t, Options{})
	cfg := &config.Config{Owners: []config.Owner{{
		Name: "o",
		Services: []config.Service{
			{Name: "slow", URLs: []string{slow.URL}, ResponseTimeout: config.Duration(200 * time.Millisecond)},
			{Name: "closed", URLs: []string{closed}},
			{Name: "stream", URLs: []string{stream.URL}, ResponseTimeout: config.Duration(200 * time.Millisecond)},
		},
		Routes: []config.Route{
			{ID: "slow", Service: "slow", Method: "GET", Path: "/slow", Public: true},
			{ID: "slow-route-timeout", Service: "closed", Method: "GET", Path: "/slow2", Public: true},
			{ID: "closed", Service: "closed", Method: "GET", Path: "/closed", Public: true},
			{ID: "stream", Service: "stream", Method: "GET", Path: "/stream", Public: true},
		},
	}}}
	g.apply(t, cfg)

	res, body := rawGet(t, g.addr, "GET", "/closed")
	if res.StatusCode != 502 {
		t.Fatalf("closed port: %d %s", res.StatusCode, body)
	}
	if p := problemOf(t, res, body); strings.Contains(p.Detail+p.Title, "refused") {
		t.Fatalf("internal cause leaked: %+v", p)
	}
	if !strings.Contains(g.logs.String(), "connection refused") {
		t.Fatal("cause not logged")
	}

	start := time.Now()
	res, body = rawGet(t, g.addr, "GET", "/slow")
	if res.StatusCode != 504 || time.Since(start) > 1500*time.Millisecond {
		t.Fatalf("slow: %d after %v: %s", res.StatusCode, time.Since(start), body)
	}
	problemOf(t, res, body)

	// The response timeout bounds the wait for headers, not a stream.
	c, err := net.Dial("tcp", g.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	sres, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(sres.Body).ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("first event not flushed: %q %v", line, err)
	}
	time.Sleep(400 * time.Millisecond) // past the response timeout
	close(release)
	rest, _ := io.ReadAll(sres.Body)
	if !strings.Contains(string(rest), "data: two") {
		t.Fatalf("stream cut: %q", rest)
	}
}

func TestPlugins(t *testing.T) {
	up := newUpstream(t)
	g := startGateway(t, Options{})
	small := int64(10)
	cfg := shopConfig(up.URL,
		config.Route{Method: "POST", Path: "/upload", Plugins: config.Plugins{MaxBodySize: &small}},
		config.Route{Method: "GET", Path: "/limited", Plugins: config.Plugins{RateLimit: &config.RateLimit{Requests: 2, Window: config.Duration(time.Minute)}}},
		config.Route{Method: "GET", Path: "/keyed-limited", Security: keyAuth(), Plugins: config.Plugins{RateLimit: &config.RateLimit{Requests: 1, Window: config.Duration(time.Minute)}}},
		config.Route{Method: "GET", Path: "/cors"},
		config.Route{Method: "PUT", Path: "/cors"},
		config.Route{Method: "GET", Path: "/denied", Plugins: config.Plugins{IPFilter: &config.IPFilter{Deny: []string{"127.0.0.0/8"}}}},
		config.Route{Method: "GET", Path: "/allowed", Plugins: config.Plugins{IPFilter: &config.IPFilter{Allow: []string{"127.0.0.1"}}}},
		config.Route{Method: "GET", Path: "/mock", Mock: &config.Mock{Status: 201, Headers: map[string]string{"X-Mock": "1"}, Body: `{"id":1}`}},
	)
	cfg.Plugins.CORS = &config.CORS{AllowOrigins: []string{"https://app.test"}, AllowHeaders: []string{"X-Api-Key"}, MaxAge: config.Duration(time.Hour)}
	g.apply(t, cfg, testConsumers()...)

	t.Run("413 by Content-Length", func(t *testing.T) {
		before := up.count()
		res, body := rawDo(t, g.addr, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890")
		if res.StatusCode != 413 || up.count() != before {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		problemOf(t, res, body)
		res, body = rawDo(t, g.addr, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789")
		if res.StatusCode != 200 || up.last(t).Body != "0123456789" {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
	})
	t.Run("413 chunked", func(t *testing.T) {
		res, body := rawDo(t, g.addr, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n")
		if res.StatusCode != 413 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		problemOf(t, res, body)
	})
	t.Run("429", func(t *testing.T) {
		for i := range 2 {
			res, _ := rawGet(t, g.addr, "GET", "/limited")
			if res.StatusCode != 200 || res.Header.Get("RateLimit-Limit") != "2" || res.Header.Get("RateLimit-Remaining") != fmt.Sprint(1-i) {
				t.Fatalf("request %d: %d %v", i, res.StatusCode, res.Header)
			}
		}
		res, body := rawGet(t, g.addr, "GET", "/limited")
		if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || res.Header.Get("RateLimit-Remaining") != "0" || res.Header.Get("RateLimit-Reset") == "" {
			t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
		}
		problemOf(t, res, body)
		// Per consumer: the keyed route counts the consumer, not the address.
		res, _ = rawGet(t, g.addr, "GET", "/keyed-limited", "X-Api-Key: "+testKey)
		if res.StatusCode != 200 {
			t.Fatal(res.StatusCode)
		}
		res, _ = rawGet(t, g.addr, "GET", "/keyed-limited", "X-Api-Key: "+testKey)
		if res.StatusCode != 429 {
			t.Fatal(res.StatusCode)
		}
	})
	t.Run("rate limit survives an unrelated swap", func(t *testing.T) {
		cfg2 := shopConfig(up.URL, append(append([]config.Route(nil), cfg.Owners[0].Routes...), config.Route{Method: "GET", Path: "/new"})...)
		cfg2.Plugins = cfg.Plugins
		g.apply(t, cfg2, testConsumers()...)
		if res, _ := rawGet(t, g.addr, "GET", "/limited"); res.StatusCode != 429 {
			t.Fatalf("bucket reset by the swap: %d", res.StatusCode)
		}
	})
	t.Run("CORS preflight without an OPTIONS route", func(t *testing.T) {
		before := up.count()
		res, _ := rawGet(t, g.addr, "OPTIONS", "/cors", "Origin: https://app.test", "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: x-api-key")
		if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.test" ||
			res.Header.Get("Access-Control-Allow-Methods") != "GET, PUT" || res.Header.Get("Access-Control-Max-Age") != "3600" ||
			res.Header.Get("Access-Control-Allow-Headers") != "X-Api-Key" || !strings.Contains(res.Header.Get("Vary"), "Origin") {
			t.Fatalf("%d %v", res.StatusCode, res.Header)
		}
		if up.count() != before {
			t.Fatal("preflight forwarded")
		}
		res, _ = rawGet(t, g.addr, "OPTIONS", "/cors", "Origin: https://evil.test", "Access-Control-Request-Method: PUT")
		if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("%d %v", res.StatusCode, res.Header)
		}
		res, _ = rawGet(t, g.addr, "OPTIONS", "/cors", "Origin: https://app.test", "Access-Control-Request-Method: DELETE")
		if res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("DELETE is not a method of the path: %v", res.Header)
		}
		res, _ = rawGet(t, g.addr, "OPTIONS", "/unknown", "Origin: https://app.test", "Access-Control-Request-Method: GET")
		if res.StatusCode != 404 {
			t.Fatalf("unknown path preflight: %d", res.StatusCode)
		}
		res, _ = rawGet(t, g.addr, "GET", "/cors", "Origin: https://app.test")
		if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.test" || res.Header.Get("Vary") != "Origin" {
			t.Fatalf("%d %v", res.StatusCode, res.Header)
		}
	})
	t.Run("IP filter", func(t *testing.T) {
		before := up.count()
		res, body := rawGet(t, g.addr, "GET", "/denied", "X-Forwarded-For: 8.8.8.8")
		if res.StatusCode != 403 || up.count() != before {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		problemOf(t, res, body)
		if res, _ := rawGet(t, g.addr, "GET", "/allowed"); res.StatusCode != 200 {
			t.Fatal(res.StatusCode)
		}
	})
	t.Run("mock", func(t *testing.T) {
		before := up.count()
		res, body := rawGet(t, g.addr, "GET", "/mock")
		if res.StatusCode != 201 || body != `{"id":1}` || res.Header.Get("X-Mock") != "1" || up.count() != before {
			t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
		}
	})
}

func TestAccessLogAndMetrics(t *testing.T) {
	up := newUpstream(t)
	g := startGateway(t, Options{})
	g.apply(t, shopConfig(up.URL, config.Route{ID: "keyed", Method: "GET", Path: "/k/{id}", Security: keyAuth()}), testConsumers()...)
	res, _ := rawGet(t, g.addr, "GET", "/k/7?api_key="+testKey+"&q=secret", "X-Request-Id: log-test-1")
	if res.StatusCode != 200 {
		t.Fatal(res.StatusCode)
	}
	var line map[string]any
	for _, l := range strings.Split(g.logs.String(), "\n") {
		if strings.Contains(l, "log-test-1") && strings.Contains(l, `"msg":"access"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line == nil {
		t.Fatalf("no access line in %s", g.logs.String())
	}
	for k, v := range map[string]any{"method": "GET", "path": "/k/7", "route": "keyed", "template": "/k/{id}", "status": 200.0, "request_id": "log-test-1", "consumer": "c1", "bytes": 2.0} {
		if line[k] != v {
			t.Errorf("%s = %v, want %v", k, line[k], v)
		}
	}
	for _, k := range []string{"time", "duration_ms", "upstream", "client_ip"} {
		if _, ok := line[k]; !ok {
			t.Errorf("missing %s", k)
		}
	}
	if strings.Contains(g.logs.String(), "secret") || strings.Contains(g.logs.String(), testKey) {
		t.Fatal("query string logged")
	}
	rec := &strings.Builder{}
	mres := httpGet(t, g.MetricsHandler())
	rec.WriteString(mres)
	for _, want := range []string{`gwctl_gateway_requests_total{method="GET",route="keyed",status="200"} 1`, `gwctl_gateway_request_duration_seconds_bucket{route="keyed"`, "gwctl_gateway_config_swaps_total 1"} {
		if !strings.Contains(rec.String(), want) {
			t.Errorf("metrics lack %s:\n%s", want, rec.String())
		}
	}
}

// TestMetricsForgetRemovedRoutes: a route that a new configuration no
// longer publishes disappears from /metrics; the routes that stay keep
// their series.
func TestMetricsForgetRemovedRoutes(t *testing.T) {
	up := newUpstream(t)
	g := startGateway(t, Options{})
	a := config.Route{ID: "stays", Method: "GET", Path: "/a", Public: true}
	b := config.Route{ID: "goes", Method: "GET", Path: "/b", Public: true}
	g.apply(t, shopConfig(up.URL, a, b))
	for _, p := range []string{"/a", "/b"} {
		if res, _ := rawGet(t, g.addr, "GET", p); res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", p, res.StatusCode)
		}
	}
	before := httpGet(t, g.MetricsHandler())
	if !strings.Contains(before, `route="goes"`) || !strings.Contains(before, `route="stays"`) {
		t.Fatalf("both routes should have series:\n%s", before)
	}
	g.apply(t, shopConfig(up.URL, a))
	after := httpGet(t, g.MetricsHandler())
	if strings.Contains(after, `route="goes"`) {
		t.Errorf("series of the removed route are still exported:\n%s", after)
	}
	if !strings.Contains(after, `gwctl_gateway_requests_total{method="GET",route="stays",status="200"} 1`) {
		t.Errorf("the remaining route lost its series:\n%s", after)
	}
}

func httpGet(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	res, err := http.Get("http://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func TestApply(t *testing.T) {
	up := newUpstream(t)
	g := startGateway(t, Options{NodeID: "n1"})
	if g.Revision() != "" {
		t.Fatal(g.Revision())
	}
	cfg := shopConfig(up.URL, config.Route{Method: "GET", Path: "/a"})
	g.apply(t, cfg)
	rev, st := g.Revision(), g.Status()
	if rev == "" || st.ID != "n1" || st.Revision != rev {
		t.Fatalf("%q %+v", rev, st)
	}
	// Identical: a no-op.
	if err := g.Apply(cfg, nil); err != nil || g.Status().UpdatedAt != st.UpdatedAt {
		t.Fatal("identical apply was not a no-op", err)
	}
	// Invalid: refused whole, nothing changes.
	bad := shopConfig(up.URL, config.Route{Method: "GET", Path: "/b"}, config.Route{Method: "GET", Path: "b/../"})
	bad.Revision = bad.ComputeRevision()
	err := g.Apply(bad, nil)
	var ve *ValidationError
	if !asValidation(err, &ve) || len(ve.Errors) == 0 {
		t.Fatalf("err %v", err)
	}
	if g.Revision() != rev {
		t.Fatal("revision changed")
	}
	if res, _ := rawGet(t, g.addr, "GET", "/b"); res.StatusCode != 404 {
		t.Fatal("partial apply")
	}
	// An auth engine failure also changes nothing.
	bad2 := shopConfig(up.URL, config.Route{Method: "GET", Path: "/b"})
	if err := g.Apply(bad2, []config.Consumer{{ID: "x", Name: "x", Credentials: []config.Credential{{ID: "k", Type: config.KeyAuth, KeyHash: "nothex"}}}}); err == nil {
		t.Log("auth engine accepted a malformed key hash")
	}
	if res, _ := rawGet(t, g.addr, "GET", "/a"); res.StatusCode != 200 {
		t.Fatal(res.StatusCode)
	}
}

func asValidation(err error, ve **ValidationError) bool {
	v, ok := err.(*ValidationError)
	*ve = v
	return ok
}

// TestSwapUnderLoad applies 20 configurations while clients send requests
// on keep-alive connections: no request may fail.
func TestSwapUnderLoad(t *testing.T) {
	up := newUpstream(t)
	g := startGateway(t, Options{})
	mk := func(i int) *config.Config {
		rs := []config.Route{{Method: "GET", Path: "/stable/{id}"}, {Method: "GET", Path: fmt.Sprintf("/gen/%d", i)}}
		for j := 0; j < 50; j++ {
			rs = append(rs, config.Route{Method: "POST", Path: fmt.Sprintf("/r%d/x%d", i, j), Security: keyAuth()})
		}
		return shopConfig(up.URL, rs...)
	}
	g.apply(t, mk(0), testConsumers()...)
	ctx, cancel := context.WithCancel(context.Background())
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && i < 100000; i++ {
				res, err := client.Get(fmt.Sprintf("%s/stable/%d", g.url, i))
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					failed.Add(1)
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	for i := 1; i <= 20; i++ {
		time.Sleep(20 * time.Millisecond)
		g.apply(t, mk(i), testConsumers()...)
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	wg.Wait()
	// A connection the client dialled but never used is StateNew to the
	// server, and Shutdown waits 5s for such connections.
	client.CloseIdleConnections()
	if failed.Load() != 0 || ok.Load() < 20 {
		t.Fatalf("ok %d failed %d", ok.Load(), failed.Load())
	}
	if res, _ := rawGet(t, g.addr, "GET", "/gen/20"); res.StatusCode != 200 {
		t.Fatal("last config not live")
	}
	t.Logf("%d requests, 20 swaps, 0 failures", ok.Load())
}

func TestGracefulDrain(t *testing.T) {
	up := newUpstream(t)
	started := make(chan struct{})
	up.setHandler(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "done")
	})
	g := startGateway(t, Options{DrainTimeout: 5 * time.Second})
	g.apply(t, shopConfig(up.URL, config.Route{Method: "GET", Path: "/slow"}))
	type result struct {
		status int
		body   string
		err    error
	}
	rc := make(chan result, 1)
	go func() {
		res, err := http.Get(g.url + "/slow")
		if err != nil {
			rc <- result{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		rc <- result{status: res.StatusCode, body: string(b)}
	}()
	<-started
	g.cancel()
	r := <-rc
	if r.err != nil || r.status != 200 || r.body != "done" {
		t.Fatalf("in-flight request: %+v", r)
	}
	select {
	case err := <-g.done:
		if err != nil {
			t.Fatal(err)
		}
		g.done <- nil
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.DialTimeout("tcp", g.addr, time.Second); err == nil {
		t.Fatal("still listening")
	}
}

func TestTrustedProxies(t *testing.T) {
	up := newUpstream(t)
	g := startGateway(t, Options{TrustedProxies: []string{"127.0.0.0/8", "10.0.0.0/8"}})
	g.apply(t, shopConfig(up.URL,
		config.Route{Method: "GET", Path: "/a"},
		config.Route{Method: "GET", Path: "/deny", Plugins: config.Plugins{IPFilter: &config.IPFilter{Deny: []string{"1.2.3.4"}}}},
	))
	res, _ := rawGet(t, g.addr, "GET", "/a", "X-Forwarded-For: 9.9.9.9, 1.2.3.4, 10.0.0.7")
	if res.StatusCode != 200 || up.last(t).Header.Get("X-Forwarded-For") != "9.9.9.9, 1.2.3.4, 10.0.0.7, 127.0.0.1" {
		t.Fatalf("%d %q", res.StatusCode, up.last(t).Header.Get("X-Forwarded-For"))
	}
	// The client is the right-most untrusted address.
	if res, _ := rawGet(t, g.addr, "GET", "/deny", "X-Forwarded-For: 9.9.9.9, 1.2.3.4, 10.0.0.7"); res.StatusCode != 403 {
		t.Fatal(res.StatusCode)
	}
	if res, _ := rawGet(t, g.addr, "GET", "/deny", "X-Forwarded-For: 1.2.3.4, 9.9.9.9"); res.StatusCode != 200 {
		t.Fatal(res.StatusCode)
	}
}

// TestUpstreamKeepAlive checks that upstream connections are reused.
func TestUpstreamKeepAlive(t *testing.T) {
	var conns atomic.Int64
	up := newUpstream(t, func(s *http.Server) {
		s.ConnState = func(c net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
	})
	g := startGateway(t, Options{})
	g.apply(t, shopConfig(up.URL, config.Route{Method: "GET", Path: "/a"}))
	client := &http.Client{}
	defer client.CloseIdleConnections()
	for range 50 {
		res, err := client.Get(g.url + "/a")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d upstream connections for 50 sequential requests", n)
	}
}

// TestClientGone: a client that hangs up while the upstream is still
// working is logged as 499, the upstream's request is cancelled (its
// connection closed) and nothing is written back; on both upstream paths
// (GET: the synchronous HTTP/1.1 path, POST: the stock transport).
func TestClientGone(t *testing.T) {
	cancelled := make(chan string, 2)
	up := newUpstream(t)
	up.setHandler(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
			cancelled <- r.Method
		}
	})
	g := startGateway(t, Options{})
	g.apply(t, shopConfig(up.URL, config.Route{ID: "get", Method: "GET", Path: "/slow"}, config.Route{ID: "post", Method: "POST", Path: "/slow"}))
	for _, req := range []string{
		"GET /slow HTTP/1.1\r\nHost: x\r\nX-Request-Id: gone-GET\r\n\r\n",
		"POST /slow HTTP/1.1\r\nHost: x\r\nX-Request-Id: gone-POST\r\nContent-Length: 2\r\n\r\nhi",
	} {
		method := strings.Fields(req)[0]
		c, err := net.Dial("tcp", g.addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(c, req)
		time.Sleep(100 * time.Millisecond)
		c.Close()
		select {
		case m := <-cancelled:
			if m != method {
				t.Fatalf("cancelled %s, want %s", m, method)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("%s: the upstream request was not cancelled when the client left", method)
		}
		want := `"request_id":"gone-` + method + `"`
		deadline := time.Now().Add(3 * time.Second)
		for {
			line := ""
			for _, l := range strings.Split(g.logs.String(), "\n") {
				if strings.Contains(l, want) && strings.Contains(l, `"msg":"access"`) {
					line = l
				}
			}
			if strings.Contains(line, `"status":499`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: access line %q, want status 499", method, line)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
