package lint

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// Changed-only linting.
//
// `gwctl lint --changed-since REF` reports only the findings inside what
// changed between the git revision REF and the working tree: the operations
// (paths/<path>/<method>), path items (paths/<path>) and components
// (components/<kind>/<name>) whose lines overlap a change, plus findings
// about a file as a whole (info, servers, tags, …) when that file changed at
// all. Files that git does not track yet, new files and renamed files
// count as changed throughout. A cross-spec finding is kept when any of its
// places (the finding or a related one) is in a changed unit.
//
// An operation's extent runs from its key's line to the line before the
// next key at the same or a shallower level (the next method, the next
// path, the next top-level section), so comments and multi-line texts at
// its end belong to it. A deletion counts against the line it follows.
//
// Every spec is still loaded (cross-spec rules need them all), but rules that
// check one document at a time skip the documents none of whose files
// changed.

// Changes are the changed lines of the files in a git working tree.
type Changes struct {
	// Ref is the revision compared against.
	Ref string
	// Top is the repository's top directory.
	Top string

	files map[string]*fileChange // by absolute path, symlinks resolved

	mu       sync.Mutex
	resolved map[string]string // absolute path → symlink-free path
}

type fileChange struct {
	whole  bool        // new, untracked or renamed: every line changed
	ranges []lineRange // changed lines of the new version, sorted
}

type lineRange struct{ from, to int } // inclusive, 1-based

// NewChanges builds a change set by hand (for tests and other VCSs): lines
// maps an absolute file path to its changed line ranges ({from, to},
// inclusive); a nil slice means the whole file changed.
func NewChanges(ref string, lines map[string][][2]int) *Changes {
	c := &Changes{Ref: ref, files: map[string]*fileChange{}, resolved: map[string]string{}}
	for path, rs := range lines {
		fc := &fileChange{whole: rs == nil}
		for _, r := range rs {
			fc.ranges = append(fc.ranges, lineRange{r[0], r[1]})
		}
		sortRanges(fc.ranges)
		c.files[c.real(path)] = fc
	}
	return c
}

// GitError is a failure to get the changes from git: not a repository, an
// unknown revision, git missing.
type GitError struct {
	Msg string
	Err error
}

func (e *GitError) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	return e.Msg + ": " + e.Err.Error()
}
func (e *GitError) Unwrap() error { return e.Err }

// specPathspecs limit git to the files specs can be in.
var specPathspecs = []string{"*.yaml", "*.yml", "*.json"}

// GitChanges asks git, in the repository that holds dir, for the lines
// changed between ref and the working tree (staged or not), and for the
// files it does not track yet.
func GitChanges(ctx context.Context, dir, ref string) (*Changes, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, &GitError{Msg: "--changed-since needs git", Err: err}
	}
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		where := dir
		if where == "." || where == "" {
			where = "the working directory"
		}
		return nil, &GitError{Msg: fmt.Sprintf("--changed-since needs a git repository; %s is not in one", where)}
	}
	top = strings.TrimRight(top, "\r\n")
	if strings.HasPrefix(ref, "-") {
		return nil, &GitError{Msg: fmt.Sprintf("--changed-since %q: not a git revision", ref)}
	}
	if _, err := git(ctx, top, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}"); err != nil {
		return nil, &GitError{Msg: fmt.Sprintf("--changed-since %s: unknown git revision (fetch it first, e.g. git fetch origin %s)", ref, ref)}
	}
	diff, err := git(ctx, top, append([]string{"-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--no-textconv",
		"--no-renames", "--unified=0", "--src-prefix=a/", "--dst-prefix=b/", ref, "--"}, specPathspecs...)...)
	if err != nil {
		return nil, &GitError{Msg: "git diff " + ref, Err: err}
	}
	untracked, err := git(ctx, top, append([]string{"ls-files", "--others", "--exclude-standard", "-z", "--"}, specPathspecs...)...)
	if err != nil {
		return nil, &GitError{Msg: "git ls-files", Err: err}
	}
	c := &Changes{Ref: ref, Top: top, files: map[string]*fileChange{}, resolved: map[string]string{}}
	for path, fc := range parseUnifiedDiff(diff) {
		c.files[c.real(filepath.Join(top, filepath.FromSlash(path)))] = fc
	}
	for _, p := range strings.Split(untracked, "\x00") {
		if p != "" {
			c.files[c.real(filepath.Join(top, filepath.FromSlash(p)))] = &fileChange{whole: true}
		}
	}
	return c, nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	// A user's pager, colour or external diff settings must not leak in.
	cmd.Env = append(os.Environ(), "GIT_PAGER=cat", "GIT_EXTERNAL_DIFF=", "LC_ALL=C")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(errb.String()); msg != "" {
			return "", errors.New(msg)
		}
		return "", err
	}
	return out.String(), nil
}

