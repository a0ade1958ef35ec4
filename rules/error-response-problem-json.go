package rules

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// ErrorResponseProblemJSONID is the id of the error-response-problem-json rule.
const ErrorResponseProblemJSONID = "error-response-problem-json"

type errorResponseProblemJSON struct{}

// problemMemberTypes are the RFC 9457 §3.1 members and their JSON types.
var problemMemberTypes = map[string]string{
	"type": "string", "title": "string", "status": "integer", "detail": "string", "instance": "string",
}

func (errorResponseProblemJSON) Meta() rule.Meta {
	return rule.Meta{
		ID:       ErrorResponseProblemJSONID,
		Summary:  "Error responses (4xx, 5xx, default) are RFC 9457 application/problem+json bodies",
		Severity: rule.Error,
		Family:   "errors",
		Options: []rule.Option{
			{Name: "mediaTypes", Default: []string{"application/problem+json"}, Description: "media types accepted for error bodies"},
			{Name: "allowPlainJson", Default: false, Description: "also accept application/json error bodies (the schema must still be a Problem)"},
			{Name: "requiredMembers", Default: []string{"type", "title", "status"}, Description: "Problem members the schema must declare (type: string, title: string, status: integer, detail: string, instance: string)"},
			{Name: "canonicalRef", Default: "", Description: "if set, error schemas must be a $ref to this schema (e.g. #/components/schemas/Problem or a shared file), not an inline copy"},
		},
		Fix: "Give every 4xx/5xx/default response `content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}`, where Problem declares type (string, uri-reference), title (string), status (integer) and optionally detail and instance; extension members are fine.",
	}
}

func (errorResponseProblemJSON) Check(ctx *rule.Context) {
	set := ctx.Set
	accepted := ctx.Options.Strings("mediaTypes")
	if ctx.Options.Bool("allowPlainJson") {
		accepted = append(accepted[:len(accepted):len(accepted)], "application/json")
	}
	required := ctx.Options.Strings("requiredMembers")
	canonical := ctx.Options.String("canonicalRef")
	seenResp := map[*spec.Node]bool{}
	seenSchema := map[*spec.Node]bool{}

	for _, op := range ctx.Doc.Operations {
		if op.Method == "head" {
			continue // HEAD responses carry no body
		}
		eachResponse(op, func(code string, key, resp *spec.Node) {
			if !isErrorCode(code) || resp == nil || seenResp[resp] {
				return
			}
			seenResp[resp] = true
			content := resp.Get("content")
			if content.Len() == 0 {
				at := key
				if spec.Ref(op.Responses().Get(code)) != "" {
					at = declSite(resp) // a shared response: fix it once, where it is defined
				}
				ctx.Report(at, "the %s response has no body: add `content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}` (RFC 9457)", code)
				return
			}
			ok := false
			content.Each(func(mt string, _, _ *spec.Node) {
				if mediaMatches(mt, accepted) {
					ok = true
				}
			})
			if !ok {
				at, what := content.Keys[0], mediaEssence(content.Keys[0].Value)
				if k, _ := jsonMedia(resp); k != nil {
					at, what = k, mediaEssence(k.Value)
				}
				ctx.Report(at, "the %s response is %s: error bodies must be %s (RFC 9457 problem details)", code, what, strings.Join(accepted, " or "))
			}
			content.Each(func(mt string, mk, media *spec.Node) {
				if !mediaIsJSON(mt) {
					return
				}
				use := media.Get("schema")
				if use == nil {
					ctx.Report(mk, "the %s response declares no schema: add `schema: {$ref: '#/components/schemas/Problem'}`", code)
					return
				}
				if canonical != "" && !refersTo(ctx.Doc, use, canonical) {
					ctx.Report(media.KeyNode("schema"), "the %s error schema must be `$ref: '%s'` (the canonical Problem), not %s", code, canonical, describeSchemaUse(use))
					return
				}
				s := set.Deref(use)
				if s == nil || seenSchema[s] {
					return
				}
				seenSchema[s] = true
				checkProblemSchema(ctx, use, s, media.KeyNode("schema"), required)
			})
		})
	}
}

