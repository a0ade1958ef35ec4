package middleware

import (
	"hash/maphash"
	"math"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
)

// RateLimiter is a local token bucket per key (consumer id or client IP).
// It is safe for concurrent use; buckets that have refilled completely are
// forgotten, so memory follows the number of recently active clients.
type RateLimiter struct {
	limit    int     // requests per window (RateLimit-Limit)
	burst    float64 // bucket capacity
	perNano  float64 // tokens added per nanosecond
	byIP     bool
	limitHdr []string
	shards   [rlShards]rlShard
}

const rlShards = 32

type rlShard struct {
	mu      sync.Mutex
	buckets map[RateKey]*bucket
	inserts int
	_       [40]byte // keep shards on separate cache lines
}

type bucket struct {
	tokens float64
	last   int64 // unix nanos
}

// RateKey identifies a client: a consumer id, or an address for anonymous
// requests (and always with By "ip").
type RateKey struct {
	Consumer string
	IP       netip.Addr
}

var seed = maphash.MakeSeed()

// NewRateLimiter compiles a config.RateLimit (nil → nil).
func NewRateLimiter(c *config.RateLimit) *RateLimiter {
	if c == nil || c.Requests <= 0 || c.Window <= 0 {
		return nil
	}
	burst := c.Burst
	if burst <= 0 {
		burst = c.Requests
	}
	l := &RateLimiter{
		limit:    c.Requests,
		burst:    float64(burst),
		perNano:  float64(c.Requests) / float64(c.Window),
		byIP:     c.By == "ip",
		limitHdr: []string{strconv.Itoa(c.Requests)},
	}
	for i := range l.shards {
		l.shards[i].buckets = map[RateKey]*bucket{}
	}
	return l
}

// Key returns the bucket key for a request.
func (l *RateLimiter) Key(consumerID string, ip netip.Addr) RateKey {
	if l.byIP || consumerID == "" {
		return RateKey{IP: ip}
	}
	return RateKey{Consumer: consumerID}
}

// Decision is the outcome of Take.
type Decision struct {
	Allowed    bool
	Remaining  int
	Reset      time.Duration // until the bucket is full again
	RetryAfter time.Duration // until one token is available (when refused)
}

// Take spends one token of key's bucket at now.
func (l *RateLimiter) Take(key RateKey, now time.Time) Decision {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(key.Consumer)
	a16 := key.IP.As16()
	h.Write(a16[:])
	sh := &l.shards[h.Sum64()%rlShards]
	t := now.UnixNano()

	sh.mu.Lock()
	b := sh.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: t}
		sh.buckets[key] = b
		sh.inserts++
		if sh.inserts >= 1024 {
			sh.inserts = 0
			l.sweep(sh, t)
		}
	}
	if el := t - b.last; el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+float64(el)*l.perNano)
		b.last = t
	}
	var d Decision
	if b.tokens >= 1 {
		b.tokens--
		d.Allowed = true
	} else {
		d.RetryAfter = time.Duration(math.Ceil((1 - b.tokens) / l.perNano))
	}
	d.Remaining = int(b.tokens)
	d.Reset = time.Duration(math.Ceil((l.burst - b.tokens) / l.perNano))
	sh.mu.Unlock()
	return d
}

// sweep forgets buckets that are full again (equivalent to absent).
func (l *RateLimiter) sweep(sh *rlShard, now int64) {
	for k, b := range sh.buckets {
		if b.tokens+float64(now-b.last)*l.perNano >= l.burst {
			delete(sh.buckets, k)
		}
	}
}

// SetHeaders writes RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset
// and, when refused, Retry-After (whole seconds, rounded up).
func (l *RateLimiter) SetHeaders(h map[string][]string, d Decision) {
	h["Ratelimit-Limit"] = l.limitHdr
	h["Ratelimit-Remaining"] = []string{smallItoa(d.Remaining)}
	h["Ratelimit-Reset"] = []string{smallItoa(ceilSeconds(d.Reset))}
	if !d.Allowed {
		h["Retry-After"] = []string{smallItoa(max(1, ceilSeconds(d.RetryAfter)))}
	}
}

func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

var smallInts = func() (s [1001]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func smallItoa(n int) string {
	if n >= 0 && n < len(smallInts) {
		return smallInts[n]
	}
	return strconv.Itoa(n)
}
