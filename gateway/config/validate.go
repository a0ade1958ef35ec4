package config

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Validate checks the whole configuration and returns every problem found,
// each with the path of the offending field (owners[0].routes[3].path), in
// a deterministic order. An empty result means the gateway can serve c.
func (c *Config) Validate() []FieldError {
	v := &validator{}
	v.config(c)
	return v.errs
}

type validator struct {
	errs []FieldError
}

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// routeRef locates a route for cross-owner messages.
type routeRef struct {
	field        routeField
	id, owner    string
	method, path string
}

// routeField is the field path of a route (owners[0].routes[3]), built only
// when a message needs it: a valid 10,000-route config builds none.
type routeField struct {
	owner string // owners[i]
	j     int
}

func (rf routeField) String() string { return rf.owner + ".routes[" + strconv.Itoa(rf.j) + "]" }

// at is the path of a field of the route (".path").
func (rf routeField) at(suffix string) string { return rf.String() + suffix }

// shapeKey identifies equivalent routes: the method and the canonical
// template.
type shapeKey struct{ method, shape string }

// allowedMethods are the operation methods OpenAPI has (CONNECT is a proxy
// tunnel and never a route).
var allowedMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "OPTIONS": true, "TRACE": true,
}

// JWTAlgorithms are the JWS algorithms an issuer may allow.
var JWTAlgorithms = map[string]bool{
	"HS256": true, "HS384": true, "HS512": true,
	"RS256": true, "RS384": true, "RS512": true,
	"PS256": true, "PS384": true, "PS512": true,
	"ES256": true, "ES384": true, "ES512": true,
	"EdDSA": true,
}

func (v *validator) config(c *Config) {
	owners := map[string]int{}
	n := 0
	for i := range c.Owners {
		n += len(c.Owners[i].Routes)
	}
	ids := make(map[string]routeRef, n)
	shapes := make(map[shapeKey]routeRef, n) // first route of each method and canonical template
	for i := range c.Owners {
		o := &c.Owners[i]
		f := fmt.Sprintf("owners[%d]", i)
		v.name(f+".name", o.Name)
		if j, dup := owners[o.Name]; dup && o.Name != "" {
			v.add(f+".name", "owner %q is also owners[%d]", o.Name, j)
		} else {
			owners[o.Name] = i
		}
		v.owner(f, o, ids, shapes)
	}
	v.plugins(func() string { return "plugins" }, &c.Plugins)
}

