package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// Paths: the path-template tokenizer and the path helpers shared by the URL,
// parameter and status rules. Rules never case-check or pattern-match a raw
// path key: they tokenize it and look at literal parts and template
// expressions separately (catalogue §11).

// pathPart is a piece of a segment: literal text or a template expression.
type pathPart struct {
	Text  string // literal text, or the expression between the braces
	Param bool   // a {template} expression
}

// pathSegment is the text between two slashes.
type pathSegment struct {
	Text  string
	Parts []pathPart
}

// Whole reports a segment that is exactly one template expression.
func (s pathSegment) Whole() bool { return len(s.Parts) == 1 && s.Parts[0].Param }

// Literal reports a segment without template expressions.
func (s pathSegment) Literal() bool {
	for _, p := range s.Parts {
		if p.Param {
			return false
		}
	}
	return true
}

// parsedPath is a tokenized path key.
type parsedPath struct {
	Raw      string
	Segments []pathSegment // split on "/"; the leading empty segment is dropped, others kept
	// Brace problems found while tokenizing, for path-template-well-formed.
	Unbalanced bool // a } with no {, or a { never closed
	Nested     bool // a { inside an expression
}

// parsePath tokenizes a path key. It never fails: malformed braces are
// recorded and the text is split as well as it can be.
func parsePath(raw string) parsedPath {
	p := parsedPath{Raw: raw}
	rest := strings.TrimPrefix(raw, "/")
	if rest == "" {
		return p
	}
	for seg := range strings.SplitSeq(rest, "/") {
		s := pathSegment{Text: seg}
		depth, start, lit := 0, 0, 0
		for i := 0; i < len(seg); i++ {
			switch seg[i] {
			case '{':
				if depth == 0 {
					if i > lit {
						s.Parts = append(s.Parts, pathPart{Text: seg[lit:i]})
					}
					start = i + 1
				} else {
					p.Nested = true
				}
				depth++
			case '}':
				if depth == 0 {
					p.Unbalanced = true
					continue
				}
				depth--
				if depth == 0 {
					s.Parts = append(s.Parts, pathPart{Text: seg[start:i], Param: true})
					lit = i + 1
				}
			}
		}
		if depth > 0 {
			p.Unbalanced = true
			s.Parts = append(s.Parts, pathPart{Text: seg[start:], Param: true})
		} else if lit < len(seg) {
			s.Parts = append(s.Parts, pathPart{Text: seg[lit:]})
		}
		p.Segments = append(p.Segments, s)
	}
	return p
}

// Params returns the template expressions in order, as written.
func (p parsedPath) Params() []string {
	var out []string
	for _, s := range p.Segments {
		for _, part := range s.Parts {
			if part.Param {
				out = append(out, part.Text)
			}
		}
	}
	return out
}

// templateName returns the parameter name an expression refers to, without
// RFC 6570 operators or modifiers ({+path} → path, {id*} → id), so that a
// malformed template is reported once (by path-template-well-formed) rather
// than again as an undeclared parameter.
func templateName(expr string) string {
	expr = strings.TrimSpace(expr)
	if expr != "" && strings.IndexByte("+#./;?&=,!@|", expr[0]) >= 0 {
		expr = expr[1:]
	}
	if i := strings.IndexAny(expr, "*:"); i >= 0 {
		expr = expr[:i]
	}
	return expr
}

// normalizedTemplate replaces every expression with {} so that equivalent
// templates compare equal: /orders/{id} ≡ /orders/{orderId}.
func normalizedTemplate(p parsedPath) string {
	var b strings.Builder
	for _, s := range p.Segments {
		b.WriteByte('/')
		for _, part := range s.Parts {
			if part.Param {
				b.WriteString("{}")
			} else {
				b.WriteString(part.Text)
			}
		}
	}
	return b.String()
}

// isWellKnown reports /.well-known and everything under it (RFC 8615).
func isWellKnown(path string) bool {
	return path == "/.well-known" || strings.HasPrefix(path, "/.well-known/")
}

// looseVersionRE matches segments that look like an API version, well formed
// or not: v1, V2, v1.2, v1beta, v2-alpha1, v3_0. Whole segments only.
var looseVersionRE = regexp.MustCompile(`^[vV][0-9]+([._-]?[A-Za-z0-9]+)*$`)

// opLabel names an operation in messages: "GET /orders/{orderId}".
func opLabel(op *spec.Operation) string { return strings.ToUpper(op.Method) + " " + op.Path }

// pathKeys calls fn for every path key of the document, in source order.
func pathKeys(d *spec.Document, fn func(path string, key *spec.Node)) {
	d.Root.Get("paths").Each(func(path string, key, _ *spec.Node) {
		if !strings.HasPrefix(path, "x-") {
			fn(path, key)
		}
	})
}

// regexpCache compiles each option pattern once per process, so Check never
// compiles a regular expression twice.
var regexpCache sync.Map // string → *regexp.Regexp or error

func cachedRegexp(expr string) (*regexp.Regexp, error) {
	if v, ok := regexpCache.Load(expr); ok {
		if re, ok := v.(*regexp.Regexp); ok {
			return re, nil
		}
		return nil, v.(error)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		regexpCache.Store(expr, err)
		return nil, err
	}
	regexpCache.Store(expr, re)
	return re, nil
}

