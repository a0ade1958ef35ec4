package rules

import (
	"sort"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// SecurityRefsValidID is the id of the security-refs-valid rule.
const SecurityRefsValidID = "security-refs-valid"

type securityRefsValid struct{}

func (securityRefsValid) Meta() rule.Meta {
	return rule.Meta{
		ID:       SecurityRefsValidID,
		Summary:  "Security requirements name defined schemes and only the scopes those schemes declare",
		Severity: rule.Error,
		Family:   "security",
		Fix:      "Define every scheme a requirement names under components.securitySchemes; list scopes only for oauth2/openIdConnect schemes (in OpenAPI 3.1 other schemes may list role names), and only scopes the oauth2 flows declare; delete schemes nobody uses.",
	}
}

func (securityRefsValid) Check(ctx *rule.Context) {
	d := ctx.Doc
	used := map[string]bool{}
	seen := map[*spec.Node]bool{}
	check := func(list *spec.Node) {
		if list == nil || seen[list] {
			return
		}
		seen[list] = true
		for _, alt := range list.Items() {
			alt.Each(func(name string, k, scopes *spec.Node) {
				used[name] = true
				checkRequirementEntry(ctx, name, k, scopes)
			})
		}
	}
	check(d.Root.Get("security"))
	for _, op := range d.Operations {
		check(op.Node.Get("security"))
	}
	d.Root.Path("components", "securitySchemes").Each(func(name string, k, _ *spec.Node) {
		if !used[name] && !strings.HasPrefix(name, "x-") {
			ctx.ReportSeverity(rule.Warn, k, "security scheme `%s` is not used by any requirement: reference it in a `security` requirement or delete it", name)
		}
	})
}

// checkRequirementEntry checks one `name: [scopes]` entry of a requirement.
func checkRequirementEntry(ctx *rule.Context, name string, key, scopes *spec.Node) {
	d := ctx.Doc
	scheme := d.SecurityScheme(name)
	if scheme == nil {
		hint := ""
		if alt := closestScheme(d, name); alt != "" {
			hint = " (did you mean `" + alt + "`?)"
		}
		ctx.Report(key, "security scheme `%s` is not defined in components.securitySchemes%s: define it or fix the name", name, hint)
		return
	}
	if !scopes.IsSeq() {
		ctx.Report(key, "the scopes of `%s` must be a list (`%s: []` when there are none)", name, name)
		return
	}
	typ := scheme.Str("type")
	switch typ {
	case "oauth2":
		declared := map[string]bool{}
		scheme.Get("flows").Each(func(_ string, _, flow *spec.Node) {
			flow.Get("scopes").Each(func(s string, _, _ *spec.Node) { declared[s] = true })
		})
		for _, s := range scopes.Items() {
			if !declared[s.Value] {
				ctx.Report(s, "scope `%s` is not declared in the flows of oauth2 scheme `%s` (%s): declare it or fix the name", s.Value, name, declaredList(declared))
			}
		}
	case "openIdConnect":
		// scopes live in the provider's discovery document
	default:
		if scopes.Len() > 0 && !d.Is31() {
			ctx.Report(scopes, "`%s` (type %s) takes no scopes in OpenAPI 3.0: only oauth2 and openIdConnect requirements list them, so use `%s: []`", name, typ, name)
		}
	}
}

func declaredList(m map[string]bool) string {
	if len(m) == 0 {
		return "none declared"
	}
	names := make([]string, 0, len(m))
	for s := range m {
		names = append(names, s)
	}
	sort.Strings(names)
	return "declared: " + strings.Join(names, ", ")
}

// closestScheme finds a defined scheme that differs only in case or
// punctuation from name.
func closestScheme(d *spec.Document, name string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(s))
	}
	want := norm(name)
	found := ""
	d.Root.Path("components", "securitySchemes").Each(func(n string, _, _ *spec.Node) {
		if found == "" && norm(n) == want {
			found = n
		}
	})
	return found
}
