// Package config is THE contract between publish/ and gateway/: the
// declarative gateway configuration, its wire format (JSON, used by the admin
// API and the stores), canonical hashing into a revision id, and Validate.
// Standard library only.
package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Config is the whole routing configuration a gateway serves: the union of
// every owner's section plus global plugins. Consumers are not part of it:
// they change independently (see Consumers) so that adding an API key never
// invalidates a pending publish.
type Config struct {
	// Revision is the hash of the canonical content (see ComputeRevision);
	// it is the ETag of the admin API. Empty for an empty config.
	Revision string `json:"revision"`
	// Owners holds each publishing repo's section, sorted by Owner.
	Owners []Owner `json:"owners"`
	// Plugins apply to every route (a route's own plugins override them
	// field by field).
	Plugins Plugins `json:"plugins,omitzero"`
}

// Owner is what one repo publishes: the only unit `gwctl publish` replaces.
type Owner struct {
	Name     string    `json:"name"`
	Services []Service `json:"services"`
	Routes   []Route   `json:"routes"`
	// Schemes are the auth providers the routes of this owner refer to by
	// name (an OpenAPI securitySchemes entry becomes one Scheme).
	Schemes []Scheme `json:"schemes,omitempty"`
}

// Service is an upstream that routes forward to.
type Service struct {
	Name string `json:"name"`
	// URLs of the upstream (scheme://host[:port][/base]); more than one are
	// balanced round-robin.
	URLs []string `json:"urls"`
	// ConnectTimeout and ResponseTimeout (time to response headers); zero
	// means the gateway default (5s and 30s).
	ConnectTimeout  Duration `json:"connectTimeout,omitzero"`
	ResponseTimeout Duration `json:"responseTimeout,omitzero"`
}

// Route is one (method, path template) pair the gateway exposes.
type Route struct {
	// ID is stable and unique in the config: "<owner>:<METHOD> <path>"
	// unless the publisher sets one (e.g. the operationId).
	ID      string `json:"id"`
	Owner   string `json:"owner"`
	Service string `json:"service"`
	Method  string `json:"method"` // upper case: GET, POST, …
	// Path is the full gateway path template, e.g. /v1/orders/{orderId}.
	// Segments are literals or whole-segment {name} parameters.
	Path string `json:"path"`
	// Security is OpenAPI's OR of ANDs: the request is authenticated when
	// every scheme of any one alternative is satisfied (with its scopes).
	// An empty list means the route is public; Public must then be true,
	// so a route is never public by accident.
	Security []Requirement `json:"security,omitempty"`
	Public   bool          `json:"public,omitempty"`
	// StripPrefix is removed from the path before forwarding; AddPrefix is
	// put in front (after stripping). The upstream URL's own path is
	// prepended as well.
	StripPrefix string `json:"stripPrefix,omitempty"`
	AddPrefix   string `json:"addPrefix,omitempty"`
	// Plugins for this route, overriding global plugins field by field.
	Plugins Plugins `json:"plugins,omitzero"`
	// Mock, when set, makes the gateway answer itself instead of proxying
	// (gwctl dev --mock): responses taken from the spec's examples.
	Mock *Mock `json:"mock,omitempty"`
	// Source is where the route came from (spec file:line), for messages.
	Source string `json:"source,omitempty"`
}

// Requirement is one alternative: all its schemes must pass (AND).
type Requirement []SchemeRef

// SchemeRef names a scheme of the route's owner and the scopes it needs.
type SchemeRef struct {
	Scheme string   `json:"scheme"`
	Scopes []string `json:"scopes,omitempty"`
}

// Scheme types.
const (
	KeyAuth   = "key-auth"
	JWTAuth   = "jwt"
	BasicAuth = "basic-auth"
)

// Scheme is an auth provider: how to find and check a credential.
type Scheme struct {
	Name  string     `json:"name"`
	Type  string     `json:"type"` // key-auth, jwt, basic-auth
	Key   *KeyScheme `json:"key,omitempty"`
	JWT   *JWTScheme `json:"jwt,omitempty"`
	Basic *Basic     `json:"basic,omitempty"`
}

// KeyScheme says where an API key is sent.
type KeyScheme struct {
	In   string `json:"in"`   // header, query, cookie
	Name string `json:"name"` // header, parameter or cookie name
}

