package e2e

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lines collects a stream's lines for waitFor.
type lines struct {
	mu   sync.Mutex
	text strings.Builder
}

func (l *lines) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l.mu.Lock()
		l.text.WriteString(sc.Text() + "\n")
		l.mu.Unlock()
	}
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.String()
}

// waitFor waits until re matches the output and returns its submatches.
func (l *lines) waitFor(t *testing.T, re *regexp.Regexp, what string) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(l.String()); m != nil {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; output so far:\n%s", what, l)
	return nil
}

// TestDev runs `gwctl dev` on a spec without upstreams: routes answer from
// the examples, the printed key and token work, a spec edit is published
// again, and SIGINT stops it cleanly.
func TestDev(t *testing.T) {
	dir := copyFixture(t, "dev")
	cmd := exec.Command(gwctlBin, "dev", "specs", "--listen", "127.0.0.1:0", "--poll", "100ms")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out, errs lines
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); out.read(stdout) }()
	go func() { defer wg.Done(); errs.read(stderr) }()
	exited := false
	t.Cleanup(func() {
		if !exited {
			_ = cmd.Process.Kill()
			wg.Wait()
			_ = cmd.Wait()
		}
	})

	proxy := out.waitFor(t, regexp.MustCompile(`Gateway: +(http://\S+)`), "the gateway URL")[1]
	key := out.waitFor(t, regexp.MustCompile(`Dev API key: (\S+)`), "the dev key")[1]
	token := out.waitFor(t, regexp.MustCompile(`Dev token: +(\S+)`), "the dev token")[1]
	curl := out.waitFor(t, regexp.MustCompile(`curl -i -H 'X-API-Key: \S+' (\S+)`), "a curl for a secured endpoint")[1]
	if curl != proxy+"/api/pets" {
		t.Errorf("secured curl URL = %s", curl)
	}

	if body := expectStatus(t, "GET", proxy+"/api/pets", 200, "X-API-Key", key); body != `{"items":[{"id":1,"name":"Rex"}]}` {
		t.Errorf("mocked body = %s", body)
	}
	expectStatus(t, "GET", proxy+"/api/pets", 200, "Authorization", "Bearer "+token)
	expectStatus(t, "GET", proxy+"/api/pets", 401)
	expectStatus(t, "POST", proxy+"/api/pets", 201, "Authorization", "Bearer "+token)
	expectStatus(t, "POST", proxy+"/api/pets", 401, "X-API-Key", key)
	expectStatus(t, "GET", proxy+"/api/status", 200)

	// Edit the spec: the change is published and shown as a plan.
	edit(t, filepath.Join(dir, "specs", "pets.yaml"), "example: {status: ok}", "example: {status: changed}")
	out.waitFor(t, regexp.MustCompile(`(?s)change detected|mock response changed`), "the re-publish")
	errs.waitFor(t, regexp.MustCompile(`change detected`), "the change notice")
	out.waitFor(t, regexp.MustCompile(`(?s)Published revision.*Published revision`), "the second publish")
	if body := expectStatus(t, "GET", proxy+"/api/status", 200); body != `{"status":"changed"}` {
		t.Errorf("after the edit: %s", body)
	}

	// A new scope: the dev consumer gets it in place, its key unchanged.
	edit(t, filepath.Join(dir, "specs", "pets.yaml"), "        - bearer: [pets:write]\n", "        - apiKey: [pets:admin]\n")
	errs.waitFor(t, regexp.MustCompile(`dev consumer now has scopes \[[^\]]*pets:admin`), "the scope update")
	expectStatus(t, "POST", proxy+"/api/pets", 201, "X-API-Key", key)

	// A broken spec is reported and the last good routes keep serving.
	edit(t, filepath.Join(dir, "specs", "pets.yaml"), "      security: []\n", "      security: [{nope: []}]\n")
	errs.waitFor(t, regexp.MustCompile(`security scheme "nope" is not defined`), "the render error")
	expectStatus(t, "GET", proxy+"/api/status", 200)

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	err := cmd.Wait()
	exited = true
	if err != nil {
		t.Fatalf("dev did not exit cleanly: %v\n%s", err, errs.String())
	}
	if !strings.Contains(errs.String(), "gwctl dev: stopped") {
		t.Errorf("stderr:\n%s", errs.String())
	}
}
