package spec

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fixtures is the shared directory of loader fixtures.
const fixtures = "../../testdata/specs"

// load loads paths with names shown relative to the fixtures directory.
func load(t *testing.T, opts Options, paths ...string) (*Set, error) {
	t.Helper()
	if opts.WorkDir == "" {
		opts.WorkDir = fixtures
	}
	full := make([]string, len(paths))
	for i, p := range paths {
		full[i] = filepath.Join(fixtures, p)
	}
	return Load(context.Background(), full, opts)
}

func mustLoad(t *testing.T, paths ...string) *Set {
	t.Helper()
	set, err := load(t, Options{}, paths...)
	if err != nil {
		t.Fatalf("Load(%v): %v", paths, err)
	}
	return set
}

func TestLoadValid(t *testing.T) {
	tests := []struct {
		name    string
		paths   []string
		docs    []string // file:version:format:operations
		files   []string
		service string // of the first document
	}{
		{
			name:    "OpenAPI 3.0 in YAML",
			paths:   []string{"load/petstore-3.0.yaml"},
			docs:    []string{"load/petstore-3.0.yaml:3.0.3:yaml:3"},
			files:   []string{"load/petstore-3.0.yaml"},
			service: "pets",
		},
		{
			name:    "OpenAPI 3.1 in JSON",
			paths:   []string{"load/petstore-3.1.json"},
			docs:    []string{"load/petstore-3.1.json:3.1.0:json:1"},
			files:   []string{"load/petstore-3.1.json"},
			service: "petstore-3.1",
		},
		{
			name:    "many files, one named twice",
			paths:   []string{"load/petstore-3.1.json", "load/petstore-3.0.yaml", "load/../load/petstore-3.1.json"},
			docs:    []string{"load/petstore-3.0.yaml:3.0.3:yaml:3", "load/petstore-3.1.json:3.1.0:json:1"},
			files:   []string{"load/petstore-3.0.yaml", "load/petstore-3.1.json"},
			service: "pets",
		},
		{
			name:  "a directory, with a shared component file",
			paths: []string{"load/multi"},
			docs: []string{
				"load/multi/billing.json:3.0.0:json:0",
				"load/multi/orders.openapi.yaml:3.0.3:yaml:1",
				"load/multi/users/openapi.yaml:3.1.0:yaml:1",
			},
			files: []string{
				"load/multi/billing.json",
				"load/multi/components/common.yaml",
				"load/multi/orders.openapi.yaml",
				"load/multi/users/openapi.yaml",
			},
			service: "billing",
		},
		{
			name:  "references across files",
			paths: []string{"load/refs/root.yaml"},
			docs:  []string{"load/refs/root.yaml:3.0.3:yaml:1"},
			files: []string{
				"load/refs/root.yaml",
				"load/refs/schemas/pet.yaml",
				"load/refs/shared/common.yaml",
				"load/refs/shared/list.yaml",
				"load/refs/shared/my file.yaml",
			},
			service: "root",
		},
		{
			name:    "recursive schemas across files",
			paths:   []string{"load/cycles/openapi.yaml"},
			docs:    []string{"load/cycles/openapi.yaml:3.1.0:yaml:0"},
			files:   []string{"load/cycles/openapi.yaml", "load/cycles/other.yaml"},
			service: "cycles",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := mustLoad(t, tt.paths...)
			var docs []string
			for _, d := range set.Docs {
				docs = append(docs, fmt.Sprintf("%s:%s:%s:%d", d.File.Name, d.Version, d.File.Format, len(d.Operations)))
			}
			if !reflect.DeepEqual(docs, tt.docs) {
				t.Errorf("docs = %q, want %q", docs, tt.docs)
			}
			var files []string
			for _, f := range set.Files() {
				files = append(files, f.Name)
			}
			if !reflect.DeepEqual(files, tt.files) {
				t.Errorf("files = %q, want %q", files, tt.files)
			}
			if got := set.Docs[0].Service; got != tt.service {
				t.Errorf("service = %q, want %q", got, tt.service)
			}
		})
	}
}

