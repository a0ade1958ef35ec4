package rules

import (
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// ResponseTopLevelObjectID is the id of the response-top-level-object rule.
const ResponseTopLevelObjectID = "response-top-level-object"

type responseTopLevelObject struct{}

func (responseTopLevelObject) Meta() rule.Meta {
	return rule.Meta{
		ID:       ResponseTopLevelObjectID,
		Summary:  "JSON success responses are objects, never top-level arrays or primitives",
		Severity: rule.Error,
		Family:   "shapes",
		Options: []rule.Option{
			{Name: "mediaTypes", Default: []string{"application/json", "*+json"}, Description: "media types checked (`*+json` is any structured JSON suffix); others such as text/csv or application/x-ndjson are exempt"},
		},
		Fix: "Wrap the value in an object so that fields can be added later without breaking clients: a list becomes `{items: [...], page: {...}}`, a primitive becomes `{value: ...}` or a named member.",
	}
}

func (responseTopLevelObject) Check(ctx *rule.Context) {
	types := ctx.Options.Strings("mediaTypes")
	seen := map[*spec.Node]bool{}
	for _, op := range ctx.Doc.Operations {
		eachResponse(op, func(code string, _, resp *spec.Node) {
			if !isSuccessCode(code) {
				return
			}
			resp.Get("content").Each(func(mt string, _, media *spec.Node) {
				if seen[media] || !mediaMatches(mt, types) {
					return
				}
				seen[media] = true
				use := media.Get("schema")
				bad, what := nonObject(ctx.Set, use)
				if bad == nil {
					return
				}
				at, how := media.KeyNode("schema"), "is"
				if bad != use {
					at, how = declSite(bad), "can be" // a composition branch
				}
				ctx.Report(at, "the %s %s response body %s %s: return a JSON object (a list as `{items: [...], page: {...}}`) so it can evolve without breaking clients", code, mediaEssence(mt), how, what)
			})
		})
	}
}
