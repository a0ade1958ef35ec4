package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The CI side of lint with the real binary: --changed-since against a git
// repository made in the test, and --sarif-file next to annotations.

type jsonLint struct {
	Findings []struct {
		Rule    string `json:"rule"`
		File    string `json:"file"`
		Line    int    `json:"line"`
		Pointer string `json:"pointer"`
	} `json:"findings"`
	Summary map[string]int `json:"summary"`
}

func lintJSON(t *testing.T, dir string, args ...string) (jsonLint, binResult) {
	t.Helper()
	r := runBin(t, dir, nil, append([]string{"lint", "--format", "json"}, args...)...)
	var out jsonLint
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("lint %v: stdout is not JSON (exit %d): %v\n%s", args, r.code, err, r.stderr)
	}
	return out, r
}

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=gwctl", "GIT_AUTHOR_EMAIL=gwctl@example.com",
		"GIT_COMMITTER_NAME=gwctl", "GIT_COMMITTER_EMAIL=gwctl@example.com",
		"GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_SYSTEM="+os.DevNull)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func countIn(l jsonLint, file string) int {
	n := 0
	for _, f := range l.Findings {
		if f.File == file {
			n++
		}
	}
	return n
}

func TestBinaryChangedSince(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := repoRoot(t)
	dir := t.TempDir()
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	copyTree(t, filepath.Join(root, "examples", "shop", "specs"), filepath.Join(dir, "specs"))
	legacy, err := os.ReadFile(filepath.Join(root, "testdata", "legacy", "billing.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "specs", "billing.yaml"), legacy, 0o644)
	gitIn(t, dir, "init", "-q", "-b", "main")
	gitIn(t, dir, "add", ".")
	gitIn(t, dir, "commit", "-q", "-m", "specs")

	full, _ := lintJSON(t, dir, "specs")
	if countIn(full, "specs/billing.yaml") == 0 {
		t.Fatal("the legacy spec must have findings for this test to mean anything")
	}

	// Nothing changed: nothing to report, every finding outside the changes.
	got, r := lintJSON(t, dir, "--changed-since", "main", "specs")
	if len(got.Findings) != 0 || r.code != 0 {
		t.Errorf("unchanged tree: %d findings, exit %d\n%s", len(got.Findings), r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "outside the changes") {
		t.Errorf("the summary says how many findings were left out: %s", r.stderr)
	}

	// One operation changes: only its findings, none of the legacy file's.
	orders := filepath.Join(dir, "specs", "orders.yaml")
	b, _ := os.ReadFile(orders)
	if !strings.Contains(string(b), "operationId: createOrder") {
		t.Fatal("examples/shop changed: orders.yaml has no createOrder")
	}
	os.WriteFile(orders, []byte(strings.Replace(string(b), "operationId: createOrder", "operationId: create_order", 1)), 0o644)
	got, r = lintJSON(t, dir, "--changed-since", "main", "specs")
	if len(got.Findings) == 0 || r.code != 1 {
		t.Fatalf("the edited operation's finding is reported and fails: %+v, exit %d\n%s", got.Findings, r.code, r.stderr)
	}
	for _, f := range got.Findings {
		if f.File != "specs/orders.yaml" || !strings.HasPrefix(f.Pointer, "/paths/~1v1~1orders/post") {
			t.Errorf("finding outside the changed operation: %+v", f)
		}
	}
	full, _ = lintJSON(t, dir, "specs")
	// Documents without changes are not checked by per-document rules, so
	// "unchanged" counts only what was found and then left out.
	if u := got.Summary["unchanged"]; u <= 0 || u > len(full.Findings)-len(got.Findings) {
		t.Errorf("unchanged = %d, want 1…%d", u, len(full.Findings)-len(got.Findings))
	}

	// A new, untracked file counts as changed throughout.
	inventory, _ := os.ReadFile(filepath.Join(root, "testdata", "legacy", "inventory.json"))
	os.WriteFile(filepath.Join(dir, "specs", "inventory.json"), inventory, 0o644)
	full, _ = lintJSON(t, dir, "specs")
	got, _ = lintJSON(t, dir, "--changed-since", "main", "specs")
	if n := countIn(got, "specs/inventory.json"); n == 0 || n != countIn(full, "specs/inventory.json") {
		t.Errorf("new file: %d findings, want all %d", n, countIn(full, "specs/inventory.json"))
	}
	if countIn(got, "specs/billing.yaml") != 0 {
		t.Error("the unchanged legacy file must stay quiet")
	}

	// A renamed file counts as changed throughout; the rest stays quiet.
	gitIn(t, dir, "add", ".")
	gitIn(t, dir, "commit", "-q", "-m", "more")
	gitIn(t, dir, "mv", "specs/billing.yaml", "specs/invoices.yaml")
	full, _ = lintJSON(t, dir, "specs")
	got, _ = lintJSON(t, dir, "--changed-since", "HEAD", "specs")
	if n := countIn(got, "specs/invoices.yaml"); n == 0 || n != countIn(full, "specs/invoices.yaml") || n != len(got.Findings) {
		t.Errorf("renamed file: %d of %d findings in it, want all %d and nothing else", n, len(got.Findings), countIn(full, "specs/invoices.yaml"))
	}

	// Mistakes are exit 2 with a clear message.
	r = runBin(t, dir, nil, "lint", "--changed-since", "no-such-branch", "specs")
	if r.code != 2 || !strings.Contains(r.stderr, "--changed-since no-such-branch: unknown git revision") {
		t.Errorf("unknown ref: exit %d, %s", r.code, r.stderr)
	}
}

func TestBinarySARIFFileWithAnnotations(t *testing.T) {
	root := repoRoot(t)
	work := setupWork(t, root, filepath.Join(root, "testdata", "cli", "_none"))
	r := runBin(t, work, nil, "lint", "--format", "github", "--sarif-file", "out/gwctl.sarif", "legacy/inventory.json")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	annotations := strings.Count(r.stdout, "\n")
	data, err := os.ReadFile(filepath.Join(work, "out", "gwctl.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("SARIF file is not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs[0].Results) != annotations || annotations == 0 {
		t.Errorf("SARIF has %d results for %d annotations", len(log.Runs[0].Results), annotations)
	}
}
