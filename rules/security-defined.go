package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// SecurityDefinedID is the id of the security-defined rule.
const SecurityDefinedID = "security-defined"

type securityDefined struct{}

func (securityDefined) Meta() rule.Meta {
	return rule.Meta{
		ID:       SecurityDefinedID,
		Summary:  "Every operation is secured, or explicitly public with `security: []` and `x-public: true`",
		Severity: rule.Error,
		Family:   "security",
		Options: []rule.Option{
			{Name: "publicMarker", Default: "x-public", Description: "operation extension that confirms an empty `security` is deliberate (an `x-public-reason` may say why)"},
			{Name: "publicMethods", Default: []string{"get", "head", "options", "post", "put", "patch", "delete", "trace"}, Description: "methods that may be public at all"},
			{Name: "exceptions", Default: []string{}, Description: "paths that are not checked (exact, or a prefix ending in /*, e.g. /.well-known/*)"},
		},
		Fix: "Add a requirement (`security: [{jwtAuth: [orders.read]}]`, at the root or on the operation); for a deliberately public endpoint write `security: []` and `x-public: true` (with `x-public-reason`) on the operation.",
	}
}

func (securityDefined) Check(ctx *rule.Context) {
	marker := ctx.Options.String("publicMarker")
	if marker == "" {
		marker = "x-public"
	}
	publicMethods := stringSet(ctx.Options.Strings("publicMethods"))
	exceptions := ctx.Options.Strings("exceptions")
	root := ctx.Doc.Root
	rootSec := root.Get("security")
	rootEmpty := rootSec.IsSeq() && allEmpty(rootSec.Items())
	if rootEmpty {
		ctx.Report(root.KeyNode("security"), "a root-level empty `security` makes every operation public, unsafe methods included: declare a root requirement and mark public operations one by one with `security: []` and `%s: true`", marker)
	}
	for _, op := range ctx.Doc.Operations {
		if pathMatchesAny(op.Path, exceptions) {
			continue
		}
		markedPublic := op.Node.Bool(marker)
		switch {
		case op.Security == nil:
			ctx.Report(op.MethodKey, "%s has no security at all: add a requirement (here or at the root), or make it explicitly public with `security: []` and `%s: true`", opLabel(op), marker)
		case op.SecurityFromRoot && rootEmpty:
			// reported once, at the root
		case op.IsPublic():
			at := op.Node.KeyNode("security")
			if !markedPublic {
				ctx.Report(at, "%s has an empty `security`, which makes it public: confirm with `%s: true` (and `%s-reason`), or add a requirement", opLabel(op), marker, marker)
			} else if !publicMethods[op.Method] {
				ctx.Report(at, "%s cannot be public: %s operations must be secured (publicMethods: %s)", opLabel(op), strings.ToUpper(op.Method), strings.Join(ctx.Options.Strings("publicMethods"), ", "))
			}
		case markedPublic:
			where := "its `security`"
			if op.SecurityFromRoot {
				where = "the root `security`"
			}
			ctx.Report(op.Node.KeyNode(marker), "%s is marked `%s: true` but %s requires credentials: set `security: []` to make it public, or remove the marker", opLabel(op), marker, where)
		}
	}
}

func allEmpty(alts []*spec.Node) bool {
	for _, a := range alts {
		if a.Len() > 0 {
			return false
		}
	}
	return true
}
