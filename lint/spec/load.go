package spec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel"
)

// Options bound what Load will do. The zero value is safe: no network, the
// default size limits.
type Options struct {
	// AllowRemoteRefs lets http(s) $refs be fetched. Off by default: a lint
	// run never touches the network unless asked.
	AllowRemoteRefs bool
	// MaxFileSize in bytes (default 64 MiB).
	MaxFileSize int64
	// MaxDepth is the deepest nesting allowed (default 256).
	MaxDepth int
	// Workers parses files in parallel (default GOMAXPROCS).
	Workers int
	// WorkDir is the directory file names are shown relative to (default cwd).
	WorkDir string
}

const (
	defaultMaxFileSize = 64 << 20
	defaultMaxDepth    = 256
)

// Error is a problem with an input file, with its position when known.
type Error struct {
	Pos Position
	Msg string
}

func (e *Error) Error() string {
	if e.Pos.Line > 0 {
		return e.Pos.String() + ": " + e.Msg
	}
	if e.Pos.File != "" {
		return e.Pos.File + ": " + e.Msg
	}
	return e.Msg
}

// Errors is every input problem of one load, in file order.
type Errors []error

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Load reads the given spec files (directories are expanded with Discover),
// every file they reference through relative $refs, and builds the model.
// Every input problem is returned together as Errors.
func Load(ctx context.Context, paths []string, opts Options) (*Set, error) {
	opts = opts.withDefaults()
	files, err := Discover(paths)
	if err != nil {
		return nil, err
	}
	l := &loader{opts: opts, set: &Set{files: map[string]*File{}}}
	roots := l.parseAll(ctx, files)
	l.loadReferenced(ctx)
	if len(l.errs) > 0 {
		return nil, l.sortedErrors()
	}
	for _, f := range roots {
		doc, err := newDocument(l.set, f)
		if err != nil {
			l.errs = append(l.errs, err)
			continue
		}
		l.set.Docs = append(l.set.Docs, doc)
	}
	l.checkRefs()
	if len(l.errs) > 0 {
		return nil, l.sortedErrors()
	}
	sort.Slice(l.set.Docs, func(i, j int) bool { return l.set.Docs[i].File.Name < l.set.Docs[j].File.Name })
	return l.set, nil
}

func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = defaultMaxFileSize
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = defaultMaxDepth
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.WorkDir == "" {
		o.WorkDir, _ = os.Getwd()
	}
	return o
}

type loader struct {
	opts Options
	set  *Set
	mu   sync.Mutex
	errs []error
}

func (l *loader) fail(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

func (l *loader) sortedErrors() error {
	errs := append([]error(nil), l.errs...)
	sort.SliceStable(errs, func(i, j int) bool { return errorKey(errs[i]) < errorKey(errs[j]) })
	return Errors(errs)
}

func errorKey(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return fmt.Sprintf("%s\x00%09d\x00%09d", e.Pos.File, e.Pos.Line, e.Pos.Col)
	}
	var r *RefError
	if errors.As(err, &r) {
		return fmt.Sprintf("%s\x00%09d\x00%09d", r.Pos.File, r.Pos.Line, r.Pos.Col)
	}
	return err.Error()
}

// displayName makes an absolute path relative to the work dir, slash-separated.
func (l *loader) displayName(abs string) string {
	if isRemote(abs) {
		return abs
	}
	if rel, err := filepath.Rel(l.opts.WorkDir, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

// parseAll parses the root files in parallel and registers them.
func (l *loader) parseAll(ctx context.Context, paths []string) []*File {
	roots := make([]*File, len(paths))
	var wg sync.WaitGroup
	sem := make(chan struct{}, l.opts.Workers)
	for i, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			l.fail(&Error{Pos: Position{File: p}, Msg: err.Error()})
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f, err := l.parseFile(ctx, abs, true)
			if err != nil {
				l.fail(err)
				return
			}
			roots[i] = f
		}()
	}
	wg.Wait()
	var out []*File
	for _, f := range roots {
		if f != nil {
			l.set.files[f.Path] = f
			out = append(out, f)
		}
	}
	return out
}

// loadReferenced loads every file reached through $refs, breadth first.
func (l *loader) loadReferenced(ctx context.Context) {
	queue := make([]*File, 0, len(l.set.files))
	for _, f := range l.set.files {
		queue = append(queue, f)
	}
	sort.Slice(queue, func(i, j int) bool { return queue[i].Path < queue[j].Path })
	failed := map[string]bool{}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		walkRefs(f.Root, func(refNode *Node, ref string) {
			loc, _ := splitRef(ref)
			if loc == "" {
				return
			}
			key, err := refKey(f, loc)
			if err != nil {
				l.fail(&Error{Pos: refNode.Pos(), Msg: fmt.Sprintf("$ref %q: %v", ref, err)})
				return
			}
			if _, ok := l.set.files[key]; ok || failed[key] {
				return
			}
			if isRemote(key) && !l.opts.AllowRemoteRefs {
				failed[key] = true
				l.fail(&Error{Pos: refNode.Pos(), Msg: fmt.Sprintf("$ref %q is remote; remote references are not fetched unless --allow-remote-refs is given", ref)})
				return
			}
			nf, err := l.parseFile(ctx, key, false)
			if err != nil {
				failed[key] = true
				var e *Error
				if errors.As(err, &e) && e.Pos.Line > 0 {
					l.fail(err)
				} else {
					l.fail(&Error{Pos: refNode.Pos(), Msg: fmt.Sprintf("$ref %q: %v", ref, unwrapMsg(err))})
				}
				return
			}
			l.set.files[key] = nf
			queue = append(queue, nf)
		})
	}
}

