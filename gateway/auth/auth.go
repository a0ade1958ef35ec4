// Package auth authenticates gateway requests against the schemes a route's
// owner declares (key-auth, jwt, basic-auth) and the registered consumers.
//
// An Engine is built once per (config, consumers) pair with New, which parses
// and checks everything up front (JWT keys, key hashes, bcrypt hashes), so
// that a bad configuration is refused before it goes live and the request
// path does no parsing of configuration. The Engine is immutable after New
// and safe for concurrent use.
//
// # Semantics
//
// Route.Security is OpenAPI's OR of ANDs: a request passes when every scheme
// of any one alternative authenticates it and grants the scopes that
// alternative requires. Scheme names are resolved in the route owner's
// section. An empty alternative (OpenAPI's `{}`) makes authentication
// optional: a passing alternative still attaches its identity; otherwise
// the request proceeds anonymously, unless a credential was presented and
// rejected (401), so that a client with a broken token learns it. A route with no Security is
// served anonymously only when it is marked Public; otherwise it is refused
// (fail closed).
//
// When no alternative passes the answer is 403 if some alternative
// authenticated every scheme but lacked a scope, otherwise 401 with the
// challenges of every scheme the route accepts, joined with ", " into one
// WWW-Authenticate value (RFC 9110 §11.6.1 allows a list):
//
//	key-auth    ApiKey realm="gwctl", in="header", name="X-API-Key"
//	            (there is no registered scheme for API keys; Kong uses
//	            "Key". in/name tell the client where the key goes and are
//	            public anyway: they are in the OpenAPI document)
//	basic-auth  Basic realm="<Basic.Realm or gwctl>", charset="UTF-8"
//	jwt         Bearer realm="gwctl"                          no token sent
//	            Bearer realm="gwctl", error="invalid_token"    token rejected
//	            Bearer realm="gwctl", error="insufficient_scope", scope="a b" (403)
//
// # Identities
//
// key-auth and basic-auth identify a registered consumer: ConsumerID and
// ConsumerName are the consumer's, Subject is the consumer's name for
// key-auth and the username for basic-auth, Scopes are the consumer's.
// A JWT identifies a subject at an issuer, not a registered consumer:
// ConsumerID is "jwt:" + iss + "|" + sub (unique across issuers, so rate
// limits per consumer never merge two issuers' subjects), ConsumerName and
// Subject are sub, Scopes come from the token. When an alternative has
// several schemes (AND), the identity is that of its first scheme.
//
// # JWT
//
// Tokens come from "Authorization: Bearer". The issuer is chosen by the
// token's unverified iss claim, then the token is verified with that
// issuer's keys and only its Algorithms (alg "none" can never be
// configured). The key handed to the verifier always matches the token's
// algorithm family: HS* get the issuer's Secret and nothing else, RS*/PS*
// RSA keys, ES* ECDSA keys on the matching curve, EdDSA Ed25519 keys; so a
// public key can never be used as an HMAC secret. A kid in the token selects
// among keys that carry a kid (keys without one, e.g. PEM, are candidates
// for every kid). exp is required; exp, nbf and iat are checked with the
// issuer's Leeway (default 30s); aud must contain one of Audiences when set.
// Secret is raw text, or base64 (standard or URL alphabet, padded or not)
// when written with the prefix "base64:"; it must be at least as long as the
// hash output (RFC 7518 §3.2: 32 bytes for HS256, 48 for HS384, 64 for
// HS512). RSA keys must have at least 2048 bits.
package auth

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
)

// Identity is who a request was authenticated as. The gateway passes it to
// the upstream with SetHeaders. Its Scopes slice may be shared with the
// Engine: treat it as read-only.
type Identity struct {
	ConsumerID   string
	ConsumerName string
	Subject      string
	// Scheme is the name (in the route owner's section) of the scheme
	// that produced the identity.
	Scheme string
	Scopes []string
}

// Failure is a refused request: Status is 401 or 403, Challenge the value
// of the WWW-Authenticate header ("" for none), Detail a message that is
// safe to show to the client (it never contains credentials).
type Failure struct {
	Status    int
	Challenge string
	Detail    string
}

// Engine authenticates requests. It is immutable after New and safe for
// concurrent use.
type Engine struct {
	// owners maps an owner name to its schemes by name.
	owners map[string]map[string]authenticator
}

// authenticator is one configured scheme.
type authenticator interface {
	// authenticate checks the request's credential for this scheme.
	authenticate(r *http.Request) result
	// challenge is the WWW-Authenticate challenge for a 401 answer.
	challenge(r *http.Request) string
	// strip removes the credential this scheme reads from out.
	strip(out *http.Request)
	// kind is the scheme type (config.KeyAuth, …).
	kind() string
}

