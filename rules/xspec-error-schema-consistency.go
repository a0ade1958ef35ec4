package rules

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// XspecErrorSchemaConsistencyID is the id of the xspec-error-schema-consistency rule.
const XspecErrorSchemaConsistencyID = "xspec-error-schema-consistency"

type xspecErrorSchemaConsistency struct{}

func (xspecErrorSchemaConsistency) Meta() rule.Meta {
	return rule.Meta{
		ID:       XspecErrorSchemaConsistencyID,
		Summary:  "Every error response (4xx, 5xx, default) in every spec has the same structure as the canonical RFC 9457 Problem",
		Severity: rule.Error,
		Family:   "xspec",
		Scope:    rule.ScopeSet,
		Options: []rule.Option{
			{Name: "canonicalRef", Default: "", Description: "the canonical error schema as file#pointer (relative to the working directory, e.g. specs/common/problem.yaml#/Problem; it must be loaded, i.e. $ref'd by a spec) or #/pointer (each spec's own); empty: the built-in RFC 9457 Problem {type: string uri-reference, title: string, status: integer, detail: string, instance: string uri-reference; required type, title, status}"},
			{Name: "allowedExtensions", Default: []string{}, Description: "extension members an error schema may add to the canonical one, with any structure (e.g. errors, traceId)"},
			{Name: "compareMediaType", Default: true, Description: "also require the canonical media type application/problem+json for JSON error bodies"},
		},
		Fix: "Make every error body `$ref` the one shared Problem schema (for example a common problem.yaml every spec references) instead of a copy; add extension members only if they are listed in allowedExtensions.",
	}
}

// xsProblemMediaType is the media type of the canonical error body.
const xsProblemMediaType = "application/problem+json"

// xsShape is the structural fingerprint of a schema: member names, types,
// formats, required members and nested shapes; descriptions, examples,
// titles and validation keywords are left out. fp is its canonical text, so
// that two shapes are equal when their fp are.
type xsShape struct {
	types    string // sorted, "|"-joined; "object" implied by properties
	format   string
	combo    string // oneOf/anyOf when the schema is a choice
	props    map[string]*xsShape
	order    []string // property names in source order
	required map[string]bool
	items    *xsShape
	fp       string
}

// xsShaper computes shapes once per resolved schema node.
type xsShaper struct {
	refs *xsDerefs
	memo map[*spec.Node]*xsShape
}

var xsCycleShape = &xsShape{fp: "<cycle>"}

func (s *xsShaper) shape(use *spec.Node) *xsShape {
	n := s.refs.deref(use)
	if !n.IsMap() {
		return &xsShape{fp: "<none>"}
	}
	if sh, ok := s.memo[n]; ok {
		if sh == nil {
			return xsCycleShape
		}
		return sh
	}
	s.memo[n] = nil // in progress: a recursive schema ends here
	sh := &xsShape{props: map[string]*xsShape{}, required: map[string]bool{}}
	types := map[string]bool{}
	visited := map[*spec.Node]bool{}
	var merge func(n *spec.Node)
	merge = func(n *spec.Node) {
		n = s.refs.deref(n)
		if !n.IsMap() || visited[n] {
			return
		}
		visited[n] = true
		for _, t := range schemaTypeList(n) {
			types[t] = true
		}
		if n.Bool("nullable") {
			types["null"] = true
		}
		if f := n.Str("format"); f != "" && sh.format == "" {
			sh.format = f
		}
		n.Get("properties").Each(func(name string, _, v *spec.Node) {
			if _, ok := sh.props[name]; !ok {
				sh.order = append(sh.order, name)
				sh.props[name] = s.shape(v)
			}
		})
		for _, r := range n.Get("required").Strings() {
			sh.required[r] = true
		}
		if it := n.Get("items"); it.IsMap() && sh.items == nil {
			sh.items = s.shape(it)
		}
		for _, kw := range []string{"oneOf", "anyOf"} {
			if n.Get(kw).Len() > 0 && sh.combo == "" {
				sh.combo = kw
			}
		}
		for _, b := range n.Get("allOf").Items() {
			merge(b)
		}
	}
	merge(n)
	if len(types) == 0 && len(sh.props) > 0 {
		types["object"] = true
	}
	sh.types = strings.Join(xsSorted(types), "|")
	sh.finish()
	s.memo[n] = sh
	return sh
}

