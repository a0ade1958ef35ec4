package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// XspecNamingStyleConsistencyID is the id of the xspec-naming-style-consistency rule.
const XspecNamingStyleConsistencyID = "xspec-naming-style-consistency"

type xspecNamingStyleConsistency struct{}

// xsNamespaces are the kinds of names compared, in report order.
var xsNamespaces = []string{"pathSegments", "pathParams", "queryParams", "properties", "operationIds"}

var xsNamespaceLabel = map[string]string{
	"pathSegments": "path segments",
	"pathParams":   "path parameters",
	"queryParams":  "query parameters",
	"properties":   "properties",
	"operationIds": "operationIds",
}

func (xspecNamingStyleConsistency) Meta() rule.Meta {
	return rule.Meta{
		ID:       XspecNamingStyleConsistencyID,
		Summary:  "Each spec names things in the same style as the rest of the org: path segments, path and query parameters, properties and operationIds",
		Severity: rule.Warn,
		Family:   "xspec",
		Scope:    rule.ScopeSet,
		Options: []rule.Option{
			{Name: "expected", Default: map[string]any{}, Description: "the style per namespace (pathSegments, pathParams, queryParams, properties, operationIds): camel, snake, kebab, pascal or upper-snake; a namespace not listed follows the style most specs use"},
			{Name: "threshold", Default: 95, Description: "a spec whose names follow the expected style less often than this percentage mixes styles"},
			{Name: "minNames", Default: 3, Description: "judge a namespace of a spec only when it has at least this many multi-word names"},
			{Name: "namespaces", Default: append([]string(nil), xsNamespaces...), Description: "the namespaces to compare"},
			{Name: "excludeServices", Default: []string{}, Description: "services (info.x-service) neither judged nor counted, e.g. a legacy API kept as is"},
		},
		Fix: "Rename the names of the deviating spec to the org's style (created_at → createdAt), or set `expected` per namespace when the org has decided on another style. One-word names (id, status) count for every style.",
	}
}

// xsMixed labels a multi-word name that follows no style (order_Id).
const xsMixed caseStyle = 100

func xsStyleName(s caseStyle) string {
	if s == xsMixed {
		return "mixed"
	}
	return s.String()
}

// xsClassify returns the style of a multi-word name, or 0 for a name of one
// word (id, status, v1, address2) or one with other characters (page[size],
// $filter), which is no evidence for any style.
func xsClassify(name string) caseStyle {
	name = strings.Trim(name, "_-")
	var under, hyphen, upper, lower bool
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '_':
			under = true
		case c == '-':
			hyphen = true
		case isUpper(c):
			upper = true
		case isLower(c):
			lower = true
		case isDigit(c):
		default:
			return 0
		}
	}
	switch {
	case under && hyphen:
		return xsMixed
	case under && !upper:
		return styleSnake
	case under && !lower:
		return styleUpperSnake
	case hyphen && !upper:
		return styleKebab
	case under || hyphen:
		return xsMixed
	}
	if len(splitWords(name)) < 2 {
		return 0
	}
	if isLower(name[0]) {
		return styleCamel
	}
	if isUpper(name[0]) && lower {
		return stylePascal
	}
	return 0
}

// xsName is one distinct name of one namespace of one spec.
type xsName struct {
	name  string
	style caseStyle
	node  *spec.Node
}

// xsTally counts a spec's multi-word names of one namespace by style.
type xsTally struct {
	doc    *spec.Document
	names  []xsName // distinct, in source order
	seen   map[string]bool
	counts map[caseStyle]int
}

func (t *xsTally) add(name string, node *spec.Node) {
	if t.seen[name] {
		return
	}
	t.seen[name] = true
	if s := xsClassify(name); s != 0 {
		t.names = append(t.names, xsName{name, s, node})
		t.counts[s]++
	}
}

// dominant is the style most names follow; prefer wins a tie.
func (t *xsTally) dominant(prefer caseStyle) caseStyle {
	var best caseStyle
	for _, s := range xsStyleOrder {
		c := t.counts[s]
		if c > t.counts[best] || (c > 0 && c == t.counts[best] && s == prefer) {
			best = s
		}
	}
	return best
}

// first returns the first name with style s (or, when s is 0, not with
// style not), or nil.
func (t *xsTally) first(match func(caseStyle) bool) *xsName {
	for i := range t.names {
		if match(t.names[i].style) {
			return &t.names[i]
		}
	}
	return nil
}

// distribution writes "80% camelCase, 20% snake_case".
func (t *xsTally) distribution() string {
	styles := make([]caseStyle, 0, len(t.counts))
	for s, c := range t.counts {
		if c > 0 {
			styles = append(styles, s)
		}
	}
	sort.Slice(styles, func(i, j int) bool {
		if t.counts[styles[i]] != t.counts[styles[j]] {
			return t.counts[styles[i]] > t.counts[styles[j]]
		}
		return styles[i] < styles[j]
	})
	parts := make([]string, len(styles))
	for i, s := range styles {
		parts[i] = fmt.Sprintf("%d%% %s", xsPercent(t.counts[s], len(t.names)), xsStyleName(s))
	}
	return strings.Join(parts, ", ")
}

