package publish_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwctl/gwctl/publish"
)

// writeSpec writes an OpenAPI document with n operations (n/4 paths with
// GET, POST, PUT and DELETE), API-key and JWT security with scopes, and a
// few x-gateway extensions.
func writeSpec(tb testing.TB, n int) string {
	tb.Helper()
	var b strings.Builder
	b.WriteString(`{"openapi":"3.1.0","info":{"title":"big","version":"1.0.0","x-service":"big"},
"servers":[{"url":"https://api.example.com/v1"}],
"x-gateway":{"upstream":"http://big.internal:8080","timeouts":{"connect":"2s","response":"10s"}},
"security":[{"key":["read"]},{"bearer":["read"]}],
"components":{"securitySchemes":{"key":{"type":"apiKey","in":"header","name":"X-Key"},"bearer":{"type":"http","scheme":"bearer"}}},
"paths":{`)
	for i := 0; i < n/4; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"/resource-%d/items/{itemId}":{"x-gateway":{"rateLimit":{"requests":%d,"window":"1m"}},`, i, 100+i%7)
		for j, m := range []string{"get", "post", "put", "delete"} {
			if j > 0 {
				b.WriteByte(',')
			}
			sec := ""
			if m != "get" {
				sec = `"security":[{"key":["write"],"bearer":["write"]}],`
			}
			fmt.Fprintf(&b, `%q:{%s"responses":{"200":{"description":"ok"}}}`, m, sec)
		}
		b.WriteByte('}')
	}
	b.WriteString("}}")
	path := filepath.Join(tb.TempDir(), "big.json")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

var benchOpts = publish.Options{
	Owner: "big",
	Auth:  publish.Auth{JWT: map[string]publish.JWT{"bearer": {Issuer: "https://id.example.com", Secret: strings.Repeat("s", 32)}}},
}

// cpuTime is the CPU time (user + system, all threads) the process has used.
// Benchmarks report it per operation as cpu-ms/op, which stays meaningful on
// a machine shared with other work (wall time does not).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// BenchmarkRender renders 10,000 operations into routes (the specs are
// loaded once, outside the timer).
func BenchmarkRender(b *testing.B) {
	set := loadDir(b, filepath.Dir(writeSpec(b, 10000)))
	b.ReportAllocs()
	start := cpuTime()
	defer reportCPU(b, start)
	for b.Loop() {
		if _, errs := publish.Render(set, benchOpts); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkRenderDiff is Render plus Diff of 10,000 routes against a live
// section where every route's upstream differs (the worst case: every
// endpoint changes).
func BenchmarkRenderDiff(b *testing.B) {
	set := loadDir(b, filepath.Dir(writeSpec(b, 10000)))
	live, errs := publish.Render(set, benchOpts)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	live.Services[0].URLs = []string{"http://old.internal"}
	b.ReportAllocs()
	start := cpuTime()
	defer reportCPU(b, start)
	for b.Loop() {
		desired, errs := publish.Render(set, benchOpts)
		if len(errs) > 0 {
			b.Fatal(errs)
		}
		plan := publish.Diff(live, desired, nil)
		if plan.Count(publish.Changed) != 10000 {
			b.Fatalf("changed = %d", plan.Count(publish.Changed))
		}
	}
}

// BenchmarkDiff is Diff alone over 10,000 routes.
func BenchmarkDiff(b *testing.B) {
	set := loadDir(b, filepath.Dir(writeSpec(b, 10000)))
	live, _ := publish.Render(set, benchOpts)
	desired, _ := publish.Render(set, benchOpts)
	live.Services[0].URLs = []string{"http://old.internal"}
	b.ReportAllocs()
	start := cpuTime()
	defer reportCPU(b, start)
	for b.Loop() {
		publish.Diff(live, desired, nil)
	}
}

// BenchmarkCheck is the gateway's validation of 10,000 rendered routes
// (what the CLI runs after Render, and the gateway on every publish).
func BenchmarkCheck(b *testing.B) {
	set := loadDir(b, filepath.Dir(writeSpec(b, 10000)))
	owner, _ := publish.Render(set, benchOpts)
	b.ReportAllocs()
	start := cpuTime()
	defer reportCPU(b, start)
	for b.Loop() {
		if errs := publish.Check(owner); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