func (v *validator) owner(f string, o *Owner, ids map[string]routeRef, shapes map[shapeKey]routeRef) {
	services := map[string]bool{}
	for j := range o.Services {
		s := &o.Services[j]
		sf := fmt.Sprintf("%s.services[%d]", f, j)
		v.name(sf+".name", s.Name)
		if services[s.Name] && s.Name != "" {
			v.add(sf+".name", "duplicate service %q", s.Name)
		}
		services[s.Name] = true
		if len(s.URLs) == 0 {
			v.add(sf+".urls", "at least one upstream URL is required")
		}
		for k, u := range s.URLs {
			v.upstreamURL(fmt.Sprintf("%s.urls[%d]", sf, k), u)
		}
		v.nonNegative(sf+".connectTimeout", s.ConnectTimeout)
		v.nonNegative(sf+".responseTimeout", s.ResponseTimeout)
	}
	schemes := map[string]*Scheme{}
	for j := range o.Schemes {
		s := &o.Schemes[j]
		sf := fmt.Sprintf("%s.schemes[%d]", f, j)
		v.name(sf+".name", s.Name)
		if schemes[s.Name] != nil && s.Name != "" {
			v.add(sf+".name", "duplicate scheme %q", s.Name)
		}
		schemes[s.Name] = s
		v.scheme(sf, s)
	}
	for j := range o.Routes {
		r := &o.Routes[j]
		rf := routeField{f, j}
		ref := routeRef{field: rf, id: r.ID, owner: o.Name, method: r.Method, path: r.Path}
		switch prev, dup := ids[r.ID]; {
		case r.ID == "":
			v.add(rf.at(".id"), "route id is required")
		case dup:
			v.add(rf.at(".id"), "duplicate route id %q (also %s, owner %q)", r.ID, prev.field, prev.owner)
		default:
			ids[r.ID] = ref
		}
		if r.Owner != "" && r.Owner != o.Name {
			v.add(rf.at(".owner"), "route owner %q differs from its section %q", r.Owner, o.Name)
		}
		if r.Service == "" {
			if r.Mock == nil { // a mock answers itself
				v.add(rf.at(".service"), "service is required")
			}
		} else if !services[r.Service] {
			v.add(rf.at(".service"), "unknown service %q in owner %q", r.Service, o.Name)
		}
		methodOK := false
		switch {
		case r.Method == "":
			v.add(rf.at(".method"), "method is required")
		case r.Method != strings.ToUpper(r.Method):
			v.add(rf.at(".method"), "method %q must be upper case", r.Method)
		case !allowedMethods[r.Method]:
			v.add(rf.at(".method"), "method %q is not allowed (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE)", r.Method)
		default:
			methodOK = true
		}
		shape, ok := v.template(rf, r.Path)
		if ok && methodOK {
			key := shapeKey{r.Method, shape}
			if prev, dup := shapes[key]; dup {
				v.add(rf.at(".path"), "%s %s is equivalent to %s %s of route %q (owner %q, %s)",
					r.Method, r.Path, prev.method, prev.path, prev.id, prev.owner, prev.field)
			} else {
				shapes[key] = ref
			}
		}
		v.security(rf, r, schemes)
		if r.StripPrefix != "" {
			v.prefix(rf.at(".stripPrefix"), r.StripPrefix)
			if ok && !segmentPrefix(r.Path, r.StripPrefix) {
				v.add(rf.at(".stripPrefix"), "%q is not a leading run of literal segments of %q", r.StripPrefix, r.Path)
			}
		}
		if r.AddPrefix != "" {
			v.prefix(rf.at(".addPrefix"), r.AddPrefix)
		}
		if !r.Plugins.IsZero() {
			v.plugins(func() string { return rf.at(".plugins") }, &r.Plugins)
		}
		if r.Mock != nil {
			v.mock(rf.at(".mock"), r.Mock)
		}
	}
}

func (v *validator) security(rf routeField, r *Route, schemes map[string]*Scheme) {
	if len(r.Security) == 0 {
		if !r.Public {
			v.add(rf.at(".security"), "route has no security requirement: set public: true to expose it without authentication")
		}
		return
	}
	if r.Public {
		v.add(rf.at(".public"), "a public route cannot have security requirements")
	}
	for a, req := range r.Security {
		af := func() string { return rf.at(".security[" + strconv.Itoa(a) + "]") }
		// An empty alternative (OpenAPI's {}) makes authentication optional;
		// on its own it would make the route anonymous without saying so.
		if len(req) == 0 && len(r.Security) == 1 {
			v.add(af(), "an empty requirement alone makes the route anonymous: set public: true instead")
		}
		for k, ref := range req {
			kf := func() string { return af() + "[" + strconv.Itoa(k) + "]" }
			s := schemes[ref.Scheme]
			switch {
			case ref.Scheme == "":
				v.add(kf()+".scheme", "scheme is required")
			case s == nil:
				v.add(kf()+".scheme", "unknown scheme %q in the route's owner", ref.Scheme)
			case slices.ContainsFunc(req[:k], func(p SchemeRef) bool { return p.Scheme == ref.Scheme }):
				v.add(kf()+".scheme", "scheme %q listed twice in one requirement", ref.Scheme)
			}
			for n, sc := range ref.Scopes {
				if sc == "" || strings.ContainsAny(sc, " \t\r\n\"\\") || !isPrintableASCII(sc) {
					v.add(fmt.Sprintf("%s.scopes[%d]", kf(), n), "invalid scope %q", sc)
				}
			}
			// Scopes are enforced for jwt (token scopes) and for key-auth and
			// basic-auth (the consumer's scopes): every known type uses them.
			if s != nil && len(ref.Scopes) > 0 && s.Type != JWTAuth && s.Type != KeyAuth && s.Type != BasicAuth {
				v.add(kf()+".scopes", "scheme %q of type %q cannot check scopes", ref.Scheme, s.Type)
			}
		}
	}
}

