package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
)

// RequestBodyMethodSemanticsID is the id of the rule matching request bodies
// to methods.
const RequestBodyMethodSemanticsID = "request-body-method-semantics"

type requestBodyMethodSemantics struct{}

// defaultBodylessActions are POST actions that commonly take no body.
var defaultBodylessActions = []string{
	"activate", "approve", "archive", "cancel", "close", "confirm", "deactivate",
	"disable", "enable", "lock", "open", "publish", "refresh", "reject", "reopen",
	"resend", "restart", "restore", "resume", "retry", "start", "stop", "suspend",
	"unlock", "unpublish",
}

func (requestBodyMethodSemantics) Meta() rule.Meta {
	return rule.Meta{
		ID:       RequestBodyMethodSemanticsID,
		Summary:  "GET, HEAD and DELETE take no request body; PUT and PATCH need one; POST should have one",
		Severity: rule.Error,
		Family:   "status",
		Options: []rule.Option{
			{Name: "allowDeleteBody", Default: false, Description: "accept a request body on DELETE"},
			{Name: "bodylessActions", Default: defaultBodylessActions, Description: `POST actions that need no body (matched against :action, /actions/action or the last path segment, and its first word); "*" accepts every action`},
		},
		Fix: "Pass what GET, HEAD and DELETE need as path or query parameters (proxies may drop their bodies); give PUT and PATCH the representation or patch document they apply.",
	}
}

func (requestBodyMethodSemantics) Check(ctx *rule.Context) {
	deleteBody := ctx.Options.Bool("allowDeleteBody")
	bodyless := stringSet(ctx.Options.Strings("bodylessActions"))
	var shapes pathShapes
	for _, op := range ctx.Doc.Operations {
		key := op.Node.KeyNode("requestBody")
		has := key != nil
		switch op.Method {
		case "get", "head":
			if has {
				ctx.Report(key, "%s declares a request body, which %s requests do not carry (proxies may drop it): pass the inputs as query parameters", opLabel(op), strings.ToUpper(op.Method))
			}
		case "delete":
			if has && !deleteBody {
				ctx.Report(key, "%s declares a request body, which DELETE does not carry (proxies may drop it): identify what to delete in the path or query", opLabel(op))
			}
		case "put", "patch":
			if !has {
				ctx.Report(op.MethodKey, "%s declares no request body: describe the %s it applies under requestBody", opLabel(op), map[string]string{"put": "representation", "patch": "patch document"}[op.Method])
			}
		case "post":
			if has {
				continue
			}
			if shapes == nil {
				shapes = newPathShapes(ctx.Doc)
			}
			if shapes.postKind(op) == "create" {
				ctx.ReportSeverity(rule.Warn, op.MethodKey, "%s creates a resource but declares no request body: describe the resource to create under requestBody", opLabel(op))
				continue
			}
			if bodylessAction(parsePath(op.Path), bodyless) {
				continue
			}
			ctx.ReportSeverity(rule.Warn, op.MethodKey, "%s declares no request body: describe the input under requestBody, or list the action in bodylessActions", opLabel(op))
		}
	}
}

// bodylessAction reports a POST whose action name is in the list: the
// :action suffix, the segment after /actions/, or the last literal segment.
func bodylessAction(p parsedPath, list map[string]bool) bool {
	if list["*"] {
		return true
	}
	name := actionName(p)
	if name == "" && len(p.Segments) > 0 {
		if last := p.Segments[len(p.Segments)-1]; last.Literal() {
			name = last.Text
		}
	}
	if name == "" {
		return false
	}
	if list[name] {
		return true
	}
	words := splitWords(name)
	return len(words) > 1 && list[strings.ToLower(words[0])]
}
