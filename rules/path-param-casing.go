package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// PathParamCasingID is the id of the path parameter naming rule.
const PathParamCasingID = "path-param-casing"

type pathParamCasing struct{}

func (pathParamCasing) Meta() rule.Meta {
	return rule.Meta{
		ID:       PathParamCasingID,
		Summary:  "Path parameter names are camelCase ({orderId}), never hyphenated",
		Severity: rule.Error,
		Family:   "params",
		Options: []rule.Option{
			{Name: "style", Default: "camel", Description: "casing of path parameter names: camel or snake"},
			{Name: "acronyms", Default: []string{}, Description: `acronyms that may stay upper case inside a name (e.g. ["IP"] allows {clientIP}); others are words: {userId}, not {userID}`},
		},
		Fix: "Rename the parameter in the template and its declaration: {order-id} and {order_id} become {orderId}. Hyphens cannot appear in the named regex captures gateways build from routes and break several code generators.",
	}
}

func (pathParamCasing) Check(ctx *rule.Context) {
	nm := namerFromOptions(ctx.Options.String("style"), styleCamel, acronymWord, ctx.Options.Strings("acronyms"), nil)
	if nm.style != styleSnake {
		nm.style = styleCamel
	}
	why := func(name string) string {
		if strings.Contains(name, "-") {
			return " (hyphens break the named captures of gateway routes and many code generators)"
		}
		return nm.why(name)
	}
	checked := map[*spec.Node]bool{}
	declared := map[string]map[string]bool{} // path → names declared by any of its operations
	for _, op := range ctx.Doc.Operations {
		d := declared[op.Path]
		if d == nil {
			d = map[string]bool{}
			declared[op.Path] = d
		}
		for _, p := range op.Params {
			if p.In != "path" || p.Name == "" {
				continue
			}
			d[p.Name] = true
			if checked[p.Node] {
				continue
			}
			checked[p.Node] = true
			if !nm.ok(p.Name) {
				ctx.Report(paramNameNode(p), "path parameter %q is not %s%s: use %q here and in the path template", p.Name, nm.style, why(p.Name), nm.suggest(p.Name))
			}
		}
	}
	// Template names nobody declares (path-params-defined reports the
	// missing declaration) are checked at the path key.
	pathKeys(ctx.Doc, func(path string, key *spec.Node) {
		seen := map[string]bool{}
		for _, expr := range parsePath(path).Params() {
			name := templateName(expr)
			if name == "" || seen[name] || declared[path][name] {
				continue
			}
			seen[name] = true
			if !nm.ok(name) {
				ctx.Report(key, "path parameter {%s} is not %s%s: use {%s}", name, nm.style, why(name), nm.suggest(name))
			}
		}
	})
}