func (v *validator) scheme(sf string, s *Scheme) {
	switch s.Type {
	case KeyAuth:
		if s.Key == nil {
			v.add(sf+".key", "key-auth needs key {in, name}")
		} else {
			switch s.Key.In {
			case "header", "query", "cookie":
			default:
				v.add(sf+".key.in", "must be header, query or cookie, not %q", s.Key.In)
			}
			if s.Key.Name == "" {
				v.add(sf+".key.name", "the key's header, parameter or cookie name is required")
			} else if s.Key.In == "header" && !isToken(s.Key.Name) {
				v.add(sf+".key.name", "%q is not a valid header name", s.Key.Name)
			} else if s.Key.In == "header" && isReservedHeader(s.Key.Name) {
				v.add(sf+".key.name", "%q cannot carry an API key", s.Key.Name)
			} else if s.Key.In != "header" && strings.ContainsAny(s.Key.Name, " ;=,&#\"\t\r\n") {
				v.add(sf+".key.name", "invalid %s name %q", s.Key.In, s.Key.Name)
			}
		}
		if s.JWT != nil || s.Basic != nil {
			v.add(sf+".type", "key-auth scheme must only set key")
		}
	case JWTAuth:
		if s.JWT == nil {
			v.add(sf+".jwt", "jwt needs jwt {issuers}")
		} else {
			v.jwt(sf+".jwt", s.JWT)
		}
		if s.Key != nil || s.Basic != nil {
			v.add(sf+".type", "jwt scheme must only set jwt")
		}
	case BasicAuth:
		if s.Key != nil || s.JWT != nil {
			v.add(sf+".type", "basic-auth scheme must only set basic")
		}
		if s.Basic != nil && strings.ContainsAny(s.Basic.Realm, "\"\\\r\n") {
			v.add(sf+".basic.realm", "realm must not contain quotes, backslashes or line breaks")
		}
	case "":
		v.add(sf+".type", "type is required (key-auth, jwt, basic-auth)")
	default:
		v.add(sf+".type", "unknown type %q (key-auth, jwt, basic-auth)", s.Type)
	}
}

func (v *validator) jwt(jf string, j *JWTScheme) {
	if len(j.Issuers) == 0 {
		v.add(jf+".issuers", "at least one issuer is required")
	}
	if j.ScopesClaim != "" && strings.ContainsAny(j.ScopesClaim, " \t\r\n") {
		v.add(jf+".scopesClaim", "invalid claim name %q", j.ScopesClaim)
	}
	seen := map[string]bool{}
	for i := range j.Issuers {
		is := &j.Issuers[i]
		f := fmt.Sprintf("%s.issuers[%d]", jf, i)
		if is.Issuer == "" {
			v.add(f+".issuer", "issuer (the iss claim) is required")
		} else if seen[is.Issuer] {
			v.add(f+".issuer", "duplicate issuer %q", is.Issuer)
		}
		seen[is.Issuer] = true
		if len(is.Algorithms) == 0 {
			v.add(f+".algorithms", "at least one algorithm is required")
		}
		hmac, asym := false, false
		for k, alg := range is.Algorithms {
			af := fmt.Sprintf("%s.algorithms[%d]", f, k)
			switch {
			case strings.EqualFold(alg, "none"):
				v.add(af, `"none" is never allowed`)
			case !JWTAlgorithms[alg]:
				v.add(af, "unknown algorithm %q", alg)
			case strings.HasPrefix(alg, "HS"):
				hmac = true
			default:
				asym = true
			}
		}
		hasKeys := len(is.PublicKeys) > 0 || len(is.JWKS) > 0
		if hmac {
			if is.Secret == "" {
				v.add(f+".secret", "HS* algorithms need a secret")
			}
			if hasKeys {
				v.add(f+".publicKeys", "HS* algorithms are never accepted with public keys: use a separate issuer")
			}
		}
		if asym && !hasKeys {
			v.add(f+".publicKeys", "asymmetric algorithms need publicKeys or jwks")
		}
		if !hmac && is.Secret != "" {
			v.add(f+".secret", "a secret is only used with HS* algorithms")
		}
		for k, p := range is.PublicKeys {
			blk, _ := pem.Decode([]byte(p))
			if blk == nil {
				v.add(fmt.Sprintf("%s.publicKeys[%d]", f, k), "not a PEM block")
				continue
			}
			if _, err := x509.ParsePKIXPublicKey(blk.Bytes); err != nil {
				if _, err2 := x509.ParseCertificate(blk.Bytes); err2 != nil {
					v.add(fmt.Sprintf("%s.publicKeys[%d]", f, k), "not a public key or certificate: %v", err)
				}
			}
		}
		if len(is.JWKS) > 0 {
			var set struct {
				Keys []json.RawMessage `json:"keys"`
			}
			if err := json.Unmarshal(is.JWKS, &set); err != nil || len(set.Keys) == 0 {
				v.add(f+".jwks", "must be a JWKS document with a non-empty keys array")
			}
		}
		for k, aud := range is.Audiences {
			if aud == "" {
				v.add(fmt.Sprintf("%s.audiences[%d]", f, k), "empty audience")
			}
		}
		v.nonNegative(f+".leeway", is.Leeway)
	}
}