func unwrapMsg(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}

// walkRefs calls fn for every $ref string in the tree.
func walkRefs(n *Node, fn func(refValue *Node, ref string)) {
	if n == nil {
		return
	}
	if n.Kind == MappingNode {
		for i, k := range n.Keys {
			v := n.Values[i]
			if k.Value == "$ref" && v.Kind == ScalarNode {
				fn(v, v.Value)
				continue
			}
			walkRefs(v, fn)
		}
		return
	}
	for _, v := range n.Values {
		walkRefs(v, fn)
	}
}

// checkRefs reports every $ref that does not resolve, once per place.
func (l *loader) checkRefs() {
	for _, f := range l.set.Files() {
		walkRefs(f.Root, func(refValue *Node, ref string) {
			if _, err := l.set.Resolve(refValue.parent); err != nil {
				l.errs = append(l.errs, err)
			}
		})
	}
}

// readFile reads a local file or (when allowed) a remote one, bounded.
func (l *loader) readFile(ctx context.Context, key string) ([]byte, error) {
	if isRemote(key) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, key, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", key, resp.Status)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, l.opts.MaxFileSize+1))
		if err == nil && int64(len(b)) > l.opts.MaxFileSize {
			return nil, fmt.Errorf("file is larger than the %d MiB limit", l.opts.MaxFileSize>>20)
		}
		return b, err
	}
	st, err := os.Stat(key)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("no such file")
		}
		return nil, err
	}
	if st.IsDir() {
		return nil, errors.New("is a directory, not a file")
	}
	if st.Size() > l.opts.MaxFileSize {
		return nil, fmt.Errorf("file is %d MiB, larger than the %d MiB limit", st.Size()>>20, l.opts.MaxFileSize>>20)
	}
	return os.ReadFile(key)
}

