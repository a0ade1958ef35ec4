package middleware

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
)

func TestRateLimiter(t *testing.T) {
	l := NewRateLimiter(&config.RateLimit{Requests: 2, Window: config.Duration(time.Second)})
	k := l.Key("c1", netip.MustParseAddr("10.0.0.1"))
	if k.Consumer != "c1" {
		t.Fatal(k)
	}
	now := time.Unix(1000, 0)
	for i, want := range []bool{true, true, false} {
		d := l.Take(k, now)
		if d.Allowed != want {
			t.Fatalf("take %d: %+v", i, d)
		}
		if !d.Allowed && (d.RetryAfter != 500*time.Millisecond || d.Remaining != 0) {
			t.Fatalf("refused: %+v", d)
		}
	}
	// Another key has its own bucket; half a window refills one token.
	if !l.Take(l.Key("", netip.MustParseAddr("10.0.0.2")), now).Allowed {
		t.Fatal("ip bucket")
	}
	if d := l.Take(k, now.Add(500*time.Millisecond)); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("after refill: %+v", d)
	}
	h := http.Header{}
	d := l.Take(k, now.Add(500*time.Millisecond))
	l.SetHeaders(h, d)
	if h.Get("RateLimit-Limit") != "2" || h.Get("RateLimit-Remaining") != "0" || h.Get("Retry-After") != "1" || h.Get("RateLimit-Reset") != "1" {
		t.Fatalf("%v", h)
	}
	byIP := NewRateLimiter(&config.RateLimit{Requests: 1, Window: config.Duration(time.Minute), By: "ip"})
	if k := byIP.Key("c1", netip.MustParseAddr("::1")); k.Consumer != "" || !k.IP.IsValid() {
		t.Fatal(k)
	}
	// Burst caps the bucket.
	b := NewRateLimiter(&config.RateLimit{Requests: 10, Window: config.Duration(time.Second), Burst: 1})
	if !b.Take(k, now).Allowed || b.Take(k, now).Allowed {
		t.Fatal("burst")
	}
}

func TestRateLimiterSweep(t *testing.T) {
	l := NewRateLimiter(&config.RateLimit{Requests: 1, Window: config.Duration(time.Millisecond)})
	now := time.Unix(0, 0)
	for i := 0; i < 100000; i++ {
		l.Take(RateKey{IP: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})}, now.Add(time.Duration(i)*time.Millisecond))
	}
	n := 0
	for i := range l.shards {
		n += len(l.shards[i].buckets)
	}
	if n > 40000 {
		t.Fatalf("%d buckets kept", n)
	}
}

func TestCORS(t *testing.T) {
	c := NewCORS(&config.CORS{AllowOrigins: []string{"https://a.test"}, ExposeHeaders: []string{"X-Total"}, AllowCredentials: true})
	h := http.Header{}
	c.Actual(h, "https://a.test")
	if h.Get("Access-Control-Allow-Origin") != "https://a.test" || h.Get("Vary") != "Origin" || h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Access-Control-Expose-Headers") != "X-Total" {
		t.Fatal(h)
	}
	h = http.Header{}
	c.Actual(h, "https://b.test")
	if h.Get("Access-Control-Allow-Origin") != "" || h.Get("Vary") != "Origin" {
		t.Fatal(h)
	}
	star := NewCORS(&config.CORS{AllowOrigins: []string{"*"}})
	r := httptest.NewRequest("OPTIONS", "/x", nil)
	r.Header.Set("Origin", "https://z.test")
	r.Header.Set("Access-Control-Request-Method", "GET")
	r.Header.Set("Access-Control-Request-Headers", "x-a, x-b")
	if !IsPreflight(r) {
		t.Fatal("preflight")
	}
	w := httptest.NewRecorder()
	star.Preflight(w, r, "GET, POST")
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "*" || w.Header().Get("Access-Control-Allow-Methods") != "GET, POST" || w.Header().Get("Access-Control-Allow-Headers") != "x-a, x-b" {
		t.Fatal(w.Code, w.Header())
	}
	r.Header.Set("Access-Control-Request-Headers", "x-a\r\nx")
	w = httptest.NewRecorder()
	star.Preflight(w, r, "GET")
	if w.Header().Get("Access-Control-Allow-Headers") != "" {
		t.Fatal("reflected an invalid header list")
	}
	if NewCORS(nil) != nil {
		t.Fatal("nil")
	}
	var nilC *CORS
	nilC.Actual(http.Header{}, "x") // no panic
}

func TestIPFilter(t *testing.T) {
	f, err := NewIPFilter(&config.IPFilter{Allow: []string{"10.0.0.0/8", "::1"}, Deny: []string{"10.0.0.5"}})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"10.1.2.3": true, "10.0.0.5": false, "11.0.0.1": false, "::1": true, "::ffff:10.1.1.1": true, "::ffff:10.0.0.5": false} {
		if got := f.Allowed(netip.MustParseAddr(addr)); got != want {
			t.Errorf("%s: %v", addr, got)
		}
	}
	var none *IPFilter
	if !none.Allowed(netip.Addr{}) {
		t.Fatal("nil filter")
	}
	if _, err := NewIPFilter(&config.IPFilter{Deny: []string{"nope"}}); err == nil {
		t.Fatal("bad cidr accepted")
	}
}

func TestRequestID(t *testing.T) {
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	a, b := NewRequestID(), NewRequestID()
	if !hex32.MatchString(a) || a == b {
		t.Fatal(a, b)
	}
	for sent, keep := range map[string]bool{"abc-123": true, "0af7651916cd43dd8448eb211c80319c": true, "a b": false, "": false, "x\n": false, "<script>": false} {
		if got := RequestID(sent); (got == sent) != keep {
			t.Errorf("%q → %q", sent, got)
		}
	}
}

func BenchmarkRequestID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewRequestID()
	}
}