// JWTScheme validates bearer JWTs from any of its issuers.
type JWTScheme struct {
	Issuers []Issuer `json:"issuers"`
	// ScopesClaim holds the granted scopes: a space-separated string or an
	// array (default "scope"; "scp" is also read when this is empty).
	ScopesClaim string `json:"scopesClaim,omitempty"`
}

// Issuer is one trusted token issuer.
type Issuer struct {
	Issuer    string   `json:"issuer"`
	Audiences []string `json:"audiences,omitempty"`
	// Algorithms allowed for this issuer (e.g. RS256, ES256, EdDSA, HS256).
	// "none" is never allowed; HMAC algorithms require Secret and are never
	// accepted with public keys.
	Algorithms []string `json:"algorithms"`
	// Keys: PEM-encoded public keys (RSA, ECDSA, Ed25519), and/or a JWKS
	// document (the JSON text, embedded so every node sees the same keys).
	PublicKeys []string        `json:"publicKeys,omitempty"`
	JWKS       json.RawMessage `json:"jwks,omitempty"`
	// Secret is the HMAC key for HS* algorithms (base64 or raw text).
	Secret Secret `json:"secret,omitempty"`
	// Leeway for exp/nbf/iat (default 30s).
	Leeway Duration `json:"leeway,omitzero"`
}

// Basic is the HTTP basic-auth scheme.
type Basic struct {
	Realm string `json:"realm,omitempty"`
}

// Mock is a canned response for gwctl dev.
type Mock struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// Plugins are the Kong-style plugins a route or the whole gateway can use.
// A nil field means "not configured here".
type Plugins struct {
	RateLimit   *RateLimit   `json:"rateLimit,omitempty"`
	CORS        *CORS        `json:"cors,omitempty"`
	MaxBodySize *int64       `json:"maxBodySize,omitempty"` // bytes; 413 above
	IPFilter    *IPFilter    `json:"ipFilter,omitempty"`
	Timeouts    *Timeouts    `json:"timeouts,omitempty"`
	Headers     *HeaderRules `json:"headers,omitempty"`
}

// IsZero lets omitzero drop an empty plugin set.
func (p Plugins) IsZero() bool {
	return p.RateLimit == nil && p.CORS == nil && p.MaxBodySize == nil && p.IPFilter == nil && p.Timeouts == nil && p.Headers == nil
}

// RateLimit is a local token bucket per consumer (or client IP when the
// request is anonymous, or always with By "ip").
type RateLimit struct {
	Requests int      `json:"requests"` // per Window
	Window   Duration `json:"window"`
	Burst    int      `json:"burst,omitempty"` // default Requests
	By       string   `json:"by,omitempty"`    // consumer (default) or ip
}

