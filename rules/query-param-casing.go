package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// QueryParamCasingID is the id of the query parameter naming rule.
const QueryParamCasingID = "query-param-casing"

type queryParamCasing struct{}

func (queryParamCasing) Meta() rule.Meta {
	return rule.Meta{
		ID:       QueryParamCasingID,
		Summary:  "Query parameter names follow the property style (camelCase: ?createdAfter=)",
		Severity: rule.Error,
		Family:   "params",
		Options: []rule.Option{
			{Name: "style", Default: "camel", Description: "casing of query parameter names: camel, snake or kebab (use the same as property-casing)"},
			{Name: "acronyms", Default: []string{}, Description: "acronyms that may stay upper case inside a name (e.g. IP)"},
			{Name: "allowBracketFamilies", Default: true, Description: "accept the JSON:API families page[size] and filter[status], checking each part"},
			{Name: "allowDotted", Default: false, Description: "accept dotted paths such as fields.name, checking each part"},
			{Name: "allow", Default: []string{}, Description: "names accepted as written (e.g. $filter, api-version)"},
		},
		Fix: "Name query parameters like the JSON properties they filter on: ?createdAfter= for a createdAfter field.",
	}
}

func (queryParamCasing) Check(ctx *rule.Context) {
	o := ctx.Options
	q := queryNamer{
		namer:    namerFromOptions(o.String("style"), styleCamel, acronymWord, o.Strings("acronyms"), nil),
		brackets: o.Bool("allowBracketFamilies"),
		dotted:   o.Bool("allowDotted"),
	}
	allow := stringSet(o.Strings("allow"))
	checked := map[*spec.Node]bool{}
	for _, op := range ctx.Doc.Operations {
		for _, p := range op.Params {
			if p.In != "query" || p.Name == "" || allow[p.Name] || checked[p.Node] {
				continue
			}
			checked[p.Node] = true
			if !q.ok(p.Name) {
				ctx.Report(paramNameNode(p), "query parameter %q is not %s%s: use %q", p.Name, q.style, q.why(p.Name), q.suggest(p.Name))
			}
		}
	}
}

// queryNamer checks query names, which may be bracket families or dotted.
type queryNamer struct {
	namer
	brackets, dotted bool
}

// parts splits page[size] into page, size (and ids[] into ids); ok is false
// for malformed brackets.
func bracketParts(name string) (parts []string, ok bool) {
	i := strings.IndexByte(name, '[')
	parts = append(parts, name[:i])
	rest := name[i:]
	for rest != "" {
		if rest[0] != '[' {
			return nil, false
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, false
		}
		if inner := rest[1:end]; inner != "" {
			parts = append(parts, inner)
		}
		rest = rest[end+1:]
	}
	return parts, true
}

func (q queryNamer) ok(name string) bool {
	if q.brackets && strings.IndexByte(name, '[') > 0 {
		parts, ok := bracketParts(name)
		if !ok {
			return false
		}
		for _, p := range parts {
			if !q.partOK(p) {
				return false
			}
		}
		return true
	}
	return q.partOK(name)
}

func (q queryNamer) partOK(s string) bool {
	if q.dotted && strings.IndexByte(s, '.') > 0 {
		for p := range strings.SplitSeq(s, ".") {
			if !q.namer.ok(p) {
				return false
			}
		}
		return true
	}
	return q.namer.ok(s)
}

func (q queryNamer) suggest(name string) string {
	if q.brackets && strings.IndexByte(name, '[') > 0 {
		if parts, ok := bracketParts(name); ok {
			var b strings.Builder
			b.WriteString(q.partSuggest(parts[0]))
			for _, p := range parts[1:] {
				b.WriteString("[" + q.partSuggest(p) + "]")
			}
			if strings.HasSuffix(name, "[]") {
				b.WriteString("[]")
			}
			return b.String()
		}
	}
	return q.partSuggest(name)
}

func (q queryNamer) partSuggest(s string) string {
	if q.dotted && strings.IndexByte(s, '.') > 0 {
		var out []string
		for p := range strings.SplitSeq(s, ".") {
			out = append(out, q.namer.suggest(p))
		}
		return strings.Join(out, ".")
	}
	return q.namer.suggest(s)
}