var xsStyleOrder = []caseStyle{styleCamel, styleSnake, styleKebab, stylePascal, styleUpperSnake, xsMixed}

func (xspecNamingStyleConsistency) Check(ctx *rule.Context) {
	o := ctx.Options
	exclude := stringSet(o.Strings("excludeServices"))
	threshold := o.Int("threshold")
	minNames := max(o.Int("minNames"), 1)
	expected := o.Map("expected")

	// tallies[namespace] holds one tally per judged spec, in file order.
	tallies := map[string][]*xsTally{}
	enabled := stringSet(o.Strings("namespaces"))
	refs := newXsDerefs(ctx.Set)
	for _, d := range ctx.Set.Docs {
		if exclude[d.Service] {
			continue
		}
		for ns, t := range xsCollectNames(refs, d, enabled) {
			if len(t.names) >= minNames {
				tallies[ns] = append(tallies[ns], t)
			}
		}
	}

	for _, ns := range xsNamespaces {
		ts := tallies[ns]
		if len(ts) == 0 {
			continue
		}
		want, configured := caseStyle(0), false
		if v, ok := expected[ns].(string); ok {
			want, configured = parseStyle(v)
		}
		var org *xsOrgStyle
		if !configured {
			org = xsOrgDominant(ts)
			if org != nil {
				want = org.style
			}
		}
		label := xsNamespaceLabel[ns]
		for _, t := range ts {
			w := want
			if w == 0 {
				w = t.dominant(0) // no org majority: judge the spec against itself
			}
			if dom := t.dominant(w); dom != w {
				xsReportStyleDrift(ctx, t, ts, label, dom, w, org)
				continue
			}
			xsReportStyleMix(ctx, t, label, w, threshold)
		}
	}
}

// xsOrgStyle is the style most specs use for a namespace.
type xsOrgStyle struct {
	style     caseStyle
	specs, of int
}

// xsOrgDominant votes: each spec counts once for its dominant style; a tie
// goes to the style with more names; nil when that ties too (or when most
// specs are mixed).
func xsOrgDominant(ts []*xsTally) *xsOrgStyle {
	votes := map[caseStyle]int{}
	names := map[caseStyle]int{}
	for _, t := range ts {
		votes[t.dominant(0)]++
		for s, c := range t.counts {
			names[s] += c
		}
	}
	styles := append([]caseStyle(nil), xsStyleOrder...)
	sort.SliceStable(styles, func(i, j int) bool {
		a, b := styles[i], styles[j]
		if votes[a] != votes[b] {
			return votes[a] > votes[b]
		}
		return names[a] > names[b]
	})
	best, second := styles[0], styles[1]
	if best == xsMixed || votes[best] == 0 || (votes[best] == votes[second] && names[best] == names[second]) {
		return nil
	}
	return &xsOrgStyle{style: best, specs: votes[best], of: len(ts)}
}

// xsReportStyleDrift reports a spec whose dominant style is not the
// expected one, at its first name of that style, naming an expected-style
// name of another spec (or of its own).
func xsReportStyleDrift(ctx *rule.Context, t *xsTally, ts []*xsTally, label string, dom, want caseStyle, org *xsOrgStyle) {
	at := t.first(func(s caseStyle) bool { return s == dom })
	var ref *xsName
	for _, o := range ts {
		if o != t {
			if ref = o.first(func(s caseStyle) bool { return s == want }); ref != nil {
				break
			}
		}
	}
	if ref == nil {
		ref = t.first(func(s caseStyle) bool { return s == want })
	}
	basis := "the configured style"
	if org != nil {
		basis = fmt.Sprintf("the style of %d of %s", org.specs, xsPlural(org.of, "spec"))
	}
	msg := fmt.Sprintf("%s: %s are %s (%d of %s, e.g. `%s`), but the org uses %s (%s)",
		t.doc.Service, label, t.distribution(), t.counts[dom], xsPlural(len(t.names), "multi-word name"), at.name, want, basis)
	if ref == nil {
		ctx.Report(at.node, "%s: rename to %s", msg, want)
		return
	}
	ctx.ReportRelated(at.node, []*spec.Node{ref.node}, "%s, e.g. `%s` declared at %s: rename to %s", msg, ref.name, xsLoc(ref.node), want)
}

