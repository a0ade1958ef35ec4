package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/gwctl/gwctl/gateway/config"
)

// Test keys, generated once per run.
type testKeys struct {
	rsa, rsaOther *rsa.PrivateKey
	ec            *ecdsa.PrivateKey
	ed            ed25519.PrivateKey
	rsaPEM        string // public key PEM of rsa
	hmac          []byte
}

var keys = sync.OnceValue(func() *testKeys {
	k := &testKeys{}
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.rsaOther, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	k.rsaPEM = pemPublic(k.rsa.Public())
	k.hmac = []byte("0123456789abcdef0123456789abcdef") // 32 bytes
	return k
})

func pemPublic(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwksOf builds a JWKS with the EC key as "ec1", the Ed25519 key as "ed1"
// and the RSA key as "rsa1".
func jwksOf(k *testKeys) json.RawMessage {
	size := 32
	pad := func(b []byte) []byte { return append(make([]byte, size-len(b)), b...) }
	set := map[string]any{"keys": []map[string]string{
		{"kty": "EC", "kid": "ec1", "use": "sig", "crv": "P-256",
			"x": b64(pad(k.ec.X.Bytes())), "y": b64(pad(k.ec.Y.Bytes()))},
		{"kty": "OKP", "kid": "ed1", "crv": "Ed25519", "x": b64(k.ed.Public().(ed25519.PublicKey))},
		{"kty": "RSA", "kid": "rsa1", "alg": "RS256", "n": b64(k.rsa.N.Bytes()), "e": b64(big.NewInt(int64(k.rsa.E)).Bytes())},
		{"kty": "RSA", "kid": "enc1", "use": "enc", "n": b64(k.rsaOther.N.Bytes()), "e": "AQAB"},
	}}
	b, _ := json.Marshal(set)
	return b
}

const (
	issRSA   = "https://rsa.example"
	issJWKS  = "https://jwks.example"
	issHMAC  = "https://hmac.example"
	issMixed = "https://mixed.example"
)

// Plain credentials of the test consumers.
const (
	aliceKey = "gw_alice-key-0123456789"
	bobKey   = "gw_bob-key-0123456789"
	carolPW  = "carol's password"
	daveKey  = "gw_dave-key-0123456789"
	davePW   = "dave's password"
)

func testConsumers(t testing.TB) []config.Consumer {
	t.Helper()
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	return []config.Consumer{
		{ID: "c-alice", Name: "alice", Scopes: []string{"orders:read", "admin"},
			Credentials: []config.Credential{{ID: "k1", Type: config.KeyAuth, KeyHash: HashKey(aliceKey)}}},
		{ID: "c-bob", Name: "bob",
			Credentials: []config.Credential{{ID: "k2", Type: config.KeyAuth, KeyHash: HashKey(bobKey)}}},
		{ID: "c-carol", Name: "carol", Scopes: []string{"orders:read"},
			Credentials: []config.Credential{{ID: "b1", Type: config.BasicAuth, Username: "carol", PasswordHash: hash(carolPW)}}},
		{ID: "c-dave", Name: "dave",
			Credentials: []config.Credential{
				{ID: "k3", Type: config.KeyAuth, KeyHash: HashKey(daveKey)},
				{ID: "b2", Type: config.BasicAuth, Username: "dave", PasswordHash: hash(davePW)},
			}},
	}
}

func sec(alts ...config.Requirement) []config.Requirement { return alts }
func ref(scheme string, scopes ...string) config.SchemeRef {
	return config.SchemeRef{Scheme: scheme, Scopes: scopes}
}

func testConfig(k *testKeys) *config.Config {
	route := func(id string, s []config.Requirement) config.Route {
		return config.Route{ID: id, Owner: "shop", Service: "svc", Method: "GET", Path: "/" + id, Security: s}
	}
	return &config.Config{Owners: []config.Owner{{
		Name:     "shop",
		Services: []config.Service{{Name: "svc", URLs: []string{"http://127.0.0.1:1"}}},
		Schemes: []config.Scheme{
			{Name: "apiKey", Type: config.KeyAuth, Key: &config.KeyScheme{In: "header", Name: "x-api-key"}},
			{Name: "queryKey", Type: config.KeyAuth, Key: &config.KeyScheme{In: "query", Name: "api_key"}},
			{Name: "cookieKey", Type: config.KeyAuth, Key: &config.KeyScheme{In: "cookie", Name: "session_key"}},
			{Name: "basic", Type: config.BasicAuth, Basic: &config.Basic{Realm: "shop"}},
			{Name: "jwt", Type: config.JWTAuth, JWT: &config.JWTScheme{Issuers: []config.Issuer{
				{Issuer: issRSA, Audiences: []string{"shop-api"}, Algorithms: []string{"RS256"}, PublicKeys: []string{k.rsaPEM}},
				{Issuer: issJWKS, Algorithms: []string{"ES256", "EdDSA", "RS256"}, JWKS: jwksOf(k)},
				{Issuer: issHMAC, Algorithms: []string{"HS256"}, Secret: config.Secret(k.hmac)},
				// Allows HMAC and RSA at once: the key-confusion attack's
				// favourite setup.
				{Issuer: issMixed, Algorithms: []string{"HS256", "RS256"}, Secret: config.Secret(k.hmac), PublicKeys: []string{k.rsaPEM}},
			}}},
			{Name: "scpJWT", Type: config.JWTAuth, JWT: &config.JWTScheme{ScopesClaim: "permissions", Issuers: []config.Issuer{
				{Issuer: issHMAC, Algorithms: []string{"HS256"}, Secret: config.Secret("base64:" + base64.StdEncoding.EncodeToString(k.hmac))},
			}}},
		},
		Routes: []config.Route{
			route("key", sec(config.Requirement{ref("apiKey")})),
			route("query", sec(config.Requirement{ref("queryKey")})),
			route("cookie", sec(config.Requirement{ref("cookieKey")})),
			route("basic", sec(config.Requirement{ref("basic")})),
			route("jwt", sec(config.Requirement{ref("jwt", "orders:read")})),
			route("jwtAny", sec(config.Requirement{ref("jwt")})),
			route("scp", sec(config.Requirement{ref("scpJWT", "orders:write")})),
			route("keyAdmin", sec(config.Requirement{ref("apiKey", "admin")})),
			// A or (B and C)
			route("or", sec(config.Requirement{ref("jwt", "admin")}, config.Requirement{ref("apiKey"), ref("basic")})),
			route("optional", sec(config.Requirement{}, config.Requirement{ref("apiKey")})),
			{ID: "public", Owner: "shop", Service: "svc", Method: "GET", Path: "/public", Public: true},
		},
	}}}
}

func newTestEngine(t testing.TB) (*Engine, *config.Config) {
	t.Helper()
	cfg := testConfig(keys())
	e, err := New(cfg, testConsumers(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e, cfg
}

func routeOf(t testing.TB, cfg *config.Config, id string) *config.Route {
	t.Helper()
	o := cfg.Owner("shop")
	for i := range o.Routes {
		if o.Routes[i].ID == id {
			return &o.Routes[i]
		}
	}
	t.Fatalf("no route %q", id)
	return nil
}

// token signs claims (iss, sub, exp, … as given) with method and key.
func token(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tk := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tk.Header["kid"] = kid
	}
	s, err := tk.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

// claims returns valid claims for iss, changed by the given pairs.
func claims(iss string, kv ...any) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": iss, "sub": "user-42", "aud": "shop-api", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "scope": "orders:read profile"}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(c, k)
		} else {
			c[k] = kv[i+1]
		}
	}
	return c
}

