package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

func testPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func validConfig(pemKey string) *Config {
	limit := int64(1 << 20)
	return &Config{
		Owners: []Owner{{
			Name:     "shop",
			Services: []Service{{Name: "orders", URLs: []string{"http://127.0.0.1:9000/api", "https://orders.internal"}}},
			Schemes: []Scheme{
				{Name: "apiKey", Type: KeyAuth, Key: &KeyScheme{In: "header", Name: "X-Api-Key"}},
				{Name: "bearer", Type: JWTAuth, JWT: &JWTScheme{Issuers: []Issuer{
					{Issuer: "https://idp", Algorithms: []string{"ES256"}, PublicKeys: []string{pemKey}},
					{Issuer: "hs", Algorithms: []string{"HS256"}, Secret: "s3cret"},
				}}},
				{Name: "basic", Type: BasicAuth},
			},
			Routes: []Route{
				{ID: "list", Service: "orders", Method: "GET", Path: "/v1/orders", Public: true},
				{ID: "get", Service: "orders", Method: "GET", Path: "/v1/orders/{orderId}",
					Security:    []Requirement{{{Scheme: "apiKey", Scopes: []string{"orders:read"}}}, {{Scheme: "bearer", Scopes: []string{"orders:read"}}}},
					StripPrefix: "/v1", AddPrefix: "/internal",
					Plugins: Plugins{RateLimit: &RateLimit{Requests: 10, Window: Duration(time.Second)}, MaxBodySize: &limit}},
				{ID: "del", Service: "orders", Method: "DELETE", Path: "/v1/orders/{id}", Security: []Requirement{{{Scheme: "basic"}}},
					Mock: &Mock{Status: 204}},
				{ID: "root", Service: "orders", Method: "GET", Path: "/", Public: true},
			},
		}, {
			Name:     "users",
			Services: []Service{{Name: "users", URLs: []string{"http://users:8080"}}},
			Routes: []Route{
				{ID: "users:GET /v1/users/{id}", Owner: "users", Service: "users", Method: "GET", Path: "/v1/users/{id}", Public: true},
			},
		}},
		Plugins: Plugins{
			CORS:     &CORS{AllowOrigins: []string{"https://app.example.com", "http://localhost:3000"}, AllowMethods: []string{"GET"}},
			IPFilter: &IPFilter{Allow: []string{"10.0.0.0/8", "::1", "127.0.0.1"}},
			Headers:  &HeaderRules{Set: map[string]string{"X-Gateway": "gwctl"}, Remove: []string{"X-Debug"}},
		},
	}
}

func TestValidateOK(t *testing.T) {
	c := validConfig(testPEM(t))
	if errs := c.Validate(); len(errs) != 0 {
		t.Fatalf("valid config: %v", errs)
	}
}

