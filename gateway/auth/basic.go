package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gwctl/gwctl/gateway/config"
)

// basicAuth checks "Authorization: Basic" against the consumers' bcrypt
// password hashes.
type basicAuth struct {
	users map[string]*userCred
	chal  string
	ok    *verifiedCache
}

func newBasicAuth(s config.Scheme, creds *credentials) (*basicAuth, error) {
	realm := "gwctl"
	if s.Basic != nil && s.Basic.Realm != "" {
		realm = s.Basic.Realm
	}
	if !validHeaderValue(realm) {
		return nil, errors.New("basic-auth: realm has control characters")
	}
	return &basicAuth{
		users: creds.users,
		chal:  `Basic realm=` + quote(realm) + `, charset="UTF-8"`,
		ok:    newVerifiedCache(),
	}, nil
}

func (b *basicAuth) kind() string                     { return config.BasicAuth }
func (b *basicAuth) challenge(_ *http.Request) string { return b.chal }
func (b *basicAuth) strip(out *http.Request)          { out.Header.Del("Authorization") }

func (b *basicAuth) authenticate(r *http.Request) result {
	v := r.Header["Authorization"]
	if len(v) == 0 || !hasScheme(v[0], "Basic") {
		// Nothing for us (perhaps a Bearer token for another scheme).
		return result{state: stateMissing}
	}
	if len(v) > 1 {
		return result{state: stateInvalid, detail: "more than one Authorization header"}
	}
	user, pw, ok := r.BasicAuth()
	if !ok {
		return result{state: stateInvalid, detail: "malformed basic credentials"}
	}
	const bad = "invalid username or password"
	uc := b.users[user]
	if uc == nil {
		// Spend the same time as for a known user, so that response times
		// do not reveal which usernames exist.
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(pw))
		return result{state: stateInvalid, detail: bad}
	}
	if !b.ok.has(user, pw, uc) {
		if bcrypt.CompareHashAndPassword(uc.hash, []byte(pw)) != nil {
			return result{state: stateInvalid, detail: bad}
		}
		b.ok.add(user, pw, uc)
	}
	return result{state: stateOK, id: uc.c.id, name: uc.c.name, subject: uc.user, scopes: uc.c.scopes}
}

// hasScheme reports whether an Authorization value uses scheme (compared
// case-insensitively, RFC 9110 §11.1) followed by a space.
func hasScheme(v, scheme string) bool {
	return len(v) > len(scheme) && v[len(scheme)] == ' ' && strings.EqualFold(v[:len(scheme)], scheme)
}

// verifiedCache remembers credentials that passed bcrypt recently, so a
// client sending the same valid basic-auth credentials on every request costs
// one bcrypt compare per TTL instead of one per request (~50 ms of CPU at the
// default cost). Only successes are stored, as a salted SHA-256 of user and
// password (the salt is random per Engine, and an Engine is rebuilt on every
// config or consumer change, so a deleted credential stops working at once).
// Wrong passwords still pay bcrypt.
type verifiedCache struct {
	salt [32]byte
	mu   sync.Mutex
	m    map[[32]byte]verified
}

type verified struct {
	uc      *userCred
	expires time.Time
}

const (
	verifiedTTL = 5 * time.Minute
	verifiedMax = 10000
)

func newVerifiedCache() *verifiedCache {
	c := &verifiedCache{m: map[[32]byte]verified{}}
	_, _ = rand.Read(c.salt[:])
	return c
}

func (c *verifiedCache) key(user, pw string) [32]byte {
	h := sha256.New()
	h.Write(c.salt[:])
	h.Write([]byte(user))
	h.Write([]byte{0})
	h.Write([]byte(pw))
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func (c *verifiedCache) has(user, pw string, uc *userCred) bool {
	k := c.key(user, pw)
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	return ok && v.uc == uc && time.Now().Before(v.expires)
}

func (c *verifiedCache) add(user, pw string, uc *userCred) {
	k := c.key(user, pw)
	c.mu.Lock()
	if len(c.m) >= verifiedMax {
		clear(c.m) // bounded memory; the next requests pay bcrypt once again
	}
	c.m[k] = verified{uc: uc, expires: time.Now().Add(verifiedTTL)}
	c.mu.Unlock()
}
