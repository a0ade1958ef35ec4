package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// gwctlBin is the gwctl binary TestMain builds once for the tests that run
// the real thing (exit codes, streams, environment). This package's one
// TestMain: other command tests that need the binary use gwctlBin too.
var gwctlBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gwctl-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	gwctlBin = filepath.Join(dir, "gwctl")
	if runtime.GOOS == "windows" {
		gwctlBin += ".exe"
	}
	// The module root is three levels up; build with the same toolchain and
	// flags (GOFLAGS) the tests run with.
	cmd := exec.Command("go", "build", "-o", gwctlBin, "./cmd/gwctl")
	cmd.Dir = filepath.Join("..", "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building gwctl for the binary tests failed: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

type binResult struct {
	stdout, stderr string
	code           int
}

// runBin runs the built gwctl in dir with env added to a minimal
// environment (no TERM, so nothing looks like a terminal).
func runBin(t *testing.T, dir string, env []string, args ...string) binResult {
	t.Helper()
	cmd := exec.Command(gwctlBin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run gwctl: %v", err)
	}
	return binResult{out.String(), errOut.String(), code}
}

func TestBinaryExitCodesAndStreams(t *testing.T) {
	root := repoRoot(t)
	work := setupWork(t, root, filepath.Join(root, "testdata", "cli", "_none"))
	os.WriteFile(filepath.Join(work, "bad.yaml"), []byte("openapi: 3.0.3\ninfo: [\n"), 0o644)

	tests := []struct {
		name     string
		env      []string
		args     []string
		code     int
		stdout   func(t *testing.T, s string)
		stderrIs string // a substring stderr must hold
	}{
		{name: "clean spec", args: []string{"lint", "specs/orders.yaml"}, code: 0,
			stdout: func(t *testing.T, s string) {
				if s != "" {
					t.Errorf("a clean lint prints no findings on stdout, got %q", s)
				}
			}, stderrIs: "✔ no problems in 1 file"},
		{name: "legacy spec fails", args: []string{"lint", "legacy/billing.yaml"}, code: 1,
			stdout: func(t *testing.T, s string) {
				if !strings.HasPrefix(s, "legacy/billing.yaml:") {
					t.Errorf("findings go to stdout as file:line:col …, got %q", firstLine(s))
				}
				if strings.Contains(s, "problems (") {
					t.Error("the summary belongs on stderr, not stdout")
				}
			}, stderrIs: "✖ "},
		{name: "fail-on never", args: []string{"lint", "--fail-on", "never", "legacy/billing.yaml"}, code: 0, stderrIs: "✖ "},
		{name: "json is stdout only", args: []string{"lint", "--format", "json", "legacy/inventory.json"}, code: 1,
			stdout: func(t *testing.T, s string) {
				var v struct {
					Findings []map[string]any `json:"findings"`
					Summary  map[string]int   `json:"summary"`
				}
				if err := json.Unmarshal([]byte(s), &v); err != nil {
					t.Errorf("stdout is not one JSON document: %v", err)
				}
				if len(v.Findings) == 0 || v.Summary["files"] != 1 {
					t.Errorf("unexpected JSON: %d findings, summary %v", len(v.Findings), v.Summary)
				}
			}},
		{name: "invalid YAML is exit 2 with a position", args: []string{"lint", "bad.yaml"}, code: 2, stderrIs: "bad.yaml:3:1: invalid YAML"},
		{name: "usage error is exit 2", args: []string{"lint", "--nope"}, code: 2, stderrIs: "unknown flag: --nope"},
		{name: "no specs is a usage error", args: []string{"lint"}, code: 2, stderrIs: "nothing to lint"},
		{name: "unknown rule is exit 2", args: []string{"rules", "no-such-rule"}, code: 2, stderrIs: `unknown rule "no-such-rule"`},
		{name: "rules lists on stdout", args: []string{"rules"}, code: 0,
			stdout: func(t *testing.T, s string) {
				if !strings.HasPrefix(s, "ID ") {
					t.Errorf("rules table header missing: %q", firstLine(s))
				}
			}},
		// Even a terminal-looking environment gets no colour when stdout and
		// stderr are pipes, and never with NO_COLOR.
		{name: "no colour when piped", env: []string{"TERM=xterm-256color", "CLICOLOR_FORCE=1"}, args: []string{"lint", "legacy/billing.yaml"}, code: 1},
		{name: "no colour with NO_COLOR", env: []string{"NO_COLOR=1", "TERM=xterm-256color"}, args: []string{"lint", "legacy/billing.yaml"}, code: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBin(t, work, tt.env, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code = %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			if strings.Contains(r.stdout, "\x1b[") || strings.Contains(r.stderr, "\x1b[") {
				t.Error("ANSI escapes in non-TTY output")
			}
			if tt.stdout != nil {
				tt.stdout(t, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.stderrIs) {
				t.Errorf("stderr does not contain %q:\n%s", tt.stderrIs, r.stderr)
			}
		})
	}
}

// TestBinaryFindsConfigInParent runs from a subdirectory: gwctl.yaml is found
// in the parent and its spec globs stay relative to it.
func TestBinaryFindsConfigInParent(t *testing.T) {
	root := repoRoot(t)
	work := setupWork(t, root, filepath.Join(root, "testdata", "cli", "_none"))
	os.WriteFile(filepath.Join(work, "gwctl.yaml"), []byte("specs: [specs/orders.*]\n"), 0o644)
	os.MkdirAll(filepath.Join(work, "sub", "dir"), 0o755)
	r := runBin(t, filepath.Join(work, "sub", "dir"), nil, "lint")
	if r.code != 0 || !strings.Contains(r.stderr, "✔ no problems in 1 file, 4 operations") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
