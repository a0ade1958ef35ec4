// Package router matches (method, raw path) against published path templates.
//
// A Router is compiled once per configuration into an immutable segment trie
// and is safe for concurrent use without locks. Matching rules:
//
//   - The path is matched as sent (escaped form, r.URL.EscapedPath of a strictly
//     validated request): no case folding, no trailing-slash folding, no
//     percent-decoding. "/users/" never matches "/users", and "/Users" never
//     matches "/users". Literal template segments are compared byte for byte.
//   - A parameter matches exactly one non-empty segment ({id} never spans '/').
//   - Literal segments win over parameter segments, segment by segment; when a
//     literal branch dead-ends (no template below it matches the whole path)
//     the parameter branch at that level is tried (backtracking). This is
//     OpenAPI's "concrete paths before templated ones", applied per segment.
//   - The path is resolved first and the method second, as OpenAPI does: if
//     /users/me and /users/{id} both exist, POST /users/me resolves to the
//     /users/me path and answers 405 when that path has no POST, even if
//     POST /users/{id} exists.
//   - HEAD is not GET: a HEAD request matches only a published HEAD route
//     (default deny); otherwise it is 405 like any other method. OPTIONS is not
//     implicit either (CORS preflights are answered by the gateway, not here).
//
// A match costs no allocation when the caller's parameter buffer is large
// enough, and its cost depends on the number of segments, not of routes.
package router

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Entry is one (method, template) pair to compile.
type Entry[T any] struct {
	Method   string
	Template string
	Value    T
}

// Match is the result of Lookup.
type Match[T any] struct {
	// Status is 200 (matched), 404 (unknown path) or 405 (the path exists,
	// the method does not; Allow lists the methods it has).
	Status int
	Value  T
	// Names and Values are the path parameters of the matched template, in
	// template order. Values are raw (still percent-encoded) segments.
	Names  []string
	Values []string
	// Template is the matched route's template (also set on 405, for the
	// first route of the path, to name it in logs).
	Template string
	// Allow is the sorted, comma-separated method list of the path (set on
	// 200 and 405).
	Allow string
}

// Router is an immutable compiled route table.
type Router[T any] struct {
	root  node[T]
	count int
}

// mapThreshold is the child count above which literal children are looked up
// in a map instead of scanned.
const mapThreshold = 8

type node[T any] struct {
	lits    []edge[T]
	litMap  map[string]*node[T]
	param   *node[T]
	methods []entry[T] // set on terminal nodes
	allow   string
}

type edge[T any] struct {
	label string
	child *node[T]
}

type entry[T any] struct {
	method   string
	template string
	names    []string
	value    T
}

