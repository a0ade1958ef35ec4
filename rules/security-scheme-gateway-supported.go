package rules

import (
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// SecuritySchemeGatewaySupportedID is the id of the
// security-scheme-gateway-supported rule.
const SecuritySchemeGatewaySupportedID = "security-scheme-gateway-supported"

type securitySchemeGatewaySupported struct{}

// Gateway auth plugins a scheme can map to.
const (
	pluginKeyAuth   = "key-auth"
	pluginJWT       = "jwt"
	pluginBasicAuth = "basic-auth"
)

func (securitySchemeGatewaySupported) Meta() rule.Meta {
	return rule.Meta{
		ID:       SecuritySchemeGatewaySupportedID,
		Summary:  "Security schemes used by operations map to a gateway auth plugin (key-auth, jwt, basic-auth)",
		Severity: rule.Error,
		Family:   "security",
		Options: []rule.Option{
			{Name: "allowedSchemes", Default: []string{pluginKeyAuth, pluginJWT, pluginBasicAuth}, Description: "gateway plugins this org allows: key-auth (apiKey), jwt (http bearer JWT, oauth2, openIdConnect), basic-auth (http basic)"},
			{Name: "allowApiKeyInQuery", Default: false, Description: "accept apiKey schemes `in: query` without a warning (keys in URLs leak into logs and Referer headers)"},
			{Name: "allowApiKeyInCookie", Default: false, Description: "accept apiKey schemes `in: cookie` without a warning (browsers send cookies on cross-site requests)"},
			{Name: "allowBasic", Default: true, Description: "accept http basic without a warning"},
			{Name: "allowAlternatives", Default: true, Description: "accept requirement lists with several alternatives (OR); the gateway then tries each in turn"},
		},
		Fix: "Use a scheme the gateway enforces: apiKey in a header (key-auth), http bearer with `bearerFormat: JWT`, oauth2 or openIdConnect (jwt with scopes), or http basic (basic-auth); `x-gwctl-plugin` names the plugin explicitly.",
	}
}

func (securitySchemeGatewaySupported) Check(ctx *rule.Context) {
	d := ctx.Doc
	o := ctx.Options
	allowed := stringSet(o.Strings("allowedSchemes"))
	used := map[string]bool{}
	seen := map[*spec.Node]bool{}
	checkList := func(list *spec.Node) {
		if list == nil || seen[list] {
			return
		}
		seen[list] = true
		alts := list.Items()
		for i, alt := range alts {
			alt.Each(func(name string, _, _ *spec.Node) { used[name] = true })
			if alt.Len() > 1 {
				ctx.ReportSeverity(rule.Warn, alt.Keys[0], "this requirement needs %s together (AND): the gateway has to chain %d auth plugins on one route; prefer a single scheme", quoteJoin(nodeValues(alt.Keys)), alt.Len())
			}
			if i > 0 && !o.Bool("allowAlternatives") {
				at := alt.Parent()
				if alt.Len() > 0 {
					at = alt.Keys[0]
				}
				ctx.Report(at, "alternative security requirements (OR) are not allowed here (allowAlternatives: false): keep one requirement")
			}
		}
	}
	checkList(d.Root.Get("security"))
	for _, op := range d.Operations {
		checkList(op.Node.Get("security"))
	}

	d.Root.Path("components", "securitySchemes").Each(func(name string, key, raw *spec.Node) {
		if !used[name] {
			return // only schemes operations use become gateway config
		}
		s := ctx.Set.Deref(raw)
		if !s.IsMap() {
			return
		}
		if p := s.Get("x-gwctl-plugin"); p != nil {
			if !allowed[p.Value] {
				ctx.Report(p, "x-gwctl-plugin %q is not an allowed gateway plugin (%s)", p.Value, strings.Join(o.Strings("allowedSchemes"), ", "))
			}
			return
		}
		plugin := ""
		typ := s.Get("type")
		switch s.Str("type") {
		case "apiKey":
			in := s.Get("in")
			switch s.Str("in") {
			case "header":
				plugin = pluginKeyAuth
			case "query":
				plugin = pluginKeyAuth
				if !o.Bool("allowApiKeyInQuery") {
					ctx.ReportSeverity(rule.Warn, in, "API key `%s` is sent in the query string, where it leaks into access logs, caches and Referer headers: send it in a header (`in: header, name: X-Api-Key`)", s.Str("name"))
				}
			case "cookie":
				plugin = pluginKeyAuth
				if !o.Bool("allowApiKeyInCookie") {
					ctx.ReportSeverity(rule.Warn, in, "API key `%s` is sent as a cookie, which browsers attach to cross-site requests (CSRF): send it in a header (`in: header, name: X-Api-Key`)", s.Str("name"))
				}
			default:
				at := in
				if at == nil {
					at = key
				}
				ctx.Report(at, "apiKey scheme `%s` must say where the key goes: `in: header` (or query/cookie)", name)
				return
			}
		case "http":
			sch := s.Get("scheme")
			switch strings.ToLower(s.Str("scheme")) {
			case "bearer":
				plugin = pluginJWT
				if bf := s.Get("bearerFormat"); bf == nil {
					ctx.ReportSeverity(rule.Warn, sch, "bearer scheme `%s` has no bearerFormat: the gateway validates bearer tokens as JWTs, so add `bearerFormat: JWT`", name)
				} else if !strings.EqualFold(bf.Value, "JWT") {
					ctx.Report(bf, "the gateway can only validate JWT bearer tokens, not %q: use `bearerFormat: JWT` (or oauth2/openIdConnect issuing JWTs)", bf.Value)
					return
				}
			case "basic":
				plugin = pluginBasicAuth
				if !o.Bool("allowBasic") {
					ctx.ReportSeverity(rule.Warn, sch, "http basic sends a reusable password on every request: prefer a bearer JWT or an API key")
				}
			default:
				at := sch
				if at == nil {
					at = key
				}
				ctx.Report(at, "http scheme %q is not supported by the gateway: use `scheme: bearer` with `bearerFormat: JWT`, or `scheme: basic`", s.Str("scheme"))
				return
			}
		case "oauth2", "openIdConnect":
			plugin = pluginJWT
		case "mutualTLS":
			ctx.Report(typ, "mutualTLS is not supported by the gateway's auth plugins: use a bearer JWT, OAuth2/OpenID Connect or an API key (terminate mTLS in front of the gateway if you need it)")
			return
		default:
			at := typ
			if at == nil {
				at = key
			}
			ctx.Report(at, "security scheme `%s` has no supported type: use apiKey, http, oauth2 or openIdConnect", name)
			return
		}
		if !allowed[plugin] {
			ctx.Report(typ, "scheme `%s` maps to the %s gateway plugin, which this org does not allow (allowedSchemes: %s)", name, plugin, strings.Join(o.Strings("allowedSchemes"), ", "))
		}
	})
}

func nodeValues(ns []*spec.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Value
	}
	return out
}
