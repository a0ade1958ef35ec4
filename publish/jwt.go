package publish

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/lint/spec"
)

// jwtScheme builds a jwt scheme from the provider settings in opts.Auth.JWT
// (an OpenAPI bearer/oauth2/openIdConnect scheme says nothing about issuers
// or keys). Missing settings are errors naming the scheme.
func (r *renderer) jwtScheme(s config.Scheme, at *spec.Node) (config.Scheme, bool) {
	name := s.Name
	j, ok := r.opts.Auth.JWT[name]
	if !ok {
		r.fail(at, "security scheme %q validates JWTs but has no settings: add auth.jwt.%s {issuer, publicKeyFiles | jwksFile | secretEnv} to gwctl.yaml", name, name)
		return s, false
	}
	fail := func(format string, args ...any) (config.Scheme, bool) {
		r.fail(at, "security scheme %q: "+format, append([]any{name}, args...)...)
		return s, false
	}
	if j.Issuer == "" {
		return fail("auth.jwt.%s.issuer is not set", name)
	}
	iss := config.Issuer{Issuer: j.Issuer, Audiences: j.Audiences, Algorithms: j.Algorithms}
	var inferred []string
	addAlg := func(a string) {
		if a != "" && !slices.Contains(inferred, a) {
			inferred = append(inferred, a)
		}
	}
	pems := append([]string(nil), j.PublicKeys...)
	for _, f := range j.PublicKeyFiles {
		b, err := r.opts.readFile(r.resolve(f))
		if err != nil {
			return fail("read public key file %s: %v", f, err)
		}
		pems = append(pems, string(b))
	}
	for i, p := range pems {
		alg, err := pemAlgorithm([]byte(p))
		if err != nil {
			what := "public key"
			if i >= len(j.PublicKeys) {
				what = "public key file " + j.PublicKeyFiles[i-len(j.PublicKeys)]
			}
			return fail("%s: %v", what, err)
		}
		addAlg(alg)
		iss.PublicKeys = append(iss.PublicKeys, p)
	}
	if j.JWKSFile != "" {
		b, err := r.opts.readFile(r.resolve(j.JWKSFile))
		if err != nil {
			return fail("read JWKS file %s: %v", j.JWKSFile, err)
		}
		algs, err := jwksAlgorithms(b)
		if err != nil {
			return fail("JWKS file %s: %v", j.JWKSFile, err)
		}
		for _, a := range algs {
			addAlg(a)
		}
		compact, _ := compactJSON(b)
		iss.JWKS = json.RawMessage(compact)
	}
	secret := j.Secret
	if j.SecretEnv != "" {
		secret = r.opts.getenv(j.SecretEnv)
		if secret == "" {
			return fail("environment variable %s (auth.jwt.%s.secretEnv) is empty", j.SecretEnv, name)
		}
	}
	if secret != "" {
		iss.Secret = config.Secret(secret)
		addAlg("HS256")
	}
	if secret != "" && (len(iss.PublicKeys) > 0 || iss.JWKS != nil) {
		return fail("use either public keys or a secret: the gateway never accepts HS* algorithms next to public keys")
	}
	if len(iss.PublicKeys) == 0 && iss.JWKS == nil && secret == "" {
		return fail("no keys: set auth.jwt.%s.publicKeyFiles, jwksFile or secretEnv", name)
	}
	if len(iss.Algorithms) == 0 {
		iss.Algorithms = inferred
	}
	for _, a := range iss.Algorithms {
		if strings.EqualFold(a, "none") {
			return fail("algorithm none is never allowed")
		}
		if !strings.HasPrefix(a, "HS") {
			continue
		}
		if secret == "" {
			return fail("algorithm %s needs a secret (auth.jwt.%s.secretEnv)", a, name)
		}
		// RFC 7518 §3.2: the key is at least as long as the hash.
		if need, _ := strconv.Atoi(a[2:]); secretLen(secret)*8 < need {
			return fail("the %s secret is %d bytes; %s needs at least %d random bytes", a, secretLen(secret), a, need/8)
		}
	}
	s.Type = config.JWTAuth
	s.JWT = &config.JWTScheme{Issuers: []config.Issuer{iss}, ScopesClaim: j.ScopesClaim}
	return s, true
}

// secretLen is the length of an HMAC secret in bytes: raw text, or base64
// after the prefix "base64:" (how the gateway reads it).
func secretLen(s string) int {
	b64, ok := strings.CutPrefix(s, "base64:")
	if !ok {
		return len(s)
	}
	b64 = strings.TrimRight(b64, "=")
	if b, err := base64.RawStdEncoding.DecodeString(b64); err == nil {
		return len(b)
	}
	if b, err := base64.RawURLEncoding.DecodeString(b64); err == nil {
		return len(b)
	}
	return 0
}

// pemAlgorithm checks a PEM public key (or certificate) and names the JWT
// algorithm its key type implies.
func pemAlgorithm(b []byte) (string, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return "", fmt.Errorf("not PEM")
	}
	var pub any
	var err error
	switch block.Type {
	case "CERTIFICATE":
		var cert *x509.Certificate
		cert, err = x509.ParseCertificate(block.Bytes)
		if err == nil {
			pub = cert.PublicKey
		}
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	default:
		return "", fmt.Errorf("PEM block %q is not a public key or certificate (never configure a private key)", block.Type)
	}
	if err != nil {
		return "", err
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RS256", nil
	case *ecdsa.PublicKey:
		switch k.Curve.Params().BitSize {
		case 384:
			return "ES384", nil
		case 521:
			return "ES512", nil
		}
		return "ES256", nil
	case ed25519.PublicKey:
		return "EdDSA", nil
	}
	return "", fmt.Errorf("unsupported key type %T", pub)
}

// jwksAlgorithms checks a JWKS document and returns the algorithms its keys
// name (or imply).
func jwksAlgorithms(b []byte) ([]string, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Alg string `json:"alg"`
			Crv string `json:"crv"`
			D   string `json:"d"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, err
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("no keys")
	}
	var out []string
	for i, k := range set.Keys {
		if k.D != "" {
			return nil, fmt.Errorf("key %d is a private key (never configure one)", i)
		}
		alg := k.Alg
		if alg == "" {
			switch {
			case k.Kty == "RSA":
				alg = "RS256"
			case k.Kty == "EC" && k.Crv == "P-384":
				alg = "ES384"
			case k.Kty == "EC" && k.Crv == "P-521":
				alg = "ES512"
			case k.Kty == "EC":
				alg = "ES256"
			case k.Kty == "OKP":
				alg = "EdDSA"
			default:
				return nil, fmt.Errorf("key %d: unsupported kty %q", i, k.Kty)
			}
		}
		if !slices.Contains(out, alg) {
			out = append(out, alg)
		}
	}
	return out, nil
}