func basicHeader(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

// unsignedToken is an "alg: none" token.
func unsignedToken(c jwt.MapClaims) string {
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	p, _ := json.Marshal(c)
	return b64(h) + "." + b64(p) + "."
}

func TestAuthenticate(t *testing.T) {
	k := keys()
	e, cfg := newTestEngine(t)
	rsaTok := func(c jwt.MapClaims) string { return token(t, jwt.SigningMethodRS256, k.rsa, "", c) }
	hour := time.Hour

	type want struct {
		status    int    // 0: success or anonymous
		consumer  string // expected ConsumerID; "" with status 0: anonymous
		challenge string // substring of Failure.Challenge ("" = not checked)
		detail    string // Failure.Detail ("" = not checked)
	}
	tests := []struct {
		name   string
		route  string
		target string // default /<route>
		header map[string][]string
		want   want
	}{
		// key-auth, header
		{name: "key ok", route: "key", header: h("X-Api-Key", aliceKey), want: want{consumer: "c-alice"}},
		{name: "key missing", route: "key", want: want{status: 401, challenge: `ApiKey realm="gwctl", in="header", name="x-api-key"`, detail: "missing credentials"}},
		{name: "key wrong", route: "key", header: h("X-Api-Key", "gw_nope"), want: want{status: 401, detail: "invalid API key"}},
		{name: "key empty", route: "key", header: h("X-Api-Key", ""), want: want{status: 401}},
		{name: "key in query when header expected", route: "key", target: "/key?x-api-key=" + aliceKey, want: want{status: 401, detail: "missing credentials"}},
		{name: "key in Authorization when header expected", route: "key", header: h("Authorization", "Bearer "+aliceKey), want: want{status: 401}},
		{name: "key leading space", route: "key", header: h("X-Api-Key", " "+aliceKey), want: want{status: 401}},
		{name: "key trailing newline", route: "key", header: h("X-Api-Key", aliceKey+"\n"), want: want{status: 401}},
		{name: "key inner space", route: "key", header: h("X-Api-Key", aliceKey[:5]+" "+aliceKey[5:]), want: want{status: 401}},
		{name: "key other case", route: "key", header: h("X-Api-Key", strings.ToUpper(aliceKey)), want: want{status: 401}},
		{name: "key prefix only", route: "key", header: h("X-Api-Key", aliceKey[:len(aliceKey)-1]), want: want{status: 401}},
		{name: "key hash instead of key", route: "key", header: h("X-Api-Key", HashKey(aliceKey)), want: want{status: 401}},
		{name: "key twice", route: "key", header: map[string][]string{"X-Api-Key": {aliceKey, bobKey}}, want: want{status: 401, detail: "more than one API key"}},
		{name: "key twice same", route: "key", header: map[string][]string{"X-Api-Key": {aliceKey, aliceKey}}, want: want{status: 401}},
		{name: "key very long", route: "key", header: h("X-Api-Key", strings.Repeat("a", 10000)), want: want{status: 401}},
		// key-auth, query
		{name: "query ok", route: "query", target: "/query?a=1&api_key=" + bobKey + "&b=2", want: want{consumer: "c-bob"}},
		{name: "query percent-encoded", route: "query", target: "/query?api%5Fkey=gw%5Fbob-key-0123456789", want: want{consumer: "c-bob"}},
		{name: "query in header when query expected", route: "query", header: h("Api_key", bobKey), want: want{status: 401, detail: "missing credentials"}},
		{name: "query twice", route: "query", target: "/query?api_key=" + bobKey + "&api_key=x", want: want{status: 401}},
		{name: "query bad escape", route: "query", target: "/query?api_key=%zz", want: want{status: 401}},
		{name: "query name case", route: "query", target: "/query?API_KEY=" + bobKey, want: want{status: 401}},
		{name: "query plus is space", route: "query", target: "/query?api_key=+" + bobKey, want: want{status: 401}},
		// key-auth, cookie
		{name: "cookie ok", route: "cookie", header: h("Cookie", "theme=dark; session_key="+aliceKey), want: want{consumer: "c-alice"}},
		{name: "cookie quoted", route: "cookie", header: h("Cookie", `session_key="`+aliceKey+`"`), want: want{consumer: "c-alice"}},
		{name: "cookie in header when cookie expected", route: "cookie", header: h("Session_key", aliceKey), want: want{status: 401}},
		{name: "cookie twice", route: "cookie", header: map[string][]string{"Cookie": {"session_key=" + aliceKey, "session_key=" + bobKey}}, want: want{status: 401}},
		{name: "cookie wrong", route: "cookie", header: h("Cookie", "session_key=nope"), want: want{status: 401}},
		// basic-auth
		{name: "basic ok", route: "basic", header: h("Authorization", basicHeader("carol", carolPW)), want: want{consumer: "c-carol"}},
		{name: "basic lower-case scheme", route: "basic", header: h("Authorization", "basic "+basicHeader("carol", carolPW)[6:]), want: want{consumer: "c-carol"}},
		{name: "basic wrong password", route: "basic", header: h("Authorization", basicHeader("carol", "nope")), want: want{status: 401, challenge: `Basic realm="shop", charset="UTF-8"`, detail: "invalid username or password"}},
		{name: "basic unknown user", route: "basic", header: h("Authorization", basicHeader("mallory", carolPW)), want: want{status: 401, detail: "invalid username or password"}},
		{name: "basic other user's password", route: "basic", header: h("Authorization", basicHeader("dave", carolPW)), want: want{status: 401}},
		{name: "basic empty password", route: "basic", header: h("Authorization", basicHeader("carol", "")), want: want{status: 401}},
		{name: "basic malformed", route: "basic", header: h("Authorization", "Basic !!!"), want: want{status: 401, detail: "malformed basic credentials"}},
		{name: "basic missing", route: "basic", want: want{status: 401, challenge: `Basic realm="shop"`}},
		{name: "basic given a bearer", route: "basic", header: h("Authorization", "Bearer "+aliceKey), want: want{status: 401, detail: "missing credentials"}},
		// jwt
		{name: "jwt ok", route: "jwt", header: bearer_(rsaTok(claims(issRSA))), want: want{consumer: "jwt:" + issRSA + "|user-42"}},
		{name: "jwt lower-case bearer", route: "jwt", header: h("Authorization", "bearer "+rsaTok(claims(issRSA))), want: want{consumer: "jwt:" + issRSA + "|user-42"}},
		{name: "jwt missing", route: "jwt", want: want{status: 401, challenge: `Bearer realm="gwctl"`, detail: "missing credentials"}},
		{name: "jwt garbage", route: "jwt", header: bearer_("abc.def.ghi"), want: want{status: 401, challenge: `Bearer realm="gwctl", error="invalid_token"`}},
		{name: "jwt expired", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "exp", time.Now().Add(-hour).Unix()))), want: want{status: 401, challenge: `error="invalid_token"`, detail: "token expired"}},
		{name: "jwt expired within leeway", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "exp", time.Now().Add(-10*time.Second).Unix()))), want: want{consumer: "jwt:" + issRSA + "|user-42"}},
		{name: "jwt no exp", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "exp", nil))), want: want{status: 401, detail: "token lacks a required claim"}},
		{name: "jwt not yet valid", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "nbf", time.Now().Add(hour).Unix()))), want: want{status: 401, detail: "token not valid yet"}},
		{name: "jwt nbf within leeway", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "nbf", time.Now().Add(10*time.Second).Unix()))), want: want{consumer: "jwt:" + issRSA + "|user-42"}},
		{name: "jwt issued in the future", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "iat", time.Now().Add(hour).Unix()))), want: want{status: 401, detail: "token issued in the future"}},
		{name: "jwt wrong issuer", route: "jwt", header: bearer_(rsaTok(claims("https://evil.example"))), want: want{status: 401, detail: "token issuer is not trusted"}},
		{name: "jwt no issuer", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "iss", nil))), want: want{status: 401}},
		{name: "jwt issuer not a string", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "iss", []string{issRSA}))), want: want{status: 401}},
		{name: "jwt issuer of another key", route: "jwt", header: bearer_(token(t, jwt.SigningMethodRS256, k.rsa, "", claims(issHMAC))), want: want{status: 401}},
		{name: "jwt wrong audience", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "aud", "other-api"))), want: want{status: 401, detail: "token audience not accepted"}},
		{name: "jwt no audience", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "aud", nil))), want: want{status: 401}},
		{name: "jwt audience list", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "aud", []string{"x", "shop-api"}))), want: want{consumer: "jwt:" + issRSA + "|user-42"}},
		{name: "jwt alg none", route: "jwt", header: bearer_(unsignedToken(claims(issRSA))), want: want{status: 401, challenge: `error="invalid_token"`}},
		{name: "jwt alg none on hmac issuer", route: "jwt", header: bearer_(unsignedToken(claims(issHMAC))), want: want{status: 401}},
		{name: "jwt HS256 with RSA public key PEM as secret", route: "jwt", header: bearer_(token(t, jwt.SigningMethodHS256, []byte(k.rsaPEM), "", claims(issRSA))), want: want{status: 401}},
		{name: "jwt HS256 with RSA PEM as secret, issuer allowing HS256 and RS256", route: "jwt", header: bearer_(token(t, jwt.SigningMethodHS256, []byte(k.rsaPEM), "", claims(issMixed))), want: want{status: 401, detail: "invalid token signature"}},
		{name: "jwt HS256 with RSA DER as secret, mixed issuer", route: "jwt", header: bearer_(token(t, jwt.SigningMethodHS256, must(x509.MarshalPKIXPublicKey(k.rsa.Public())), "", claims(issMixed))), want: want{status: 401}},
		{name: "jwt mixed issuer RS256 ok", route: "jwt", header: bearer_(token(t, jwt.SigningMethodRS256, k.rsa, "", claims(issMixed))), want: want{consumer: "jwt:" + issMixed + "|user-42"}},
		{name: "jwt mixed issuer HS256 ok", route: "jwt", header: bearer_(token(t, jwt.SigningMethodHS256, k.hmac, "", claims(issMixed))), want: want{consumer: "jwt:" + issMixed + "|user-42"}},
		{name: "jwt wrong signature", route: "jwt", header: bearer_(token(t, jwt.SigningMethodRS256, k.rsaOther, "", claims(issRSA))), want: want{status: 401, detail: "invalid token signature"}},
		{name: "jwt tampered payload", route: "jwt", header: bearer_(tamper(rsaTok(claims(issRSA)), claims(issRSA, "sub", "admin"))), want: want{status: 401}},
		{name: "jwt PS256 not allowed", route: "jwt", header: bearer_(token(t, jwt.SigningMethodPS256, k.rsa, "", claims(issRSA))), want: want{status: 401}},
		{name: "jwt HS256 ok", route: "jwt", header: bearer_(token(t, jwt.SigningMethodHS256, k.hmac, "", claims(issHMAC))), want: want{consumer: "jwt:" + issHMAC + "|user-42"}},
		{name: "jwt HS384 not allowed", route: "jwt", header: bearer_(token(t, jwt.SigningMethodHS384, k.hmac, "", claims(issHMAC))), want: want{status: 401}},
		{name: "jwt HS256 wrong secret", route: "jwt", header: bearer_(token(t, jwt.SigningMethodHS256, []byte("0123456789abcdef0123456789abcdeX"), "", claims(issHMAC))), want: want{status: 401}},
		{name: "jwt ES256 by kid", route: "jwt", header: bearer_(token(t, jwt.SigningMethodES256, k.ec, "ec1", claims(issJWKS))), want: want{consumer: "jwt:" + issJWKS + "|user-42"}},
		{name: "jwt ES256 without kid", route: "jwt", header: bearer_(token(t, jwt.SigningMethodES256, k.ec, "", claims(issJWKS))), want: want{consumer: "jwt:" + issJWKS + "|user-42"}},
		{name: "jwt EdDSA by kid", route: "jwt", header: bearer_(token(t, jwt.SigningMethodEdDSA, k.ed, "ed1", claims(issJWKS))), want: want{consumer: "jwt:" + issJWKS + "|user-42"}},
		{name: "jwt RS256 by kid", route: "jwt", header: bearer_(token(t, jwt.SigningMethodRS256, k.rsa, "rsa1", claims(issJWKS))), want: want{consumer: "jwt:" + issJWKS + "|user-42"}},
		{name: "jwt unknown kid", route: "jwt", header: bearer_(token(t, jwt.SigningMethodES256, k.ec, "nope", claims(issJWKS))), want: want{status: 401, detail: "token signing key unknown"}},
		{name: "jwt kid of another key type", route: "jwt", header: bearer_(token(t, jwt.SigningMethodRS256, k.rsa, "ec1", claims(issJWKS))), want: want{status: 401}},
		{name: "jwt kid of encryption key", route: "jwt", header: bearer_(token(t, jwt.SigningMethodRS256, k.rsaOther, "enc1", claims(issJWKS))), want: want{status: 401}},
		{name: "jwt missing scope", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "scope", "profile"))), want: want{status: 403, challenge: `Bearer realm="gwctl", error="insufficient_scope", scope="orders:read"`, detail: "insufficient scope"}},
		{name: "jwt no scope claim", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "scope", nil))), want: want{status: 403}},
		{name: "jwt scope is a prefix", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "scope", "orders:rea orders:readx"))), want: want{status: 403}},
		{name: "jwt scp array", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "scope", nil, "scp", []string{"orders:read"}))), want: want{consumer: "jwt:" + issRSA + "|user-42"}},
		{name: "jwt scope array", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "scope", []string{"a", "orders:read"}))), want: want{consumer: "jwt:" + issRSA + "|user-42"}},
		{name: "jwt scope wrong type", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "scope", 7))), want: want{status: 401}},
		{name: "jwt sub not a string", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "sub", 42))), want: want{status: 401}},
		{name: "jwt sub with newline", route: "jwt", header: bearer_(rsaTok(claims(issRSA, "sub", "a\r\nX-Consumer-Id: root"))), want: want{status: 401}},
		{name: "jwt two Authorization headers", route: "jwt", header: map[string][]string{"Authorization": {"Bearer " + rsaTok(claims(issRSA)), "Bearer x"}}, want: want{status: 401}},
		{name: "jwt given basic", route: "jwt", header: h("Authorization", basicHeader("carol", carolPW)), want: want{status: 401, detail: "missing credentials"}},
		{name: "jwt custom scopes claim", route: "scp", header: bearer_(token(t, jwt.SigningMethodHS256, k.hmac, "", claims(issHMAC, "permissions", []string{"orders:write"}))), want: want{consumer: "jwt:" + issHMAC + "|user-42"}},
		{name: "jwt custom scopes claim ignores scope", route: "scp", header: bearer_(token(t, jwt.SigningMethodHS256, k.hmac, "", claims(issHMAC, "scope", "orders:write"))), want: want{status: 403}},
		// scopes on key-auth
		{name: "key scope ok", route: "keyAdmin", header: h("X-Api-Key", aliceKey), want: want{consumer: "c-alice"}},
		{name: "key scope missing", route: "keyAdmin", header: h("X-Api-Key", bobKey), want: want{status: 403, challenge: "", detail: "insufficient scope"}},
		// OR of ANDs: jwt(admin) or (apiKey and basic)
		{name: "or: A passes", route: "or", header: bearer_(rsaTok(claims(issRSA, "scope", "admin"))), want: want{consumer: "jwt:" + issRSA + "|user-42"}},
		{name: "or: A lacks scope", route: "or", header: bearer_(rsaTok(claims(issRSA))), want: want{status: 403, challenge: `scope="admin"`}},
		{name: "or: B and C pass", route: "or", header: map[string][]string{"X-Api-Key": {daveKey}, "Authorization": {basicHeader("dave", davePW)}}, want: want{consumer: "c-dave"}},
		{name: "or: B and C of different consumers", route: "or", header: map[string][]string{"X-Api-Key": {bobKey}, "Authorization": {basicHeader("carol", carolPW)}}, want: want{consumer: "c-bob"}},
		{name: "or: B only", route: "or", header: h("X-Api-Key", daveKey), want: want{status: 401, challenge: `Bearer realm="gwctl", ApiKey realm="gwctl", in="header", name="x-api-key", Basic realm="shop", charset="UTF-8"`}},
		{name: "or: C only", route: "or", header: h("Authorization", basicHeader("dave", davePW)), want: want{status: 401}},
		{name: "or: B and wrong C", route: "or", header: map[string][]string{"X-Api-Key": {daveKey}, "Authorization": {basicHeader("dave", "x")}}, want: want{status: 401, detail: "invalid username or password"}},
		{name: "or: nothing", route: "or", want: want{status: 401, detail: "missing credentials"}},
		{name: "or: bad token", route: "or", header: bearer_(rsaTok(claims(issRSA, "exp", time.Now().Add(-hour).Unix()))), want: want{status: 401, challenge: `Bearer realm="gwctl", error="invalid_token", ApiKey`}},
		// public and optional
		{name: "public", route: "public", want: want{}},
		{name: "public ignores credentials", route: "public", header: h("X-Api-Key", "nope"), want: want{}},
		{name: "optional anonymous", route: "optional", want: want{}},
		{name: "optional identified", route: "optional", header: h("X-Api-Key", aliceKey), want: want{consumer: "c-alice"}},
		{name: "optional bad key", route: "optional", header: h("X-Api-Key", "nope"), want: want{status: 401}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "/" + tt.route
			}
			r := httptest.NewRequest("GET", target, nil)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			id, fail := e.Authenticate(r, routeOf(t, cfg, tt.route))
			if tt.want.status == 0 {
				if fail != nil {
					t.Fatalf("failure %+v, want success", *fail)
				}
				got := ""
				if id != nil {
					got = id.ConsumerID
				}
				if got != tt.want.consumer {
					t.Fatalf("consumer %q, want %q", got, tt.want.consumer)
				}
				return
			}
			if fail == nil {
				t.Fatalf("identity %+v, want %d", id, tt.want.status)
			}
			if id != nil {
				t.Errorf("identity %+v with a failure", id)
			}
			if fail.Status != tt.want.status {
				t.Errorf("status %d (%s), want %d", fail.Status, fail.Detail, tt.want.status)
			}
			if !strings.Contains(fail.Challenge, tt.want.challenge) {
				t.Errorf("challenge %q, want it to contain %q", fail.Challenge, tt.want.challenge)
			}
			if fail.Status == 401 && fail.Challenge == "" {
				t.Errorf("401 without a challenge")
			}
			if tt.want.detail != "" && fail.Detail != tt.want.detail {
				t.Errorf("detail %q, want %q", fail.Detail, tt.want.detail)
			}
			for _, v := range tt.header {
				for _, s := range v {
					if len(s) > 8 && (strings.Contains(fail.Detail, s) || strings.Contains(fail.Challenge, s)) {
						t.Errorf("failure echoes a credential: %+v", fail)
					}
				}
			}
		})
	}
}