// parseFile reads and parses one file into our node tree. root says whether
// it must be an OpenAPI document (true) or may be any fragment (false).
func (l *loader) parseFile(ctx context.Context, key string, root bool) (*File, error) {
	name := l.displayName(key)
	data, err := l.readFile(ctx, key)
	if err != nil {
		return nil, &Error{Pos: Position{File: name}, Msg: err.Error()}
	}
	f := &File{Name: name, Path: key}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, &Error{Pos: Position{File: name}, Msg: "file is empty"}
	}
	if line, col, ok := tooDeep(data, l.opts.MaxDepth); ok {
		return nil, &Error{Pos: Position{File: name, Line: line, Col: col}, Msg: fmt.Sprintf("document nests deeper than %d levels", l.opts.MaxDepth)}
	}
	// The document check is ours (checkOpenAPI), so libopenapi only parses.
	// With the check bypassed it turns a parse failure into a document holding
	// the whole text as one scalar; we then re-parse on that rare path to get
	// the parser's error with its position.
	info, err := datamodel.ExtractSpecInfoWithConfig(data, &datamodel.DocumentConfiguration{BypassDocumentCheck: true, SkipJSONConversion: true})
	// libopenapi's fast JSON path is lenient (`"a": }` reads as null), so JSON
	// input is validated strictly first; json.Valid does not allocate.
	isJSON := info != nil && info.SpecFileType == datamodel.JSONFileType
	if err != nil || info == nil || info.RootNode == nil || parseFailed(info.RootNode, data) || (isJSON && !json.Valid(data)) {
		if serr := syntaxError(name, data); serr != nil {
			return nil, serr
		}
		if err != nil {
			return nil, &Error{Pos: Position{File: name, Line: 1, Col: 1}, Msg: err.Error()}
		}
	}
	yroot := info.RootNode
	if yroot.Kind == yaml.DocumentNode {
		if len(yroot.Content) == 0 {
			return nil, &Error{Pos: Position{File: name}, Msg: "file is empty"}
		}
		yroot = yroot.Content[0]
	}
	c := converter{file: f, budget: len(data)/2 + 10000, maxDepth: l.opts.MaxDepth}
	f.Root, err = c.convert(yroot, nil, 0, 0)
	if err != nil {
		return nil, &Error{Pos: Position{File: name, Line: c.errLine, Col: c.errCol}, Msg: err.Error()}
	}
	f.Lines = info.NumLines
	if root {
		if err := checkOpenAPI(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// checkOpenAPI refuses files that are not OpenAPI 3.x documents, saying what
// they are instead.
func checkOpenAPI(f *File) error {
	r := f.Root
	at := func(n *Node, msg string) error {
		p := n.Pos()
		if p.Line == 0 {
			p = Position{File: f.Name, Line: 1, Col: 1}
		}
		return &Error{Pos: p, Msg: msg}
	}
	if !r.IsMap() {
		return at(r, "not an OpenAPI document: the top level must be a mapping with an `openapi` field")
	}
	if v := r.Get("swagger"); v != nil {
		return at(v, fmt.Sprintf("Swagger %s (OpenAPI 2.0) is not supported; convert it to OpenAPI 3 (for example with swagger2openapi)", v.Value))
	}
	v := r.Get("openapi")
	if v == nil {
		return at(r, "not an OpenAPI document: no `openapi` field at the top level")
	}
	if !v.IsScalar() || !(strings.HasPrefix(v.Value, "3.0") || strings.HasPrefix(v.Value, "3.1") || strings.HasPrefix(v.Value, "3.2")) {
		return at(v, fmt.Sprintf("unsupported OpenAPI version %q: gwctl reads 3.0 and 3.1", v.Value))
	}
	return nil
}

// Discover expands directories into the spec files they hold and checks that
// named files exist. The rule for directories (recursive, skipping hidden
// directories, node_modules and vendor): a file named openapi.{yaml,yml,json},
// *.openapi.{yaml,yml,json}, or any other .yaml/.yml/.json file whose top
// level has an `openapi` or `swagger` key. Files named explicitly are always
// taken. The result is sorted and without duplicates.
func Discover(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		c := filepath.Clean(p)
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, &Error{Pos: Position{File: p}, Msg: "no such file or directory"}
			}
			return nil, &Error{Pos: Position{File: p}, Msg: err.Error()}
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				n := d.Name()
				if path != p && (strings.HasPrefix(n, ".") || n == "node_modules" || n == "vendor" || n == "testdata") {
					return filepath.SkipDir
				}
				return nil
			}
			if looksLikeSpec(path) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, &Error{Pos: Position{File: p}, Msg: err.Error()}
		}
		if len(found) == 0 {
			return nil, &Error{Pos: Position{File: p}, Msg: "no OpenAPI files found in this directory (looked for openapi.yaml, *.openapi.yaml and .yaml/.json files with an `openapi` key)"}
		}
		for _, f := range found {
			add(f)
		}
	}
	sort.Strings(out)
	return out, nil
}

func looksLikeSpec(path string) bool {
	base := strings.ToLower(filepath.Base(path))
	ext := filepath.Ext(base)
	if ext != ".yaml" && ext != ".yml" && ext != ".json" {
		return false
	}
	stem := strings.TrimSuffix(base, ext)
	if stem == "openapi" || strings.HasSuffix(stem, ".openapi") {
		return true
	}
	if stem == "gwctl" {
		return false
	}
	// Sniff the top of the file for a top-level openapi/swagger key.
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := io.ReadFull(f, buf)
	head := string(buf[:n])
	for _, line := range strings.Split(head, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(line, "openapi:") || strings.HasPrefix(line, "swagger:") ||
			strings.HasPrefix(t, `"openapi"`) || strings.HasPrefix(t, `{"openapi"`) ||
			strings.HasPrefix(t, `"swagger"`) || strings.HasPrefix(t, `{"swagger"`) {
			return true
		}
	}
	return false
}

// ParseYAML parses any YAML or JSON text (a config file, say) into a
// positioned node tree, with the same bounds as spec files. name is used in
// positions and errors.
func ParseYAML(name string, data []byte) (*Node, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, &Error{Pos: Position{File: name}, Msg: "file is empty"}
	}
	if int64(len(data)) > defaultMaxFileSize {
		return nil, &Error{Pos: Position{File: name}, Msg: "file is larger than the 64 MiB limit"}
	}
	if line, col, ok := tooDeep(data, defaultMaxDepth); ok {
		return nil, &Error{Pos: Position{File: name, Line: line, Col: col}, Msg: fmt.Sprintf("document nests deeper than %d levels", defaultMaxDepth)}
	}
	var y yaml.Node
	if err := yaml.Unmarshal(data, &y); err != nil {
		if serr := syntaxError(name, data); serr != nil {
			return nil, serr
		}
		return nil, &Error{Pos: Position{File: name, Line: 1, Col: 1}, Msg: err.Error()}
	}
	f := &File{Name: name, Path: name}
	c := converter{file: f, budget: len(data)/2 + 10000, maxDepth: defaultMaxDepth}
	root, err := c.convert(&y, nil, 0, 0)
	if err != nil {
		return nil, &Error{Pos: Position{File: name, Line: c.errLine, Col: c.errCol}, Msg: err.Error()}
	}
	f.Root = root
	return root, nil
}
