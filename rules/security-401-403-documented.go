package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// Security401403DocumentedID is the id of the security-401-403-documented rule.
const Security401403DocumentedID = "security-401-403-documented"

type security401403Documented struct{}

// Values of the require403 option.
const (
	require403Always     = "always"
	require403WhenScopes = "whenScopes"
	require403Never      = "never"
)

func (security401403Documented) Meta() rule.Meta {
	return rule.Meta{
		ID:       Security401403DocumentedID,
		Summary:  "Secured operations document 401, and 403 when they require scopes or roles",
		Severity: rule.Error,
		Family:   "security",
		Options: []rule.Option{
			{Name: "require403", Default: require403WhenScopes, Description: "when 403 is required: always, whenScopes (a requirement lists scopes, or the operation has x-roles) or never"},
			{Name: "requireWwwAuthenticate", Default: false, Description: "the 401 response must declare a WWW-Authenticate header (RFC 9110 §15.5.2)"},
			{Name: "acceptRanges", Default: false, Description: "a 4XX or default response satisfies 401/403"},
		},
		Fix: "Add `'401': {$ref: '#/components/responses/Unauthorized'}` to secured operations, and `'403': {$ref: '#/components/responses/Forbidden'}` where scopes or roles are required; public operations (security: []) need neither.",
	}
}

func (security401403Documented) Check(ctx *rule.Context) {
	o := ctx.Options
	ranges := o.Bool("acceptRanges")
	mode := o.String("require403")
	seen401 := map[*spec.Node]bool{}
	for _, op := range ctx.Doc.Operations {
		responses := op.Responses()
		at := op.Node.KeyNode("responses")
		if at == nil {
			at = op.MethodKey
		}
		if op.IsPublic() {
			if k := responses.KeyNode("401"); k != nil {
				ctx.ReportSeverity(rule.Info, k, "%s is public (security: []) yet documents 401: remove it unless the operation really authenticates", opLabel(op))
			}
			continue
		}
		reqs := op.Requirements()
		if len(reqs) == 0 {
			continue // unsecured: security-defined reports it
		}
		if !responseCovers(responses, "401", ranges) {
			ctx.Report(at, "%s requires credentials but does not document 401: add `'401': {$ref: '#/components/responses/Unauthorized'}`", opLabel(op))
		} else if o.Bool("requireWwwAuthenticate") {
			if r := op.Response("401"); r != nil && !seen401[r] {
				seen401[r] = true
				if !hasHeaderFold(r.Get("headers"), "WWW-Authenticate") {
					site := responses.KeyNode("401")
					if spec.Ref(responses.Get("401")) != "" {
						site = declSite(r)
					}
					ctx.Report(site, "the 401 response of %s declares no WWW-Authenticate header (RFC 9110 §15.5.2): add `headers: {WWW-Authenticate: {schema: {type: string}}}`", opLabel(op))
				}
			}
		}
		need403 := false
		switch mode {
		case require403Always:
			need403 = true
		case require403Never:
		default:
			need403 = op.Node.Get("x-roles").Len() > 0
			for _, r := range reqs {
				for _, s := range r.Schemes {
					if len(s.Scopes) > 0 {
						need403 = true
					}
				}
			}
		}
		if need403 && !responseCovers(responses, "403", ranges) {
			why := "it requires scopes or roles"
			if mode == require403Always {
				why = "it is secured"
			}
			ctx.Report(at, "%s does not document 403 although %s: add `'403': {$ref: '#/components/responses/Forbidden'}`", opLabel(op), why)
		}
	}
}

// hasHeaderFold reports a header name in a headers map, case-insensitively.
func hasHeaderFold(headers *spec.Node, name string) bool {
	found := false
	headers.Each(func(k string, _, _ *spec.Node) {
		if strings.EqualFold(k, name) {
			found = true
		}
	})
	return found
}