// xsReportStyleMix reports a spec that follows want in fewer than threshold
// percent of its names, at its first name of another style.
func xsReportStyleMix(ctx *rule.Context, t *xsTally, label string, want caseStyle, threshold int) {
	if t.counts[want]*100 >= threshold*len(t.names) {
		return
	}
	var odd []string
	var at *xsName
	for i := range t.names {
		if n := &t.names[i]; n.style != want {
			if at == nil {
				at = n
			}
			if len(odd) < 3 {
				odd = append(odd, "`"+n.name+"`")
			}
		}
	}
	if at == nil {
		return
	}
	if n := len(t.names) - t.counts[want]; n > len(odd) {
		odd = append(odd, fmt.Sprintf("%d more", n-len(odd)))
	}
	ref := t.first(func(s caseStyle) bool { return s == want })
	msg := fmt.Sprintf("%s: %s mix styles, %s (%s): use %s throughout", t.doc.Service, label, t.distribution(), xsAnd(odd), want)
	if ref == nil {
		ctx.Report(at.node, "%s", msg)
		return
	}
	ctx.ReportRelated(at.node, []*spec.Node{ref.node}, "%s, like `%s` declared at %s", msg, ref.name, xsLoc(ref.node))
}

// xsCollectNames gathers the distinct names of each enabled namespace of a
// spec: literal path segments (versions and file-like segments left out),
// template names, query parameter names, property names of every schema
// reachable from the operations, and operationIds.
func xsCollectNames(refs *xsDerefs, d *spec.Document, enabled map[string]bool) map[string]*xsTally {
	out := map[string]*xsTally{}
	tally := func(ns string) *xsTally {
		if !enabled[ns] {
			return nil
		}
		t := out[ns]
		if t == nil {
			t = &xsTally{doc: d, seen: map[string]bool{}, counts: map[caseStyle]int{}}
			out[ns] = t
		}
		return t
	}
	segs, params := tally("pathSegments"), tally("pathParams")
	if segs != nil || params != nil {
		pathKeys(d, func(path string, key *spec.Node) {
			for _, s := range parsePath(path).Segments {
				switch {
				case s.Whole() && params != nil:
					params.add(templateName(s.Parts[0].Text), key)
				case s.Literal() && segs != nil && !looseVersionRE.MatchString(s.Text) && !strings.ContainsAny(s.Text, ".:"):
					segs.add(s.Text, key)
				}
			}
		})
	}
	if q := tally("queryParams"); q != nil {
		for _, op := range d.Operations {
			for _, p := range op.Params {
				if p.In == "query" && p.Name != "" {
					q.add(p.Name, paramNameNode(p))
				}
			}
		}
	}
	if ids := tally("operationIds"); ids != nil {
		for _, op := range d.Operations {
			if id := op.ID(); id != "" {
				ids.add(id, op.Node.Get("operationId"))
			}
		}
	}
	if props := tally("properties"); props != nil {
		w := &xsPropWalker{refs: refs, seen: map[*spec.Node]bool{}, add: props.add}
		for _, op := range d.Operations {
			for _, p := range op.Params {
				w.parameter(p.Node)
			}
			w.operation(op.Node)
		}
	}
	for ns, t := range out {
		if len(t.names) == 0 {
			delete(out, ns)
		}
	}
	return out
}

// xsPropWalker visits every schema reachable from an operation once and
// hands each property name to add.
type xsPropWalker struct {
	refs *xsDerefs
	seen map[*spec.Node]bool
	add  func(name string, key *spec.Node)
}

func (w *xsPropWalker) first(n *spec.Node) bool {
	if n == nil || w.seen[n] {
		return false
	}
	w.seen[n] = true
	return true
}

func (w *xsPropWalker) operation(op *spec.Node) {
	if rb := w.refs.deref(op.Get("requestBody")); w.first(rb) {
		w.content(rb.Get("content"))
	}
	op.Get("responses").Each(func(_ string, _, raw *spec.Node) {
		if resp := w.refs.deref(raw); w.first(resp) {
			w.content(resp.Get("content"))
			resp.Get("headers").Each(func(_ string, _, h *spec.Node) { w.parameter(w.refs.deref(h)) })
		}
	})
}

func (w *xsPropWalker) parameter(p *spec.Node) {
	if w.first(p) {
		w.schema(p.Get("schema"))
		w.content(p.Get("content"))
	}
}

func (w *xsPropWalker) content(c *spec.Node) {
	c.Each(func(_ string, _, mt *spec.Node) { w.schema(mt.Get("schema")) })
}

func (w *xsPropWalker) schema(n *spec.Node) {
	n = w.refs.deref(n)
	if !n.IsMap() || !w.first(n) {
		return
	}
	// One pass over the keys: schema nodes are many, and Get scans.
	n.Each(func(k string, _, v *spec.Node) {
		switch k {
		case "properties":
			v.Each(func(name string, key, sub *spec.Node) {
				w.add(name, key)
				w.schema(sub)
			})
		case "items", "additionalProperties", "not":
			if v.IsMap() {
				w.schema(v)
			}
		case "allOf", "oneOf", "anyOf", "prefixItems":
			for _, it := range v.Items() {
				w.schema(it)
			}
		}
	})
}
