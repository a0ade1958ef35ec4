package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gwctl/gwctl/gateway/config"
)

// defaultLeeway applies to exp, nbf and iat when an issuer sets none.
const defaultLeeway = 30 * time.Second

// maxTokenLen bounds the bearer tokens we parse at all.
const maxTokenLen = 16 << 10

// family is the key type an algorithm needs.
type family uint8

const (
	famHMAC family = iota + 1
	famRSA
	famECDSA
	famEdDSA
)

// algorithms is every algorithm an issuer may allow, with its key family,
// the ECDSA curve and the minimum HMAC secret length (RFC 7518 §3.2). "none"
// is deliberately absent.
var algorithms = map[string]struct {
	fam      family
	curve    elliptic.Curve
	minBytes int
}{
	"HS256": {fam: famHMAC, minBytes: 32},
	"HS384": {fam: famHMAC, minBytes: 48},
	"HS512": {fam: famHMAC, minBytes: 64},
	"RS256": {fam: famRSA},
	"RS384": {fam: famRSA},
	"RS512": {fam: famRSA},
	"PS256": {fam: famRSA},
	"PS384": {fam: famRSA},
	"PS512": {fam: famRSA},
	"ES256": {fam: famECDSA, curve: elliptic.P256()},
	"ES384": {fam: famECDSA, curve: elliptic.P384()},
	"ES512": {fam: famECDSA, curve: elliptic.P521()},
	"EdDSA": {fam: famEdDSA},
}

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

// jwtAuth verifies bearer JWTs from a set of issuers.
type jwtAuth struct {
	issuers     map[string]*issuer
	scopesClaim string // "" means scope, then scp
}

// issuer is one trusted issuer, ready to verify.
type issuer struct {
	iss    string
	parser *jwt.Parser
	secret []byte // HMAC key; nil unless an HS* algorithm is allowed
	keys   []verifyKey
}

// verifyKey is a public key with what a JWKS says about it.
type verifyKey struct {
	kid string // "" for PEM keys
	alg string // JWKS "alg", "" when absent
	key any    // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey
}

func newJWTAuth(s config.Scheme) (*jwtAuth, error) {
	if s.JWT == nil {
		return nil, errors.New("jwt: missing jwt settings")
	}
	if len(s.JWT.Issuers) == 0 {
		return nil, errors.New("jwt: no issuers")
	}
	j := &jwtAuth{issuers: make(map[string]*issuer, len(s.JWT.Issuers)), scopesClaim: s.JWT.ScopesClaim}
	for i, is := range s.JWT.Issuers {
		v, err := newIssuer(is)
		if err != nil {
			return nil, fmt.Errorf("jwt: issuers[%d] %q: %w", i, is.Issuer, err)
		}
		if _, dup := j.issuers[v.iss]; dup {
			return nil, fmt.Errorf("jwt: issuers[%d] %q: defined twice", i, is.Issuer)
		}
		j.issuers[v.iss] = v
	}
	return j, nil
}