// optRegexp compiles a regex option, reporting a bad pattern once at the
// document root and falling back to def (config validation should have
// caught it; a rule never fails).
func optRegexp(ctx *rule.Context, name, def string) *regexp.Regexp {
	expr := ctx.Options.String(name)
	if expr == "" {
		expr = def
	}
	re, err := cachedRegexp(expr)
	if err != nil {
		ctx.Report(ctx.Doc.Root, "option %s: %q is not a valid regular expression (%v); using the default %q", name, expr, err, def)
		re, _ = cachedRegexp(def)
	}
	return re
}

// optRegexps compiles a list-of-regexes option, skipping (and reporting)
// bad entries.
func optRegexps(ctx *rule.Context, name string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, expr := range ctx.Options.Strings(name) {
		re, err := cachedRegexp(expr)
		if err != nil {
			ctx.Report(ctx.Doc.Root, "option %s: %q is not a valid regular expression (%v); ignoring it", name, expr, err)
			continue
		}
		out = append(out, re)
	}
	return out
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// stringSet turns a list option into a set.
func stringSet(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// pathShapes indexes a document's path templates by shape, to classify
// operations by path structure (catalogue §11: never by operationId).
type pathShapes map[string]bool

func newPathShapes(d *spec.Document) pathShapes {
	s := pathShapes{}
	pathKeys(d, func(path string, _ *spec.Node) { s[normalizedTemplate(parsePath(path))] = true })
	return s
}

// postKind classifies a POST as the catalogue does: "create" when the path
// is a collection whose item sibling …/{param} exists, "action" otherwise.
func (s pathShapes) postKind(op *spec.Operation) string {
	if s.postClass(op) == "create" {
		return "create"
	}
	return "action"
}

// postClass classifies a POST by path structure (catalogue §11: never by
// operationId): "create" when the path is a collection (its last segment is
// a literal) whose item sibling …/{param} exists; "action" for a declared
// action (`:verb` or /actions/verb); "" when the structure does not say (a
// collection without an item path, /orders/{orderId}/cancel). The extension
// `x-gwctl-kind: create|action` overrides the classification.
func (s pathShapes) postClass(op *spec.Operation) string {
	switch k := op.Node.Str("x-gwctl-kind"); k {
	case "create", "action":
		return k
	}
	p := parsePath(op.Path)
	if len(p.Segments) == 0 {
		return ""
	}
	if actionName(p) != "" {
		return "action"
	}
	last := p.Segments[len(p.Segments)-1]
	if last.Literal() && last.Text != "" && s[normalizedTemplate(p)+"/{}"] {
		return "create"
	}
	return ""
}

// actionName returns the custom action a path declares: the text after ":"
// in the last segment (/orders/{orderId}:cancel) or the segment after
// /actions/ (/orders/{orderId}/actions/cancel); "" if none.
func actionName(p parsedPath) string {
	n := len(p.Segments)
	if n == 0 {
		return ""
	}
	last := p.Segments[n-1]
	if len(last.Parts) == 0 {
		return ""
	}
	if lp := last.Parts[len(last.Parts)-1]; !lp.Param {
		if i := strings.LastIndexByte(lp.Text, ':'); i >= 0 && i < len(lp.Text)-1 {
			return lp.Text[i+1:]
		}
	}
	if n >= 2 && p.Segments[n-2].Text == "actions" && last.Literal() {
		return last.Text
	}
	return ""
}

// statusClass returns the first digit of a status key ('2' for "201" and
// "2XX"), or 0 for "default", extensions and malformed keys.
func statusClass(code string) byte {
	if len(code) == 3 && code[0] >= '1' && code[0] <= '5' {
		return code[0]
	}
	return 0
}

// isStatusCode reports a three-digit key such as "204".
func isStatusCode(code string) bool {
	return len(code) == 3 && isDigit(code[0]) && isDigit(code[1]) && isDigit(code[2])
}

// paramNameNode is where a finding about a parameter's name points: the
// `name` value of its definition (in components when it is a $ref).
func paramNameNode(p *spec.Param) *spec.Node {
	if n := p.Node.Get("name"); n != nil {
		return n
	}
	return p.Use
}

// paramUseNode is where a finding about one use of a parameter points: the
// `name` value of an inline parameter, or the `$ref` value of a reference.
func paramUseNode(p *spec.Param) *spec.Node {
	if p.Use != p.Node {
		if r := p.Use.Get("$ref"); r != nil {
			return r
		}
		return p.Use
	}
	return paramNameNode(p)
}

// optCodes reads a list of status codes written as strings or numbers
// (YAML config gives [200, "201"] as []any).
func optCodes(v any) []string {
	var out []string
	add := func(x any) {
		switch c := x.(type) {
		case string:
			out = append(out, c)
		case int:
			out = append(out, strconv.Itoa(c))
		case int64:
			out = append(out, strconv.FormatInt(c, 10))
		case float64:
			out = append(out, strconv.Itoa(int(c)))
		case fmt.Stringer: // json.Number
			out = append(out, c.String())
		}
	}
	switch l := v.(type) {
	case []string:
		return l
	case []int:
		for _, c := range l {
			add(c)
		}
	case []any:
		for _, c := range l {
			add(c)
		}
	}
	return out
}
