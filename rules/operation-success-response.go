package rules

import (
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// OperationSuccessResponseID is the id of the rule requiring a 2xx response.
const OperationSuccessResponseID = "operation-success-response"

type operationSuccessResponse struct{}

func (operationSuccessResponse) Meta() rule.Meta {
	return rule.Meta{
		ID:       OperationSuccessResponseID,
		Summary:  "Every operation declares at least one 2xx response",
		Severity: rule.Error,
		Family:   "status",
		Options: []rule.Option{
			{Name: "allowRedirectOnly", Default: false, Description: "let a 3xx response count as the success response (redirect-only endpoints)"},
		},
		Fix: "Document what a successful call returns: 200 with the result, 201 for a create, 204 when there is no body. A 101 counts only on operations marked x-websocket: true.",
	}
}

func (operationSuccessResponse) Check(ctx *rule.Context) {
	redirectOK := ctx.Options.Bool("allowRedirectOnly")
	var shapes pathShapes
	for _, op := range ctx.Doc.Operations {
		ok := false
		websocket := op.Node.Bool("x-websocket")
		op.Responses().Each(func(code string, _, _ *spec.Node) {
			switch statusClass(code) {
			case '2':
				ok = true
			case '3':
				ok = ok || redirectOK
			case '1':
				ok = ok || (code == "101" && websocket)
			}
		})
		if ok {
			continue
		}
		at := op.Node.KeyNode("responses")
		if at == nil {
			at = op.MethodKey
		}
		want := "200"
		switch op.Method {
		case "delete", "options":
			want = "204"
		case "post":
			if shapes == nil {
				shapes = newPathShapes(ctx.Doc)
			}
			if shapes.postKind(op) == "create" {
				want = "201"
			}
		}
		ctx.Report(at, "%s declares no 2xx response: add %q describing a successful call", opLabel(op), want)
	}
}
