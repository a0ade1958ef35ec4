package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/publish/remote"
)

var publishedRE = regexp.MustCompile(`Published revision ([0-9a-f]+)`)

func revisionOf(t *testing.T, r result) string {
	t.Helper()
	m := publishedRE.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no published revision in output:\n%s", r)
	}
	return m[1]
}

func expectCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got:\n%s", code, r)
	}
}

func expectStatus(t *testing.T, method, url string, want int, header ...string) string {
	t.Helper()
	got, body := call(t, method, url, header...)
	if got != want {
		t.Fatalf("%s %s: got %d, want %d: %s", method, url, got, want, body)
	}
	return body
}

// TestPublishRoundTrip publishes the shop fixture, sends real traffic, changes
// one endpoint, rolls back, and checks diff's exit codes along the way.
func TestPublishRoundTrip(t *testing.T) {
	g := startGateway(t)
	orders, catalog := newUpstream(t, "orders"), newUpstream(t, "catalog")
	dir := copyFixture(t, "shop")
	up := []string{"--upstream", "orders=" + orders.URL, "--upstream", "catalog=" + catalog.URL}
	with := func(args ...string) []string { return append(args, up...) }

	// Drift before the first publish; render needs no gateway.
	r := g.gwctl(t, dir, with("diff", "--exit-code")...)
	expectCode(t, r, 1)
	if !strings.Contains(r.stdout, "6 exposed, 0 unchanged") {
		t.Fatalf("diff:\n%s", r)
	}
	expectCode(t, g.gwctl(t, dir, with("render")...), 0)

	// A non-TTY publish without --yes is a usage error and changes nothing.
	expectCode(t, g.gwctl(t, dir, with("publish")...), 2)

	r = g.gwctl(t, dir, with("publish", "--yes")...)
	expectCode(t, r, 0)
	rev1 := revisionOf(t, r)
	if !strings.Contains(r.stderr, "lint: no errors") {
		t.Errorf("lint gate did not run:\n%s", r)
	}
	expectCode(t, g.gwctl(t, dir, with("diff", "--exit-code")...), 0)
	r = g.gwctl(t, dir, with("publish", "--yes")...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "No changes") || strings.Contains(r.stdout, "Published") {
		t.Errorf("second publish was not a no-op:\n%s", r)
	}

	// Consumers: the key is printed once, on stdout.
	r = g.gwctl(t, dir, "consumers", "add", "reader", "--scopes", "orders:read")
	expectCode(t, r, 0)
	reader := strings.TrimSpace(r.stdout)
	r = g.gwctl(t, dir, "consumers", "add", "writer", "--scopes", "orders:read,orders:write", "--key", "writer-key-0123456789")
	expectCode(t, r, 0)
	writer := strings.TrimSpace(r.stdout)
	if reader == "" || writer != "writer-key-0123456789" {
		t.Fatalf("keys %q %q", reader, writer)
	}
	r = g.gwctl(t, dir, "consumers", "list")
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "reader") || !strings.Contains(r.stdout, "writer") || strings.Contains(r.stdout, reader) || strings.Contains(r.stdout, writer) {
		t.Errorf("consumers list shows a secret or misses a consumer:\n%s", r)
	}

	// Traffic.
	p := g.proxy
	expectStatus(t, "GET", p+"/v1/orders", 200, "X-API-Key", reader, "X-Consumer-Name", "forged")
	seen := orders.last()
	if seen.URL.Path != "/v1/orders" || seen.Header.Get("X-API-Key") != "" || seen.Header.Get("X-Consumer-Name") != "reader" ||
		!strings.Contains(seen.Header.Get("X-Consumer-Scopes"), "orders:read") {
		t.Errorf("upstream saw path %q, headers %v", seen.URL.Path, seen.Header)
	}
	expectStatus(t, "GET", p+"/v1/orders", 401)
	expectStatus(t, "GET", p+"/v1/orders", 401, "X-API-Key", "wrong-key-0123456789")
	expectStatus(t, "POST", p+"/v1/orders", 403, "X-API-Key", reader)
	expectStatus(t, "POST", p+"/v1/orders", 200, "X-API-Key", writer)
	expectStatus(t, "GET", p+"/v1/orders/42", 200, "X-API-Key", reader)
	expectStatus(t, "GET", p+"/v1/unlisted", 404, "X-API-Key", reader)
	expectStatus(t, "DELETE", p+"/v1/orders/42", 405, "X-API-Key", reader)
	expectStatus(t, "GET", p+"/v1/health", 200)
	expectStatus(t, "GET", p+"/v1/products", 401)
	expectStatus(t, "GET", p+"/v1/products", 200, "X-API-Key", reader)
	before := catalog.count()
	expectStatus(t, "GET", p+"/v1/products/7", 200)
	if catalog.count() != before+1 || catalog.last().URL.Path != "/v1/products/7" {
		t.Errorf("catalog upstream did not get the public call")
	}

	// A change: one endpoint stops being public. Only it changes.
	catalogSpec := filepath.Join(dir, "specs", "catalog.yaml")
	edit(t, catalogSpec, "      security: []\n      x-public: true\n      x-public-reason: read by anonymous clients\n", "      security:\n        - apiKey: []\n")
	edit(t, catalogSpec, `        "404": {$ref: "#/components/responses/Problem"}`+"\n        default",
		`        "401": {$ref: "#/components/responses/Problem"}`+"\n"+`        "403": {$ref: "#/components/responses/Problem"}`+"\n"+`        "404": {$ref: "#/components/responses/Problem"}`+"\n        default")
	r = g.gwctl(t, dir, with("diff", "--exit-code", "--format", "json")...)
	expectCode(t, r, 1)
	if !strings.Contains(r.stdout, `"kind": "auth-strengthened"`) || !strings.Contains(r.stdout, `"unchanged": 5`) {
		t.Fatalf("diff of one change:\n%s", r)
	}
	r = g.gwctl(t, dir, with("publish", "--yes")...)
	expectCode(t, r, 0)
	rev2 := revisionOf(t, r)
	if !strings.Contains(r.stdout, "1 auth-strengthened, 5 unchanged") {
		t.Errorf("publish summary:\n%s", r)
	}
	expectStatus(t, "GET", p+"/v1/products/7", 401)
	expectStatus(t, "GET", p+"/v1/products/7", 200, "X-API-Key", reader)
	expectStatus(t, "GET", p+"/v1/orders", 200, "X-API-Key", reader)

	// Rollback: the list shows both revisions, the live one marked.
	r = g.gwctl(t, dir, "rollback")
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, rev1) || !regexp.MustCompile(rev2+`.*live`).MatchString(r.stdout) {
		t.Fatalf("rollback list:\n%s", r)
	}
	expectCode(t, g.gwctl(t, dir, "rollback", rev1), 2) // no TTY, no --yes
	r = g.gwctl(t, dir, "rollback", rev1, "--yes")
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "auth-weakened") || !strings.Contains(r.stdout, "Rolled owner shop back to revision "+rev1) {
		t.Errorf("rollback output:\n%s", r)
	}
	expectStatus(t, "GET", p+"/v1/products/7", 200)
	expectCode(t, g.gwctl(t, dir, with("diff", "--exit-code")...), 1)
	expectCode(t, g.gwctl(t, dir, "rollback", "0000000000000000", "--yes"), 3)

	// A scope change applies to the same key at once.
	expectCode(t, g.gwctl(t, dir, "consumers", "update", "reader", "--scopes", "orders:read,orders:write"), 0)
	expectStatus(t, "POST", p+"/v1/orders", 200, "X-API-Key", reader)
	expectCode(t, g.gwctl(t, dir, "consumers", "update", "reader", "--scopes", "orders:read"), 0)
	expectStatus(t, "POST", p+"/v1/orders", 403, "X-API-Key", reader)

	// Key rotation: add a key, move over, revoke the old one by its id.
	r = g.gwctl(t, dir, "consumers", "add-key", "writer")
	expectCode(t, r, 0)
	writer2 := strings.TrimSpace(r.stdout)
	if writer2 == "" || writer2 == writer {
		t.Fatalf("add-key printed %q", writer2)
	}
	expectStatus(t, "POST", p+"/v1/orders", 200, "X-API-Key", writer2)
	expectStatus(t, "POST", p+"/v1/orders", 200, "X-API-Key", writer)
	r = g.gwctl(t, dir, "consumers", "list", "--format", "json")
	expectCode(t, r, 0)
	var listed []config.Consumer
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil {
		t.Fatal(err)
	}
	oldID := ""
	for _, c := range listed {
		for _, cr := range c.Credentials {
			if c.Name == "writer" && cr.KeyHint != "" && strings.HasPrefix(writer, cr.KeyHint) {
				oldID = cr.ID
			}
		}
	}
	if oldID == "" {
		t.Fatalf("no credential of writer matches its first key:\n%s", r.stdout)
	}
	expectCode(t, g.gwctl(t, dir, "consumers", "revoke", "writer", oldID), 0)
	expectStatus(t, "POST", p+"/v1/orders", 401, "X-API-Key", writer)
	expectStatus(t, "POST", p+"/v1/orders", 200, "X-API-Key", writer2)
	expectCode(t, g.gwctl(t, dir, "consumers", "revoke", "writer", oldID), 3)
	writer = writer2

	// Removing a consumer revokes its key at once.
	expectCode(t, g.gwctl(t, dir, "consumers", "rm", "reader"), 0)
	expectStatus(t, "GET", p+"/v1/orders", 401, "X-API-Key", reader)
	expectStatus(t, "POST", p+"/v1/orders", 200, "X-API-Key", writer)
}