// parseUnifiedDiff reads `git diff --unified=0` output into the changed line
// ranges of each file's new version, by path relative to the top.
func parseUnifiedDiff(diff string) map[string]*fileChange {
	out := map[string]*fileChange{}
	var cur *fileChange
	sc := bufio.NewScanner(strings.NewReader(diff))
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "diff --git "):
			cur = nil
		case strings.HasPrefix(line, "+++ "):
			name := strings.TrimPrefix(line, "+++ ")
			if name == "/dev/null" {
				cur = nil // deleted
				continue
			}
			if strings.HasPrefix(name, `"`) {
				if u, err := strconv.Unquote(name); err == nil {
					name = u
				}
			}
			name = strings.TrimPrefix(name, "b/")
			cur = &fileChange{}
			out[name] = cur
		case strings.HasPrefix(line, "@@ ") && cur != nil:
			if r, ok := parseHunk(line); ok {
				cur.ranges = append(cur.ranges, r)
			}
		}
	}
	for _, fc := range out {
		sortRanges(fc.ranges)
	}
	return out
}

// parseHunk reads "@@ -a,b +c,d @@ …": lines c … c+d-1 of the new file
// changed; d = 0 (a pure deletion) counts against line c, the line the
// deleted ones followed.
func parseHunk(line string) (lineRange, bool) {
	fields := strings.Fields(line)
	if len(fields) < 3 || !strings.HasPrefix(fields[2], "+") {
		return lineRange{}, false
	}
	spec := strings.TrimPrefix(fields[2], "+")
	start, count := spec, "1"
	if i := strings.IndexByte(spec, ','); i >= 0 {
		start, count = spec[:i], spec[i+1:]
	}
	c, err1 := strconv.Atoi(start)
	d, err2 := strconv.Atoi(count)
	if err1 != nil || err2 != nil {
		return lineRange{}, false
	}
	if d == 0 {
		c = max(c, 1)
		return lineRange{c, c}, true
	}
	return lineRange{c, c + d - 1}, true
}

func sortRanges(rs []lineRange) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].from < rs[j].from })
}

// real resolves symlinks so that git's paths and the loader's compare equal.
func (c *Changes) real(abs string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.resolved[abs]; ok {
		return r
	}
	r := filepath.Clean(abs)
	if e, err := filepath.EvalSymlinks(r); err == nil {
		r = e
	} else if d, err := filepath.EvalSymlinks(filepath.Dir(r)); err == nil {
		r = filepath.Join(d, filepath.Base(r)) // a deleted file: resolve its directory
	}
	c.resolved[abs] = r
	return r
}

// Files is the number of changed files.
func (c *Changes) Files() int { return len(c.files) }

func (c *Changes) of(f *spec.File) *fileChange {
	if c == nil || f == nil || f.Path == "" || strings.Contains(f.Path, "://") {
		return nil
	}
	return c.files[c.real(f.Path)]
}

// FileChanged reports whether any line of f changed.
func (c *Changes) FileChanged(f *spec.File) bool {
	fc := c.of(f)
	return fc != nil && (fc.whole || len(fc.ranges) > 0)
}

func (fc *fileChange) overlaps(from, to int) bool {
	if fc == nil {
		return false
	}
	if fc.whole {
		return true
	}
	for _, r := range fc.ranges {
		if r.from > to {
			return false
		}
		if r.to >= from {
			return true
		}
	}
	return false
}

