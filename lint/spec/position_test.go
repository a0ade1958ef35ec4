package spec

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPositions spot-checks file:line:col and JSON pointers in YAML (block
// and flow style, quoting, merge keys, a $ref to a path item) and JSON (with
// multi-byte characters before a node: columns count characters).
func TestPositions(t *testing.T) {
	tests := []struct {
		file    string
		pointer string
		key     bool   // check the key node instead of the value
		pos     string // line:col
		value   string // scalar value, if a scalar
	}{
		{"load/positions.yaml", "", false, "1:1", ""},
		{"load/positions.yaml", "/openapi", false, "1:10", "3.0.3"},
		{"load/positions.yaml", "/openapi", true, "1:1", "openapi"},
		{"load/positions.yaml", "/info", false, "2:7", ""},
		{"load/positions.yaml", "/info/title", true, "2:8", "title"},
		{"load/positions.yaml", "/info/title", false, "2:15", "Pos"},
		{"load/positions.yaml", "/info/version", false, "2:31", "1"},
		{"load/positions.yaml", "/paths/~1a~1{id}", true, "7:3", "/a/{id}"},
		{"load/positions.yaml", "/paths/~1a~1{id}/get/deprecated", false, "10:19", "true"},
		// Merged in by `<<: *defaults`: the position of the anchored original.
		{"load/positions.yaml", "/paths/~1a~1{id}/get/description", false, "4:16", "shared"},
		{"load/positions.yaml", "/paths/~1a~1{id}/get/tags", false, "11:13", ""},
		{"load/positions.yaml", "/paths/~1a~1{id}/get/tags/0", false, "11:14", "one"},
		{"load/positions.yaml", "/paths/~1a~1{id}/get/tags/1", false, "11:19", "two"},
		{"load/positions.yaml", "/paths/~1a~1{id}/get/tags/2", false, "11:26", "three"},
		{"load/positions.yaml", "/paths/~1a~1{id}/get/responses/200", true, "12:19", "200"},
		{"load/positions.yaml", "/paths/~1a~1{id}/get/responses/200/description", false, "12:40", "ok"},
		{"load/positions.yaml", "/paths/~1b/$ref", false, "14:11", "#/paths/~1a~1%7Bid%7D"},
		{"load/positions.yaml", "/x-multi", false, "15:10", "line one\nline two\n"},
		{"load/positions.yaml", "/x-list/0", false, "19:5", "plain"},
		{"load/positions.yaml", "/x-list/1", false, "20:5", ""},
		{"load/positions.yaml", "/x-list/1/other", false, "21:12", "2"},
		{"load/positions.json", "", false, "1:1", ""},
		{"load/positions.json", "/openapi", true, "2:3", "openapi"},
		{"load/positions.json", "/openapi", false, "2:14", "3.1.0"},
		{"load/positions.json", "/info", false, "3:11", ""},
		{"load/positions.json", "/info/title", false, "3:21", "☃☃"},
		{"load/positions.json", "/info/version", true, "3:27", "version"},
		{"load/positions.json", "/info/version", false, "3:38", "1"},
		{"load/positions.json", "/x-list", false, "4:13", ""},
		{"load/positions.json", "/x-list/2", false, "4:22", "-3e2"},
		{"load/positions.json", "/x-list/4", false, "4:34", "null"},
		{"load/positions.json", "/x-list/5", false, "4:40", "é\n"},
		{"load/positions.json", "/paths/~1a~0b", true, "5:13", "/a~b"},
	}
	sets := map[string]*Set{}
	for _, tt := range tests {
		name := tt.file + "#" + tt.pointer
		if tt.key {
			name += " (key)"
		}
		t.Run(name, func(t *testing.T) {
			set := sets[tt.file]
			if set == nil {
				set = mustLoad(t, tt.file)
				sets[tt.file] = set
			}
			root := set.Docs[0].Root
			n, err := walkPointer(root, tt.pointer)
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Pointer(); got != tt.pointer {
				t.Errorf("Pointer() = %q", got)
			}
			if tt.key {
				_, n = n.Key()
			}
			if got := strconv.Itoa(n.Line) + ":" + strconv.Itoa(n.Col); got != tt.pos {
				t.Errorf("position %s, want %s", got, tt.pos)
			}
			if n.Pos().File != tt.file {
				t.Errorf("file %q", n.Pos().File)
			}
			if tt.value != "" && n.Value != tt.value {
				t.Errorf("value %q, want %q", n.Value, tt.value)
			}
		})
	}
}

func TestScalarTags(t *testing.T) {
	set := mustLoad(t, "load/positions.json")
	var got []string
	for _, it := range set.Docs[0].Root.Get("x-list").Items() {
		got = append(got, it.Tag)
	}
	if strings.Join(got, " ") != "!!int !!float !!float !!bool !!null !!str" {
		t.Errorf("tags %v", got)
	}
	want := []any{"1", "2.5", "-3e2", true, nil, "é\n"}
	for i, v := range set.Docs[0].Root.Get("x-list").Interface().([]any) {
		if s, ok := v.(interface{ String() string }); ok {
			v = s.String()
		}
		if v != want[i] {
			t.Errorf("item %d = %#v, want %#v", i, v, want[i])
		}
	}
}

// TestEveryNode checks every node of every loader fixture (and GitHub's
// spec, when present): its pointer leads back to it, its parent holds it,
// and the source text at its line:col is where it starts.
func TestEveryNode(t *testing.T) {
	// The fixtures' specs, and every file they reference.
	paths, err := Discover([]string{filepath.Join(fixtures, "load")})
	if err != nil {
		t.Fatal(err)
	}
	if !testing.Short() {
		if p := githubSpecPath(); p != "" {
			paths = append(paths, p)
		}
	}
	set, err := Load(context.Background(), paths, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Files()) < 15 {
		t.Fatalf("only %d files", len(set.Files()))
	}
	for _, f := range set.Files() {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		count := 0
		var walk func(n *Node)
		walk = func(n *Node) {
			count++
			checkNode(t, f, lines, n, false)
			for i, k := range n.Keys {
				checkNode(t, f, lines, k, true)
				if k.Parent() != n || n.Values[i].Parent() != n {
					t.Fatalf("%s: wrong parent under %s", n.Pos(), n.Pointer())
				}
			}
			for _, v := range n.Values {
				if v.Parent() != n {
					t.Fatalf("%s: wrong parent under %s", n.Pos(), n.Pointer())
				}
				walk(v)
			}
		}
		walk(f.Root)
		if p, _ := walkPointer(f.Root, f.Root.Pointer()); p != f.Root {
			t.Errorf("%s: root pointer", f.Name)
		}
		t.Logf("%s: %d nodes", f.Name, count)
	}
}

func checkNode(t *testing.T, f *File, lines []string, n *Node, key bool) {
	t.Helper()
	if n.File() != f {
		t.Fatalf("%s: node of another file", n.Pos())
	}
	if !key {
		if got, err := walkPointer(f.Root, n.Pointer()); err != nil || got != n {
			t.Fatalf("%s: pointer %q leads to %v (%v)", n.Pos(), n.Pointer(), got.Pos(), err)
		}
	}
	if n.Line < 1 || n.Line > len(lines) {
		t.Fatalf("%s: line out of range", n.Pos())
	}
	line := []rune(lines[n.Line-1])
	if n.Col < 1 || n.Col > len(line) {
		t.Fatalf("%s: column out of range", n.Pos())
	}
	at := string(line[n.Col-1:])
	ok := false
	switch n.Kind {
	case MappingNode:
		ok = strings.HasPrefix(at, "{") || strings.HasPrefix(at, "&") || (f.Format == "yaml" && len(n.Keys) > 0 && at != "")
	case SequenceNode:
		ok = strings.HasPrefix(at, "[") || strings.HasPrefix(at, "-") || strings.HasPrefix(at, "&")
	case ScalarNode:
		switch {
		case f.Format == "json" && n.Tag == "!!str":
			raw := rawJSONString(at)
			ok = strings.HasPrefix(at, `"`) && (raw == n.Value || strings.Contains(raw, `\`))
		default:
			ok = strings.HasPrefix(at, n.Value) || strings.HasPrefix(at, `"`) || strings.HasPrefix(at, `'`) ||
				strings.HasPrefix(at, "|") || strings.HasPrefix(at, ">") || strings.HasPrefix(at, "&") || strings.HasPrefix(at, "!")
		}
	}
	if !ok {
		t.Fatalf("%s: %s node %q (%s) but the text there is %q", n.Pos(), kindText(n.Kind), n.Value, n.Pointer(), at)
	}
}

// rawJSONString returns the text of the JSON string that s starts with,
// escapes as written.
func rawJSONString(s string) string {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return s[1:i]
		}
	}
	return ""
}

func kindText(k Kind) string {
	return map[Kind]string{ScalarNode: "scalar", MappingNode: "mapping", SequenceNode: "sequence"}[k]
}

// githubSpecPath is GitHub's REST description if it was fetched (see
// bench/lint.sh), else "".
func githubSpecPath() string {
	p := os.Getenv("GWCTL_GITHUB_SPEC")
	if p == "" {
		p = filepath.Join("..", "..", "bench", ".work", "package", "generated", "api.github.com.json")
	}
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// TestMergeKeys: YAML merge keys follow the YAML 1.1 merge spec: the
// mapping's own keys win wherever they are written, earlier merge sources
// win over later ones, merged keys come after the own keys, and a repeated
// own key is still an error.
func TestMergeKeys(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"x: &x {a: 1}\ny: &y {a: 2, b: 2}\nm: {<<: [*x, *y], c: 3}\n", "c=3 a=1 b=2"},
		{"x: &x {a: 1, b: 1}\nm:\n  b: 0\n  <<: *x\n  a: 9\n", "b=0 a=9"},
		{"m: {<<: {a: 1}, b: 2}\n", "b=2 a=1"},
		{"k: &k name\nm: {*k : 1, other: 2}\n", "name=1 other=2"},
		{"x: &x {a: 1}\nm:\n  <<: *x\n  a: 3\n  a: 4\n", `t.yaml:5:3: duplicate key "a" (first at line 4, column 3)`},
		{"m: {<<: [1]}\n", "t.yaml:1:10: a YAML merge key (<<) takes a mapping or a list of mappings, not a scalar"},
		{"m: {? [a] : 1}\n", "t.yaml:1:7: mapping keys must be strings, not a sequence"},
	}
	for _, tt := range tests {
		root, err := ParseYAML("t.yaml", []byte(tt.text))
		var got string
		if err != nil {
			got = err.Error()
		} else {
			var parts []string
			root.Get("m").Each(func(k string, _, v *Node) { parts = append(parts, k+"="+v.Value) })
			got = strings.Join(parts, " ")
		}
		if got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.text, got, tt.want)
		}
	}
}