// TestRacingPublishes makes two publishes read the same base revision (a
// proxy in front of the real admin API holds both GET /admin/config answers
// until both have arrived): exactly one lands, the other exits 3 with the 412
// message.
func TestRacingPublishes(t *testing.T) {
	g := startGateway(t)
	a, b := newUpstream(t, "a"), newUpstream(t, "b")
	dir := copyFixture(t, "shop")

	target, _ := url.Parse(g.admin)
	rp := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	arrived, release := 0, make(chan struct{})
	barrier := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/admin/config" {
			mu.Lock()
			arrived++
			if arrived == 2 {
				close(release)
			}
			mu.Unlock()
			<-release
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(barrier.Close)

	results := make([]result, 2)
	var wg sync.WaitGroup
	for i, u := range []*upstream{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runIn(t, dir, []string{"GWCTL_GATEWAY=" + barrier.URL, "GWCTL_TOKEN=" + g.token}, "",
				"publish", "--yes", "--skip-lint", "--upstream", "orders="+u.URL, "--upstream", "catalog="+u.URL)
		}()
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, r := range results {
		switch {
		case r.code == 0 && strings.Contains(r.stdout, "Published revision"):
			ok++
		case r.code == 3 && strings.Contains(r.stderr, "another publish landed first; run gwctl diff again"):
			conflict++
		default:
			t.Errorf("unexpected result:\n%s", r)
		}
	}
	if ok != 1 || conflict != 1 {
		t.Fatalf("want one publish and one 412, got %d and %d", ok, conflict)
	}
}

