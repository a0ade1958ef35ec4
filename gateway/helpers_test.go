package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway/auth"
	"github.com/gwctl/gwctl/gateway/config"
)

// received is what an upstream saw.
type received struct {
	Method     string
	RequestURI string
	Host       string
	Header     http.Header
	Body       string
	BodyErr    error
}

// upstream is an httptest server that records every request.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
	// handle answers (default: 200 "ok").
	handle func(w http.ResponseWriter, r *http.Request)
}

func newUpstream(t testing.TB, configure ...func(*http.Server)) *upstream {
	u := &upstream{}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, received{r.Method, r.RequestURI, r.Host, r.Header.Clone(), string(b), err})
		h := u.handle
		u.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok")
	}))
	for _, f := range configure {
		f(u.Config)
	}
	u.Start()
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) last(t testing.TB) received {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("upstream received nothing")
	}
	return u.reqs[len(u.reqs)-1]
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

func (u *upstream) setHandler(h func(w http.ResponseWriter, r *http.Request)) {
	u.mu.Lock()
	u.handle = h
	u.mu.Unlock()
}

// gw is a Server on a real listener.
type gw struct {
	*Server
	addr   string
	url    string
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startGateway(t testing.TB, opts Options) *gw {
	t.Helper()
	logs := &syncBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	s := New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &gw{Server: s, addr: ln.Addr().String(), url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { g.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-g.done:
		case <-time.After(20 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return g
}

func (g *gw) apply(t testing.TB, cfg *config.Config, consumers ...config.Consumer) {
	t.Helper()
	cfg.Normalize()
	cfg.Revision = cfg.ComputeRevision()
	if err := g.Apply(cfg, consumers); err != nil {
		t.Fatal(err)
	}
}

// rawDo sends raw bytes on a new connection and reads one response.
func rawDo(t testing.TB, addr, raw string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response to %q: %v", raw, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

func rawGet(t testing.TB, addr, method, target string, headers ...string) (*http.Response, string) {
	t.Helper()
	req := method + " " + target + " HTTP/1.1\r\nHost: gw.test\r\n"
	for _, h := range headers {
		req += h + "\r\n"
	}
	req += "Connection: close\r\n\r\n"
	return rawDo(t, addr, req)
}

// problemOf decodes a problem+json body.
func problemOf(t testing.TB, res *http.Response, body string) config.Problem {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d content-type %q body %q", res.StatusCode, ct, body)
	}
	var p config.Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	if p.Status != res.StatusCode || p.Title == "" || p.Type == "" || p.RequestID == "" {
		t.Fatalf("problem %+v for status %d", p, res.StatusCode)
	}
	return p
}

const testKey = "gw_test-key-0123456789abcdefghijklmnop"

func testConsumers() []config.Consumer {
	return []config.Consumer{{
		ID: "c1", Name: "alice", Scopes: []string{"orders:read"},
		Credentials: []config.Credential{{ID: "k1", Type: config.KeyAuth, KeyHash: auth.HashKey(testKey), KeyHint: "gw_test"}},
	}}
}

// shopConfig is one owner with public and key-auth routes to up.
func shopConfig(upURL string, routes ...config.Route) *config.Config {
	o := config.Owner{
		Name:     "shop",
		Services: []config.Service{{Name: "orders", URLs: []string{upURL}}},
		Schemes: []config.Scheme{
			{Name: "apiKey", Type: config.KeyAuth, Key: &config.KeyScheme{In: "header", Name: "X-Api-Key"}},
			{Name: "queryKey", Type: config.KeyAuth, Key: &config.KeyScheme{In: "query", Name: "api_key"}},
		},
	}
	for _, r := range routes {
		if r.Service == "" {
			r.Service = "orders"
		}
		if r.ID == "" {
			r.ID = config.RouteID("shop", r.Method, r.Path)
		}
		if len(r.Security) == 0 && !r.Public {
			r.Public = true
		}
		o.Routes = append(o.Routes, r)
	}
	return &config.Config{Owners: []config.Owner{o}}
}

func keyAuth(scopes ...string) []config.Requirement {
	return []config.Requirement{{{Scheme: "apiKey", Scopes: scopes}}, {{Scheme: "queryKey", Scopes: scopes}}}
}
