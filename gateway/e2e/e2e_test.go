// Package e2e runs the real gwctl binary as a gateway: publish through the
// admin API with raw HTTP, traffic through the proxy, restarts, kill -9 and
// graceful shutdown.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwctl/gwctl/gateway/config"
)

const token = "e2e-admin-token-0123456789"

// gwctlBin is the binary TestMain builds.
var gwctlBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gwctl-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gwctlBin = filepath.Join(dir, "gwctl")
	build := exec.Command("go", "build", "-o", gwctlBin, "github.com/gwctl/gwctl/cmd/gwctl")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build gwctl:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cleanEnv is the process environment without any GWCTL_ variable, so the
// tests decide every token themselves.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GWCTL_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// gw is one running `gwctl gateway`.
type gw struct {
	t       *testing.T
	cmd     *exec.Cmd
	proxy   string // http://host:port
	admin   string
	token   string
	logs    *lockedBuffer
	done    chan struct{}
	waitErr error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startGateway runs `gwctl gateway` on free loopback ports with dataDir and
// waits until the admin API answers.
func startGateway(t *testing.T, dataDir string, env []string, args ...string) *gw {
	t.Helper()
	g := &gw{t: t, logs: &lockedBuffer{}, done: make(chan struct{})}
	all := append([]string{"gateway", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--data", dataDir, "--drain-timeout", "10s"}, args...)
	g.cmd = exec.Command(gwctlBin, all...)
	g.cmd.Env = cleanEnv(env...)
	stderr, err := g.cmd.StderrPipe()
	require.NoError(t, err)
	g.cmd.Stdout = g.logs
	require.NoError(t, g.cmd.Start())

	ready := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			g.logs.Write(append(line, '\n'))
			var rec struct{ Msg, Proxy, Admin string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "gwctl gateway listening" {
				select {
				case ready <- [2]string{rec.Proxy, rec.Admin}:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	go func() {
		g.waitErr = g.cmd.Wait()
		close(g.done)
	}()
	t.Cleanup(func() {
		select {
		case <-g.done:
		default:
			g.cmd.Process.Kill()
			<-g.done
		}
		if t.Failed() {
			t.Logf("gateway log:\n%s", g.logs.String())
		}
	})

	select {
	case addrs := <-ready:
		g.proxy, g.admin = "http://"+addrs[0], "http://"+addrs[1]
	case <-g.done:
		t.Fatalf("gateway exited before listening: %v\n%s", g.waitErr, g.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("gateway did not log its addresses in time:\n%s", g.logs.String())
	}
	g.token = clientToken(t, dataDir, env, args)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := g.adminDo("GET", "/admin/health", nil)
		if r.status == 200 {
			break
		}
		require.True(t, time.Now().Before(deadline), "admin health: %d %s", r.status, r.body)
		time.Sleep(20 * time.Millisecond)
	}
	return g
}

// clientToken finds the admin token the way a client on this machine
// would: --admin-token-file, else GWCTL_ADMIN_TOKEN, else the generated
// <data>/admin-token.
func clientToken(t *testing.T, dataDir string, env, args []string) string {
	t.Helper()
	for i, a := range args {
		if a == "--admin-token-file" && i+1 < len(args) {
			b, err := os.ReadFile(args[i+1])
			require.NoError(t, err)
			return strings.TrimSpace(string(b))
		}
	}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GWCTL_ADMIN_TOKEN="); ok && v != "" {
			return v
		}
	}
	b, err := os.ReadFile(filepath.Join(dataDir, "admin-token"))
	require.NoError(t, err, "no token given: the gateway must have generated one")
	return strings.TrimSpace(string(b))
}

// signal sends sig and waits for the exit code.
func (g *gw) stop(sig syscall.Signal) int {
	g.t.Helper()
	require.NoError(g.t, g.cmd.Process.Signal(sig))
	select {
	case <-g.done:
	case <-time.After(30 * time.Second):
		g.t.Fatalf("gateway did not exit after %v", sig)
	}
	return g.cmd.ProcessState.ExitCode()
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

var client = &http.Client{Timeout: 20 * time.Second}

func (g *gw) adminDo(method, path string, body any, headers ...string) resp {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(g.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, g.admin+path, rd)
	require.NoError(g.t, err)
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(g.t, req)
}

func (g *gw) proxyDo(method, path string, headers ...string) resp {
	g.t.Helper()
	req, err := http.NewRequest(method, g.proxy+path, nil)
	require.NoError(g.t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(g.t, req)
}

func send(t *testing.T, req *http.Request) resp {
	t.Helper()
	res, err := client.Do(req)
	if err != nil {
		return resp{status: -1, body: []byte(err.Error())}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func (g *gw) liveConfig() (config.Config, string) {
	g.t.Helper()
	r := g.adminDo("GET", "/admin/config", nil)
	require.Equal(g.t, 200, r.status, "%s", r.body)
	var c config.Config
	require.NoError(g.t, json.Unmarshal(r.body, &c))
	return c, r.header.Get("ETag")
}

func (g *gw) publish(o config.Owner) config.PublishResult {
	g.t.Helper()
	_, etag := g.liveConfig()
	r := g.adminDo("PUT", "/admin/owners/"+o.Name, o, "If-Match", etag)
	require.Equal(g.t, 200, r.status, "%s", r.body)
	var res config.PublishResult
	require.NoError(g.t, json.Unmarshal(r.body, &res))
	return res
}

// recorder is an upstream that remembers every request.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newUpstream(t *testing.T, h http.HandlerFunc) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r.Clone(context.Background()))
		rec.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) last() *http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		return nil
	}
	return r.reqs[len(r.reqs)-1]
}

func shopOwner(upstream string) config.Owner {
	return config.Owner{
		Name:     "shop",
		Services: []config.Service{{Name: "orders", URLs: []string{upstream}}},
		Schemes:  []config.Scheme{{Name: "apiKey", Type: config.KeyAuth, Key: &config.KeyScheme{In: "header", Name: "X-Api-Key"}}},
		Routes: []config.Route{
			{Service: "orders", Method: "GET", Path: "/v1/orders/{orderId}", Security: []config.Requirement{{{Scheme: "apiKey", Scopes: []string{"orders:read"}}}}},
			{Service: "orders", Method: "POST", Path: "/v1/orders/{orderId}", Security: []config.Requirement{{{Scheme: "apiKey", Scopes: []string{"orders:write"}}}}},
			{Service: "orders", Method: "GET", Path: "/v1/slow", Public: true},
		},
	}
}

func TestProxyAuthAndPersistence(t *testing.T) {
	up := newUpstream(t, nil)
	data := t.TempDir()
	g := startGateway(t, data, []string{"GWCTL_ADMIN_TOKEN=" + token})

	pub := g.publish(shopOwner(up.URL))
	require.True(t, pub.Changed)

	r := g.adminDo("POST", "/admin/consumers", config.ConsumerRequest{Name: "mobile-app", Scopes: []string{"orders:read"}, KeyAuth: true})
	require.Equal(t, 201, r.status, "%s", r.body)
	var created config.ConsumerCreated
	require.NoError(t, json.Unmarshal(r.body, &created))
	key := created.Key
	require.NotEmpty(t, key)

	t.Run("200 with key: identity headers, no key upstream", func(t *testing.T) {
		r := g.proxyDo("GET", "/v1/orders/42", "X-Api-Key", key, "X-Consumer-Name", "spoofed", "X-Consumer-Id", "spoofed")
		require.Equal(t, 200, r.status, "%s", r.body)
		got := up.last()
		assert.Equal(t, "/v1/orders/42", got.URL.Path)
		assert.Empty(t, got.Header.Get("X-Api-Key"))
		assert.Equal(t, "mobile-app", got.Header.Get("X-Consumer-Name"))
		assert.Equal(t, created.Consumer.ID, got.Header.Get("X-Consumer-Id"))
		assert.Equal(t, "orders:read", got.Header.Get("X-Consumer-Scopes"))
		assert.NotContains(t, fmt.Sprint(got.Header), key)
	})
	t.Run("401 without key", func(t *testing.T) {
		r := g.proxyDo("GET", "/v1/orders/42")
		assert.Equal(t, 401, r.status)
		assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	})
	t.Run("403 without scope", func(t *testing.T) {
		assert.Equal(t, 403, g.proxyDo("POST", "/v1/orders/42", "X-Api-Key", key).status)
	})
	t.Run("404 unlisted", func(t *testing.T) {
		assert.Equal(t, 404, g.proxyDo("GET", "/v1/customers", "X-Api-Key", key).status)
	})
	t.Run("405 with Allow", func(t *testing.T) {
		r := g.proxyDo("DELETE", "/v1/orders/42", "X-Api-Key", key)
		assert.Equal(t, 405, r.status)
		assert.Equal(t, "GET, POST", r.header.Get("Allow"))
	})
	t.Run("status names this node and its revision", func(t *testing.T) {
		r := g.adminDo("GET", "/admin/status", nil)
		require.Equal(t, 200, r.status)
		var st config.Status
		require.NoError(t, json.Unmarshal(r.body, &st))
		require.Len(t, st.Nodes, 1)
		assert.Equal(t, pub.Revision, st.Nodes[0].Revision)
	})
	assert.NotContains(t, g.logs.String(), key, "the key never reaches the log")
	assert.NotContains(t, g.logs.String(), token, "the admin token never reaches the log")

	require.Equal(t, 0, g.stop(syscall.SIGTERM))

	t.Run("restart serves the same config and consumers", func(t *testing.T) {
		g2 := startGateway(t, data, []string{"GWCTL_ADMIN_TOKEN=" + token})
		c, etag := g2.liveConfig()
		assert.Equal(t, pub.Revision, c.Revision)
		assert.Equal(t, `"`+pub.Revision+`"`, etag)
		assert.Equal(t, 200, g2.proxyDo("GET", "/v1/orders/7", "X-Api-Key", key).status)
		assert.Equal(t, 401, g2.proxyDo("GET", "/v1/orders/7").status)
		require.Equal(t, 0, g2.stop(syscall.SIGINT))
	})
}

func TestGeneratedAdminToken(t *testing.T) {
	data := t.TempDir()
	g := startGateway(t, data, nil)
	path := filepath.Join(data, "admin-token")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	tok := strings.TrimSpace(string(b))
	require.GreaterOrEqual(t, len(tok), 32)
	assert.NotContains(t, g.logs.String(), tok, "the token itself is never printed")
	assert.Contains(t, g.logs.String(), path, "the log says where it is")

	assert.Equal(t, tok, g.token)
	assert.Equal(t, 200, g.adminDo("GET", "/admin/health", nil).status)
	g.token = "wrong"
	assert.Equal(t, 401, g.adminDo("GET", "/admin/health", nil).status)
	require.Equal(t, 0, g.stop(syscall.SIGTERM))

	// A restart keeps the same token, so clients keep working.
	g2 := startGateway(t, data, nil)
	assert.Equal(t, tok, g2.token)
	assert.Equal(t, 200, g2.adminDo("GET", "/admin/health", nil).status)
	g2.stop(syscall.SIGTERM)
}

func TestAdminTokenFile(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(file, []byte("  from-file-token-123456\n"), 0o600))
	g := startGateway(t, data, []string{"GWCTL_ADMIN_TOKEN=from-env-token"}, "--admin-token-file", file)
	assert.Equal(t, "from-file-token-123456", g.token)
	assert.Equal(t, 200, g.adminDo("GET", "/admin/health", nil).status, "the file wins over the environment")
	g.stop(syscall.SIGTERM)
}

func TestRefusesExposedAdminWithoutToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		t.Run(addr, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			cmd := exec.Command(gwctlBin, "gateway", "--listen", "127.0.0.1:0", "--admin-listen", addr, "--data", data)
			cmd.Env = cleanEnv()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			require.True(t, errors.As(err, &exit), "want exit 2, got %v\n%s", err, stderr.String())
			assert.Equal(t, 2, exit.ExitCode())
			assert.Contains(t, stderr.String(), "GWCTL_ADMIN_TOKEN")
			assert.Contains(t, stderr.String(), "refusing")
			_, statErr := os.Stat(data)
			assert.True(t, os.IsNotExist(statErr), "nothing created before refusing")
		})
	}
}

func TestBadFlagsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"gateway", "--listen", "nonsense"},
		{"gateway", "--log-level", "loud"},
		{"gateway", "--drain-timeout", "0s"},
		{"gateway", "extra-arg"},
	} {
		cmd := exec.Command(gwctlBin, args...)
		cmd.Env = cleanEnv()
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "%v: %v\n%s", args, err, out)
		assert.Equal(t, 2, exit.ExitCode(), "%v: %s", args, out)
	}
}

