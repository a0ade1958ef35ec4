package rules

import "github.com/gwctl/gwctl/lint/rule"

// groupB: error responses, shapes, metadata, security, examples.
func groupB() []rule.Rule {
	return []rule.Rule{}
}
