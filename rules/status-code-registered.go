package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// StatusCodeRegisteredID is the id of the rule on valid, standard status
// codes.
const StatusCodeRegisteredID = "status-code-registered"

type statusCodeRegistered struct{}

// standardCodes is Zally's "standard" list (ZAL #243, #150) plus 422
// (validation errors) and 308 (the method-preserving permanent redirect).
var standardCodes = []string{
	"100", "101",
	"200", "201", "202", "203", "204", "205", "206", "207",
	"300", "301", "302", "303", "304", "305", "307", "308",
	"400", "401", "402", "403", "404", "405", "406", "407", "408", "409", "410",
	"411", "412", "413", "414", "415", "416", "417", "422", "423", "426", "428", "429", "431",
	"500", "501", "502", "503", "504", "505", "511",
}

// ianaCodes is the IANA HTTP status code registry (RFC 9110 and friends),
// to tell "not registered" from "registered but not allowed here".
var ianaCodes = stringSet([]string{
	"100", "101", "102", "103", "104",
	"200", "201", "202", "203", "204", "205", "206", "207", "208", "226",
	"300", "301", "302", "303", "304", "305", "307", "308",
	"400", "401", "402", "403", "404", "405", "406", "407", "408", "409", "410",
	"411", "412", "413", "414", "415", "416", "417", "421", "422", "423", "424",
	"425", "426", "428", "429", "431", "451",
	"500", "501", "502", "503", "504", "505", "506", "507", "508", "510", "511",
})

// nonStandard maps common vendor codes to the registered code meant.
var nonStandard = map[string]string{
	"218": "200", "299": "200",
	"419": "401", "420": "429", "440": "401", "444": "400", "449": "400",
	"450": "403", "494": "431", "495": "400", "496": "401", "497": "400",
	"498": "401", "499": "400",
	"509": "503", "520": "502", "521": "502", "522": "504", "523": "502",
	"524": "504", "525": "502", "526": "502", "527": "502", "529": "503",
	"530": "502", "598": "504", "599": "504",
}

func (statusCodeRegistered) Meta() rule.Meta {
	return rule.Meta{
		ID:       StatusCodeRegisteredID,
		Summary:  "Response keys are standard registered status codes, default, or an upper-case range such as 4XX",
		Severity: rule.Error,
		Family:   "status",
		Options: []rule.Option{
			{Name: "allowed", Default: standardCodes, Description: "status codes that may be used (default: Zally's standard list plus 308 and 422)"},
			{Name: "allowRanges", Default: true, Description: "accept the ranges 1XX to 5XX"},
			{Name: "discouraged", Default: []string{"302"}, Description: "codes reported as a warning (302 is ambiguous: use 303 or 307)"},
		},
		Fix: "Use a registered, well-understood status code (429, not 420), write ranges with an upper-case X (4XX), or use default for everything else.",
	}
}

func (statusCodeRegistered) Check(ctx *rule.Context) {
	allowed := stringSet(optCodes(ctx.Options["allowed"]))
	discouraged := stringSet(optCodes(ctx.Options["discouraged"]))
	ranges := ctx.Options.Bool("allowRanges")
	seen := map[*spec.Node]bool{}
	for _, op := range ctx.Doc.Operations {
		resp := op.Responses()
		if seen[resp] {
			continue
		}
		seen[resp] = true
		resp.Each(func(code string, key, _ *spec.Node) {
			if code == "default" || strings.HasPrefix(code, "x-") {
				return
			}
			switch {
			case isStatusCode(code):
				switch {
				case discouraged[code]:
					ctx.ReportSeverity(rule.Warn, key, "status code %s is discouraged: %s", code, discouragedHint(code))
				case allowed[code]:
				case ianaCodes[code]:
					ctx.Report(key, "status code %s is registered but not in the allowed list: use a well-understood code (e.g. %s) or add it to allowed", code, classExample(code))
				default:
					want, ok := nonStandard[code]
					if !ok {
						want = classExample(code)
					}
					ctx.Report(key, "status code %s is not a registered HTTP status code: use %s", code, want)
				}
			case len(code) == 3 && code[0] >= '1' && code[0] <= '5' && strings.EqualFold(code[1:], "XX"):
				if code[1:] != "XX" {
					ctx.Report(key, "status range %q must be written with an upper-case X: use %q", code, code[:1]+"XX")
				} else if !ranges {
					ctx.Report(key, "status range %s is not allowed (allowRanges is off): document the specific codes", code)
				}
			default:
				ctx.Report(key, "response key %q is not a status code: use a three-digit code, a range such as 4XX, or default", code)
			}
		})
	}
}

// classExample suggests the generic code of a status class.
func classExample(code string) string {
	switch code[0] {
	case '1':
		return "100"
	case '2':
		return "200"
	case '3':
		return "303"
	case '4':
		return "400"
	}
	return "500"
}

func discouragedHint(code string) string {
	if code == "302" {
		return "clients handle it inconsistently; use 303 See Other (the client follows with GET) or 307 Temporary Redirect (the method is kept)"
	}
	return "use a more specific, well-understood code"
}