func TestAuthenticateIdentity(t *testing.T) {
	k := keys()
	e, cfg := newTestEngine(t)
	tests := []struct {
		name  string
		route string
		hdr   map[string][]string
		want  Identity
	}{
		{"key", "key", h("X-Api-Key", aliceKey),
			Identity{ConsumerID: "c-alice", ConsumerName: "alice", Subject: "alice", Scheme: "apiKey", Scopes: []string{"orders:read", "admin"}}},
		{"basic", "basic", h("Authorization", basicHeader("carol", carolPW)),
			Identity{ConsumerID: "c-carol", ConsumerName: "carol", Subject: "carol", Scheme: "basic", Scopes: []string{"orders:read"}}},
		{"jwt", "jwt", bearer_(token(t, jwt.SigningMethodRS256, k.rsa, "", claims(issRSA))),
			Identity{ConsumerID: "jwt:" + issRSA + "|user-42", ConsumerName: "user-42", Subject: "user-42", Scheme: "jwt", Scopes: []string{"orders:read", "profile"}}},
		{"and: first scheme's identity", "or", map[string][]string{"X-Api-Key": {daveKey}, "Authorization": {basicHeader("dave", davePW)}},
			Identity{ConsumerID: "c-dave", ConsumerName: "dave", Subject: "dave", Scheme: "apiKey"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/x", nil)
			for k, v := range tt.hdr {
				r.Header[k] = v
			}
			id, fail := e.Authenticate(r, routeOf(t, cfg, tt.route))
			if fail != nil {
				t.Fatalf("failure %+v", *fail)
			}
			if id.ConsumerID != tt.want.ConsumerID || id.ConsumerName != tt.want.ConsumerName ||
				id.Subject != tt.want.Subject || id.Scheme != tt.want.Scheme || !slices.Equal(id.Scopes, tt.want.Scopes) {
				t.Errorf("identity %+v, want %+v", *id, tt.want)
			}
		})
	}
}

