package gateway

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/proxy"
)

type plainBuffers struct{}

var plainPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (plainBuffers) Get() []byte  { return *(plainPool.Get().(*[]byte)) }
func (plainBuffers) Put(b []byte) { plainPool.Put(&b) }

// benchRoutes is n routes over 30 services-worth of paths, half of them
// with a path parameter, all behind key-auth when keyed.
func benchRoutes(n int, keyed bool) []config.Route {
	rs := make([]config.Route, 0, n)
	for i := 0; len(rs) < n; i++ {
		for _, r := range []config.Route{
			{Method: "GET", Path: fmt.Sprintf("/v1/svc%d/items%d", i%30, i)},
			{Method: "GET", Path: fmt.Sprintf("/v1/svc%d/items%d/{id}", i%30, i)},
		} {
			if keyed {
				r.Security = keyAuth()
			}
			if len(rs) < n {
				rs = append(rs, r)
			}
		}
	}
	return rs
}

// BenchmarkProxy measures one request at a time over keep-alive loopback
// connections: the upstream directly, and through the gateway.
func BenchmarkProxy(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello, world\n")
	}))
	defer up.Close()
	run := func(b *testing.B, url string, key string) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
		defer client.CloseIdleConnections()
		req, _ := http.NewRequest("GET", url, nil)
		if key != "" {
			req.Header.Set("X-Api-Key", key)
		}
		b.ReportAllocs()
		for b.Loop() {
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatal(res.StatusCode)
			}
		}
	}
	b.Run("direct", func(b *testing.B) { run(b, up.URL+"/v1/svc7/items7/42", "") })
	// go-plain: a stock httputil.ReverseProxy, tuned like the gateway's
	// (same transport settings, pooled copy buffers): the floor the
	// gateway's own work is measured against.
	b.Run("go-plain", func(b *testing.B) {
		target, _ := url.Parse(up.URL)
		tr := proxy.NewTransport(nil)
		defer tr.CloseIdleConnections()
		rp := &httputil.ReverseProxy{
			Rewrite:    func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.SetXForwarded() },
			Transport:  tr,
			BufferPool: plainBuffers{},
		}
		srv := httptest.NewServer(rp)
		defer srv.Close()
		run(b, srv.URL+"/v1/svc7/items7/42", "")
	})
	for _, c := range []struct {
		name  string
		n     int
		keyed bool
	}{{"gateway-1-route", 1, false}, {"gateway-600-routes-keyauth", 600, true}, {"gateway-10000-routes-keyauth", 10000, true}} {
		b.Run(c.name, func(b *testing.B) {
			g := startGateway(b, Options{Logger: slog.New(slog.DiscardHandler)})
			routes := benchRoutes(c.n, c.keyed)
			if c.n == 1 {
				routes = []config.Route{{Method: "GET", Path: "/v1/svc7/items7/{id}"}}
			}
			g.apply(b, shopConfig(up.URL, routes...), testConsumers()...)
			key := ""
			if c.keyed {
				key = testKey
			}
			run(b, g.url+"/v1/svc7/items7/42", key)
		})
	}
}