// plugins checks a plugin set; pf builds its field path, only for messages.
func (v *validator) plugins(pf func() string, p *Plugins) {
	if rl := p.RateLimit; rl != nil {
		if rl.Requests <= 0 {
			v.add(pf()+".rateLimit.requests", "must be greater than 0")
		}
		if rl.Window <= 0 {
			v.add(pf()+".rateLimit.window", "must be greater than 0")
		}
		if rl.Burst < 0 {
			v.add(pf()+".rateLimit.burst", "must not be negative")
		}
		if rl.By != "" && rl.By != "consumer" && rl.By != "ip" {
			v.add(pf()+".rateLimit.by", "must be consumer or ip, not %q", rl.By)
		}
	}
	if c := p.CORS; c != nil {
		if len(c.AllowOrigins) == 0 {
			v.add(pf()+".cors.allowOrigins", "at least one origin (or \"*\") is required")
		}
		for i, o := range c.AllowOrigins {
			of := fmt.Sprintf("%s.cors.allowOrigins[%d]", pf(), i)
			if o == "*" {
				if c.AllowCredentials {
					v.add(of, `"*" cannot be combined with allowCredentials`)
				}
				continue
			}
			if !validOrigin(o) {
				v.add(of, "%q is not an origin (scheme://host[:port], no path)", o)
			}
		}
		for i, m := range c.AllowMethods {
			if !isToken(m) {
				v.add(fmt.Sprintf("%s.cors.allowMethods[%d]", pf(), i), "invalid method %q", m)
			}
		}
		for i, h := range c.AllowHeaders {
			if !isToken(h) && h != "*" {
				v.add(fmt.Sprintf("%s.cors.allowHeaders[%d]", pf(), i), "invalid header name %q", h)
			}
		}
		for i, h := range c.ExposeHeaders {
			if !isToken(h) && h != "*" {
				v.add(fmt.Sprintf("%s.cors.exposeHeaders[%d]", pf(), i), "invalid header name %q", h)
			}
		}
		if c.MaxAge < 0 {
			v.add(pf()+".cors.maxAge", "must not be negative")
		}
	}
	if p.MaxBodySize != nil && *p.MaxBodySize <= 0 {
		v.add(pf()+".maxBodySize", "must be greater than 0")
	}
	if f := p.IPFilter; f != nil {
		if len(f.Allow) == 0 && len(f.Deny) == 0 {
			v.add(pf()+".ipFilter", "allow or deny is required")
		}
		for i, s := range f.Allow {
			if !validCIDR(s) {
				v.add(fmt.Sprintf("%s.ipFilter.allow[%d]", pf(), i), "%q is not an IP address or CIDR", s)
			}
		}
		for i, s := range f.Deny {
			if !validCIDR(s) {
				v.add(fmt.Sprintf("%s.ipFilter.deny[%d]", pf(), i), "%q is not an IP address or CIDR", s)
			}
		}
	}
	if t := p.Timeouts; t != nil {
		if t.Connect < 0 {
			v.add(pf()+".timeouts.connect", "must not be negative")
		}
		if t.Response < 0 {
			v.add(pf()+".timeouts.response", "must not be negative")
		}
	}
	if h := p.Headers; h != nil {
		for _, name := range sortedKeys(h.Set) {
			val := h.Set[name]
			if !isToken(name) {
				v.add(pf()+".headers.set", "invalid header name %q", name)
			} else if isReservedHeader(name) {
				v.add(pf()+".headers.set", "header %q is set by the gateway and cannot be configured", name)
			}
			if strings.ContainsAny(val, "\r\n\x00") {
				v.add(pf()+".headers.set", "value of %q contains a line break or NUL", name)
			}
		}
		for i, name := range h.Remove {
			if !isToken(name) {
				v.add(fmt.Sprintf("%s.headers.remove[%d]", pf(), i), "invalid header name %q", name)
			}
		}
	}
}

