package rules

import (
	"regexp"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// InfoMetadataID is the id of the info-metadata rule.
const InfoMetadataID = "info-metadata"

type infoMetadata struct{}

var (
	semverRE    = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
	dnsLabelRE  = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
	buildWordRE = regexp.MustCompile(`(?i)snapshot|release`)
)

func (infoMetadata) Meta() rule.Meta {
	return rule.Meta{
		ID:       InfoMetadataID,
		Summary:  "info has a title, a semver version, an owning team contact and an x-service id",
		Severity: rule.Error,
		Family:   "metadata",
		Options: []rule.Option{
			{Name: "requiredExtensions", Default: []string{"x-service"}, Description: "info extensions every spec must set; x-service names the gateway service and attributes the spec in cross-spec rules"},
			{Name: "audiences", Default: []string{"component-internal", "business-unit-internal", "company-internal", "external-partner", "external-public"}, Description: "allowed values of info.x-audience, when present; empty to accept any"},
		},
		Fix: "Set `info.title`, a semantic `info.version` (1.4.0), `info.contact` naming the owning team with an email or URL, and `info.x-service`, a DNS-label service id (orders).",
	}
}

func (infoMetadata) Check(ctx *rule.Context) {
	root := ctx.Doc.Root
	info := root.Get("info")
	at := root.KeyNode("info")
	if !info.IsMap() {
		if at == nil {
			at = root
		}
		ctx.Report(at, "the spec has no info object: add `info: {title, version, contact, x-service}`")
		return
	}
	if strings.TrimSpace(info.Str("title")) == "" {
		ctx.Report(keyOr(info, "title", at), "info.title is %s: name the API (e.g. `Orders API`)", missingOrEmpty(info, "title"))
	}
	if v := info.Get("version"); v == nil || strings.TrimSpace(v.Value) == "" {
		ctx.Report(keyOr(info, "version", at), "info.version is %s: set the API's semantic version (e.g. `1.4.0`)", missingOrEmpty(info, "version"))
	} else if !semverRE.MatchString(v.Value) || buildWordRE.MatchString(v.Value) {
		ctx.Report(v, "info.version %q is not a release semver: use MAJOR.MINOR.PATCH (e.g. `1.4.0`), without SNAPSHOT/RELEASE words", v.Value)
	}
	if c := info.Get("contact"); !c.IsMap() {
		ctx.Report(keyOr(info, "contact", at), "info.contact is missing: name the owning team with an email or URL (`contact: {name: team-orders, email: …}`)")
	} else {
		ck := info.KeyNode("contact")
		if strings.TrimSpace(c.Str("name")) == "" {
			ctx.Report(ck, "info.contact has no name: name the owning team")
		}
		if strings.TrimSpace(c.Str("email")) == "" && strings.TrimSpace(c.Str("url")) == "" {
			ctx.Report(ck, "info.contact has no email or url: say how to reach the owning team")
		}
	}
	for _, ext := range ctx.Options.Strings("requiredExtensions") {
		if !info.Has(ext) {
			hint := ""
			if ext == "x-service" {
				hint = " (a DNS-label service id such as `" + suggestService(ctx.Doc.Service) + "`; it names the gateway service)"
			}
			ctx.Report(at, "info.%s is missing: add it%s", ext, hint)
		}
	}
	if v := info.Get("x-service"); v != nil && !dnsLabelRE.MatchString(v.Value) {
		ctx.Report(v, "info.x-service %q is not a DNS label: use lower-case letters, digits and hyphens, starting with a letter (e.g. `%s`)", v.Value, suggestService(v.Value))
	}
	if v := info.Get("x-audience"); v != nil {
		if aud := ctx.Options.Strings("audiences"); len(aud) > 0 && !stringSet(aud)[v.Value] {
			ctx.Report(v, "info.x-audience %q is not one of %s", v.Value, strings.Join(aud, ", "))
		}
	}
}

// keyOr returns the key node of key in m, or fallback.
func keyOr(m *spec.Node, key string, fallback *spec.Node) *spec.Node {
	if k := m.KeyNode(key); k != nil {
		return k
	}
	return fallback
}

// suggestService turns a name into a DNS label: Order_Service → order-service.
func suggestService(s string) string {
	var b strings.Builder
	for _, w := range splitWords(s) {
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(strings.ToLower(w))
	}
	out := strings.TrimLeft(b.String(), "0123456789-")
	if out == "" {
		return "orders"
	}
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	return out
}

func missingOrEmpty(m *spec.Node, key string) string {
	if m.Has(key) {
		return "empty"
	}
	return "missing"
}
