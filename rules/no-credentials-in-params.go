package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// NoCredentialsInParamsID is the id of the no-credentials-in-params rule.
const NoCredentialsInParamsID = "no-credentials-in-params"

type noCredentialsInParams struct{}

// defaultCredentialPattern matches whole parameter names that carry
// credentials (api_key, apiKey, X-Api-Key, access_token, token, password…);
// it is anchored so that pageToken or sortKey are not credentials.
const defaultCredentialPattern = `(?i)^(x[-_])?(api[-_]?key|(access|auth|id|refresh|bearer|session)?[-_]?token|client[-_]?secret|secret|password|passwd|jwt)$`

func (noCredentialsInParams) Meta() rule.Meta {
	return rule.Meta{
		ID:       NoCredentialsInParamsID,
		Summary:  "Credentials come from securitySchemes, never from ordinary parameters",
		Severity: rule.Error,
		Family:   "security",
		Options: []rule.Option{
			{Name: "namePattern", Default: defaultCredentialPattern, Description: "regular expression for query and path parameter names that carry credentials"},
			{Name: "allow", Default: []string{}, Description: "parameter names that are never reported"},
		},
		Fix: "Remove the parameter and declare the credential as a security scheme used in `security` (e.g. `security: [{jwtAuth: []}]`), so the gateway derives and enforces the auth plugin and strips the credential before forwarding.",
	}
}

func (noCredentialsInParams) Check(ctx *rule.Context) {
	re := optRegexp(ctx, "namePattern", defaultCredentialPattern)
	allow := stringSet(ctx.Options.Strings("allow"))
	// apiKey schemes by location and (for headers, case-folded) name.
	keys := map[string]string{}
	ctx.Doc.Root.Path("components", "securitySchemes").Each(func(name string, _, raw *spec.Node) {
		s := ctx.Set.Deref(raw)
		if s.Str("type") == "apiKey" {
			keys[credKey(s.Str("in"), s.Str("name"))] = name
		}
	})
	seen := map[*spec.Node]bool{}
	for _, op := range ctx.Doc.Operations {
		for _, p := range op.Params {
			if seen[p.Node] || allow[p.Name] {
				continue
			}
			seen[p.Node] = true
			at := p.Node.Get("name")
			if at == nil {
				continue
			}
			switch scheme, dup := keys[credKey(p.In, p.Name)]; {
			case strings.EqualFold(p.Name, "Authorization"):
				ctx.Report(at, "parameter `%s` (in %s) carries credentials: remove it and require a security scheme instead (e.g. `security: [{jwtAuth: []}]`)", p.Name, p.In)
			case dup:
				ctx.Report(at, "parameter `%s` (in %s) duplicates the apiKey scheme `%s`: remove it; `security: [{%s: []}]` already declares the key", p.Name, p.In, scheme, scheme)
			case (p.In == "query" || p.In == "path") && re.MatchString(p.Name):
				ctx.Report(at, "%s parameter `%s` looks like a credential: credentials in URLs leak into logs and caches; declare a security scheme (a header API key or a bearer JWT) instead", p.In, p.Name)
			}
		}
	}
}

func credKey(in, name string) string {
	if in == "header" {
		name = strings.ToLower(name)
	}
	return in + "\x00" + name
}