// A scheme named in several alternatives is checked once per request.
func TestAuthenticateChecksEachSchemeOnce(t *testing.T) {
	cfg := &config.Config{Owners: []config.Owner{{
		Name:    "o",
		Schemes: []config.Scheme{{Name: "b", Type: config.BasicAuth}, {Name: "k", Type: config.KeyAuth, Key: &config.KeyScheme{In: "header", Name: "K"}}},
		Routes: []config.Route{{ID: "r", Owner: "o", Security: sec(
			config.Requirement{ref("b"), ref("k")},
			config.Requirement{ref("b", "x")},
			config.Requirement{ref("k"), ref("b")},
		)}},
	}}}
	e, err := New(cfg, testConsumers(t))
	if err != nil {
		t.Fatal(err)
	}
	counting := &countingAuth{authenticator: e.owners["o"]["b"]}
	e.owners["o"]["b"] = counting
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", basicHeader("carol", "wrong"))
	if _, fail := e.Authenticate(r, &cfg.Owners[0].Routes[0]); fail == nil || fail.Status != 401 {
		t.Fatalf("got %+v, want 401", fail)
	}
	if counting.n != 1 {
		t.Errorf("basic-auth checked %d times, want 1", counting.n)
	}
}

type countingAuth struct {
	authenticator
	n int
}