// checkProblemSchema reports what keeps a resolved schema from being an RFC
// 9457 Problem. Findings point at the schema's definition (once for a shared
// component), or at the `schema` key for inline schemas.
func checkProblemSchema(ctx *rule.Context, use, s, schemaKey *spec.Node, required []string) {
	set := ctx.Set
	at := schemaKey
	if spec.Ref(use) != "" {
		at = declSite(s)
	}
	if bad, what := nonObject(set, use); bad != nil {
		ctx.Report(at, "an error body must be a Problem object, not %s: use `$ref: '#/components/schemas/Problem'` (RFC 9457)", what)
		return
	}
	props := mergedProps(set, s)
	var missing []string
	for _, m := range required {
		p := findProp(props, m)
		if p == nil {
			missing = append(missing, m)
			continue
		}
		want := problemMemberTypes[m]
		ps := set.Deref(p.Schema)
		if want != "" && len(schemaTypeList(ps)) > 0 && !schemaHasType(ps, want) && !(want == "integer" && schemaHasType(ps, "number")) {
			ctx.Report(p.Key, "Problem member `%s` must be of type %s (RFC 9457 §3.1), not %s", m, want, strings.Join(schemaTypeList(ps), "|"))
		}
	}
	for _, m := range []string{"detail", "instance"} {
		if p := findProp(props, m); p != nil && !slices.Contains(required, m) {
			if ps := set.Deref(p.Schema); len(schemaTypeList(ps)) > 0 && !schemaHasType(ps, "string") {
				ctx.Report(p.Key, "Problem member `%s` must be of type string (RFC 9457 §3.1)", m)
			}
		}
	}
	if len(missing) > 0 {
		ctx.Report(at, "the error schema is not a Problem: declare %s (RFC 9457 §3.1), e.g. with `$ref: '#/components/schemas/Problem'`", quoteJoin(missing))
	}
	forAllOf(set, s, func(n *spec.Node) {
		if ap := n.Get("additionalProperties"); ap.IsScalar() && ap.Tag == "!!bool" && strings.EqualFold(ap.Value, "false") {
			ctx.Report(declSite(ap), "a Problem must allow extension members (RFC 9457 §3.2): remove `additionalProperties: false`")
		}
	})
}

// forAllOf calls fn for a resolved schema and each of its allOf branches,
// recursively, once per node.
func forAllOf(set *spec.Set, n *spec.Node, fn func(*spec.Node)) {
	visited := map[*spec.Node]bool{}
	var walk func(*spec.Node)
	walk = func(n *spec.Node) {
		n = set.Deref(n)
		if !n.IsMap() || visited[n] {
			return
		}
		visited[n] = true
		fn(n)
		for _, b := range n.Get("allOf").Items() {
			walk(b)
		}
	}
	walk(n)
}

// refersTo reports whether a schema use is a $ref to canonical: the same
// reference text, or a reference that resolves to the same place.
func refersTo(d *spec.Document, use *spec.Node, canonical string) bool {
	ref := spec.Ref(use)
	if ref == "" {
		return false
	}
	if ref == canonical {
		return true
	}
	target := d.Set.Deref(use)
	if target == nil {
		return false
	}
	loc, frag, _ := strings.Cut(canonical, "#")
	if "/"+strings.TrimPrefix(frag, "/") != target.Pointer() && !(frag == "" && target.Pointer() == "") {
		return false
	}
	tf := target.File()
	if loc == "" {
		return tf == d.File
	}
	if tf == nil || strings.Contains(loc, "://") {
		return tf != nil && tf.Path == loc
	}
	return filepath.Clean(filepath.Join(filepath.Dir(d.File.Path), filepath.FromSlash(loc))) == tf.Path
}

func describeSchemaUse(use *spec.Node) string {
	if r := spec.Ref(use); r != "" {
		return "`$ref: '" + r + "'`"
	}
	return "an inline schema"
}

func quoteJoin(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return andJoin(q)
}
