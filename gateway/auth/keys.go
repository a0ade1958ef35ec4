package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// parsePEMKeys reads every public key in a PEM text: PUBLIC KEY (PKIX:
// RSA, ECDSA, Ed25519), RSA PUBLIC KEY (PKCS #1) or CERTIFICATE (its key).
// Private keys are refused: they do not belong in a gateway config.
func parsePEMKeys(text string) ([]verifyKey, error) {
	rest := []byte(strings.TrimSpace(text))
	var out []verifyKey
	for len(rest) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("not PEM")
		}
		var key any
		var err error
		switch block.Type {
		case "PUBLIC KEY":
			key, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			key, err = x509.ParsePKCS1PublicKey(block.Bytes)
		case "CERTIFICATE":
			var cert *x509.Certificate
			cert, err = x509.ParseCertificate(block.Bytes)
			if err == nil {
				key = cert.PublicKey
			}
		default:
			if strings.Contains(block.Type, "PRIVATE") {
				return nil, fmt.Errorf("PEM block %q: a private key; give the public key", block.Type)
			}
			return nil, fmt.Errorf("PEM block %q: not a public key", block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("PEM block %q: %w", block.Type, err)
		}
		switch key.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		default:
			return nil, fmt.Errorf("PEM block %q: unsupported key type %T", block.Type, key)
		}
		out = append(out, verifyKey{key: key})
		rest = []byte(strings.TrimSpace(string(rest)))
	}
	if len(out) == 0 {
		return nil, errors.New("no key")
	}
	return out, nil
}

// jwk is the subset of RFC 7517/7518/8037 we read.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	D   string `json:"d"`
}

// parseJWKS reads a JWK Set (or a single JWK). Keys whose "use" is not
// "sig" are skipped; symmetric ("oct") and private keys are refused, as are
// unknown key types: better a loud config error than a key silently unused.
func parseJWKS(raw []byte) ([]verifyKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if set.Keys == nil {
		var one jwk
		if err := json.Unmarshal(raw, &one); err != nil || one.Kty == "" {
			return nil, errors.New("neither a JWK Set nor a JWK")
		}
		set.Keys = []jwk{one}
	}
	var out []verifyKey
	for i, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if k.D != "" {
			return nil, fmt.Errorf("keys[%d] %q: a private key; publish the public JWKS", i, k.Kid)
		}
		key, err := k.publicKey()
		if err != nil {
			return nil, fmt.Errorf("keys[%d] %q: %w", i, k.Kid, err)
		}
		if k.Alg != "" {
			if _, ok := algorithms[k.Alg]; !ok {
				return nil, fmt.Errorf("keys[%d] %q: algorithm %q is not allowed", i, k.Kid, k.Alg)
			}
		}
		out = append(out, verifyKey{kid: k.Kid, alg: k.Alg, key: key})
	}
	if len(out) == 0 {
		return nil, errors.New("no signing keys")
	}
	return out, nil
}

func (k jwk) publicKey() (any, error) {
	b64 := func(name, s string) ([]byte, error) {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("invalid %q", name)
		}
		return b, nil
	}
	switch k.Kty {
	case "RSA":
		n, err := b64("n", k.N)
		if err != nil {
			return nil, err
		}
		e, err := b64("e", k.E)
		if err != nil {
			return nil, err
		}
		if len(e) > 4 {
			return nil, errors.New(`"e" too large`)
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		if exp < 3 || exp%2 == 0 {
			return nil, errors.New(`invalid "e"`)
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}, nil
	case "EC":
		var curve elliptic.Curve
		switch k.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("unsupported curve %q", k.Crv)
		}
		x, err := b64("x", k.X)
		if err != nil {
			return nil, err
		}
		y, err := b64("y", k.Y)
		if err != nil {
			return nil, err
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(x) > size || len(y) > size {
			return nil, errors.New("coordinates too long for the curve")
		}
		pt := make([]byte, 1+2*size)
		pt[0] = 4
		copy(pt[1+size-len(x):1+size], x)
		copy(pt[1+2*size-len(y):], y)
		// Checks that the point is on the curve (invalid-curve attacks).
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, pt)
		if err != nil {
			return nil, fmt.Errorf("invalid EC point: %w", err)
		}
		return pub, nil
	case "OKP":
		if k.Crv != "Ed25519" {
			return nil, fmt.Errorf("unsupported curve %q", k.Crv)
		}
		x, err := b64("x", k.X)
		if err != nil {
			return nil, err
		}
		if len(x) != ed25519.PublicKeySize {
			return nil, errors.New("invalid Ed25519 key size")
		}
		return ed25519.PublicKey(x), nil
	case "oct":
		return nil, errors.New(`symmetric ("oct") keys are not accepted in a JWKS; use the issuer's secret`)
	default:
		return nil, fmt.Errorf("unsupported key type %q", k.Kty)
	}
}