// TestOwnership: a second owner cannot take over or remove the first owner's
// routes; its own, separate routes publish fine.
func TestOwnership(t *testing.T) {
	g := startGateway(t)
	up := newUpstream(t, "shop")
	dir := copyFixture(t, "shop")
	expectCode(t, g.gwctl(t, dir, "publish", "--yes", "--upstream", "orders="+up.URL, "--upstream", "catalog="+up.URL), 0)

	other := copyFixture(t, "billing")
	// billing's spec claims GET /v1/orders/{id}, which shop serves.
	r := g.gwctl(t, other, "diff", "--exit-code", "--upstream", "billing="+up.URL)
	expectCode(t, r, 1)
	if !strings.Contains(r.stdout, `claimed by owner "shop" as /v1/orders/{orderId}`) {
		t.Fatalf("diff does not show the conflict:\n%s", r)
	}
	r = g.gwctl(t, other, "publish", "--yes", "--skip-lint", "--upstream", "billing="+up.URL)
	expectCode(t, r, 3)

	// The gateway itself refuses it too, naming both owners (409), even for
	// a client that skips the diff.
	c := g.client(t)
	cfg, rev, err := c.GetConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	shop := cfg.Owner("shop")
	steal := config.Owner{Name: "billing", Services: shop.Services, Schemes: shop.Schemes, Routes: append([]config.Route(nil), shop.Routes...)}
	for i := range steal.Routes {
		steal.Routes[i].Owner, steal.Routes[i].ID = "billing", ""
	}
	_, err = c.PutOwner(context.Background(), &steal, rev)
	var oc *remote.OwnerConflictError
	if !errors.As(err, &oc) || !strings.Contains(err.Error(), "shop") || !strings.Contains(err.Error(), "billing") {
		t.Fatalf("stealing shop's routes: %v", err)
	}

	// Without the colliding operation billing publishes; shop is untouched.
	edit(t, filepath.Join(other, "specs", "billing.yaml"), "  /orders/{id}:", "  /invoices/{id}:")
	r = g.gwctl(t, other, "publish", "--yes", "--skip-lint", "--upstream", "billing="+up.URL)
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "2 exposed, 0 unchanged") {
		t.Errorf("billing publish:\n%s", r)
	}
	expectCode(t, g.gwctl(t, dir, "diff", "--exit-code", "--upstream", "orders="+up.URL, "--upstream", "catalog="+up.URL), 0)
	expectStatus(t, "GET", g.proxy+"/v1/health", 200)
	expectStatus(t, "GET", g.proxy+"/v1/invoices/1", 200)

	// shop's section is exactly as it published it.
	cfg, _, err = c.GetConfig(context.Background())
	if err != nil || cfg.Owner("shop") == nil || len(cfg.Owner("shop").Routes) != 6 {
		t.Fatalf("shop's section changed: %v %+v", err, cfg)
	}
}

