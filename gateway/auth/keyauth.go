package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
)

// keyAuth reads an API key from a header, query parameter or cookie and
// looks up the consumer by the key's SHA-256.
type keyAuth struct {
	in   string // header, query, cookie
	name string // canonical for headers
	keys map[[sha256.Size]byte]*keyCred
	chal string
}

func newKeyAuth(s config.Scheme, creds *credentials) (*keyAuth, error) {
	if s.Key == nil {
		return nil, errors.New("key-auth: missing key settings")
	}
	k := &keyAuth{in: s.Key.In, name: s.Key.Name, keys: creds.keys}
	if k.name == "" || !validHeaderValue(k.name) {
		return nil, errors.New("key-auth: missing or invalid name")
	}
	switch k.in {
	case "header":
		k.name = textproto.CanonicalMIMEHeaderKey(k.name)
	case "query", "cookie":
	default:
		return nil, fmt.Errorf("key-auth: in must be header, query or cookie, not %q", k.in)
	}
	k.chal = `ApiKey realm="gwctl", in=` + quote(k.in) + `, name=` + quote(s.Key.Name)
	return k, nil
}

func (k *keyAuth) kind() string                     { return config.KeyAuth }
func (k *keyAuth) challenge(_ *http.Request) string { return k.chal }

// maxKeyLen bounds what is hashed; generated keys have 46 bytes.
const maxKeyLen = 512

func (k *keyAuth) authenticate(r *http.Request) result {
	key, n := k.extract(r)
	switch {
	case n == 0:
		return result{state: stateMissing}
	case n > 1:
		// Two copies (that may differ) are ambiguous: which one does the
		// upstream or a logging proxy in between see? Refuse.
		return result{state: stateInvalid, detail: "more than one API key"}
	case key == "" || len(key) > maxKeyLen:
		return result{state: stateInvalid, detail: "invalid API key"}
	}
	// The key is hashed as is: no trimming, no case folding. (HTTP parsing
	// already removed optional whitespace around header values.)
	var buf [maxKeyLen]byte
	sum := sha256.Sum256(append(buf[:0], key...))
	kc, ok := k.keys[sum]
	// The lookup is by hash of the key, so its timing tells an attacker
	// nothing usable about stored keys; the stored hash is compared again
	// in constant time so that acceptance never rests on the map alone.
	if !ok || subtle.ConstantTimeCompare(kc.hash[:], sum[:]) != 1 {
		return result{state: stateInvalid, detail: "invalid API key"}
	}
	c := kc.c
	return result{state: stateOK, id: c.id, name: c.name, subject: c.name, scopes: c.scopes}
}

// extract returns the key and how many copies the request carries.
func (k *keyAuth) extract(r *http.Request) (string, int) {
	switch k.in {
	case "header":
		v := r.Header[k.name]
		if len(v) == 0 {
			return "", 0
		}
		return v[0], len(v)
	case "query":
		return queryParam(r.URL.RawQuery, k.name)
	default:
		return cookie(r.Header, k.name)
	}
}

// queryParam returns the value of name in a raw query and how many times
// it occurs. It splits on "&" only, as url.ParseQuery does. A value that is
// not valid percent-encoding counts as an occurrence with an empty value
// (so it is refused, never skipped).
func queryParam(raw, name string) (string, int) {
	var val string
	n := 0
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if key, err := url.QueryUnescape(k); err != nil || key != name {
			continue
		}
		n++
		if u, err := url.QueryUnescape(v); err == nil {
			val = u
		} else {
			val = ""
		}
	}
	return val, n
}

// removeQueryParam drops every occurrence of name from a raw query, keeping
// the rest byte for byte.
func removeQueryParam(raw, name string) string {
	if raw == "" {
		return raw
	}
	var b strings.Builder
	rest := raw
	for rest != "" {
		var kv string
		kv, rest, _ = strings.Cut(rest, "&")
		k, _, _ := strings.Cut(kv, "=")
		if key, err := url.QueryUnescape(k); err == nil && key == name {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv)
	}
	return b.String()
}

// cookie returns the value of the named cookie and how many times it
// occurs across all Cookie headers. Quotes around a value are removed.
func cookie(h http.Header, name string) (string, int) {
	var val string
	n := 0
	for _, line := range h["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimSpace(part)
			k, v, ok := strings.Cut(part, "=")
			if !ok || k != name {
				continue
			}
			n++
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			val = v
		}
	}
	return val, n
}

// removeCookie drops every cookie called name from the Cookie headers,
// keeping the others.
func removeCookie(h http.Header, name string) {
	lines := h["Cookie"]
	if len(lines) == 0 {
		return
	}
	var kept []string
	for _, line := range lines {
		var parts []string
		for p := range strings.SplitSeq(line, ";") {
			t := strings.TrimSpace(p)
			if t == "" {
				continue
			}
			if k, _, _ := strings.Cut(t, "="); k == name {
				continue
			}
			parts = append(parts, t)
		}
		if len(parts) > 0 {
			kept = append(kept, strings.Join(parts, "; "))
		}
	}
	if len(kept) == 0 {
		h.Del("Cookie")
		return
	}
	h["Cookie"] = kept
}

func (k *keyAuth) strip(out *http.Request) {
	switch k.in {
	case "header":
		out.Header.Del(k.name)
	case "query":
		if out.URL != nil {
			out.URL.RawQuery = removeQueryParam(out.URL.RawQuery, k.name)
			out.URL.ForceQuery = false
		}
	default:
		removeCookie(out.Header, k.name)
	}
}