func (c *countingAuth) authenticate(r *http.Request) result {
	c.n++
	return c.authenticator.authenticate(r)
}

func TestAuthenticateFailsClosed(t *testing.T) {
	e, _ := newTestEngine(t)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Api-Key", aliceKey)
	for name, rt := range map[string]*config.Route{
		"no security, not public":  {ID: "x", Owner: "shop"},
		"unknown owner":            {ID: "x", Owner: "nobody", Security: sec(config.Requirement{ref("apiKey")})},
		"unknown scheme":           {ID: "x", Owner: "shop", Security: sec(config.Requirement{ref("nope")})},
		"public but with security": {ID: "x", Owner: "shop", Public: true, Security: sec(config.Requirement{ref("basic")})},
	} {
		if id, fail := e.Authenticate(r, rt); fail == nil || fail.Status != 401 {
			t.Errorf("%s: got (%v, %v), want 401", name, id, fail)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	k := keys()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	jwtScheme := func(is config.Issuer) config.Scheme {
		return config.Scheme{Name: "j", Type: config.JWTAuth, JWT: &config.JWTScheme{Issuers: []config.Issuer{is}}}
	}
	privPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.rsa)}))
	tests := []struct {
		name      string
		scheme    config.Scheme
		consumers []config.Consumer
		route     *config.Route
		want      string
	}{
		{name: "alg none", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"none"}, PublicKeys: []string{k.rsaPEM}}), want: `"none" is not allowed`},
		{name: "unknown alg", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"RS1"}, PublicKeys: []string{k.rsaPEM}}), want: "not allowed"},
		{name: "no algorithms", scheme: jwtScheme(config.Issuer{Issuer: "i", PublicKeys: []string{k.rsaPEM}}), want: "no algorithms"},
		{name: "no issuer", scheme: jwtScheme(config.Issuer{Algorithms: []string{"RS256"}, PublicKeys: []string{k.rsaPEM}}), want: "missing issuer"},
		{name: "HS256 without secret", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"HS256"}}), want: "no secret"},
		{name: "HS256 short secret", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"HS256"}, Secret: "short"}), want: "at least 32 bytes"},
		{name: "HS512 32-byte secret", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"HS512"}, Secret: config.Secret(k.hmac)}), want: "at least 64 bytes"},
		{name: "HS256 with a PEM secret", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"HS256"}, Secret: config.Secret(k.rsaPEM)}), want: "looks like a PEM"},
		{name: "bad base64 secret", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"HS256"}, Secret: "base64:!!!"}), want: "invalid base64"},
		{name: "RS256 without keys", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"RS256"}}), want: "no key of its type"},
		{name: "ES256 with only RSA keys", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"ES256"}, PublicKeys: []string{k.rsaPEM}}), want: "no key of its type"},
		{name: "weak RSA key", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"RS256"}, PublicKeys: []string{pemPublic(small.Public())}}), want: "1024 bits"},
		{name: "private key PEM", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"RS256"}, PublicKeys: []string{privPEM}}), want: "private key"},
		{name: "not PEM", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"RS256"}, PublicKeys: []string{"hello"}}), want: "not PEM"},
		{name: "JWKS oct key", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"HS256"}, Secret: config.Secret(k.hmac), JWKS: json.RawMessage(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)}), want: "oct"},
		{name: "JWKS private key", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"EdDSA"}, JWKS: json.RawMessage(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + b64(k.ed.Public().(ed25519.PublicKey)) + `","d":"AAAA"}]}`)}), want: "private key"},
		{name: "JWKS EC point off curve", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"ES256"}, JWKS: json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","x":"` + b64(append(make([]byte, 31), 1)) + `","y":"` + b64(append(make([]byte, 31), 2)) + `"}]}`)}), want: "invalid EC point"},
		{name: "JWKS not JSON", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"ES256"}, JWKS: json.RawMessage(`nope`)}), want: "invalid JSON"},
		{name: "negative leeway", scheme: jwtScheme(config.Issuer{Issuer: "i", Algorithms: []string{"RS256"}, PublicKeys: []string{k.rsaPEM}, Leeway: config.Duration(-time.Second)}), want: "negative leeway"},
		{name: "jwt without settings", scheme: config.Scheme{Name: "j", Type: config.JWTAuth}, want: "missing jwt settings"},
		{name: "key-auth without settings", scheme: config.Scheme{Name: "j", Type: config.KeyAuth}, want: "missing key settings"},
		{name: "key-auth in body", scheme: config.Scheme{Name: "j", Type: config.KeyAuth, Key: &config.KeyScheme{In: "body", Name: "k"}}, want: "header, query or cookie"},
		{name: "unknown type", scheme: config.Scheme{Name: "j", Type: "oauth2"}, want: "unknown type"},
		{name: "route with unknown scheme", scheme: config.Scheme{Name: "j", Type: config.BasicAuth},
			route: &config.Route{ID: "r", Owner: "o", Security: sec(config.Requirement{ref("nope")})}, want: `unknown scheme "nope"`},
		{name: "bad key hash", scheme: config.Scheme{Name: "j", Type: config.BasicAuth},
			consumers: []config.Consumer{{ID: "c", Credentials: []config.Credential{{ID: "x", Type: config.KeyAuth, KeyHash: aliceKey}}}}, want: "not a hex SHA-256"},
		{name: "duplicate key", scheme: config.Scheme{Name: "j", Type: config.BasicAuth},
			consumers: []config.Consumer{
				{ID: "c1", Credentials: []config.Credential{{ID: "x", Type: config.KeyAuth, KeyHash: HashKey(aliceKey)}}},
				{ID: "c2", Credentials: []config.Credential{{ID: "y", Type: config.KeyAuth, KeyHash: HashKey(aliceKey)}}},
			}, want: `already used by consumer "c1"`},
		{name: "duplicate username", scheme: config.Scheme{Name: "j", Type: config.BasicAuth},
			consumers: []config.Consumer{
				{ID: "c1", Credentials: []config.Credential{{ID: "x", Type: config.BasicAuth, Username: "u", PasswordHash: testConsumers(t)[2].Credentials[0].PasswordHash}}},
				{ID: "c2", Credentials: []config.Credential{{ID: "y", Type: config.BasicAuth, Username: "u", PasswordHash: testConsumers(t)[2].Credentials[0].PasswordHash}}},
			}, want: `username "u" already used`},
		{name: "plain password", scheme: config.Scheme{Name: "j", Type: config.BasicAuth},
			consumers: []config.Consumer{{ID: "c", Credentials: []config.Credential{{ID: "x", Type: config.BasicAuth, Username: "u", PasswordHash: "secret"}}}}, want: "password hash"},
		{name: "duplicate consumer", scheme: config.Scheme{Name: "j", Type: config.BasicAuth},
			consumers: []config.Consumer{{ID: "c"}, {ID: "c"}}, want: "defined twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := config.Owner{Name: "o", Schemes: []config.Scheme{tt.scheme}}
			if tt.route != nil {
				o.Routes = []config.Route{*tt.route}
			}
			_, err := New(&config.Config{Owners: []config.Owner{o}}, tt.consumers)
			if err == nil {
				t.Fatalf("New succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), string(k.hmac)) || strings.Contains(err.Error(), aliceKey) {
				t.Errorf("error echoes a secret: %v", err)
			}
		})
	}
}