// TestLintGate: lint errors block a publish (exit 1) unless --skip-lint.
func TestLintGate(t *testing.T) {
	g := startGateway(t)
	up := newUpstream(t, "shop")
	dir := copyFixture(t, "shop")
	edit(t, filepath.Join(dir, "specs", "orders.yaml"), "  version: 1.0.0\n", "  version: latest\n")
	args := []string{"publish", "--yes", "--upstream", "orders=" + up.URL, "--upstream", "catalog=" + up.URL}
	r := g.gwctl(t, dir, args...)
	expectCode(t, r, 1)
	if !strings.Contains(r.stderr, "specs/orders.yaml:") || !strings.Contains(r.stderr, "--skip-lint") {
		t.Errorf("lint gate output:\n%s", r)
	}
	r = g.gwctl(t, dir, append(args, "--skip-lint")...)
	expectCode(t, r, 0)
	if !strings.Contains(r.stderr, "lint: skipped (--skip-lint)") {
		t.Errorf("skip not logged:\n%s", r)
	}
}

// TestRemoteFailures: unreachable gateway and a refused token exit 3.
func TestRemoteFailures(t *testing.T) {
	g := startGateway(t)
	dir := copyFixture(t, "shop")
	up := []string{"--upstream", "orders=http://127.0.0.1:9", "--upstream", "catalog=http://127.0.0.1:9"}
	r := runIn(t, dir, []string{"GWCTL_GATEWAY=" + g.admin, "GWCTL_TOKEN=wrong"}, "", append([]string{"diff"}, up...)...)
	expectCode(t, r, 3)
	if !strings.Contains(r.stderr, "refused the admin token") {
		t.Errorf("auth refused:\n%s", r)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL
	srv.Close()
	r = runIn(t, dir, []string{"GWCTL_GATEWAY=" + dead}, "", append([]string{"publish", "--yes", "--skip-lint"}, up...)...)
	expectCode(t, r, 3)
	if !strings.Contains(r.stderr, "unreachable") {
		t.Errorf("unreachable:\n%s", r)
	}
	// Bad input is 2 even when the gateway is down.
	expectCode(t, runIn(t, dir, []string{"GWCTL_GATEWAY=" + dead}, "", "diff", "--upstream", "nonsense"), 2)
}

// TestNoDriftAfterPublish: what the gateway stores and serves back compares
// equal to what was rendered, for JWT schemes with secrets, owner defaults
// and x-gateway plugins too (no perpetual drift).
func TestNoDriftAfterPublish(t *testing.T) {
	g := startGateway(t)
	dir := copyFixture(t, "cli/_project")
	env := []string{"GWCTL_GATEWAY=" + g.admin, "GWCTL_TOKEN=" + g.token, "SHOP_JWT_SECRET=0123456789abcdef0123456789abcdef"}
	expectCode(t, runIn(t, dir, env, "", "publish", "--yes", "--skip-lint"), 0)
	r := runIn(t, dir, env, "", "diff", "--exit-code")
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, "No changes") {
		t.Errorf("diff after publish:\n%s", r)
	}
}