// New compiles entries. It fails on a malformed template or when two entries
// have the same method and equivalent templates (/a/{x} ≡ /a/{y}).
func New[T any](entries []Entry[T]) (*Router[T], error) {
	rt := &Router[T]{}
	var errs []error
	for _, e := range entries {
		if err := rt.insert(e); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	rt.root.finish()
	return rt, nil
}

// Len is the number of routes compiled in.
func (rt *Router[T]) Len() int { return rt.count }

// Segment is one parsed template segment.
type Segment struct {
	Literal string // set for literal segments
	Param   string // set for {param} segments
}

// ParseTemplate splits a template into segments. "/" has none. It checks
// shape only (leading '/', no empty segments, whole-segment parameters with
// non-empty, unique names); config.Validate checks everything else.
func ParseTemplate(tpl string) ([]Segment, error) {
	if tpl == "" || tpl[0] != '/' {
		return nil, fmt.Errorf("template %q must start with /", tpl)
	}
	if tpl == "/" {
		return nil, nil
	}
	segs := make([]Segment, strings.Count(tpl, "/"))
	rest := tpl[1:]
	for i := range segs {
		p := rest
		if k := strings.IndexByte(rest, '/'); k >= 0 {
			p, rest = rest[:k], rest[k+1:]
		}
		switch {
		case p == "":
			return nil, fmt.Errorf("template %q has an empty segment", tpl)
		case p[0] == '{' && p[len(p)-1] == '}' && len(p) > 2 && !strings.ContainsAny(p[1:len(p)-1], "{}"):
			name := p[1 : len(p)-1]
			for _, s := range segs[:i] {
				if s.Param == name {
					return nil, fmt.Errorf("template %q repeats parameter {%s}", tpl, name)
				}
			}
			segs[i].Param = name
		case strings.ContainsAny(p, "{}"):
			return nil, fmt.Errorf("template %q: parameter must be a whole segment: %q", tpl, p)
		default:
			segs[i].Literal = p
		}
	}
	return segs, nil
}

func (rt *Router[T]) insert(e Entry[T]) error {
	segs, err := ParseTemplate(e.Template)
	if err != nil {
		return err
	}
	if e.Method == "" {
		return fmt.Errorf("route %s: empty method", e.Template)
	}
	n := &rt.root
	var names []string
	for _, s := range segs {
		if s.Param != "" {
			names = append(names, s.Param)
			if n.param == nil {
				n.param = &node[T]{}
			}
			n = n.param
			continue
		}
		next := n.literal(s.Literal)
		if next == nil {
			next = &node[T]{}
			n.lits = append(n.lits, edge[T]{s.Literal, next})
			if n.litMap != nil {
				n.litMap[s.Literal] = next
			} else if len(n.lits) > mapThreshold {
				// Wide levels (10,000 siblings under /v1) are indexed while
				// building, so compiling stays linear in the routes.
				n.litMap = make(map[string]*node[T], 2*len(n.lits))
				for _, ed := range n.lits {
					n.litMap[ed.label] = ed.child
				}
			}
		}
		n = next
	}
	for _, m := range n.methods {
		if m.method == e.Method {
			return fmt.Errorf("%s %s: same method and equivalent path as %s %s", e.Method, e.Template, m.method, m.template)
		}
	}
	n.methods = append(n.methods, entry[T]{method: e.Method, template: e.Template, names: names, value: e.Value})
	rt.count++
	return nil
}

func (n *node[T]) finish() {
	// litMap was filled by insert once the level grew past mapThreshold.
	slices.SortFunc(n.lits, func(a, b edge[T]) int { return strings.Compare(a.label, b.label) })
	if len(n.methods) > 0 {
		slices.SortFunc(n.methods, func(a, b entry[T]) int { return strings.Compare(a.method, b.method) })
		ms := make([]string, len(n.methods))
		for i, m := range n.methods {
			ms[i] = m.method
		}
		n.allow = strings.Join(ms, ", ")
	}
	for _, ed := range n.lits {
		ed.child.finish()
	}
	if n.param != nil {
		n.param.finish()
	}
}

// Lookup matches method and path (the raw, escaped request path). vals is a
// buffer for parameter values (pass a slice with capacity to avoid
// allocating); Match.Values aliases it.
func (rt *Router[T]) Lookup(method, path string, vals []string) Match[T] {
	var m Match[T]
	if path == "" || path[0] != '/' {
		m.Status = http.StatusNotFound
		return m
	}
	vals = vals[:0]
	var n *node[T]
	if path == "/" {
		if len(rt.root.methods) > 0 {
			n = &rt.root
		}
	} else {
		n, vals = rt.root.walk(path, 0, vals)
	}
	if n == nil {
		m.Status = http.StatusNotFound
		return m
	}
	m.Allow = n.allow
	for i := range n.methods {
		e := &n.methods[i]
		if e.method == method {
			m.Status = http.StatusOK
			m.Value = e.value
			m.Names = e.names
			m.Values = vals
			m.Template = e.template
			return m
		}
	}
	m.Status = http.StatusMethodNotAllowed
	m.Template = n.methods[0].template
	return m
}

// walk matches the segment starting after path[i] (a '/') and everything
// after it, returning the terminal node or nil.
func (n *node[T]) walk(path string, i int, vals []string) (*node[T], []string) {
	start := i + 1
	end := start
	for end < len(path) && path[end] != '/' {
		end++
	}
	seg := path[start:end]
	if seg == "" {
		return nil, vals
	}
	last := end == len(path)
	if child := n.literal(seg); child != nil {
		if last {
			if len(child.methods) > 0 {
				return child, vals
			}
		} else if t, v := child.walk(path, end, vals); t != nil {
			return t, v
		}
	}
	if n.param != nil {
		k := len(vals)
		vals = append(vals, seg)
		if last {
			if len(n.param.methods) > 0 {
				return n.param, vals
			}
		} else if t, v := n.param.walk(path, end, vals); t != nil {
			return t, v
		}
		vals = vals[:k]
	}
	return nil, vals
}

func (n *node[T]) literal(seg string) *node[T] {
	if n.litMap != nil {
		return n.litMap[seg]
	}
	for i := range n.lits {
		if n.lits[i].label == seg {
			return n.lits[i].child
		}
	}
	return nil
}

// Methods returns the methods the path has, sorted, or "" when it is
// unknown (used to answer CORS preflights for paths without an OPTIONS
// route).
func (rt *Router[T]) Methods(path string) string {
	return rt.Lookup("", path, nil).Allow
}
