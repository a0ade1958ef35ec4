package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// update rewrites the golden files: go test ./cmd/... -update
var update = flag.Bool("update", false, "rewrite testdata/cli/*/{stdout.golden,stderr.golden,exit}")

// repoRoot is the module root, from this package's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s", dir)
	}
	return dir
}

// TestGolden runs every case under testdata/cli through Main, in process.
//
// A case is a directory testdata/cli/<case>/ holding:
//
//	args            the command line, one argument per line (# starts a comment line)
//	files/          optional: copied into the case's working directory
//	stdout.golden   expected stdout
//	stderr.golden   expected stderr
//	exit            expected exit code
//
// Each case runs in a fresh temporary working directory that holds
// testdata/legacy/ as legacy/, testdata/cli/_shared/ at its root, and then the
// case's files/. Streams are buffers (not a TTY), so there is no colour; the
// temporary directory's path is replaced by $WORK. Run with -update to
// rewrite the expectations after a deliberate change (the rule set grows:
// re-run -update and review the diff).
func TestGolden(t *testing.T) {
	root := repoRoot(t)
	casesDir := filepath.Join(root, "testdata", "cli")
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), "_") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(casesDir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			args := readArgs(t, filepath.Join(dir, "args"))
			work := setupWork(t, root, dir)
			t.Chdir(work)

			ios, _, out, errOut := iostreams.Test()
			code := Main(context.Background(), args, ios)

			gotOut := normalize(out.String(), work)
			gotErr := normalize(errOut.String(), work)
			gotExit := strconv.Itoa(code) + "\n"
			if *update {
				writeGolden(t, filepath.Join(dir, "stdout.golden"), gotOut)
				writeGolden(t, filepath.Join(dir, "stderr.golden"), gotErr)
				writeGolden(t, filepath.Join(dir, "exit"), gotExit)
				return
			}
			check := func(name, got string) {
				want, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatalf("%v (run go test ./cmd/internal/cli -run TestGolden -update)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs (run with -update to accept, then review the diff):\n%s", name, firstDiff(got, string(want)))
				}
			}
			check("exit", gotExit)
			check("stdout.golden", gotOut)
			check("stderr.golden", gotErr)
		})
	}
}

// firstDiff shows where got and want part, with a little context.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (got %d lines, want %d)\n", i+1, len(g), len(w))
	for j := max(0, i-2); j < min(len(w), i+3); j++ {
		fmt.Fprintf(&b, "  want %4d: %s\n", j+1, w[j])
	}
	for j := max(0, i-2); j < min(len(g), i+3); j++ {
		fmt.Fprintf(&b, "  got  %4d: %s\n", j+1, g[j])
	}
	return b.String()
}

func readArgs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		args = append(args, line)
	}
	return args
}

// setupWork builds a case's working directory.
func setupWork(t *testing.T, root, caseDir string) string {
	t.Helper()
	work := t.TempDir()
	// Resolve symlinks (macOS /var → /private/var) so $WORK replacement
	// catches every spelling.
	if w, err := filepath.EvalSymlinks(work); err == nil {
		work = w
	}
	copyTree(t, filepath.Join(root, "testdata", "legacy"), filepath.Join(work, "legacy"))
	copyTree(t, filepath.Join(root, "testdata", "cli", "_shared"), work)
	copyTree(t, filepath.Join(caseDir, "files"), work)
	return work
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if _, err := os.Stat(from); os.IsNotExist(err) {
		return
	}
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func normalize(s, work string) string {
	s = strings.ReplaceAll(s, work+string(filepath.Separator), "$WORK/")
	return strings.ReplaceAll(s, work, "$WORK")
}

func writeGolden(t *testing.T, path, content string) {
	t.Helper()
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, []byte(content)) {
		return
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