func (sh *xsShape) finish() {
	var b strings.Builder
	b.WriteString(sh.types)
	if sh.format != "" {
		b.WriteString("/" + sh.format)
	}
	if sh.combo != "" {
		b.WriteString(" " + sh.combo)
	}
	if len(sh.props) > 0 {
		names := append([]string(nil), sh.order...)
		sort.Strings(names)
		b.WriteString("{")
		for _, name := range names {
			b.WriteString(name)
			if sh.required[name] {
				b.WriteString("!")
			}
			b.WriteString(":" + sh.props[name].fp + ";")
		}
		b.WriteString("}")
	}
	if sh.items != nil {
		b.WriteString("[" + sh.items.fp + "]")
	}
	sh.fp = b.String()
}

// xsBuiltinProblem is the RFC 9457 Problem the org ships.
func xsBuiltinProblem() *xsShape {
	leaf := func(t, f string) *xsShape {
		s := &xsShape{types: t, format: f}
		s.finish()
		return s
	}
	p := &xsShape{
		types: "object",
		props: map[string]*xsShape{
			"type":     leaf("string", "uri-reference"),
			"title":    leaf("string", ""),
			"status":   leaf("integer", ""),
			"detail":   leaf("string", ""),
			"instance": leaf("string", "uri-reference"),
		},
		order:    []string{"type", "title", "status", "detail", "instance"},
		required: map[string]bool{"type": true, "title": true, "status": true},
	}
	p.finish()
	return p
}

// xsDescribeType writes a shape's type for diffs: "string (uri-reference)".
func xsDescribeType(sh *xsShape) string {
	t := sh.types
	if t == "" {
		t = "untyped"
	}
	if sh.format != "" {
		t += " (" + sh.format + ")"
	}
	return t
}

// xsDiff lists how got differs from want at the top level: missing
// `type` and `title`; extra `errorCode`; `status` is string (canonical:
// integer); `title` not required. Empty when they match.
func xsDiff(got, want *xsShape, allowed map[string]bool) []string {
	if got.fp == want.fp {
		return nil
	}
	if got.combo != "" && want.combo == "" {
		return []string{"is a " + got.combo + " choice, not one object"}
	}
	var out, missing, extra []string
	if got.types != want.types && !(got.types == "" && len(got.props) > 0) {
		if len(got.props) == 0 {
			return []string{"is " + xsDescribeType(got) + ", not " + xsDescribeType(want)}
		}
		out = append(out, "type "+xsDescribeType(got)+" (canonical: "+xsDescribeType(want)+")")
	}
	for _, name := range want.order {
		g, w := got.props[name], want.props[name]
		switch {
		case g == nil:
			missing = append(missing, "`"+name+"`")
			continue
		case g.fp == w.fp:
		case g.types != w.types || g.format != w.format:
			out = append(out, "`"+name+"` is "+xsDescribeType(g)+" (canonical: "+xsDescribeType(w)+")")
		default:
			out = append(out, "`"+name+"` has a different structure")
		}
		switch {
		case want.required[name] && !got.required[name]:
			out = append(out, "`"+name+"` not required")
		case !want.required[name] && got.required[name]:
			out = append(out, "`"+name+"` required (canonical: optional)")
		}
	}
	for _, name := range got.order {
		if want.props[name] == nil && !allowed[name] {
			extra = append(extra, "`"+name+"`")
		}
	}
	if len(missing) > 0 {
		out = append([]string{"missing " + xsAnd(missing)}, out...)
	}
	if len(extra) > 0 {
		out = append(out, "extra "+xsAnd(extra))
	}
	if len(out) == 0 && !xsOnlyExtensions(got, want, allowed) {
		out = append(out, "a different structure")
	}
	return out
}

