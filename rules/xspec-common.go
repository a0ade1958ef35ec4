package rules

import (
	"sort"
	"strconv"
	"strings"

	"github.com/gwctl/gwctl/lint/spec"
)

// Cross-spec helpers shared by the xspec-* rules (catalogue §10). Every
// identifier here starts with xs so that the xspec files never collide with
// helpers the per-document rules add.

// xsLoc names a node's place for messages: "specs/orders.yaml:42".
func xsLoc(n *spec.Node) string {
	p := n.Pos()
	return p.File + ":" + strconv.Itoa(p.Line)
}

// xsBasePath is the prefix the gateway puts before an operation's path, as
// publish computes it: x-gateway.basePath of the nearest level that sets it
// (operation, path item, document), else the path part of the nearest
// servers[0].url with variables replaced by their defaults. No trailing slash.
func xsBasePath(op *spec.Operation) string {
	set := op.Doc.Set
	for _, n := range []*spec.Node{op.Node, op.PathItem, op.Doc.Root} {
		if xg := n.Get("x-gateway"); xg.IsMap() && xg.Has("basePath") {
			return strings.TrimSuffix(xg.Str("basePath"), "/")
		}
	}
	servers := op.Servers()
	if servers == nil {
		return ""
	}
	p, err := spec.ServerBasePath(set.Deref(servers.Items()[0]))
	if err != nil {
		return "" // publish refuses it; nothing to compare
	}
	return p
}

// xsBaseDecider returns the node whose settings decide xsBasePath(op): the
// nearest x-gateway with a basePath or servers list (nil when none), so that
// the base path can be computed once per such node.
func xsBaseDecider(op *spec.Operation) *spec.Node {
	for _, n := range []*spec.Node{op.Node, op.PathItem, op.Doc.Root} {
		if xg := n.Get("x-gateway"); xg.IsMap() && xg.Has("basePath") {
			return xg
		}
	}
	return op.Servers()
}

// xsJoinPath puts a base path before a path key.
func xsJoinPath(base, path string) string {
	if base == "" {
		return path
	}
	if path == "/" || path == "" {
		return base
	}
	return base + path
}

// xsSorted returns the keys of a set, sorted.
func xsSorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// xsAnd joins words as "a, b and c".
func xsAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// xsPercent is a whole percentage, rounded down except that a non-zero part
// never shows as 0% and a part short of the whole never shows as 100%.
func xsPercent(part, whole int) int {
	if whole == 0 {
		return 0
	}
	p := part * 100 / whole
	if p == 0 && part > 0 {
		p = 1
	}
	if p == 100 && part < whole {
		p = 99
	}
	return p
}

// xsPlural writes "1 spec" or "3 specs".
func xsPlural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// xsDerefs follows $refs like Set.Deref, remembering each (file, $ref text)
// target: the same reference written on hundreds of operations (a shared
// error response) is looked up once per Check.
type xsDerefs struct {
	set   *spec.Set
	cache map[xsRefKey]*spec.Node
}

type xsRefKey struct {
	file *spec.File
	ref  string
}

func newXsDerefs(set *spec.Set) *xsDerefs {
	return &xsDerefs{set: set, cache: map[xsRefKey]*spec.Node{}}
}

func (d *xsDerefs) deref(n *spec.Node) *spec.Node {
	ref := spec.Ref(n)
	if ref == "" {
		return n
	}
	k := xsRefKey{n.File(), ref}
	if t, ok := d.cache[k]; ok {
		return t
	}
	t := d.set.Deref(n)
	d.cache[k] = t
	return t
}
