package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// PathTemplateWellFormedID is the id of the path template syntax rule.
const PathTemplateWellFormedID = "path-template-well-formed"

type pathTemplateWellFormed struct{}

func (pathTemplateWellFormed) Meta() rule.Meta {
	return rule.Meta{
		ID:       PathTemplateWellFormedID,
		Summary:  "Path templates are well formed: balanced braces, plain unique names, one expression filling each templated segment",
		Severity: rule.Error,
		Family:   "url",
		Options: []rule.Option{
			{Name: "allowMixedSegments", Default: false, Description: "allow segments that mix an expression with literal text (v{version}, {name}.csv)"},
			{Name: "allowedSuffixes", Default: []string{":*"}, Description: "literal text allowed right after a whole-segment expression even when mixed segments are off; a trailing * matches any rest (\":*\" allows {orderId}:cancel)"},
		},
		Fix: "Give every parameter its own whole segment with a plain name: /orders/{orderId}/items/{itemId}. OpenAPI paths support no RFC 6570 operators; query parameters go under parameters with in: query.",
	}
}

func (pathTemplateWellFormed) Check(ctx *rule.Context) {
	mixedOK := ctx.Options.Bool("allowMixedSegments")
	suffixes := ctx.Options.Strings("allowedSuffixes")
	pathKeys(ctx.Doc, func(path string, key *spec.Node) {
		pp := parsePath(path)
		if pp.Unbalanced {
			ctx.Report(key, "path %q has unbalanced braces: every { needs a matching }", path)
		}
		if pp.Nested {
			ctx.Report(key, "path %q nests braces: a template expression is one plain name, e.g. {orderId}", path)
		}
		seen := map[string]bool{}
		for _, seg := range pp.Segments {
			for i, part := range seg.Parts {
				if !part.Param {
					continue
				}
				expr := part.Text
				switch {
				case expr == "":
					ctx.Report(key, "path %q has an empty expression {}: name the parameter, e.g. {orderId}", path)
				case strings.IndexByte("?&", expr[0]) >= 0:
					ctx.Report(key, "path %q uses the RFC 6570 query operator in {%s}: remove it and declare %q under parameters with in: query", path, expr, templateName(expr))
				case strings.IndexByte("+#./;=,!@|", expr[0]) >= 0:
					ctx.Report(key, "path %q uses the RFC 6570 operator %q in {%s}, which OpenAPI paths do not support: use {%s}", path, expr[:1], expr, templateName(expr))
				case !isTemplateName(expr):
					want := templateName(expr)
					if !isTemplateName(want) {
						want = joinWords(splitWords(want), styleCamel)
					}
					if want != "" && isTemplateName(want) {
						ctx.Report(key, "path %q has the template name %q: names use only letters, digits and _ (gateway routes capture them by name): use {%s}", path, expr, want)
					} else {
						ctx.Report(key, "path %q has the template name %q: names use only letters, digits and _ (gateway routes capture them by name)", path, expr)
					}
				}
				if name := templateName(expr); name != "" {
					if seen[name] {
						ctx.Report(key, "path %q uses {%s} twice: give each parameter its own name (e.g. {customerId} and {orderId})", path, name)
					}
					seen[name] = true
				}
				if i > 0 && seg.Parts[i-1].Param {
					ctx.Report(key, "path segment %q has adjacent expressions {%s}{%s}, which cannot be told apart: put each in its own segment", seg.Text, seg.Parts[i-1].Text, expr)
				}
			}
			if !mixedOK && hasPathParam(seg) && hasLiteralText(seg) && !suffixAllowed(seg, suffixes) {
				if len(seg.Parts) == 2 && seg.Parts[0].Param {
					ctx.Report(key, "path segment %q mixes a template expression with literal text: make the expression fill the whole segment, or list %q in allowedSuffixes", seg.Text, seg.Parts[1].Text)
				} else {
					ctx.Report(key, "path segment %q mixes a template expression with literal text: make the expression fill the whole segment, or set allowMixedSegments", seg.Text)
				}
			}
		}
	})
}

// isTemplateName checks ^[A-Za-z_][A-Za-z0-9_]*$.
func isTemplateName(s string) bool {
	if s == "" || isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLower(c) && !isUpper(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

// suffixAllowed reports a segment that is one expression followed by an
// allowed literal suffix ({orderId}:cancel with ":*").
func suffixAllowed(seg pathSegment, suffixes []string) bool {
	if len(seg.Parts) != 2 || !seg.Parts[0].Param || seg.Parts[1].Param {
		return false
	}
	suffix := seg.Parts[1].Text
	for _, s := range suffixes {
		if p, ok := strings.CutSuffix(s, "*"); ok {
			if strings.HasPrefix(suffix, p) && len(suffix) > len(p) {
				return true
			}
		} else if s == suffix {
			return true
		}
	}
	return false
}

// hasLiteralText reports a segment with literal text besides its
// expressions.
func hasLiteralText(seg pathSegment) bool {
	for _, p := range seg.Parts {
		if !p.Param && p.Text != "" {
			return true
		}
	}
	return false
}

// hasPathParam reports an expression that is a path parameter, not an
// RFC 6570 query or fragment expression ({?status} is reported on its own).
func hasPathParam(seg pathSegment) bool {
	for _, p := range seg.Parts {
		if p.Param && (p.Text == "" || strings.IndexByte("?&#", p.Text[0]) < 0) {
			return true
		}
	}
	return false
}
