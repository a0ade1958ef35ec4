package gwctl_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/lint/spec"
)

// TestActionDefinition checks action.yml, the composite GitHub Action: its
// inputs and the commands its steps run. .ci/action-local.sh runs the same
// steps against examples/shop and a local gateway.
func TestActionDefinition(t *testing.T) {
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	root, err := spec.ParseYAML("action.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"name", "description"} {
		if root.Str(k) == "" {
			t.Errorf("action.yml needs %s", k)
		}
	}

	inputs := root.Get("inputs")
	want := map[string]string{ // input → default
		"specs": "", "config": "", "fail-on": "error", "mode": "lint", "gateway": "", "token": "",
		"version": "latest", "sarif-file": "gwctl.sarif", "baseline": "", "changed-only": "false", "environment": "",
	}
	var names []string
	inputs.Each(func(name string, k, v *spec.Node) {
		names = append(names, name)
		if v.Str("description") == "" {
			t.Errorf("%s: input %s has no description", k.Pos(), name)
		}
		if v.Bool("required") {
			t.Errorf("%s: input %s must be optional", k.Pos(), name)
		}
		def, ok := want[name]
		if !ok {
			t.Errorf("%s: unexpected input %s (add it to this test)", k.Pos(), name)
		} else if got := v.Get("default"); got == nil || got.Value != def {
			t.Errorf("%s: input %s default = %v, want %q", k.Pos(), name, got, def)
		}
	})
	for name := range want {
		if !slices.Contains(names, name) {
			t.Errorf("action.yml lacks input %s", name)
		}
	}
	if root.Path("outputs", "sarif-file", "value").IsNull() {
		t.Error("action.yml must output sarif-file")
	}

	runs := root.Get("runs")
	if runs.Str("using") != "composite" {
		t.Fatalf("runs.using = %q, want composite", runs.Str("using"))
	}
	steps := runs.Get("steps").Items()
	byName := map[string]*spec.Node{}
	for _, s := range steps {
		byName[s.Str("name")] = s
		if s.Has("run") && s.Str("shell") != "bash" {
			t.Errorf("%s: step %q needs shell: bash", s.Pos(), s.Str("name"))
		}
		// Inputs reach scripts through env, never pasted into them.
		if strings.Contains(s.Str("run"), "${{") {
			t.Errorf("%s: step %q expands ${{ }} inside run: use env", s.Pos(), s.Str("name"))
		}
	}
	step := func(name string) *spec.Node {
		s := byName[name]
		if s == nil {
			t.Fatalf("action.yml has no step %q", name)
		}
		return s
	}
	if u := step("Set up Go").Str("uses"); !strings.HasPrefix(u, "actions/setup-go@") {
		t.Errorf("Go is set up with actions/setup-go, got %q", u)
	}
	install := step("Install gwctl")
	if !strings.Contains(install.Str("run"), `go install "github.com/gwctl/gwctl/cmd/gwctl@${GWCTL_VERSION}"`) ||
		install.Path("env", "GWCTL_VERSION").Value != "${{ inputs.version }}" {
		t.Errorf("install step:\n%s", install.Str("run"))
	}

	lint := step("Lint")
	if lint.Str("id") != "lint" {
		t.Error("the lint step has id lint (the sarif-file output refers to it)")
	}
	for _, frag := range []string{"lint --format github", `--fail-on "$FAIL_ON"`, `--sarif-file "$SARIF_FILE"`, `--baseline "$BASELINE"`,
		`--changed-since "origin/$BASE_REF"`, `"sarif-file=$SARIF_FILE" >> "$GITHUB_OUTPUT"`} {
		if !strings.Contains(lint.Str("run"), frag) {
			t.Errorf("lint step lacks %s", frag)
		}
	}
	if lint.Has("if") {
		t.Error("lint runs in every mode")
	}

	diff := step("Diff against the gateway")
	if !strings.Contains(diff.Str("run"), "diff --exit-code") {
		t.Errorf("diff step:\n%s", diff.Str("run"))
	}
	if cond := diff.Str("if"); !strings.Contains(cond, "github.event_name == 'pull_request'") || !strings.Contains(cond, "inputs.mode == 'diff'") || !strings.Contains(cond, "inputs.mode == 'publish'") {
		t.Errorf("diff runs on pull requests in diff and publish modes: if: %s", cond)
	}
	pub := step("Publish to the gateway")
	if !strings.Contains(pub.Str("run"), "publish --yes") {
		t.Errorf("publish step:\n%s", pub.Str("run"))
	}
	if cond := pub.Str("if"); !strings.Contains(cond, "inputs.mode == 'publish'") || !strings.Contains(cond, "github.event_name == 'push'") ||
		!strings.Contains(cond, "github.event.repository.default_branch") {
		t.Errorf("publish runs on pushes to the default branch in publish mode: if: %s", cond)
	}
	for _, s := range []*spec.Node{diff, pub} {
		for _, v := range []string{"GWCTL_GATEWAY", "GWCTL_TOKEN"} {
			if s.Path("env", v).IsNull() {
				t.Errorf("step %q passes %s from the inputs", s.Str("name"), v)
			}
		}
	}

	// Every input is used by some step.
	ref := regexp.MustCompile(`\$\{\{\s*inputs\.([a-z-]+)\s*\}\}`)
	used := map[string]bool{}
	for _, m := range ref.FindAllStringSubmatch(string(data), -1) {
		used[m[1]] = true
	}
	for _, s := range steps {
		for _, m := range regexp.MustCompile(`inputs\.([a-z-]+)`).FindAllStringSubmatch(s.Str("if"), -1) {
			used[m[1]] = true
		}
	}
	for name := range want {
		if !used[name] {
			t.Errorf("input %s is never used", name)
		}
	}
}

// TestPreCommitHooks checks .pre-commit-hooks.yaml.
func TestPreCommitHooks(t *testing.T) {
	data, err := os.ReadFile(".pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	root, err := spec.ParseYAML(".pre-commit-hooks.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	hooks := root.Items()
	if len(hooks) == 0 {
		t.Fatal("no hooks")
	}
	h := hooks[0]
	if h.Str("id") != "gwctl-lint" || h.Str("language") != "golang" || h.Str("entry") != "gwctl lint" || !h.Bool("pass_filenames") {
		t.Errorf("hook = id %q language %q entry %q pass_filenames %v", h.Str("id"), h.Str("language"), h.Str("entry"), h.Bool("pass_filenames"))
	}
	files, err := regexp.Compile(h.Str("files"))
	if err != nil {
		t.Fatalf("files is not a regexp: %v", err)
	}
	for name, match := range map[string]bool{
		"openapi.yaml": true, "specs/orders.yaml": true, "api/openapi.json": true, "services/billing/openapi.yml": true,
		"specs/orders.openapi.yaml": true, "gwctl.yaml": false, "action.yml": false, ".github/workflows/ci.yaml": false,
		"package.json": false, "README.md": false, "docs/api.yaml.md": false,
	} {
		if files.MatchString(name) != match {
			t.Errorf("files regexp on %s = %v, want %v", name, !match, match)
		}
	}
}
