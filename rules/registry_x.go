package rules

import "github.com/gwctl/gwctl/lint/rule"

// groupX: cross-spec rules, run once over every loaded spec.
func groupX() []rule.Rule {
	return []rule.Rule{
		xspecRouteConflict{},
		xspecPathParamConsistency{},
		xspecErrorSchemaConsistency{},
		xspecNamingStyleConsistency{},
		xspecOperationIDUnique{},
	}
}
