package gateway

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
)

// BenchmarkApply measures building and swapping in a configuration of
// 10,000 key-auth routes.
func BenchmarkApply(b *testing.B) {
	s := New(Options{Logger: slog.New(slog.DiscardHandler)})
	cfgs := [2]*config.Config{}
	for i := range cfgs {
		routes := benchRoutes(10000, true)
		routes[0].Path = fmt.Sprintf("/gen%d", i)
		c := shopConfig("http://127.0.0.1:1", routes...)
		c.Normalize()
		c.Revision = c.ComputeRevision()
		cfgs[i] = c
	}
	cons := testConsumers()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.Apply(cfgs[i%2], cons); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkHandlerOverhead is the gateway's own work per request without
// the network: strict checks, routing among 600 routes, key-auth, rate
// limit, metrics, and a mock answer instead of the proxy.
func BenchmarkHandlerOverhead(b *testing.B) {
	s := New(Options{Logger: slog.New(slog.DiscardHandler)})
	routes := benchRoutes(600, true)
	for i := range routes {
		routes[i].Mock = &config.Mock{Status: 200, Body: "ok"}
		routes[i].Plugins.RateLimit = &config.RateLimit{Requests: 1 << 30, Window: config.Duration(time.Second)}
	}
	cfg := shopConfig("http://127.0.0.1:1", routes...)
	if err := s.Apply(cfg, testConsumers()); err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	r := httptest.NewRequest("GET", "/v1/svc7/items7/42", nil)
	r.RemoteAddr = "127.0.0.1:5555"
	r.Header.Set("X-Api-Key", testKey)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}
