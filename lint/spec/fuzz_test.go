package spec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// slowLoad is how long one fuzz input may take to load: inputs are at most
// a few KiB, so anything slower is a blow-up.
const slowLoad = 2 * time.Second

// FuzzLoad feeds arbitrary bytes to Load as a YAML or a JSON file. It must
// never panic or hang, every error must name a file (with a column wherever
// it has a line), and a document that loads must have sane positions and
// pointers throughout.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"bad", "load", "load/refs", "load/multi", "load/cycles"} {
		ents, _ := os.ReadDir(filepath.Join(fixtures, dir))
		for _, e := range ents {
			if data, err := os.ReadFile(filepath.Join(fixtures, dir, e.Name())); err == nil && len(data) < 8<<10 {
				f.Add(data, strings.HasSuffix(e.Name(), ".json"))
			}
		}
	}
	for _, s := range []string{
		"openapi: 3.0.0\npaths:\n  /a: {$ref: '#/paths/~1b'}\n  /b: {$ref: '#/paths/~1a'}\n",
		"openapi: 3.1.0\na: &a {b: 1}\nc:\n  <<: [*a, {d: 2}]\n  b: 3\n",
		"openapi: 3.1.0\nx: {$ref: 'x.yaml#/a/0/~0~1'}\n",
		"openapi: 3.1.0\nx: {$ref: '#/x'}\n",
		`{"openapi": "3.1.0", "x": {"$ref": "#/x"}, "y": "\ud83d\ude00\u00e9\ud800"}`,
		`{"openapi": "3.1.0", "a": [1, -0, 1e5, 0.5E-2, "\/"]}`,
		"openapi: 3.1.0\r\ninfo:\r\n  title: \"crlf\"\r\n",
		"openapi: 3.1.0\n? [a, b]\n: c\n",
		"openapi: !!str 3.1.0\n!!binary x: y\n",
	} {
		f.Add([]byte(s), strings.HasPrefix(s, "{"))
	}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		dir := t.TempDir()
		name := "fuzz.yaml"
		if asJSON {
			name = "fuzz.json"
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		set, err := Load(context.Background(), []string{filepath.Join(dir, name)}, Options{WorkDir: dir, MaxFileSize: 1 << 20, Workers: 1})
		if d := time.Since(start); d > slowLoad {
			t.Fatalf("Load took %v", d)
		}
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		for _, file := range set.Files() {
			checkTree(t, file, file.Root, 0)
			for _, v := range file.refs {
				if _, err := set.Resolve(v.Parent()); err != nil {
					t.Fatalf("Load accepted a $ref that does not resolve: %v", err)
				}
			}
		}
		for _, d := range set.Docs {
			for _, o := range d.Operations {
				o.Requirements()
				o.IsPublic()
				o.Responses()
				o.RequestBody()
			}
		}
	})
}

func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	var es Errors
	if !errors.As(err, &es) || len(es) == 0 {
		t.Fatalf("Load error is not Errors: %#v", err)
	}
	for _, e := range es {
		pos := errorPos(e)
		if pos.File == "" {
			t.Fatalf("error without a file: %v", e)
		}
		if pos.Line > 0 && pos.Col <= 0 {
			t.Fatalf("error with a line but no column: %v", e)
		}
		if !strings.HasPrefix(e.Error(), pos.File) {
			t.Fatalf("error does not start with its file: %v", e)
		}
	}
}

func checkTree(t *testing.T, f *File, n *Node, depth int) {
	if depth > defaultMaxDepth+1 {
		t.Fatalf("tree deeper than the limit at %s", n.Pos())
	}
	if n.Line < 1 || n.Col < 1 || n.File() != f {
		t.Fatalf("bad position %s for %s", n.Pos(), n.Pointer())
	}
	if got, err := walkPointer(f.Root, n.Pointer()); err != nil || got != n {
		t.Fatalf("%s: pointer %q does not lead back (%v)", n.Pos(), n.Pointer(), err)
	}
	if n.Kind == MappingNode && len(n.Keys) != len(n.Values) {
		t.Fatalf("%s: %d keys, %d values", n.Pos(), len(n.Keys), len(n.Values))
	}
	for _, k := range n.Keys {
		if k.Kind != ScalarNode || k.Line < 1 || k.Col < 1 {
			t.Fatalf("%s: bad key node", k.Pos())
		}
	}
	for _, v := range n.Values {
		if v.Parent() != n {
			t.Fatalf("%s: wrong parent", v.Pos())
		}
		checkTree(t, f, v, depth+1)
	}
}

// FuzzParse is FuzzLoad without files and references: the YAML and JSON
// parsers and the converter alone, many times faster per input.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"bad", "load", "load/refs"} {
		ents, _ := os.ReadDir(filepath.Join(fixtures, dir))
		for _, e := range ents {
			if data, err := os.ReadFile(filepath.Join(fixtures, dir, e.Name())); err == nil && len(data) < 8<<10 {
				f.Add(data, strings.HasSuffix(e.Name(), ".json"))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		name := "fuzz.yaml"
		if asJSON {
			name = "fuzz.json"
		}
		start := time.Now()
		root, err := ParseYAML(name, data)
		if d := time.Since(start); d > slowLoad {
			t.Fatalf("ParseYAML took %v", d)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Pos.File != name || (e.Pos.Line > 0 && e.Pos.Col <= 0) || !strings.HasPrefix(err.Error(), name) {
				t.Fatalf("error without a proper position: %#v", err)
			}
			return
		}
		checkTree(t, root.File(), root, 0)
	})
}
