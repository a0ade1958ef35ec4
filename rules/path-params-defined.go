package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// PathParamsDefinedID is the id of the rule matching templates and path
// parameters.
const PathParamsDefinedID = "path-params-defined"

type pathParamsDefined struct{}

func (pathParamsDefined) Meta() rule.Meta {
	return rule.Meta{
		ID:       PathParamsDefinedID,
		Summary:  "Every {name} in a path is declared once as a required in: path parameter of each operation, and every path parameter is in the path",
		Severity: rule.Error,
		Family:   "params",
		Fix:      "Declare each template name as {name: orderId, in: path, required: true, schema: {type: string}} on the path item (shared by all its operations) or on the operation, and remove path parameters the template does not use.",
	}
}

func (pathParamsDefined) Check(ctx *rule.Context) {
	set := ctx.Set
	reported := map[*spec.Node]bool{} // a path-item or components parameter is reported once
	once := func(n *spec.Node) bool {
		if reported[n] {
			return false
		}
		reported[n] = true
		return true
	}
	for _, op := range ctx.Doc.Operations {
		var names []string
		inTemplate := map[string]bool{}
		for _, expr := range parsePath(op.Path).Params() {
			if name := templateName(expr); name != "" && !inTemplate[name] {
				inTemplate[name] = true
				names = append(names, name)
			}
		}
		declared := map[string]bool{}
		for _, p := range op.Params {
			if p.In == "path" {
				declared[p.Name] = true
			}
		}
		var undeclared []string
		for _, name := range names {
			if !declared[name] {
				undeclared = append(undeclared, name)
				ctx.Report(op.MethodKey, "%s does not declare the path parameter %q: add {name: %s, in: path, required: true, schema: {type: string}} to the operation or its path item", opLabel(op), name, name)
			}
		}
		for _, p := range op.Params {
			if p.In != "path" {
				continue
			}
			if !inTemplate[p.Name] {
				if at := paramUseNode(p); once(at) {
					hint := "remove it"
					for _, u := range undeclared {
						if strings.EqualFold(u, p.Name) {
							hint = "rename it to " + u
						}
					}
					if len(undeclared) == 1 && hint == "remove it" {
						hint = "rename it to " + undeclared[0] + " or remove it"
					}
					ctx.Report(at, "path parameter %q is not in the path %q: %s", p.Name, op.Path, hint)
				}
				continue
			}
			if !p.Required && once(p.Node) {
				at := p.Node.Get("required")
				if at == nil {
					at = paramNameNode(p)
				}
				ctx.Report(at, "path parameter %q must be required: set required: true (a path cannot match without it)", p.Name)
			}
		}
		duplicates(ctx, set, op.PathItem.Get("parameters"), once)
		duplicates(ctx, set, op.Node.Get("parameters"), once)
	}
}

// duplicates reports in: path parameters listed twice in one parameters
// list (the loader keeps the last one silently).
func duplicates(ctx *rule.Context, set *spec.Set, list *spec.Node, once func(*spec.Node) bool) {
	items := list.Items()
	if len(items) < 2 {
		return
	}
	seen := map[string]bool{}
	for _, use := range items {
		p := set.Deref(use)
		if p.Str("in") != "path" {
			continue
		}
		name := p.Str("name")
		if seen[name] {
			at := use
			if r := use.Get("$ref"); r != nil {
				at = r
			} else if n := use.Get("name"); n != nil {
				at = n
			}
			if once(at) {
				ctx.Report(at, "path parameter %q is declared twice in the same parameters list: remove one", name)
			}
		}
		seen[name] = true
	}
}
