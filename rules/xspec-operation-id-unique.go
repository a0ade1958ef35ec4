package rules

import (
	"fmt"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// XspecOperationIDUniqueID is the id of the xspec-operation-id-unique rule.
const XspecOperationIDUniqueID = "xspec-operation-id-unique"

type xspecOperationIDUnique struct{}

func (xspecOperationIDUnique) Meta() rule.Meta {
	return rule.Meta{
		ID:       XspecOperationIDUniqueID,
		Summary:  "operationIds are unique across all specs, because the developer portal, SDKs and gateway route names aggregate them",
		Severity: rule.Error,
		Family:   "xspec",
		Scope:    rule.ScopeSet,
		Options: []rule.Option{
			{Name: "namespace", Default: "none", Description: "none: operationIds are unique across every spec; service: unique per info.x-service (for orgs that prefix them with the service at generation time)"},
			{Name: "caseInsensitive", Default: true, Description: "also treat operationIds that differ only in case as duplicates (getOrder, GetOrder): case-insensitive file systems and SDK generators collide on them"},
		},
		Fix: "Rename one of the operations so that its operationId says what it does and on which resource (getById → getOrder, getUser).",
	}
}

func (xspecOperationIDUnique) Check(ctx *rule.Context) {
	perService := ctx.Options.String("namespace") == "service"
	fold := ctx.Options.Bool("caseInsensitive")
	first := map[string]*spec.Operation{}
	for _, d := range ctx.Set.Docs {
		for _, op := range d.Operations {
			id := strings.TrimSpace(op.ID())
			if id == "" {
				continue // operation-id-valid-unique asks for one
			}
			k := id
			if fold {
				k = strings.ToLower(k)
			}
			if perService {
				k = d.Service + "\x00" + k
			}
			prev, dup := first[k]
			if !dup {
				first[k] = op
				continue
			}
			if prev.Doc == d && prev.ID() == op.ID() {
				continue // an exact repeat inside one spec: operation-id-valid-unique reports it
			}
			at, was := op.Node.Get("operationId"), prev.Node.Get("operationId")
			scope := "across all specs"
			if perService {
				scope = "within service " + d.Service
			}
			as := ""
			if prev.ID() != op.ID() {
				as = fmt.Sprintf(" as %q (the same but for case)", prev.ID())
			}
			ctx.ReportRelated(at, []*spec.Node{was},
				"operationId %q of %s (%s) is also declared at %s%s for %s (%s): operationIds must be unique %s, since the developer portal, SDKs and gateway route names are keyed by them; rename one (e.g. after its resource)",
				op.ID(), opLabel(op), d.Service, xsLoc(was), as, opLabel(prev), prev.Doc.Service, scope)
		}
	}
}