func TestOperations(t *testing.T) {
	set := mustLoad(t, "load/petstore-3.0.yaml")
	d := set.Docs[0]
	if d.Is31() {
		t.Error("3.0.3 document reports Is31")
	}
	var got []string
	for _, o := range d.Operations {
		var params []string
		for _, p := range o.Params {
			params = append(params, fmt.Sprintf("%s:%s:%v@%d", p.In, p.Name, p.Required, p.Use.Line))
		}
		got = append(got, fmt.Sprintf("%s %s %s %d:%d params=%v public=%v fromRoot=%v", o.Method, o.Path, o.ID(), o.MethodKey.Line, o.MethodKey.Col, params, o.IsPublic(), o.SecurityFromRoot))
	}
	want := []string{
		"get /pets listPets 12:5 params=[query:limit:true@15] public=false fromRoot=true",
		"post /pets createPet 27:5 params=[query:limit:false@11] public=true fromRoot=false",
		"get /pets/{petId} getPet 33:5 params=[path:petId:true@36] public=false fromRoot=true",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("operations:\n got %q\nwant %q", got, want)
	}
	get := d.Operations[2]
	if desc := get.Response("200").Str("description"); desc != "One pet" {
		t.Errorf("Response(200) through $ref: description %q", desc)
	}
	if reqs := d.Operations[0].Requirements(); len(reqs) != 1 || reqs[0].Schemes[0].Name != "apiKey" {
		t.Errorf("Requirements = %+v", reqs)
	}
	if s := d.SecurityScheme("apiKey"); s.Str("in") != "header" {
		t.Errorf("SecurityScheme(apiKey) = %v", s)
	}
}

// TestRefs follows every kind of reference the loader supports: into
// another file, inside a referenced file relative to that file, chains
// through files, JSON-pointer escapes (~0 ~1) and %-encoding in fragments and
// file names, and a top-level list.
func TestRefs(t *testing.T) {
	set := mustLoad(t, "load/refs/root.yaml")
	responses := set.Docs[0].Operations[0].Responses()
	tests := []struct {
		code     string
		file     string // where the target is
		pointer  string
		describe string
	}{
		{"200", "load/refs/schemas/pet.yaml", "/responses/PetOK", "A pet"},
		{"201", "load/refs/shared/common.yaml", "/responses/End", "end of the chain"},
		{"202", "load/refs/shared/my file.yaml", "/responses/Spaced", "a file name with a space"},
		{"203", "load/refs/root.yaml", "/components/responses/a~1b~0c", "slash and tilde"},
		{"204", "load/refs/root.yaml", "/components/responses/per%cent key", "percent and space"},
		{"205", "load/refs/schemas/pet.yaml", "/responses/PetOK", "A pet"},
		{"206", "load/refs/shared/list.yaml", "/0", "first item of a top-level list"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			use := responses.Get(tt.code)
			n, err := set.Resolve(use)
			if err != nil {
				t.Fatal(err)
			}
			if n.File().Name != tt.file || n.Pointer() != tt.pointer || n.Str("description") != tt.describe {
				t.Errorf("resolved to %s#%s %q, want %s#%s %q", n.File().Name, n.Pointer(), n.Str("description"), tt.file, tt.pointer, tt.describe)
			}
			if set.Deref(use) != n {
				t.Error("Deref differs from Resolve")
			}
		})
	}
	// A $ref inside a referenced file is relative to that file.
	pet := set.Deref(responses.Get("200"))
	schema := set.Deref(pet.Path("content", "application/json", "schema"))
	id := set.Deref(schema.Path("properties", "id"))
	if id.Str("format") != "uuid" || id.File().Name != "load/refs/shared/common.yaml" {
		t.Errorf("nested relative $ref resolved to %s#%s", id.File().Name, id.Pointer())
	}
	// A node without $ref resolves to itself; nil stays nil.
	if n, err := set.Resolve(pet); n != pet || err != nil {
		t.Errorf("Resolve(non-ref) = %v, %v", n, err)
	}
	if set.Deref(nil) != nil {
		t.Error("Deref(nil) != nil")
	}
}

