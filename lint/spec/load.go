package spec

import (
	"context"
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
	// HTTPClient fetches remote $refs when they are allowed (default: a
	// client with a 30 s timeout per file).
	HTTPClient *http.Client
}

const (
	defaultMaxFileSize = 64 << 20
	defaultMaxDepth    = 256
	remoteTimeout      = 30 * time.Second
)

// Load reads the given spec files (directories are expanded with Discover),
// every file they reference through $refs, and builds the model. Each file is
// read and parsed once, files of one round of references in parallel. Every
// input problem is returned together as Errors, sorted by position; a
// cancelled ctx returns ctx.Err().
//
// A $ref is resolved against the file it is written in. Local files are
// always read; http(s) references only with Options.AllowRemoteRefs.
func Load(ctx context.Context, paths []string, opts Options) (*Set, error) {
	opts = opts.withDefaults()
	files, err := Discover(paths)
	if err != nil {
		var es Errors
		if errors.As(err, &es) {
			return nil, es
		}
		return nil, Errors{err}
	}
	l := &loader{opts: opts, set: &Set{files: map[string]*File{}}}

	// The roots, without repeats of one file under two names.
	var keys []string
	seen := map[string]bool{}
	for _, p := range files {
		abs, err := filepath.Abs(p)
		if err != nil {
			l.fail(&Error{Pos: Position{File: p}, Msg: err.Error()})
			continue
		}
		if !seen[abs] {
			seen[abs] = true
			keys = append(keys, abs)
		}
	}
	roots := l.parseWave(ctx, keys, nil, true)
	l.loadReferenced(ctx, roots)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.set.list = make([]*File, 0, len(l.set.files))
	for _, f := range l.set.files {
		l.set.list = append(l.set.list, f)
	}
	sort.Slice(l.set.list, func(i, j int) bool { return l.set.list[i].Name < l.set.list[j].Name })
	l.checkRefs()
	if len(l.errs) > 0 {
		return nil, sortErrors(l.errs)
	}
	for _, f := range roots {
		l.set.Docs = append(l.set.Docs, newDocument(l.set, f))
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
	} else if abs, err := filepath.Abs(o.WorkDir); err == nil {
		o.WorkDir = abs
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: remoteTimeout}
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

// displayName makes an absolute path relative to the work dir, slash-separated.
func (l *loader) displayName(abs string) string {
	if isRemote(abs) {
		return abs
	}
	if rel, err := filepath.Rel(l.opts.WorkDir, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

// parseWave parses files in parallel and registers them. via[i], when
// given, is the $ref that made keys[i] needed: problems with the file as a
// whole (missing, empty, too large) are reported there.
func (l *loader) parseWave(ctx context.Context, keys []string, via []*Node, root bool) []*File {
	out := make([]*File, len(keys))
	var wg sync.WaitGroup
	sem := make(chan struct{}, l.opts.Workers)
	for i, key := range keys {
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f, err := l.parseFile(ctx, key, root)
			if err == nil {
				out[i] = f
				return
			}
			var e *Error
			if via != nil && errors.As(err, &e) && e.Pos.Line == 0 {
				ref := via[i]
				err = &RefError{Pos: ref.Pos(), Ref: ref.Value, Msg: e.Error()}
			}
			l.fail(err)
		}()
	}
	wg.Wait()
	files := out[:0]
	for _, f := range out {
		if f != nil {
			l.set.files[f.Path] = f
			files = append(files, f)
		}
	}
	return files
}

// loadReferenced loads every file reached through $refs, one round (the
// files that the previous round's files reference) at a time.
func (l *loader) loadReferenced(ctx context.Context, wave []*File) {
	failed := map[string]bool{}
	for len(wave) > 0 && ctx.Err() == nil {
		sort.Slice(wave, func(i, j int) bool { return wave[i].Path < wave[j].Path })
		var keys []string
		var via []*Node
		queued := map[string]bool{}
		for _, f := range wave {
			for _, refNode := range f.refs {
				loc, _ := splitRef(refNode.Value)
				if loc == "" {
					continue
				}
				key, err := refKey(f, loc)
				if err != nil {
					l.fail(&RefError{Pos: refNode.Pos(), Ref: refNode.Value, Msg: err.Error()})
					continue
				}
				if _, ok := l.set.files[key]; ok || failed[key] || queued[key] {
					continue
				}
				if isRemote(key) && !l.opts.AllowRemoteRefs {
					failed[key] = true
					l.fail(&RefError{Pos: refNode.Pos(), Ref: refNode.Value, Msg: "remote references are not fetched unless allowed (--allow-remote-refs)"})
					continue
				}
				queued[key] = true
				keys = append(keys, key)
				via = append(via, refNode)
			}
		}
		wave = l.parseWave(ctx, keys, via, false)
		loaded := map[string]bool{}
		for _, f := range wave {
			loaded[f.Path] = true
		}
		for _, k := range keys {
			if !loaded[k] {
				failed[k] = true
			}
		}
	}
}

// checkRefs reports every $ref whose target is missing, every reference
// cycle once (at the first of its $refs), and chains too long to follow.
func (l *loader) checkRefs() {
	for _, f := range l.set.list {
		for _, v := range f.refs {
			if _, err := l.set.lookup(f, v.Value); err != nil {
				if errors.Is(err, errNotLoaded) {
					continue // the file's own problem is reported already
				}
				l.errs = append(l.errs, &RefError{Pos: v.Pos(), Ref: v.Value, Msg: err.Error()})
				continue
			}
			ref := v.parent
			if _, err := l.set.Resolve(ref); err != nil {
				if cycle := l.set.cycle(ref); cycle != nil {
					if firstInCycle(ref, cycle) {
						l.errs = append(l.errs, &RefError{Pos: v.Pos(), Ref: v.Value, Msg: cycleMsg(cycle)})
					}
					continue
				}
				// A broken later link is reported at its own $ref too;
				// sortErrors drops the repeat.
				l.errs = append(l.errs, err)
			}
		}
	}
}

// readFile reads a local file or (when allowed) a remote one, bounded by
// MaxFileSize. The text is read straight into a string: strings that need no
// unescaping are then slices of it, without a copy.
func (l *loader) readFile(ctx context.Context, key string) (string, error) {
	if isRemote(key) {
		return l.fetch(ctx, key)
	}
	// Stat before opening: opening a pipe blocks until a writer comes.
	st, err := os.Stat(key)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", errors.New("no such file")
		}
		return "", unwrapPathError(err)
	}
	if st.IsDir() {
		return "", errors.New("is a directory, not a file")
	}
	if !st.Mode().IsRegular() {
		// A device or a pipe could block or never end.
		return "", errors.New("not a regular file")
	}
	if st.Size() > l.opts.MaxFileSize {
		return "", fmt.Errorf("file is %s, larger than the %s limit", sizeText(st.Size()), sizeText(l.opts.MaxFileSize))
	}
	fh, err := os.Open(key)
	if err != nil {
		return "", unwrapPathError(err)
	}
	defer fh.Close()
	var b strings.Builder
	b.Grow(int(st.Size()) + 1)
	n, err := io.Copy(&b, io.LimitReader(fh, l.opts.MaxFileSize+1))
	if err != nil {
		return "", unwrapPathError(err)
	}
	if n > l.opts.MaxFileSize {
		return "", fmt.Errorf("file is larger than the %s limit", sizeText(l.opts.MaxFileSize))
	}
	return b.String(), nil
}

func (l *loader) fetch(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := l.opts.HTTPClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, l.opts.MaxFileSize+1))
	if err != nil {
		return "", fmt.Errorf("GET %s: %v", url, err)
	}
	if int64(len(b)) > l.opts.MaxFileSize {
		return "", fmt.Errorf("file is larger than the %s limit", sizeText(l.opts.MaxFileSize))
	}
	return string(b), nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// parseFile reads and parses one file into our node tree. root says whether
// it must be an OpenAPI document (true) or may be any fragment (false).
func (l *loader) parseFile(ctx context.Context, key string, root bool) (*File, error) {
	name := l.displayName(key)
	src, err := l.readFile(ctx, key)
	if err != nil {
		return nil, &Error{Pos: Position{File: name}, Msg: err.Error()}
	}
	f := &File{Name: name, Path: key}
	if err := parseText(f, src, l.opts.MaxDepth); err != nil {
		return nil, err
	}
	if root {
		if err := checkOpenAPI(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}
