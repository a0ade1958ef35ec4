package config

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Match reports whether name matches the slash-separated glob pattern. Each
// segment is matched with path.Match (`*`, `?`, `[…]`; `*` never crosses a
// `/`), and a `**` segment matches any number of segments, none included:
// `legacy/**` matches `legacy`, `legacy/a.yaml` and `legacy/x/y.yaml`;
// `/v1/legacy/**` matches the API path `/v1/legacy/{id}`. A malformed
// pattern matches nothing.
func Match(pattern, name string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			for len(rest) > 0 && rest[0] == "**" {
				rest = rest[1:]
			}
			if len(rest) == 0 {
				return true
			}
			for i := 0; i <= len(name); i++ {
				if matchSegs(rest, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		ok, err := path.Match(pat[0], name[0])
		if err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// ValidPattern reports whether a glob is well formed.
func ValidPattern(pattern string) bool {
	for _, seg := range strings.Split(pattern, "/") {
		if _, err := path.Match(seg, ""); err != nil {
			return false
		}
	}
	return true
}

func hasMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

func startsWithDotDot(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Glob returns the absolute paths of the files below dir that match pattern
// (slash-separated, relative to dir unless absolute). A pattern without
// wildcards returns the path itself when it exists (file or directory). `**`
// does not descend into hidden directories, node_modules or vendor.
func Glob(dir, pattern string) ([]string, error) {
	p := filepath.FromSlash(pattern)
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	p = filepath.Clean(p)
	if !hasMeta(pattern) {
		if _, err := os.Stat(p); err != nil {
			return nil, nil
		}
		return []string{p}, nil
	}
	if !ValidPattern(filepath.ToSlash(p)) {
		return nil, &patternError{pattern}
	}
	// Walk from the longest wildcard-free prefix.
	segs := strings.Split(filepath.ToSlash(p), "/")
	i := 0
	for i < len(segs) && !hasMeta(segs[i]) {
		i++
	}
	root := filepath.FromSlash(strings.Join(segs[:i], "/"))
	if root == "" {
		root = string(filepath.Separator)
	}
	full := filepath.ToSlash(p)
	var out []string
	err := filepath.WalkDir(root, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			if q == root {
				return fs.SkipAll
			}
			return nil
		}
		if d.IsDir() {
			n := d.Name()
			if q != root && (strings.HasPrefix(n, ".") || n == "node_modules" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if Match(full, filepath.ToSlash(q)) {
			out = append(out, q)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type patternError struct{ pattern string }

func (e *patternError) Error() string { return "malformed glob " + quote(e.pattern) }