// CORS answers preflights and sets CORS headers.
type CORS struct {
	AllowOrigins     []string `json:"allowOrigins"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	AllowCredentials bool     `json:"allowCredentials,omitempty"`
	MaxAge           Duration `json:"maxAge,omitzero"`
}

// IPFilter allows or denies client addresses (CIDRs or single IPs). Deny
// wins; with Allow set, anything not allowed is denied.
type IPFilter struct {
	Allow []string `json:"allow,omitempty"`
	Deny  []string `json:"deny,omitempty"`
}

// Timeouts override the service timeouts for a route.
type Timeouts struct {
	Connect  Duration `json:"connect,omitzero"`
	Response Duration `json:"response,omitzero"`
}

// HeaderRules add or remove request headers before forwarding.
type HeaderRules struct {
	Set    map[string]string `json:"set,omitempty"`
	Remove []string          `json:"remove,omitempty"`
}

// Duration is a time.Duration written as a Go duration string ("5s").
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// IsZero lets omitzero drop unset durations.
func (d Duration) IsZero() bool { return d == 0 }

// MarshalJSON writes "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) {
	// A duration's text ("1m30s", "1.5µs") never needs JSON escaping.
	s := time.Duration(d).String()
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

// UnmarshalJSON reads "1.5s" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 && utf8.Valid(b[1:n-1]) {
		s = string(b[1 : n-1]) // no escapes: the string as is, without a decoder
	} else if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return err
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Secret is a string that never appears in logs.
type Secret string

// LogValue redacts the secret in slog output.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// String redacts the secret in fmt output; use string(s) to read it.
func (Secret) String() string { return "[redacted]" }

// RouteID is the default id of a route.
func RouteID(owner, method, path string) string {
	return owner + ":" + strings.ToUpper(method) + " " + path
}

// Normalize sorts everything that has no meaningful order, so that equal
// configurations have equal bytes and equal revisions.
func (c *Config) Normalize() {
	sort.Slice(c.Owners, func(i, j int) bool { return c.Owners[i].Name < c.Owners[j].Name })
	for i := range c.Owners {
		c.Owners[i].Normalize()
	}
}

// Normalize sorts an owner's services, routes and schemes. On an owner
// that is already normalized it only reads (shared, read-only configs are
// normalized: see store.Shared).
func (o *Owner) Normalize() {
	if o.normalized() {
		return
	}
	sort.Slice(o.Services, func(i, j int) bool { return o.Services[i].Name < o.Services[j].Name })
	sort.Slice(o.Schemes, func(i, j int) bool { return o.Schemes[i].Name < o.Schemes[j].Name })
	sort.Slice(o.Routes, func(i, j int) bool {
		a, b := o.Routes[i], o.Routes[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	for i := range o.Routes {
		o.Routes[i].Method = strings.ToUpper(o.Routes[i].Method)
		for _, req := range o.Routes[i].Security {
			for k := range req {
				sort.Strings(req[k].Scopes)
			}
			sort.Slice(req, func(a, b int) bool { return req[a].Scheme < req[b].Scheme })
		}
	}
}

// normalized reports whether Normalize would change nothing.
func (o *Owner) normalized() bool {
	for i := 1; i < len(o.Services); i++ {
		if o.Services[i].Name < o.Services[i-1].Name {
			return false
		}
	}
	for i := 1; i < len(o.Schemes); i++ {
		if o.Schemes[i].Name < o.Schemes[i-1].Name {
			return false
		}
	}
	for i := range o.Routes {
		r := &o.Routes[i]
		if i > 0 {
			p := &o.Routes[i-1]
			if r.Path < p.Path || r.Path == p.Path && r.Method < p.Method {
				return false
			}
		}
		if strings.ToUpper(r.Method) != r.Method {
			return false
		}
		for _, req := range r.Security {
			for k := range req {
				if k > 0 && req[k].Scheme < req[k-1].Scheme {
					return false
				}
				if !sort.StringsAreSorted(req[k].Scopes) {
					return false
				}
			}
		}
	}
	return true
}

// clone copies what Normalize reorders or rewrites, so that normalizing
// the copy leaves o alone.
func (o Owner) clone() Owner {
	o.Services = slices.Clone(o.Services)
	o.Schemes = slices.Clone(o.Schemes)
	o.Routes = slices.Clone(o.Routes)
	for i := range o.Routes {
		r := &o.Routes[i]
		if r.Security == nil {
			continue
		}
		sec := make([]Requirement, len(r.Security))
		for j, req := range r.Security {
			cp := slices.Clone(req)
			for k := range cp {
				cp[k].Scopes = slices.Clone(cp[k].Scopes)
			}
			sec[j] = cp
		}
		r.Security = sec
	}
	return o
}

// ComputeRevision returns the revision id of the canonical content: the
// first 16 hex digits of the SHA-256 of the normalized JSON without the
// revision field. An empty config has revision "".
func (c *Config) ComputeRevision() string {
	if len(c.Owners) == 0 && c.Plugins.IsZero() {
		return ""
	}
	cp := *c
	cp.Revision = ""
	cp.Owners = append([]Owner(nil), c.Owners...)
	cp.Normalize()
	b, err := json.Marshal(cp)
	if err != nil {
		panic("config: marshal: " + err.Error()) // only plain types: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Owner returns the section of name, or nil.
func (c *Config) Owner(name string) *Owner {
	for i := range c.Owners {
		if c.Owners[i].Name == name {
			return &c.Owners[i]
		}
	}
	return nil
}

// WithOwner returns a copy of c in which owner's section is replaced by o
// (or removed when o has no services and no routes), with the new revision.
//
// c is only read (it may be shared): its other owners are taken as they
// are when normalized (as a stored config's are), copied otherwise. o is
// normalized in place.
func (c *Config) WithOwner(o Owner) *Config {
	out := &Config{Plugins: c.Plugins}
	for _, x := range c.Owners {
		if x.Name != o.Name {
			if !x.normalized() {
				x = x.clone()
			}
			out.Owners = append(out.Owners, x)
		}
	}
	if len(o.Routes) > 0 || len(o.Services) > 0 || len(o.Schemes) > 0 {
		out.Owners = append(out.Owners, o)
	}
	out.Normalize()
	out.Revision = out.ComputeRevision()
	return out
}