func (v *validator) mock(mf string, m *Mock) {
	if m.Status < 200 || m.Status > 599 {
		v.add(mf+".status", "must be between 200 and 599, not %d", m.Status)
	}
	for _, name := range sortedKeys(m.Headers) {
		val := m.Headers[name]
		if !isToken(name) {
			v.add(mf+".headers", "invalid header name %q", name)
		}
		if strings.ContainsAny(val, "\r\n\x00") {
			v.add(mf+".headers", "value of %q contains a line break or NUL", name)
		}
	}
}

func (v *validator) name(f, s string) {
	if s == "" {
		v.add(f, "name is required")
		return
	}
	if len(s) > 128 {
		v.add(f, "name is longer than 128 characters")
		return
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || (i > 0 && (c == '-' || c == '_' || c == '.'))) {
			v.add(f, "invalid name %q: use letters, digits, '-', '_', '.' (starting with a letter or digit)", s)
			return
		}
	}
}

func (v *validator) upstreamURL(f, s string) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		v.add(f, "invalid URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		v.add(f, "%q: scheme must be http or https", s)
	case u.Host == "" || u.Hostname() == "":
		v.add(f, "%q: host is required", s)
	case u.User != nil:
		v.add(f, "%q: credentials in upstream URLs are not allowed", s)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		v.add(f, "%q: query and fragment are not allowed", s)
	case u.Port() != "" && !validPort(u.Port()):
		v.add(f, "%q: invalid port", s)
	case u.Path != "" && (strings.Contains(u.Path, "//") || hasDotSegment(u.Path)):
		v.add(f, "%q: base path has empty or dot segments", s)
	}
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}

func (v *validator) nonNegative(f string, d Duration) {
	if d < 0 {
		v.add(f, "must not be negative")
	}
}

