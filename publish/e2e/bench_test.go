package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway"
	"github.com/gwctl/gwctl/gateway/admin"
	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/store"
	"github.com/gwctl/gwctl/publish"
	"github.com/gwctl/gwctl/publish/remote"
)

// bigOwner is an owner section with n routes (n/4 paths × GET, POST, PUT,
// DELETE), key-auth with scopes, a rate limit on every route, all on one
// service at upstream.
func bigOwner(n int, upstream string) *config.Owner {
	o := &config.Owner{
		Name:     "big",
		Services: []config.Service{{Name: "big", URLs: []string{upstream}}},
		Schemes:  []config.Scheme{{Name: "key", Type: config.KeyAuth, Key: &config.KeyScheme{In: "header", Name: "X-Key"}}},
	}
	for i := 0; i < n/4; i++ {
		path := fmt.Sprintf("/v1/resource-%d/items/{itemId}", i)
		for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
			scope := "read"
			if m != "GET" {
				scope = "write"
			}
			o.Routes = append(o.Routes, config.Route{
				ID: config.RouteID("big", m, path), Owner: "big", Service: "big", Method: m, Path: path,
				Security: []config.Requirement{{{Scheme: "key", Scopes: []string{scope}}}},
				Plugins:  config.Plugins{RateLimit: &config.RateLimit{Requests: 100, Window: config.Duration(time.Minute)}},
				Source:   fmt.Sprintf("big.yaml:%d", i+1),
			})
		}
	}
	o.Normalize()
	return o
}

// BenchmarkPublish10k publishes 10,000 routes to the real gateway process
// and waits until it serves them: HTTP, validation, store write (fsync,
// rename) and the router swap. Every iteration changes every route (the
// upstream alternates).
func BenchmarkPublish10k(b *testing.B) {
	g := startGateway(b)
	c := g.client(b)
	ctx := context.Background()
	variants := []*config.Owner{bigOwner(10000, "http://127.0.0.1:9001"), bigOwner(10000, "http://127.0.0.1:9002")}
	_, rev, err := c.GetConfig(ctx)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		res, err := c.PutOwner(ctx, variants[i%2], rev)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.WaitLive(ctx, res.Revision, 10*time.Second); err != nil {
			b.Fatal(err)
		}
		rev = res.Revision
		i++
	}
}

// BenchmarkPublishCycle10k is what `gwctl publish --yes` does after
// rendering: read the live config (10,000 routes), diff, publish with
// If-Match, wait until live.
func BenchmarkPublishCycle10k(b *testing.B) {
	g := startGateway(b)
	c := g.client(b)
	ctx := context.Background()
	variants := []*config.Owner{bigOwner(10000, "http://127.0.0.1:9001"), bigOwner(10000, "http://127.0.0.1:9002")}
	i := 0
	for b.Loop() {
		desired := variants[i%2]
		cfg, rev, err := c.GetConfig(ctx)
		if err != nil {
			b.Fatal(err)
		}
		plan := publish.Diff(cfg.Owner("big"), desired, nil)
		if !plan.HasChanges() {
			b.Fatal("no changes")
		}
		res, err := c.PutOwner(ctx, desired, rev)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.WaitLive(ctx, res.Revision, 10*time.Second); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkPublish10kInProcess is BenchmarkPublish10k with the gateway's
// admin API, file store and server in this process, so that it can report
// the CPU time one publish costs (cpu-ms/op, client and gateway together):
// the number that matters on a machine shared with other work, where wall
// time mostly measures waiting for a core.
func BenchmarkPublish10kInProcess(b *testing.B) {
	st, err := store.OpenFile(b.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	gw := gateway.New(gateway.Options{NodeID: "bench"})
	if err := gw.Apply(&config.Config{}, nil); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(admin.New(admin.Options{Store: st, Gateway: gw, Token: "bench-token"}))
	defer srv.Close()
	c, err := remote.New(srv.URL, "bench-token")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	variants := []*config.Owner{bigOwner(10000, "http://127.0.0.1:9001"), bigOwner(10000, "http://127.0.0.1:9002")}
	rev, i := "", 0
	start := cpuTime()
	for b.Loop() {
		res, err := c.PutOwner(ctx, variants[i%2], rev)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.WaitLive(ctx, res.Revision, 10*time.Second); err != nil {
			b.Fatal(err)
		}
		rev = res.Revision
		i++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time (user + system, all threads) of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
