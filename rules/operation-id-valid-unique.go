package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// OperationIDValidUniqueID is the id of the operation-id-valid-unique rule.
const OperationIDValidUniqueID = "operation-id-valid-unique"

type operationIDValidUnique struct{}

func (operationIDValidUnique) Meta() rule.Meta {
	return rule.Meta{
		ID:       OperationIDValidUniqueID,
		Summary:  "Every operation has an operationId that is unique in the spec and URL-safe",
		Severity: rule.Error,
		Family:   "metadata",
		Fix:      "Give each operation a unique operationId made of letters, digits and `_ . ~ -` (e.g. `listOrders`, `getOrder`); SDKs, the developer portal and gateway route names are keyed by it.",
	}
}

// urlSafeID reports ^[A-Za-z0-9_.~-]+$ (RFC 3986 unreserved characters).
func urlSafeID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLower(c) || isUpper(c) || isDigit(c) || c == '_' || c == '.' || c == '~' || c == '-') {
			return false
		}
	}
	return true
}

func (operationIDValidUnique) Check(ctx *rule.Context) {
	first := map[string]*spec.Operation{}
	firstFold := map[string]*spec.Operation{}
	var ps pathShapes
	shapes := func() pathShapes {
		if ps == nil {
			ps = newPathShapes(ctx.Doc)
		}
		return ps
	}
	for _, op := range ctx.Doc.Operations {
		v := op.Node.Get("operationId")
		id := op.ID()
		if v == nil || strings.TrimSpace(id) == "" {
			at := op.MethodKey
			if v != nil {
				at = v
			}
			ctx.Report(at, "%s has no operationId: add one such as `%s`", opLabel(op), suggestOperationID(op, shapes()))
			continue
		}
		if !urlSafeID(id) {
			ctx.Report(v, "operationId %q is not URL-safe: use only letters, digits and `_ . ~ -` (e.g. `%s`)", id, suggestOperationID(op, shapes()))
		}
		if prev, dup := first[id]; dup {
			ctx.ReportRelated(v, []*spec.Node{prev.Node.Get("operationId")}, "operationId %q is already used by %s: operationIds must be unique (e.g. `%s`)", id, opLabel(prev), suggestOperationID(op, shapes()))
			continue
		}
		first[id] = op
		fold := strings.ToLower(id)
		if prev, dup := firstFold[fold]; dup {
			ctx.ReportSeverity(rule.Warn, v, "operationId %q differs only in case from %q (%s): case-insensitive tools and SDKs will collide; rename one", id, prev.ID(), opLabel(prev))
			continue
		}
		firstFold[fold] = op
	}
}