// template checks a path template and returns its canonical shape (every
// parameter written {}), which equal for equivalent templates. A template
// without parameters is its own shape (no allocation).
func (v *validator) template(rf routeField, p string) (string, bool) {
	if p == "" {
		v.add(rf.at(".path"), "path is required")
		return "", false
	}
	if p[0] != '/' {
		v.add(rf.at(".path"), "path %q must start with /", p)
		return "", false
	}
	if p == "/" {
		return "/", true
	}
	var shape []byte // nil until the first parameter
	ok := true
	var namesBuf [8]string
	names := namesBuf[:0]
	for i, start := 0, 1; start <= len(p); i++ {
		end := strings.IndexByte(p[start:], '/')
		if end < 0 {
			end = len(p)
		} else {
			end += start
		}
		seg := p[start:end]
		switch {
		case seg == "":
			v.add(rf.at(".path"), "path %q has an empty segment (double or trailing slash) at segment %d", p, i+1)
			ok = false
		case seg == "." || seg == "..":
			v.add(rf.at(".path"), "path %q has a dot segment %q", p, seg)
			ok = false
		case seg[0] == '{' && seg[len(seg)-1] == '}':
			name := seg[1 : len(seg)-1]
			if !validParamName(name) {
				v.add(rf.at(".path"), "path %q: parameter name %q must match ^[A-Za-z_][A-Za-z0-9_]*$", p, name)
				ok = false
			} else if slices.Contains(names, name) {
				v.add(rf.at(".path"), "path %q repeats parameter {%s}", p, name)
				ok = false
			}
			names = append(names, name)
			if shape == nil {
				shape = make([]byte, 0, len(p))
				shape = append(shape, p[:start]...)
			}
			shape = append(shape, "{}"...)
		case strings.ContainsAny(seg, "{}"):
			v.add(rf.at(".path"), "path %q: segment %q: a parameter must be a whole segment", p, seg)
			ok = false
		default:
			if bad := invalidLiteral(seg); bad != "" {
				v.add(rf.at(".path"), "path %q: segment %q: %s", p, seg, bad)
				ok = false
			}
			if shape != nil {
				shape = append(shape, seg...)
			}
		}
		if shape != nil && end < len(p) {
			shape = append(shape, '/')
		}
		start = end + 1
	}
	if shape == nil {
		return p, ok
	}
	return string(shape), ok
}

// prefix checks a strip/add prefix: literal segments, starting with / and
// without a trailing one.
func (v *validator) prefix(f, p string) {
	if p == "" || p[0] != '/' || p == "/" || strings.HasSuffix(p, "/") {
		v.add(f, "%q must start with / and not end with /", p)
		return
	}
	for _, seg := range strings.Split(p[1:], "/") {
		switch {
		case seg == "":
			v.add(f, "%q has an empty segment", p)
			return
		case seg == "." || seg == "..":
			v.add(f, "%q has a dot segment", p)
			return
		case strings.ContainsAny(seg, "{}"):
			v.add(f, "%q: prefixes are literal, without parameters", p)
			return
		}
		if bad := invalidLiteral(seg); bad != "" {
			v.add(f, "%q: segment %q: %s", p, seg, bad)
			return
		}
	}
}

// segmentPrefix reports whether prefix is a whole-segment literal prefix
// of the template path.
func segmentPrefix(path, prefix string) bool {
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	if len(path) != len(prefix) && path[len(prefix)] != '/' {
		return false
	}
	return !strings.Contains(prefix, "{")
}

// invalidLiteral explains why a literal template segment is not made only
// of RFC 3986 pchar characters without percent-encoding (the router compares
// raw request segments byte for byte, so a literal must be written exactly
// as it is sent).
func invalidLiteral(seg string) string {
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case isAlnum(c):
		case strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0:
		case c == '%':
			return "percent-encoding is not allowed in templates"
		default:
			return fmt.Sprintf("character %q is not allowed", c)
		}
	}
	return ""
}

func hasDotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

func validParamName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func validOrigin(o string) bool {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	return u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil && !u.ForceQuery &&
		o == u.Scheme+"://"+u.Host && (u.Port() == "" || validPort(u.Port()))
}

func validCIDR(s string) bool {
	if strings.Contains(s, "/") {
		_, err := netip.ParsePrefix(s)
		return err == nil
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isToken reports whether s is an RFC 9110 token (header names, methods).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return true
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// reservedHeaders are set or removed by the gateway itself (framing,
// hop-by-hop, forwarding and identity headers); configuration cannot set
// them.
var reservedHeaders = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true, "connection": true,
	"keep-alive": true, "proxy-connection": true, "te": true, "trailer": true, "upgrade": true,
	"proxy-authorization": true, "proxy-authenticate": true,
	"x-forwarded-for": true, "x-forwarded-host": true, "x-forwarded-proto": true, "forwarded": true,
	"x-request-id": true, "x-consumer-id": true, "x-consumer-name": true, "x-consumer-scopes": true,
	"x-authenticated-subject": true,
}

func isReservedHeader(name string) bool { return reservedHeaders[strings.ToLower(name)] }

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
