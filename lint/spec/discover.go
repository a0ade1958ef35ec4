package spec

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// sniffSize is how much of a file Discover reads to find its top-level keys.
const sniffSize = 64 << 10

// Discover expands directories into the spec files they hold and checks that
// named files exist. The result is sorted and without repeats.
//
// A file named on the command line is always taken, whatever its name. A
// directory is walked recursively, skipping directories whose name starts
// with a dot, node_modules, vendor and testdata (below the named directory;
// naming one of those directly walks it). In it a file is a spec when its
// extension is .yaml, .yml or .json (any case) and either its name is
// openapi.<ext> or ends in .openapi.<ext>, or its first 64 KiB show a
// top-level `openapi` or `swagger` key: a line that starts with `openapi:` in
// YAML, a key of the outermost object in JSON. Swagger 2.0 files are taken so
// that Load can say they are not supported. A directory with no spec is an
// error.
func Discover(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	var errs Errors
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
			msg := "no such file or directory"
			if !errors.Is(err, os.ErrNotExist) {
				msg = unwrapPathError(err).Error()
			}
			errs = append(errs, &Error{Pos: Position{File: p}, Msg: msg})
			continue
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
			if isRegular(path, d) && looksLikeSpec(path) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, &Error{Pos: Position{File: p}, Msg: unwrapPathError(err).Error()})
			continue
		}
		if len(found) == 0 {
			errs = append(errs, &Error{Pos: Position{File: p}, Msg: "no OpenAPI files found in this directory (looked for openapi.yaml, *.openapi.yaml and .yaml/.yml/.json files with a top-level `openapi` key)"})
			continue
		}
		for _, f := range found {
			add(f)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sort.Strings(out)
	return out, nil
}

// isRegular reports a regular file, following a symlink: sniffing a pipe
// or a device would block or never end.
func isRegular(path string, d os.DirEntry) bool {
	if d.Type().IsRegular() {
		return true
	}
	if d.Type()&os.ModeSymlink == 0 {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
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
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, sniffSize)
	n, _ := io.ReadFull(f, buf)
	return hasSpecKey(string(buf[:n]))
}

// hasSpecKey reports whether the start of a file shows a top-level openapi
// or swagger key.
func hasSpecKey(head string) bool {
	head = strings.TrimPrefix(head, "\xef\xbb\xbf")
	if t := strings.TrimLeft(head, " \t\r\n"); strings.HasPrefix(t, "{") {
		return jsonTopKey(t)
	}
	for line := range strings.Lines(head) {
		for _, q := range []string{"", `"`, `'`} {
			for _, k := range []string{"openapi", "swagger"} {
				if rest, ok := strings.CutPrefix(line, q+k+q); ok && strings.HasPrefix(strings.TrimLeft(rest, " \t"), ":") {
					return true
				}
			}
		}
	}
	return false
}

// jsonTopKey scans the outermost object of a JSON text for an openapi or
// swagger key, skipping nested values and strings.
func jsonTopKey(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return false
			}
			str := s[i+1 : j]
			i = j
			if depth == 1 && (str == "openapi" || str == "swagger") {
				rest := strings.TrimLeft(s[j+1:], " \t\r\n")
				if strings.HasPrefix(rest, ":") {
					return true
				}
			}
		}
	}
	return false
}