func TestValidate(t *testing.T) {
	key := testPEM(t)
	route := func(c *Config) *Route { return &c.Owners[0].Routes[1] }
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   []string // "field: substring", all must appear
	}{
		{"owner name", func(c *Config) { c.Owners[0].Name = "" }, []string{"owners[0].name: name is required"}},
		{"owner name chars", func(c *Config) { c.Owners[0].Name = "a b" }, []string{"owners[0].name: invalid name"}},
		{"dup owner", func(c *Config) { c.Owners[1].Name = "shop"; c.Owners[1].Routes[0].Owner = "" }, []string{"owners[1].name: owner \"shop\" is also owners[0]"}},
		{"no urls", func(c *Config) { c.Owners[0].Services[0].URLs = nil }, []string{"owners[0].services[0].urls: at least one"}},
		{"ftp url", func(c *Config) { c.Owners[0].Services[0].URLs[0] = "ftp://x" }, []string{"owners[0].services[0].urls[0]: \"ftp://x\": scheme must be http or https"}},
		{"no host", func(c *Config) { c.Owners[0].Services[0].URLs[1] = "http:///x" }, []string{"owners[0].services[0].urls[1]: \"http:///x\": host is required"}},
		{"query url", func(c *Config) { c.Owners[0].Services[0].URLs[0] = "http://x/?a=b" }, []string{"urls[0]: \"http://x/?a=b\": query and fragment"}},
		{"user url", func(c *Config) { c.Owners[0].Services[0].URLs[0] = "http://u:p@x/" }, []string{"urls[0]: \"http://u:p@x/\": credentials"}},
		{"bad port", func(c *Config) { c.Owners[0].Services[0].URLs[0] = "http://x:99999" }, []string{"urls[0]: \"http://x:99999\": invalid port"}},
		{"dup service", func(c *Config) {
			c.Owners[0].Services = append(c.Owners[0].Services, c.Owners[0].Services[0])
		}, []string{"owners[0].services[1].name: duplicate service"}},
		{"negative timeout", func(c *Config) { c.Owners[0].Services[0].ResponseTimeout = -1 }, []string{"owners[0].services[0].responseTimeout: must not be negative"}},
		{"unknown service", func(c *Config) { route(c).Service = "nope" }, []string{"owners[0].routes[1].service: unknown service \"nope\""}},
		{"service of other owner", func(c *Config) { route(c).Service = "users" }, []string{"owners[0].routes[1].service: unknown service \"users\" in owner \"shop\""}},
		{"lower method", func(c *Config) { route(c).Method = "get" }, []string{"owners[0].routes[1].method: method \"get\" must be upper case"}},
		{"connect method", func(c *Config) { route(c).Method = "CONNECT" }, []string{"owners[0].routes[1].method: method \"CONNECT\" is not allowed"}},
		{"no method", func(c *Config) { route(c).Method = "" }, []string{"owners[0].routes[1].method: method is required"}},
		{"relative path", func(c *Config) { route(c).Path = "v1/orders" }, []string{"owners[0].routes[1].path: path \"v1/orders\" must start with /"}},
		{"trailing slash", func(c *Config) { route(c).Path = "/v1/orders/" }, []string{"owners[0].routes[1].path: path \"/v1/orders/\" has an empty segment"}},
		{"double slash", func(c *Config) { route(c).Path = "/v1//orders" }, []string{"has an empty segment"}},
		{"dot", func(c *Config) { route(c).Path = "/v1/./orders" }, []string{"has a dot segment \".\""}},
		{"dotdot", func(c *Config) { route(c).Path = "/v1/../orders" }, []string{"has a dot segment \"..\""}},
		{"partial param", func(c *Config) { route(c).Path = "/v1/orders/id-{id}" }, []string{"a parameter must be a whole segment"}},
		{"bad param name", func(c *Config) { route(c).Path = "/v1/orders/{1id}" }, []string{"parameter name \"1id\" must match"}},
		{"param name dash", func(c *Config) { route(c).Path = "/v1/orders/{order-id}" }, []string{"parameter name \"order-id\""}},
		{"empty param", func(c *Config) { route(c).Path = "/v1/orders/{}" }, []string{"parameter name \"\""}},
		{"dup param", func(c *Config) { route(c).Path = "/v1/{id}/orders/{id}" }, []string{"repeats parameter {id}"}},
		{"percent", func(c *Config) { route(c).Path = "/v1/or%64ers" }, []string{"percent-encoding is not allowed"}},
		{"space", func(c *Config) { route(c).Path = "/v1/or ders" }, []string{"character ' ' is not allowed"}},
		{"no security", func(c *Config) { route(c).Security = nil }, []string{"owners[0].routes[1].security: route has no security requirement: set public: true"}},
		{"public and security", func(c *Config) { route(c).Public = true }, []string{"owners[0].routes[1].public: a public route cannot have security"}},
		{"empty requirement alone", func(c *Config) { route(c).Security = []Requirement{{}} }, []string{"owners[0].routes[1].security[0]: an empty requirement alone"}},
		{"unknown scheme", func(c *Config) { route(c).Security[0][0].Scheme = "oauth" }, []string{"owners[0].routes[1].security[0][0].scheme: unknown scheme \"oauth\""}},
		{"scheme of other owner", func(c *Config) {
			c.Owners[1].Schemes = []Scheme{{Name: "k2", Type: KeyAuth, Key: &KeyScheme{In: "query", Name: "k"}}}
			route(c).Security[0][0].Scheme = "k2"
		}, []string{"security[0][0].scheme: unknown scheme \"k2\""}},
		{"bad scope", func(c *Config) { route(c).Security[1][0].Scopes = []string{"a b"} }, []string{"owners[0].routes[1].security[1][0].scopes[0]: invalid scope"}},
		{"dup route id", func(c *Config) { c.Owners[1].Routes[0].ID = "get" }, []string{"owners[1].routes[0].id: duplicate route id \"get\" (also owners[0].routes[1], owner \"shop\")"}},
		{"no route id", func(c *Config) { route(c).ID = "" }, []string{"owners[0].routes[1].id: route id is required"}},
		{"route owner mismatch", func(c *Config) { c.Owners[1].Routes[0].Owner = "shop" }, []string{"owners[1].routes[0].owner: route owner \"shop\" differs"}},
		{"equivalent in owner", func(c *Config) {
			c.Owners[0].Routes = append(c.Owners[0].Routes, Route{ID: "get2", Service: "orders", Method: "GET", Path: "/v1/orders/{id}", Public: true})
		}, []string{"owners[0].routes[4].path: GET /v1/orders/{id} is equivalent to GET /v1/orders/{orderId} of route \"get\" (owner \"shop\", owners[0].routes[1])"}},
		{"equivalent across owners", func(c *Config) { c.Owners[1].Routes[0].Path = "/v1/orders/{x}" }, []string{"owners[1].routes[0].path: GET /v1/orders/{x} is equivalent to GET /v1/orders/{orderId} of route \"get\" (owner \"shop\""}},
		{"key in", func(c *Config) { c.Owners[0].Schemes[0].Key.In = "body" }, []string{"owners[0].schemes[0].key.in: must be header, query or cookie, not \"body\""}},
		{"key name", func(c *Config) { c.Owners[0].Schemes[0].Key.Name = "" }, []string{"owners[0].schemes[0].key.name: the key's header"}},
		{"key header name", func(c *Config) { c.Owners[0].Schemes[0].Key.Name = "X Key" }, []string{"owners[0].schemes[0].key.name: \"X Key\" is not a valid header name"}},
		{"key missing", func(c *Config) { c.Owners[0].Schemes[0].Key = nil }, []string{"owners[0].schemes[0].key: key-auth needs key"}},
		{"unknown type", func(c *Config) { c.Owners[0].Schemes[2].Type = "oauth2" }, []string{"owners[0].schemes[2].type: unknown type \"oauth2\""}},
		{"alg none", func(c *Config) { c.Owners[0].Schemes[1].JWT.Issuers[0].Algorithms = []string{"none"} }, []string{"owners[0].schemes[1].jwt.issuers[0].algorithms[0]: \"none\" is never allowed"}},
		{"alg NONE", func(c *Config) { c.Owners[0].Schemes[1].JWT.Issuers[0].Algorithms = []string{"NONE"} }, []string{"algorithms[0]: \"none\" is never allowed"}},
		{"alg unknown", func(c *Config) { c.Owners[0].Schemes[1].JWT.Issuers[0].Algorithms = []string{"RS1"} }, []string{"algorithms[0]: unknown algorithm \"RS1\""}},
		{"no algs", func(c *Config) { c.Owners[0].Schemes[1].JWT.Issuers[0].Algorithms = nil }, []string{"owners[0].schemes[1].jwt.issuers[0].algorithms: at least one"}},
		{"hs no secret", func(c *Config) { c.Owners[0].Schemes[1].JWT.Issuers[1].Secret = "" }, []string{"owners[0].schemes[1].jwt.issuers[1].secret: HS* algorithms need a secret"}},
		{"hs with keys", func(c *Config) { c.Owners[0].Schemes[1].JWT.Issuers[1].PublicKeys = []string{key} }, []string{"owners[0].schemes[1].jwt.issuers[1].publicKeys: HS* algorithms are never accepted with public keys"}},
		{"asym no keys", func(c *Config) { c.Owners[0].Schemes[1].JWT.Issuers[0].PublicKeys = nil }, []string{"owners[0].schemes[1].jwt.issuers[0].publicKeys: asymmetric algorithms need"}},
		{"bad pem", func(c *Config) { c.Owners[0].Schemes[1].JWT.Issuers[0].PublicKeys = []string{"nope"} }, []string{"owners[0].schemes[1].jwt.issuers[0].publicKeys[0]: not a PEM block"}},
		{"bad jwks", func(c *Config) { c.Owners[0].Schemes[1].JWT.Issuers[0].JWKS = []byte(`{"keys":[]}`) }, []string{"jwt.issuers[0].jwks: must be a JWKS document"}},
		{"no issuers", func(c *Config) { c.Owners[0].Schemes[1].JWT.Issuers = nil }, []string{"owners[0].schemes[1].jwt.issuers: at least one issuer"}},
		{"rate zero", func(c *Config) { route(c).Plugins.RateLimit.Requests = 0 }, []string{"owners[0].routes[1].plugins.rateLimit.requests: must be greater than 0"}},
		{"rate window", func(c *Config) { route(c).Plugins.RateLimit.Window = 0 }, []string{"owners[0].routes[1].plugins.rateLimit.window: must be greater than 0"}},
		{"rate by", func(c *Config) { route(c).Plugins.RateLimit.By = "header" }, []string{"plugins.rateLimit.by: must be consumer or ip"}},
		{"body size", func(c *Config) { n := int64(0); route(c).Plugins.MaxBodySize = &n }, []string{"owners[0].routes[1].plugins.maxBodySize: must be greater than 0"}},
		{"cors origin path", func(c *Config) { c.Plugins.CORS.AllowOrigins[0] = "https://app.example.com/" }, []string{"plugins.cors.allowOrigins[0]: \"https://app.example.com/\" is not an origin"}},
		{"cors origin scheme", func(c *Config) { c.Plugins.CORS.AllowOrigins[1] = "app.example.com" }, []string{"plugins.cors.allowOrigins[1]:"}},
		{"cors star creds", func(c *Config) { c.Plugins.CORS.AllowOrigins = []string{"*"}; c.Plugins.CORS.AllowCredentials = true }, []string{"plugins.cors.allowOrigins[0]: \"*\" cannot be combined"}},
		{"cors none", func(c *Config) { c.Plugins.CORS.AllowOrigins = nil }, []string{"plugins.cors.allowOrigins: at least one"}},
		{"cidr", func(c *Config) { c.Plugins.IPFilter.Allow[0] = "10.0.0.0/33" }, []string{"plugins.ipFilter.allow[0]: \"10.0.0.0/33\" is not an IP address or CIDR"}},
		{"deny ip", func(c *Config) { c.Plugins.IPFilter.Deny = []string{"1.2.3"} }, []string{"plugins.ipFilter.deny[0]:"}},
		{"set identity header", func(c *Config) { c.Plugins.Headers.Set["X-Consumer-Id"] = "x" }, []string{"plugins.headers.set: header \"X-Consumer-Id\" is set by the gateway"}},
		{"header value crlf", func(c *Config) { c.Plugins.Headers.Set["X-A"] = "a\r\nb" }, []string{"plugins.headers.set: value of \"X-A\" contains a line break"}},
		{"strip not prefix", func(c *Config) { route(c).StripPrefix = "/v2" }, []string{"owners[0].routes[1].stripPrefix: \"/v2\" is not a leading run"}},
		{"strip partial segment", func(c *Config) { route(c).StripPrefix = "/v1/ord" }, []string{"stripPrefix: \"/v1/ord\" is not a leading run"}},
		{"add prefix slash", func(c *Config) { route(c).AddPrefix = "/x/" }, []string{"owners[0].routes[1].addPrefix: \"/x/\" must start with /"}},
		{"add prefix dots", func(c *Config) { route(c).AddPrefix = "/x/../y" }, []string{"addPrefix: \"/x/../y\" has a dot segment"}},
		{"mock status", func(c *Config) { c.Owners[0].Routes[2].Mock.Status = 99 }, []string{"owners[0].routes[2].mock.status: must be between 200 and 599"}},
		{"many at once", func(c *Config) {
			route(c).Path = "v1"
			route(c).Service = ""
			c.Owners[0].Schemes[0].Key.In = ""
		}, []string{"owners[0].routes[1].path:", "owners[0].routes[1].service: service is required", "owners[0].schemes[0].key.in:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(key)
			tt.mutate(c)
			errs := c.Validate()
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			all := strings.Join(got, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("missing %q in:\n%s", w, all)
				}
			}
		})
	}
}

func TestValidateOptionalAuth(t *testing.T) {
	c := validConfig(testPEM(t))
	c.Owners[0].Routes[1].Security = append(c.Owners[0].Routes[1].Security, Requirement{})
	if errs := c.Validate(); len(errs) != 0 {
		t.Fatal(errs)
	}
}

func TestValidateDeterministic(t *testing.T) {
	c := validConfig(testPEM(t))
	c.Plugins.Headers.Set = map[string]string{"X Bad": "1"}
	c.Owners[0].Routes[0].Path = "x"
	a, b := c.Validate(), c.Validate()
	if len(a) != 2 || len(b) != 2 || a[0] != b[0] || a[1] != b[1] {
		t.Fatalf("%v\n%v", a, b)
	}
}
