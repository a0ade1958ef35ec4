package rules

import (
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// ResponseBodyByStatusID is the id of the rule matching response bodies to
// status codes.
const ResponseBodyByStatusID = "response-body-by-status"

type responseBodyByStatus struct{}

func (responseBodyByStatus) Meta() rule.Meta {
	return rule.Meta{
		ID:       ResponseBodyByStatusID,
		Summary:  "204, 304 and HEAD responses have no content; 200, 201 and 206 responses do",
		Severity: rule.Error,
		Family:   "status",
		Options: []rule.Option{
			{Name: "allowEmptyCreated", Default: false, Description: "accept a 201 without content (the Location header names the new resource)"},
		},
		Fix: "Remove content from 204, 304 and HEAD responses (HTTP forbids a body there); describe the body of 200, 201 and 206 responses, or return 204 when there is none.",
	}
}

func (responseBodyByStatus) Check(ctx *rule.Context) {
	emptyCreated := ctx.Options.Bool("allowEmptyCreated")
	reported := map[*spec.Node]bool{} // shared (components) responses are reported once
	for _, op := range ctx.Doc.Operations {
		head := op.Method == "head"
		op.Responses().Each(func(code string, key, raw *spec.Node) {
			resp := ctx.Set.Deref(raw)
			if !resp.IsMap() {
				return
			}
			hasContent := resp.Get("content").Len() > 0
			switch {
			case hasContent && (head || code == "204" || code == "304"):
				if reported[resp] {
					return
				}
				reported[resp] = true
				why := "a " + code + " response has no body"
				if head {
					why = "a response to HEAD has no body"
				}
				ctx.Report(resp.KeyNode("content"), "%s declares content for %s, but %s: remove content", opLabel(op), code, why)
			case !hasContent && !head && (code == "200" || code == "206" || (code == "201" && !emptyCreated)):
				switch code {
				case "201":
					ctx.Report(key, "%s returns 201 without content: describe the created resource under content (or set allowEmptyCreated)", opLabel(op))
				case "206":
					ctx.Report(key, "%s returns 206 without content: describe the partial body under content", opLabel(op))
				default:
					ctx.Report(key, "%s returns 200 without content: describe the body under content, or return 204 No Content", opLabel(op))
				}
			}
		})
	}
}
