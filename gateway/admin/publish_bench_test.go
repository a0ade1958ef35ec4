package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway"
	"github.com/gwctl/gwctl/gateway/admin"
	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/gateway/store"
)

// BenchmarkPublish10k is PUT /admin/owners/{owner} of 10,000 key-auth
// routes end to end, over HTTP: JSON decode, ownership and validation of the
// whole next config, the file store's commit (fsync, rename), and the
// gateway's Apply (router, auth engine, plugins) and swap. Every iteration
// changes one route, so nothing is skipped as a no-op. cpu-ms/op is the
// process's CPU time (all threads), meaningful on a shared machine.
func BenchmarkPublish10k(b *testing.B) {
	log := slog.New(slog.DiscardHandler)
	st, err := store.OpenFile(b.TempDir(), log)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	gw := gateway.New(gateway.Options{Logger: log, NodeID: "bench"})
	api := admin.New(admin.Options{Store: st, Gateway: gw, Token: token, Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); api.Follow(ctx) }()
	defer func() { cancel(); <-done }()
	srv := httptest.NewServer(api)
	defer srv.Close()

	bodies := [2][]byte{}
	for v := range bodies {
		o := config.Owner{
			Name:     "big",
			Services: []config.Service{{Name: "big-svc", URLs: []string{"http://127.0.0.1:1"}}},
			Schemes:  []config.Scheme{{Name: "apiKey", Type: config.KeyAuth, Key: &config.KeyScheme{In: "header", Name: "X-Api-Key"}}},
		}
		for i := range 10000 {
			o.Routes = append(o.Routes, route("big", "GET", fmt.Sprintf("/v1/things%d/{id}/parts", i), "things:read"))
		}
		o.Routes[0].Path = fmt.Sprintf("/v%d/first", v)
		if bodies[v], err = json.Marshal(o); err != nil {
			b.Fatal(err)
		}
	}
	client := &http.Client{}
	etag := `""`
	put := func(body []byte) {
		req, _ := http.NewRequest("PUT", srv.URL+"/admin/owners/big", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", etag)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Contains(data, []byte(`"changed":true`)) {
			b.Fatalf("%d %.300s", res.StatusCode, data)
		}
		etag = res.Header.Get("ETag")
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(bodies[0])))
	start := cpuTime()
	i := 0
	for b.Loop() {
		put(bodies[i%2])
		i++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
