package rules

import (
	"slices"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// PathSegmentsKebabCaseID is the id of the path segment casing rule.
const PathSegmentsKebabCaseID = "path-segments-kebab-case"

type pathSegmentsKebabCase struct{}

func (pathSegmentsKebabCase) Meta() rule.Meta {
	return rule.Meta{
		ID:       PathSegmentsKebabCaseID,
		Summary:  "Literal path segments are kebab-case (/customer-orders, /api-keys)",
		Severity: rule.Error,
		Family:   "url",
		Options: []rule.Option{
			{Name: "style", Default: "kebab", Description: "casing of literal segments: kebab, snake or camel"},
			{Name: "versionPattern", Default: `^v[0-9]+$`, Description: "segments matching this regex are version segments and are not case-checked"},
			{Name: "allowedExtensions", Default: []string{}, Description: "file extensions allowed at the end of a segment, without the dot (e.g. json, csv)"},
			{Name: "actionSeparator", Default: ":", Description: `separator of a custom action at the end of a segment ({orderId}:cancel); "" turns action syntax off`},
			{Name: "actionStyle", Default: "kebab", Description: "casing of custom action names after actionSeparator: kebab, snake or camel (AIP-136 uses camel)"},
			{Name: "ignorePrefixes", Default: []string{}, Description: "path prefixes whose segments are not checked (e.g. a gateway prefix you do not own)"},
			{Name: "allow", Default: []string{}, Description: "regexes for literal segment texts that are accepted as written"},
		},
		Fix: "Write literal segments in lower case with hyphens between words (/customer-orders); acronyms are words too (/api-keys). Template names are checked by path-param-casing.",
	}
}

func (pathSegmentsKebabCase) Check(ctx *rule.Context) {
	o := ctx.Options
	nm := namerFromOptions(o.String("style"), styleKebab, acronymWord, nil, nil)
	actions := namerFromOptions(o.String("actionStyle"), nm.style, acronymWord, nil, nil)
	versionRE := optRegexp(ctx, "versionPattern", `^v[0-9]+$`)
	allow := optRegexps(ctx, "allow")
	sep := o.String("actionSeparator")
	exts := map[string]bool{}
	for _, e := range o.Strings("allowedExtensions") {
		exts[strings.ToLower(strings.TrimPrefix(e, "."))] = true
	}
	ignore := o.Strings("ignorePrefixes")

	pathKeys(ctx.Doc, func(path string, key *spec.Node) {
		if isWellKnown(path) {
			return
		}
		// A query string or fragment is path-no-query-or-fragment's to report.
		for _, c := range []byte{'?', '#', '&'} {
			if i := outsideTemplates(path, c); i >= 0 {
				path = path[:i]
			}
		}
		pp := parsePath(path)
		skip := prefixSegments(path, ignore)
		for i, seg := range pp.Segments {
			if i < skip || seg.Text == "" || seg.Text == "." || seg.Text == ".." ||
				strings.ContainsAny(seg.Text, "% \t") || versionRE.MatchString(seg.Text) || looseVersionRE.MatchString(seg.Text) {
				continue // empty, dot and encoded segments: path-normalized; versions: path-version-segment
			}
			mixed := !seg.Literal()
			var done []string // literal texts already reported in this segment
			for j, part := range seg.Parts {
				if part.Param {
					continue
				}
				text := part.Text
				// A custom action: {orderId}:cancel, or orders:batchGet.
				if sep != "" {
					if k := strings.Index(text, sep); k >= 0 && j == len(seg.Parts)-1 {
						action := text[k+len(sep):]
						if action != "" && !matchAny(allow, action) && !actions.ok(action) {
							ctx.Report(key, "action %q in path segment %q is not %s: use %q", sep+action, seg.Text, actions.style, sep+actions.suggest(action))
						}
						text = text[:k]
					}
				}
				if mixed {
					// The separator next to a template is punctuation: {from}-{to}.
					text = trimSeparators(text, nm.style)
				}
				if text == "" || matchAny(allow, text) {
					continue
				}
				// A file extension: orders.json, or {name}.csv in a mixed segment.
				if dot := strings.LastIndexByte(text, '.'); dot >= 0 {
					ext := text[dot+1:]
					if exts[strings.ToLower(ext)] {
						text = text[:dot]
						if text == "" {
							continue
						}
					} else if looksLikeExtension(ext) && (dot == 0 || isAlnum(strings.ReplaceAll(text[:dot], "-", ""))) {
						ctx.Report(key, "path segment %q ends in the file extension %q: remove it and let content negotiation pick the format, or list %q in allowedExtensions", seg.Text, "."+ext, ext)
						continue
					}
				}
				if nm.ok(text) || slices.Contains(done, text) {
					continue
				}
				done = append(done, text)
				want := nm.suggest(text)
				switch {
				case want == "":
					ctx.Report(key, "path segment %q has %q, which is not %s: remove it", seg.Text, text, nm.style)
				case mixed || text != seg.Text:
					ctx.Report(key, "path segment %q has %q, which is not %s: use %q", seg.Text, text, nm.style, want)
				default:
					ctx.Report(key, "path segment %q is not %s: use %q", seg.Text, nm.style, want)
				}
			}
		}
	})
}

// prefixSegments returns how many leading segments of path belong to the
// first matching ignored prefix.
func prefixSegments(path string, prefixes []string) int {
	for _, p := range prefixes {
		p = strings.TrimSuffix(p, "/")
		if p != "" && (path == p || strings.HasPrefix(path, p+"/")) {
			return strings.Count(p, "/")
		}
	}
	return 0
}

// trimSeparators drops the style's word separator where a literal touches a
// template expression.
func trimSeparators(s string, style caseStyle) string {
	switch style {
	case styleKebab:
		return strings.Trim(s, "-")
	case styleSnake, styleUpperSnake:
		return strings.Trim(s, "_")
	}
	return s
}

func isAlnum(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLower(c) && !isUpper(c) && !isDigit(c) {
			return false
		}
	}
	return true
}

// looksLikeExtension accepts short alphanumeric suffixes (json, csv, tar, gz,
// mp4) so that a dotted word such as customer.orders is reported as a casing
// problem instead.
func looksLikeExtension(ext string) bool {
	return len(ext) >= 1 && len(ext) <= 5 && isLower(ext[0]|0x20) && isAlnum(ext)
}