var (
	_ authenticator = (*keyAuth)(nil)
	_ authenticator = (*basicAuth)(nil)
	_ authenticator = (*jwtAuth)(nil)
)

type state uint8

const (
	stateMissing state = iota // no credential for this scheme
	stateInvalid              // a credential, rejected
	stateOK
)

// result is the outcome of one scheme on one request; returned by value so
// that a successful key lookup allocates nothing until the Identity.
type result struct {
	state   state
	detail  string // for stateInvalid: safe for clients
	id      string
	name    string
	subject string
	scopes  []string
}

// New builds the engine for a configuration and the registered consumers.
// It refuses anything it could not enforce: unknown scheme types, a route
// naming a scheme its owner does not define, unparsable or weak keys,
// disallowed algorithms, malformed or ambiguous (duplicate) credentials.
func New(cfg *config.Config, consumers []config.Consumer) (*Engine, error) {
	if cfg == nil {
		cfg = &config.Config{}
	}
	creds, err := indexConsumers(consumers)
	if err != nil {
		return nil, err
	}
	e := &Engine{owners: make(map[string]map[string]authenticator, len(cfg.Owners))}
	for _, o := range cfg.Owners {
		if _, dup := e.owners[o.Name]; dup {
			return nil, fmt.Errorf("auth: owner %q: defined twice", o.Name)
		}
		schemes := make(map[string]authenticator, len(o.Schemes))
		for _, s := range o.Schemes {
			if _, dup := schemes[s.Name]; dup {
				return nil, fmt.Errorf("auth: owner %q: scheme %q: defined twice", o.Name, s.Name)
			}
			a, err := newAuthenticator(s, creds)
			if err != nil {
				return nil, fmt.Errorf("auth: owner %q: scheme %q: %w", o.Name, s.Name, err)
			}
			schemes[s.Name] = a
		}
		e.owners[o.Name] = schemes
		for _, rt := range o.Routes {
			for _, req := range rt.Security {
				for _, ref := range req {
					if schemes[ref.Scheme] == nil {
						return nil, fmt.Errorf("auth: owner %q: route %q: unknown scheme %q", o.Name, rt.ID, ref.Scheme)
					}
				}
			}
		}
	}
	return e, nil
}

func newAuthenticator(s config.Scheme, creds *credentials) (authenticator, error) {
	if s.Name == "" {
		return nil, errors.New("missing name")
	}
	switch s.Type {
	case config.KeyAuth:
		return newKeyAuth(s, creds)
	case config.BasicAuth:
		return newBasicAuth(s, creds)
	case config.JWTAuth:
		return newJWTAuth(s)
	default:
		return nil, fmt.Errorf("unknown type %q", s.Type)
	}
}

// refResult caches one scheme's result for the duration of a request, so
// a scheme named in several alternatives is checked once (a bcrypt
// comparison costs tens of milliseconds).
type refResult struct {
	a   authenticator
	res result
}

// Authenticate checks r against route's security requirements. It returns
// (nil, nil) for a public route, or an anonymous request on a route whose
// authentication is optional.
func (e *Engine) Authenticate(r *http.Request, route *config.Route) (*Identity, *Failure) {
	if len(route.Security) == 0 {
		if route.Public {
			return nil, nil
		}
		// Not public and no requirement: a broken configuration. Never
		// let it through.
		return nil, &Failure{Status: http.StatusUnauthorized, Detail: "authentication required"}
	}
	schemes := e.owners[route.Owner]

	var (
		buf       [4]refResult
		cache     = buf[:0]
		optional  bool
		presented bool   // some credential was sent and rejected
		detail    string // of the first rejected credential
		// First alternative that authenticated but lacked scopes.
		scopeFail bool
		scopeRef  config.SchemeRef
		scopeKind string
	)
	check := func(name string) (authenticator, result) {
		a := schemes[name]
		if a == nil {
			// New refuses routes naming unknown schemes; a route not from
			// this config ends up here: fail closed.
			return nil, result{state: stateInvalid, detail: "authentication unavailable"}
		}
		for i := range cache {
			if cache[i].a == a {
				return a, cache[i].res
			}
		}
		res := a.authenticate(r)
		cache = append(cache, refResult{a: a, res: res})
		return a, res
	}

	for _, req := range route.Security {
		if len(req) == 0 {
			optional = true
			continue
		}
		authed, scoped := true, true
		var first result
		var missingRef config.SchemeRef
		var missingKind string
		for i, ref := range req {
			a, res := check(ref.Scheme)
			if res.state != stateOK {
				if res.state == stateInvalid {
					presented = true
					if detail == "" {
						detail = res.detail
					}
				}
				authed = false
				break
			}
			if i == 0 {
				first = res
			}
			if scoped && !hasAll(res.scopes, ref.Scopes) {
				scoped = false
				missingRef, missingKind = ref, a.kind()
			}
		}
		switch {
		case authed && scoped:
			return &Identity{
				ConsumerID:   first.id,
				ConsumerName: first.name,
				Subject:      first.subject,
				Scheme:       req[0].Scheme,
				Scopes:       first.scopes,
			}, nil
		case authed && !scopeFail:
			scopeFail = true
			scopeRef, scopeKind = missingRef, missingKind
		}
	}

	if optional && !presented {
		return nil, nil
	}
	if scopeFail {
		f := &Failure{Status: http.StatusForbidden, Detail: "insufficient scope"}
		if scopeKind == config.JWTAuth {
			f.Challenge = `Bearer realm="gwctl", error="insufficient_scope", scope=` + quote(strings.Join(scopeRef.Scopes, " "))
		}
		return nil, f
	}
	if detail == "" {
		detail = "missing credentials"
	}
	return nil, &Failure{Status: http.StatusUnauthorized, Challenge: e.challenges(r, route), Detail: detail}
}