// unit is an operation, path item or component: the smallest part of a spec
// a change is attributed to.
type unit struct{ from, to int }

// units lists the operations, path items and components of a file with
// their line extents.
func units(f *spec.File) []unit {
	root := f.Root
	if !root.IsMap() {
		return nil
	}
	var out []unit
	ends := childEnds(root, max(f.Lines, 1))
	for i, k := range root.Keys {
		v := root.Values[i]
		switch k.Value {
		case "paths", "webhooks":
			pathEnds := childEnds(v, ends[i])
			for j, pk := range v.Keys {
				out = append(out, unit{pk.Line, pathEnds[j]})
				item := v.Values[j]
				if !item.IsMap() {
					continue
				}
				opEnds := childEnds(item, pathEnds[j])
				for m, mk := range item.Keys {
					if spec.IsMethod(mk.Value) {
						out = append(out, unit{mk.Line, opEnds[m]})
					}
				}
			}
		case "components":
			kindEnds := childEnds(v, ends[i])
			for j := range v.Keys {
				kind := v.Values[j]
				nameEnds := childEnds(kind, kindEnds[j])
				for m, nk := range kind.Keys {
					out = append(out, unit{nk.Line, nameEnds[m]})
				}
			}
		}
	}
	return out
}

// childEnds gives each entry of mapping m its last line: the line before
// the next entry's key, the last one ending where m ends.
func childEnds(m *spec.Node, end int) []int {
	if !m.IsMap() {
		return nil
	}
	out := make([]int, len(m.Keys))
	for i, k := range m.Keys {
		e := end
		if i+1 < len(m.Keys) {
			e = m.Keys[i+1].Line - 1
		}
		out[i] = min(max(e, k.Line), max(end, k.Line))
	}
	return out
}

// changeFilter decides which findings are inside the changes.
type changeFilter struct {
	c      *Changes
	byName map[string]*spec.File
	units  map[*spec.File][]unit
}

func newChangeFilter(c *Changes, set *spec.Set) *changeFilter {
	cf := &changeFilter{c: c, byName: map[string]*spec.File{}, units: map[*spec.File][]unit{}}
	for _, f := range set.Files() {
		cf.byName[f.Name] = f
	}
	return cf
}

// keep reports whether f, or a place related to it, is in a changed unit.
func (cf *changeFilter) keep(f rule.Finding) bool {
	file := cf.byName[f.Pos.File]
	if f.Node != nil && f.Node.File() != nil {
		file = f.Node.File()
	}
	if cf.inChange(file, f.Pos.Line) {
		return true
	}
	for _, r := range f.Related {
		if cf.inChange(cf.byName[r.File], r.Line) {
			return true
		}
	}
	return false
}

// inChange: the innermost unit holding line overlaps a change; a line in no
// unit (or line 0, the whole file) is about the file, which must have
// changed somewhere.
func (cf *changeFilter) inChange(f *spec.File, line int) bool {
	fc := cf.c.of(f)
	if fc == nil {
		return false
	}
	if fc.whole {
		return true
	}
	us, ok := cf.units[f]
	if !ok {
		us = units(f)
		cf.units[f] = us
	}
	best := unit{from: -1}
	if line > 0 {
		for _, u := range us {
			if u.from <= line && line <= u.to && u.from > best.from {
				best = u
			}
		}
	}
	if best.from < 0 {
		return len(fc.ranges) > 0
	}
	return fc.overlaps(best.from, best.to)
}

// touched reports the documents whose rules must run: those with a changed
// file. A changed file that no document is the root of (a shared file of
// components) may change what any document's rules find, so then every
// document runs.
func (c *Changes) touched(set *spec.Set) func(*spec.Document) bool {
	roots := map[*spec.File]bool{}
	for _, d := range set.Docs {
		roots[d.File] = true
	}
	for _, f := range set.Files() {
		if !roots[f] && c.FileChanged(f) {
			return func(*spec.Document) bool { return true }
		}
	}
	return func(d *spec.Document) bool { return c.FileChanged(d.File) }
}
