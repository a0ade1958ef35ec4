package rules

import (
	"sort"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// ErrorResponsesDocumentedID is the id of the error-responses-documented rule.
const ErrorResponsesDocumentedID = "error-responses-documented"

type errorResponsesDocumented struct{}

// The conditions a `require` option maps to status codes.
const (
	condAlways   = "always"   // every operation
	condInput    = "input"    // query, header or cookie parameters, or a request body
	condItemPath = "itemPath" // the path ends in a {param} segment
)

func (errorResponsesDocumented) Meta() rule.Meta {
	return rule.Meta{
		ID:       ErrorResponsesDocumentedID,
		Summary:  "Operations document their client and server errors: 400 with input, 404 on item paths, 500 or default always",
		Severity: rule.Error,
		Family:   "errors",
		Options: []rule.Option{
			{Name: "require", Default: map[string]any{condInput: []string{"400"}, condItemPath: []string{"404"}, condAlways: []string{"500"}},
				Description: "status codes required per condition: input (query/header/cookie parameters or a request body; path parameters alone are not input, a bad id is a 404), itemPath (the path ends in {param}), always"},
			{Name: "acceptRangesAndDefault", Default: true, Description: "a 4XX/5XX range or `default` response satisfies a required code"},
			{Name: "exemptOperations", Default: []string{}, Description: "operationIds or \"METHOD /path\" entries that are not checked"},
			{Name: "exemptMethods", Default: []string{"options"}, Description: "methods that are not checked (lower case)"},
		},
		Fix: "Add the missing responses, ideally as $refs to shared components (`'404': {$ref: '#/components/responses/NotFound'}`) whose body is a Problem; a `default` Problem response covers every unlisted code.",
	}
}

func (errorResponsesDocumented) Check(ctx *rule.Context) {
	require := map[string][]string{}
	for cond, v := range ctx.Options.Map("require") {
		require[cond] = toStringList(v)
	}
	ranges := ctx.Options.Bool("acceptRangesAndDefault")
	exempt := stringSet(ctx.Options.Strings("exemptOperations"))
	exemptMethods := stringSet(ctx.Options.Strings("exemptMethods"))
	conds := make([]string, 0, len(require))
	for c := range require {
		conds = append(conds, c)
	}
	sort.Strings(conds)

	for _, op := range ctx.Doc.Operations {
		if exemptMethods[op.Method] || exempt[op.ID()] || exempt[strings.ToUpper(op.Method)+" "+op.Path] {
			continue
		}
		applies := map[string]bool{condAlways: true, condInput: opTakesInput(op), condItemPath: pathEndsInParam(op.Path)}
		responses := op.Responses()
		var missing []string
		why := map[string]string{}
		for _, c := range conds {
			if !applies[c] {
				continue
			}
			for _, code := range require[c] {
				if _, dup := why[code]; dup || responseCovers(responses, code, ranges) {
					continue
				}
				missing = append(missing, code)
				why[code] = condReason(c)
			}
		}
		if len(missing) == 0 {
			continue
		}
		sort.Strings(missing)
		at := op.Node.KeyNode("responses")
		if at == nil {
			at = op.MethodKey
		}
		parts := make([]string, len(missing))
		for i, code := range missing {
			parts[i] = "'" + code + "'" + why[code]
		}
		hint := ""
		if ranges {
			hint = " (a `default` Problem response covers any code)"
		}
		ctx.Report(at, "%s does not document %s: add %s%s", opLabel(op), andJoin(parts), nounFor(len(missing), "this error response", "these error responses"), hint)
	}
}

func condReason(c string) string {
	switch c {
	case condInput:
		return " (it takes input)"
	case condItemPath:
		return " (the path names one item)"
	}
	return ""
}

// opTakesInput reports query, header or cookie parameters, or a request body.
func opTakesInput(op *spec.Operation) bool {
	if op.Node.Has("requestBody") {
		return true
	}
	for _, p := range op.Params {
		if p.In != "path" {
			return true
		}
	}
	return false
}

// pathEndsInParam reports a path whose last segment is a single {param}.
func pathEndsInParam(path string) bool {
	p := parsePath(path)
	return len(p.Segments) > 0 && p.Segments[len(p.Segments)-1].Whole()
}

func nounFor(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// andJoin writes "a", "a and b", "a, b and c".
func andJoin(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
