package rules

import "github.com/gwctl/gwctl/lint/rule"

// Rulesets are the built-in names a gwctl.yaml can extend.
var Rulesets = []string{"recommended", "strict"}

// Ruleset returns the severity of every rule in a built-in ruleset:
// "recommended" runs every rule at its default severity; "strict" promotes
// warn to error and info to warn, for teams that want warnings to fail CI.
func Ruleset(name string) (map[string]rule.Severity, bool) {
	out := map[string]rule.Severity{}
	switch name {
	case "recommended":
		for _, r := range All() {
			out[r.Meta().ID] = r.Meta().Severity
		}
	case "strict":
		for _, r := range All() {
			s := r.Meta().Severity
			switch s {
			case rule.Warn:
				s = rule.Error
			case rule.Info:
				s = rule.Warn
			}
			out[r.Meta().ID] = s
		}
	default:
		return nil, false
	}
	return out, true
}