// xsOnlyExtensions reports whether got equals want but for allowed
// extension members (and whether they are required).
func xsOnlyExtensions(got, want *xsShape, allowed map[string]bool) bool {
	if got.types != want.types && !(got.types == "" && len(got.props) > 0) || got.format != want.format || got.combo != want.combo {
		return false
	}
	if (got.items == nil) != (want.items == nil) || (got.items != nil && got.items.fp != want.items.fp) {
		return false
	}
	for name, g := range got.props {
		w := want.props[name]
		if w == nil {
			if !allowed[name] {
				return false
			}
			continue
		}
		if g.fp != w.fp || got.required[name] != want.required[name] {
			return false
		}
	}
	return len(want.props) <= len(got.props)
}

// xsErrorUse is one error response body that uses a schema.
type xsErrorUse struct {
	op    *spec.Operation
	code  string
	media string // essence
	mkey  *spec.Node
}

// xsErrorGroup is every use of one schema node with one media verdict.
type xsErrorGroup struct {
	use     *spec.Node // the first `schema` value (may be a $ref)
	schema  *spec.Node // resolved
	mediaOK bool
	uses    []xsErrorUse

	canon     *xsShape
	canonNode *spec.Node // nil for the built-in Problem
}

func (xspecErrorSchemaConsistency) Check(ctx *rule.Context) {
	set := ctx.Set
	refs := newXsDerefs(set)
	sh := &xsShaper{refs: refs, memo: map[*spec.Node]*xsShape{}}
	allowed := stringSet(ctx.Options.Strings("allowedExtensions"))
	compareMedia := ctx.Options.Bool("compareMediaType")
	canonRef := ctx.Options.String("canonicalRef")

	builtin := xsBuiltinProblem()
	var shared *spec.Node // the canonical schema when canonicalRef names a file
	if canonRef != "" && !strings.HasPrefix(canonRef, "#") {
		shared = xsFindRef(set, canonRef)
		if shared == nil && len(set.Docs) > 0 {
			ctx.ReportSeverity(rule.Warn, set.Docs[0].Root, "option canonicalRef: %q is not a loaded file and pointer (a spec must $ref it); comparing with the built-in RFC 9457 Problem", canonRef)
		}
	}

	type groupKey struct {
		schema  *spec.Node
		mediaOK bool
		canon   *xsShape
	}
	// Whether a shape matches a canonical one, computed once per pair.
	verdicts := map[[2]*xsShape]bool{}
	conforms := func(got, canon *xsShape) bool {
		k := [2]*xsShape{got, canon}
		v, ok := verdicts[k]
		if !ok {
			v = len(xsDiff(got, canon, allowed)) == 0
			verdicts[k] = v
		}
		return v
	}
	groups := map[groupKey]*xsErrorGroup{}
	var order []*xsErrorGroup
	var conforming *spec.Node // the first error schema that matches, for "compare with"
	for _, d := range set.Docs {
		canon, canonNode := builtin, shared
		if shared != nil {
			canon = sh.shape(shared)
		} else if strings.HasPrefix(canonRef, "#") {
			if n := set.Deref(d.Root.Path(xsPointerKeys(canonRef)...)); n != nil {
				canon, canonNode = sh.shape(n), n
			}
		}
		for _, op := range d.Operations {
			if op.Method == "head" {
				continue // HEAD responses carry no body
			}
			refs.deref(op.Node.Get("responses")).Each(func(code string, _, raw *spec.Node) {
				if !isErrorCode(code) {
					return
				}
				refs.deref(raw).Get("content").Each(func(mt string, mk, media *spec.Node) {
					use := media.Get("schema")
					if !mediaIsJSON(mt) || use == nil {
						return
					}
					s := refs.deref(use)
					if s == nil {
						return
					}
					mediaOK := !compareMedia || mediaEssence(mt) == xsProblemMediaType
					if s == canonNode || conforms(sh.shape(s), canon) {
						if conforming == nil {
							conforming = s
						}
						if mediaOK {
							return
						}
					}
					k := groupKey{s, mediaOK, canon}
					g := groups[k]
					if g == nil {
						g = &xsErrorGroup{use: use, schema: s, mediaOK: mediaOK, canon: canon, canonNode: canonNode}
						groups[k] = g
						order = append(order, g)
					}
					g.uses = append(g.uses, xsErrorUse{op: op, code: code, media: mediaEssence(mt), mkey: mk})
				})
			})
		}
	}
	for _, g := range order {
		xsReportErrorGroup(ctx, g, sh.shape(g.schema), conforming, allowed)
	}
}

