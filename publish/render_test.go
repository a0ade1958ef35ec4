package publish_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/lint/spec"
	"github.com/gwctl/gwctl/publish"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/publish")

const renderDir = "../testdata/publish/render"

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func int64p(v int64) *int64 { return &v }

// renderCases: each directory under testdata/publish/render holds specs and
// the golden output: want.json (the rendered owner) or want.errors.
var renderCases = []struct {
	name string
	opts publish.Options
}{
	{"security", publish.Options{
		Owner:    "shop",
		Services: map[string]publish.ServiceOptions{"orders": {Upstream: []string{"http://orders.internal:8080"}}},
		Auth: publish.Auth{JWT: map[string]publish.JWT{
			"bearer": {Issuer: "https://auth.example.com", Audiences: []string{"shop"}, SecretEnv: "ORDERS_JWT_SECRET", ScopesClaim: "scp"},
			"oauth":  {Issuer: "https://login.example.com", JWKSFile: "../schemes/keys/jwks.json"},
		}},
		Getenv: env(map[string]string{"ORDERS_JWT_SECRET": "an-hmac-secret-of-at-least-32-bytes!"}),
	}},
	{"basepath", publish.Options{
		Owner: "people",
		Services: map[string]publish.ServiceOptions{
			"users": {Upstream: []string{"http://users.internal"}},
			"files": {Upstream: []string{"http://files.internal"}, ConnectTimeout: time.Second},
		},
	}},
	{"xgateway", publish.Options{
		Owner: "stock",
		Services: map[string]publish.ServiceOptions{
			"reports": {Upstream: []string{"http://reports.internal"}, StripPrefix: "/reports", ResponseTimeout: 5 * time.Second},
		},
		Defaults: publish.Defaults{
			Timeouts:    &config.Timeouts{Connect: config.Duration(3 * time.Second), Response: config.Duration(20 * time.Second)},
			RateLimit:   &config.RateLimit{Requests: 1000, Window: config.Duration(time.Minute)},
			MaxBodySize: int64p(1 << 20),
		},
	}},
	{"schemes", publish.Options{
		Owner:    "accounts",
		Services: map[string]publish.ServiceOptions{"accounts": {Upstream: []string{"https://accounts.internal"}}},
		Auth: publish.Auth{
			JWT: map[string]publish.JWT{
				"oauth":  {Issuer: "https://auth.example.com", PublicKeyFiles: []string{"keys/ed25519.pub.pem"}},
				"oidc":   {Issuer: "https://auth.example.com", JWKSFile: "keys/jwks.json", Algorithms: []string{"ES256"}, Audiences: []string{"accounts", "admin"}},
				"bearer": {Issuer: "dev", SecretEnv: "DEV_SECRET"},
			},
			Basic: map[string]publish.Basic{"basic": {Realm: "accounts"}},
		},
		Getenv: env(map[string]string{"DEV_SECRET": "dev-secret-dev-secret-dev-secret-dev"}),
	}},
	{"mock", publish.Options{Owner: "zoo", Mock: publish.MockMissing}},
	{"refused", publish.Options{Owner: "files"}},
	{"errors", publish.Options{
		Owner: "broken",
		Auth: publish.Auth{JWT: map[string]publish.JWT{
			"short":    {Issuer: "x", SecretEnv: "SHORT"},
			"unset":    {Issuer: "x", SecretEnv: "UNSET"},
			"both":     {Issuer: "x", SecretEnv: "SHORT", PublicKeyFiles: []string{"../schemes/keys/ed25519.pub.pem"}},
			"noissuer": {SecretEnv: "SHORT"},
		}},
		Getenv: env(map[string]string{"SHORT": "short"}),
	}},
}

func loadDir(t testing.TB, dir string) *spec.Set {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	set, err := spec.Load(context.Background(), []string{abs}, spec.Options{WorkDir: abs})
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return set
}

func renderCase(t *testing.T, name string, opts publish.Options) []byte {
	t.Helper()
	dir := filepath.Join(renderDir, name)
	set := loadDir(t, dir)
	opts.BaseDir = dir
	owner, errs := publish.Render(set, opts)
	if len(errs) == 0 {
		errs = publish.Check(owner)
	}
	if len(errs) > 0 {
		var b strings.Builder
		for _, e := range errs {
			b.WriteString(e.Error() + "\n")
		}
		return []byte(b.String())
	}
	b, err := json.MarshalIndent(owner, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestRenderGolden(t *testing.T) {
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			got := renderCase(t, tc.name, tc.opts)
			want := "want.json"
			if !bytes.HasPrefix(got, []byte("{")) {
				want = "want.errors"
			}
			golden(t, filepath.Join(renderDir, tc.name, want), got)
			// Deterministic: the same input renders the same bytes.
			if again := renderCase(t, tc.name, tc.opts); !bytes.Equal(got, again) {
				t.Errorf("second render differs")
			}
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./publish -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./publish -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