func newIssuer(is config.Issuer) (*issuer, error) {
	if is.Issuer == "" {
		return nil, errors.New("missing issuer")
	}
	if len(is.Algorithms) == 0 {
		return nil, errors.New("no algorithms allowed")
	}
	v := &issuer{iss: is.Issuer}
	for i, p := range is.PublicKeys {
		keys, err := parsePEMKeys(p)
		if err != nil {
			return nil, fmt.Errorf("publicKeys[%d]: %w", i, err)
		}
		v.keys = append(v.keys, keys...)
	}
	if len(is.JWKS) > 0 {
		keys, err := parseJWKS(is.JWKS)
		if err != nil {
			return nil, fmt.Errorf("jwks: %w", err)
		}
		v.keys = append(v.keys, keys...)
	}
	for _, k := range v.keys {
		if rk, ok := k.key.(*rsa.PublicKey); ok && rk.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("RSA key %q has %d bits, fewer than %d", k.kid, rk.N.BitLen(), minRSABits)
		}
	}
	for _, alg := range is.Algorithms {
		a, ok := algorithms[alg]
		if !ok {
			return nil, fmt.Errorf("algorithm %q is not allowed", alg)
		}
		if a.fam == famHMAC {
			if v.secret == nil {
				secret, err := decodeSecret(is)
				if err != nil {
					return nil, err
				}
				v.secret = secret
			}
			if len(v.secret) < a.minBytes {
				return nil, fmt.Errorf("%s needs a secret of at least %d bytes", alg, a.minBytes)
			}
			continue
		}
		if len(v.candidates(alg, "")) == 0 {
			return nil, fmt.Errorf("%s is allowed but no key of its type is configured", alg)
		}
	}
	leeway := is.Leeway.D()
	if leeway < 0 {
		return nil, errors.New("negative leeway")
	}
	if leeway == 0 {
		leeway = defaultLeeway
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(append([]string(nil), is.Algorithms...)),
		jwt.WithIssuer(is.Issuer),
		jwt.WithLeeway(leeway),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
	}
	if len(is.Audiences) > 0 {
		opts = append(opts, jwt.WithAudience(is.Audiences...))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// decodeSecret reads the HMAC secret: raw text, or base64 after the prefix
// "base64:". A secret that looks like a public key is refused: that is the
// key-confusion attack's precondition, configured by mistake.
func decodeSecret(is config.Issuer) ([]byte, error) {
	s := string(is.Secret)
	if s == "" {
		return nil, errors.New("an HS* algorithm is allowed but no secret is set")
	}
	if strings.Contains(s, "-----BEGIN") || strings.Contains(s, `"kty"`) {
		return nil, errors.New("the secret looks like a PEM or JWK key; HMAC secrets must be random bytes, never a public key")
	}
	b64, ok := strings.CutPrefix(s, "base64:")
	if !ok {
		return []byte(s), nil
	}
	b64 = strings.TrimRight(b64, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(b64, "-_") {
		enc = base64.RawURLEncoding
	}
	b, err := enc.DecodeString(b64)
	if err != nil {
		return nil, errors.New("secret: invalid base64")
	}
	return b, nil
}

// candidates returns the keys that may verify a token with alg and kid:
// only keys of alg's family (and curve); among those, with a kid, the keys
// with that kid or none.
func (v *issuer) candidates(alg, kid string) []any {
	a, ok := algorithms[alg]
	if !ok {
		return nil
	}
	var out []any
	for _, k := range v.keys {
		if k.alg != "" && k.alg != alg {
			continue
		}
		if kid != "" && k.kid != "" && k.kid != kid {
			continue
		}
		switch key := k.key.(type) {
		case *rsa.PublicKey:
			if a.fam != famRSA {
				continue
			}
		case *ecdsa.PublicKey:
			if a.fam != famECDSA || key.Curve != a.curve {
				continue
			}
		case ed25519.PublicKey:
			if a.fam != famEdDSA {
				continue
			}
		default:
			continue
		}
		out = append(out, k.key)
	}
	return out
}

// keyfunc hands the verifier the keys for the token's algorithm. The
// parser has already checked the algorithm against the issuer's list.
func (v *issuer) keyfunc(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	a, ok := algorithms[alg]
	if !ok {
		return nil, errors.New("algorithm not allowed")
	}
	if a.fam == famHMAC {
		if v.secret == nil {
			return nil, errors.New("no secret")
		}
		return v.secret, nil
	}
	kid, _ := t.Header["kid"].(string)
	keys := v.candidates(alg, kid)
	switch len(keys) {
	case 0:
		return nil, errUnknownKey
	case 1:
		return keys[0], nil
	}
	set := jwt.VerificationKeySet{Keys: make([]jwt.VerificationKey, len(keys))}
	for i, k := range keys {
		set.Keys[i] = k
	}
	return set, nil
}

var errUnknownKey = errors.New("no key for this algorithm and kid")

func (j *jwtAuth) kind() string            { return config.JWTAuth }
func (j *jwtAuth) strip(out *http.Request) { out.Header.Del("Authorization") }

func (j *jwtAuth) challenge(r *http.Request) string {
	if _, ok := bearer(r); ok {
		return `Bearer realm="gwctl", error="invalid_token"`
	}
	return `Bearer realm="gwctl"`
}

// bearer returns the token of "Authorization: Bearer <token>"; ok is false
// when there is no bearer credential at all.
func bearer(r *http.Request) (string, bool) {
	v := r.Header["Authorization"]
	if len(v) == 0 || !hasScheme(v[0], "Bearer") {
		return "", false
	}
	return strings.TrimLeft(v[0][len("Bearer "):], " "), true
}

func (j *jwtAuth) authenticate(r *http.Request) result {
	tok, ok := bearer(r)
	if !ok {
		return result{state: stateMissing}
	}
	if len(r.Header["Authorization"]) > 1 {
		return result{state: stateInvalid, detail: "more than one Authorization header"}
	}
	if tok == "" || len(tok) > maxTokenLen {
		return result{state: stateInvalid, detail: "invalid token"}
	}
	iss, ok := unverifiedIssuer(tok)
	if !ok {
		return result{state: stateInvalid, detail: "invalid token"}
	}
	v := j.issuers[iss]
	if v == nil {
		return result{state: stateInvalid, detail: "token issuer is not trusted"}
	}
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(tok, claims, v.keyfunc); err != nil {
		return result{state: stateInvalid, detail: tokenErrorDetail(err)}
	}
	sub := ""
	if raw, present := claims["sub"]; present {
		s, isString := raw.(string)
		if !isString || !validHeaderValue(s) {
			return result{state: stateInvalid, detail: "invalid token subject"}
		}
		sub = s
	}
	scopes, ok := j.scopes(claims)
	if !ok {
		return result{state: stateInvalid, detail: "invalid token scopes"}
	}
	return result{state: stateOK, id: "jwt:" + iss + "|" + sub, name: sub, subject: sub, scopes: scopes}
}

// tokenErrorDetail says what was wrong with a token without echoing any of
// it.
func tokenErrorDetail(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token issued in the future"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "token audience not accepted"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "token issuer is not trusted"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "token lacks a required claim"
	case errors.Is(err, errUnknownKey):
		return "token signing key unknown"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "invalid token signature"
	default:
		return "invalid token"
	}
}

// unverifiedIssuer reads the iss claim of a compact JWS without verifying
// anything; it only selects which issuer's keys to verify with (the parser
// then requires that same iss).
func unverifiedIssuer(tok string) (string, bool) {
	_, rest, ok := strings.Cut(tok, ".")
	if !ok {
		return "", false
	}
	payload, rest, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(rest, ".") {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", false
	}
	var c struct {
		Iss json.RawMessage `json:"iss"`
	}
	if json.Unmarshal(b, &c) != nil {
		return "", false
	}
	var iss string
	if json.Unmarshal(c.Iss, &iss) != nil || iss == "" {
		return "", false
	}
	return iss, true
}

// scopes reads the granted scopes: ScopesClaim if set, else "scope", else
// "scp"; a space-separated string or an array of strings. ok is false for a
// claim of another type.
func (j *jwtAuth) scopes(claims jwt.MapClaims) ([]string, bool) {
	names := []string{"scope", "scp"}
	if j.scopesClaim != "" {
		names = []string{j.scopesClaim}
	}
	for _, n := range names {
		raw, present := claims[n]
		if !present {
			continue
		}
		switch v := raw.(type) {
		case string:
			return strings.Fields(v), true
		case []any:
			out := make([]string, 0, len(v))
			for _, x := range v {
				s, isString := x.(string)
				if !isString {
					return nil, false
				}
				out = append(out, s)
			}
			return out, true
		default:
			return nil, false
		}
	}
	return nil, true
}
