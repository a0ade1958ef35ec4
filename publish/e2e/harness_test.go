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

	"github.com/gwctl/gwctl/publish/remote"
)

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

// gw is a running `gwctl gateway`.
type gw struct {
	proxy, admin string // http://127.0.0.1:port
	token        string
	cmd          *exec.Cmd
}

// startGateway runs `gwctl gateway` on free 127.0.0.1 ports with a fresh store.
func startGateway(t testing.TB) *gw {
	t.Helper()
	g := &gw{token: "e2e-admin-token"}
	g.cmd = exec.Command(gwctlBin, "gateway", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
		"--data", filepath.Join(t.TempDir(), "data"), "--drain-timeout", "2s")
	g.cmd.Env = append(os.Environ(), "GWCTL_ADMIN_TOKEN="+g.token)
	stderr, err := g.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = g.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = g.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = g.cmd.Process.Kill()
			<-done
		}
	})
	// The log line "gwctl gateway listening" carries the bound addresses;
	// the rest of the log (access lines) is read and dropped.
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		found := false
		for sc.Scan() {
			var line struct {
				Msg   string `json:"msg"`
				Proxy string `json:"proxy"`
				Admin string `json:"admin"`
			}
			if !found && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "gwctl gateway listening" {
				g.proxy, g.admin = "http://"+line.Proxy, "http://"+line.Admin
				found = true
				ready <- nil
			}
		}
		if !found {
			ready <- errors.New("gateway exited before listening")
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("gateway did not start")
	}
	return g
}

func (g *gw) client(t testing.TB) *remote.Client {
	c, err := remote.New(g.admin, g.token)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// result is one gwctl run.
type result struct {
	code           int
	stdout, stderr string
}

// gwctl runs the binary in dir with the gateway's URL and token in the
// environment (as CI would set them).
func (g *gw) gwctl(t testing.TB, dir string, args ...string) result {
	t.Helper()
	return runIn(t, dir, []string{"GWCTL_GATEWAY=" + g.admin, "GWCTL_TOKEN=" + g.token}, "", args...)
}

func runIn(t testing.TB, dir string, env []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(gwctlBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// upstream is an httptest server that records every request it gets.
type upstream struct {
	name string
	*httptest.Server
	mu   sync.Mutex
	seen []*http.Request
}

func newUpstream(t testing.TB, name string) *upstream {
	u := &upstream{name: name}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		u.mu.Lock()
		u.seen = append(u.seen, r.Clone(context.Background()))
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"upstream":%q,"path":%q}`, name, r.URL.Path)
	}))
	t.Cleanup(u.Close)
	return u
}

// last returns the last request the upstream received.
func (u *upstream) last() *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.seen) == 0 {
		return nil
	}
	return u.seen[len(u.seen)-1]
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.seen)
}

// copyFixture copies testdata/publish/e2e/<name> (or any directory under
// testdata/publish given as a relative path with a slash) into a temporary
// directory the test may change.
func copyFixture(t testing.TB, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "publish", "e2e", name)
	if strings.Contains(name, "/") {
		src = filepath.Join("..", "..", "testdata", "publish", filepath.FromSlash(name))
	}
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	// A .git marks the fixture as a repository root, so gwctl.yaml lookup
	// never climbs out of it.
	if err := os.Mkdir(filepath.Join(dst, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// edit rewrites a fixture file with old replaced by new (which must occur).
func edit(t testing.TB, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// call sends a request through the gateway's proxy and returns the status.
func call(t testing.TB, method, url string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
