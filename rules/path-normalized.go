package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// PathNormalizedID is the id of the path normal-form rule.
const PathNormalizedID = "path-normalized"

type pathNormalized struct{}

func (pathNormalized) Meta() rule.Meta {
	return rule.Meta{
		ID:       PathNormalizedID,
		Summary:  "Path keys are in normal form: leading /, no trailing /, no empty, . or .. segments, no encoded or blank characters",
		Severity: rule.Error,
		Family:   "url",
		Options: []rule.Option{
			{Name: "allowRootSlash", Default: true, Description: `allow the root path "/" itself`},
		},
		Fix: "Write the path the way clients send it: /orders/items, not /orders//items/ or /orders/./items. The gateway and upstream frameworks may treat /a and /a/ as different routes.",
	}
}

func (pathNormalized) Check(ctx *rule.Context) {
	allowRoot := ctx.Options.Bool("allowRootSlash")
	pathKeys(ctx.Doc, func(path string, key *spec.Node) {
		if path == "/" {
			if !allowRoot {
				ctx.Report(key, `the root path "/" is not allowed: name the resource (e.g. /status)`)
			}
			return
		}
		if !strings.HasPrefix(path, "/") {
			ctx.Report(key, "path %q does not start with \"/\": use %q", path, normalizePath(path))
		}
		pp := parsePath(path)
		var empty, dots bool
		for i, seg := range pp.Segments {
			switch {
			case seg.Text == "" && i < len(pp.Segments)-1:
				empty = true
			case seg.Text == "." || seg.Text == "..":
				dots = true
			}
		}
		if empty {
			ctx.Report(key, "path %q has an empty segment (//): use %q", path, normalizePath(path))
		}
		if dots {
			ctx.Report(key, "path %q has a . or .. segment, which clients and proxies resolve away: use %q", path, normalizePath(path))
		}
		if len(path) > 1 && strings.HasSuffix(path, "/") {
			ctx.Report(key, "path %q ends in \"/\": use %q", path, normalizePath(path))
		}
		if c, ok := badPathChar(path); ok {
			ctx.Report(key, "path %q contains %s: write the plain character (or a {parameter}); paths are matched as written", path, c)
		}
	})
}

// normalizePath writes the normal form: one leading slash, no empty or dot
// segments (.. removes the one before it), no trailing slash.
func normalizePath(path string) string {
	var out []string
	for seg := range strings.SplitSeq(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	return "/" + strings.Join(out, "/")
}

// badPathChar finds a percent-encoding, whitespace, a control character or
// invalid UTF-8 outside template expressions.
func badPathChar(path string) (string, bool) {
	depth := 0
	for i := 0; i < len(path); {
		r, size := utf8.DecodeRuneInString(path[i:])
		switch {
		case r == '{':
			depth++
		case r == '}':
			if depth > 0 {
				depth--
			}
		case depth > 0:
		case r == utf8.RuneError && size == 1:
			return "invalid UTF-8", true
		case r == '%':
			return "a percent-encoded character (" + path[i:min(i+3, len(path))] + ")", true
		case unicode.IsSpace(r):
			return "whitespace", true
		case unicode.IsControl(r):
			return "a control character", true
		}
		i += size
	}
	return "", false
}