// challenges lists the challenge of every scheme the route accepts, in
// order, without duplicates.
func (e *Engine) challenges(r *http.Request, route *config.Route) string {
	schemes := e.owners[route.Owner]
	var list []string
	for _, req := range route.Security {
		for _, ref := range req {
			a := schemes[ref.Scheme]
			if a == nil {
				continue
			}
			if c := a.challenge(r); c != "" && !slices.Contains(list, c) {
				list = append(list, c)
			}
		}
	}
	return strings.Join(list, ", ")
}

// hasAll reports whether granted contains every scope of required.
func hasAll(granted, required []string) bool {
	for _, s := range required {
		if !slices.Contains(granted, s) {
			return false
		}
	}
	return true
}

// StripCredentials removes from the outgoing (to-upstream) request every
// credential the route's schemes read: the Authorization header for jwt and
// basic-auth, and the header, query parameter or cookie of key-auth.
// Nothing else is touched.
func (e *Engine) StripCredentials(out *http.Request, route *config.Route) {
	schemes := e.owners[route.Owner]
	for _, req := range route.Security {
		for _, ref := range req {
			if a := schemes[ref.Scheme]; a != nil {
				a.strip(out)
			}
		}
	}
}

// Identity headers, set by the gateway only (client copies are removed).
const (
	HeaderConsumerID     = "X-Consumer-Id"
	HeaderConsumerName   = "X-Consumer-Name"
	HeaderConsumerScopes = "X-Consumer-Scopes"
	HeaderSubject        = "X-Authenticated-Subject"
)

// IdentityHeaders returns the headers SetHeaders manages, in a fixed order:
// X-Consumer-Id, X-Consumer-Name, X-Consumer-Scopes, X-Authenticated-Subject.
// The proxy removes client-sent copies of all of them.
func IdentityHeaders() []string {
	return []string{HeaderConsumerID, HeaderConsumerName, HeaderConsumerScopes, HeaderSubject}
}

// SetHeaders removes every identity header from h, then sets those that
// id has a value for (scopes space-separated). On a nil Identity it only
// removes them, so the upstream never sees client-sent copies. A value that
// is not a valid header value (control characters) is left out.
func (id *Identity) SetHeaders(h http.Header) {
	// The names are canonical: delete is h.Del without canonicalizing.
	delete(h, HeaderConsumerID)
	delete(h, HeaderConsumerName)
	delete(h, HeaderConsumerScopes)
	delete(h, HeaderSubject)
	if id == nil {
		return
	}
	// One backing array for the (up to four) values, each capacity-limited
	// so that an append to one never reaches the next.
	vals := [4]string{id.ConsumerID, id.ConsumerName, strings.Join(id.Scopes, " "), id.Subject}
	vs := vals[:]
	for i, k := range [4]string{HeaderConsumerID, HeaderConsumerName, HeaderConsumerScopes, HeaderSubject} {
		if v := vs[i]; v != "" && validHeaderValue(v) {
			h[k] = vs[i : i+1 : i+1]
		}
	}
}

// validHeaderValue reports whether v can be sent as a header field value
// (RFC 9110 §5.5: no CTLs other than HTAB).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// quote writes s as an RFC 9110 quoted-string.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
