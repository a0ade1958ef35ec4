package rules

import "github.com/gwctl/gwctl/lint/rule"

// groupA: URL naming, parameters, status codes, property casing.
func groupA() []rule.Rule {
	return []rule.Rule{}
}