// TestRecursiveSchemas: schemas that refer to themselves, directly or
// through another file, are legal and must not hang.
func TestRecursiveSchemas(t *testing.T) {
	set := mustLoad(t, "load/cycles/openapi.yaml")
	node := set.Docs[0].Root.Path("components", "schemas", "Node")
	n := node
	for range 10 {
		n = set.Deref(set.Deref(n.Path("properties", "other")).Path("properties", "back"))
	}
	if n != node {
		t.Errorf("following other → back ten times ended at %s#%s", n.File().Name, n.Pointer())
	}
	if items := set.Deref(node.Path("properties", "children", "items")); items != node {
		t.Errorf("children.items resolved to %v", items.Pointer())
	}
}

func TestDiscover(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
		want  []string
		err   string
	}{
		{
			name:  "directory: named files, sniffed YAML and JSON, hidden/vendor/node_modules/testdata skipped",
			paths: []string{"load/multi"},
			want:  []string{"load/multi/billing.json", "load/multi/orders.openapi.yaml", "load/multi/users/openapi.yaml"},
		},
		{
			name:  "a named file is taken whatever it is",
			paths: []string{"load/multi/notes.yaml", "load/multi/package.json"},
			want:  []string{"load/multi/notes.yaml", "load/multi/package.json"},
		},
		{
			name:  "a skipped directory named directly is walked",
			paths: []string{"load/multi/vendor"},
			want:  []string{"load/multi/vendor/openapi.yaml"},
		},
		{
			name:  "repeats and sorting",
			paths: []string{"load/petstore-3.1.json", "load/petstore-3.0.yaml", "./load/petstore-3.1.json"},
			want:  []string{"load/petstore-3.0.yaml", "load/petstore-3.1.json"},
		},
		{
			name:  "directory without specs",
			paths: []string{"bad/empty-dir"},
			err:   "bad/empty-dir: no OpenAPI files found in this directory",
		},
		{
			name:  "missing paths, all reported",
			paths: []string{"nope.yaml", "load/petstore-3.0.yaml", "nope-dir"},
			err:   "nope.yaml: no such file or directory\nnope-dir: no such file or directory",
		},
	}
	t.Chdir(fixtures)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Discover(tt.paths)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("err = %v, want prefix %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i] = filepath.ToSlash(got[i])
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Discover = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHasSpecKey(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{"openapi: 3.0.0\n", true},
		{"# comment\n---\nswagger: '2.0'\n", true},
		{"\"openapi\" : 3.1.0\n", true},
		{"'openapi': 3.1.0\n", true},
		{"\xef\xbb\xbfopenapi: 3.1.0\n", true},
		{"info:\n  openapi: 3.0.0\n", false},
		{"openapiVersion: 3\n", false},
		{`{"info": {"openapi": 1}, "x": "\"openapi\": 1", "openapi": "3.0.0"}`, true},
		{`{"info": {"openapi": 1}, "list": [{"swagger": 2}]}`, false},
		{"{\n  \"name\": \"x\",\n  \"dependencies\": {\n    \"openapi\": \"1\"\n  }\n}", false},
		{`{"openapi`, false},
	}
	for _, tt := range tests {
		if got := hasSpecKey(tt.head); got != tt.want {
			t.Errorf("hasSpecKey(%q) = %v, want %v", tt.head, got, tt.want)
		}
	}
}

// TestErrorsUnwrap: the CLI sorts errors with errors.As.
func TestErrorsUnwrap(t *testing.T) {
	_, err := load(t, Options{}, "bad/missing-target.yaml", "bad/invalid.yaml")
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 {
		t.Fatalf("want Errors with 2 entries, got %#v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Pos.File != "bad/invalid.yaml" {
		t.Errorf("errors.As(*Error) = %v", e)
	}
	var r *RefError
	if !errors.As(err, &r) || r.Ref != "#/components/responses/Missing" {
		t.Errorf("errors.As(*RefError) = %v", r)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, []string{filepath.Join(fixtures, "load/refs/root.yaml")}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestServiceFromFileName(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/repo/specs/orders.yaml", "orders"},
		{"/repo/specs/orders.openapi.json", "orders"},
		{"/repo/services/billing/openapi.yaml", "billing"},
		{"/repo/services/billing/api.yml", "billing"},
	} {
		if got := serviceFromFileName(tc.path); got != tc.want {
			t.Errorf("serviceFromFileName(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