func TestSIGTERMDrainsInFlight(t *testing.T) {
	arrived := make(chan struct{}, 1)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		time.Sleep(1500 * time.Millisecond)
		fmt.Fprint(w, "slow and complete")
	})
	g := startGateway(t, t.TempDir(), []string{"GWCTL_ADMIN_TOKEN=" + token})
	g.publish(shopOwner(up.URL))

	result := make(chan resp, 1)
	go func() { result <- g.proxyDo("GET", "/v1/slow") }()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow request never reached the upstream")
	}
	start := time.Now()
	require.NoError(t, g.cmd.Process.Signal(syscall.SIGTERM))

	r := <-result
	assert.Equal(t, 200, r.status, "%s", r.body)
	assert.Equal(t, "slow and complete", string(r.body))
	select {
	case <-g.done:
	case <-time.After(15 * time.Second):
		t.Fatal("gateway did not exit after draining")
	}
	assert.Equal(t, 0, g.cmd.ProcessState.ExitCode(), "%s", g.logs.String())
	assert.Less(t, time.Since(start), 10*time.Second)
	// Nothing is listening any more.
	r = g.proxyDo("GET", "/v1/slow")
	assert.Equal(t, -1, r.status)
}

// TestKill9DuringPublishes kills the gateway while publishes land, then
// restarts it: it must serve one complete revision (whose content hashes to
// its id), never lose an acknowledged publish (the live revision is the last
// acknowledged one or the one in flight), and the admin API and the proxy
// agree on it.
func TestKill9DuringPublishes(t *testing.T) {
	up := newUpstream(t, nil)
	data := t.TempDir()
	delays := []time.Duration{50 * time.Millisecond, 170 * time.Millisecond, 333 * time.Millisecond}
	if testing.Short() {
		delays = delays[:1]
	}
	for round, delay := range delays {
		g := startGateway(t, data, []string{"GWCTL_ADMIN_TOKEN=" + token})

		var (
			mu       sync.Mutex
			acked    string // last revision a 200 confirmed
			inFlight string // revision of the publish not yet answered
			landed   int    // publishes confirmed this round
		)
		stopPub := make(chan struct{})
		var pubWG sync.WaitGroup
		pubWG.Add(1)
		go func() {
			defer pubWG.Done()
			for i := 0; ; i++ {
				select {
				case <-stopPub:
					return
				default:
				}
				req, _ := http.NewRequest("GET", g.admin+"/admin/config", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(req)
				if err != nil {
					return
				}
				var live config.Config
				err = json.NewDecoder(res.Body).Decode(&live)
				res.Body.Close()
				if err != nil {
					return
				}
				o := numberedOwner(up.URL, round*1000+i)
				mu.Lock()
				inFlight = live.WithOwner(o).Revision
				mu.Unlock()
				b, _ := json.Marshal(o)
				req, _ = http.NewRequest("PUT", g.admin+"/admin/owners/bulk", bytes.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("If-Match", res.Header.Get("ETag"))
				res, err = client.Do(req)
				if err != nil {
					return
				}
				var pr config.PublishResult
				derr := json.NewDecoder(res.Body).Decode(&pr)
				res.Body.Close()
				if res.StatusCode == 200 && derr == nil {
					mu.Lock()
					acked, landed = pr.Revision, landed+1
					mu.Unlock()
				}
			}
		}()
		time.Sleep(delay)
		require.NoError(t, g.cmd.Process.Signal(syscall.SIGKILL))
		<-g.done
		close(stopPub)
		pubWG.Wait()

		g2 := startGateway(t, data, []string{"GWCTL_ADMIN_TOKEN=" + token})
		c, etag := g2.liveConfig()
		t.Logf("round %d: %d publishes confirmed before kill -9; live after restart %s (last confirmed %s, in flight %s)",
			round, landed, c.Revision, acked, inFlight)
		assert.Equal(t, `"`+c.Revision+`"`, etag)
		assert.Equal(t, c.ComputeRevision(), c.Revision, "round %d: the served config is complete (its content hashes to its id)", round)
		if acked != "" {
			assert.Contains(t, []string{acked, inFlight}, c.Revision, "round %d: a confirmed publish survives kill -9", round)
		}
		if o := c.Owner("bulk"); o != nil {
			require.NotEmpty(t, o.Routes)
			r := g2.proxyDo("GET", o.Routes[0].Path)
			assert.Equal(t, 200, r.status, "round %d: a route of the live revision is served: %s", round, r.body)
		}
		var st config.Status
		r := g2.adminDo("GET", "/admin/status", nil)
		require.NoError(t, json.Unmarshal(r.body, &st))
		assert.Equal(t, c.Revision, st.Nodes[0].Revision, "the proxy serves what the admin API reports")
		require.Equal(t, 0, g2.stop(syscall.SIGTERM))
	}
}

// numberedOwner is a 50-route owner whose content differs with n.
func numberedOwner(upstream string, n int) config.Owner {
	o := config.Owner{
		Name:     "bulk",
		Services: []config.Service{{Name: "bulk", URLs: []string{upstream}}},
	}
	for i := range 50 {
		p := fmt.Sprintf("/bulk/v%d/r%d", n, i)
		o.Routes = append(o.Routes, config.Route{ID: config.RouteID("bulk", "GET", p), Owner: "bulk", Service: "bulk", Method: "GET", Path: p, Public: true})
	}
	return o
}