func TestNewEmpty(t *testing.T) {
	e, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	if id, fail := e.Authenticate(r, &config.Route{Public: true}); id != nil || fail != nil {
		t.Errorf("public route: (%v, %v)", id, fail)
	}
}

func TestStripCredentials(t *testing.T) {
	k := keys()
	e, cfg := newTestEngine(t)
	tests := []struct {
		name      string
		route     string
		target    string
		header    http.Header
		wantQuery string
		want      http.Header
	}{
		{
			name:      "header key",
			route:     "key",
			target:    "/key?x-api-key=keep&a=1",
			header:    http.Header{"X-Api-Key": {aliceKey, "second"}, "Authorization": {"Bearer keep"}, "Cookie": {"x-api-key=keep"}, "Accept": {"*/*"}},
			wantQuery: "x-api-key=keep&a=1",
			want:      http.Header{"Authorization": {"Bearer keep"}, "Cookie": {"x-api-key=keep"}, "Accept": {"*/*"}},
		},
		{
			name:      "query key, every copy, encoded or not, order and encoding of the rest kept",
			route:     "query",
			target:    "/query?b=%41&api_key=" + bobKey + "&c&api%5Fkey=x&api_keys=keep&d=1%2B1",
			header:    http.Header{"Api_key": {"keep"}},
			wantQuery: "b=%41&c&api_keys=keep&d=1%2B1",
			want:      http.Header{"Api_key": {"keep"}},
		},
		{
			name:      "query key only",
			route:     "query",
			target:    "/query?api_key=" + bobKey,
			wantQuery: "",
			want:      http.Header{},
		},
		{
			name:   "cookie key, other cookies kept",
			route:  "cookie",
			target: "/cookie",
			header: http.Header{"Cookie": {"a=1; session_key=" + aliceKey + "; b=2", "session_key=x"}, "Session_key": {"keep"}},
			want:   http.Header{"Cookie": {"a=1; b=2"}, "Session_key": {"keep"}},
		},
		{
			name:   "cookie key only",
			route:  "cookie",
			target: "/cookie",
			header: http.Header{"Cookie": {"session_key=" + aliceKey}},
			want:   http.Header{},
		},
		{
			name:      "jwt",
			route:     "jwt",
			target:    "/jwt?access_token=keep",
			header:    http.Header{"Authorization": {"Bearer " + token(t, jwt.SigningMethodHS256, k.hmac, "", claims(issHMAC))}, "X-Api-Key": {"keep"}},
			wantQuery: "access_token=keep",
			want:      http.Header{"X-Api-Key": {"keep"}},
		},
		{
			name:   "every scheme of every alternative",
			route:  "or",
			target: "/or",
			header: http.Header{"Authorization": {basicHeader("dave", davePW)}, "X-Api-Key": {daveKey}, "X-Other": {"keep"}},
			want:   http.Header{"X-Other": {"keep"}},
		},
		{
			name:   "public route: nothing",
			route:  "public",
			target: "/public",
			header: http.Header{"Authorization": {"Basic x"}, "X-Api-Key": {"k"}},
			want:   http.Header{"Authorization": {"Basic x"}, "X-Api-Key": {"k"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := httptest.NewRequest("GET", tt.target, nil)
			out.Header = tt.header.Clone()
			if out.Header == nil {
				out.Header = http.Header{}
			}
			e.StripCredentials(out, routeOf(t, cfg, tt.route))
			if out.URL.RawQuery != tt.wantQuery && tt.wantQuery != "" || tt.wantQuery == "" && strings.Contains(out.URL.RawQuery, "api_key") {
				t.Errorf("query %q, want %q", out.URL.RawQuery, tt.wantQuery)
			}
			if len(out.Header) != len(tt.want) {
				t.Errorf("headers %v, want %v", out.Header, tt.want)
			}
			for k, v := range tt.want {
				if !slices.Equal(out.Header[k], v) {
					t.Errorf("header %s = %q, want %q", k, out.Header[k], v)
				}
			}
		})
	}
}

func TestSetHeaders(t *testing.T) {
	if got, want := IdentityHeaders(), []string{"X-Consumer-Id", "X-Consumer-Name", "X-Consumer-Scopes", "X-Authenticated-Subject"}; !slices.Equal(got, want) {
		t.Fatalf("IdentityHeaders() = %q, want %q", got, want)
	}
	IdentityHeaders()[0] = "changed"
	if IdentityHeaders()[0] != "X-Consumer-Id" {
		t.Fatal("IdentityHeaders returns shared state")
	}
	spoofed := func() http.Header {
		return http.Header{
			"X-Consumer-Id": {"root", "root2"}, "X-Consumer-Name": {"root"}, "X-Consumer-Scopes": {"admin"},
			"X-Authenticated-Subject": {"root"}, "Accept": {"*/*"},
		}
	}
	tests := []struct {
		name string
		id   *Identity
		want http.Header
	}{
		{"nil removes client copies", nil, http.Header{"Accept": {"*/*"}}},
		{"full", &Identity{ConsumerID: "c1", ConsumerName: "alice", Subject: "alice", Scheme: "k", Scopes: []string{"a", "b"}},
			http.Header{"Accept": {"*/*"}, "X-Consumer-Id": {"c1"}, "X-Consumer-Name": {"alice"}, "X-Consumer-Scopes": {"a b"}, "X-Authenticated-Subject": {"alice"}}},
		{"empty values are left out", &Identity{ConsumerID: "jwt:i|"},
			http.Header{"Accept": {"*/*"}, "X-Consumer-Id": {"jwt:i|"}}},
		{"control characters are left out", &Identity{ConsumerID: "c1", ConsumerName: "a\r\nX-Evil: 1"},
			http.Header{"Accept": {"*/*"}, "X-Consumer-Id": {"c1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := spoofed()
			tt.id.SetHeaders(h)
			if len(h) != len(tt.want) {
				t.Errorf("headers %v, want %v", h, tt.want)
			}
			for k, v := range tt.want {
				if !slices.Equal(h[k], v) {
					t.Errorf("%s = %q, want %q", k, h[k], v)
				}
			}
		})
	}
}

func TestCredentialHelpers(t *testing.T) {
	if got := HashKey("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("HashKey = %s", got)
	}
	seen := map[string]bool{}
	for range 100 {
		k, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(k, "gw_") || len(k) != 3+43 || strings.ContainsAny(k[3:], "+/=") {
			t.Fatalf("GenerateKey = %q", k)
		}
		if seen[k] {
			t.Fatal("GenerateKey repeated a key")
		}
		seen[k] = true
	}
	h, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(h), []byte("pw")) != nil {
		t.Error("HashPassword hash does not verify")
	}
	if _, err := HashPassword(strings.Repeat("x", 73)); err == nil {
		t.Error("HashPassword accepted 73 bytes")
	}
	if _, err := HashPassword(""); err == nil {
		t.Error("HashPassword accepted an empty password")
	}
}

// Identity never carries, and logs never see, a secret: config.Secret
// redacts itself.
func TestEngineConcurrentUse(t *testing.T) {
	k := keys()
	e, cfg := newTestEngine(t)
	tok := token(t, jwt.SigningMethodES256, k.ec, "ec1", claims(issJWKS))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				r := httptest.NewRequest("GET", "/", nil)
				rt := "key"
				if (i+j)%2 == 0 {
					r.Header.Set("Authorization", "Bearer "+tok)
					rt = "jwtAny"
				} else {
					r.Header.Set("X-Api-Key", aliceKey)
				}
				if _, fail := e.Authenticate(r, routeOf(t, cfg, rt)); fail != nil {
					t.Errorf("%s: %+v", rt, *fail)
					return
				}
			}
		})
	}
	wg.Wait()
}

