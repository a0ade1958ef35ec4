package spec

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBadInput: every bad input gives a clear error naming the file, with
// line:col where there is one, and never a panic.
func TestBadInput(t *testing.T) {
	tests := []struct {
		file string
		want string // the whole error text
	}{
		{"bad/invalid.yaml", "bad/invalid.yaml:4:11: invalid YAML: mapping values are not allowed in this context"},
		{"bad/invalid.json", `bad/invalid.json:3:25: invalid JSON: expected ',' or '}' after the value of "title", found '"'`},
		// A YAML parser reads this as {"info": null}; JSON must not.
		{"bad/lenient.json", "bad/lenient.json:3:11: invalid JSON: '}' where a value should start"},
		{"bad/trailing-comma.json", "bad/trailing-comma.json:4:1: invalid JSON: trailing comma before '}'"},
		{"bad/missing-target.yaml", `bad/missing-target.yaml:7:23: $ref "#/components/responses/Missing": no "components" in the document root`},
		{"bad/missing-file.yaml", `bad/missing-file.yaml:7:23: $ref "refs/nowhere.yaml#/Ok": bad/refs/nowhere.yaml: no such file`},
		{"bad/missing-in-other-file.yaml", `bad/missing-in-other-file.yaml:7:23: $ref "refs/frag.yaml#/Ok": in bad/refs/frag.yaml: no "Ok" in the document root`},
		{"bad/empty.yaml", "bad/empty.yaml: file is empty"},
		{"bad/blank.json", "bad/blank.json: file is empty"},
		{"bad/comments-only.yaml", "bad/comments-only.yaml: file holds no YAML document (only comments?)"},
		{"bad/not-openapi.yaml", "bad/not-openapi.yaml:1:1: not an OpenAPI document: no `openapi` field at the top level"},
		{"bad/top-level-list.yaml", "bad/top-level-list.yaml:1:1: not an OpenAPI document: the top level must be a mapping with an `openapi` field"},
		{"bad/swagger2.yaml", "bad/swagger2.yaml:1:10: Swagger 2.0 (OpenAPI 2.0) is not supported; convert it to OpenAPI 3 (for example with swagger2openapi)"},
		{"bad/swagger2.json", "bad/swagger2.json:1:13: Swagger 2.0 (OpenAPI 2.0) is not supported; convert it to OpenAPI 3 (for example with swagger2openapi)"},
		{"bad/wrong-version.yaml", `bad/wrong-version.yaml:1:10: unsupported OpenAPI version "2.5.0": gwctl reads 3.0 and 3.1`},
		{"bad/empty-dir", fixtures + "/bad/empty-dir: no OpenAPI files found in this directory (looked for openapi.yaml, *.openapi.yaml and .yaml/.yml/.json files with a top-level `openapi` key)"},
		{"bad/remote-ref.yaml", `bad/remote-ref.yaml:7:23: $ref "https://example.com/common.yaml#/Ok": remote references are not fetched unless allowed (--allow-remote-refs)`},
		{"bad/alias-bomb.yaml", "bad/alias-bomb.yaml:8:10: YAML aliases expand to more than 100104 nodes, the limit for a file of this size (an alias bomb?)"},
		{"bad/recursive-alias.yaml", "bad/recursive-alias.yaml:4:9: YAML alias *loop is inside its own anchor (a recursive alias)"},
		{"bad/deep-flow.json", "bad/deep-flow.json:1:287: document nests deeper than 256 levels"},
		{"bad/deep-flow.yaml", "bad/deep-flow.yaml:2:265: document nests deeper than 256 levels"},
		{"bad/deep-block.yaml", "bad/deep-block.yaml:258:517: document nests deeper than 256 levels"},
		{"bad/deep-seq.yaml", "bad/deep-seq.yaml:3:513: document nests deeper than 256 levels"},
		{"bad/binary.yaml", "bad/binary.yaml:3:1: binary file (a NUL byte), not YAML or JSON text"},
		{"bad/control-char.yaml", "bad/control-char.yaml:3:11: invalid YAML: control character U+0007 (is this a binary file?)"},
		{"bad/invalid-utf8.yaml", "bad/invalid-utf8.yaml:3:13: invalid YAML: byte 0xe9 is not UTF-8 text (is this a binary file?)"},
		{"bad/invalid-utf8.json", "bad/invalid-utf8.json:2:24: invalid JSON: invalid UTF-8 byte 0xe9 in a string"},
		{"bad/utf16.yaml", "bad/utf16.yaml:1:1: file is UTF-16 encoded; save it as UTF-8"},
		{"bad/dup-keys.yaml", `bad/dup-keys.yaml:6:3: duplicate key "/a" (first at line 4, column 3)`},
		{"bad/dup-keys.json", `bad/dup-keys.json:3:42: duplicate key "title" (first at line 3, column 12)`},
		{"bad/multi-doc.yaml", "bad/multi-doc.yaml:5:1: a second YAML document starts here; a spec file must hold exactly one"},
		{"bad/ref-cycle.yaml", `bad/ref-cycle.yaml:6:15: $ref "#/components/schemas/B": reference cycle (no value at the end of the chain): bad/ref-cycle.yaml#/components/schemas/A → bad/ref-cycle.yaml#/components/schemas/B → bad/ref-cycle.yaml#/components/schemas/C → bad/ref-cycle.yaml#/components/schemas/A` + "\n" +
			`bad/ref-cycle.yaml:9:18: $ref "#/components/schemas/Self": reference cycle (no value at the end of the chain): bad/ref-cycle.yaml#/components/schemas/Self → bad/ref-cycle.yaml#/components/schemas/Self`},
		{"bad/ref-anchor.yaml", `bad/ref-anchor.yaml:4:15: $ref "#anchor": fragment "anchor" is not a JSON pointer (named anchors are not supported)`},
		{"bad/ref-scheme.yaml", `bad/ref-scheme.yaml:4:15: $ref "ftp://example.com/x.yaml": unsupported reference scheme in "ftp://example.com/x.yaml"`},
		{"bad/no-such-file.yaml", filepath.Join(fixtures, "bad/no-such-file.yaml") + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			set, err := load(t, Options{}, tt.file)
			if err == nil {
				t.Fatalf("loaded %d documents, want an error", len(set.Docs))
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestBadInputTogether: problems in several files are all reported, in
// file order, and a file's problems do not hide another's broken $refs.
func TestBadInputTogether(t *testing.T) {
	_, err := load(t, Options{}, "bad/missing-target.yaml", "bad/invalid.yaml", "bad/swagger2.yaml", "load/petstore-3.0.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	var files []string
	for _, line := range strings.Split(err.Error(), "\n") {
		files = append(files, strings.SplitN(line, ":", 2)[0])
	}
	want := "bad/invalid.yaml bad/missing-target.yaml bad/swagger2.yaml"
	if got := strings.Join(files, " "); got != want {
		t.Errorf("errors for %s, want %s:\n%v", got, want, err)
	}
}

// TestAliasBudget: anchors used the way real specs use them load; the
// budget scales with the file; a bomb stops fast with bounded memory.
func TestAliasBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\ncomponents:\n  responses:\n    Problem: &problem\n      description: a problem\n      content: {application/problem+json: {schema: {type: object}}}\npaths:\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "  /r%d:\n    get:\n      responses:\n        '400': *problem\n        '404': *problem\n", i)
	}
	dir := t.TempDir()
	ok := filepath.Join(dir, "anchors.yaml")
	os.WriteFile(ok, []byte(b.String()), 0o644)
	set, err := Load(context.Background(), []string{ok}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(set.Docs[0].Operations); n != 2000 {
		t.Fatalf("%d operations", n)
	}
	// Each alias is a copy with the anchor's position and its own pointer.
	r := set.Docs[0].Operations[1999].Response("404")
	if r.Line != 5 || r.Pointer() != "/paths/~1r1999/get/responses/404" || r.Str("description") != "a problem" {
		t.Errorf("alias copy at %d, %s", r.Line, r.Pointer())
	}

	// Ten levels of ten: 10^10 nodes if expanded.
	b.Reset()
	b.WriteString("openapi: 3.0.3\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	bomb := filepath.Join(dir, "bomb.yaml")
	os.WriteFile(bomb, []byte(b.String()), 0o644)
	start := time.Now()
	_, err = Load(context.Background(), []string{bomb}, Options{})
	if err == nil || !strings.Contains(err.Error(), "alias bomb") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("bomb took %v", d)
	}
}

// TestHugeNesting: nesting far past the limit, in every style, fails fast
// with a position (no stack exhaustion, no quadratic scan).
func TestHugeNesting(t *testing.T) {
	const n = 200_000
	tests := map[string]string{
		"flow.json":  `{"openapi": "3.0.3", "x": ` + strings.Repeat("[", n) + strings.Repeat("]", n) + "}",
		"objs.json":  `{"openapi": "3.0.3", "x": ` + strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) + "}",
		"flow.yaml":  "openapi: 3.0.3\nx: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n",
		"maps.yaml":  "openapi: 3.0.3\nx: " + strings.Repeat("{a: ", n) + "1" + strings.Repeat("}", n) + "\n",
		"seqs.yaml":  "openapi: 3.0.3\nx:\n" + strings.Repeat("- ", n) + "1\n",
		"mixed.yaml": "openapi: 3.0.3\nx:\n" + strings.Repeat("- [", n/2) + "1" + strings.Repeat("]", n/2) + "\n",
	}
	dir := t.TempDir()
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			os.WriteFile(p, []byte(text), 0o644)
			start := time.Now()
			_, err := Load(context.Background(), []string{p}, Options{WorkDir: dir})
			if err == nil || !strings.HasPrefix(err.Error(), name+":") || !strings.Contains(err.Error(), "deeper than 256 levels") {
				t.Fatalf("err = %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestMaxFileSize(t *testing.T) {
	_, err := load(t, Options{MaxFileSize: 1000}, "load/petstore-3.0.yaml")
	want := "load/petstore-3.0.yaml: file is 1 KiB, larger than the 1000 bytes limit"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	// A referenced file over the limit is reported at the $ref.
	_, err = load(t, Options{MaxFileSize: 190}, "load/multi/orders.openapi.yaml")
	want = `load/multi/orders.openapi.yaml:7:23: $ref "components/common.yaml#/responses/Problem": load/multi/components/common.yaml: file is 219 bytes, larger than the 190 bytes limit`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestRemoteRefs: http(s) references are refused by default and fetched on
// request, relative references inside a remote file resolve against its URL,
// and remote failures name the URL.
func TestRemoteRefs(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		switch r.URL.Path {
		case "/specs/common.yaml":
			fmt.Fprint(w, "Ok:\n  $ref: 'more/ok.json#/Ok'\n")
		case "/specs/more/ok.json":
			fmt.Fprint(w, `{"Ok": {"description": "from far away"}}`)
		case "/specs/big.yaml":
			fmt.Fprint(w, "Big: "+strings.Repeat("x", 5000)+"\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	write := func(name, ref string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '"+ref+"'}\n"), 0o644)
		return p
	}
	good := write("good.yaml", srv.URL+"/specs/common.yaml#/Ok")
	missing := write("missing.yaml", srv.URL+"/specs/nope.yaml#/Ok")
	big := write("big.yaml", srv.URL+"/specs/big.yaml#/Big")

	_, err := Load(context.Background(), []string{good}, Options{WorkDir: dir})
	if err == nil || !strings.Contains(err.Error(), "remote references are not fetched unless allowed") || hits != 0 {
		t.Fatalf("default: err = %v, %d requests", err, hits)
	}
	set, err := Load(context.Background(), []string{good}, Options{WorkDir: dir, AllowRemoteRefs: true})
	if err != nil {
		t.Fatal(err)
	}
	ok := set.Docs[0].Operations[0].Response("200")
	if ok.Str("description") != "from far away" || ok.File().Name != srv.URL+"/specs/more/ok.json" {
		t.Errorf("resolved to %s#%s", ok.File().Name, ok.Pointer())
	}
	_, err = Load(context.Background(), []string{missing}, Options{WorkDir: dir, AllowRemoteRefs: true})
	want := fmt.Sprintf(`missing.yaml:7:23: $ref "%s/specs/nope.yaml#/Ok": %s/specs/nope.yaml: GET %s/specs/nope.yaml: 404 Not Found`, srv.URL, srv.URL, srv.URL)
	if err == nil || err.Error() != want {
		t.Errorf("missing: err = %v\nwant %s", err, want)
	}
	_, err = Load(context.Background(), []string{big}, Options{WorkDir: dir, AllowRemoteRefs: true, MaxFileSize: 1000})
	if err == nil || !strings.Contains(err.Error(), "larger than the 1000 bytes limit") {
		t.Errorf("big: err = %v", err)
	}
}

func TestParseYAML(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"gwctl.yaml", "rules:\n  a: warn\n  a: error\n", `gwctl.yaml:3:3: duplicate key "a" (first at line 2, column 3)`},
		{"gwctl.yaml", "rules: [\n", "gwctl.yaml:2:1: invalid YAML: did not find expected node content (while parsing a flow node)"},
		{"gwctl.yaml", "", "gwctl.yaml: file is empty"},
		{"gwctl.yaml", "a: " + strings.Repeat("[", 300), "gwctl.yaml:1:260: document nests deeper than 256 levels"},
		{"config.json", `{"a": 1,}`, "config.json:1:9: invalid JSON: trailing comma before '}'"},
		{"gwctl.yaml", "a: 1\n", ""},
	}
	for _, tt := range tests {
		n, err := ParseYAML(tt.name, []byte(tt.text))
		if tt.want == "" {
			if err != nil || n.Str("a") != "1" || n.Get("a").Pos().String() != tt.name+":1:4" {
				t.Errorf("ParseYAML(%q) = %v, %v", tt.text, n, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseYAML(%q):\n got %v\nwant %s", tt.text, err, tt.want)
		}
	}
}

// TestJSONInYAMLFile: a .yaml file holding JSON is read by the JSON parser;
// YAML-only syntax in it falls back to the YAML parser with nothing left
// over from the attempt.
func TestJSONInYAMLFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	write("frag.yaml", "A: {description: a}\n")
	for name, text := range map[string]string{
		"json.yaml": `{"openapi": "3.0.3", "paths": {"/a": {"get": {"responses": {"200": {"$ref": "frag.yaml#/A"}}}}}}`,
		"flow.yaml": `{openapi: 3.0.3, paths: {/a: {get: {responses: {"200": {"$ref": "frag.yaml#/A"}}}}}}`,
	} {
		set, err := Load(context.Background(), []string{write(name, text)}, Options{WorkDir: dir})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d := set.Docs[0]
		if len(d.File.refs) != 1 || d.Operations[0].Response("200").Str("description") != "a" {
			t.Errorf("%s: %d refs, response %v", name, len(d.File.refs), d.Operations[0].Response("200"))
		}
		if want := map[string]string{"json.yaml": "json", "flow.yaml": "yaml"}[name]; d.File.Format != want {
			t.Errorf("%s: format %s", name, d.File.Format)
		}
	}
}

// TestRefChains: a chain of $refs longer than Resolve follows (64) is an
// error, reported at the $refs it starts from.
func TestRefChains(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-chain:\n")
	for i := range 70 {
		fmt.Fprintf(&b, "  r%d: {$ref: '#/x-chain/r%d'}\n", i, i+1)
	}
	b.WriteString("  r70: {description: end}\n")
	dir := t.TempDir()
	p := filepath.Join(dir, "chain.yaml")
	os.WriteFile(p, []byte(b.String()), 0o644)
	_, err := Load(context.Background(), []string{p}, Options{WorkDir: dir})
	if err == nil || !strings.Contains(err.Error(), "chain.yaml:5:14: $ref \"#/x-chain/r1\": a chain of more than 64 references") {
		t.Errorf("err = %v", err)
	}
}

// TestSpecialFiles: a pipe in a directory is not opened by Discover (it
// would block), and naming one, or a device, is refused rather than read.
func TestSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"), 0o644)
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no mkfifo:", err)
	}
	got, err := Discover([]string{dir})
	if err != nil || len(got) != 1 || filepath.Base(got[0]) != "openapi.yaml" {
		t.Errorf("Discover = %v, %v", got, err)
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		done := make(chan error, 1)
		go func() {
			_, err := Load(context.Background(), []string{p}, Options{WorkDir: dir})
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.HasSuffix(err.Error(), ": not a regular file") {
				t.Errorf("%s: err = %v", p, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Load blocked", p)
		}
	}
}
