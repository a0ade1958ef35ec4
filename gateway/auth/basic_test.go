package auth

import (
	"net/http/httptest"
	"testing"
	"time"
)

// TestBasicVerifiedCache: a valid credential is remembered (so repeat
// requests skip bcrypt), a wrong password is never served from the cache,
// and a new Engine (what every consumer change builds) starts empty.
func TestBasicVerifiedCache(t *testing.T) {
	e, cfg := newTestEngine(t)
	rt := routeOf(t, cfg, "basic")
	call := func(e *Engine, pw string) int {
		r := httptest.NewRequest("GET", "/basic", nil)
		r.Header.Set("Authorization", basicHeader("carol", pw))
		if _, f := e.Authenticate(r, rt); f != nil {
			return f.Status
		}
		return 200
	}
	for i := 0; i < 3; i++ {
		if got := call(e, carolPW); got != 200 {
			t.Fatalf("call %d with the right password: %d", i, got)
		}
	}
	if got := call(e, carolPW+"x"); got != 401 {
		t.Fatalf("wrong password after a cached success: %d, want 401", got)
	}

	// The cache itself: only the exact credential of the exact user record,
	// and only until it expires.
	c := newVerifiedCache()
	uc, other := &userCred{}, &userCred{}
	if c.has("carol", "pw", uc) {
		t.Fatal("empty cache reports a hit")
	}
	c.add("carol", "pw", uc)
	if !c.has("carol", "pw", uc) {
		t.Fatal("added credential not found")
	}
	for _, tc := range []struct {
		user, pw string
		uc       *userCred
	}{{"carol", "pw2", uc}, {"carol2", "pw", uc}, {"carol", "pw", other}, {"caro", "lpw", uc}} {
		if c.has(tc.user, tc.pw, tc.uc) {
			t.Errorf("has(%q, %q) after add(carol, pw) = true", tc.user, tc.pw)
		}
	}
	k := c.key("carol", "pw")
	c.m[k] = verified{uc: uc, expires: time.Now().Add(-time.Second)}
	if c.has("carol", "pw", uc) {
		t.Error("expired entry still served")
	}
	if newVerifiedCache().salt == c.salt {
		t.Error("two caches share a salt")
	}
}
