package rules

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// expectRE reads the expectations written at the top of a fail.yaml:
//
//	# expect: 12:7 path-normalized
var expectRE = regexp.MustCompile(`^#\s*expect:\s*(\d+):(\d+)\s+(\S+)\s*$`)

// runRule loads one example file and runs one rule on it with its default
// options, returning "line:col id" for every finding.
func runRule(t *testing.T, r rule.Rule, file string) []string {
	t.Helper()
	set, err := spec.Load(context.Background(), []string{file}, spec.Options{})
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	m := r.Meta()
	var got []string
	sink := func(f rule.Finding) {
		if f.Pos.File == "" || f.Pos.Line == 0 {
			t.Errorf("%s: finding without a position: %q", m.ID, f.Message)
		}
		if strings.TrimSpace(f.Message) == "" {
			t.Errorf("%s: finding without a message at %s", m.ID, f.Pos)
		}
		got = append(got, fmt.Sprintf("%d:%d %s", f.Pos.Line, f.Pos.Col, f.Rule))
	}
	if m.Scope == rule.ScopeSet {
		r.Check(rule.NewContext(set, nil, m.ID, m.Severity, m.Defaults(), sink))
	} else {
		for _, d := range set.Docs {
			r.Check(rule.NewContext(set, d, m.ID, m.Severity, m.Defaults(), sink))
		}
	}
	sort.Strings(got)
	return got
}

func readExpectations(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if m := expectRE.FindStringSubmatch(sc.Text()); m != nil {
			want = append(want, fmt.Sprintf("%s:%s %s", m[1], m[2], m[3]))
		}
	}
	sort.Strings(want)
	return want
}

// TestExamples runs every rule on its own failing and passing example: the
// failing one must produce exactly the findings listed in its `# expect:`
// lines, the passing one none.
func TestExamples(t *testing.T) {
	for _, r := range All() {
		id := r.Meta().ID
		t.Run(id, func(t *testing.T) {
			dir := filepath.Join("testdata", id)
			fail := filepath.Join(dir, "fail.yaml")
			want := readExpectations(t, fail)
			if len(want) == 0 {
				t.Fatalf("%s has no `# expect: line:col %s` lines", fail, id)
			}
			if got := runRule(t, r, fail); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s:\ngot findings:\n  %s\nwant:\n  %s", fail, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			if got := runRule(t, r, filepath.Join(dir, "pass.yaml")); len(got) > 0 {
				t.Errorf("%s/pass.yaml should have no findings, got:\n  %s", dir, strings.Join(got, "\n  "))
			}
		})
	}
}

// TestRegistry fails on a rule without examples, summary, fix text or a
// unique, well-formed id.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	idRE := regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	for _, r := range All() {
		m := r.Meta()
		if !idRE.MatchString(m.ID) {
			t.Errorf("rule id %q is not kebab-case", m.ID)
		}
		if seen[m.ID] {
			t.Errorf("duplicate rule id %q", m.ID)
		}
		seen[m.ID] = true
		if strings.TrimSpace(m.Summary) == "" || strings.Contains(m.Summary, "\n") {
			t.Errorf("%s: summary must be one non-empty line", m.ID)
		}
		if strings.TrimSpace(m.Fix) == "" {
			t.Errorf("%s: no fix text", m.ID)
		}
		if m.Severity < rule.Hint || m.Severity > rule.Error {
			t.Errorf("%s: default severity %v", m.ID, m.Severity)
		}
		if m.Family == "" {
			t.Errorf("%s: no family", m.ID)
		}
		for _, o := range m.Options {
			if o.Name == "" || o.Description == "" {
				t.Errorf("%s: option %q lacks a name or description", m.ID, o.Name)
			}
		}
		if _, _, err := Examples(m.ID); err != nil {
			t.Errorf("%s: examples: %v", m.ID, err)
		}
	}
}
