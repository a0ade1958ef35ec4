package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// PathNoQueryOrFragmentID is the id of the rule against query strings and
// fragments in path keys.
const PathNoQueryOrFragmentID = "path-no-query-or-fragment"

type pathNoQueryOrFragment struct{}

func (pathNoQueryOrFragment) Meta() rule.Meta {
	return rule.Meta{
		ID:       PathNoQueryOrFragmentID,
		Summary:  "Path keys contain no query string (?, &) or fragment (#)",
		Severity: rule.Error,
		Family:   "url",
		Fix:      "Remove the query string from the path key and declare each query parameter under parameters with in: query; fragments are never sent to a server, so drop them.",
	}
}

func (pathNoQueryOrFragment) Check(ctx *rule.Context) {
	pathKeys(ctx.Doc, func(path string, key *spec.Node) {
		q, h, amp := outsideTemplates(path, '?'), outsideTemplates(path, '#'), outsideTemplates(path, '&')
		switch {
		case q >= 0:
			end := len(path)
			if h > q {
				end = h
			}
			names := queryNames(path[q+1 : end])
			what := "declare its parameters"
			if len(names) > 0 {
				what = "declare " + quoteList(names) + " as in: query parameters"
			}
			ctx.Report(key, "path %q contains a query string: use %q and %s", path, path[:q], what)
		case amp >= 0:
			ctx.Report(key, "path %q contains \"&\": query parameters belong under parameters with in: query, not in the path", path)
		}
		if h >= 0 {
			ctx.Report(key, "path %q contains the fragment %q, which is never sent to the server: remove it", path, path[h:])
		}
	})
}

// outsideTemplates returns the index of c outside {…} expressions, or -1.
// ({?query} operators are path-template-well-formed's to report.)
func outsideTemplates(path string, c byte) int {
	depth := 0
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case c:
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// queryNames lists the parameter names of a query string: a=1&b → a, b.
func queryNames(q string) []string {
	var out []string
	for pair := range strings.SplitSeq(q, "&") {
		name, _, _ := strings.Cut(pair, "=")
		if name != "" {
			out = append(out, name)
		}
	}
	return out
}

// quoteList writes "a", "b" and "c".
func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = `"` + s + `"`
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