// xsReportErrorGroup writes one finding for a deviating schema (at its
// definition, once for a shared component) or for a media type.
func xsReportErrorGroup(ctx *rule.Context, g *xsErrorGroup, got *xsShape, conforming *spec.Node, allowed map[string]bool) {
	diff := xsDiff(got, g.canon, allowed)
	if g.schema == g.canonNode {
		diff = nil
	}
	at := declSite(g.schema)
	if spec.Ref(g.use) == "" {
		at = declSite(g.use)
	}
	if len(diff) == 0 {
		at = g.uses[0].mkey
	}
	if !g.mediaOK {
		diff = append(diff, "media type `"+g.uses[0].media+"` (canonical: `"+xsProblemMediaType+"`)")
	}
	manyDocs := false
	for _, u := range g.uses {
		manyDocs = manyDocs || u.op.Doc != g.uses[0].op.Doc
	}
	var labels []string
	for i, u := range g.uses {
		if i == 3 {
			labels = append(labels, fmt.Sprintf("%d more", len(g.uses)-3))
			break
		}
		l := opLabel(u.op) + " " + u.code
		if manyDocs {
			l = u.op.Doc.Service + " " + l
		}
		labels = append(labels, l)
	}
	what := "the error schema"
	if name, k := g.schema.Key(); k != nil && spec.Ref(g.use) != "" {
		what = "error schema `" + name + "`"
	}
	used := fmt.Sprintf("Used by %s (%s)", xsPlural(len(g.uses), "error response"), strings.Join(labels, ", "))
	ref := g.canonNode
	if ref == nil {
		ref = conforming
	}
	if ref == nil {
		ctx.Report(at, "%s differs from the RFC 9457 Problem every spec must share: %s. %s; $ref one shared Problem schema instead", what, strings.Join(diff, "; "), used)
		return
	}
	ctx.ReportRelated(at, []*spec.Node{declSite(ref)}, "%s differs from the canonical Problem, also declared at %s: %s. %s; $ref that shared Problem schema instead", what, xsLoc(declSite(ref)), strings.Join(diff, "; "), used)
}

// xsPointerKeys splits "#/components/schemas/Problem" into its unescaped keys.
func xsPointerKeys(ref string) []string {
	_, frag, _ := strings.Cut(ref, "#")
	frag = strings.TrimPrefix(frag, "/")
	if frag == "" {
		return nil
	}
	keys := strings.Split(frag, "/")
	for i, k := range keys {
		keys[i] = strings.ReplaceAll(strings.ReplaceAll(k, "~1", "/"), "~0", "~")
	}
	return keys
}

// xsFindRef finds "file#pointer" among the loaded files: by display name,
// absolute path or URL, or by a path suffix (problem/v1.yaml).
func xsFindRef(set *spec.Set, ref string) *spec.Node {
	loc, _, _ := strings.Cut(ref, "#")
	abs, _ := filepath.Abs(filepath.FromSlash(loc))
	for _, f := range set.Files() {
		if f.Name == loc || f.Path == loc || f.Path == abs || strings.HasSuffix(filepath.ToSlash(f.Path), "/"+strings.TrimPrefix(loc, "./")) {
			return set.Deref(f.Root.Path(xsPointerKeys(ref)...))
		}
	}
	return nil
}
