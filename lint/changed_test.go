package lint

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

func TestParseUnifiedDiff(t *testing.T) {
	diff := `diff --git a/specs/a.yaml b/specs/a.yaml
index 1111111..2222222 100644
--- a/specs/a.yaml
+++ b/specs/a.yaml
@@ -3 +3 @@ info:
-  version: 1.0.0
+  version: 1.1.0
@@ -10,2 +10,0 @@ paths:
-      summary: x
-      tags: [y]
@@ -20,0 +19,3 @@
+a
+b
+c
diff --git a/old.yaml b/old.yaml
deleted file mode 100644
--- a/old.yaml
+++ /dev/null
@@ -1,2 +0,0 @@
-x
-y
diff --git "a/sp\303\251c s.yaml" "b/sp\303\251c s.yaml"
--- "a/sp\303\251c s.yaml"
+++ "b/sp\303\251c s.yaml"
@@ -0,0 +1 @@
+z
`
	got := parseUnifiedDiff(diff)
	want := map[string]*fileChange{
		"specs/a.yaml": {ranges: []lineRange{{3, 3}, {10, 10}, {19, 21}}},
		"spéc s.yaml":  {ranges: []lineRange{{1, 1}}},
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range got {
			t.Logf("%q: %+v", k, *v)
		}
		t.Errorf("parseUnifiedDiff mismatch")
	}
}

const shop = `openapi: 3.0.3
info:
  title: Shop
  version: 1.0.0
paths:
  /orders:
    get:
      summary: List
      description: |
        Several
        lines.
      responses: {'200': {description: ok}}
    post:
      responses: {'201': {description: ok}}
  /orders/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      responses: {'200': {description: ok}}
components:
  schemas:
    Order:
      type: object
    Item: {type: object}
`

func TestUnits(t *testing.T) {
	set := load(t, map[string]string{"shop.yaml": shop})
	got := units(set.Docs[0].File)
	want := []unit{
		{6, 14},  // /orders
		{7, 12},  // get (its block scalar included)
		{13, 14}, // post
		{15, 18}, // /orders/{id}
		{17, 18}, // get
		{21, 22}, // Order
		{23, 24}, // Item (to the end of the file)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("units = %v, want %v", got, want)
	}
}

// everyOp reports at every method key, path key and schema name, plus the
// document's info.
func everyOp() fakeRule {
	return fakeRule{
		meta: rule.Meta{ID: "every", Summary: "x", Severity: rule.Error, Family: "url"},
		check: func(ctx *rule.Context) {
			root := ctx.Doc.Root
			ctx.Report(root.KeyNode("info"), "info")
			root.Get("paths").Each(func(p string, k, item *spec.Node) {
				ctx.Report(k, "path %s", p)
				item.Each(func(m string, mk, _ *spec.Node) {
					if spec.IsMethod(m) {
						ctx.Report(mk, "op %s %s", m, p)
					}
				})
			})
			root.Path("components", "schemas").Each(func(n string, k, _ *spec.Node) { ctx.Report(k, "schema %s", n) })
		},
	}
}

func messages(fs []rule.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Message)
	}
	return out
}

func TestChangedFilter(t *testing.T) {
	set := load(t, map[string]string{"shop.yaml": shop, "other.yaml": strings.Replace(shop, "Shop", "Other", 1)})
	shopPath := set.Docs[1].File.Path
	if !strings.HasSuffix(shopPath, "shop.yaml") {
		t.Fatalf("docs order: %s", shopPath)
	}
	tests := []struct {
		name  string
		lines map[string][][2]int
		want  []string
	}{
		{"one line in a block scalar of GET /orders", map[string][][2]int{shopPath: {{10, 10}}},
			[]string{"info", "path /orders", "op get /orders"}},
		{"a deletion after the last line of POST /orders", map[string][][2]int{shopPath: {{14, 14}}},
			[]string{"info", "path /orders", "op post /orders"}},
		{"a path-item parameter", map[string][][2]int{shopPath: {{16, 16}}},
			[]string{"info", "path /orders/{id}"}},
		{"a schema", map[string][][2]int{shopPath: {{22, 22}}},
			[]string{"info", "schema Order"}},
		{"only info: file-level findings", map[string][][2]int{shopPath: {{3, 3}}},
			[]string{"info"}},
		{"a new file: everything in it", map[string][][2]int{shopPath: nil},
			[]string{"info", "path /orders", "op get /orders", "op post /orders", "path /orders/{id}", "op get /orders/{id}", "schema Order", "schema Item"}},
		{"nothing changed", map[string][][2]int{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Run(context.Background(), set, []rule.Rule{everyOp()}, Options{Changed: NewChanges("main", tt.lines)})
			if got := messages(res.Findings); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findings %q, want %q", got, tt.want)
			}
			if res.Summary.Unchanged+len(res.Findings) != 8 && len(tt.lines) > 0 {
				t.Errorf("unchanged %d + reported %d must be every finding of the changed document", res.Summary.Unchanged, len(res.Findings))
			}
		})
	}
}