func h(k, v string) map[string][]string { return map[string][]string{http.CanonicalHeaderKey(k): {v}} }
func bearer_(tok string) map[string][]string {
	return map[string][]string{"Authorization": {"Bearer " + tok}}
}
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// tamper replaces a token's payload with c, keeping header and signature.
func tamper(tok string, c jwt.MapClaims) string {
	parts := strings.Split(tok, ".")
	p, _ := json.Marshal(c)
	return parts[0] + "." + b64(p) + "." + parts[2]
}

func BenchmarkAuthenticateKeyAuth(b *testing.B) {
	e, cfg := newTestEngine(b)
	rt := routeOf(b, cfg, "key")
	r := httptest.NewRequest("GET", "/key", nil)
	r.Header.Set("X-Api-Key", aliceKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, fail := e.Authenticate(r, rt); fail != nil {
			b.Fatal(fail.Detail)
		}
	}
}

func BenchmarkAuthenticateJWTRS256(b *testing.B) {
	k := keys()
	e, cfg := newTestEngine(b)
	rt := routeOf(b, cfg, "jwt")
	r := httptest.NewRequest("GET", "/jwt", nil)
	r.Header.Set("Authorization", "Bearer "+token(b, jwt.SigningMethodRS256, k.rsa, "", claims(issRSA)))
	b.ReportAllocs()
	for b.Loop() {
		if _, fail := e.Authenticate(r, rt); fail != nil {
			b.Fatal(fail.Detail)
		}
	}
}
