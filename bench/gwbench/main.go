// Command gwbench runs the gateway for bench/gateway.sh: gateway.New and
// Apply with N routes (optionally behind key-auth) in front of one upstream,
// serving on -listen until killed.
//
//	gwbench -listen 127.0.0.1:18081 -upstream http://127.0.0.1:18080 -routes 600 -keyauth
//
// The benchmarked request is GET /v1/svc7/items7/42 (route
// /v1/svc7/items7/{id}); with -keyauth it needs the header X-Api-Key: <-key>.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/gwctl/gwctl/gateway"
	"github.com/gwctl/gwctl/gateway/auth"
	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/proxy"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18081", "proxy listen address")
	upstream := flag.String("upstream", "http://127.0.0.1:18080", "upstream base URL")
	routes := flag.Int("routes", 1, "number of routes")
	keyed := flag.Bool("keyauth", false, "put every route behind key-auth")
	key := flag.String("key", "gw_bench-key-0123456789abcdefghijklmnopqrstuvwxyz", "the consumer's API key")
	accessLog := flag.String("access-log", "", "write the JSON access log to this file (default: none)")
	plain := flag.Bool("plain", false, "serve a bare httputil.ReverseProxy instead (the standard library floor)")
	floor := flag.Bool("floor", false, "with -plain: a transport that answers from memory, no upstream I/O (net/http.Server + ReverseProxy alone)")
	tuned := flag.Bool("tuned", false, "with -plain: the gateway's transport settings and pooled copy buffers (a tuned stock ReverseProxy)")
	raw := flag.Bool("raw", false, "relay with a minimal HTTP/1.1 loop on bare connections, no net/http (a measuring stick, not a proxy)")
	hello := flag.Bool("hello", false, "serve a constant 200 from a bare net/http server, no proxying (the ceiling of anything built on net/http.Server)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file until exit")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	logger := slog.New(slog.DiscardHandler)
	if *accessLog != "" {
		f, err := os.Create(*accessLog)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		defer f.Close()
		logger = slog.New(slog.NewJSONHandler(f, nil))
	}
	cfg := Config(*upstream, *routes, *keyed)
	consumers := []config.Consumer{{
		ID: "bench", Name: "bench", Scopes: []string{"read"},
		Credentials: []config.Credential{{ID: "k", Type: config.KeyAuth, KeyHash: auth.HashKey(*key)}},
	}}
	gw := gateway.New(gateway.Options{NodeID: "bench", Logger: logger})
	if err := gw.Apply(cfg, consumers); err != nil {
		fmt.Fprintln(os.Stderr, "apply:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *raw {
		u, err := url.Parse(*upstream)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		go func() { <-ctx.Done(); _ = ln.Close() }()
		fmt.Fprintf(os.Stderr, "gwbench: raw relay on %s → %s\n", ln.Addr(), u.Host)
		_ = serveRaw(ln, u.Host)
		return
	}
	if *hello {
		body := []byte("hello, world\n")
		srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write(body)
		})}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		fmt.Fprintf(os.Stderr, "gwbench: net/http hello server on %s\n", ln.Addr())
		_ = srv.Serve(ln)
		return
	}
	if *plain {
		target, _ := url.Parse(*upstream)
		rp := &httputil.ReverseProxy{
			Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.SetXForwarded() },
			Transport: &http.Transport{MaxIdleConnsPerHost: 1024, DisableCompression: true},
			ErrorLog:  log.New(io.Discard, "", 0), // clients leaving at the end of a run
		}
		if *tuned || *floor {
			rp.Transport = proxy.NewTransport(nil)
			rp.BufferPool = buffers{}
		}
		if *floor {
			rp.Transport = memTransport{}
		}
		srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		fmt.Fprintf(os.Stderr, "gwbench: plain httputil.ReverseProxy (tuned=%v floor=%v) on %s → %s\n", *tuned, *floor, ln.Addr(), *upstream)
		_ = srv.Serve(ln)
		return
	}
	fmt.Fprintf(os.Stderr, "gwbench: %d routes (keyauth=%v) on %s → %s, revision %s\n", *routes, *keyed, ln.Addr(), *upstream, gw.Revision())
	if err := gw.Serve(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// memTransport answers every request from memory with what the benchmark's
// nginx upstream sends, so the floor target measures net/http.Server and
// httputil.ReverseProxy without any upstream I/O.
type memTransport struct{}

var memBody = []byte("hello, world\n")

func (memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	h := http.Header{"Server": {"nginx"}, "Date": {time.Now().UTC().Format(http.TimeFormat)},
		"Content-Type": {"text/plain"}, "Content-Length": {"13"}}
	return &http.Response{Status: "200 OK", StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(memBody)), ContentLength: 13, Request: req}, nil
}

// buffers is a pool of 32 KiB copy buffers, as the gateway's proxy uses.
type buffers struct{}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (buffers) Get() []byte  { return *(bufPool.Get().(*[]byte)) }
func (buffers) Put(b []byte) { bufPool.Put(&b) }

// Config is n routes over 30 services-worth of paths (half with a path
// parameter) on one upstream, always including GET /v1/svc7/items7/{id}.
func Config(upstream string, n int, keyed bool) *config.Config {
	o := config.Owner{
		Name:     "bench",
		Services: []config.Service{{Name: "up", URLs: []string{upstream}}},
		Schemes:  []config.Scheme{{Name: "apiKey", Type: config.KeyAuth, Key: &config.KeyScheme{In: "header", Name: "X-Api-Key"}}},
	}
	add := func(method, path string) {
		r := config.Route{ID: config.RouteID("bench", method, path), Service: "up", Method: method, Path: path}
		if keyed {
			r.Security = []config.Requirement{{{Scheme: "apiKey", Scopes: []string{"read"}}}}
		} else {
			r.Public = true
		}
		o.Routes = append(o.Routes, r)
	}
	add("GET", "/v1/svc7/items7/{id}")
	for i := 0; len(o.Routes) < n; i++ {
		if i != 7 {
			add("GET", fmt.Sprintf("/v1/svc%d/items%d/{id}", i%30, i))
		}
		if len(o.Routes) < n {
			add("GET", fmt.Sprintf("/v1/svc%d/items%d", i%30, i))
		}
	}
	cfg := &config.Config{Owners: []config.Owner{o}}
	cfg.Normalize()
	cfg.Revision = cfg.ComputeRevision()
	return cfg
}
