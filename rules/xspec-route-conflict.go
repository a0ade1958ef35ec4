package rules

import (
	"fmt"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// XspecRouteConflictID is the id of the xspec-route-conflict rule.
const XspecRouteConflictID = "xspec-route-conflict"

type xspecRouteConflict struct{}

func (xspecRouteConflict) Meta() rule.Meta {
	return rule.Meta{
		ID:       XspecRouteConflictID,
		Summary:  "No two operations claim the same gateway route (method + base path + equivalent template); overlapping templates of different services are named with the winner",
		Severity: rule.Error,
		Family:   "xspec",
		Scope:    rule.ScopeSet,
		Options: []rule.Option{
			{Name: "caseInsensitive", Default: false, Description: "treat paths that differ only in case as the same route (error); when false they are a warning, because the gateway matches case-sensitively"},
			{Name: "overlaps", Default: true, Description: "warn when a template of one service overlaps another service's (/v1/users/{id} vs /v1/users/me) and name the service that wins"},
			{Name: "allowOverlaps", Default: []any{}, Description: "deliberate overlaps to accept: a list of [pathA, pathB] gateway paths (base path included, parameter names ignored), e.g. [[/v1/users/me, /v1/users/{id}]]"},
		},
		Fix: "Give every gateway route one owner: remove or move the duplicate operation (one service calls the other), or change the path. For an overlap, either accept it in allowOverlaps or move the literal route into the service that owns the subtree.",
	}
}

// xsSeg is one segment of a gateway path: a literal (compared byte for
// byte), or a whole-segment parameter. A segment mixing text and a template
// ("v{n}", "{id}.json") is kept as literal text with {} in place of the
// expression: the gateway refuses it (path-template-well-formed reports it).
type xsSeg struct {
	text  string // literal text, or the parameter name
	param bool
}

// xsPath is one path key of one document as the gateway sees it.
type xsPath struct {
	doc     *spec.Document
	key     *spec.Node
	gateway string // base path + path key, parameter names kept
	norm    string // gateway path with {} for every parameter, no trailing slash
	segs    []xsSeg
	ops     []*spec.Operation
}

func (p *xsPath) methods() map[string]bool {
	m := make(map[string]bool, len(p.ops))
	for _, op := range p.ops {
		m[op.Method] = true
	}
	return m
}

// xsGatewayPaths returns every path key of every document with its gateway
// path, in document and source order. Operations of one path key with
// different base paths (operation-level servers) make one xsPath each.
func xsGatewayPaths(set *spec.Set) []*xsPath {
	var out []*xsPath
	bases := map[*spec.Node]string{} // by the node that decides the base path
	type pathBase struct {
		key  *spec.Node
		base string
	}
	for _, d := range set.Docs {
		byKey := map[pathBase]*xsPath{}
		for _, op := range d.Operations {
			decider := xsBaseDecider(op)
			base, ok := bases[decider]
			if !ok {
				base = xsBasePath(op)
				bases[decider] = base
			}
			pk := pathBase{op.PathKey, base}
			if p := byKey[pk]; p != nil {
				p.ops = append(p.ops, op)
				continue
			}
			gw := xsJoinPath(base, op.Path)
			parsed := parsePath(gw)
			segs := parsed.Segments
			if n := len(segs); n > 0 && segs[n-1].Text == "" {
				segs = segs[:n-1] // a trailing slash (path-normalized reports it)
			}
			p := &xsPath{doc: d, key: op.PathKey, gateway: gw, ops: []*spec.Operation{op}}
			var b strings.Builder
			for _, s := range segs {
				b.WriteByte('/')
				if s.Whole() {
					b.WriteString("{}")
					p.segs = append(p.segs, xsSeg{text: templateName(s.Parts[0].Text), param: true})
					continue
				}
				start := b.Len()
				for _, part := range s.Parts {
					if part.Param {
						b.WriteString("{}")
					} else {
						b.WriteString(part.Text)
					}
				}
				p.segs = append(p.segs, xsSeg{text: b.String()[start:]})
			}
			p.norm = b.String()
			if p.norm == "" {
				p.norm = "/"
			}
			byKey[pk] = p
			out = append(out, p)
		}
	}
	return out
}

// xsRouteLabel writes "GET /v1/users/{id} (users)", with the path key
// when the base path makes the gateway path differ from it:
// "GET /v1/users/{id} (users, path /users/{id})".
func xsRouteLabel(op *spec.Operation, p *xsPath) string {
	who := p.doc.Service
	if p.gateway != op.Path {
		who += ", path " + op.Path
	}
	return strings.ToUpper(op.Method) + " " + p.gateway + " (" + who + ")"
}

func (xspecRouteConflict) Check(ctx *rule.Context) {
	paths := xsGatewayPaths(ctx.Set)
	fold := ctx.Options.Bool("caseInsensitive")

	// Identical routes: the same method on the same normalized gateway path,
	// anywhere in the set (the gateway refuses the second one).
	type claim struct {
		op *spec.Operation
		p  *xsPath
	}
	first := map[string]claim{}
	firstFold := map[string]claim{}
	for _, p := range paths {
		for _, op := range p.ops {
			norm := p.norm
			if fold {
				norm = strings.ToLower(norm)
			}
			k := op.Method + " " + norm
			if prev, dup := first[k]; dup {
				ctx.ReportRelated(op.MethodKey, []*spec.Node{prev.op.MethodKey},
					"%s is the same gateway route as %s, also declared at %s: both become %s %s, and the gateway refuses a second route with the same method and an equivalent path; keep one owner and remove or move the other",
					xsRouteLabel(op, p), xsRouteLabel(prev.op, prev.p), xsLoc(prev.op.MethodKey),
					strings.ToUpper(op.Method), norm)
				continue
			}
			first[k] = claim{op, p}
			if fold {
				continue
			}
			lk := op.Method + " " + strings.ToLower(p.norm)
			if prev, dup := firstFold[lk]; dup {
				ctx.ReportRelatedSeverity(rule.Warn, op.MethodKey, []*spec.Node{prev.op.MethodKey},
					"%s differs only in case from %s, also declared at %s: the gateway matches paths case-sensitively, so these are two routes that clients will confuse; use one spelling (lower case)",
					xsRouteLabel(op, p), xsRouteLabel(prev.op, prev.p), xsLoc(prev.op.MethodKey))
				continue
			}
			firstFold[lk] = claim{op, p}
		}
	}

	if ctx.Options.Bool("overlaps") {
		xsReportOverlaps(ctx, paths)
	}
}

// xsTrie indexes normalized gateway paths by segment for the overlap search.
type xsTrie struct {
	lits  map[string]*xsTrie
	param *xsTrie
	paths []*xsPath // paths ending here (one normalized template)
}

func (t *xsTrie) insert(p *xsPath) {
	n := t
	for _, s := range p.segs {
		if s.param {
			if n.param == nil {
				n.param = &xsTrie{}
			}
			n = n.param
			continue
		}
		if n.lits == nil {
			n.lits = map[string]*xsTrie{}
		}
		c := n.lits[s.text]
		if c == nil {
			c = &xsTrie{}
			n.lits[s.text] = c
		}
		n = c
	}
	n.paths = append(n.paths, p)
}

// overlapping calls fn for every trie node holding templates that match at
// least one request path that segs also matches (segs itself included).
func (t *xsTrie) overlapping(segs []xsSeg, fn func(*xsTrie)) {
	if len(segs) == 0 {
		if len(t.paths) > 0 {
			fn(t)
		}
		return
	}
	s, rest := segs[0], segs[1:]
	if s.param {
		for _, c := range t.lits {
			c.overlapping(rest, fn)
		}
	} else if c := t.lits[s.text]; c != nil {
		c.overlapping(rest, fn)
	}
	if t.param != nil {
		t.param.overlapping(rest, fn)
	}
}

// xsReportOverlaps warns about templates of different services that match
// a common request path: the gateway resolves the path first, literal
// segments before parameters segment by segment, so the template with a
// literal at the first differing segment takes every such request, for
// every method. The finding sits on the losing path.
func xsReportOverlaps(ctx *rule.Context, paths []*xsPath) {
	services := map[string]bool{}
	for _, p := range paths {
		services[p.doc.Service] = true
	}
	if len(services) < 2 {
		return // overlaps inside one service are deliberate (/users/me)
	}
	allowed := xsAllowedOverlaps(ctx.Options["allowOverlaps"])
	root := &xsTrie{}
	for _, p := range paths {
		root.insert(p)
	}
	for _, loser := range paths {
		root.overlapping(loser.segs, func(n *xsTrie) {
			for _, winner := range n.paths {
				if winner.norm == loser.norm || winner.doc.Service == loser.doc.Service || !xsWins(winner.segs, loser.segs) {
					continue
				}
				if allowed[loser.norm+" "+winner.norm] || allowed[winner.norm+" "+loser.norm] {
					continue
				}
				xsReportOverlap(ctx, loser, winner)
			}
		})
	}
}

// xsWins reports whether a beats b on a request both match: at the first
// segment where they differ in kind, a has the literal.
func xsWins(a, b []xsSeg) bool {
	for i := range a {
		if a[i].param != b[i].param {
			return !a[i].param
		}
	}
	return false
}

func xsReportOverlap(ctx *rule.Context, loser, winner *xsPath) {
	// An example request both match: the literals of either, the loser's
	// parameter names elsewhere.
	var b strings.Builder
	for i, s := range loser.segs {
		b.WriteByte('/')
		switch w := winner.segs[i]; {
		case !s.param:
			b.WriteString(s.text)
		case !w.param:
			b.WriteString(w.text)
		default:
			b.WriteString("{" + s.text + "}")
		}
	}
	example := b.String()
	lm, wm := loser.methods(), winner.methods()
	var only []string
	for _, m := range spec.Methods {
		if lm[m] && !wm[m] {
			only = append(only, strings.ToUpper(m))
		}
	}
	tail := ""
	if len(only) > 0 {
		tail = fmt.Sprintf(" (%s there answers 405 Method Not Allowed: the gateway resolves the path before the method)", strings.Join(only, ", "))
	}
	ctx.ReportRelatedSeverity(rule.Warn, loser.key, []*spec.Node{winner.key},
		"%s (%s) overlaps %s (%s), also declared at %s: the gateway matches literal segments before parameters, so requests to %s go to %s and never reach %s%s; move the literal route into the service that owns the subtree, or accept the pair in allowOverlaps",
		loser.gateway, loser.doc.Service, winner.gateway, winner.doc.Service, xsLoc(winner.key),
		example, winner.doc.Service, loser.doc.Service, tail)
}

// xsAllowedOverlaps reads allowOverlaps: a list of [pathA, pathB] pairs,
// returned as "normA normB" keys.
func xsAllowedOverlaps(v any) map[string]bool {
	out := map[string]bool{}
	norm := func(p string) string {
		s := normalizedTemplate(parsePath(strings.TrimSuffix(p, "/")))
		if s == "" {
			return "/"
		}
		return s
	}
	add := func(pair []string) {
		if len(pair) == 2 {
			out[norm(pair[0])+" "+norm(pair[1])] = true
		}
	}
	switch list := v.(type) {
	case [][]string:
		for _, pair := range list {
			add(pair)
		}
	case []any:
		for _, item := range list {
			add(rule.Options{"p": item}.Strings("p"))
		}
	}
	return out
}