func TestChangedSkipsUntouchedDocuments(t *testing.T) {
	set := load(t, map[string]string{"shop.yaml": shop, "other.yaml": shop})
	var docs []string
	probe := fakeRule{
		meta:  rule.Meta{ID: "probe", Summary: "x", Severity: rule.Error, Family: "url"},
		check: func(ctx *rule.Context) { docs = append(docs, filepath.Base(ctx.Doc.File.Name)) },
	}
	shopPath := set.Docs[1].File.Path
	Run(context.Background(), set, []rule.Rule{probe}, Options{Workers: 1, Changed: NewChanges("main", map[string][][2]int{shopPath: {{8, 8}}})})
	if !reflect.DeepEqual(docs, []string{"shop.yaml"}) {
		t.Errorf("document rules ran on %v, want only shop.yaml", docs)
	}
}

func TestCrossSpecFindingKeptWhenRelatedPlaceChanged(t *testing.T) {
	set := load(t, map[string]string{"shop.yaml": shop, "other.yaml": shop})
	pair := fakeRule{
		meta: rule.Meta{ID: "pair", Summary: "x", Severity: rule.Error, Family: "xspec", Scope: rule.ScopeSet},
		check: func(ctx *rule.Context) {
			a := ctx.Set.Docs[0].Root.Path("paths", "/orders").Parent().KeyNode("/orders")
			b := ctx.Set.Docs[1].Root.Path("paths", "/orders").Parent().KeyNode("/orders")
			ctx.ReportRelated(a, []*spec.Node{b}, "same route")
		},
	}
	shopPath := set.Docs[1].File.Path
	res := Run(context.Background(), set, []rule.Rule{pair}, Options{Changed: NewChanges("main", map[string][][2]int{shopPath: {{8, 8}}})})
	if len(res.Findings) != 1 || res.Findings[0].Pos.File != "other.yaml" {
		t.Errorf("a finding in other.yaml about shop.yaml's changed route is kept: %v", lines(res.Findings))
	}
}

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestGitChanges(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q", "-b", "main")
	os.MkdirAll(filepath.Join(dir, "specs"), 0o755)
	os.WriteFile(filepath.Join(dir, "specs", "shop.yaml"), []byte(shop), 0o644)
	os.WriteFile(filepath.Join(dir, "specs", "gone.yaml"), []byte(shop), 0o644)
	os.WriteFile(filepath.Join(dir, "specs", "moved.yaml"), []byte(shop), 0o644)
	gitRun(t, dir, "add", ".")
	gitRun(t, dir, "commit", "-q", "-m", "one")

	os.WriteFile(filepath.Join(dir, "specs", "shop.yaml"), []byte(strings.Replace(shop, "summary: List", "summary: List orders", 1)), 0o644)
	os.Remove(filepath.Join(dir, "specs", "gone.yaml"))
	gitRun(t, dir, "mv", "specs/moved.yaml", "specs/renamed.yaml")
	os.WriteFile(filepath.Join(dir, "specs", "new.yaml"), []byte(shop), 0o644)

	c, err := GitChanges(context.Background(), filepath.Join(dir, "specs"), "main")
	if err != nil {
		t.Fatal(err)
	}
	real := func(name string) string { return c.real(filepath.Join(dir, "specs", name)) }
	if fc := c.files[real("shop.yaml")]; fc == nil || !reflect.DeepEqual(fc.ranges, []lineRange{{8, 8}}) {
		t.Errorf("shop.yaml changes = %+v, want line 8", fc)
	}
	if fc := c.files[real("renamed.yaml")]; fc == nil || len(fc.ranges) != 1 || fc.ranges[0] != (lineRange{1, 23}) {
		t.Errorf("a renamed file counts as changed throughout: %+v", fc)
	}
	if fc := c.files[real("new.yaml")]; fc == nil || !fc.whole {
		t.Errorf("an untracked file counts as changed throughout: %+v", fc)
	}
	if c.Files() != 3 {
		t.Errorf("changed files = %d, want 3 (shop, renamed, new)", c.Files())
	}

	if _, err := GitChanges(context.Background(), dir, "no-such-ref"); err == nil || !strings.Contains(err.Error(), "unknown git revision") {
		t.Errorf("unknown ref: %v", err)
	}
	if _, err := GitChanges(context.Background(), dir, "--output=/tmp/x"); err == nil || !strings.Contains(err.Error(), "not a git revision") {
		t.Errorf("option-like ref: %v", err)
	}
	if _, err := GitChanges(context.Background(), t.TempDir(), "main"); err == nil || !strings.Contains(err.Error(), "needs a git repository") {
		t.Errorf("outside a repository: %v", err)
	}
}
